package nb

import (
	"fmt"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

// Chart is a chart of a table, drawn by the page like a SQL paragraph's chart (Zeppelin's
// pivot, computed by the engine over the whole table): show it with Show or as the paragraph's
// final value. The person reading can still switch to the table or change the chart; their
// choice, saved with the paragraph, wins over the code's.
type Chart struct {
	// Type is bar, line, area, pie, scatter, histogram, heatmap or timeseries.
	Type string
	// Data is a *Table or a slice of structs.
	Data any
	// Keys are the x columns; Groups the columns that make series.
	Keys   []string
	Groups []string
	// Values are the plotted columns, each "col" or "agg(col)" with agg one of sum, count, avg,
	// min, max, count_distinct, median.
	Values []string
	// Stacked stacks bars and areas.
	Stacked bool
}

func (c Chart) spec() *notebooks.Chart {
	spec := &notebooks.Chart{Type: c.Type, Keys: c.Keys, Groups: c.Groups, Stacked: c.Stacked}
	for _, v := range c.Values {
		cv := notebooks.ChartValue{Column: v}
		if agg, col, ok := strings.Cut(v, "("); ok && strings.HasSuffix(col, ")") {
			cv = notebooks.ChartValue{Column: strings.TrimSuffix(col, ")"), Agg: agg}
		}
		spec.Values = append(spec.Values, cv)
	}
	return spec
}

func (c Chart) show(h Host) error {
	if !IsTabular(c.Data) {
		return fmt.Errorf("nb.Chart: Data must be a *nb.Table or a slice of structs, got %T", c.Data)
	}
	data, err := encodeAny(c.Data)
	if err != nil {
		return fmt.Errorf("nb.Chart: %w", err)
	}
	if err := h.ShowTable(data, c.spec()); err != nil {
		return fmt.Errorf("nb.Chart: %w", err)
	}
	return nil
}
