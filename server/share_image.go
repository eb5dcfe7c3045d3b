package server

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-analyze/charts"

	"github.com/lakebook/lakebook/notebooks"
)

// The chart of a share link drawn on the server, for previews in chat tools (Open Graph) and
// for people who want a picture: go-analyze/charts renders PNG and SVG in pure Go. It draws
// bar, line, area, time series, pie, histogram and heat map charts as the page does; a
// scatter's x axis is cut into equal bins (the library's x axis is categorical), and nothing
// is interactive.

const (
	imageWidth   = 1200
	imageHeight  = 630 // the Open Graph preview's shape
	maxPieSlices = 20
	scatterBins  = 40
)

// image renders the chart once per data as png or svg.
func (d *shareData) image(format string) ([]byte, error) {
	d.imgMu.Lock()
	defer d.imgMu.Unlock()
	if b := d.images[format]; b != nil {
		return b, nil
	}
	if d.Chart == nil || d.Pivot == nil {
		return nil, notebooks.Errorf(notebooks.ENotFound, "this link shares a table, not a chart")
	}
	b, err := renderChart(*d.Chart, d.Pivot, d.Title, format)
	if err != nil {
		return nil, err
	}
	if d.images == nil {
		d.images = map[string][]byte{}
	}
	d.images[format] = b
	return b, nil
}

// renderChart draws the pivot as the chart says.
func renderChart(c notebooks.Chart, pv *notebooks.PivotResult, title, format string) (out []byte, err error) {
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: format, Width: imageWidth, Height: imageHeight,
		Theme: charts.GetTheme(charts.ThemeLight)})
	titleOpt := charts.TitleOption{Text: title}
	// The library panics on some degenerate inputs; a preview must not take the server down.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("render %s chart: %v", c.Type, r)
		}
	}()
	if len(pv.Rows) == 0 {
		return nil, notebooks.Errorf(notebooks.ENotFound, "nothing to draw: the result has no rows")
	}
	switch c.Type {
	case notebooks.ChartPie:
		names, vals := pieSlices(c, pv)
		opt := charts.NewPieChartOptionWithData(vals)
		opt.Title = titleOpt
		opt.Legend = charts.LegendOption{SeriesNames: names, Vertical: charts.Ptr(true), Offset: charts.OffsetRight}
		err = p.PieChart(opt)
	case notebooks.ChartHeatmap:
		xs, ys, vals := heatCells(pv)
		opt := charts.NewHeatMapOptionWithData(vals)
		opt.Title = titleOpt
		opt.XAxis = charts.HeatMapAxis{Labels: xs, Title: colName(pv, 0)}
		opt.YAxis = charts.HeatMapAxis{Labels: ys, Title: colName(pv, 1)}
		err = p.HeatMapChart(opt)
	case notebooks.ChartScatter:
		labels, names, vals := scatterBinsOf(c, pv)
		opt := charts.NewScatterChartOptionWithSeries(charts.NewSeriesListScatterMultiValue(vals, charts.ScatterSeriesOption{Names: names}))
		opt.Title = titleOpt
		opt.XAxis.Labels = labels
		opt.XAxis.Title = colName(pv, 0)
		if len(names) > 1 {
			opt.Legend.SeriesNames = names
			opt.Legend.Offset = charts.OffsetRight
		}
		err = p.ScatterChart(opt)
	case notebooks.ChartHistogram:
		labels, vals := histogramBars(pv)
		opt := charts.NewBarChartOptionWithData([][]float64{vals})
		opt.Title = titleOpt
		opt.CategoryAxis.Labels = labels
		opt.ValueAxis = zeroBased([][]float64{vals})
		err = p.BarChart(opt)
	default: // bar, line, area, timeseries
		cats, names, vals := pivotSeries(c, pv)
		if c.Type == notebooks.ChartBar {
			opt := charts.NewBarChartOptionWithData(vals)
			opt.Title = titleOpt
			opt.CategoryAxis.Labels = cats
			opt.ValueAxis = zeroBased(vals)
			opt.Legend.SeriesNames = names
			opt.Legend.Show = charts.Ptr(len(names) > 1)
			opt.Legend.Offset = charts.OffsetRight
			if c.Stacked {
				opt.StackSeries = charts.Ptr(true)
			}
			err = p.BarChart(opt)
		} else {
			opt := charts.NewLineChartOptionWithData(vals)
			opt.Title = titleOpt
			opt.XAxis.Labels = cats
			opt.YAxis = zeroBased(vals)
			opt.Legend.SeriesNames = names
			opt.Legend.Show = charts.Ptr(len(names) > 1)
			opt.Legend.Offset = charts.OffsetRight
			if c.Type == notebooks.ChartArea {
				opt.FillArea = charts.Ptr(true)
				if c.Stacked {
					opt.StackSeries = charts.Ptr(true)
				}
			}
			err = p.LineChart(opt)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("render %s chart: %w", c.Type, err)
	}
	return p.Bytes()
}

