package main

import (
	"encoding/json"
	"math/big"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

func dec(v int64, scale uint8) duckdb.Decimal {
	return duckdb.Decimal{Width: 15, Scale: scale, Value: big.NewInt(v)}
}

func TestCompareRows(t *testing.T) {
	day := time.Date(1995, 3, 15, 0, 0, 0, 0, time.UTC)
	want := [][]any{
		{"A", int64(3), dec(12345, 2), 0.1 + 0.2, day, nil},
		{"B", int32(4), dec(-5, 1), 2.0, day, nil},
	}
	same := [][]any{
		{"A", json.Number("3"), json.Number("123.450"), 0.3, "1995-03-15", nil},
		{"B", "4", "-0.5", 2.0 + 1e-12, day, nil},
	}
	if d := compareRows(want, same, true); d != "" {
		t.Fatalf("equal rows differ: %s", d)
	}
	reversed := [][]any{same[1], same[0]}
	if d := compareRows(want, reversed, false); d != "" {
		t.Fatalf("unordered compare: %s", d)
	}
	if d := compareRows(want, reversed, true); d == "" {
		t.Fatal("ordered compare accepted swapped rows")
	}
	for i, bad := range [][]any{
		{"A", int64(3), dec(12346, 2), 0.3, day, nil},          // decimal off by a cent
		{"A", int64(3), dec(12345, 2), 0.3001, day, nil},       // float beyond tolerance
		{"A", int64(3), dec(12345, 2), 0.3, "1995-03-16", nil}, // date
		{"A", int64(3), dec(12345, 2), 0.3, day, int64(0)},     // NULL vs 0
		{"a", int64(3), dec(12345, 2), 0.3, day, nil},          // text
	} {
		if d := compareRows(want[:1], [][]any{bad}, true); d == "" {
			t.Errorf("case %d: accepted %v", i, bad)
		}
	}
	if d := compareRows(want, want[:1], true); d == "" {
		t.Fatal("accepted a missing row")
	}
}

func TestOrdered(t *testing.T) {
	qs, err := loadQueries("")
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 22 {
		t.Fatalf("%d queries", len(qs))
	}
	unordered := map[string]bool{"q06": true, "q14": true, "q17": true, "q19": true}
	for _, q := range qs {
		if ordered(q.text) == unordered[q.name] {
			t.Errorf("%s: ordered = %v", q.name, ordered(q.text))
		}
	}
}

func TestScaleOf(t *testing.T) {
	for _, c := range []struct {
		sf    float64
		scale int64
		frac  float64
		ok    bool
	}{{1, 1, 1, true}, {10, 10, 1, true}, {0.1, 1, 0.1, true}, {1.5, 0, 0, false}, {0, 0, 0, false}, {-1, 0, 0, false}} {
		scale, frac, err := scaleOf(c.sf)
		if (err == nil) != c.ok || scale != c.scale || frac != c.frac {
			t.Errorf("scaleOf(%g) = %d, %g, %v", c.sf, scale, frac, err)
		}
	}
}

func TestTableURL(t *testing.T) {
	env := lakebookEnv{StoreURL: "s3://lakebook-test/tpch?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1&use_path_style=true"}
	want := "s3://lakebook-test/tpch/lineitem?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1&use_path_style=true"
	if got := env.TableURL("lineitem"); got != want {
		t.Fatalf("TableURL = %s, want %s", got, want)
	}
}
