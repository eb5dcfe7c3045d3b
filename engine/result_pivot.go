package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

// Limits of a chart's points: more than a browser draws usefully, fewer than would hurt to send.
const (
	maxPivotPoints   = 10_000
	maxScatterPoints = 5_000
)

// aggSQL maps each aggregation a chart may ask for to its SQL; %s is the column. Only these
// ever reach DuckDB.
var aggSQL = map[string]string{
	notebooks.AggSum:           "sum(%s)",
	notebooks.AggCount:         "count(%s)",
	notebooks.AggAvg:           "avg(%s)",
	notebooks.AggMin:           "min(%s)",
	notebooks.AggMax:           "max(%s)",
	notebooks.AggCountDistinct: "count(DISTINCT %s)",
	notebooks.AggMedian:        "median(%s)",
}

// Pivot computes the points of chart c over the whole result named id, in SQL (never in Go):
//   - bar, line, area, pie, timeseries, heatmap: SELECT keys, groups, agg(value)… GROUP BY keys,
//     groups ORDER BY keys, groups (NULLs last): one row per point, in long form (a stacked
//     chart stacks the groups of a key), at most 10,000 points (Truncated when there were more);
//     a value column is named for its aggregation: "sum(amount)", "count(*)";
//   - scatter: keys[0] as x, values[0].column as y, groups[0] as the series when given, rows
//     with a NULL x or y left out, reservoir-sampled to 5,000 points when there are more
//     (Sampled is then the number kept);
//   - histogram: values[0].column in Bins equal-width bins, rows (lo, hi, count).
//
// Total is the number of rows of the result. A chart that does not fit the result's columns is
// an EInvalid *notebooks.Error naming the field.
func (s *Session) Pivot(ctx context.Context, id string, c notebooks.Chart) (*PivotResult, error) {
	var out *PivotResult
	err := s.withResult(ctx, id, true, func(ctx context.Context, src *source) error {
		if err := c.Validate(src.notebookColumns()); err != nil {
			return err
		}
		var err error
		switch c.Type {
		case notebooks.ChartScatter:
			out, err = s.scatter(ctx, src, c)
		case notebooks.ChartHistogram:
			out, err = s.histogram(ctx, src, c)
		default:
			out, err = s.aggregate(ctx, src, c)
		}
		if out != nil {
			out.Total = src.count
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pointExpr selects a column for a chart's points: as itself, or as text when the driver cannot
// read its type.
func pointExpr(c colInfo) string {
	if c.readable {
		return c.ident()
	}
	return c.readExpr() + " AS " + c.ident()
}

func (s *Session) aggregate(ctx context.Context, src *source, c notebooks.Chart) (*PivotResult, error) {
	var sel, by []string
	for _, name := range append(append([]string{}, c.Keys...), c.Groups...) {
		col, _ := src.column(name)
		sel = append(sel, pointExpr(col))
		by = append(by, fmt.Sprint(len(sel)))
	}
	for _, v := range c.Values {
		arg, agg := "*", v.Agg
		col, ok := src.column(v.Column)
		if v.Column != "*" || ok {
			arg = col.readExpr()
		}
		if agg == "" {
			agg = notebooks.DefaultAgg(col.typ)
		}
		expr := fmt.Sprintf(aggSQL[agg], arg)
		// Charts draw numbers: a DECIMAL or HUGEINT sum would come out as text past 15 digits.
		if (col.class == classDecimal || col.class == classInt && strings.Contains(col.typ, "HUGEINT")) &&
			(agg == notebooks.AggSum || agg == notebooks.AggAvg || agg == notebooks.AggMedian) {
			expr = "CAST(" + expr + " AS DOUBLE)"
		}
		label := agg + "(" + v.Column + ")"
		if arg == "*" {
			label = agg + "(*)"
		}
		sel = append(sel, expr+" AS "+quoteIdent(label))
	}
	query := "SELECT " + strings.Join(sel, ", ") + " FROM " + src.rel()
	if len(by) > 0 {
		query += " GROUP BY " + strings.Join(by, ", ") + " ORDER BY " + strings.Join(by, " NULLS LAST, ") + " NULLS LAST"
	}
	query += fmt.Sprintf(" LIMIT %d", maxPivotPoints+1)
	rr, err := s.read(ctx, query, maxPivotPoints+1, false)
	if err != nil {
		return nil, err
	}
	out := &PivotResult{Columns: rr.cols, Rows: rr.rows}
	if len(out.Rows) > maxPivotPoints {
		out.Rows, out.Truncated = out.Rows[:maxPivotPoints], true
	}
	return out, nil
}

func (s *Session) scatter(ctx context.Context, src *source, c notebooks.Chart) (*PivotResult, error) {
	x, _ := src.column(c.Keys[0])
	y, _ := src.column(c.Values[0].Column)
	sel := []string{pointExpr(x), pointExpr(y)}
	if len(c.Groups) > 0 {
		g, _ := src.column(c.Groups[0])
		sel = append(sel, pointExpr(g))
	}
	points := "SELECT " + strings.Join(sel, ", ") + " FROM " + src.rel() +
		" WHERE " + x.ident() + " IS NOT NULL AND " + y.ident() + " IS NOT NULL"
	sampled := false
	if src.count > maxScatterPoints {
		var n int64
		if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM ("+points+")").Scan(&n); err != nil {
			return nil, err
		}
		if n > maxScatterPoints {
			// A reservoir sample is uniform over every row, in one pass; the seed keeps a
			// redraw of the same chart the same.
			points = fmt.Sprintf("SELECT * FROM (%s) AS points TABLESAMPLE reservoir(%d ROWS) REPEATABLE (42)", points, maxScatterPoints)
			sampled = true
		}
	}
	rr, err := s.read(ctx, points, maxScatterPoints, false)
	if err != nil {
		return nil, err
	}
	out := &PivotResult{Columns: rr.cols, Rows: rr.rows}
	if sampled {
		out.Sampled = int64(len(rr.rows))
	}
	return out, nil
}

func (s *Session) histogram(ctx context.Context, src *source, c notebooks.Chart) (*PivotResult, error) {
	col, _ := src.column(c.Values[0].Column)
	num := binExpr(col)
	if num == "" {
		return nil, notebooks.Errorf(notebooks.EInvalid, "chart.values[0].column: a histogram needs a number, DATE or TIMESTAMP; %q is %s", col.name, col.typ)
	}
	bins := c.Bins
	if bins == 0 {
		bins = notebooks.DefaultBins
	}
	rr, err := s.read(ctx, "SELECT min("+num+"), max("+num+") FROM "+src.rel(), 1, false)
	if err != nil {
		return nil, err
	}
	edgeType := "DOUBLE"
	switch {
	case col.class == classTemporal && strings.EqualFold(col.typ, "DATE"):
		edgeType = "DATE"
	case col.class == classTemporal:
		edgeType = "TIMESTAMP"
	case col.class == classInt:
		edgeType = "BIGINT"
	}
	out := &PivotResult{
		Columns: []notebooks.Column{{Name: "lo", Type: edgeType}, {Name: "hi", Type: edgeType}, {Name: "count", Type: "BIGINT"}},
		Rows:    [][]any{},
	}
	lo, hi := rr.rows[0][0], rr.rows[0][1]
	if lo == nil || hi == nil {
		return out, nil // no value to bin
	}
	hists, err := s.histograms(ctx, src, []binSpec{newBinSpec(col, asFloat(lo), asFloat(hi), bins)})
	if err != nil {
		return nil, err
	}
	for _, b := range hists[0] {
		out.Rows = append(out.Rows, []any{b.Lo, b.Hi, b.Count})
	}
	return out, nil
}
