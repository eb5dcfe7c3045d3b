package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/lakebook/lakebook/notebooks"
)

// testData is 60 rows: i 0..59, g = i%3, b = i%2, s a name (NULL every 10th row), f = i/2,
// d a date from 2024-01-01.
const testData = `SELECT i::INTEGER AS i, (i % 3)::INTEGER AS g, (i % 2)::INTEGER AS b,
	CASE WHEN i % 10 = 0 THEN NULL ELSE 'name ' || i END AS s, i * 0.5 AS f,
	DATE '2024-01-01' + i::INTEGER AS d FROM range(60) r(i)`

// resultKind makes a result of testData in a session; each kind keeps its rows differently.
type resultKind struct {
	name string
	make func(t testing.TB) (*Session, string)
}

var resultKinds = []resultKind{
	{"table", func(t testing.TB) (*Session, string) {
		// A page size below the row count keeps the result in a table.
		s := newSession(t, newEngine(t, Options{PageSize: 10}))
		return s, mustKind(t, s, testData, "table")
	}},
	{"memory", func(t testing.TB) (*Session, string) {
		s := newSession(t, newEngine(t, Options{}))
		return s, mustKind(t, s, testData, "memory")
	}},
	{"direct", func(t testing.TB) (*Session, string) {
		// INSERT … RETURNING cannot be materialized: its rows are read directly.
		s := newSession(t, newEngine(t, Options{}))
		return s, mustKind(t, s, "CREATE TEMP TABLE src AS "+testData+" LIMIT 0;\nINSERT INTO src "+testData+" RETURNING *", "memory")
	}},
}

// mustKind runs sql and checks the result is kept as kind: in a "table" or in Go "memory".
func mustKind(t testing.TB, s *Session, sql, kind string) string {
	t.Helper()
	res := mustQuery(t, s, sql)
	s.mu.Lock()
	r := s.results[res.ID]
	s.mu.Unlock()
	if r == nil || (r.table != "") != (kind == "table") {
		t.Fatalf("result of %q is not kept in a %s", sql, kind)
	}
	return res.ID
}

// decoded is an Arrow IPC stream read back: its schema and its values by row, NULLs as nil,
// dates as YYYY-MM-DD, timestamps as RFC 3339 in UTC, times as HH:MM:SS.ffffff, binary as a
// string.
type decoded struct {
	schema *arrow.Schema
	rows   [][]any
}

func decodeIPC(t testing.TB, b []byte) decoded {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ipc.NewReader: %v", err)
	}
	defer r.Release()
	d := decoded{schema: r.Schema(), rows: [][]any{}}
	batches := 0
	for r.Next() {
		batches++
		rec := r.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for j, col := range rec.Columns() {
				row[j] = arrowValue(col, i)
			}
			d.rows = append(d.rows, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("ipc read: %v", err)
	}
	if batches != 1 {
		t.Errorf("%d record batches, want 1", batches)
	}
	return d
}

func arrowValue(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Time64:
		return a.Value(i).ToTime(arrow.Microsecond).Format("15:04:05.999999")
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano)
	}
	return col.GetOneForMarshal(i)
}

func column(d decoded, name string) []any {
	idx := d.schema.FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	out := make([]any, len(d.rows))
	for i, row := range d.rows {
		out[i] = row[idx[0]]
	}
	return out
}

func ints(vs ...int64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func TestRows(t *testing.T) {
	tests := []struct {
		name    string
		q       RowsQuery
		col     string
		want    []any
		matched int64
	}{
		{name: "page", q: RowsQuery{Offset: 5, Limit: 3}, col: "i", want: ints(5, 6, 7), matched: 60},
		{name: "past the end", q: RowsQuery{Offset: 58, Limit: 5}, col: "i", want: ints(58, 59), matched: 60},
		{name: "beyond", q: RowsQuery{Offset: 100, Limit: 5}, col: "i", want: []any{}, matched: 60},
		{name: "sort desc", q: RowsQuery{Limit: 3, Sort: []SortKey{{Column: "i", Desc: true}}}, col: "i", want: ints(59, 58, 57), matched: 60},
		{name: "two keys", q: RowsQuery{Limit: 3, Sort: []SortKey{{Column: "g"}, {Column: "i", Desc: true}}}, col: "i", want: ints(57, 54, 51), matched: 60},
		{name: "ties keep order", q: RowsQuery{Offset: 1, Limit: 3, Sort: []SortKey{{Column: "b"}}}, col: "i", want: ints(2, 4, 6), matched: 60},
		{name: "nulls last", q: RowsQuery{Offset: 52, Limit: 10, Sort: []SortKey{{Column: "s", Desc: true}}}, col: "s",
			want: []any{"name 11", "name 1", nil, nil, nil, nil, nil, nil}, matched: 60},
		{name: "filter eq", q: RowsQuery{Limit: 3, Filter: []Filter{{Column: "g", Op: "=", Value: 1.0}}, Sort: []SortKey{{Column: "i"}}},
			col: "i", want: ints(1, 4, 7), matched: 20},
		{name: "filter paged", q: RowsQuery{Offset: 19, Limit: 3, Filter: []Filter{{Column: "g", Op: "=", Value: 1.0}}},
			col: "i", want: ints(58), matched: 20},
		{name: "contains ignores case", q: RowsQuery{Limit: 20, Filter: []Filter{{Column: "s", Op: "contains", Value: "NAME 1"}}},
			col: "i", want: ints(1, 11, 12, 13, 14, 15, 16, 17, 18, 19), matched: 10},
		{name: "is_null", q: RowsQuery{Limit: 10, Filter: []Filter{{Column: "s", Op: "is_null"}}}, col: "i", want: ints(0, 10, 20, 30, 40, 50), matched: 6},
		{name: "not_null", q: RowsQuery{Limit: 1, Filter: []Filter{{Column: "s", Op: "not_null"}}}, col: "i", want: ints(1), matched: 54},
		{name: "date", q: RowsQuery{Limit: 2, Filter: []Filter{{Column: "d", Op: ">=", Value: "2024-02-01"}}}, col: "d",
			want: []any{"2024-02-01", "2024-02-02"}, matched: 29},
		{name: "decimal", q: RowsQuery{Filter: []Filter{{Column: "f", Op: "<", Value: 2}}}, col: "f", want: []any{0.0, 0.5, 1.0, 1.5}, matched: 4},
		{name: "and", q: RowsQuery{Filter: []Filter{{Column: "i", Op: "<", Value: 5.0}, {Column: "i", Op: "!=", Value: 2.0}}},
			col: "i", want: ints(0, 1, 3, 4), matched: 4},
		{name: "no rounding", q: RowsQuery{Filter: []Filter{{Column: "i", Op: "=", Value: 1.5}}}, col: "i", want: []any{}, matched: 0},
		{name: "number as text", q: RowsQuery{Filter: []Filter{{Column: "i", Op: "<=", Value: "1"}}}, col: "i", want: ints(0, 1), matched: 2},
		{name: "text compares as text", q: RowsQuery{Filter: []Filter{{Column: "s", Op: ">", Value: "name 7"}}, Sort: []SortKey{{Column: "s"}}},
			col: "s", want: []any{"name 8", "name 9"}, matched: 2},
	}
	for _, kind := range resultKinds {
		t.Run(kind.name, func(t *testing.T) {
			s, id := kind.make(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b, matched, err := s.Rows(context.Background(), id, tt.q)
					if err != nil {
						t.Fatalf("Rows: %v", err)
					}
					if matched != tt.matched {
						t.Errorf("matched = %d, want %d", matched, tt.matched)
					}
					d := decodeIPC(t, b)
					if len(d.schema.Fields()) != 6 {
						t.Fatalf("schema = %v", d.schema)
					}
					if got := column(d, tt.col); !reflect.DeepEqual(got, tt.want) {
						t.Errorf("%s = %v, want %v", tt.col, got, tt.want)
					}
				})
			}
			// A limit of 0 is the page size; limits are capped at MaxPageSize.
			b, _, err := s.Rows(context.Background(), id, RowsQuery{})
			if n := len(decodeIPC(t, b).rows); err != nil || n != min(s.e.opts.PageSize, 60) {
				t.Errorf("default limit: %d rows, %v", n, err)
			}
		})
	}
}

