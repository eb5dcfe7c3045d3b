package nb

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// typeKey is the Arrow field metadata key holding the DuckDB type name (engine/arrowipc.TypeKey).
const typeKey = "lakebook.type"

// Column is a column of a Table: its name and its SQL type (as DuckDB names it).
type Column struct {
	Name string
	Type string
}

// Table is a query result held in the kernel: its columns, typed column access, rows, and Scan
// into structs. NULL becomes the zero value in typed access (NaN for floats) and nil in Row
// and in pointer fields of Scan.
type Table struct {
	cols []Column
	arrs []arrow.Array
	n    int
}

// Columns returns the table's columns in order.
func (t *Table) Columns() []Column { return append([]Column(nil), t.cols...) }

// Len returns the number of rows.
func (t *Table) Len() int { return t.n }

// Format describes the table for fmt: its length and columns.
func (t *Table) Format(f fmt.State, _ rune) {
	fmt.Fprint(f, t.describe())
}

func (t *Table) describe() string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.Name + " " + c.Type
	}
	return fmt.Sprintf("nb.Table(%d rows: %s)", t.n, strings.Join(names, ", "))
}

func decodeTable(data []byte) (*Table, error) {
	rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return nil, fmt.Errorf("read Arrow: %w", err)
	}
	defer rd.Release()
	schema := rd.Schema()
	t := &Table{cols: make([]Column, schema.NumFields())}
	for i, f := range schema.Fields() {
		typ, _ := f.Metadata.GetValue(typeKey)
		if typ == "" {
			typ = f.Type.String()
		}
		t.cols[i] = Column{Name: f.Name, Type: typ}
	}
	var recs []arrow.RecordBatch
	for rd.Next() {
		rec := rd.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("read Arrow: %w", err)
	}
	t.arrs = make([]arrow.Array, len(t.cols))
	for i := range t.cols {
		switch len(recs) {
		case 0:
			t.arrs[i] = array.MakeArrayOfNull(memory.DefaultAllocator, schema.Field(i).Type, 0)
		case 1:
			t.arrs[i] = recs[0].Column(i)
		default:
			parts := make([]arrow.Array, len(recs))
			for j, r := range recs {
				parts[j] = r.Column(i)
			}
			if t.arrs[i], err = array.Concatenate(parts, memory.DefaultAllocator); err != nil {
				return nil, fmt.Errorf("read Arrow: %w", err)
			}
		}
	}
	if len(t.arrs) > 0 {
		t.n = t.arrs[0].Len()
	}
	return t, nil
}

// column finds a column by name: exactly, else ignoring case.
func (t *Table) column(name string) (int, error) {
	for i, c := range t.cols {
		if c.Name == name {
			return i, nil
		}
	}
	for i, c := range t.cols {
		if strings.EqualFold(c.Name, name) {
			return i, nil
		}
	}
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.Name
	}
	return 0, fmt.Errorf("nb: no column %q; the columns are %s", name, strings.Join(names, ", "))
}

func (t *Table) mismatch(i int, want, use string) error {
	c := t.cols[i]
	return fmt.Errorf("nb: column %q is %s, not %s; use %s", c.Name, c.Type, want, use)
}

// accessorFor names the typed accessor that fits a column's Arrow type.
func accessorFor(a arrow.Array, name string) string {
	switch a.DataType().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return fmt.Sprintf("t.Int64(%q) or t.Float64(%q)", name, name)
	case arrow.FLOAT32, arrow.FLOAT64:
		return fmt.Sprintf("t.Float64(%q)", name)
	case arrow.STRING, arrow.LARGE_STRING:
		return fmt.Sprintf("t.String(%q)", name)
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return fmt.Sprintf("t.Time(%q)", name)
	case arrow.BOOL:
		return fmt.Sprintf("t.Bool(%q)", name)
	}
	return fmt.Sprintf("t.Values(%q)", name)
}

