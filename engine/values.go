package engine

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Values leave the engine as JSON-friendly Go values that a browser can read without losing
// anything silently:
//   - integers within ±(2^53-1) are int64; larger ones (BIGINT, UBIGINT, HUGEINT, UHUGEINT,
//     BIGNUM) are decimal strings, because JavaScript numbers would round them;
//   - DECIMAL is a json.Number with the exact digits and scale ("1.50") when it has at most 15
//     significant digits, so it still charts and sorts as a number; wider values are strings;
//   - FLOAT and DOUBLE are float64, except NaN, Infinity and -Infinity, which JSON cannot hold,
//     as those strings; a FLOAT keeps its shortest decimal form (0.1, not 0.10000000149);
//   - TIMESTAMP and TIMESTAMPTZ are RFC 3339 strings in UTC, DATE is YYYY-MM-DD (both may be
//     "infinity" or "-infinity"), TIME is
//     HH:MM:SS[.ffffff], TIMETZ adds the offset, INTERVAL is rendered as DuckDB does
//     ("1 year 2 months 3 days 04:05:06");
//   - BLOB is rendered as DuckDB does (printable ASCII as is, other bytes as \xAB); UUID is the
//     canonical string; BIT is a string of 0s and 1s; ENUM is its label;
//   - LIST and ARRAY are []any, STRUCT is map[string]any, MAP is map[string]any keyed by the
//     text of its keys, UNION is the value of its active member, JSON is the parsed value;
//   - NULL is nil.

// maxSafeInt is the largest integer a JavaScript number holds exactly.
const maxSafeInt = 1<<53 - 1

type converter func(v any) any

// converterFor returns the converter for values of type ti; a nil ti (a type the driver cannot
// describe) gets one that goes by the Go type of each value.
func converterFor(ti duckdb.TypeInfo) converter {
	if ti == nil {
		return convertAny
	}
	if ti.Alias() == "JSON" {
		return func(v any) any { return v }
	}
	switch ti.InternalType() {
	case duckdb.TYPE_DATE:
		return nullable(func(v any) any { return formatTime(v, "2006-01-02") })
	case duckdb.TYPE_TIME:
		return nullable(func(v any) any { return formatTime(v, "15:04:05.999999") })
	case duckdb.TYPE_TIME_TZ:
		return nullable(func(v any) any { return formatTime(v, "15:04:05.999999Z07:00") })
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_S, duckdb.TYPE_TIMESTAMP_MS,
		duckdb.TYPE_TIMESTAMP_NS, duckdb.TYPE_TIMESTAMP_TZ:
		return nullable(func(v any) any { return formatTime(v, time.RFC3339Nano) })
	case duckdb.TYPE_UUID:
		return nullable(formatUUID)
	case duckdb.TYPE_LIST, duckdb.TYPE_ARRAY:
		var child duckdb.TypeInfo
		switch d := ti.Details().(type) {
		case *duckdb.ListDetails:
			child = d.Child
		case *duckdb.ArrayDetails:
			child = d.Child
		}
		conv := converterFor(child)
		return nullable(func(v any) any {
			list, ok := v.([]any)
			if !ok {
				return convertAny(v)
			}
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = conv(e)
			}
			return out
		})
	case duckdb.TYPE_STRUCT:
		convs := map[string]converter{}
		if d, ok := ti.Details().(*duckdb.StructDetails); ok {
			for _, e := range d.Entries {
				convs[e.Name()] = converterFor(e.Info())
			}
		}
		return nullable(func(v any) any {
			m, ok := v.(map[string]any)
			if !ok {
				return convertAny(v)
			}
			out := make(map[string]any, len(m))
			for k, e := range m {
				if conv, ok := convs[k]; ok {
					out[k] = conv(e)
				} else {
					out[k] = convertAny(e)
				}
			}
			return out
		})
	case duckdb.TYPE_MAP:
		keyConv, valConv := converter(convertAny), converter(convertAny)
		if d, ok := ti.Details().(*duckdb.MapDetails); ok {
			keyConv, valConv = converterFor(d.Key), converterFor(d.Value)
		}
		return nullable(func(v any) any { return convertMap(v, keyConv, valConv) })
	case duckdb.TYPE_UNION:
		convs := map[string]converter{}
		if d, ok := ti.Details().(*duckdb.UnionDetails); ok {
			for _, m := range d.Members {
				convs[m.Name] = converterFor(m.Type)
			}
		}
		return nullable(func(v any) any {
			u, ok := v.(duckdb.Union)
			if !ok {
				return convertAny(v)
			}
			if conv, ok := convs[u.Tag]; ok {
				return conv(u.Value)
			}
			return convertAny(u.Value)
		})
	}
	return convertAny
}