func TestRowsLimitCapped(t *testing.T) {
	s := newSession(t, newEngine(t, Options{MaxPageSize: 500}))
	res := mustQuery(t, s, "select range as i from range(2000)")
	b, matched, err := s.Rows(context.Background(), res.ID, RowsQuery{Limit: 100_000})
	if err != nil || matched != 2000 {
		t.Fatalf("Rows: %v, matched %d", err, matched)
	}
	if n := len(decodeIPC(t, b).rows); n != 500 {
		t.Errorf("%d rows, want MaxPageSize 500", n)
	}
}

// allTypes is one row of every type the Arrow encoding maps, and one row of NULLs.
const allTypes = `SELECT * FROM (VALUES
	(true, 1::TINYINT, 2::SMALLINT, 3::INTEGER, 9007199254740993::BIGINT, 5::UTINYINT, 6::USMALLINT,
	 7::UINTEGER, 18446744073709551615::UBIGINT, 1.5::FLOAT, 2.25::DOUBLE, 123.45::DECIMAL(10,2),
	 'héllo', DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMPTZ '2024-01-02 03:04:05+00',
	 TIMESTAMP_NS '2024-01-02 03:04:05.123456789', TIMESTAMP_S '2024-01-02 03:04:05', TIMESTAMP_MS '2024-01-02 03:04:05.123',
	 TIME '01:02:03.5', '\xAA\x00'::BLOB, [1, NULL, 3], {'a': 1, 'b': 'x'}, MAP {'k': 1}, INTERVAL 1 DAY,
	 '00000000-0000-0000-0000-000000000001'::UUID, 170141183460469231731687303715884105727::HUGEINT, DATE '1969-12-31'),
	(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) t(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, dec, str, date, ts, tstz, tsns, tss, tsms, tm, blob, list,
	struct, map, iv, uuid, huge, old)`

func TestRowsArrowTypes(t *testing.T) {
	want := []struct {
		name string
		typ  arrow.DataType
		val  any
	}{
		{"bool", arrow.FixedWidthTypes.Boolean, true},
		{"i8", arrow.PrimitiveTypes.Int8, int64(1)},
		{"i16", arrow.PrimitiveTypes.Int16, int64(2)},
		{"i32", arrow.PrimitiveTypes.Int32, int64(3)},
		{"i64", arrow.PrimitiveTypes.Int64, int64(9007199254740993)}, // past 2^53: exact in Arrow
		{"u8", arrow.PrimitiveTypes.Uint8, uint64(5)},
		{"u16", arrow.PrimitiveTypes.Uint16, uint64(6)},
		{"u32", arrow.PrimitiveTypes.Uint32, uint64(7)},
		{"u64", arrow.PrimitiveTypes.Uint64, uint64(18446744073709551615)},
		{"f32", arrow.PrimitiveTypes.Float32, 1.5},
		{"f64", arrow.PrimitiveTypes.Float64, 2.25},
		{"dec", arrow.PrimitiveTypes.Float64, 123.45},
		{"str", arrow.BinaryTypes.String, "héllo"},
		{"date", arrow.FixedWidthTypes.Date32, "2024-02-29"},
		{"ts", &arrow.TimestampType{Unit: arrow.Microsecond}, "2024-01-02T03:04:05.123456Z"},
		{"tstz", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, "2024-01-02T03:04:05Z"},
		{"tsns", &arrow.TimestampType{Unit: arrow.Nanosecond}, "2024-01-02T03:04:05.123456789Z"},
		{"tss", &arrow.TimestampType{Unit: arrow.Second}, "2024-01-02T03:04:05Z"},
		{"tsms", &arrow.TimestampType{Unit: arrow.Millisecond}, "2024-01-02T03:04:05.123Z"},
		{"tm", arrow.FixedWidthTypes.Time64us, "01:02:03.5"},
		{"blob", arrow.BinaryTypes.Binary, "\xaa\x00"},
		{"list", arrow.BinaryTypes.String, "[1,null,3]"},
		{"struct", arrow.BinaryTypes.String, `{"a":1,"b":"x"}`},
		{"map", arrow.BinaryTypes.String, `{"k":1}`},
		{"iv", arrow.BinaryTypes.String, "1 day"},
		{"uuid", arrow.BinaryTypes.String, "00000000-0000-0000-0000-000000000001"},
		{"huge", arrow.BinaryTypes.String, "170141183460469231731687303715884105727"},
		{"old", arrow.FixedWidthTypes.Date32, "1969-12-31"},
	}
	for _, pageSize := range []int{1, 100} { // a result table, and a small result loaded from Go
		t.Run(fmt.Sprintf("page size %d", pageSize), func(t *testing.T) {
			s := newSession(t, newEngine(t, Options{PageSize: pageSize}))
			res := mustQuery(t, s, allTypes)
			b, matched, err := s.Rows(context.Background(), res.ID, RowsQuery{Limit: 10})
			if err != nil || matched != 2 {
				t.Fatalf("Rows: %v, matched %d", err, matched)
			}
			d := decodeIPC(t, b)
			if len(d.rows) != 2 {
				t.Fatalf("%d rows", len(d.rows))
			}
			for i, w := range want {
				f := d.schema.Field(i)
				if f.Name != w.name || !arrow.TypeEqual(f.Type, w.typ) {
					t.Errorf("field %d = %s %s, want %s %s", i, f.Name, f.Type, w.name, w.typ)
					continue
				}
				if typ, _ := f.Metadata.GetValue("lakebook.type"); typ == "" {
					t.Errorf("field %s has no DuckDB type", f.Name)
				}
				if got := d.rows[0][i]; !reflect.DeepEqual(got, w.val) {
					t.Errorf("%s = %#v, want %#v", w.name, got, w.val)
				}
				if got := d.rows[1][i]; got != nil {
					t.Errorf("%s NULL = %#v", w.name, got)
				}
			}
		})
	}
}