// zeroBased starts the value axis at zero when no value is negative: a bar's length is its
// value, as on the page.
func zeroBased(vals [][]float64) []charts.ValueAxisOption {
	for _, row := range vals {
		for _, v := range row {
			if v < 0 && v != charts.GetNullValue() {
				return nil
			}
		}
	}
	return []charts.ValueAxisOption{{Min: charts.Ptr(0.0)}}
}

func colName(pv *notebooks.PivotResult, i int) string {
	if i < len(pv.Columns) {
		return pv.Columns[i].Name
	}
	return ""
}

// label is a point's key as text, as the page shows it.
func label(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return timeLabel(t)
		}
		return v
	case time.Time:
		return timeLabel(v)
	case float64:
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	return fmt.Sprint(v)
}

func timeLabel(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// number is a point's value, or the library's null.
func number(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case uint64:
		return float64(v)
	case string:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case fmt.Stringer:
		if f, err := strconv.ParseFloat(v.String(), 64); err == nil {
			return f
		}
	}
	return charts.GetNullValue()
}

// pivotSeries splits pivot rows (keys, groups, values) into categories and one series per
// group and value, as web/src/chart.ts does.
func pivotSeries(c notebooks.Chart, pv *notebooks.PivotResult) (cats, names []string, vals [][]float64) {
	n := len(pv.Columns)
	k := min(len(c.Keys), n)
	g := min(len(c.Groups), max(0, n-k-1))
	v := max(0, n-k-g)
	catIdx := map[string]int{}
	serIdx := map[string]int{}
	var points []map[int]float64
	for _, r := range pv.Rows {
		parts := make([]string, k)
		for i := range k {
			parts[i] = label(r[i])
		}
		cat := strings.Join(parts, " · ")
		ci, ok := catIdx[cat]
		if !ok {
			ci = len(cats)
			catIdx[cat] = ci
			cats = append(cats, cat)
		}
		gparts := make([]string, g)
		for i := range g {
			gparts[i] = label(r[k+i])
		}
		grp := strings.Join(gparts, " · ")
		for j := range v {
			name := colName(pv, k+g+j)
			if g > 0 {
				name = grp
				if v > 1 {
					name = grp + " · " + colName(pv, k+g+j)
				}
			}
			si, ok := serIdx[name]
			if !ok {
				si = len(names)
				serIdx[name] = si
				names = append(names, name)
				points = append(points, map[int]float64{})
			}
			points[si][ci] = number(r[k+g+j])
		}
	}
	for _, pts := range points {
		row := make([]float64, len(cats))
		for i := range row {
			val, ok := pts[i]
			if !ok {
				val = charts.GetNullValue()
			}
			row[i] = val
		}
		vals = append(vals, row)
	}
	return cats, names, vals
}

func pieSlices(c notebooks.Chart, pv *notebooks.PivotResult) ([]string, []float64) {
	k := min(len(c.Keys), max(0, len(pv.Columns)-1))
	vi := len(pv.Columns) - 1
	type slice struct {
		name string
		v    float64
	}
	var sl []slice
	for _, r := range pv.Rows {
		parts := make([]string, k)
		for i := range k {
			parts[i] = label(r[i])
		}
		if v := number(r[vi]); v > 0 && v != charts.GetNullValue() {
			sl = append(sl, slice{strings.Join(parts, " · "), v})
		}
	}
	slices.SortStableFunc(sl, func(a, b slice) int { return cmp.Compare(b.v, a.v) })
	if len(sl) > maxPieSlices {
		rest := 0.0
		for _, s := range sl[maxPieSlices-1:] {
			rest += s.v
		}
		sl = append(sl[:maxPieSlices-1], slice{fmt.Sprintf("other (%d)", len(sl)-maxPieSlices+1), rest})
	}
	names, vals := make([]string, len(sl)), make([]float64, len(sl))
	for i, s := range sl {
		names[i], vals[i] = s.name, s.v
	}
	return names, vals
}

