// Package zpln converts between lakebook notebooks and Apache Zeppelin notes: the .zpln files of
// Zeppelin 0.9+ and the older note.json, which share one JSON shape.
package zpln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/notebooks/ipynb"
)

// Imported is the result of an import; it is the same type as ipynb.Imported.
type Imported = ipynb.Imported

// Settings keys for what Zeppelin keeps per paragraph.
const (
	// SettingChart holds the chart as compact JSON:
	// {"type":"bar","keys":["age"],"groups":[],"values":[{"col":"value","agg":"sum"}]}.
	SettingChart = "chart"
	// SettingForms holds the dynamic form definitions (Zeppelin's settings.forms) as compact JSON.
	SettingForms = "forms"
	// SettingParams holds the dynamic forms' values (Zeppelin's settings.params) as compact JSON.
	SettingParams = "params"
)

const kind = "Zeppelin note"

type noteJSON struct {
	Paragraphs            *[]json.RawMessage `json:"paragraphs"`
	Name                  string             `json:"name"`
	DefaultInterpreterGrp string             `json:"defaultInterpreterGroup"`
}

type paragraphJSON struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Text     *string         `json:"text"`
	Config   json.RawMessage `json:"config"`   // read leniently: see configOf
	Settings json.RawMessage `json:"settings"` // read leniently
	Results  json.RawMessage `json:"results"`  // read leniently
	Result   json.RawMessage `json:"result"`   // before 0.8: a single result
}

type configJSON struct {
	Graph    *graphJSON      `json:"graph"`
	Results  json.RawMessage `json:"results"` // {"0":{"graph":…}} in 0.9+, [{"graph":…}] in some
	Lakebook *struct {
		Settings map[string]string `json:"settings"`
	} `json:"lakebook"` // lakebook's own paragraph settings, written by Export
}

type graphJSON struct {
	Mode   string    `json:"mode"`
	Keys   []colJSON `json:"keys"`
	Groups []colJSON `json:"groups"`
	Values []colJSON `json:"values"`
}

type colJSON struct {
	Name  string  `json:"name"`
	Index float64 `json:"index"`
	Aggr  string  `json:"aggr,omitempty"`
}

type settingsJSON struct {
	Forms  json.RawMessage `json:"forms"`
	Params json.RawMessage `json:"params"`
}

type resultsJSON struct {
	Code string    `json:"code"`
	Msg  []msgJSON `json:"msg"`
}

type msgJSON struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

// Chart is lakebook's compact chart setting.
type Chart struct {
	Type   string     `json:"type"`
	Keys   []string   `json:"keys"`
	Groups []string   `json:"groups"`
	Values []ChartVal `json:"values"`
}

// ChartVal is one charted value column and its aggregation.
type ChartVal struct {
	Col string `json:"col"`
	Agg string `json:"agg,omitempty"`
}

// Zeppelin's chart modes and lakebook's chart types.
var modeToType = map[string]string{
	"multiBarChart":    "bar",
	"stackedAreaChart": "area",
	"lineChart":        "line",
	"pieChart":         "pie",
	"scatterChart":     "scatter",
}

func chartType(mode string) string {
	if t, ok := modeToType[mode]; ok {
		return t
	}
	return mode
}

func chartMode(typ string) string {
	for m, t := range modeToType {
		if t == typ {
			return m
		}
	}
	return typ
}

var directiveRe = regexp.MustCompile(`^%([A-Za-z0-9_.\-]+)(\([^)\n]*\))?`)

// splitInterpreter splits a Zeppelin text into its %directive (without "%" and properties) and
// the code after it. The directive line is dropped when nothing else is on it.
func splitInterpreter(text string) (interp, code string) {
	loc := directiveRe.FindStringSubmatchIndex(text)
	if loc == nil {
		return "", text
	}
	interp = text[loc[2]:loc[3]]
	rest := text[loc[1]:]
	first, after, hasNL := strings.Cut(rest, "\n")
	if strings.TrimSpace(first) == "" {
		if hasNL {
			return interp, after
		}
		return interp, ""
	}
	if first[0] != ' ' && first[0] != '\t' {
		return "", text // "%foo!" is not a directive
	}
	return interp, strings.TrimLeft(rest, " \t")
}