func TestRowsBadInput(t *testing.T) {
	s, id := resultKinds[0].make(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		q     RowsQuery
		code  string
		field string
	}{
		{"negative offset", RowsQuery{Offset: -1}, notebooks.EInvalid, "rows.offset"},
		{"negative limit", RowsQuery{Limit: -5}, notebooks.EInvalid, "rows.limit"},
		{"unknown sort column", RowsQuery{Sort: []SortKey{{Column: "nope"}}}, notebooks.EInvalid, "rows.sort[0].column"},
		{"sort column is not an expression", RowsQuery{Sort: []SortKey{{Column: "i; drop table src"}}}, notebooks.EInvalid, "rows.sort[0].column"},
		{"unknown filter column", RowsQuery{Filter: []Filter{{Column: "I", Op: "="}}}, notebooks.EInvalid, "rows.filter[0].column"},
		{"unknown op", RowsQuery{Filter: []Filter{{Column: "i", Op: "like", Value: "x"}}}, notebooks.EInvalid, "rows.filter[0].op"},
		{"op is not SQL", RowsQuery{Filter: []Filter{{Column: "i", Op: "= 1 or 1 =", Value: 1.0}}}, notebooks.EInvalid, "rows.filter[0].op"},
		{"missing value", RowsQuery{Filter: []Filter{{Column: "i", Op: "="}}}, notebooks.EInvalid, "rows.filter[0].value"},
		{"not a number", RowsQuery{Filter: []Filter{{Column: "g", Op: "=", Value: "two"}}}, notebooks.EInvalid, "rows.filter[0].value"},
		{"object value", RowsQuery{Filter: []Filter{{Column: "s", Op: "=", Value: map[string]any{"a": 1}}}}, notebooks.EInvalid, "rows.filter[0].value"},
		{"not a date", RowsQuery{Filter: []Filter{{Column: "d", Op: "<", Value: "yesterday"}}}, notebooks.EInvalid, "rows.filter"},
		{"second filter", RowsQuery{Filter: []Filter{{Column: "i", Op: "=", Value: 1.0}, {Column: "x", Op: "="}}}, notebooks.EInvalid, "rows.filter[1].column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Rows(ctx, id, tt.q)
			var ne *notebooks.Error
			if !errors.As(err, &ne) || ne.Code != tt.code || !strings.HasPrefix(ne.Message, tt.field) {
				t.Errorf("err = %v, want %s naming %s", err, tt.code, tt.field)
			}
		})
	}
	if _, _, err := s.Rows(ctx, "nope", RowsQuery{}); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("unknown id: %v", err)
	}
	// The session is fine after all that.
	if _, _, err := s.Rows(ctx, id, RowsQuery{Limit: 1}); err != nil {
		t.Errorf("Rows after errors: %v", err)
	}
}

func TestFilterValuesStayValues(t *testing.T) {
	for _, kind := range resultKinds {
		t.Run(kind.name, func(t *testing.T) {
			s, id := kind.make(t)
			ctx := context.Background()
			mustQuery(t, s, "CREATE TEMP TABLE x AS SELECT 1 AS a")
			evil := `'; drop table x; --`
			for _, op := range []string{"=", "!=", "<", "contains"} {
				for _, col := range []string{"s", "d", "i"} {
					_, _, err := s.Rows(ctx, id, RowsQuery{Filter: []Filter{{Column: col, Op: op, Value: evil}}})
					if err != nil && notebooks.ErrorCode(err) != notebooks.EInvalid {
						t.Errorf("%s %s evil: %v", col, op, err)
					}
				}
			}
			_, matched, err := s.Rows(ctx, id, RowsQuery{Filter: []Filter{{Column: "s", Op: "=", Value: evil}}})
			if err != nil || matched != 0 {
				t.Errorf("s = evil: matched %d, %v", matched, err)
			}
			if r := mustQuery(t, s, "SELECT a FROM x"); !reflect.DeepEqual(r.Rows, [][]any{{int64(1)}}) {
				t.Errorf("x = %v", r.Rows)
			}
		})
	}
	// Odd column names are quoted as identifiers wherever they go.
	s := newSession(t, newEngine(t, Options{PageSize: 2}))
	mustQuery(t, s, "CREATE TEMP TABLE x AS SELECT 1 AS a")
	odd := `a"b; drop table x; --`
	res := mustQuery(t, s, `SELECT range AS "a""b; drop table x; --", range % 2 AS rowid FROM range(5)`)
	b, matched, err := s.Rows(context.Background(), res.ID, RowsQuery{Sort: []SortKey{{Column: odd, Desc: true}},
		Filter: []Filter{{Column: odd, Op: ">", Value: 1.0}, {Column: "rowid", Op: "=", Value: 1.0}}})
	if err != nil || matched != 1 || !reflect.DeepEqual(column(decodeIPC(t, b), odd), ints(3)) {
		t.Errorf("odd names: matched %d, %v", matched, err)
	}
	p, err := s.Pivot(context.Background(), res.ID, notebooks.Chart{Type: "bar", Keys: []string{"rowid"}, Values: []notebooks.ChartValue{{Column: odd, Agg: "max"}}})
	if err != nil || !reflect.DeepEqual(p.Rows, [][]any{{int64(0), int64(4)}, {int64(1), int64(3)}}) {
		t.Errorf("pivot on odd names: %v, %v", p, err)
	}
	mustQuery(t, s, "SELECT a FROM x")
}

