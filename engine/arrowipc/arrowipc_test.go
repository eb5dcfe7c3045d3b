package arrowipc

import (
	"bytes"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/notebooks"
)

func decode(t testing.TB, b []byte) arrow.RecordBatch {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Release)
	if !r.Next() {
		t.Fatalf("no record batch: %v", r.Err())
	}
	rec := r.RecordBatch()
	rec.Retain()
	t.Cleanup(rec.Release)
	if r.Next() {
		t.Fatal("more than one record batch")
	}
	return rec
}

func TestEncode(t *testing.T) {
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	clock := time.Date(1, 1, 1, 1, 2, 3, 500000000, time.UTC)
	tests := []struct {
		typ  string
		in   []any // values, nil for NULL
		want arrow.DataType
		out  []any // Value(i) of the Arrow array, nil for NULL
	}{
		{"BOOLEAN", []any{true, nil, false}, arrow.FixedWidthTypes.Boolean, []any{true, nil, false}},
		{"TINYINT", []any{int8(-128), nil}, arrow.PrimitiveTypes.Int8, []any{int8(-128), nil}},
		{"SMALLINT", []any{int16(300)}, arrow.PrimitiveTypes.Int16, []any{int16(300)}},
		{"INTEGER", []any{int32(-7), nil}, arrow.PrimitiveTypes.Int32, []any{int32(-7), nil}},
		{"BIGINT", []any{int64(math.MaxInt64), nil}, arrow.PrimitiveTypes.Int64, []any{int64(math.MaxInt64), nil}},
		{"UTINYINT", []any{uint8(255)}, arrow.PrimitiveTypes.Uint8, []any{uint8(255)}},
		{"USMALLINT", []any{uint16(65535)}, arrow.PrimitiveTypes.Uint16, []any{uint16(65535)}},
		{"UINTEGER", []any{uint32(1 << 31)}, arrow.PrimitiveTypes.Uint32, []any{uint32(1 << 31)}},
		{"UBIGINT", []any{uint64(math.MaxUint64), nil}, arrow.PrimitiveTypes.Uint64, []any{uint64(math.MaxUint64), nil}},
		{"FLOAT", []any{float32(1.5), nil}, arrow.PrimitiveTypes.Float32, []any{float32(1.5), nil}},
		{"DOUBLE", []any{math.Inf(1), 0.1}, arrow.PrimitiveTypes.Float64, []any{math.Inf(1), 0.1}},
		{"DECIMAL(10,2)", []any{duckdb.Decimal{Width: 10, Scale: 2, Value: big.NewInt(12345)}, 2.5, nil}, arrow.PrimitiveTypes.Float64, []any{123.45, 2.5, nil}},
		{"DECIMAL(38,10)", []any{duckdb.Decimal{Width: 38, Scale: 10, Value: new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)}}, arrow.PrimitiveTypes.Float64, []any{1e20}},
		{"VARCHAR", []any{"héllo", nil, ""}, arrow.BinaryTypes.String, []any{"héllo", nil, ""}},
		{"DATE", []any{day, int32(-1), int64(0), nil}, arrow.FixedWidthTypes.Date32, []any{arrow.Date32(19782), arrow.Date32(-1), arrow.Date32(0), nil}},
		{"DATE", []any{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}, arrow.FixedWidthTypes.Date32, []any{arrow.Date32(-1)}},
		{"TIME", []any{clock, int64(5), nil}, arrow.FixedWidthTypes.Time64us, []any{arrow.Time64(3723500000), arrow.Time64(5), nil}},
		{"TIMESTAMP", []any{ts, int64(7)}, &arrow.TimestampType{Unit: arrow.Microsecond}, []any{arrow.Timestamp(ts.UnixMicro()), arrow.Timestamp(7)}},
		{"TIMESTAMP_NS", []any{ts}, &arrow.TimestampType{Unit: arrow.Nanosecond}, []any{arrow.Timestamp(ts.UnixNano())}},
		{"TIMESTAMP_MS", []any{ts}, &arrow.TimestampType{Unit: arrow.Millisecond}, []any{arrow.Timestamp(ts.UnixMilli())}},
		{"TIMESTAMP_S", []any{ts}, &arrow.TimestampType{Unit: arrow.Second}, []any{arrow.Timestamp(ts.Unix())}},
		{"TIMESTAMPTZ", []any{ts, nil}, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, []any{arrow.Timestamp(ts.UnixMicro()), nil}},
		{"TIMESTAMP WITH TIME ZONE", []any{ts}, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, []any{arrow.Timestamp(ts.UnixMicro())}},
		{"BLOB", []any{[]byte{0, 0xff}, nil}, arrow.BinaryTypes.Binary, []any{[]byte{0, 0xff}, nil}},
		{"INTEGER[]", []any{[]any{int32(1), nil}, nil}, arrow.BinaryTypes.String, []any{"[1 <nil>]", nil}},
		{"HUGEINT", []any{big.NewInt(5)}, arrow.BinaryTypes.String, []any{"5"}},
		{"UUID", []any{"00000000-0000-0000-0000-000000000001"}, arrow.BinaryTypes.String, []any{"00000000-0000-0000-0000-000000000001"}},
		{"ENUM", []any{"a"}, arrow.BinaryTypes.String, []any{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			rows := make([][]any, len(tt.in))
			for i, v := range tt.in {
				rows[i] = []any{v}
			}
			b, err := Encode([]notebooks.Column{{Name: "c", Type: tt.typ}}, rows, Options{})
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			rec := decode(t, b)
			f := rec.Schema().Field(0)
			if !arrow.TypeEqual(f.Type, tt.want) || !f.Nullable {
				t.Fatalf("type = %s, want %s", f.Type, tt.want)
			}
			if typ, _ := f.Metadata.GetValue(TypeKey); typ != tt.typ {
				t.Errorf("metadata type = %q", typ)
			}
			col := rec.Column(0)
			var got []any
			for i := range col.Len() {
				if col.IsNull(i) {
					got = append(got, nil)
					continue
				}
				got = append(got, reflect.ValueOf(col).MethodByName("Value").Call([]reflect.Value{reflect.ValueOf(i)})[0].Interface())
			}
			if !reflect.DeepEqual(got, tt.out) {
				t.Errorf("values = %#v, want %#v", got, tt.out)
			}
		})
	}
}

