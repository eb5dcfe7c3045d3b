package zpln

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/notebooks/internal/interoptest"
	"github.com/lakebook/lakebook/notebooks/ipynb"
)

var update = flag.Bool("update", false, "rewrite golden files")

const interop = "../testdata/interop"

func TestFixturesRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(interop, "fixtures", "*.zpln"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			imp, err := Import(data, filepath.Base(file))
			if err != nil {
				t.Fatal(err)
			}
			var note struct{ Paragraphs []json.RawMessage }
			json.Unmarshal(data, &note)
			if len(imp.Notebook.Paragraphs) != len(note.Paragraphs) {
				t.Fatalf("%d paragraphs from %d", len(imp.Notebook.Paragraphs), len(note.Paragraphs))
			}
			interoptest.CheckImported(t, imp.Notebook)
			out, err := Export(imp.Notebook, imp.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Import(out, "again.zpln")
			if err != nil {
				t.Fatal(err)
			}
			interoptest.SameParagraphs(t, imp.Notebook, again.Notebook)
			if !reflect.DeepEqual(imp.Outputs, again.Outputs) {
				t.Errorf("outputs changed in the round trip")
			}
			// and through Jupyter too
			nbOut, err := ipynb.Export(imp.Notebook, imp.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			viaJupyter, err := ipynb.Import(nbOut, "x.ipynb")
			if err != nil {
				t.Fatal(err)
			}
			interoptest.SameParagraphs(t, imp.Notebook, viaJupyter.Notebook)
		})
	}
}

func TestFixtureContents(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join(interop, "fixtures", "my-note1.zpln"))
	imp, err := Import(data, "my-note1.zpln")
	if err != nil {
		t.Fatal(err)
	}
	ps := imp.Notebook.Paragraphs
	if imp.Notebook.Name != "my_note1" {
		t.Errorf("name %q", imp.Notebook.Name)
	}
	if ps[0].Lang != notebooks.Markdown || !strings.HasPrefix(ps[0].Text, "## Welcome to Zeppelin.") {
		t.Errorf("md %#v", ps[0])
	}
	if ps[1].Settings[ipynb.SettingInterpreter] != "%spark" || !strings.Contains(ps[1].Text, "```scala\nimport org.apache.commons.io.IOUtils") {
		t.Errorf("default interpreter %#v", ps[1])
	}
	q := ps[3]
	if q.ID != "20150212-145404_867439529" || q.Lang != notebooks.SQL || !strings.HasPrefix(q.Text, "select age, count(1) value \nfrom bank \nwhere age < ${maxAge=30}") {
		t.Errorf("sql %#v", q)
	}
	if got := q.Settings[SettingChart]; got != `{"type":"bar","keys":["age"],"groups":[],"values":[{"col":"value","agg":"sum"}]}` {
		t.Errorf("chart %s", got)
	}
	if q.Settings[SettingForms] != `{"maxAge":{"name":"maxAge","defaultValue":"30","hidden":false}}` || q.Settings[SettingParams] != `{"maxAge":"35"}` {
		t.Errorf("forms %s params %s", q.Settings[SettingForms], q.Settings[SettingParams])
	}
	o := imp.Outputs[q.ID]
	if len(o) != 1 || o[0].Type != "table" || *o[0].RowCount != 16 || o[0].Columns[0] != (notebooks.Column{Name: "age", Type: "BIGINT"}) || o[0].Rows[0][1] != int64(4) {
		t.Errorf("table %+v", o)
	}

	data, _ = os.ReadFile(filepath.Join(interop, "fixtures", "flink-batch-data-analytics.zpln"))
	imp, err = Import(data, "f.zpln")
	if err != nil {
		t.Fatal(err)
	}
	ps = imp.Notebook.Paragraphs
	if imp.Notebook.Name != "7. Batch Data Analytics" || ps[2].Lang != notebooks.SQL || ps[1].Settings[ipynb.SettingInterpreter] != "%sh" || ps[6].Settings[ipynb.SettingInterpreter] != "%flink.pyflink" {
		t.Errorf("flink: %q %#v %#v %#v", imp.Notebook.Name, ps[2], ps[1], ps[6])
	}
	if c := ps[4].Settings[SettingChart]; c != `{"type":"area","keys":["age"],"groups":[],"values":[{"col":"val","agg":"sum"}]}` {
		t.Errorf("0.9 chart %s", c)
	}
	if o := imp.Outputs[ps[1].ID]; len(o) != 1 || o[0].Type != "text" {
		t.Errorf("sh output %+v", o)
	}
	if o := imp.Outputs[ps[2].ID]; len(o) != 1 || o[0].Type != "table" {
		t.Errorf("table %+v", o)
	}
}