func TestSummary(t *testing.T) {
	s := newSession(t, newEngine(t, Options{PageSize: 10}))
	res := mustQuery(t, s, `SELECT i, CASE WHEN i % 4 = 0 THEN NULL ELSE i % 5 END AS n, i * 0.25 AS dec,
		CASE WHEN i = 3 THEN 'NaN'::DOUBLE ELSE i / 10 END AS dbl, 'v' || (i % 3) AS s, i % 2 = 0 AS flag,
		DATE '2024-01-01' + i::INTEGER AS d, TIMESTAMP '2024-01-01' + to_seconds(i * 3600) AS ts, [i] AS l,
		{'a': i} AS st, NULL::INTEGER AS empty, TIME_NS '01:02:03' AS tn
		FROM range(100) r(i)`)
	sum, err := s.Summary(context.Background(), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ColumnSummary{}
	for _, c := range sum {
		byName[c.Name] = c
	}
	if len(sum) != 12 || sum[0].Name != "i" || sum[11].Name != "tn" {
		t.Fatalf("summary columns = %+v", sum)
	}
	check := func(name, typ string, nulls, distinct int64, lo, hi any, bins int) {
		t.Helper()
		c := byName[name]
		if c.Type != typ || c.Nulls != nulls || c.Distinct != distinct || !reflect.DeepEqual(c.Min, lo) || !reflect.DeepEqual(c.Max, hi) || len(c.Histogram) != bins {
			t.Errorf("%s = %+v (%d bins), want %s nulls %d distinct %d min %v max %v, %d bins", name, c, len(c.Histogram), typ, nulls, distinct, lo, hi, bins)
		}
		var n int64
		for _, b := range c.Histogram {
			n += b.Count
		}
		if bins > 0 && name != "dbl" && n != 100-nulls {
			t.Errorf("%s: histogram counts %d rows, want %d", name, n, 100-nulls)
		}
	}
	check("i", "BIGINT", 0, 100, int64(0), int64(99), 20)
	check("n", "BIGINT", 25, 5, int64(0), int64(4), 5) // integers: one bin per value when few
	check("dec", "DECIMAL(22,2)", 0, 100, json.Number("0.00"), json.Number("24.75"), 20)
	check("dbl", "DOUBLE", 0, 100, 0.0, "NaN", 20) // NaN sorts last; it is not binned
	check("s", "VARCHAR", 0, 3, "v0", "v2", 0)
	check("flag", "BOOLEAN", 0, 2, false, true, 0)
	check("d", "DATE", 0, 100, "2024-01-01", "2024-04-09", 20)
	check("ts", "TIMESTAMP", 0, 100, "2024-01-01T00:00:00Z", "2024-01-05T03:00:00Z", 20)
	check("l", "BIGINT[]", 0, 100, nil, nil, 0)
	check("st", "STRUCT(a BIGINT)", 0, 100, nil, nil, 0)
	check("empty", "INTEGER", 100, 0, nil, nil, 0)
	check("tn", "TIME_NS", 0, 1, nil, nil, 0)
	if h := byName["d"].Histogram; h[0].Lo != "2024-01-01" || h[0].Hi != "2024-01-06" || h[19].Hi != "2024-04-10" {
		t.Errorf("date bins: %+v … %+v", h[0], h[19])
	}
	if h := byName["n"].Histogram; !reflect.DeepEqual(h[1], Bin{Lo: int64(1), Hi: int64(2), Count: 15}) {
		t.Errorf("n bins: %+v", h)
	}
	var nonNaN int64
	for _, b := range byName["dbl"].Histogram {
		nonNaN += b.Count
	}
	if nonNaN != 99 {
		t.Errorf("dbl histogram counts %d, want 99 (NaN left out)", nonNaN)
	}

	if byName["i"].Approx {
		t.Errorf("100 rows: distinct counted exactly, not estimated")
	}
	// Past exactDistinctRows the count is an estimate, and says so.
	big := mustQuery(t, s, fmt.Sprintf("SELECT range AS i FROM range(%d)", exactDistinctRows+1))
	if sum, err := s.Summary(context.Background(), big.ID); err != nil || !sum[0].Approx || sum[0].Distinct > exactDistinctRows+1 {
		t.Errorf("big result: %+v, %v; want an estimate of at most %d", sum, err, exactDistinctRows+1)
	}

	// Every kind of result.
	for _, kind := range resultKinds {
		s, id := kind.make(t)
		sum, err := s.Summary(context.Background(), id)
		if err != nil || len(sum) != 6 || sum[3].Nulls != 6 || sum[0].Distinct != 60 || sum[5].Min != "2024-01-01" {
			t.Errorf("%s: %+v, %v", kind.name, sum, err)
		}
	}
}

func TestPivot(t *testing.T) {
	v := func(col, agg string) notebooks.ChartValue { return notebooks.ChartValue{Column: col, Agg: agg} }
	tests := []struct {
		name  string
		chart notebooks.Chart
		cols  []string
		rows  [][]any
		check func(t *testing.T, p *PivotResult)
	}{
		{name: "bar", chart: notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: []notebooks.ChartValue{v("i", "sum")}},
			cols: []string{"g", "sum(i)"}, rows: [][]any{{int64(0), int64(570)}, {int64(1), int64(590)}, {int64(2), int64(610)}}},
		{name: "default agg", chart: notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: []notebooks.ChartValue{v("i", ""), v("s", "")}},
			cols: []string{"g", "sum(i)", "count(s)"}, rows: [][]any{{int64(0), int64(570), int64(18)}, {int64(1), int64(590), int64(18)}, {int64(2), int64(610), int64(18)}}},
		{name: "stacked groups", chart: notebooks.Chart{Type: "area", Stacked: true, Keys: []string{"g"}, Groups: []string{"b"}, Values: []notebooks.ChartValue{v("*", "count")}},
			cols: []string{"g", "b", "count(*)"}, rows: [][]any{{int64(0), int64(0), int64(10)}, {int64(0), int64(1), int64(10)}, {int64(1), int64(0), int64(10)},
				{int64(1), int64(1), int64(10)}, {int64(2), int64(0), int64(10)}, {int64(2), int64(1), int64(10)}}},
		{name: "count distinct", chart: notebooks.Chart{Type: "line", Keys: []string{"b"}, Values: []notebooks.ChartValue{v("g", "count_distinct"), v("s", "count")}},
			cols: []string{"b", "count_distinct(g)", "count(s)"}, rows: [][]any{{int64(0), int64(3), int64(24)}, {int64(1), int64(3), int64(30)}}},
		{name: "median avg min max", chart: notebooks.Chart{Type: "pie", Keys: []string{"b"}, Values: []notebooks.ChartValue{v("i", "median"), v("f", "avg"), v("d", "min"), v("s", "max")}},
			cols: []string{"b", "median(i)", "avg(f)", "min(d)", "max(s)"},
			rows: [][]any{{int64(0), 29.0, 14.5, "2024-01-01", "name 8"}, {int64(1), 30.0, 15.0, "2024-01-02", "name 9"}}},
		{name: "heatmap", chart: notebooks.Chart{Type: "heatmap", Keys: []string{"g", "b"}, Values: []notebooks.ChartValue{v("i", "max")}},
			cols: []string{"g", "b", "max(i)"}, rows: [][]any{{int64(0), int64(0), int64(54)}, {int64(0), int64(1), int64(57)}, {int64(1), int64(0), int64(58)},
				{int64(1), int64(1), int64(55)}, {int64(2), int64(0), int64(56)}, {int64(2), int64(1), int64(59)}}},
		{name: "timeseries", chart: notebooks.Chart{Type: "timeseries", Keys: []string{"d"}, Values: []notebooks.ChartValue{v("i", "sum")}},
			cols: []string{"d", "sum(i)"}, check: func(t *testing.T, p *PivotResult) {
				if len(p.Rows) != 60 || p.Rows[0][0] != "2024-01-01" || p.Rows[59][1] != int64(59) {
					t.Errorf("rows = %v", p.Rows)
				}
			}},
		{name: "null keys last", chart: notebooks.Chart{Type: "bar", Keys: []string{"s"}, Values: []notebooks.ChartValue{v("*", "count")}},
			cols: []string{"s", "count(*)"}, check: func(t *testing.T, p *PivotResult) {
				if len(p.Rows) != 55 || p.Rows[54][0] != nil || p.Rows[54][1] != int64(6) {
					t.Errorf("last row = %v of %d", p.Rows[len(p.Rows)-1], len(p.Rows))
				}
			}},
		{name: "scatter", chart: notebooks.Chart{Type: "scatter", Keys: []string{"f"}, Groups: []string{"g"}, Values: []notebooks.ChartValue{v("s", "")}},
			cols: []string{"f", "s", "g"}, check: func(t *testing.T, p *PivotResult) {
				if len(p.Rows) != 54 || p.Sampled != 0 { // rows with a NULL y are left out
					t.Errorf("%d points, sampled %d", len(p.Rows), p.Sampled)
				}
			}},
		{name: "histogram", chart: notebooks.Chart{Type: "histogram", Values: []notebooks.ChartValue{v("f", "")}, Bins: 4},
			cols: []string{"lo", "hi", "count"}, rows: [][]any{{0.0, 7.375, int64(15)}, {7.375, 14.75, int64(15)}, {14.75, 22.125, int64(15)}, {22.125, 29.5, int64(15)}}},
		{name: "histogram of integers", chart: notebooks.Chart{Type: "histogram", Values: []notebooks.ChartValue{v("i", "")}, Bins: 7},
			cols: []string{"lo", "hi", "count"}, check: func(t *testing.T, p *PivotResult) {
				var n int64
				for _, r := range p.Rows {
					n += r[2].(int64)
				}
				if len(p.Rows) != 7 || n != 60 || p.Rows[0][1] != int64(9) { // 60 values in bins 9 wide
					t.Errorf("rows = %v", p.Rows)
				}
			}},
		{name: "histogram default bins", chart: notebooks.Chart{Type: "histogram", Values: []notebooks.ChartValue{v("d", "")}},
			cols: []string{"lo", "hi", "count"}, check: func(t *testing.T, p *PivotResult) {
				var n int64
				for _, r := range p.Rows {
					n += r[2].(int64)
				}
				if len(p.Rows) != 30 || n != 60 || p.Rows[0][0] != "2024-01-01" || p.Rows[0][1] != "2024-01-03" {
					t.Errorf("rows = %v", p.Rows)
				}
			}},
	}
	for _, kind := range resultKinds {
		t.Run(kind.name, func(t *testing.T) {
			s, id := kind.make(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					p, err := s.Pivot(context.Background(), id, tt.chart)
					if err != nil {
						t.Fatalf("Pivot: %v", err)
					}
					if got := colNames(p.Columns); !reflect.DeepEqual(got, tt.cols) {
						t.Errorf("columns = %v, want %v", got, tt.cols)
					}
					if p.Total != 60 || p.Truncated {
						t.Errorf("total %d, truncated %v", p.Total, p.Truncated)
					}
					if tt.rows != nil && !reflect.DeepEqual(p.Rows, tt.rows) {
						t.Errorf("rows = %#v\nwant %#v", p.Rows, tt.rows)
					}
					if tt.check != nil {
						tt.check(t, p)
					}
				})
			}
		})
	}
}