func heatCells(pv *notebooks.PivotResult) (xs, ys []string, vals [][]float64) {
	vi := len(pv.Columns) - 1
	xi, yi := map[string]int{}, map[string]int{}
	type cell struct {
		x, y int
		v    float64
	}
	var cells []cell
	for _, r := range pv.Rows {
		x, y := label(r[0]), label(r[1])
		if _, ok := xi[x]; !ok {
			xi[x] = len(xs)
			xs = append(xs, x)
		}
		if _, ok := yi[y]; !ok {
			yi[y] = len(ys)
			ys = append(ys, y)
		}
		cells = append(cells, cell{xi[x], yi[y], number(r[vi])})
	}
	vals = make([][]float64, len(ys))
	for i := range vals {
		vals[i] = make([]float64, len(xs))
		for j := range vals[i] {
			vals[i][j] = charts.GetNullValue()
		}
	}
	for _, c := range cells {
		vals[c.y][c.x] = c.v
	}
	return xs, ys, vals
}

func histogramBars(pv *notebooks.PivotResult) ([]string, []float64) {
	idx := func(name string, def int) int {
		for i, c := range pv.Columns {
			if c.Name == name {
				return i
			}
		}
		return def
	}
	lo, hi, cnt := idx("lo", 0), idx("hi", 1), idx("count", 2)
	labels, vals := make([]string, len(pv.Rows)), make([]float64, len(pv.Rows))
	for i, r := range pv.Rows {
		labels[i] = label(r[lo]) + " – " + label(r[hi])
		vals[i] = number(r[cnt])
	}
	return labels, vals
}

// scatterBinsOf puts each point's y at its x's bin: go-analyze's x axis is a list of labels.
// A categorical x keeps one label per value.
func scatterBinsOf(c notebooks.Chart, pv *notebooks.PivotResult) (labels, names []string, vals [][][]float64) {
	grouped := len(c.Groups) > 0 && len(pv.Columns) > 2
	xnum := func(v any) (float64, bool) {
		if t, ok := v.(time.Time); ok {
			return float64(t.UnixMilli()), true
		}
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return float64(t.UnixMilli()), true
			}
		}
		f := number(v)
		return f, f != charts.GetNullValue() && !math.IsNaN(f)
	}
	lo, hi, numeric := math.Inf(1), math.Inf(-1), true
	for _, r := range pv.Rows {
		f, ok := xnum(r[0])
		if !ok {
			numeric = false
			break
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	bin := func(r []any) int { return 0 }
	if numeric && hi > lo {
		w := (hi - lo) / scatterBins
		for i := range scatterBins {
			labels = append(labels, strconv.FormatFloat(lo+w*(float64(i)+0.5), 'g', 4, 64))
		}
		bin = func(r []any) int {
			f, _ := xnum(r[0])
			return min(scatterBins-1, int((f-lo)/w))
		}
	} else {
		idx := map[string]int{}
		bin = func(r []any) int {
			x := label(r[0])
			i, ok := idx[x]
			if !ok {
				i = len(labels)
				idx[x] = i
				labels = append(labels, x)
			}
			return i
		}
	}
	series := map[string]int{}
	for _, r := range pv.Rows {
		name := colName(pv, 1)
		if grouped {
			name = label(r[2])
		}
		si, ok := series[name]
		if !ok {
			si = len(names)
			series[name] = si
			names = append(names, name)
			vals = append(vals, nil)
		}
		b := bin(r)
		for len(vals[si]) <= b {
			vals[si] = append(vals[si], nil)
		}
		if y := number(r[1]); y != charts.GetNullValue() {
			vals[si][b] = append(vals[si][b], y)
		}
	}
	for si := range vals {
		for len(vals[si]) < len(labels) {
			vals[si] = append(vals[si], nil)
		}
		for b := range vals[si] {
			if len(vals[si][b]) == 0 {
				vals[si][b] = []float64{charts.GetNullValue()}
			}
		}
	}
	return labels, names, vals
}
