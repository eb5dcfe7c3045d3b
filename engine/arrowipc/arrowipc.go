// Package arrowipc encodes rows read from DuckDB as an Arrow IPC stream, the format the browser's
// table and charts read without parsing JSON: numbers stay binary, NULLs are a bitmap, and a
// 10,000-row page is one buffer per column.
//
// Columns are typed by their DuckDB type names (as the duckdb-go driver and DESCRIBE write them),
// and values are the Go values the driver produces for them. Reading a DATE, TIMESTAMP or
// DECIMAL through the driver costs a cgo call or a big.Int per value, so a caller may instead
// select plain numbers and pass those: a DATE as days since 1970 (int32 or int64), a TIMESTAMP
// as an int64 in its field's unit, a TIME as int64 microseconds, a DECIMAL as float64.
//
//	BOOLEAN                      Bool
//	TINYINT … BIGINT             Int8 … Int64
//	UTINYINT … UBIGINT           Uint8 … Uint64
//	FLOAT, DOUBLE                Float32, Float64
//	DECIMAL(p,s)                 Float64 (see below)
//	VARCHAR                      String (utf8)
//	DATE                         Date32
//	TIMESTAMP_S, _MS, TIMESTAMP, _NS   Timestamp(s, ms, µs, ns), no time zone
//	TIMESTAMPTZ                  Timestamp(µs, "UTC")
//	TIME                         Time64(µs)
//	BLOB                         Binary
//	anything else                String, rendered by Options.Render
//
// DECIMAL becomes Float64 because browsers have no decimal type and Arrow JS hands Decimal128
// out as raw 32-bit words: a DECIMAL with more than 15 significant digits is rounded to the
// nearest double. Every field carries its DuckDB type in the metadata key TypeKey, so a client
// can still tell a DECIMAL(18,2) from a DOUBLE and format it with its scale.
//
// The stream is uncompressed: Arrow JS cannot read compressed IPC buffers.
package arrowipc

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/notebooks"
)

// TypeKey is the field metadata key holding the column's DuckDB type name.
const TypeKey = "lakebook.type"

// Options tune an Encoder.
type Options struct {
	// Render turns a value of a column typed String that is not a Go string (a LIST, STRUCT,
	// INTERVAL, UUID, HUGEINT …) into text. Default: fmt.Sprint.
	Render func(col int, v any) string
	// Capacity is the number of rows expected, to size the buffers once.
	Capacity int
}

// Encoder collects rows into one record batch and writes it as an IPC stream. It is not safe
// for concurrent use.
type Encoder struct {
	schema *arrow.Schema
	rb     *array.RecordBuilder
	adds   []func(v any) error
	mem    memory.Allocator
}

// NewEncoder returns an encoder for rows of the given columns.
func NewEncoder(cols []notebooks.Column, opts Options) *Encoder {
	render := opts.Render
	if render == nil {
		render = func(_ int, v any) string { return fmt.Sprint(v) }
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{
			Name:     c.Name,
			Type:     DataType(c.Type),
			Nullable: true,
			Metadata: arrow.NewMetadata([]string{TypeKey}, []string{c.Type}),
		}
	}
	mem := memory.NewGoAllocator()
	e := &Encoder{schema: arrow.NewSchema(fields, nil), mem: mem}
	e.rb = array.NewRecordBuilder(mem, e.schema)
	if opts.Capacity > 0 {
		e.rb.Reserve(opts.Capacity)
	}
	e.adds = make([]func(any) error, len(cols))
	for i, f := range fields {
		e.adds[i] = appender(e.rb.Field(i), f.Type, func(v any) string { return render(i, v) })
	}
	return e
}

// Append adds one row; it must have a value (nil for NULL) for every column.
func (e *Encoder) Append(row []any) error {
	if len(row) != len(e.adds) {
		return fmt.Errorf("arrowipc: row has %d values, want %d", len(row), len(e.adds))
	}
	for i, v := range row {
		if err := e.AppendValue(i, v); err != nil {
			return err
		}
	}
	return nil
}

// AppendValue adds v to column col. A row is complete once every column has had a value; it
// saves copying a driver's row into a []any.
func (e *Encoder) AppendValue(col int, v any) error {
	if err := e.adds[col](v); err != nil {
		return fmt.Errorf("arrowipc: column %q: %w", e.schema.Field(col).Name, err)
	}
	return nil
}

// Len returns the number of rows appended so far.
func (e *Encoder) Len() int {
	if len(e.adds) == 0 {
		return 0
	}
	return e.rb.Field(0).Len()
}

