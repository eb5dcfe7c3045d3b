package zpln

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/notebooks/ipynb"
)

// Export writes nb as a Zeppelin 0.9+ note (.zpln). sql, md and go paragraphs get %sql, %md and
// %go directives (Zeppelin has no Go interpreter: such paragraphs open but do not run there);
// paragraphs kept inert by an import get their original interpreter back. Chart, form and form
// value settings become the paragraph's config.results["0"].graph and settings. outputs (may be
// nil) become the paragraphs' results.
func Export(nb *notebooks.Notebook, outputs map[string][]notebooks.Output) ([]byte, error) {
	if err := nb.Validate(); err != nil {
		return nil, err
	}
	id := nb.ID
	if id == "" {
		id = strings.ToUpper(notebooks.NewID())
	}
	name := nb.Name
	if name == "" {
		name = "Untitled"
	}
	note := map[string]any{
		"name":                    name,
		"id":                      id,
		"defaultInterpreterGroup": "md",
		"version":                 "0.9.0",
		"noteParams":              map[string]any{},
		"noteForms":               map[string]any{},
		"angularObjects":          map[string]any{},
		"config":                  map[string]any{"isZeppelinNotebookCronEnable": false},
		"info":                    map[string]any{},
	}
	paras := []any{}
	for _, p := range nb.Paragraphs {
		paras = append(paras, exportParagraph(p, outputs[p.ID]))
	}
	note["paragraphs"] = paras
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(note); err != nil {
		return nil, notebooks.Errorf(notebooks.EInternal, "encoding the note: %v", err)
	}
	return b.Bytes(), nil
}

func exportParagraph(p *notebooks.Paragraph, outs []notebooks.Output) map[string]any {
	directive, editorLang := "%md", "markdown"
	text := p.Text
	switch p.Lang {
	case notebooks.SQL:
		directive, editorLang = "%sql", "sql"
	case notebooks.Go:
		directive, editorLang = "%go", "golang"
	default:
		if interp := p.Settings[ipynb.SettingInterpreter]; p.Settings[ipynb.SettingImported] == "zeppelin" && strings.HasPrefix(interp, "%") {
			if code, ok := ipynb.InertCode(p.Text); ok {
				directive, text, editorLang = interp, code, fenceLangFor(interp[1:])
			}
		}
	}
	config := map[string]any{
		"enabled":              true,
		"editorSetting":        map[string]any{"language": editorLang, "editOnDblClick": p.Lang == notebooks.Markdown && directive == "%md"},
		"editorMode":           "ace/mode/" + editorLang,
		"editorHide":           false,
		"tableHide":            false,
		"title":                p.Title != "",
		"colWidth":             12.0,
		"fontSize":             9.0,
		"results":              map[string]any{},
		"runOnSelectionChange": true,
	}
	if raw := p.Settings[SettingChart]; raw != "" {
		var c Chart
		if json.Unmarshal([]byte(raw), &c) == nil && c.Type != "" {
			graph := graphOf(c, outs)
			config["results"] = map[string]any{"0": map[string]any{"graph": graph}}
		}
	}
	own := map[string]string{}
	for k, v := range p.Settings {
		if k != SettingChart && k != SettingForms && k != SettingParams {
			own[k] = v
		}
	}
	if len(own) > 0 {
		config["lakebook"] = map[string]any{"settings": own}
	}
	settings := map[string]any{"params": rawOr(p.Settings[SettingParams]), "forms": rawOr(p.Settings[SettingForms])}
	zp := map[string]any{
		"id":                       p.ID,
		"text":                     directive + "\n" + text,
		"config":                   config,
		"settings":                 settings,
		"jobName":                  "paragraph_" + p.ID,
		"status":                   "READY",
		"progressUpdateIntervalMs": 500,
	}
	if p.Title != "" {
		zp["title"] = p.Title
	}
	if len(outs) > 0 {
		msgs := []any{}
		for _, o := range outs {
			switch o.Type {
			case notebooks.OutputTable:
				msgs = append(msgs, map[string]any{"type": "TABLE", "data": tsv(o)})
			case notebooks.OutputHTML:
				msgs = append(msgs, map[string]any{"type": "HTML", "data": o.HTML})
			default:
				msgs = append(msgs, map[string]any{"type": "TEXT", "data": o.Text})
			}
		}
		zp["results"] = map[string]any{"code": "SUCCESS", "msg": msgs}
		zp["status"] = "FINISHED"
	}
	return zp
}

// rawOr is a stored JSON object, or {} when there is none or it is broken.
func rawOr(s string) any {
	if s != "" && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return map[string]any{}
}

// graphOf builds Zeppelin's graph setting; column indexes come from the paragraph's table
// output when it has one.
func graphOf(c Chart, outs []notebooks.Output) map[string]any {
	index := map[string]int{}
	for _, o := range outs {
		if o.Type == notebooks.OutputTable {
			for i, col := range o.Columns {
				index[col.Name] = i
			}
			break
		}
	}
	col := func(name, aggr string, fallback int) map[string]any {
		i, ok := index[name]
		if !ok {
			i = fallback
		}
		m := map[string]any{"name": name, "index": float64(i)}
		if aggr == "" {
			aggr = "sum"
		}
		m["aggr"] = aggr
		return m
	}
	keys, groups, values := []any{}, []any{}, []any{}
	for i, k := range c.Keys {
		keys = append(keys, col(k, "", i))
	}
	for i, g := range c.Groups {
		groups = append(groups, col(g, "", len(c.Keys)+i))
	}
	for i, v := range c.Values {
		values = append(values, col(v.Col, v.Agg, len(c.Keys)+len(c.Groups)+i))
	}
	return map[string]any{
		"mode":          chartMode(c.Type),
		"height":        300.0,
		"optionOpen":    false,
		"keys":          keys,
		"groups":        groups,
		"values":        values,
		"setting":       map[string]any{},
		"commonSetting": map[string]any{},
	}
}

// tsv writes a table as Zeppelin's TABLE data: a header line and rows, tab-separated, NULL as an
// empty field.
func tsv(o notebooks.Output) string {
	var b strings.Builder
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for i, c := range o.Columns {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(clean.Replace(c.Name))
	}
	b.WriteByte('\n')
	for _, r := range o.Rows {
		for i, v := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			if v != nil {
				b.WriteString(clean.Replace(ipynb.Cell(v)))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
