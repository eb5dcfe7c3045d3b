package ipynb

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/notebooks/internal/interoptest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const interop = "../testdata/interop"

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(interop, "nbformat.v4.5.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("nbformat.v4.5.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("nbformat.v4.5.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// The validator itself: the 4.5 fixture passes, a cell without its id does not.
func TestSchemaControls(t *testing.T) {
	s := schema(t)
	good, err := os.ReadFile(filepath.Join(interop, "fixtures", "test4.5.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, s, good); err != nil {
		t.Fatalf("fixture test4.5.ipynb does not validate: %v", err)
	}
	bad := bytes.Replace(good, []byte(`"id": "2fcdfa53",`), nil, 1)
	if err := validate(t, s, bad); err == nil {
		t.Fatal("a cell without id validates")
	}
}

func fixtures(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(interop, "fixtures", "*.ipynb"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return files
}

func TestFixturesRoundTrip(t *testing.T) {
	s := schema(t)
	for _, file := range fixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			imp, err := Import(data, filepath.Base(file))
			if err != nil {
				t.Fatal(err)
			}
			var cells struct{ Cells []json.RawMessage }
			json.Unmarshal(data, &cells)
			if len(imp.Notebook.Paragraphs) != len(cells.Cells) {
				t.Fatalf("%d paragraphs from %d cells", len(imp.Notebook.Paragraphs), len(cells.Cells))
			}
			interoptest.CheckImported(t, imp.Notebook)
			out, err := Export(imp.Notebook, imp.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, s, out); err != nil {
				t.Fatalf("export does not validate: %v\n%s", err, out)
			}
			again, err := Import(out, "again.ipynb")
			if err != nil {
				t.Fatal(err)
			}
			interoptest.SameParagraphs(t, imp.Notebook, again.Notebook)
			if !reflect.DeepEqual(outputTypes(imp.Outputs), outputTypes(again.Outputs)) {
				t.Errorf("outputs %v, after export and import %v", outputTypes(imp.Outputs), outputTypes(again.Outputs))
			}
		})
	}
}

func outputTypes(m map[string][]Output) map[string][]string {
	r := map[string][]string{}
	for id, outs := range m {
		for _, o := range outs {
			r[id] = append(r[id], o.Type)
		}
	}
	return r
}

type Output = notebooks.Output

func TestFixtureContents(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(interop, "fixtures", "test4.5.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	imp, err := Import(data, "test4.5.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	nb := imp.Notebook
	if nb.Name != "test4.5" || nb.Paragraphs[0].ID != "2fcdfa53" || nb.Paragraphs[0].Text != "# nbconvert latex test" {
		t.Errorf("first paragraph %+v, name %q", nb.Paragraphs[0], nb.Name)
	}
	py := nb.Paragraphs[3]
	if py.Lang != notebooks.Markdown || py.Settings[SettingImported] != "code" || py.Settings[SettingImportedLang] != "python" ||
		!strings.HasPrefix(py.Text, "> Imported python cell — lakebook cannot run python\n\n```python\nfrom __future__") {
		t.Errorf("python cell: %#v", py)
	}
	if o := imp.Outputs["38f37a24"]; len(o) != 1 || o[0].Type != "text" || o[0].Stream != "stdout" || o[0].Text != "hello\n" {
		t.Errorf("stream output %+v", o)
	}
	h := imp.Outputs["8206b3b9"]
	if len(h) != 1 || h[0].Type != "html" || strings.Contains(h[0].HTML, "script") || !strings.Contains(h[0].HTML, "<b>HTML</b>") {
		t.Errorf("html output not sanitized: %+v", h)
	}
	img := imp.Outputs["8b414a68"]
	if len(img) != 1 || !strings.HasPrefix(img[0].HTML, `<img src="data:image/png;base64,iVBORw0KGgo`) {
		t.Errorf("image output %+v", img)
	}
	if js := imp.Outputs["88d8965b"]; len(js) != 1 || js[0].Type != "text" || !strings.Contains(strings.Join(imp.Notes, "\n"), "application/javascript") {
		t.Errorf("javascript output %+v, notes %q", js, imp.Notes)
	}

	data, _ = os.ReadFile(filepath.Join(interop, "fixtures", "many_tracebacks.ipynb"))
	imp, err = Import(data, "many_tracebacks.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	for _, outs := range imp.Outputs {
		for _, o := range outs {
			if strings.Contains(o.Text, "\x1b") || o.Stream != "stderr" || !strings.HasPrefix(o.Text, "NameError: ") {
				t.Errorf("error output %q", o.Text)
			}
		}
	}
}

func sample() *notebooks.Notebook {
	return &notebooks.Notebook{ID: "nb1", Name: "sample", Paragraphs: []*notebooks.Paragraph{
		{ID: "intro", Lang: notebooks.Markdown, Text: "# Flights\n\nA look at **delays**."},
		{ID: "count", Title: "How many", Lang: notebooks.SQL, Text: "select age, count(*) as n\nfrom bank\ngroup by age",
			Settings: map[string]string{"chart": `{"type":"bar","keys":["age"],"groups":[],"values":[{"col":"n","agg":"sum"}]}`, "forms": `{"maxAge":{"name":"maxAge","defaultValue":"30"}}`}},
		{ID: "hello", Lang: notebooks.Go, Text: "import \"strings\"\n\nstrings.ToUpper(\"hi\")\n"},
		{ID: "empty-sql", Lang: notebooks.SQL},
		{ID: "empty", Lang: notebooks.Markdown},
		{ID: "py", Lang: notebooks.Markdown, Text: InertText("Imported python cell — lakebook cannot run python", "python", "print('```')"),
			Settings: map[string]string{SettingImported: "code", SettingImportedLang: "python"}},
		{ID: "raw", Lang: notebooks.Markdown, Text: InertText("Imported raw cell — shown as is, not run", "", "\\LaTeX"),
			Settings: map[string]string{SettingImported: "raw"}},
	}}
}

func sampleOutputs() map[string][]notebooks.Output {
	return map[string][]notebooks.Output{
		"count": {notebooks.TableOutput("r1", []notebooks.Column{{Name: "age", Type: "BIGINT"}, {Name: "n", Type: "BIGINT"}}, [][]any{{int64(30), int64(150)}, {int64(31), nil}}, 2)},
		"hello": {notebooks.TextOutput("stdout", "log\n"), notebooks.TextOutput("", `"HI"`), notebooks.HTMLOutput("<b>x</b>")},
	}
}

func TestLakebookRoundTrip(t *testing.T) {
	out, err := Export(sample(), sampleOutputs())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(interop, "sample.ipynb")
	if *update {
		os.WriteFile(golden, out, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("Export differs from %s (run with -update after checking):\n%s", golden, out)
	}
	if err := validate(t, schema(t), out); err != nil {
		t.Fatal(err)
	}
	imp, err := Import(out, "sample.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	want2 := sample()
	want2.ID = "" // the server gives imported notebooks their ids
	interoptest.SameParagraphs(t, want2, imp.Notebook)
	if imp.Notebook.Name != "sample" {
		t.Errorf("name %q", imp.Notebook.Name)
	}
	var f struct {
		Cells []struct {
			CellType string `json:"cell_type"`
			Source   []string
		}
	}
	json.Unmarshal(out, &f)
	if c := f.Cells[1]; c.CellType != "code" || c.Source[0] != "%%sql\n" {
		t.Errorf("sql cell %+v", c)
	}
	if c := f.Cells[5]; c.CellType != "code" || strings.Join(c.Source, "") != "print('```')" {
		t.Errorf("python cell %+v", c)
	}
	if c := f.Cells[6]; c.CellType != "raw" {
		t.Errorf("raw cell %+v", c)
	}
	hello := imp.Outputs["hello"]
	if len(hello) != 3 || hello[0].Stream != "stdout" || hello[1].Text != `"HI"` || hello[2].HTML != "<b>x</b>" {
		t.Errorf("outputs %+v", hello)
	}
	if c := imp.Outputs["count"]; len(c) != 1 || c[0].Type != "html" || !strings.Contains(c[0].HTML, "<td>150</td>") || !strings.Contains(c[0].HTML, "<td>NULL</td>") {
		t.Errorf("table output %+v", c)
	}
}

func TestKernels(t *testing.T) {
	nb := func(meta, cells string) []byte {
		return []byte(`{"nbformat":4,"nbformat_minor":4,"metadata":` + meta + `,"cells":[` + cells + `]}`)
	}
	tests := []struct {
		name, meta, cell string
		lang             notebooks.Lang
		text             string
	}{
		{"go kernel", `{"kernelspec":{"name":"gonb","display_name":"Go","language":"go"}}`, `{"cell_type":"code","source":"x := 1","metadata":{},"outputs":[]}`, notebooks.Go, "x := 1"},
		{"gonb by name", `{"kernelspec":{"name":"gonb","display_name":"Go"}}`, `{"cell_type":"code","source":"x := 1","metadata":{},"outputs":[]}`, notebooks.Go, "x := 1"},
		{"sql language_info", `{"language_info":{"name":"sql"}}`, `{"cell_type":"code","source":["select 1"],"metadata":{},"outputs":[]}`, notebooks.SQL, "select 1"},
		{"sql magic", `{"kernelspec":{"name":"python3","display_name":"Python","language":"python"}}`, `{"cell_type":"code","source":["%%sql\n","select 1"],"metadata":{},"outputs":[]}`, notebooks.SQL, "select 1"},
		{"sql magic options", `{}`, `{"cell_type":"code","source":["%%sql duckdb:///:memory:\n","select 1"],"metadata":{},"outputs":[]}`, notebooks.SQL, "select 1"},
		{"not a magic", `{}`, `{"cell_type":"code","source":["%%sqlx\n"],"metadata":{},"outputs":[]}`, notebooks.Markdown, "> Imported code cell — lakebook cannot run code of an unknown language\n\n```\n%%sqlx\n\n```"},
		{"unknown cell type", `{}`, `{"cell_type":"widget","source":"w","metadata":{}}`, notebooks.Markdown, "> Imported cell of unknown type \"widget\" — shown as is, not run\n\n```\nw\n```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp, err := Import(nb(tt.meta, tt.cell), "k.ipynb")
			if err != nil {
				t.Fatal(err)
			}
			p := imp.Notebook.Paragraphs[0]
			if p.Lang != tt.lang || p.Text != tt.text {
				t.Errorf("got %s %q, want %s %q", p.Lang, p.Text, tt.lang, tt.text)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	good, _ := os.ReadFile(filepath.Join(interop, "fixtures", "test4.5.ipynb"))
	tests := []struct {
		name, in, code, msg string
	}{
		{"empty", "", notebooks.EInvalid, "empty"},
		{"truncated", string(good[:len(good)/2]), notebooks.EInvalid, "truncated"},
		{"syntax", "{\n \"cells\": [,]}", notebooks.EInvalid, "line 2, column 12"},
		{"object", `{"a":1}`, notebooks.EInvalid, `no "cells" list`},
		{"array", `[]`, notebooks.EInvalid, "top level is a JSON array"},
		{"string", `"x"`, notebooks.EInvalid, "top level is a JSON string"},
		{"no version", `{"cells":[]}`, notebooks.EInvalid, "no \"nbformat\""},
		{"nbformat 3", `{"nbformat":3,"worksheets":[]}`, notebooks.EInvalid, "nbformat 3 is not supported"},
		{"cells not a list", `{"nbformat":4,"cells":{}}`, notebooks.EInvalid, "cells"},
		{"invalid utf8", "{\"nbformat\":4,\n\"cells\":[\"\xff\"]}", notebooks.EInvalid, "not valid UTF-8 (line 2, column 11)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import([]byte(tt.in), "bad.ipynb")
			if err == nil {
				t.Fatal("no error")
			}
			e := notebooks.AsError(err)
			if e.Code != tt.code || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("err = %v, want %s and %q", err, tt.code, tt.msg)
			}
		})
	}
}

func TestBrokenCells(t *testing.T) {
	in := `{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[
	 {"cell_type":"markdown","id":"a","metadata":{},"source":"ok"},
	 {"cell_type":"markdown","id":"b","metadata":{},"source":42},
	 {"cell_type":"code","id":"bad id!","metadata":{},"source":"x","outputs":[{"output_type":"weird"}]},
	 {"cell_type":"markdown","id":"a","metadata":{},"source":"dup"}]}`
	imp, err := Import([]byte(in), "b.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	ps := imp.Notebook.Paragraphs
	if len(ps) != 4 || ps[0].Text != "ok" || ps[1].Settings[SettingImported] != "broken" || !strings.HasPrefix(ps[1].Text, "> Cell 2 could not be imported") {
		t.Fatalf("paragraphs %+v %+v", ps[0], ps[1])
	}
	if ps[2].ID == "bad id!" || ps[3].ID == "a" || ps[3].Text != "dup" {
		t.Errorf("ids %q %q", ps[2].ID, ps[3].ID)
	}
	notes := strings.Join(imp.Notes, "\n")
	for _, want := range []string{"cell 2: could not be read", `cell 3: id "bad id!"`, `cell 3, output 1: unknown output type "weird"`, `cell 4: id "a"`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if err := imp.Notebook.Validate(); err != nil {
		t.Error(err)
	}
}

// countingReader is an endless reader that counts what was read from it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte(" "), 50<<20)
	_, err := Import(big, "big.ipynb")
	if e := notebooks.AsError(err); e.Code != notebooks.ETooLarge || !strings.Contains(e.Message, "32 MiB") {
		t.Errorf("err = %v", err)
	}
	r := &countingReader{}
	_, err = ReadLimited(io.LimitReader(r, 50<<20))
	if notebooks.ErrorCode(err) != notebooks.ETooLarge {
		t.Errorf("err = %v", err)
	}
	if r.n > MaxSize+64<<10 {
		t.Errorf("read %d bytes, limit %d", r.n, MaxSize)
	}
	data, err := ReadLimited(strings.NewReader(`{"a":1}`))
	if err != nil || string(data) != `{"a":1}` {
		t.Errorf("ReadLimited = %q, %v", data, err)
	}
}

func TestInertCode(t *testing.T) {
	for _, code := range []string{"", "x", "a\n```\nb", "\n\n", "````"} {
		got, ok := InertCode(InertText("note", "py", code))
		if !ok || got != code {
			t.Errorf("InertCode(InertText(%q)) = %q, %v", code, got, ok)
		}
	}
	if _, ok := InertCode("just markdown"); ok {
		t.Error("plain markdown has inert code")
	}
}
