package ipynb

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"sort"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

const kind = "Jupyter notebook"

// source is a multiline string: nbformat allows a string or a list of strings.
type source string

func (s *source) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = source(str)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*s = source(strings.Join(list, ""))
	return nil
}

type fileJSON struct {
	Cells         *[]json.RawMessage `json:"cells"`
	Worksheets    json.RawMessage    `json:"worksheets"`
	Metadata      metadataJSON       `json:"metadata"`
	NBFormat      *int               `json:"nbformat"`
	NBFormatMinor int                `json:"nbformat_minor"`
}

type metadataJSON struct {
	Kernelspec struct {
		Name     string `json:"name"`
		Language string `json:"language"`
	} `json:"kernelspec"`
	LanguageInfo struct {
		Name string `json:"name"`
	} `json:"language_info"`
}

type cellJSON struct {
	CellType string            `json:"cell_type"`
	ID       string            `json:"id"`
	Source   source            `json:"source"`
	Metadata cellMetadata      `json:"metadata"`
	Outputs  []json.RawMessage `json:"outputs"`
}

type cellMetadata struct {
	Lakebook *lakebookMeta `json:"lakebook,omitempty"`
}

// lakebookMeta is what Export keeps in a cell's metadata so a round trip loses nothing.
type lakebookMeta struct {
	Title    string            `json:"title,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

type outputJSON struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"`
	Text       source                     `json:"text"`
	Data       map[string]json.RawMessage `json:"data"`
	EName      string                     `json:"ename"`
	EValue     string                     `json:"evalue"`
	Traceback  []string                   `json:"traceback"`
}