func TestEncodeEmptyAndErrors(t *testing.T) {
	cols := []notebooks.Column{{Name: "a", Type: "INTEGER"}, {Name: "b", Type: "VARCHAR"}}
	b, err := Encode(cols, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rec := decode(t, b); rec.NumRows() != 0 || rec.NumCols() != 2 {
		t.Errorf("empty: %d rows %d cols", rec.NumRows(), rec.NumCols())
	}
	for _, row := range [][]any{{"x", "y"}, {int64(1 << 40), "y"}, {int32(1)}} {
		if _, err := Encode(cols, [][]any{row}, Options{}); err == nil {
			t.Errorf("Encode(%v) succeeded", row)
		}
	}
	// Render decides the text of values of types without an Arrow counterpart.
	b, err = Encode([]notebooks.Column{{Name: "l", Type: "VARCHAR[]"}}, [][]any{{[]any{"a"}}},
		Options{Render: func(col int, v any) string { return "rendered" }})
	if err != nil {
		t.Fatal(err)
	}
	if got := decode(t, b).Column(0).(*array.String).Value(0); got != "rendered" {
		t.Errorf("render: %q", got)
	}
	// An encoder is reusable after Encode.
	e := NewEncoder(cols, Options{})
	for range 2 {
		if err := e.Append([]any{int32(1), "x"}); err != nil {
			t.Fatal(err)
		}
		b, err := e.Encode()
		if err != nil || decode(t, b).NumRows() != 1 {
			t.Fatalf("reuse: %v", err)
		}
	}
}

// BenchmarkEncode10k encodes a page of 10,000 rows of six typical columns, as Rows reads them.
func BenchmarkEncode10k(b *testing.B) {
	cols := []notebooks.Column{{Name: "i", Type: "BIGINT"}, {Name: "f", Type: "DOUBLE"}, {Name: "s", Type: "VARCHAR"},
		{Name: "d", Type: "DATE"}, {Name: "ts", Type: "TIMESTAMP"}, {Name: "flag", Type: "BOOLEAN"}}
	rows := make([][]any, 10_000)
	for i := range rows {
		rows[i] = []any{int64(i), float64(i) / 2, "name " + strings.Repeat("x", i%20), int32(19000 + i%1000), int64(i) * 1_000_000, i%2 == 0}
	}
	var size int
	for b.Loop() {
		out, err := Encode(cols, rows, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes")
}