func nullable(f converter) converter {
	return func(v any) any {
		if v == nil {
			return nil
		}
		return f(v)
	}
}

// convertAny converts by the Go type the driver produced; it is right for every type whose Go
// type alone says how to show it, and a safe fallback for the rest.
func convertAny(v any) any {
	switch x := v.(type) {
	case nil, bool, string:
		return x
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return safeInt(x)
	case int:
		return safeInt(int64(x))
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x > maxSafeInt {
			return strconv.FormatUint(x, 10)
		}
		return int64(x)
	case float32:
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return safeFloat(f)
	case float64:
		return safeFloat(x)
	case *big.Int:
		if x.IsInt64() {
			return safeInt(x.Int64())
		}
		return x.String()
	case duckdb.Decimal:
		return formatDecimal(x)
	case duckdb.Interval:
		return formatInterval(x)
	case []byte:
		return formatBlob(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convertAny(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = convertAny(e)
		}
		return out
	case duckdb.OrderedMap:
		return convertMap(x, convertAny, convertAny)
	case duckdb.Map:
		return convertMap(x, convertAny, convertAny)
	case duckdb.Union:
		return convertAny(x.Value)
	case json.Number:
		return x
	}
	return fmt.Sprint(v)
}

func safeInt(i int64) any {
	if i > maxSafeInt || i < -maxSafeInt {
		return strconv.FormatInt(i, 10)
	}
	return i
}

func safeFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

// convertMap turns a MAP into a JSON object keyed by the text of its keys.
func convertMap(v any, keyConv, valConv converter) any {
	out := map[string]any{}
	put := func(k, e any) {
		ks, ok := keyConv(k).(string)
		if !ok {
			ks = fmt.Sprint(keyConv(k))
		}
		out[ks] = valConv(e)
	}
	switch m := v.(type) {
	case duckdb.OrderedMap:
		keys, vals := m.Keys(), m.Values()
		for i := range keys {
			put(keys[i], vals[i])
		}
	case duckdb.Map:
		for k, e := range m {
			put(k, e)
		}
	default:
		return convertAny(v)
	}
	return out
}

func formatTime(v any, layout string) any {
	t, ok := v.(time.Time)
	if !ok {
		return convertAny(v)
	}
	switch layout {
	case time.RFC3339Nano:
		// DuckDB's infinite timestamps are the extreme microsecond counts.
		switch t.UnixMicro() {
		case math.MaxInt64:
			return "infinity"
		case -math.MaxInt64:
			return "-infinity"
		}
		t = t.UTC()
	case "2006-01-02":
		switch t.Unix() / 86400 {
		case math.MaxInt32:
			return "infinity"
		case -math.MaxInt32:
			return "-infinity"
		}
	}
	return t.Format(layout)
}

func formatUUID(v any) any {
	switch u := v.(type) {
	case []byte:
		if len(u) == 16 {
			h := hex.EncodeToString(u)
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}
	case duckdb.UUID:
		return formatUUID(u[:])
	}
	return convertAny(v)
}

// formatDecimal renders a DECIMAL with its full scale, as DuckDB does.
func formatDecimal(d duckdb.Decimal) any {
	if d.Value == nil {
		return nil
	}
	digits := new(big.Int).Abs(d.Value).String()
	scale := int(d.Scale)
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	s := digits
	if scale > 0 {
		s = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if d.Value.Sign() < 0 {
		s = "-" + s
	}
	if significant := len(strings.TrimLeft(digits, "0")); significant <= 15 {
		return json.Number(s)
	}
	return s
}

// formatInterval renders an INTERVAL as DuckDB does: "1 year 2 months 3 days 04:05:06.5".
func formatInterval(iv duckdb.Interval) string {
	var parts []string
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		if n == 1 || n == -1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		} else {
			parts = append(parts, fmt.Sprintf("%d %ss", n, name))
		}
	}
	unit(int64(iv.Months/12), "year")
	unit(int64(iv.Months%12), "month")
	unit(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		us := iv.Micros
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		t := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
		if frac := us % 1_000_000; frac != 0 {
			t += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// formatBlob renders bytes as DuckDB prints a BLOB, which also reads back as a BLOB literal.
func formatBlob(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 32 && c <= 126 && c != '\\' && c != '\'' && c != '"' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, `\x%02X`, c)
		}
	}
	return sb.String()
}