// Import reads a Jupyter notebook (nbformat 4.x). name is the file name, used for the notebook's
// name. Cells lakebook cannot run are kept as marked markdown paragraphs and listed in Notes.
func Import(data []byte, name string) (*Imported, error) {
	if err := CheckInput(data, kind); err != nil {
		return nil, err
	}
	if k := TopLevelKind(data); k != "object" {
		if k == "nothing" || json.Valid(data) {
			return nil, notebooks.Errorf(notebooks.EInvalid, "not a %s: the top level is a JSON %s, want an object with \"cells\"", kind, k)
		}
	}
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, JSONError(data, kind, err)
	}
	switch {
	case f.NBFormat != nil && *f.NBFormat != 4:
		return nil, notebooks.Errorf(notebooks.EInvalid, "nbformat %d is not supported: only nbformat 4.x can be imported (open and save the file in a current Jupyter to upgrade it)", *f.NBFormat)
	case f.Cells == nil && f.Worksheets != nil:
		return nil, notebooks.Errorf(notebooks.EInvalid, "this looks like an nbformat 3 notebook (\"worksheets\"); only nbformat 4.x can be imported")
	case f.Cells == nil:
		return nil, notebooks.Errorf(notebooks.EInvalid, "not a %s: there is no \"cells\" list", kind)
	case f.NBFormat == nil:
		return nil, notebooks.Errorf(notebooks.EInvalid, "not a %s: there is no \"nbformat\" version", kind)
	}
	kernelLang := strings.ToLower(f.Metadata.Kernelspec.Language)
	if kernelLang == "" {
		kernelLang = strings.ToLower(f.Metadata.LanguageInfo.Name)
	}
	if kernelLang == "" && strings.Contains(strings.ToLower(f.Metadata.Kernelspec.Name), "gonb") {
		kernelLang = "go"
	}
	imp := &Imported{
		Notebook: &notebooks.Notebook{Name: NotebookName(name), Paragraphs: []*notebooks.Paragraph{}},
		Outputs:  map[string][]notebooks.Output{},
	}
	ids := IDs{}
	for i, raw := range *f.Cells {
		n := i + 1
		var c cellJSON
		if err := json.Unmarshal(raw, &c); err != nil {
			p := brokenParagraph(ids, n, raw, err)
			imp.Notebook.Paragraphs = append(imp.Notebook.Paragraphs, p)
			imp.Notes = append(imp.Notes, sprintf("cell %d: could not be read (%v); kept as a marked paragraph", n, shortErr(err)))
			continue
		}
		text := string(c.Source)
		if !validUTF8(text) {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
		id, changed := ids.Take(c.ID)
		if changed && c.ID != "" {
			imp.Notes = append(imp.Notes, sprintf("cell %d: id %q is not a valid lakebook id or is used twice; it became %q", n, Clip(c.ID, 40), id))
		}
		p := &notebooks.Paragraph{ID: id}
		var meta lakebookMeta
		if c.Metadata.Lakebook != nil {
			meta = *c.Metadata.Lakebook
		}
		p.Title = meta.Title
		for k, v := range meta.Settings {
			if p.Settings == nil {
				p.Settings = map[string]string{}
			}
			p.Settings[k] = v
		}
		wantOutputs := false
		switch c.CellType {
		case "markdown":
			p.Lang, p.Text = notebooks.Markdown, text
		case "code":
			wantOutputs = true
			lang := kernelLang
			if meta.Settings[SettingImported] == "code" {
				lang = meta.Settings[SettingImportedLang] // a cell lakebook exported inert: its own language
			}
			if first, rest, _ := strings.Cut(text, "\n"); strings.HasPrefix(first, "%%sql") && (len(first) == 5 || first[5] == ' ' || first[5] == '\t' || first[5] == '\r') {
				if strings.TrimSpace(first) != "%%sql" {
					imp.Notes = append(imp.Notes, sprintf("cell %d: the options of %q were dropped", n, Clip(strings.TrimSpace(first), 60)))
				}
				p.Lang, p.Text = notebooks.SQL, rest
				clearImported(p)
				break
			}
			switch lang {
			case "go", "golang":
				p.Lang, p.Text = notebooks.Go, text
				clearImported(p)
			case "sql":
				p.Lang, p.Text = notebooks.SQL, text
				clearImported(p)
			default:
				shown := lang
				if shown == "" {
					shown = "code of an unknown language"
				}
				p.Lang = notebooks.Markdown
				p.Text = InertText("Imported "+shownLang(lang)+" cell — lakebook cannot run "+shown, fenceLang(lang), text)
				setInert(p, "code", lang)
				imp.Notes = append(imp.Notes, sprintf("cell %d: %s kept as an inert paragraph (lakebook cannot run it)", n, shownCode(lang)))
			}
		case "raw":
			p.Lang = notebooks.Markdown
			p.Text = InertText("Imported raw cell — shown as is, not run", "", text)
			setInert(p, "raw", "")
			imp.Notes = append(imp.Notes, sprintf("cell %d: raw cell kept as an inert paragraph", n))
		default:
			p.Lang = notebooks.Markdown
			p.Text = InertText(sprintf("Imported cell of unknown type %q — shown as is, not run", Clip(c.CellType, 40)), "", text)
			setInert(p, "cell", "")
			p.Settings[SettingImportedType] = strings.ToValidUTF8(c.CellType, "\uFFFD")
			imp.Notes = append(imp.Notes, sprintf("cell %d: unknown cell type %q kept as a marked paragraph", n, Clip(c.CellType, 40)))
		}
		if len(p.Settings) == 0 {
			p.Settings = nil
		}
		imp.Notebook.Paragraphs = append(imp.Notebook.Paragraphs, p)
		if !wantOutputs {
			continue
		}
		for j, rawOut := range c.Outputs {
			outs, note := convertOutput(rawOut)
			if note != "" {
				imp.Notes = append(imp.Notes, sprintf("cell %d, output %d: %s", n, j+1, note))
			}
			imp.Outputs[p.ID] = append(imp.Outputs[p.ID], outs...)
		}
	}
	if err := imp.Notebook.Validate(); err != nil {
		return nil, notebooks.Errorf(notebooks.EInternal, "the imported notebook is not valid: %v", err)
	}
	return imp, nil
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "") == s }

func clearImported(p *notebooks.Paragraph) {
	delete(p.Settings, SettingImported)
	delete(p.Settings, SettingImportedLang)
	delete(p.Settings, SettingImportedType)
}

func setInert(p *notebooks.Paragraph, what, lang string) {
	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	p.Settings[SettingImported] = what
	if lang != "" {
		p.Settings[SettingImportedLang] = lang
	} else {
		delete(p.Settings, SettingImportedLang)
	}
}

func shownLang(lang string) string {
	if lang == "" {
		return "code"
	}
	return lang
}

func shownCode(lang string) string {
	if lang == "" {
		return "code of an unknown language"
	}
	return lang + " code"
}

