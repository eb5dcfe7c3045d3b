package nb

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A struct's fields map to columns by tag (`nb:"col"`, else `db:"col"`), else by name. The
// types may come from the interpreter: yaegi builds paragraphs' struct types with reflect, so
// this is plain reflection.

type field struct {
	index []int
	name  string // the column name
	typ   reflect.Type
}

var timeType = reflect.TypeFor[time.Time]()

// structOf returns the struct type behind t (a struct or a pointer to one).
func structOf(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, t.Kind() == reflect.Struct && t != timeType
}

func fieldsOf(st reflect.Type) []field {
	var out []field
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.IsExported() || f.Tag.Get("nb") == "-" || f.Tag.Get("db") == "-" {
			continue
		}
		name := f.Name
		if st.Name() == "" && len(name) > 1 && name[0] == 'X' && !unicode.IsUpper(rune(name[1])) {
			// yaegi builds a paragraph's struct types with reflect.StructOf (so they have no
			// name) and exports a field like origin as Xorigin: the column is origin.
			name = name[1:]
		}
		if tag := tagName(f.Tag.Get("nb")); tag != "" {
			name = tag
		} else if tag := tagName(f.Tag.Get("db")); tag != "" {
			name = tag
		}
		out = append(out, field{index: f.Index, name: name, typ: f.Type})
	}
	return out
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// normalize makes DepDelay, dep_delay and depDelay the same name.
func normalize(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// Scan appends the table's rows to the slice dst points to (a *[]T or *[]*T with T a struct),
// one element per row. A field takes the column its tag names (`nb:"col"` or `db:"col"`), else
// the column of its name (ignoring case and underscores); columns no field takes are skipped.
// A value that does not fit its field's type is an error naming both.

func (t *Table) Scan(dst any) error {
	pv := reflect.ValueOf(dst)
	if pv.Kind() != reflect.Pointer || pv.IsNil() || pv.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("nb: Scan wants a pointer to a slice of structs (&rows), got %T", dst)
	}
	sv := pv.Elem()
	elem := sv.Type().Elem()
	st, ok := structOf(elem)
	if !ok {
		return fmt.Errorf("nb: Scan wants a pointer to a slice of structs, got %T", dst)
	}
	type binding struct {
		f   field
		col int
	}
	var binds []binding
	for _, f := range fieldsOf(st) {
		for c, col := range t.cols {
			if col.Name == f.name || normalize(col.Name) == normalize(f.name) {
				binds = append(binds, binding{f, c})
				break
			}
		}
	}
	if len(binds) == 0 {
		names := make([]string, len(t.cols))
		for i, c := range t.cols {
			names[i] = c.Name
		}
		return fmt.Errorf("nb: Scan: no field of %s matches a column (%s)", st, strings.Join(names, ", "))
	}
	out := reflect.MakeSlice(sv.Type(), t.n, t.n)
	for r := range t.n {
		ev := out.Index(r)
		if elem.Kind() == reflect.Pointer {
			ev.Set(reflect.New(st))
			ev = ev.Elem()
		}
		for _, b := range binds {
			if err := assign(ev.FieldByIndex(b.f.index), value(t.arrs[b.col], r)); err != nil {
				c := t.cols[b.col]
				return fmt.Errorf("nb: Scan: column %q (%s) into field %s (%s), row %d: %w", c.Name, c.Type, b.f.name, b.f.typ, r, err)
			}
		}
	}
	sv.Set(reflect.AppendSlice(sv, out))
	return nil
}

// assign stores a column value (as value returns it) in a field.
func assign(f reflect.Value, v any) error {
	if v == nil {
		f.SetZero()
		return nil
	}
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if err := assign(p.Elem(), v); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	if f.Kind() == reflect.Interface {
		f.Set(reflect.ValueOf(v))
		return nil
	}
	switch x := v.(type) {
	case int64:
		switch f.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if f.OverflowInt(x) {
				return fmt.Errorf("%d does not fit", x)
			}
			f.SetInt(x)
			return nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if x < 0 || f.OverflowUint(uint64(x)) {
				return fmt.Errorf("%d does not fit", x)
			}
			f.SetUint(uint64(x))
			return nil
		case reflect.Float32, reflect.Float64:
			f.SetFloat(float64(x))
			return nil
		}
	case uint64:
		switch f.Kind() {
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if f.OverflowUint(x) {
				return fmt.Errorf("%d does not fit", x)
			}
			f.SetUint(x)
			return nil
		case reflect.Float32, reflect.Float64:
			f.SetFloat(float64(x))
			return nil
		}
	case float64:
		if f.Kind() == reflect.Float32 || f.Kind() == reflect.Float64 {
			f.SetFloat(x)
			return nil
		}
	case string:
		if f.Kind() == reflect.String {
			f.SetString(x)
			return nil
		}
	case bool:
		if f.Kind() == reflect.Bool {
			f.SetBool(x)
			return nil
		}
	case time.Time:
		if f.Type() == timeType {
			f.Set(reflect.ValueOf(x))
			return nil
		}
	case time.Duration:
		if f.Kind() == reflect.Int64 {
			f.SetInt(int64(x))
			return nil
		}
	}
	rv := reflect.ValueOf(v)
	if rv.Type().AssignableTo(f.Type()) {
		f.Set(rv)
		return nil
	}
	return fmt.Errorf("a %T does not go into a %s", v, f.Type())
}

