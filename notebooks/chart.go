package notebooks

import (
	"slices"
	"strings"
)

// Chart types.
const (
	ChartBar        = "bar"
	ChartLine       = "line"
	ChartArea       = "area"
	ChartPie        = "pie"
	ChartScatter    = "scatter"
	ChartHistogram  = "histogram"
	ChartHeatmap    = "heatmap"
	ChartTimeseries = "timeseries"
)

// Aggregations a chart value may use. The engine turns each into its own SQL, never the name.
const (
	AggSum           = "sum"
	AggCount         = "count"
	AggAvg           = "avg"
	AggMin           = "min"
	AggMax           = "max"
	AggCountDistinct = "count_distinct"
	AggMedian        = "median"
)

// DefaultBins is the number of bins of a histogram that does not say.
const DefaultBins = 30

// MaxBins bounds a histogram's bins: more than a screen has pixels for helps no one.
const MaxBins = 1000

// maxChartColumns bounds keys+groups and values, which become a GROUP BY and a select list.
const maxChartColumns = 16

// Chart is a paragraph's chart settings, Zeppelin's pivot: keys (x), groups (series), values
// with an aggregation. The engine computes the chart's points from it over the whole result.
//
// What each type uses:
//   - bar, line, area, pie: keys, optional groups, values (pie uses the first value);
//   - timeseries: like line, with keys[0] a DATE, TIME or TIMESTAMP column;
//   - heatmap: keys[0] as x, keys[1] or groups[0] as y, values[0] as the cell's value;
//   - scatter: keys[0] as x, values[0].column as y, groups[0] (optional) as the series;
//     points are not aggregated, so Agg is ignored;
//   - histogram: values[0].column, a number, DATE or TIMESTAMP, in Bins equal-width bins.
type Chart struct {
	Type    string       `json:"type"`
	Keys    []string     `json:"keys,omitempty"`
	Groups  []string     `json:"groups,omitempty"`
	Values  []ChartValue `json:"values,omitempty"`
	Stacked bool         `json:"stacked,omitempty"`
	// Bins is the number of histogram bins; 0 means DefaultBins.
	Bins int `json:"bins,omitempty"`
}

// ChartValue is one plotted value: a column and how its rows are aggregated per point.
type ChartValue struct {
	// Column is a column of the result; "*" with Agg count counts rows.
	Column string `json:"column"`
	// Agg is one of sum, count, avg, min, max, count_distinct, median. Empty means sum for a
	// numeric column and count for others (Zeppelin's default), and nothing for scatter and
	// histogram, whose points are not aggregated.
	Agg string `json:"agg,omitempty"`
}

// DefaultAgg is the aggregation used for a value whose Agg is empty, given its column's type.
func DefaultAgg(columnType string) string {
	if NumericType(columnType) {
		return AggSum
	}
	return AggCount
}

var chartTypes = []string{ChartBar, ChartLine, ChartArea, ChartPie, ChartScatter, ChartHistogram,
	ChartHeatmap, ChartTimeseries}

var aggs = []string{AggSum, AggCount, AggAvg, AggMin, AggMax, AggCountDistinct, AggMedian}

