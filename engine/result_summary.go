package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// summaryBins is the number of bins of a column summary's histogram.
const summaryBins = 20

// exactDistinctRows is the size up to which Summary counts distinct values exactly. Past it,
// approx_count_distinct keeps the cost one pass of fixed memory per column (exact counting
// hashes every value); below it, HyperLogLog's error (10% on a few hundred values) would show.
const exactDistinctRows = 100_000

// Summary describes every column of the result named id over all its rows: NULLs, distinct
// values (exact up to 100,000 rows, else approx_count_distinct: HyperLogLog, within a few
// percent), min and max (for scalar
// types), and for numbers, DATEs and TIMESTAMPs a histogram of about 20 equal-width bins. It
// costs two scans of the result, whatever the number of columns.
func (s *Session) Summary(ctx context.Context, id string) ([]ColumnSummary, error) {
	var out []ColumnSummary
	err := s.withResult(ctx, id, true, func(ctx context.Context, src *source) error {
		// One scan for every column's counts and bounds.
		sel := []string{"count(*)"}
		type plan struct{ min, max, lo, hi, nonNull int } // indexes into the row; -1 when absent
		plans := make([]plan, len(src.cols))
		for i, c := range src.cols {
			p := plan{-1, -1, -1, -1, -1}
			p.nonNull = len(sel)
			sel = append(sel, "count("+c.ident()+")")
			if src.count <= exactDistinctRows {
				sel = append(sel, "count(DISTINCT "+distinctExpr(c)+")")
			} else {
				sel = append(sel, "approx_count_distinct("+distinctExpr(c)+")")
			}
			if m := minMaxExpr(c); m != "" {
				p.min, p.max = len(sel), len(sel)+1
				sel = append(sel, fmt.Sprintf(m, "min"), fmt.Sprintf(m, "max"))
			}
			if num := binExpr(c); num != "" {
				p.lo, p.hi = len(sel), len(sel)+1
				sel = append(sel, "min("+num+")", "max("+num+")")
			}
			plans[i] = p
		}
		rr, err := s.read(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+src.rel(), 1, false)
		if err != nil {
			return err
		}
		row := rr.rows[0]
		total := asInt(row[0])
		out = make([]ColumnSummary, len(src.cols))
		var specs []binSpec
		var specCol []int
		for i, c := range src.cols {
			p := plans[i]
			nonNull := asInt(row[p.nonNull])
			// HyperLogLog may overshoot; never more distinct values than values.
			cs := ColumnSummary{Name: c.name, Type: c.typ, Nulls: total - nonNull, Distinct: min(asInt(row[p.nonNull+1]), nonNull),
				Approx: src.count > exactDistinctRows}
			if p.min >= 0 {
				cs.Min, cs.Max = row[p.min], row[p.max]
			}
			if p.lo >= 0 && row[p.lo] != nil && row[p.hi] != nil {
				specs = append(specs, newBinSpec(c, asFloat(row[p.lo]), asFloat(row[p.hi]), summaryBins))
				specCol = append(specCol, i)
			}
			out[i] = cs
		}
		// One more scan for every histogram.
		hists, err := s.histograms(ctx, src, specs)
		if err != nil {
			return err
		}
		for j, h := range hists {
			out[specCol[j]].Histogram = h
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// distinctExpr is what approx_count_distinct hashes: the column, or the text of a type the
// driver cannot read (which may not hash).
func distinctExpr(c colInfo) string {
	if !c.readable {
		return "CAST(" + c.ident() + " AS VARCHAR)"
	}
	return c.ident()
}

// minMaxExpr is a format for min(%s)/max(%s) of a column, or "" for types without a useful order
// (nested, JSON, and the rest of classOther).
func minMaxExpr(c colInfo) string {
	switch c.class {
	case classOther, classNested:
		return ""
	}
	if !c.readable {
		return "CAST(%s(" + c.ident() + ") AS VARCHAR)"
	}
	return "%s(" + c.ident() + ")"
}

// binExpr is a column as a finite DOUBLE to bin (a point in time as epoch microseconds), NULL
// for NaN, infinities and infinite dates; "" for columns that are not binned.
func binExpr(c colInfo) string {
	if !c.readable {
		return ""
	}
	id := c.ident()
	switch c.class {
	case classInt, classDecimal:
		return "CAST(" + id + " AS DOUBLE)"
	case classFloat:
		return "CASE WHEN isfinite(" + id + ") THEN CAST(" + id + " AS DOUBLE) END"
	case classTemporal:
		return "CASE WHEN isfinite(" + id + ") THEN CAST(epoch_us(" + id + ") AS DOUBLE) END"
	}
	return ""
}

// binSpec is n equal-width bins of a column's values from lo: [lo+i*w, lo+(i+1)*w), the last
// one closed at hi. Integer columns get integral widths and DATE columns whole days, so no bin
// holds half a value and every edge is a value of the column's type.
type binSpec struct {
	col    colInfo
	lo, hi float64
	w      float64
	n      int
	unit   float64 // the step of a discrete column's values (1, a day in µs), else 0
}

const dayMicros = 86400e6

func newBinSpec(c colInfo, lo, hi float64, n int) binSpec {
	b := binSpec{col: c, lo: lo, hi: hi, n: max(n, 1)}
	switch {
	case c.class == classInt:
		b.unit = 1
	case c.class == classTemporal && strings.EqualFold(c.typ, "DATE"):
		b.unit = dayMicros
	}
	switch {
	case b.unit > 0:
		span := (hi-lo)/b.unit + 1 // values, counting both ends
		if span <= float64(b.n) {
			b.n, b.w = int(span), b.unit
		} else {
			steps := math.Ceil(span / float64(b.n))
			b.n, b.w = int(math.Ceil(span/steps)), steps*b.unit
		}
		b.hi = lo + float64(b.n)*b.w
	case hi == lo:
		b.n, b.w = 1, 1
	default:
		b.w = (hi - lo) / float64(b.n)
	}
	return b
}

// sql is the bin number of each row, NULL for rows that are not binned.
func (b binSpec) sql() string {
	return fmt.Sprintf("least(CAST(floor((%s - %s) / %s) AS BIGINT), %d)",
		binExpr(b.col), strconv.FormatFloat(b.lo, 'g', -1, 64), strconv.FormatFloat(b.w, 'g', -1, 64), b.n-1)
}

// edge is the value at the start of bin i (i == n: the end of the last), in the column's terms.
func (b binSpec) edge(i int) any {
	x := b.lo + float64(i)*b.w
	switch {
	case i == b.n:
		x = b.hi
	case b.unit == 0:
		// One rounding instead of two: 3.7125, not 3.7125000000000004.
		x = b.lo + (b.hi-b.lo)*float64(i)/float64(b.n)
	}
	switch {
	case b.col.class == classTemporal:
		t := time.UnixMicro(int64(math.Round(x))).UTC()
		if b.unit == dayMicros {
			return t.Format("2006-01-02")
		}
		return t.Format(time.RFC3339Nano)
	case b.unit > 0:
		return safeInt(int64(x))
	}
	return safeFloat(x)
}

// histograms counts the rows of every spec's bins in one scan (DuckDB's histogram aggregate, a
// map from bin number to count, per column).
func (s *Session) histograms(ctx context.Context, src *source, specs []binSpec) ([][]Bin, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	sel := make([]string, len(specs))
	for i, b := range specs {
		// least() skips NULLs, so the rows without a value are filtered out, not binned.
		sel[i] = "histogram(" + b.sql() + ") FILTER (WHERE " + binExpr(b.col) + " IS NOT NULL)"
	}
	rr, err := s.read(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+src.rel(), 1, false)
	if err != nil {
		return nil, err
	}
	out := make([][]Bin, len(specs))
	for i, b := range specs {
		counts := make([]int64, b.n)
		if m, ok := rr.rows[0][i].(map[string]any); ok {
			for k, v := range m {
				if bin, err := strconv.Atoi(k); err == nil && bin >= 0 && bin < b.n {
					counts[bin] = asInt(v)
				}
			}
		}
		bins := make([]Bin, b.n)
		for j := range bins {
			bins[j] = Bin{Lo: b.edge(j), Hi: b.edge(j + 1), Count: counts[j]}
		}
		out[i] = bins
	}
	return out, nil
}

// asInt reads a count converted by values.go (an int64, or its decimal text past 2^53).
func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		i, _ := strconv.ParseInt(x, 10, 64)
		return i
	case float64:
		return int64(x)
	}
	return 0
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return math.NaN()
}