func TestPivotLimits(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	ctx := context.Background()
	res := mustQuery(t, s, "SELECT i, i % 2 AS g, i * 2 AS y, CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS maybe FROM range(20000) r(i)")
	p, err := s.Pivot(ctx, res.ID, notebooks.Chart{Type: "bar", Keys: []string{"i"}, Values: []notebooks.ChartValue{{Column: "y", Agg: "sum"}}})
	if err != nil || len(p.Rows) != 10_000 || !p.Truncated || p.Total != 20000 || p.Rows[9999][0] != int64(9999) {
		t.Errorf("bar over 20,000 keys: %d rows, truncated %v, %v", len(p.Rows), p.Truncated, err)
	}
	p, err = s.Pivot(ctx, res.ID, notebooks.Chart{Type: "scatter", Keys: []string{"i"}, Groups: []string{"g"}, Values: []notebooks.ChartValue{{Column: "maybe"}}})
	if err != nil || len(p.Rows) != 5000 || p.Sampled != 5000 || p.Total != 20000 {
		t.Fatalf("scatter of 13,333 points: %d rows, sampled %d, %v", len(p.Rows), p.Sampled, err)
	}
	seen := map[any]bool{}
	for _, r := range p.Rows {
		if r[1] == nil || r[1] != r[0] || seen[r[0]] {
			t.Fatalf("sampled point %v: not a distinct row with a y", r)
		}
		seen[r[0]] = true
	}
	// Few enough points after leaving out NULLs: not sampled.
	small := mustQuery(t, s, "SELECT i, CASE WHEN i < 4000 THEN i END AS y FROM range(9000) r(i)")
	p, err = s.Pivot(ctx, small.ID, notebooks.Chart{Type: "scatter", Keys: []string{"i"}, Values: []notebooks.ChartValue{{Column: "y"}}})
	if err != nil || len(p.Rows) != 4000 || p.Sampled != 0 {
		t.Errorf("scatter of 4,000 points: %d rows, sampled %d, %v", len(p.Rows), p.Sampled, err)
	}
	// A histogram of a column with NULLs counts its values.
	p, err = s.Pivot(ctx, res.ID, notebooks.Chart{Type: "histogram", Values: []notebooks.ChartValue{{Column: "maybe"}}, Bins: 50})
	var n int64
	for _, r := range p.Rows {
		n += r[2].(int64)
	}
	if err != nil || len(p.Rows) != 50 || n != 13333 {
		t.Errorf("histogram: %d bins counting %d, %v", len(p.Rows), n, err)
	}
	// No values at all: no bins.
	empty := mustQuery(t, s, "SELECT NULL::DOUBLE AS x FROM range(3)")
	if p, err := s.Pivot(ctx, empty.ID, notebooks.Chart{Type: "histogram", Values: []notebooks.ChartValue{{Column: "x"}}}); err != nil || len(p.Rows) != 0 {
		t.Errorf("histogram of NULLs: %v, %v", p, err)
	}
}