// Validate checks c against the columns of the result it charts. It returns an *Error with code
// EInvalid naming the bad field ("chart.keys[1]: unknown column \"x\"") for an unknown type,
// column or aggregation, an aggregation that cannot apply to its column's type, or keys and
// values missing for the type.
func (c Chart) Validate(columns []Column) error {
	types := make(map[string]string, len(columns))
	for _, col := range columns {
		types[col.Name] = col.Type
	}
	if !slices.Contains(chartTypes, c.Type) {
		return Errorf(EInvalid, "chart.type: unknown chart type %q (want one of %s)", c.Type, strings.Join(chartTypes, ", "))
	}
	if len(c.Keys)+len(c.Groups) > maxChartColumns {
		return Errorf(EInvalid, "chart: at most %d keys and groups", maxChartColumns)
	}
	if len(c.Values) > maxChartColumns {
		return Errorf(EInvalid, "chart.values: at most %d values", maxChartColumns)
	}
	if c.Bins < 0 || c.Bins > MaxBins {
		return Errorf(EInvalid, "chart.bins: %d is not between 1 and %d", c.Bins, MaxBins)
	}
	for _, f := range []struct {
		name string
		cols []string
	}{{"keys", c.Keys}, {"groups", c.Groups}} {
		for i, name := range f.cols {
			if _, ok := types[name]; !ok {
				return Errorf(EInvalid, "chart.%s[%d]: unknown column %q", f.name, i, name)
			}
		}
	}
	aggregated := c.Type != ChartScatter && c.Type != ChartHistogram
	for i, v := range c.Values {
		typ, ok := types[v.Column]
		star := v.Column == "*"
		if !ok && !star {
			return Errorf(EInvalid, "chart.values[%d].column: unknown column %q", i, v.Column)
		}
		if !aggregated {
			if star {
				return Errorf(EInvalid, "chart.values[%d].column: a %s needs a column, not *", i, c.Type)
			}
			continue
		}
		switch {
		case v.Agg == "":
		case !slices.Contains(aggs, v.Agg):
			return Errorf(EInvalid, "chart.values[%d].agg: unknown aggregation %q (want one of %s)", i, v.Agg, strings.Join(aggs, ", "))
		case (v.Agg == AggSum || v.Agg == AggAvg) && typ != "" && !star && !NumericType(typ):
			return Errorf(EInvalid, "chart.values[%d].agg: %s needs a numeric column; %q is %s", i, v.Agg, v.Column, typ)
		}
		if star && v.Agg != AggCount {
			return Errorf(EInvalid, "chart.values[%d].column: * only counts rows (agg count)", i)
		}
	}
	switch c.Type {
	case ChartBar, ChartLine, ChartArea, ChartPie, ChartTimeseries:
		if len(c.Keys) == 0 {
			return Errorf(EInvalid, "chart.keys: a %s chart needs a key column", c.Type)
		}
		if len(c.Values) == 0 {
			return Errorf(EInvalid, "chart.values: a %s chart needs a value", c.Type)
		}
		if t := types[c.Keys[0]]; c.Type == ChartTimeseries && t != "" && !TemporalType(t) {
			return Errorf(EInvalid, "chart.keys[0]: a timeseries needs a DATE, TIME or TIMESTAMP key; %q is %s", c.Keys[0], t)
		}
	case ChartHeatmap:
		if len(c.Keys) == 0 || len(c.Keys) < 2 && len(c.Groups) == 0 {
			return Errorf(EInvalid, "chart.keys: a heatmap needs two keys, or a key and a group")
		}
		if len(c.Values) == 0 {
			return Errorf(EInvalid, "chart.values: a heatmap needs a value")
		}
	case ChartScatter:
		if len(c.Keys) == 0 {
			return Errorf(EInvalid, "chart.keys: a scatter plot needs a key column for x")
		}
		if len(c.Values) == 0 {
			return Errorf(EInvalid, "chart.values: a scatter plot needs a value column for y")
		}
	case ChartHistogram:
		if len(c.Values) == 0 {
			return Errorf(EInvalid, "chart.values: a histogram needs a value column")
		}
		if t := types[c.Values[0].Column]; t != "" && !NumericType(t) && !BinnableTemporalType(t) {
			return Errorf(EInvalid, "chart.values[0].column: a histogram needs a number, DATE or TIMESTAMP; %q is %s", c.Values[0].Column, t)
		}
	}
	return nil
}

// NumericType reports whether a DuckDB type name is a number type.
func NumericType(t string) bool {
	t = strings.ToUpper(t)
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "BIGNUM":
		return true
	}
	return strings.HasPrefix(t, "DECIMAL")
}

// TemporalType reports whether a DuckDB type name is a DATE, TIME or TIMESTAMP type.
func TemporalType(t string) bool {
	switch strings.ToUpper(t) {
	case "TIME", "TIMETZ", "TIME WITH TIME ZONE", "TIME_NS":
		return true
	}
	return BinnableTemporalType(t)
}

// BinnableTemporalType reports whether a DuckDB type name is a DATE or TIMESTAMP type: a point
// in time, which histograms and summaries bin.
func BinnableTemporalType(t string) bool {
	switch strings.ToUpper(t) {
	case "DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMPTZ",
		"TIMESTAMP WITH TIME ZONE":
		return true
	}
	return false
}