// encodeAny encodes a *Table or a slice of structs as Arrow IPC.
func encodeAny(v any) ([]byte, error) {
	switch x := v.(type) {
	case *Table:
		if x == nil {
			return nil, fmt.Errorf("the table is nil")
		}
		return x.encode()
	case Table:
		return x.encode()
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("want a slice of structs or a *nb.Table, got %T", v)
	}
	st, ok := structOf(rv.Type().Elem())
	if !ok {
		return nil, fmt.Errorf("want a slice of structs or a *nb.Table, got %T", v)
	}
	fields := fieldsOf(st)
	if len(fields) == 0 {
		return nil, fmt.Errorf("%s has no exported fields to make columns of", st)
	}
	afs := make([]arrow.Field, len(fields))
	for i, f := range fields {
		dt, sqlType, ok := arrowType(f.typ)
		if !ok {
			return nil, fmt.Errorf("field %s is a %s: columns can be bool, integers, floats, string and time.Time (or pointers to them)", f.name, f.typ)
		}
		afs[i] = arrow.Field{Name: f.name, Type: dt, Nullable: true, Metadata: arrow.NewMetadata([]string{typeKey}, []string{sqlType})}
	}
	seen := map[string]string{}
	for _, f := range fields {
		if other, dup := seen[strings.ToLower(f.name)]; dup {
			return nil, fmt.Errorf("fields %s and %s both make a column %q", other, f.name, f.name)
		}
		seen[strings.ToLower(f.name)] = f.name
	}
	schema := arrow.NewSchema(afs, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	n := rv.Len()
	b.Reserve(n)
	for r := range n {
		ev := rv.Index(r)
		if ev.Kind() == reflect.Pointer {
			if ev.IsNil() {
				return nil, fmt.Errorf("element %d is nil", r)
			}
			ev = ev.Elem()
		}
		for i, f := range fields {
			appendValue(b.Field(i), ev.FieldByIndex(f.index))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return writeIPC(schema, rec)
}

func arrowType(t reflect.Type) (arrow.DataType, string, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, "TIMESTAMP WITH TIME ZONE", true
	}
	switch t.Kind() {
	case reflect.Bool:
		return arrow.FixedWidthTypes.Boolean, "BOOLEAN", true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return arrow.PrimitiveTypes.Int64, "BIGINT", true
	case reflect.Uint, reflect.Uint64:
		return arrow.PrimitiveTypes.Uint64, "UBIGINT", true
	case reflect.Float32, reflect.Float64:
		return arrow.PrimitiveTypes.Float64, "DOUBLE", true
	case reflect.String:
		return arrow.BinaryTypes.String, "VARCHAR", true
	}
	return nil, "", false
}

func appendValue(b array.Builder, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			b.AppendNull()
			return
		}
		v = v.Elem()
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.Bool())
	case *array.Int64Builder:
		if v.CanInt() {
			b.Append(v.Int())
		} else {
			b.Append(int64(v.Uint()))
		}
	case *array.Uint64Builder:
		b.Append(v.Uint())
	case *array.Float64Builder:
		f := v.Float()
		if math.IsNaN(f) {
			b.AppendNull()
		} else {
			b.Append(f)
		}
	case *array.StringBuilder:
		b.Append(v.String())
	case *array.TimestampBuilder:
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			b.AppendNull()
		} else {
			b.Append(arrow.Timestamp(tm.UnixMicro()))
		}
	}
}

func (t *Table) encode() ([]byte, error) {
	fields := make([]arrow.Field, len(t.cols))
	for i, c := range t.cols {
		fields[i] = arrow.Field{Name: c.Name, Type: t.arrs[i].DataType(), Nullable: true, Metadata: arrow.NewMetadata([]string{typeKey}, []string{c.Type})}
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, t.arrs, int64(t.n))
	defer rec.Release()
	return writeIPC(schema, rec)
}

func writeIPC(schema *arrow.Schema, rec arrow.RecordBatch) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(memory.NewGoAllocator()))
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("write Arrow: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write Arrow: %w", err)
	}
	return buf.Bytes(), nil
}