func isSQLInterp(interp string) bool {
	i := strings.ToLower(interp)
	last := i[strings.LastIndexByte(i, '.')+1:]
	return i == "sql" || last == "sql" || last == "ssql" || last == "bsql"
}

// fenceLangs maps interpreters to the language of their code.
var fenceLangs = map[string]string{
	"spark": "scala", "flink": "scala", "pyspark": "python", "pyflink": "python", "ipyspark": "python",
	"ipyflink": "python", "python": "python", "ipython": "python", "sh": "sh", "shell": "sh",
	"r": "r", "ir": "r", "sparkr": "r", "groovy": "groovy", "kotlin": "kotlin", "angular": "html",
	"html": "html", "jdbc": "sql", "hive": "sql", "cassandra": "sql", "elasticsearch": "json",
}

func fenceLangFor(interp string) string {
	i := strings.ToLower(interp)
	if l, ok := fenceLangs[i[strings.LastIndexByte(i, '.')+1:]]; ok {
		return l
	}
	if l, ok := fenceLangs[strings.Split(i, ".")[0]]; ok {
		return l
	}
	return ""
}

// Import reads a Zeppelin note (.zpln or note.json). name is the file name, the fallback for the
// notebook's name. Paragraphs of interpreters lakebook does not have are kept inert; a paragraph
// that cannot be read becomes a marked paragraph and the rest imports.
func Import(data []byte, name string) (*Imported, error) {
	if err := ipynb.CheckInput(data, kind); err != nil {
		return nil, err
	}
	if k := ipynb.TopLevelKind(data); k != "object" && json.Valid(data) {
		return nil, notebooks.Errorf(notebooks.EInvalid, "not a %s: the top level is a JSON %s, want an object with \"paragraphs\"", kind, k)
	}
	var note noteJSON
	if err := json.Unmarshal(data, &note); err != nil {
		var probe map[string]json.RawMessage
		if json.Unmarshal(data, &probe) != nil {
			return nil, ipynb.JSONError(data, kind, err)
		}
		note.Name = ""
		if raw, ok := probe["paragraphs"]; ok {
			var ps []json.RawMessage
			if json.Unmarshal(raw, &ps) != nil {
				return nil, notebooks.Errorf(notebooks.EInvalid, "not a %s: \"paragraphs\" is not a list", kind)
			}
			note.Paragraphs = &ps
		}
		json.Unmarshal(probe["name"], &note.Name)
	}
	if note.Paragraphs == nil {
		return nil, notebooks.Errorf(notebooks.EInvalid, "not a %s: there is no \"paragraphs\" list", kind)
	}
	defaultInterp := note.DefaultInterpreterGrp
	if defaultInterp == "" {
		defaultInterp = "spark" // Zeppelin's default interpreter group
	}
	imp := &Imported{
		Notebook: &notebooks.Notebook{Name: ipynb.NotebookName(note.Name, name), Paragraphs: []*notebooks.Paragraph{}},
		Outputs:  map[string][]notebooks.Output{},
	}
	ids := ipynb.IDs{}
	for i, raw := range *note.Paragraphs {
		n := i + 1
		var zp paragraphJSON
		err := json.Unmarshal(raw, &zp)
		if err == nil && bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			err = errString("the paragraph is null")
		}
		if err != nil {
			id, _ := ids.Take(idOf(raw))
			imp.Notebook.Paragraphs = append(imp.Notebook.Paragraphs, brokenParagraph(id, n, raw, err))
			imp.Notes = append(imp.Notes, sprintf("paragraph %d: could not be read (%s); kept as a marked paragraph", n, shortErr(err)))
			continue
		}
		id, changed := ids.Take(zp.ID)
		if changed && zp.ID != "" {
			imp.Notes = append(imp.Notes, sprintf("paragraph %d: id %q is not a valid lakebook id or is used twice; it became %q", n, ipynb.Clip(zp.ID, 40), id))
		}
		text := ""
		if zp.Text != nil {
			text = *zp.Text
		}
		p := &notebooks.Paragraph{ID: id, Title: zp.Title}
		interp, code := splitInterpreter(text)
		if interp == "" && strings.TrimSpace(text) != "" {
			interp = defaultInterp
		}
		switch {
		case interp == "" || interp == "md" || interp == "markdown":
			p.Lang, p.Text = notebooks.Markdown, code
		case interp == "go" || interp == "golang":
			p.Lang, p.Text = notebooks.Go, code
		case isSQLInterp(interp):
			p.Lang, p.Text = notebooks.SQL, code
			if interp != "sql" {
				imp.Notes = append(imp.Notes, sprintf("paragraph %d: %%%s became a lakebook sql paragraph; its SQL dialect may differ", n, interp))
			}
		default:
			p.Lang = notebooks.Markdown
			p.Text = ipynb.InertText("Imported %"+interp+" paragraph — lakebook cannot run "+interp, fenceLangFor(interp), code)
			p.Settings = map[string]string{ipynb.SettingImported: "zeppelin", ipynb.SettingInterpreter: "%" + interp}
			imp.Notes = append(imp.Notes, sprintf("paragraph %d: %%%s kept as an inert paragraph (lakebook cannot run it)", n, interp))
		}
		if strings.Contains(text, "${") || strings.Contains(text, "$${") {
			if p.Lang == notebooks.SQL || p.Lang == notebooks.Go {
				imp.Notes = append(imp.Notes, sprintf("paragraph %d: uses dynamic forms (${…}); they are kept in the text and its settings", n))
			}
		}
		var config configJSON
		if len(zp.Config) > 0 && json.Unmarshal(zp.Config, &config) != nil {
			imp.Notes = append(imp.Notes, sprintf("paragraph %d: its config could not be read; chart settings were dropped", n))
		}
		if config.Lakebook != nil {
			for k, v := range config.Lakebook.Settings {
				if _, set := p.Settings[k]; !set && k != SettingChart && k != SettingForms && k != SettingParams {
					setString(p, k, strings.ToValidUTF8(v, "\uFFFD"))
				}
			}
		}
		var settings settingsJSON
		if len(zp.Settings) > 0 && json.Unmarshal(zp.Settings, &settings) != nil {
			imp.Notes = append(imp.Notes, sprintf("paragraph %d: its settings could not be read; dynamic forms were dropped", n))
		}
		setJSON(p, SettingForms, settings.Forms)
		setJSON(p, SettingParams, settings.Params)
		if c := chartOf(config); c != nil {
			b, _ := json.Marshal(c)
			setString(p, SettingChart, string(b))
		}
		imp.Notebook.Paragraphs = append(imp.Notebook.Paragraphs, p)
		if p.Lang == notebooks.Markdown && p.Settings[ipynb.SettingImported] == "" {
			continue // Zeppelin's rendering of markdown: lakebook renders it itself
		}
		var results resultsJSON
		if len(zp.Results) > 0 && json.Unmarshal(zp.Results, &results) != nil {
			imp.Notes = append(imp.Notes, sprintf("paragraph %d: its results could not be read and were dropped", n))
		}
		{
			for _, m := range results.Msg {
				if o, ok := convertMsg(m); ok {
					imp.Outputs[p.ID] = append(imp.Outputs[p.ID], o)
				} else {
					imp.Notes = append(imp.Notes, sprintf("paragraph %d: a %s result was dropped", n, ipynb.Clip(m.Type, 20)))
				}
			}
		}
	}
	if err := imp.Notebook.Validate(); err != nil {
		return nil, notebooks.Errorf(notebooks.EInternal, "the imported notebook is not valid: %v", err)
	}
	return imp, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func sprintf(format string, args ...any) string {
	return strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD")
}

