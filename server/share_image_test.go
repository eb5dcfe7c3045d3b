package server

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// TestRenderChartTypes draws every chart type from a pivot as the engine returns it and checks
// that the PNG decodes at the preview's size and the SVG keeps hostile labels as text.
func TestRenderChartTypes(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2001, 1, d, 0, 0, 0, 0, time.UTC) }
	cols := func(names ...string) []notebooks.Column {
		out := make([]notebooks.Column, len(names))
		for i, n := range names {
			out[i] = notebooks.Column{Name: n, Type: "DOUBLE"}
		}
		return out
	}
	bars := &notebooks.PivotResult{Columns: cols("k", "g", "v"), Rows: [][]any{{"a", "x", 1.0}, {"a", "y", 2.0}, {"<script>alert(1)</script>", "x", 3.0}}}
	tests := []struct {
		name  string
		chart notebooks.Chart
		pivot *notebooks.PivotResult
	}{
		{"bar", notebooks.Chart{Type: "bar", Keys: []string{"k"}, Groups: []string{"g"}}, bars},
		{"stacked bar", notebooks.Chart{Type: "bar", Keys: []string{"k"}, Groups: []string{"g"}, Stacked: true}, bars},
		{"line", notebooks.Chart{Type: "line", Keys: []string{"k"}, Groups: []string{"g"}}, bars},
		{"area", notebooks.Chart{Type: "area", Keys: []string{"k"}, Groups: []string{"g"}}, bars},
		{"pie", notebooks.Chart{Type: "pie", Keys: []string{"k"}}, &notebooks.PivotResult{Columns: cols("k", "v"), Rows: [][]any{{"a", 1.0}, {"b", int64(3)}, {nil, 2.0}}}},
		{"timeseries", notebooks.Chart{Type: "timeseries", Keys: []string{"d"}}, &notebooks.PivotResult{Columns: cols("d", "v"), Rows: [][]any{{day(1), 1.0}, {day(2), -2.0}, {day(3), 4.0}}}},
		{"scatter", notebooks.Chart{Type: "scatter", Keys: []string{"x"}}, &notebooks.PivotResult{Columns: cols("x", "y"), Rows: [][]any{{1.0, 2.0}, {1.5, 3.0}, {9.0, 1.0}}}},
		{"histogram", notebooks.Chart{Type: "histogram"}, &notebooks.PivotResult{Columns: cols("lo", "hi", "count"), Rows: [][]any{{0.0, 1.0, int64(4)}, {1.0, 2.0, int64(9)}}}},
		{"heatmap", notebooks.Chart{Type: "heatmap", Keys: []string{"a", "b"}}, &notebooks.PivotResult{Columns: cols("a", "b", "v"), Rows: [][]any{{"x", "p", 1.0}, {"y", "p", 2.0}, {"x", "q", 3.0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := renderChart(tt.chart, tt.pivot, "title", "png")
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if r := img.Bounds(); r.Dx() != imageWidth || r.Dy() != imageHeight {
				t.Errorf("png %v", r)
			}
			svg, err := renderChart(tt.chart, tt.pivot, "title", "svg")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(svg, []byte("<svg")) || bytes.Contains(svg, []byte("<script")) {
				t.Errorf("svg %.300s", svg)
			}
		})
	}
	if _, err := renderChart(notebooks.Chart{Type: "bar", Keys: []string{"k"}}, &notebooks.PivotResult{Columns: cols("k", "v")}, "t", "png"); err == nil || !strings.Contains(err.Error(), "no rows") {
		t.Errorf("empty pivot: %v", err)
	}
}