func TestPivotBadChart(t *testing.T) {
	s, id := resultKinds[1].make(t)
	v := func(col, agg string) []notebooks.ChartValue { return []notebooks.ChartValue{{Column: col, Agg: agg}} }
	tests := []struct {
		name  string
		chart notebooks.Chart
		field string
	}{
		{"unknown type", notebooks.Chart{Type: "donut", Keys: []string{"g"}, Values: v("i", "sum")}, "chart.type"},
		{"unknown key", notebooks.Chart{Type: "bar", Keys: []string{"nope"}, Values: v("i", "sum")}, "chart.keys[0]"},
		{"unknown group", notebooks.Chart{Type: "bar", Keys: []string{"g"}, Groups: []string{"g); drop table x; --"}, Values: v("i", "sum")}, "chart.groups[0]"},
		{"unknown value", notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: v("nope", "sum")}, "chart.values[0].column"},
		{"bad agg", notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: v("i", "sum(i)); drop table x; --")}, "chart.values[0].agg"},
		{"sum of text", notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: v("s", "sum")}, "chart.values[0].agg"},
		{"star needs count", notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: v("*", "sum")}, "chart.values[0].column"},
		{"no keys", notebooks.Chart{Type: "line", Values: v("i", "sum")}, "chart.keys"},
		{"no values", notebooks.Chart{Type: "pie", Keys: []string{"g"}}, "chart.values"},
		{"heatmap needs y", notebooks.Chart{Type: "heatmap", Keys: []string{"g"}, Values: v("i", "sum")}, "chart.keys"},
		{"timeseries needs time", notebooks.Chart{Type: "timeseries", Keys: []string{"g"}, Values: v("i", "sum")}, "chart.keys[0]"},
		{"scatter needs y", notebooks.Chart{Type: "scatter", Keys: []string{"g"}}, "chart.values"},
		{"histogram of text", notebooks.Chart{Type: "histogram", Values: v("s", "")}, "chart.values[0].column"},
		{"too many bins", notebooks.Chart{Type: "histogram", Values: v("i", ""), Bins: 5000}, "chart.bins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Pivot(context.Background(), id, tt.chart)
			var ne *notebooks.Error
			if !errors.As(err, &ne) || ne.Code != notebooks.EInvalid || !strings.HasPrefix(ne.Message, tt.field) {
				t.Errorf("err = %v, want invalid naming %s", err, tt.field)
			}
		})
	}
	if _, err := s.Pivot(context.Background(), "nope", notebooks.Chart{Type: "bar"}); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("unknown id: %v", err)
	}
}

