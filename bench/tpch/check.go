package main

// The answer check: a runner's rows against DuckDB-alone's.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// relTol is the relative tolerance for values that are not exact on both sides (DOUBLE).
const relTol = 1e-9

var orderByRE = regexp.MustCompile(`(?i)\border\s+by\b`)

// ordered reports whether the order of a query's rows is part of its answer.
func ordered(query string) bool { return orderByRE.MatchString(query) }

// compareRows returns "" when got matches want, else what differs first. Rows are compared in
// order when inOrder, else as multisets. Values compare by meaning, not by Go type: numbers
// that are exact on both sides (integers, DECIMAL, json.Number, numeric text) must be equal;
// when either is a float they must agree within relTol; dates and times compare as text
// (YYYY-MM-DD for a date), so a runner may return them as strings.
func compareRows(want, got [][]any, inOrder bool) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d rows, want %d", len(got), len(want))
	}
	if !inOrder {
		want, got = sortedRows(want), sortedRows(got)
	}
	for i := range want {
		if len(want[i]) != len(got[i]) {
			return fmt.Sprintf("row %d: %d columns, want %d", i+1, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if !sameValue(want[i][j], got[i][j]) {
				return fmt.Sprintf("row %d col %d: %s, want %s", i+1, j+1, show(got[i][j]), show(want[i][j]))
			}
		}
	}
	return ""
}

func sortedRows(rows [][]any) [][]any {
	type keyed struct {
		key string
		row []any
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			parts[j] = show(v)
		}
		ks[i] = keyed{strings.Join(parts, "\x00"), r}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([][]any, len(rows))
	for i, k := range ks {
		out[i] = k.row
	}
	return out
}

// value is a normalized cell.
type value struct {
	null  bool
	exact *big.Rat // integers and decimals
	float float64  // when isFloat
	isFlt bool
	text  string // everything else, and the text form of numbers
}

func (v value) isNum() bool { return v.exact != nil || v.isFlt }

func (v value) f64() float64 {
	if v.isFlt {
		return v.float
	}
	f, _ := v.exact.Float64()
	return f
}

func normalize(x any) value {
	switch x := x.(type) {
	case nil:
		return value{null: true}
	case int:
		return exactInt(int64(x))
	case int8:
		return exactInt(int64(x))
	case int16:
		return exactInt(int64(x))
	case int32:
		return exactInt(int64(x))
	case int64:
		return exactInt(x)
	case uint8:
		return exactInt(int64(x))
	case uint16:
		return exactInt(int64(x))
	case uint32:
		return exactInt(int64(x))
	case uint64:
		return value{exact: new(big.Rat).SetInt(new(big.Int).SetUint64(x)), text: fmt.Sprint(x)}
	case *big.Int:
		return value{exact: new(big.Rat).SetInt(x), text: x.String()}
	case float32:
		return value{float: float64(x), isFlt: true, text: fmt.Sprint(x)}
	case float64:
		return value{float: x, isFlt: true, text: fmt.Sprint(x)}
	case duckdb.Decimal:
		r := new(big.Rat).SetFrac(x.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil))
		return value{exact: r, text: x.String()}
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			return value{exact: r, text: string(x)}
		}
		return value{text: string(x)}
	case time.Time:
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return value{text: x.UTC().Format("2006-01-02")}
		}
		return value{text: x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		return value{text: string(x)}
	case string:
		return value{text: x}
	default:
		return value{text: fmt.Sprint(x)}
	}
}

func exactInt(n int64) value {
	return value{exact: new(big.Rat).SetInt64(n), text: fmt.Sprint(n)}
}

// asNumber reads numeric text (a runner that returns wide numbers as strings).
func asNumber(v value) (value, bool) {
	if v.isNum() || v.null {
		return v, v.isNum()
	}
	if r, ok := new(big.Rat).SetString(strings.TrimSpace(v.text)); ok {
		return value{exact: r, text: v.text}, true
	}
	return v, false
}

func sameValue(a, b any) bool {
	va, vb := normalize(a), normalize(b)
	if va.null || vb.null {
		return va.null && vb.null
	}
	if va.isNum() || vb.isNum() {
		var oka, okb bool
		va, oka = asNumber(va)
		vb, okb = asNumber(vb)
		if !oka || !okb {
			return false
		}
		if va.exact != nil && vb.exact != nil {
			return va.exact.Cmp(vb.exact) == 0
		}
		return closeEnough(va.f64(), vb.f64())
	}
	return va.text == vb.text
}

func closeEnough(a, b float64) bool {
	if a == b {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= relTol*math.Max(math.Abs(a), math.Abs(b))
}

func show(x any) string {
	v := normalize(x)
	if v.null {
		return "NULL"
	}
	return v.text
}
