package prune

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// domain is how values of a DuckDB type are ordered.
type domain int

const (
	dNone domain = iota // not modelled: only IS [NOT] NULL prunes
	dNum                // integers, decimals, floats: compared as exact rationals
	dTime               // DATE and TIMESTAMP (no time zone): instants, a date being its midnight
	dStr                // VARCHAR: byte order, as DuckDB's default collation and Parquet
	dBool               // false < true
)

// domainOf returns the domain of a DuckDB type name, and whether it is a binary floating
// point type.
func domainOf(typ string) (domain, bool) {
	t := strings.ToUpper(strings.TrimSpace(typ))
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
		"UBIGINT", "UHUGEINT", "INT", "INT1", "INT2", "INT4", "INT8", "INT16", "INT32", "INT64", "INT128",
		"SHORT", "LONG", "SIGNED", "UINT8", "UINT16", "UINT32", "UINT64", "UINT128":
		return dNum, false
	case "FLOAT", "REAL", "FLOAT4", "DOUBLE", "FLOAT8":
		return dNum, true
	case "DATE", "TIMESTAMP", "DATETIME", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP_SEC",
		"TIMESTAMP WITHOUT TIME ZONE":
		return dTime, false
	case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR":
		return dStr, false
	case "BOOLEAN", "BOOL", "LOGICAL":
		return dBool, false
	}
	switch {
	case strings.HasPrefix(t, "DECIMAL(") || strings.HasPrefix(t, "NUMERIC(") || t == "DECIMAL" || t == "NUMERIC":
		return dNum, false
	case strings.HasPrefix(t, "VARCHAR("):
		return dStr, false
	}
	return dNone, false
}

var simpleType = regexp.MustCompile(`^[A-Z][A-Z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?$`)

// castable reports whether typ is a type name prune may write into a CAST.
func castable(typ string) bool {
	d, _ := domainOf(typ)
	return d != dNone && simpleType.MatchString(strings.ToUpper(strings.TrimSpace(typ)))
}

// value is a typed value: a constant of the query, a partition value or a statistic.
type value struct {
	dom    domain
	num    *big.Rat
	approx bool // a float is involved: values within a relative 1e-6 may be equal
	t      time.Time
	s      string
	b      bool
	text   string
}

var numText = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04",
}

// parseValue reads text as a value of domain d. ok is false on any doubt: infinities, NaN,
// years beyond 9999 or BC, time zones, text of another format.
func parseValue(d domain, text string) (value, bool) {
	v := value{dom: d, text: text}
	switch d {
	case dNum:
		if !numText.MatchString(text) {
			return v, false
		}
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			return v, false
		}
		v.num = r
	case dTime:
		if len(text) == 10 {
			t, err := time.Parse("2006-01-02", text)
			if err != nil {
				return v, false
			}
			v.t = t
			return v, true
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, text); err == nil {
				v.t = t
				return v, true
			}
		}
		return v, false
	case dStr:
		v.s = text
	case dBool:
		switch strings.ToLower(text) {
		case "true":
			v.b = true
		case "false":
		default:
			return v, false
		}
	default:
		return v, false
	}
	return v, true
}

var tolerance = big.NewRat(1, 1_000_000)

// cmp compares a and b: -1, 0 or 1, and ok=false when it cannot tell (other domains, or floats
// too close to call).
func cmp(a, b value) (int, bool) {
	if a.dom != b.dom {
		return 0, false
	}
	switch a.dom {
	case dNum:
		if a.num == nil || b.num == nil {
			return 0, false
		}
		if a.approx || b.approx {
			d := new(big.Rat).Sub(a.num, b.num)
			m := new(big.Rat).Abs(a.num)
			if bm := new(big.Rat).Abs(b.num); bm.Cmp(m) > 0 {
				m = bm
			}
			m.Mul(m, tolerance)
			if new(big.Rat).Abs(d).Cmp(m) <= 0 {
				return 0, false
			}
			return d.Sign(), true
		}
		return a.num.Cmp(b.num), true
	case dTime:
		return a.t.Compare(b.t), true
	case dStr:
		return strings.Compare(a.s, b.s), true
	case dBool:
		switch {
		case a.b == b.b:
			return 0, true
		case b.b:
			return -1, true
		}
		return 1, true
	}
	return 0, false
}

// String renders v as in a constraint: strings quoted, the rest as DuckDB printed them.
func (v value) String() string {
	if v.dom == dStr {
		return "'" + strings.ReplaceAll(v.s, "'", "''") + "'"
	}
	return v.text
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
