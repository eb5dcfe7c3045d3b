package gokernel

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// Values of nb.Put and nb.Get cross the protocol as JSON that keeps their Go type:
//
//	{"kind":"int","v":3}  {"kind":"float","v":"NaN"}  {"kind":"time","v":"2001-01-01T00:00:00Z"}
//	{"kind":"list","v":[{"kind":"string","v":"SEA"}, …]}
//
// Kinds: bool, int, uint, float, string, time, list. Anything else is refused with its type.
type typedValue struct {
	Kind string          `json:"kind"`
	V    json.RawMessage `json:"v"`
}

var timeType = reflect.TypeFor[time.Time]()

// encodeValue encodes v; nil encodes as nothing.
func encodeValue(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	tv, err := typed(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	return json.Marshal(tv)
}

func typed(rv reflect.Value) (typedValue, error) {
	raw := func(kind string, x any) (typedValue, error) {
		b, err := json.Marshal(x)
		return typedValue{Kind: kind, V: b}, err
	}
	if rv.Kind() == reflect.Interface && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Type() == timeType {
		return raw("time", rv.Interface().(time.Time).Format(time.RFC3339Nano))
	}
	switch rv.Kind() {
	case reflect.Bool:
		return raw("bool", rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return raw("int", rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return raw("uint", rv.Uint())
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return raw("float", strconv.FormatFloat(f, 'g', -1, 64))
		}
		return raw("float", f)
	case reflect.String:
		return raw("string", rv.String())
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			break // []byte is no list of numbers to SQL
		}
		items := make([]typedValue, rv.Len())
		for i := range items {
			e := rv.Index(i)
			if e.Kind() == reflect.Interface && e.IsNil() {
				return typedValue{}, fmt.Errorf("element %d of the list is nil", i)
			}
			var err error
			if items[i], err = typed(e); err != nil {
				return typedValue{}, err
			}
			if items[i].Kind == "list" {
				return typedValue{}, fmt.Errorf("lists of lists are not supported")
			}
		}
		return raw("list", items)
	}
	return typedValue{}, fmt.Errorf("a %s cannot be shared with SQL: use a bool, an integer, a float, a string, a time.Time or a slice of one of those", rv.Type())
}

// decodeValue decodes what encodeValue made: int64, uint64, float64, string, bool, time.Time,
// or a slice of one type ([]int64, []string …; []any when the items differ); nil for nothing.
func decodeValue(b json.RawMessage) (any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var tv typedValue
	if err := json.Unmarshal(b, &tv); err != nil {
		return nil, fmt.Errorf("bad value: %w", err)
	}
	return untyped(tv)
}

func untyped(tv typedValue) (any, error) {
	switch tv.Kind {
	case "bool":
		var x bool
		err := json.Unmarshal(tv.V, &x)
		return x, err
	case "int":
		var x int64
		err := json.Unmarshal(tv.V, &x)
		return x, err
	case "uint":
		var x uint64
		err := json.Unmarshal(tv.V, &x)
		return x, err
	case "float":
		var x any
		if err := json.Unmarshal(tv.V, &x); err != nil {
			return nil, err
		}
		switch x := x.(type) {
		case float64:
			return x, nil
		case string:
			return strconv.ParseFloat(x, 64)
		}
		return nil, fmt.Errorf("bad float %s", tv.V)
	case "string":
		var x string
		err := json.Unmarshal(tv.V, &x)
		return x, err
	case "time":
		var x string
		if err := json.Unmarshal(tv.V, &x); err != nil {
			return nil, err
		}
		return time.Parse(time.RFC3339Nano, x)
	case "list":
		var items []typedValue
		if err := json.Unmarshal(tv.V, &items); err != nil {
			return nil, err
		}
		vals := make([]any, len(items))
		for i, it := range items {
			var err error
			if vals[i], err = untyped(it); err != nil {
				return nil, err
			}
		}
		return homogeneous(vals), nil
	}
	return nil, fmt.Errorf("unknown value kind %q", tv.Kind)
}

// homogeneous turns a list whose items share one type into a slice of that type.
func homogeneous(vals []any) any {
	if len(vals) == 0 {
		return []any{}
	}
	t := reflect.TypeOf(vals[0])
	for _, v := range vals[1:] {
		if reflect.TypeOf(v) != t {
			return vals
		}
	}
	out := reflect.MakeSlice(reflect.SliceOf(t), len(vals), len(vals))
	for i, v := range vals {
		out.Index(i).Set(reflect.ValueOf(v))
	}
	return out.Interface()
}