func TestExport(t *testing.T) {
	for _, kind := range resultKinds {
		t.Run(kind.name, func(t *testing.T) {
			s, id := kind.make(t)
			ctx := context.Background()

			var buf bytes.Buffer
			if err := s.Export(ctx, id, "csv", &buf); err != nil {
				t.Fatalf("csv: %v", err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(recs) != 61 || strings.Join(recs[0], ",") != "i,g,b,s,f,d" || strings.Join(recs[2], ",") != "1,1,1,name 1,0.5,2024-01-02" {
				t.Errorf("csv: %d records (%v…), %v", len(recs), recs[:min(3, len(recs))], err)
			}

			buf.Reset()
			if err := s.Export(ctx, id, "jsonl", &buf); err != nil {
				t.Fatalf("jsonl: %v", err)
			}
			sc := bufio.NewScanner(&buf)
			lines := 0
			for sc.Scan() {
				var row map[string]any
				if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
					t.Fatalf("jsonl line %d: %v: %s", lines, err, sc.Text())
				}
				if lines == 1 && (row["i"] != 1.0 || row["s"] != "name 1" || row["d"] != "2024-01-02") {
					t.Errorf("jsonl row 1 = %v", row)
				}
				lines++
			}
			if lines != 60 {
				t.Errorf("jsonl: %d lines", lines)
			}

			path := filepath.Join(s.e.Dir(), "out.parquet")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Export(ctx, id, "parquet", f)
			f.Close()
			if err != nil {
				t.Fatalf("parquet: %v", err)
			}
			back := mustQuery(t, s, "SELECT count(*), sum(i), count(s), max(d) FROM read_parquet('"+path+"')")
			if !reflect.DeepEqual(back.Rows, [][]any{{int64(60), json.Number("1770"), int64(54), "2024-02-29"}}) &&
				!reflect.DeepEqual(back.Rows, [][]any{{int64(60), int64(1770), int64(54), "2024-02-29"}}) {
				t.Errorf("parquet read back: %v", back.Rows)
			}

			if err := s.Export(ctx, id, "xlsx", io.Discard); notebooks.ErrorCode(err) != notebooks.EInvalid {
				t.Errorf("xlsx: %v", err)
			}
			if err := s.Export(ctx, "nope", "csv", io.Discard); notebooks.ErrorCode(err) != notebooks.ENotFound {
				t.Errorf("unknown id: %v", err)
			}
			if left, _ := filepath.Glob(filepath.Join(s.e.opts.TempDir, "export-*")); len(left) != 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
}

// cancelWriter cancels its context at the first write.
type cancelWriter struct {
	cancel context.CancelFunc
	n      int
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.cancel()
	return len(p), nil
}

func TestExportCancel(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "SELECT i, i::VARCHAR || '-x' AS s, random() AS r FROM range(3000000) r(i)")

	// Cancelled while DuckDB writes the file.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Export(ctx, res.ID, "csv", io.Discard)
	if notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Errorf("timeout during COPY: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}

	// Cancelled while streaming.
	ctx, cancel = context.WithCancel(context.Background())
	w := &cancelWriter{cancel: cancel}
	if err := s.Export(ctx, res.ID, "csv", w); notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Errorf("cancel during streaming: %v", err)
	}
	if w.n > 1<<20 {
		t.Errorf("wrote %d bytes after cancel", w.n)
	}

	// Already cancelled.
	if err := s.Export(ctx, res.ID, "parquet", io.Discard); notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Errorf("cancelled context: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.e.opts.TempDir, "export-*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	// The session still works.
	if _, m, err := s.Rows(context.Background(), res.ID, RowsQuery{Limit: 1, Filter: []Filter{{Column: "i", Op: "<", Value: 10.0}}}); err != nil || m != 10 {
		t.Errorf("after cancel: %d, %v", m, err)
	}
}

func TestOpsCancel(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "SELECT i, (i * 7919) % 1000003 AS k, random() AS r FROM range(5000000) r(i)")
	ops := map[string]func(ctx context.Context) error{
		"rows": func(ctx context.Context) error {
			_, _, err := s.Rows(ctx, res.ID, RowsQuery{Sort: []SortKey{{Column: "r"}}, Filter: []Filter{{Column: "k", Op: ">", Value: 5.0}}})
			return err
		},
		"summary": func(ctx context.Context) error { _, err := s.Summary(ctx, res.ID); return err },
		"pivot": func(ctx context.Context) error {
			_, err := s.Pivot(ctx, res.ID, notebooks.Chart{Type: "bar", Keys: []string{"k"}, Values: []notebooks.ChartValue{{Column: "r", Agg: "median"}}})
			return err
		},
		"save": func(ctx context.Context) error { return s.Save(ctx, res.ID, "saved.parquet") },
	}
	for name, op := range ops {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(5 * time.Millisecond); cancel() }()
		if err := op(ctx); notebooks.ErrorCode(err) != notebooks.ECanceled {
			t.Errorf("%s: %v, want canceled", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(s.e.Dir(), "saved.parquet")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled Save left its file: %v", err)
	}
	if p, err := s.Pivot(context.Background(), res.ID, notebooks.Chart{Type: "bar", Keys: []string{"i"}, Values: []notebooks.ChartValue{{Column: "*", Agg: "count"}}}); err != nil || p.Total != 5000000 {
		t.Errorf("after cancel: %v", err)
	}
}

// A Save in progress gives way to a request for the result (the person's first chart), says
// so, and leaves nothing behind; tried again, it saves.
func TestSaveGivesWay(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "SELECT i, (i * 7919) % 1000003 AS k, random() AS r FROM range(5000000) r(i)")
	ctx := context.Background()
	saved := make(chan error, 1)
	go func() { saved <- s.Save(ctx, res.ID, "kept.parquet") }()
	for holding := false; !holding; {
		time.Sleep(time.Millisecond)
		s.mu.Lock()
		holding = s.giveWay != nil
		s.mu.Unlock()
	}
	p, err := s.Pivot(ctx, res.ID, notebooks.Chart{Type: "bar", Keys: []string{"k"}, Values: []notebooks.ChartValue{{Column: "r", Agg: "avg"}}})
	if err != nil || p.Total != 5000000 {
		t.Fatalf("pivot during a save: %v", err)
	}
	if err := <-saved; notebooks.ErrorCode(err) != notebooks.EUnavailable {
		t.Fatalf("save: %v, want unavailable (gave way)", err)
	}
	path := filepath.Join(s.e.Dir(), "kept.parquet")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a save that gave way left its file: %v", err)
	}
	if err := s.Save(ctx, res.ID, "kept.parquet"); err != nil {
		t.Fatalf("save again: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("saved: %v", err)
	}
}

func TestSaveRestore(t *testing.T) {
	for _, kind := range resultKinds {
		t.Run(kind.name, func(t *testing.T) {
			s, id := kind.make(t)
			ctx := context.Background()
			want, err := s.Page(ctx, id, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			rel := filepath.Join("results", "nb1", "p1.parquet")
			if err := s.Save(ctx, id, rel); err != nil {
				t.Fatalf("Save: %v", err)
			}
			// Saving again replaces the file.
			if err := s.Save(ctx, id, rel); err != nil {
				t.Fatalf("Save again: %v", err)
			}
			path := filepath.Join(s.e.Dir(), rel)
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(left) != 1 {
				t.Errorf("files beside the saved one: %v", left)
			}
			outside := filepath.Join(t.TempDir(), "elsewhere[1].parquet") // outside the workspace, glob characters
			if err := s.Save(ctx, id, outside); err != nil {
				t.Fatalf("Save outside the workspace: %v", err)
			}

			check := func(t *testing.T, s2 *Session, path string) {
				t.Helper()
				res, err := s2.Restore(ctx, path)
				if err != nil {
					t.Fatalf("Restore: %v", err)
				}
				if res.RowCount != 60 || colNames(res.Columns) == nil || res.ID == "" {
					t.Fatalf("restored = %+v", res)
				}
				if got := fmt.Sprintf("%v %s", colNames(res.Columns), res.Columns[5].Type); got != "[i g b s f d] DATE" {
					t.Errorf("columns = %s", got)
				}
				page, err := s2.Page(ctx, res.ID, 0, 100)
				if err != nil || !reflect.DeepEqual(page, want) {
					t.Errorf("restored rows differ: %v\n%v\nwant %v", err, page[:3], want[:3])
				}
				b, matched, err := s2.Rows(ctx, res.ID, RowsQuery{Limit: 2, Sort: []SortKey{{Column: "i", Desc: true}}, Filter: []Filter{{Column: "g", Op: "=", Value: 0.0}}})
				if err != nil || matched != 20 || !reflect.DeepEqual(column(decodeIPC(t, b), "i"), ints(57, 54)) {
					t.Errorf("Rows on restored: %d, %v", matched, err)
				}
				if p, err := s2.Pivot(ctx, res.ID, notebooks.Chart{Type: "bar", Keys: []string{"g"}, Values: []notebooks.ChartValue{{Column: "i", Agg: "sum"}}}); err != nil || len(p.Rows) != 3 {
					t.Errorf("Pivot on restored: %v, %v", p, err)
				}
				if sum, err := s2.Summary(ctx, res.ID); err != nil || sum[3].Nulls != 6 {
					t.Errorf("Summary on restored: %v, %v", sum, err)
				}
				if err := s2.Export(ctx, res.ID, "csv", io.Discard); err != nil {
					t.Errorf("Export restored: %v", err)
				}
				s2.Drop(res.ID)
				if _, err := s2.Page(ctx, res.ID, 0, 1); notebooks.ErrorCode(err) != notebooks.ENotFound {
					t.Errorf("dropped restored: %v", err)
				}
			}
			s2 := newSession(t, s.e)
			check(t, s2, rel)
			check(t, s2, outside)
			// After the session that made it is gone.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			check(t, newSession(t, s.e), path)
		})
	}
}

func TestRestoreErrors(t *testing.T) {
	e := newEngine(t, Options{})
	s := newSession(t, e)
	ctx := context.Background()
	if _, err := s.Restore(ctx, "missing.parquet"); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("missing: %v", err)
	}
	bad := filepath.Join(e.Dir(), "bad.parquet")
	if err := os.WriteFile(bad, []byte("not parquet"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Restore(ctx, bad); notebooks.ErrorCode(err) != notebooks.EBrokenFile {
		t.Errorf("broken: %v", err)
	}
	if err := s.Save(ctx, "nope", "x.parquet"); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("save unknown id: %v", err)
	}
	mustQuery(t, s, "select 1")
}

func TestResultsAfterRollbackAndDrop(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	ctx := context.Background()
	small := mustQuery(t, s, "SELECT range AS i FROM range(5)")
	// Loading the small result makes a table inside the user's transaction; a rollback takes it,
	// and the next call loads it again.
	mustQuery(t, s, "BEGIN")
	if _, _, err := s.Rows(ctx, small.ID, RowsQuery{Sort: []SortKey{{Column: "i", Desc: true}}}); err != nil {
		t.Fatal(err)
	}
	mustQuery(t, s, "ROLLBACK")
	b, _, err := s.Rows(ctx, small.ID, RowsQuery{Sort: []SortKey{{Column: "i", Desc: true}}})
	if err != nil || !reflect.DeepEqual(column(decodeIPC(t, b), "i"), ints(4, 3, 2, 1, 0)) {
		t.Errorf("after rollback: %v", err)
	}
	// A result table lost to a rollback is gone.
	mustQuery(t, s, "BEGIN")
	big := mustQuery(t, s, "SELECT range AS i FROM range(500)")
	mustQuery(t, s, "ROLLBACK")
	if _, err := s.Summary(ctx, big.ID); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("rolled back table: %v", err)
	}
	// Dropping a loaded result drops its table.
	s.Drop(small.ID)
	if _, _, err := s.Rows(ctx, small.ID, RowsQuery{}); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("dropped: %v", err)
	}
	left := mustQuery(t, s, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__lakebook_result_%'")
	if left.Rows[0][0] != int64(1) { // the counting query's own
		t.Errorf("%v result tables, want 1", left.Rows[0][0])
	}
}

func TestShowTablesResult(t *testing.T) {
	// A result made in Go (SHOW TABLES of the catalog) works like any other.
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "SHOW TABLES")
	if _, m, err := s.Rows(context.Background(), res.ID, RowsQuery{Sort: []SortKey{{Column: "name"}}}); err != nil || m != res.RowCount {
		t.Errorf("Rows of SHOW TABLES: %d, %v", m, err)
	}
	if _, err := s.Summary(context.Background(), res.ID); err != nil {
		t.Errorf("Summary of SHOW TABLES: %v", err)
	}
}

func benchSession(b *testing.B, sql string) (*Session, string) {
	b.Helper()
	s := newSession(b, newEngine(b, Options{}))
	return s, mustQuery(b, s, sql).ID
}

// BenchmarkRows10k reads and encodes a 10,000-row page of six columns.
func BenchmarkRows10k(b *testing.B) {
	s, id := benchSession(b, `SELECT i, i * 0.5 AS f, 'name ' || i AS s, DATE '2024-01-01' + (i % 1000)::INTEGER AS d,
		TIMESTAMP '2024-01-01' + to_seconds(i) AS ts, i % 2 = 0 AS flag FROM range(1000000) r(i)`)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		q    RowsQuery
	}{
		{"page", RowsQuery{Offset: 500_000, Limit: 10_000}},
		{"sorted", RowsQuery{Offset: 10_000, Limit: 10_000, Sort: []SortKey{{Column: "s", Desc: true}}}},
		{"filtered", RowsQuery{Offset: 10_000, Limit: 10_000, Filter: []Filter{{Column: "s", Op: "contains", Value: "7"}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				out, _, err := s.Rows(ctx, id, bc.q)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

// BenchmarkPivot3M charts a 3,000,000-row result.
func BenchmarkPivot3M(b *testing.B) {
	s, id := benchSession(b, `SELECT i % 100 AS k, i % 7 AS g, (i * 7919 % 10007) / 100.0 AS v, i AS x
		FROM range(3000000) r(i)`)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		chart notebooks.Chart
	}{
		{"bar", notebooks.Chart{Type: "bar", Keys: []string{"k"}, Groups: []string{"g"}, Values: []notebooks.ChartValue{{Column: "v", Agg: "sum"}}}},
		{"median", notebooks.Chart{Type: "bar", Keys: []string{"k"}, Values: []notebooks.ChartValue{{Column: "v", Agg: "median"}}}},
		{"scatter", notebooks.Chart{Type: "scatter", Keys: []string{"x"}, Values: []notebooks.ChartValue{{Column: "v"}}}},
		{"histogram", notebooks.Chart{Type: "histogram", Values: []notebooks.ChartValue{{Column: "v"}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Pivot(ctx, id, bc.chart); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("summary", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Summary(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
}
