package prune

import (
	"strings"

	"github.com/lakebook/lakebook/engine/crawl"
)

// may reports whether some row of f may satisfy p.
func (p *pnode) may(ti *tableInfo, f *crawl.File) bool {
	switch p.kind {
	case pFalse:
		return false
	case pAnd:
		for _, k := range p.kids {
			if !k.may(ti, f) {
				return false
			}
		}
		return true
	case pOr:
		for _, k := range p.kids {
			if k.may(ti, f) {
				return true
			}
		}
		return false
	}
	if p.atom.col.part {
		return p.atom.mayPartition(f)
	}
	return p.atom.mayStats(f)
}

// mayPartition judges the atom by f's partition value of the column.
func (at *atom) mayPartition(f *crawl.File) bool {
	c := at.col
	raw, ok := f.Partition[c.name]
	if !ok {
		for k, v := range f.Partition {
			if strings.EqualFold(k, c.name) {
				raw, ok = v, true
			}
		}
	}
	if !ok || raw == "" {
		return true // no value, or one whose meaning is unclear
	}
	if raw == crawl.HiveNull {
		return at.op == "is null" // NULL satisfies no comparison
	}
	switch at.op {
	case "is null":
		return false
	case "is not null":
		return true
	}
	v, ok := parseValue(c.dom, raw)
	if !ok {
		return true
	}
	v.approx = c.float
	return at.mayRange(v, v, false)
}

// mayStats judges the atom by f's statistics of the column.
func (at *atom) mayStats(f *crawl.File) bool {
	c := at.col
	st, ok := f.Stats[c.name]
	if !ok {
		for k, v := range f.Stats {
			if strings.EqualFold(k, c.name) {
				st, ok = v, true
			}
		}
	}
	if !ok {
		return true
	}
	allNull := st.NullCount >= 0 && f.Rows >= 0 && st.NullCount >= f.Rows
	switch at.op {
	case "is null":
		return st.NullCount != 0 // -1: unknown
	case "is not null":
		return !allNull
	}
	if allNull {
		return false // NULL satisfies no comparison
	}
	if !st.HasMinMax {
		return true
	}
	// The statistics are rendered in the file's own type; they order values as the table's
	// type does only within one domain (an INTEGER file of a VARCHAR column does not).
	dom, float := c.dom, c.float
	if len(f.Columns) > 0 {
		found := false
		for _, fc := range f.Columns {
			if strings.EqualFold(fc.Name, c.name) {
				d, fl := domainOf(fc.Type)
				if d != dom {
					return true
				}
				float = float || fl
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	lo, ok1 := parseValue(dom, st.Min)
	hi, ok2 := parseValue(dom, st.Max)
	if !ok1 || !ok2 {
		return true
	}
	lo.approx, hi.approx = float, float
	return at.mayRange(lo, hi, float)
}

// mayRange reports whether some value in [lo, hi] may satisfy the atom. With nan, the column
// is a float that may also hold NaN, which DuckDB sorts above every number and Parquet
// statistics leave out: NaN satisfies >, >= and <>.
func (at *atom) mayRange(lo, hi value, nan bool) bool {
	switch at.op {
	case "=":
		return mayEqual(lo, hi, at.vals[0])
	case "in":
		for _, v := range at.vals {
			if mayEqual(lo, hi, v) {
				return true
			}
		}
		return false
	case "<>":
		return nan || !isPoint(lo, hi, at.vals[0])
	case "not in":
		if nan {
			return true
		}
		for _, v := range at.vals {
			if isPoint(lo, hi, v) {
				return false
			}
		}
		return true
	case "<":
		c, ok := cmp(lo, at.vals[0])
		return !(ok && c >= 0)
	case "<=":
		c, ok := cmp(lo, at.vals[0])
		return !(ok && c > 0)
	case ">":
		c, ok := cmp(hi, at.vals[0])
		return nan || !(ok && c <= 0)
	case ">=":
		c, ok := cmp(hi, at.vals[0])
		return nan || !(ok && c < 0)
	}
	return true
}

func mayEqual(lo, hi, v value) bool {
	if c, ok := cmp(v, lo); ok && c < 0 {
		return false
	}
	if c, ok := cmp(v, hi); ok && c > 0 {
		return false
	}
	return true
}

// isPoint reports whether [lo, hi] is certainly the single value v.
func isPoint(lo, hi, v value) bool {
	c1, ok1 := cmp(lo, v)
	c2, ok2 := cmp(hi, v)
	return ok1 && ok2 && c1 == 0 && c2 == 0
}