func TestLakebookRoundTrip(t *testing.T) {
	nb := &notebooks.Notebook{ID: "NB1", Name: "sample", Paragraphs: []*notebooks.Paragraph{
		{ID: "intro", Lang: notebooks.Markdown, Text: "# Flights"},
		{ID: "count", Title: "By age", Lang: notebooks.SQL, Text: "select age, count(*) as n from bank where age < ${maxAge=30} group by age",
			Settings: map[string]string{SettingChart: `{"type":"line","keys":["age"],"groups":["g"],"values":[{"col":"n","agg":"avg"}]}`,
				SettingForms: `{"maxAge":{"name":"maxAge","defaultValue":"30","hidden":false}}`, SettingParams: `{"maxAge":"35"}`}},
		{ID: "go", Lang: notebooks.Go, Text: "x := 1\nx"},
		{ID: "empty", Lang: notebooks.Markdown},
		{ID: "spark", Lang: notebooks.Markdown, Text: ipynb.InertText("Imported %pyspark paragraph — lakebook cannot run pyspark", "python", "print(1)"),
			Settings: map[string]string{ipynb.SettingImported: "zeppelin", ipynb.SettingInterpreter: "%pyspark"}},
	}}
	outs := map[string][]notebooks.Output{
		"count": {notebooks.TableOutput("", []notebooks.Column{{Name: "age", Type: "BIGINT"}, {Name: "g", Type: "VARCHAR"}, {Name: "n", Type: "DOUBLE"}},
			[][]any{{int64(30), "a", 1.5}, {int64(31), "b", nil}}, 2)},
		"go": {notebooks.TextOutput("stdout", "1")},
	}
	out, err := Export(nb, outs)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(interop, "sample.zpln")
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
	imp, err := Import(out, "x.zpln")
	if err != nil {
		t.Fatal(err)
	}
	nb.ID = ""
	interoptest.SameParagraphs(t, nb, imp.Notebook)
	if !reflect.DeepEqual(imp.Outputs, outs) {
		t.Errorf("outputs %#v", imp.Outputs)
	}
	var note struct {
		Paragraphs []struct {
			Text   string
			Config struct {
				Results map[string]struct{ Graph graphJSON }
			}
		}
	}
	json.Unmarshal(out, &note)
	g := note.Paragraphs[1].Config.Results["0"].Graph
	if g.Mode != "lineChart" || g.Values[0] != (colJSON{Name: "n", Index: 2, Aggr: "avg"}) || note.Paragraphs[4].Text != "%pyspark\nprint(1)" {
		t.Errorf("graph %+v, text %q", g, note.Paragraphs[4].Text)
	}
}

func TestDirectives(t *testing.T) {
	tests := []struct{ in, interp, code string }{
		{"%sql \nselect 1", "sql", "select 1"},
		{"%spark.sql\nselect 1", "spark.sql", "select 1"},
		{"%md ## Title", "md", "## Title"},
		{"%md", "md", ""},
		{"%spark(pool=a)\nx", "spark", "x"},
		{"no directive", "", "no directive"},
		{"%%sql\nx", "", "%%sql\nx"},
	}
	for _, tt := range tests {
		i, c := splitInterpreter(tt.in)
		if i != tt.interp || c != tt.code {
			t.Errorf("splitInterpreter(%q) = %q, %q", tt.in, i, c)
		}
	}
	for in, want := range map[string]bool{"sql": true, "spark.sql": true, "flink.ssql": true, "flink.bsql": true, "jdbc": false, "sqlx": false} {
		if isSQLInterp(in) != want {
			t.Errorf("isSQLInterp(%q) != %v", in, want)
		}
	}
}

