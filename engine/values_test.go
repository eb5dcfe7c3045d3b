package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestValueConversion(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	mustQuery(t, s, "set TimeZone = 'UTC'")
	tests := []struct {
		name, expr string
		typ        string
		want       any
		wantJSON   string // when set, the JSON encoding instead of want
	}{
		{"null", "NULL", "INTEGER", nil, ""},
		{"boolean", "true", "BOOLEAN", true, ""},
		{"tinyint", "(-5)::TINYINT", "TINYINT", int64(-5), ""},
		{"smallint", "300::SMALLINT", "SMALLINT", int64(300), ""},
		{"integer", "2147483647", "INTEGER", int64(2147483647), ""},
		{"bigint safe", "9007199254740991::BIGINT", "BIGINT", int64(9007199254740991), ""},
		{"bigint unsafe", "9007199254740993::BIGINT", "BIGINT", "9007199254740993", ""},
		{"bigint negative unsafe", "(-9223372036854775808)::BIGINT", "BIGINT", "-9223372036854775808", ""},
		{"utinyint", "255::UTINYINT", "UTINYINT", int64(255), ""},
		{"uinteger", "4294967295::UINTEGER", "UINTEGER", int64(4294967295), ""},
		{"ubigint", "18446744073709551615::UBIGINT", "UBIGINT", "18446744073709551615", ""},
		{"hugeint small", "12::HUGEINT", "HUGEINT", int64(12), ""},
		{"hugeint big", "170141183460469231731687303715884105727::HUGEINT", "HUGEINT", "170141183460469231731687303715884105727", ""},
		{"uhugeint", "340282366920938463463374607431768211455::UHUGEINT", "UHUGEINT", "340282366920938463463374607431768211455", ""},
		{"float", "0.1::FLOAT", "FLOAT", 0.1, ""},
		{"double", "2.5::DOUBLE", "DOUBLE", 2.5, ""},
		{"nan", "'nan'::DOUBLE", "DOUBLE", "NaN", ""},
		{"inf", "'inf'::DOUBLE", "DOUBLE", "Infinity", ""},
		{"-inf", "'-inf'::FLOAT", "FLOAT", "-Infinity", ""},
		{"decimal", "1.50::DECIMAL(10,2)", "DECIMAL(10,2)", json.Number("1.50"), `1.50`},
		{"decimal negative small", "(-0.05)::DECIMAL(4,3)", "DECIMAL(4,3)", json.Number("-0.050"), `-0.050`},
		{"decimal wide", "12345678901234567890.12::DECIMAL(38,2)", "DECIMAL(38,2)", "12345678901234567890.12", ""},
		{"varchar", "'héllo'", "VARCHAR", "héllo", ""},
		{"enum", "'b'::ENUM('a', 'b')", "ENUM", "b", ""},
		{"blob", `'\xAA\x00ab'::BLOB`, "BLOB", `\xAA\x00ab`, ""},
		{"uuid", "'4ac7a9e9-607c-4c8a-84f3-843f0191e3fd'::UUID", "UUID", "4ac7a9e9-607c-4c8a-84f3-843f0191e3fd", ""},
		{"bit", "'1011'::BIT", "BIT", "1011", ""},
		{"date", "DATE '2024-02-29'", "DATE", "2024-02-29", ""},
		{"time", "TIME '13:04:05.25'", "TIME", "13:04:05.25", ""},
		{"timetz", "'13:04:05+02'::TIMETZ", "TIMETZ", "13:04:05+02:00", ""},
		{"timestamp", "TIMESTAMP '2024-02-29 13:04:05.123456'", "TIMESTAMP", "2024-02-29T13:04:05.123456Z", ""},
		{"timestamp_s", "TIMESTAMP_S '2024-02-29 13:04:05'", "TIMESTAMP_S", "2024-02-29T13:04:05Z", ""},
		{"timestamp_ms", "TIMESTAMP_MS '2024-02-29 13:04:05.5'", "TIMESTAMP_MS", "2024-02-29T13:04:05.5Z", ""},
		{"timestamp_ns", "TIMESTAMP_NS '2024-02-29 13:04:05.123456789'", "TIMESTAMP_NS", "2024-02-29T13:04:05.123456789Z", ""},
		{"timestamptz", "TIMESTAMPTZ '2024-02-29 13:04:05+02'", "TIMESTAMPTZ", "2024-02-29T11:04:05Z", ""},
		{"date infinity", "'-infinity'::DATE", "DATE", "-infinity", ""},
		{"timestamp infinity", "'infinity'::TIMESTAMP", "TIMESTAMP", "infinity", ""},
		{"bignum", "123456789012345678901234567890::BIGNUM", "BIGNUM", "123456789012345678901234567890", ""},
		{"time_ns, read as text", "'12:00:00.123456789'::TIME_NS", "TIME_NS", "12:00:00.123456789", ""},
		{"variant, read as text", "[1, 2]::VARIANT", "VARIANT", "[1, 2]", ""},
		{"list of variant, read as text", "[1::VARIANT]", "VARIANT[]", "[1]", ""},
		{"interval", "INTERVAL '1 year 2 months 3 days 04:05:06.5'", "INTERVAL", "1 year 2 months 3 days 04:05:06.5", ""},
		{"interval zero", "INTERVAL '0 seconds'", "INTERVAL", "00:00:00", ""},
		{"interval negative", "-INTERVAL '90 minutes'", "INTERVAL", "-01:30:00", ""},
		{"list", "[1, NULL, 3]", "INTEGER[]", []any{int64(1), nil, int64(3)}, ""},
		{"list of dates", "[DATE '2024-01-01', NULL]", "DATE[]", []any{"2024-01-01", nil}, ""},
		{"array", "[1.5, 2.5]::DOUBLE[2]", "DOUBLE[2]", []any{1.5, 2.5}, ""},
		{"struct", "{'a': 1, 'b': [DATE '2024-01-01'], 'c': NULL}", `STRUCT("a" INTEGER, "b" DATE[], "c" INTEGER)`,
			map[string]any{"a": int64(1), "b": []any{"2024-01-01"}, "c": nil}, ""},
		{"map", "MAP {'k': 1.5::DECIMAL(3,1), 'l': NULL}", "MAP(VARCHAR, DECIMAL(3,1))",
			map[string]any{"k": json.Number("1.5"), "l": nil}, ""},
		{"map int keys", "MAP {1: 'one', 2: 'two'}", "MAP(INTEGER, VARCHAR)", map[string]any{"1": "one", "2": "two"}, ""},
		{"nested nan", "[{'x': 'nan'::DOUBLE}]", `STRUCT("x" DOUBLE)[]`, []any{map[string]any{"x": "NaN"}}, ""},
		{"union", "union_value(t := TIMESTAMP '2024-01-01 00:00:00')", `UNION("t" TIMESTAMP)`, "2024-01-01T00:00:00Z", ""},
		{"json", `'{"a": [1, "x"]}'::JSON`, "JSON", map[string]any{"a": []any{1.0, "x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustQuery(t, s, "select "+tt.expr+" as v")
			if len(res.Rows) != 1 {
				t.Fatalf("rows = %v", res.Rows)
			}
			got := res.Rows[0][0]
			if res.Columns[0].Type != tt.typ {
				t.Errorf("type = %q, want %q", res.Columns[0].Type, tt.typ)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("value = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
			b, err := json.Marshal(res.Rows)
			if err != nil {
				t.Fatalf("json.Marshal(%#v): %v", res.Rows, err)
			}
			if tt.wantJSON != "" && string(b) != "[["+tt.wantJSON+"]]" {
				t.Errorf("json = %s, want [[%s]]", b, tt.wantJSON)
			}
		})
	}
}

func TestValueConversionInPages(t *testing.T) {
	// Pages read from a result table convert like the first page does.
	s := newSession(t, newEngine(t, Options{PageSize: 2}))
	res := mustQuery(t, s, "select range as i, [DATE '2024-01-01' + range::int] as d, 'nan'::double as f from range(5)")
	page, err := s.Page(t.Context(), res.ID, 4, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{int64(4), []any{"2024-01-05"}, "NaN"}}
	if !reflect.DeepEqual(page, want) {
		t.Errorf("page = %#v, want %#v", page, want)
	}
}