// Encode returns the stream: the schema, then one record batch of every row appended (possibly
// none). The encoder is reset and may be reused for the same columns.
func (e *Encoder) Encode() ([]byte, error) {
	hint := e.sizeHint(e.Len()) // before NewRecordBatch resets the builders
	rec := e.rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	buf.Grow(hint)
	w := ipc.NewWriter(&buf, ipc.WithSchema(e.schema), ipc.WithAllocator(e.mem))
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("arrowipc: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("arrowipc: close: %w", err)
	}
	return buf.Bytes(), nil
}

// sizeHint is about the size of the stream of n rows, so that it is written without regrowing.
func (e *Encoder) sizeHint(n int) int {
	size := 4096 + 256*len(e.adds)
	for _, f := range e.schema.Fields() {
		switch dt := f.Type.(type) {
		case arrow.FixedWidthDataType:
			size += n*(dt.BitWidth()+7)/8 + n/8 + 16
		default:
			size += n*5 + 16 // offsets and validity; the data is added below
		}
	}
	for i := range e.adds {
		if b, ok := e.rb.Field(i).(*array.BinaryBuilder); ok {
			size += b.DataLen()
		} else if b, ok := e.rb.Field(i).(*array.StringBuilder); ok {
			size += b.DataLen()
		}
	}
	return size
}

// Release frees the builders' buffers; for an encoder that will not be encoded.
func (e *Encoder) Release() { e.rb.Release() }

// Encode encodes rows of cols as one IPC stream.
func Encode(cols []notebooks.Column, rows [][]any, opts Options) ([]byte, error) {
	if opts.Capacity == 0 {
		opts.Capacity = len(rows)
	}
	e := NewEncoder(cols, opts)
	for _, row := range rows {
		if err := e.Append(row); err != nil {
			e.Release()
			return nil, err
		}
	}
	return e.Encode()
}