func shortErr(err error) string { return ipynb.Clip(strings.TrimPrefix(err.Error(), "json: "), 120) }

func idOf(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	json.Unmarshal(raw, &v)
	s, _ := v.ID.(string)
	return s
}

func brokenParagraph(id string, n int, raw json.RawMessage, err error) *notebooks.Paragraph {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		b.Reset()
		b.Write(raw)
	}
	return &notebooks.Paragraph{
		ID:       id,
		Lang:     notebooks.Markdown,
		Text:     ipynb.InertText(sprintf("Paragraph %d could not be imported: %s", n, shortErr(err)), "json", strings.ToValidUTF8(ipynb.Clip(b.String(), 4000), "\uFFFD")),
		Settings: map[string]string{ipynb.SettingImported: "broken"},
	}
}

func setString(p *notebooks.Paragraph, k, v string) {
	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	p.Settings[k] = v
}

// setJSON stores a JSON object compactly, skipping null and empty objects.
func setJSON(p *notebooks.Paragraph, k string, raw json.RawMessage) {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil {
		return
	}
	s := b.String()
	if s == "null" || s == "{}" || s == "[]" {
		return
	}
	setString(p, k, s)
}

// chartOf finds the chart of the first result (0.9+: config.results["0"].graph; older:
// config.graph). A table is no chart.
func chartOf(c configJSON) *Chart {
	g := c.Graph
	type result struct {
		Graph *graphJSON `json:"graph"`
	}
	var byIndex map[string]result
	var list []result
	if json.Unmarshal(c.Results, &byIndex) == nil && len(byIndex) > 0 {
		keys := make([]string, 0, len(byIndex))
		for k := range byIndex {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if r := byIndex[keys[0]]; r.Graph != nil {
			g = r.Graph
		}
	} else if json.Unmarshal(c.Results, &list) == nil && len(list) > 0 && list[0].Graph != nil {
		g = list[0].Graph
	}
	if g == nil || g.Mode == "" || g.Mode == "table" {
		return nil
	}
	ch := &Chart{Type: chartType(g.Mode), Keys: []string{}, Groups: []string{}, Values: []ChartVal{}}
	for _, k := range g.Keys {
		ch.Keys = append(ch.Keys, k.Name)
	}
	for _, k := range g.Groups {
		ch.Groups = append(ch.Groups, k.Name)
	}
	for _, v := range g.Values {
		ch.Values = append(ch.Values, ChartVal{Col: v.Name, Agg: v.Aggr})
	}
	return ch
}

func convertMsg(m msgJSON) (notebooks.Output, bool) {
	data := strings.ToValidUTF8(m.Data, "\uFFFD")
	switch strings.ToUpper(m.Type) {
	case "TABLE":
		return parseTSV(data), true
	case "TEXT":
		// Spark's REPL colours its echo with ANSI escapes, which are noise outside a terminal.
		return notebooks.TextOutput("stdout", ipynb.StripANSI(data)), true
	case "HTML":
		return notebooks.HTMLOutput(ipynb.SanitizeHTML(data)), true
	case "IMG":
		img := ipynb.SanitizeHTML(`<img src="data:image/png;base64,` + strings.Join(strings.Fields(data), "") + `">`)
		if strings.Contains(img, "<img") {
			return notebooks.HTMLOutput(img), true
		}
	}
	return notebooks.Output{}, false
}

// parseTSV reads a TABLE result: a header line and rows, tab-separated. Columns are BIGINT or
// DOUBLE when every non-empty value is such a number, else VARCHAR.
func parseTSV(data string) notebooks.Output {
	lines := strings.Split(strings.TrimRight(data, "\n"), "\n")
	var cols []notebooks.Column
	for _, name := range strings.Split(lines[0], "\t") {
		cols = append(cols, notebooks.Column{Name: name, Type: "BIGINT"})
	}
	var cells [][]string
	for _, l := range lines[1:] {
		if l == "" {
			break // Zeppelin puts messages after a blank line
		}
		f := strings.Split(l, "\t")
		for len(f) < len(cols) {
			f = append(f, "")
		}
		cells = append(cells, f[:len(cols)])
	}
	for j := range cols {
		for _, r := range cells {
			v := r[j]
			if v == "" {
				continue
			}
			if _, err := strconv.ParseInt(v, 10, 64); err == nil {
				continue
			}
			if _, err := strconv.ParseFloat(v, 64); err == nil && cols[j].Type != "VARCHAR" && !strings.ContainsAny(v, "xXnN") {
				cols[j].Type = "DOUBLE"
				continue
			}
			cols[j].Type = "VARCHAR"
			break
		}
		if len(cells) == 0 {
			cols[j].Type = "VARCHAR"
		}
	}
	rows := make([][]any, 0, len(cells))
	for _, r := range cells {
		row := make([]any, len(cols))
		for j, v := range r {
			switch {
			case v == "" && cols[j].Type != "VARCHAR":
				row[j] = nil
			case cols[j].Type == "BIGINT":
				row[j], _ = strconv.ParseInt(v, 10, 64)
			case cols[j].Type == "DOUBLE":
				row[j], _ = strconv.ParseFloat(v, 64)
			default:
				row[j] = v
			}
		}
		rows = append(rows, row)
	}
	return notebooks.TableOutput("", cols, rows, int64(len(rows)))
}
