package notebooks

// Output types.
const (
	OutputText  = "text"
	OutputTable = "table"
	OutputHTML  = "html"
	// OutputStats and OutputProgress are not shown as outputs: a kernel emits them and the
	// server moves them into the run's stats and progress.
	OutputStats    = "stats"
	OutputProgress = "progress"
)

// Output is one piece of a paragraph's result. Which fields are set depends on Type:
//   - "text": Text, and Stream ("stdout", "stderr" or empty for a value)
//   - "table": Columns, Rows (the first page), RowCount (the true count) and ResultID, which
//     names the materialized result the server pages from; Chart when the code asked for one
//   - "html": HTML, already sanitized
type Output struct {
	Type   string `json:"type"`
	Text   string `json:"text,omitempty"`
	Stream string `json:"stream,omitempty"`
	HTML   string `json:"html,omitempty"`

	Columns  []Column `json:"columns,omitempty"`
	Rows     [][]any  `json:"rows,omitempty"`
	RowCount *int64   `json:"rowCount,omitempty"`
	ResultID string   `json:"resultId,omitempty"`
	// Chart is a chart the code asked for (a Go paragraph's nb.Chart): the page shows the
	// table as this chart unless the paragraph has a view of its own in its settings.
	Chart *Chart `json:"chart,omitempty"`

	Stats    *QueryStats `json:"stats,omitempty"`
	Progress *Progress   `json:"progress,omitempty"`
}

// Column describes one column of a table output.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// TextOutput returns a text output for the given stream ("" for a value).
func TextOutput(stream, text string) Output {
	return Output{Type: OutputText, Stream: stream, Text: text}
}

// HTMLOutput returns an html output; html must already be sanitized.
func HTMLOutput(html string) Output { return Output{Type: OutputHTML, HTML: html} }

// TableOutput returns a table output holding the first page of rows and the true row count.
func TableOutput(resultID string, cols []Column, rows [][]any, rowCount int64) Output {
	if rows == nil {
		rows = [][]any{}
	}
	return Output{Type: OutputTable, ResultID: resultID, Columns: cols, Rows: rows, RowCount: &rowCount}
}