var fenceLangRe = regexp.MustCompile(`^[A-Za-z0-9_+#.-]{1,40}$`)

// fenceLang is lang when it is safe on a fence line.
func fenceLang(lang string) string {
	if fenceLangRe.MatchString(lang) {
		return lang
	}
	return ""
}

func shortErr(err error) string {
	return Clip(strings.TrimPrefix(err.Error(), "json: "), 120)
}

// brokenParagraph keeps a cell that could not be decoded, clipped, for a person to look at.
func brokenParagraph(ids IDs, n int, raw json.RawMessage, err error) *notebooks.Paragraph {
	id, _ := ids.Take("")
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		b.Reset()
		b.Write(raw)
	}
	body := strings.ToValidUTF8(Clip(b.String(), 4000), "\uFFFD")
	return &notebooks.Paragraph{
		ID:       id,
		Lang:     notebooks.Markdown,
		Text:     InertText(sprintf("Cell %d could not be imported: %s", n, shortErr(err)), "json", body),
		Settings: map[string]string{SettingImported: "broken"},
	}
}

var ansiRe = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]`)

// StripANSI removes terminal escape sequences (colors in tracebacks).
func StripANSI(s string) string { return ansiRe.ReplaceAllString(s, "") }

var imageTypes = []string{"image/png", "image/jpeg", "image/gif"}

// convertOutput turns one nbformat output into lakebook outputs; note says what was dropped.
func convertOutput(raw json.RawMessage) ([]notebooks.Output, string) {
	var o outputJSON
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, "could not be read (" + shortErr(err) + "); dropped"
	}
	switch o.OutputType {
	case "stream":
		stream := o.Name
		if stream != "stderr" {
			stream = "stdout"
		}
		return []notebooks.Output{notebooks.TextOutput(stream, strings.ToValidUTF8(string(o.Text), "\uFFFD"))}, ""
	case "error":
		text := o.EName + ": " + o.EValue
		if len(o.Traceback) > 0 {
			text += "\n" + StripANSI(strings.Join(o.Traceback, "\n"))
		}
		return []notebooks.Output{notebooks.TextOutput("stderr", strings.ToValidUTF8(text, "\uFFFD"))}, ""
	case "execute_result", "display_data":
		return convertBundle(o.Data)
	case "":
		return nil, "an output without output_type was dropped"
	default:
		return nil, sprintf("unknown output type %q was dropped", Clip(o.OutputType, 40))
	}
}

func bundleString(raw json.RawMessage) (string, bool) {
	var s source
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return strings.ToValidUTF8(string(s), "\uFFFD"), true
}

func convertBundle(data map[string]json.RawMessage) ([]notebooks.Output, string) {
	var note string
	var dropped []string
	for mime := range data {
		switch mime {
		case "text/plain", "text/html", "image/png", "image/jpeg", "image/gif":
		default:
			dropped = append(dropped, mime)
		}
	}
	if len(dropped) > 0 {
		sort.Strings(dropped)
		note = "dropped " + strings.Join(dropped, ", ") + " (lakebook shows only text, HTML and images)"
	}
	for _, mime := range imageTypes {
		if raw, ok := data[mime]; ok {
			if b64, ok := bundleString(raw); ok {
				b64 = strings.Join(strings.Fields(b64), "")
				alt := ""
				if t, ok := data["text/plain"]; ok {
					alt, _ = bundleString(t)
				}
				img := `<img src="data:` + mime + `;base64,` + b64 + `" alt="` + html.EscapeString(Clip(alt, 200)) + `">`
				if clean := SanitizeHTML(img); strings.Contains(clean, "<img") {
					return []notebooks.Output{notebooks.HTMLOutput(clean)}, note
				}
				note = strings.TrimPrefix(note+"; ", "; ") + "an invalid " + mime + " image was dropped"
			}
		}
	}
	if raw, ok := data["text/html"]; ok {
		if h, ok := bundleString(raw); ok {
			return []notebooks.Output{notebooks.HTMLOutput(SanitizeHTML(h))}, note
		}
	}
	if raw, ok := data["text/plain"]; ok {
		if t, ok := bundleString(raw); ok {
			return []notebooks.Output{notebooks.TextOutput("", t)}, note
		}
	}
	if note == "" {
		note = "an empty output was dropped"
	}
	return nil, note
}
