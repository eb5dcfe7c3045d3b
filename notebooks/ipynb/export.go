package ipynb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

// The kernel an exported notebook names: GoNB, the Go kernel for Jupyter. SQL paragraphs become
// %%sql cells.
const (
	KernelName        = "gonb"
	KernelDisplayName = "Go (gonb)"
)

type outFile struct {
	Cells         []outCell      `json:"cells"`
	Metadata      map[string]any `json:"metadata"`
	NBFormat      int            `json:"nbformat"`
	NBFormatMinor int            `json:"nbformat_minor"`
}

type outCell struct {
	CellType       string          `json:"cell_type"`
	ExecutionCount json.RawMessage `json:"execution_count,omitempty"` // null for code cells
	ID             string          `json:"id"`
	Metadata       map[string]any  `json:"metadata"`
	Outputs        *[]any          `json:"outputs,omitempty"`
	Source         []string        `json:"source"`
}

// Export writes nb as an nbformat 4.5 notebook with a Go kernel. outputs (by paragraph id, may
// be nil) become the code cells' outputs. Markdown paragraphs kept inert by an import go back to
// the cell type and language they came from.
func Export(nb *notebooks.Notebook, outputs map[string][]notebooks.Output) ([]byte, error) {
	if err := nb.Validate(); err != nil {
		return nil, err
	}
	f := outFile{
		Cells: []outCell{},
		Metadata: map[string]any{
			"kernelspec":    map[string]any{"name": KernelName, "display_name": KernelDisplayName, "language": "go"},
			"language_info": map[string]any{"name": "go"},
		},
		NBFormat:      4,
		NBFormatMinor: 5,
	}
	if nb.Name != "" {
		f.Metadata["title"] = nb.Name
	}
	for _, p := range nb.Paragraphs {
		c := outCell{ID: p.ID, Metadata: map[string]any{}}
		if p.Title != "" || len(p.Settings) > 0 {
			c.Metadata["lakebook"] = lakebookMeta{Title: p.Title, Settings: p.Settings}
		}
		text := p.Text
		switch p.Lang {
		case notebooks.SQL:
			c.CellType, text = "code", "%%sql\n"+p.Text
		case notebooks.Go:
			c.CellType = "code"
		default:
			c.CellType = "markdown"
			if code, ok := InertCode(p.Text); ok {
				switch p.Settings[SettingImported] {
				case "code":
					c.CellType, text = "code", code
				case "raw":
					c.CellType, text = "raw", code
				}
			}
		}
		c.Source = splitLines(text)
		if c.CellType == "code" {
			c.ExecutionCount = json.RawMessage("null")
			outs := []any{}
			for _, o := range outputs[p.ID] {
				outs = append(outs, exportOutput(o))
			}
			c.Outputs = &outs
		}
		f.Cells = append(f.Cells, c)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(f); err != nil {
		return nil, notebooks.Errorf(notebooks.EInternal, "encoding the notebook: %v", err)
	}
	return b.Bytes(), nil
}

// splitLines splits s into lines that keep their "\n", as Jupyter writes sources.
func splitLines(s string) []string {
	lines := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

func exportOutput(o notebooks.Output) any {
	switch o.Type {
	case notebooks.OutputHTML:
		return map[string]any{
			"output_type": "display_data",
			"data":        map[string]any{"text/html": splitLines(o.HTML)},
			"metadata":    map[string]any{},
		}
	case notebooks.OutputTable:
		htm, plain := TableHTML(o), TableText(o)
		return map[string]any{
			"output_type":     "execute_result",
			"execution_count": nil,
			"data":            map[string]any{"text/html": splitLines(htm), "text/plain": splitLines(plain)},
			"metadata":        map[string]any{},
		}
	default:
		if o.Stream == "stdout" || o.Stream == "stderr" {
			return map[string]any{"output_type": "stream", "name": o.Stream, "text": splitLines(o.Text)}
		}
		return map[string]any{
			"output_type":     "execute_result",
			"execution_count": nil,
			"data":            map[string]any{"text/plain": splitLines(o.Text)},
			"metadata":        map[string]any{},
		}
	}
}

// Cell renders one table value as text.
func Cell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return v
	case float64:
		return strings.TrimSuffix(fmt.Sprintf("%v", v), ".0")
	default:
		return fmt.Sprint(v)
	}
}

// TableHTML renders a table output as an HTML table.
func TableHTML(o notebooks.Output) string {
	var b strings.Builder
	b.WriteString("<table>\n<thead>\n<tr>")
	for _, c := range o.Columns {
		b.WriteString("<th>" + html.EscapeString(c.Name) + "</th>")
	}
	b.WriteString("</tr>\n</thead>\n<tbody>\n")
	for _, r := range o.Rows {
		b.WriteString("<tr>")
		for _, v := range r {
			b.WriteString("<td>" + html.EscapeString(Cell(v)) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>")
	if o.RowCount != nil && *o.RowCount > int64(len(o.Rows)) {
		b.WriteString(fmt.Sprintf("\n<p>%d of %d rows</p>", len(o.Rows), *o.RowCount))
	}
	return b.String()
}

// TableText renders a table output as tab-separated text with a header line.
func TableText(o notebooks.Output) string {
	var b strings.Builder
	for i, c := range o.Columns {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(tsvEscape(c.Name))
	}
	for _, r := range o.Rows {
		b.WriteByte('\n')
		for i, v := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(tsvEscape(Cell(v)))
		}
	}
	return b.String()
}

func tsvEscape(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
