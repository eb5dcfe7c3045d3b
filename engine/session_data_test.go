package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/lakebook/lakebook/engine/arrowipc"

	"github.com/lakebook/lakebook/notebooks"
)

func TestQueryArrowRegisterArrow(t *testing.T) {
	e := newEngine(t, Options{})
	s := newSession(t, e)
	ctx := context.Background()
	data, err := s.QueryArrow(ctx, "select range as i, 'x' || range as s, DATE '2001-01-01' + range::INT as d from range(3000)", 0)
	if err != nil {
		t.Fatal(err)
	}
	// A round trip keeps the rows, their order and their types.
	if n, err := s.RegisterArrow(ctx, "back", data); err != nil || n != 3000 {
		t.Fatalf("RegisterArrow: %d %v", n, err)
	}
	res := mustQuery(t, s, "select count(*), min(i), max(s), max(d), (select typeof(d) from back limit 1) from back")
	if got := res.Rows[0]; got[0] != int64(3000) || got[1] != int64(0) || got[2] != "x999" || got[3] != "2009-03-19" || got[4] != "DATE" {
		t.Fatalf("back: %v", got)
	}
	// Order is kept, for big results too.
	desc, err := s.QueryArrow(ctx, "select range as r from range(300000) order by range % 7, range desc", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterArrow(ctx, "desc_back", desc); err != nil {
		t.Fatal(err)
	}
	res = mustQuery(t, s, `select count(*) from (select r, lag(r) over (order by rowid) as prev from desc_back)
		where prev is not null and (prev % 7 > r % 7 or (prev % 7 = r % 7 and prev < r))`)
	if res.Rows[0][0] != int64(0) {
		t.Fatalf("%v rows out of order", res.Rows[0][0])
	}
	if _, err := s.QueryArrow(ctx, "select * from range(11)", 10); notebooks.ErrorCode(err) != notebooks.ERun {
		t.Fatalf("over maxRows: %v", err)
	}
	// The result a QueryArrow made is gone once it returned.
	s.mu.Lock()
	results := len(s.results)
	s.mu.Unlock()
	if results != 2 { // the two mustQuery above
		t.Fatalf("%d results kept", results)
	}

	mustQuery(t, s, "create view v as select 1; create temp table t as select 1")
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"v", data, `a view of that name`},
		{"t", data, `a table of that name that a Go paragraph did not register`},
		{"V", data, `a view of that name`},
		{"1x", data, `use letters, digits and _`},
		{strings.Repeat("x", 64), data, `at most 63 characters`},
		{"ok", []byte("not arrow"), `not an Arrow IPC stream`},
		{"ok", data[:len(data)/2], `not an Arrow IPC stream`},
	} {
		_, err := s.RegisterArrow(ctx, c.name, c.data)
		if notebooks.ErrorCode(err) != notebooks.EInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RegisterArrow(%q): %v, want EInvalid with %q", c.name, err, c.want)
		}
	}
	if res := mustQuery(t, s, "select count(*) from duckdb_tables() where table_name = 'ok'"); res.Rows[0][0] != int64(0) {
		t.Fatal("a failed RegisterArrow left a table")
	}
}

// The Parquet way and the value-by-value way give the same Arrow data.
func TestQueryArrowWays(t *testing.T) {
	e := newEngine(t, Options{})
	s := newSession(t, e)
	ctx := context.Background()
	res := mustQuery(t, s, `select i % 2 = 0 as b, (i % 100)::TINYINT as ti, (i % 200)::UTINYINT as ut, i::INTEGER as n, i * 1000000000000 as big,
		i / 3 as f, (i / 7)::DECIMAL(9,3) as dec, 'v' || i as s, DATE '2001-01-01' + i::INT as d,
		TIMESTAMP '2001-01-01 10:00:00' + to_seconds(i) as ts, TIMESTAMPTZ '2001-01-01 10:00:00+00' + to_seconds(i) as tz,
		(TIMESTAMP '2001-01-01' + to_seconds(i))::TIMESTAMP_NS as ns, (TIMESTAMP '2001-01-01' + to_seconds(i))::TIMESTAMP_MS as ms,
		CASE WHEN i % 5 = 0 THEN NULL ELSE i END as nulls
		from range(1000) r(i)`)
	var byParquet, byRows []byte
	err := s.withResult(ctx, res.ID, false, func(ctx context.Context, src *source) error {
		if !viaParquet(src.cols) {
			t.Fatalf("not via Parquet: %+v", src.cols)
		}
		var err error
		if byParquet, err = s.arrowViaParquet(ctx, src); err != nil {
			return err
		}
		byRows, err = s.arrowByRows(ctx, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := readIPC(t, byParquet), readIPC(t, byRows)
	if len(a) != len(b) {
		t.Fatalf("%d columns, %d columns", len(a), len(b))
	}
	for c := range a {
		if a[c].name != b[c].name || a[c].typ != b[c].typ || len(a[c].vals) != 1000 || fmt.Sprint(a[c].vals) != fmt.Sprint(b[c].vals) {
			t.Errorf("column %s (%s): by Parquet %v…, by rows %s %v…", a[c].name, a[c].typ, a[c].vals[:3], b[c].typ, b[c].vals[:3])
		}
	}
	if viaParquet([]colInfo{{typ: "INTEGER[]", class: classNested, readable: true}}) {
		t.Error("a list goes via Parquet")
	}
}

type ipcColumn struct {
	name, typ string
	vals      []string
}

func readIPC(t *testing.T, data []byte) []ipcColumn {
	t.Helper()
	rd, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	cols := make([]ipcColumn, len(rd.Schema().Fields()))
	for i, f := range rd.Schema().Fields() {
		typ, _ := f.Metadata.GetValue(arrowipc.TypeKey)
		cols[i] = ipcColumn{name: f.Name, typ: typ + " as " + f.Type.String()}
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		for i := range cols {
			col := rec.Column(i)
			for j := range col.Len() {
				cols[i].vals = append(cols[i].vals, col.ValueStr(j))
			}
		}
	}
	return cols
}