// Float64 returns a numeric column as float64s; NULL is NaN.
func (t *Table) Float64(name string) ([]float64, error) {
	i, err := t.column(name)
	if err != nil {
		return nil, err
	}
	a := t.arrs[i]
	out := make([]float64, a.Len())
	switch a := a.(type) {
	case *array.Float64:
		copy(out, a.Float64Values())
	case *array.Float32:
		for j, v := range a.Float32Values() {
			out[j] = float64(v)
		}
	default:
		get, ok := intGetter(a)
		if !ok {
			return nil, t.mismatch(i, "a number", accessorFor(a, t.cols[i].Name))
		}
		for j := range out {
			out[j] = float64(get(j))
		}
	}
	for j := range out {
		if a.IsNull(j) {
			out[j] = math.NaN()
		}
	}
	return out, nil
}

// Int64 returns an integer column as int64s; NULL is 0.
func (t *Table) Int64(name string) ([]int64, error) {
	i, err := t.column(name)
	if err != nil {
		return nil, err
	}
	a := t.arrs[i]
	get, ok := intGetter(a)
	if !ok {
		return nil, t.mismatch(i, "an integer", accessorFor(a, t.cols[i].Name))
	}
	out := make([]int64, a.Len())
	for j := range out {
		if !a.IsNull(j) {
			out[j] = get(j)
		}
	}
	return out, nil
}

func intGetter(a arrow.Array) (func(int) int64, bool) {
	switch a := a.(type) {
	case *array.Int64:
		return a.Value, true
	case *array.Int32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int16:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int8:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint64:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint16:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint8:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	}
	return nil, false
}

// String returns a text column as strings; NULL is "".
func (t *Table) String(name string) ([]string, error) {
	i, err := t.column(name)
	if err != nil {
		return nil, err
	}
	a, ok := t.arrs[i].(*array.String)
	if !ok {
		return nil, t.mismatch(i, "text", accessorFor(t.arrs[i], t.cols[i].Name))
	}
	out := make([]string, a.Len())
	for j := range out {
		if !a.IsNull(j) {
			out[j] = a.Value(j)
		}
	}
	return out, nil
}

// Bool returns a BOOLEAN column; NULL is false.
func (t *Table) Bool(name string) ([]bool, error) {
	i, err := t.column(name)
	if err != nil {
		return nil, err
	}
	a, ok := t.arrs[i].(*array.Boolean)
	if !ok {
		return nil, t.mismatch(i, "BOOLEAN", accessorFor(t.arrs[i], t.cols[i].Name))
	}
	out := make([]bool, a.Len())
	for j := range out {
		out[j] = !a.IsNull(j) && a.Value(j)
	}
	return out, nil
}

// Time returns a DATE or TIMESTAMP column as times in UTC; NULL is the zero time.
func (t *Table) Time(name string) ([]time.Time, error) {
	i, err := t.column(name)
	if err != nil {
		return nil, err
	}
	a := t.arrs[i]
	switch a.DataType().ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
	default:
		return nil, t.mismatch(i, "a DATE or TIMESTAMP", accessorFor(a, t.cols[i].Name))
	}
	out := make([]time.Time, a.Len())
	for j := range out {
		if v, ok := value(a, j).(time.Time); ok {
			out[j] = v
		}
	}
	return out, nil
}

// Values returns any column as Go values (see Row).
func (t *Table) Values(name string) ([]any, error) {
	i, err := t.column(name)
	if err != nil {
		return nil, err
	}
	out := make([]any, t.n)
	for j := range out {
		out[j] = value(t.arrs[i], j)
	}
	return out, nil
}

// Row returns row i in column order: int64, uint64, float64, string, bool, time.Time,
// time.Duration (TIME), []byte, or nil for NULL.
func (t *Table) Row(i int) []any {
	if i < 0 || i >= t.n {
		panic(fmt.Sprintf("nb: row %d out of range [0, %d)", i, t.n))
	}
	out := make([]any, len(t.arrs))
	for c, a := range t.arrs {
		out[c] = value(a, i)
	}
	return out
}

// Rows returns every row, as Row does.
func (t *Table) Rows() [][]any {
	out := make([][]any, t.n)
	for i := range out {
		out[i] = t.Row(i)
	}
	return out
}

// value is the Go value of a[i].
func value(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Date32:
		return a.Value(i).ToTime().UTC()
	case *array.Date64:
		return a.Value(i).ToTime().UTC()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC()
	case *array.Time64:
		return time.Duration(a.Value(i)) * time.Microsecond
	}
	if get, ok := intGetter(a); ok {
		return get(i)
	}
	return a.ValueStr(i)
}