// DataType returns the Arrow type a column of DuckDB type typ is encoded as.
func DataType(typ string) arrow.DataType {
	t := strings.ToUpper(strings.TrimSpace(typ))
	switch t {
	case "BOOLEAN":
		return arrow.FixedWidthTypes.Boolean
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16
	case "INTEGER":
		return arrow.PrimitiveTypes.Int32
	case "BIGINT":
		return arrow.PrimitiveTypes.Int64
	case "UTINYINT":
		return arrow.PrimitiveTypes.Uint8
	case "USMALLINT":
		return arrow.PrimitiveTypes.Uint16
	case "UINTEGER":
		return arrow.PrimitiveTypes.Uint32
	case "UBIGINT":
		return arrow.PrimitiveTypes.Uint64
	case "FLOAT":
		return arrow.PrimitiveTypes.Float32
	case "DOUBLE":
		return arrow.PrimitiveTypes.Float64
	case "DATE":
		return arrow.FixedWidthTypes.Date32
	case "TIME":
		return arrow.FixedWidthTypes.Time64us
	case "TIMESTAMP_S":
		return &arrow.TimestampType{Unit: arrow.Second}
	case "TIMESTAMP_MS":
		return &arrow.TimestampType{Unit: arrow.Millisecond}
	case "TIMESTAMP":
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case "TIMESTAMP_NS":
		return &arrow.TimestampType{Unit: arrow.Nanosecond}
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case "BLOB":
		return arrow.BinaryTypes.Binary
	}
	if strings.HasPrefix(t, "DECIMAL") {
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

// appender returns the function that adds one value to b, of Arrow type dt.
func appender(b array.Builder, dt arrow.DataType, render func(any) string) func(any) error {
	switch b := b.(type) {
	case *array.BooleanBuilder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case bool:
				b.Append(x)
			default:
				return mismatch(v, dt)
			}
			return nil
		}
	case *array.Int8Builder:
		return intAppender(b, math.MinInt8, math.MaxInt8, func(i int64) { b.Append(int8(i)) }, dt)
	case *array.Int16Builder:
		return intAppender(b, math.MinInt16, math.MaxInt16, func(i int64) { b.Append(int16(i)) }, dt)
	case *array.Int32Builder:
		return intAppender(b, math.MinInt32, math.MaxInt32, func(i int64) { b.Append(int32(i)) }, dt)
	case *array.Int64Builder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case int64:
				b.Append(x)
			default:
				i, ok := toInt64(v)
				if !ok {
					return mismatch(v, dt)
				}
				b.Append(i)
			}
			return nil
		}
	case *array.Uint8Builder:
		return uintAppender(b, math.MaxUint8, func(u uint64) { b.Append(uint8(u)) }, dt)
	case *array.Uint16Builder:
		return uintAppender(b, math.MaxUint16, func(u uint64) { b.Append(uint16(u)) }, dt)
	case *array.Uint32Builder:
		return uintAppender(b, math.MaxUint32, func(u uint64) { b.Append(uint32(u)) }, dt)
	case *array.Uint64Builder:
		return uintAppender(b, math.MaxUint64, b.Append, dt)
	case *array.Float32Builder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case float32:
				b.Append(x)
			default:
				f, ok := toFloat64(v)
				if !ok {
					return mismatch(v, dt)
				}
				b.Append(float32(f))
			}
			return nil
		}
	case *array.Float64Builder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case float64:
				b.Append(x)
			default:
				f, ok := toFloat64(v)
				if !ok {
					return mismatch(v, dt)
				}
				b.Append(f)
			}
			return nil
		}
	case *array.StringBuilder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case string:
				b.Append(x)
			default:
				b.Append(render(v))
			}
			return nil
		}
	case *array.BinaryBuilder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case []byte:
				b.Append(x)
			case string:
				b.AppendString(x)
			default:
				return mismatch(v, dt)
			}
			return nil
		}
	case *array.Date32Builder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case time.Time:
				b.Append(arrow.Date32(floorDiv(x.Unix(), 86400)))
			case int32:
				b.Append(arrow.Date32(x))
			case int64:
				b.Append(arrow.Date32(x))
			default:
				return mismatch(v, dt)
			}
			return nil
		}
	case *array.Time64Builder:
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case time.Time:
				h, m, s := x.Clock()
				b.Append(arrow.Time64((int64(h)*3600+int64(m)*60+int64(s))*1_000_000 + int64(x.Nanosecond())/1000))
			case int64:
				b.Append(arrow.Time64(x))
			default:
				return mismatch(v, dt)
			}
			return nil
		}
	case *array.TimestampBuilder:
		var conv func(time.Time) int64
		switch dt.(*arrow.TimestampType).Unit {
		case arrow.Second:
			conv = time.Time.Unix
		case arrow.Millisecond:
			conv = time.Time.UnixMilli
		case arrow.Nanosecond:
			conv = time.Time.UnixNano
		default:
			conv = time.Time.UnixMicro
		}
		return func(v any) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case time.Time:
				b.Append(arrow.Timestamp(conv(x)))
			case int64:
				b.Append(arrow.Timestamp(x))
			default:
				return mismatch(v, dt)
			}
			return nil
		}
	}
	panic(fmt.Sprintf("arrowipc: no appender for %s", dt))
}

func intAppender(b interface{ AppendNull() }, lo, hi int64, add func(int64), dt arrow.DataType) func(any) error {
	return func(v any) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		i, ok := toInt64(v)
		if !ok || i < lo || i > hi {
			return mismatch(v, dt)
		}
		add(i)
		return nil
	}
}

func uintAppender(b interface{ AppendNull() }, hi uint64, add func(uint64), dt arrow.DataType) func(any) error {
	return func(v any) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		var u uint64
		switch x := v.(type) {
		case uint8:
			u = uint64(x)
		case uint16:
			u = uint64(x)
		case uint32:
			u = uint64(x)
		case uint64:
			u = x
		default:
			i, ok := toInt64(v)
			if !ok || i < 0 {
				return mismatch(v, dt)
			}
			u = uint64(i)
		}
		if u > hi {
			return mismatch(v, dt)
		}
		add(u)
		return nil
	}
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
	}
	return 0, false
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
	1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func toFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case duckdb.Decimal:
		return decimalFloat(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}

// decimalFloat converts a DECIMAL to the nearest double. An unscaled value below 2^53 and a
// power of ten up to 1e22 are both exact doubles, so one division rounds correctly, without the
// driver's big.Float arithmetic (a few allocations per value).
func decimalFloat(d duckdb.Decimal) float64 {
	if d.Value == nil {
		return 0
	}
	if d.Value.IsInt64() && int(d.Scale) < len(pow10) {
		if i := d.Value.Int64(); i > -(1<<53) && i < 1<<53 {
			return float64(i) / pow10[d.Scale]
		}
	}
	return d.Float64()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func mismatch(v any, dt arrow.DataType) error {
	return fmt.Errorf("cannot encode a %T as %s", v, dt)
}