func TestBadInput(t *testing.T) {
	good, _ := os.ReadFile(filepath.Join(interop, "fixtures", "my-note1.zpln"))
	tests := []struct{ name, in, code, msg string }{
		{"empty", " ", notebooks.EInvalid, "empty"},
		{"truncated", string(good[:len(good)/3]), notebooks.EInvalid, "truncated"},
		{"object", `{"a":1}`, notebooks.EInvalid, `no "paragraphs" list`},
		{"array", `[]`, notebooks.EInvalid, "top level is a JSON array"},
		{"paragraphs not a list", `{"paragraphs":{}}`, notebooks.EInvalid, `"paragraphs" is not a list`},
		{"invalid utf8", "{\"paragraphs\":[{\"text\":\"\xc3\x28\"}]}", notebooks.EInvalid, "not valid UTF-8 (line 1, column 25)"},
		{"too large", strings.Repeat(" ", 50<<20), notebooks.ETooLarge, "32 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import([]byte(tt.in), "bad.zpln")
			e := notebooks.AsError(err)
			if err == nil || e.Code != tt.code || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("err = %v, want %s and %q", err, tt.code, tt.msg)
			}
		})
	}
}

func TestBrokenParagraph(t *testing.T) {
	in := `{"name":7,"paragraphs":[
	  {"id":"a","text":"%md\nok"},
	  {"id":"b","text":{"oops":true}},
	  null,
	  {"id":"a","text":"%sql\nselect 1","results":{"msg":[{"type":"IMG","data":"!!"},{"type":"TEXT","data":"t"}]}}]}`
	imp, err := Import([]byte(in), "notes/broken.json")
	if err != nil {
		t.Fatal(err)
	}
	ps := imp.Notebook.Paragraphs
	if len(ps) != 4 || ps[0].Text != "ok" || ps[1].ID != "b" || ps[1].Settings[ipynb.SettingImported] != "broken" ||
		!strings.HasPrefix(ps[1].Text, "> Paragraph 2 could not be imported") || ps[2].Settings[ipynb.SettingImported] != "broken" ||
		ps[3].ID == "a" || ps[3].Text != "select 1" {
		t.Fatalf("paragraphs %#v %#v %#v %#v", ps[0], ps[1], ps[2], ps[3])
	}
	if imp.Notebook.Name != "broken" {
		t.Errorf("name %q", imp.Notebook.Name)
	}
	notes := strings.Join(imp.Notes, "\n")
	for _, want := range []string{"paragraph 2: could not be read", "paragraph 3: could not be read", `paragraph 4: id "a"`, "paragraph 4: a IMG result was dropped"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if o := imp.Outputs[ps[3].ID]; len(o) != 1 || o[0].Text != "t" {
		t.Errorf("outputs %+v", o)
	}
	if err := imp.Notebook.Validate(); err != nil {
		t.Error(err)
	}
}

func TestTSV(t *testing.T) {
	o := parseTSV("name\tx\ty\na\t1\t1.5\nb\t\t2\n\n<font>limited</font>")
	want := []notebooks.Column{{Name: "name", Type: "VARCHAR"}, {Name: "x", Type: "BIGINT"}, {Name: "y", Type: "DOUBLE"}}
	if !reflect.DeepEqual(o.Columns, want) || !reflect.DeepEqual(o.Rows, [][]any{{"a", int64(1), 1.5}, {"b", nil, 2.0}}) || *o.RowCount != 2 {
		t.Errorf("%+v %v", o.Columns, o.Rows)
	}
}
