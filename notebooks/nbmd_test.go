package notebooks

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() *Notebook {
	return &Notebook{ID: "nb1", Name: "sample", Paragraphs: []*Paragraph{
		{ID: "intro", Lang: Markdown, Text: "# Flights\n\nA look at **delays**."},
		{ID: "count", Title: "How many", Lang: SQL, Text: "select count(*)\nfrom 'data/flights-3m.parquet'"},
		{ID: "hello", Lang: Go, Text: "import \"strings\"\n\nstrings.ToUpper(\"hi\")", Settings: map[string]string{"chart": "bar"}},
		{ID: "fenced", Lang: Markdown, Text: "```go\nx := 1\n```"},
		{ID: "ticks", Lang: SQL, Text: "select '```' as fence"},
		{ID: "empty", Lang: Markdown},
		{ID: "trailing", Lang: Markdown, Text: "ends with a newline\n"},
		{ID: "evil", Title: "--> <script>", Lang: Markdown, Text: "<!-- paragraph {\"id\":\"x\"} -->"},
	}}
}

func TestEncodeGolden(t *testing.T) {
	got, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.nb.md")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Encode differs from %s (run with -update after checking):\n%s", golden, got)
	}
	back, err := Parse("sample", want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sample()) {
		t.Errorf("Parse(golden) = %+v", back)
	}
}

// TestEditIsLocal checks the diff property: changing one paragraph changes only its own lines.
func TestEditIsLocal(t *testing.T) {
	nb := sample()
	before, _ := Encode(nb)
	nb.Paragraphs[1].Text = "select count(*), avg(delay)\nfrom 'data/flights-3m.parquet'"
	after, _ := Encode(nb)
	b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(a) != len(b) {
		t.Fatalf("line count changed: %d -> %d", len(b), len(a))
	}
	var changed []int
	for i := range a {
		if a[i] != b[i] {
			changed = append(changed, i+1)
		}
	}
	if len(changed) != 1 {
		t.Errorf("changed lines %v, want exactly the one edited line", changed)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"stray text", "<!-- lakebook {\"id\":\"a\"} -->\nhello\n", 2, "expected a paragraph line"},
		{"bad json", "<!-- lakebook {\"id\":\"a\"} -->\n\n<!-- paragraph {\"id\":} -->\nx\n", 3, "bad paragraph metadata"},
		{"unknown field", "<!-- paragraph {\"id\":\"a\",\"colour\":1} -->\n", 1, "unknown field"},
		{"bad id", "<!-- paragraph {\"id\":\"a/b\"} -->\n", 1, "may hold only"},
		{"duplicate id", "<!-- paragraph {\"id\":\"a\"} -->\nx\n<!-- paragraph {\"id\":\"a\"} -->\ny\n", 3, "already used on line 1"},
		{"unclosed fence", "<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n", 2, "not closed"},
		{"text after fence", "<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n```\noops\n", 5, "text after the end"},
		{"bad header", "<!-- lakebook {id} -->\n", 1, "bad lakebook header"},
		{"invalid utf8", "<!-- paragraph {\"id\":\"a\"} -->\nok\n\xff\n", 3, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x", []byte(tt.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("err = %v, want line %d and %q", err, tt.line, tt.msg)
			}
		})
	}
}

func TestParseLenient(t *testing.T) {
	// Hand-written files: no header, CRLF line ends, extra blank lines.
	in := "\r\n<!-- paragraph {\"id\":\"a\"} -->\r\n```sql\r\nselect 1\r\n```\r\n\r\n\r\n<!-- paragraph {\"id\":\"b\"} -->\nhi\n\n\n"
	nb, err := Parse("x", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if nb.ID != "" || len(nb.Paragraphs) != 2 || nb.Paragraphs[0].Text != "select 1\r" || nb.Paragraphs[1].Text != "hi" {
		t.Errorf("got %+v %+v", nb.Paragraphs[0], nb.Paragraphs[1])
	}
}

func TestSplitDirective(t *testing.T) {
	tests := []struct {
		in, rest string
		lang     Lang
		ok       bool
	}{
		{"%sql\nselect 1", "select 1", SQL, true},
		{"%go", "", Go, true},
		{"%md \r\n# hi", "# hi", Markdown, true},
		{"%python\nx", "%python\nx", "", false},
		{"select 1", "select 1", "", false},
	}
	for _, tt := range tests {
		lang, rest, ok := SplitDirective(tt.in)
		if lang != tt.lang || rest != tt.rest || ok != tt.ok {
			t.Errorf("SplitDirective(%q) = %q, %q, %v", tt.in, lang, rest, ok)
		}
	}
}

func TestValidateName(t *testing.T) {
	deep := strings.Repeat("f/", MaxFolderDepth+1) + "nb"
	for _, bad := range []string{
		"", ".", "..", "../x", "a/../b", "a/./b", "/abs", "a/", "a//b", `a\b`, `team\q3`, "a\x00b", "a\nb",
		" a", "a ", "a /b", ".hidden", "team/.trash/x", ".trash/x", strings.Repeat("x", 201),
		"f/" + strings.Repeat("x", 201), strings.Repeat(strings.Repeat("y", 99)+"/", 6) + "z", deep, "\xff", "a/\xffb",
	} {
		if err := ValidateName(bad); ErrorCode(err) != EInvalid {
			t.Errorf("ValidateName(%q) = %v, want invalid", bad, err)
		}
	}
	for _, good := range []string{"flights", "Q3 report (draft)", "données", "a.b", "team/sales/q3", "a b/c d", strings.Repeat("f/", MaxFolderDepth) + "nb"} {
		if err := ValidateName(good); err != nil {
			t.Errorf("ValidateName(%q) = %v", good, err)
		}
	}
	if err := ValidateName("team/../q3"); err == nil || !strings.Contains(err.Error(), "part 2") {
		t.Errorf("the error does not say which part is wrong: %v", err)
	}
}

func TestFolderAndBaseName(t *testing.T) {
	for _, tt := range []struct{ name, folder, base string }{
		{"q3", "", "q3"}, {"team/q3", "team", "q3"}, {"team/sales/q3", "team/sales", "q3"},
	} {
		if f, b := Folder(tt.name), BaseName(tt.name); f != tt.folder || b != tt.base {
			t.Errorf("Folder, BaseName(%q) = %q, %q, want %q, %q", tt.name, f, b, tt.folder, tt.base)
		}
	}
}

func TestUniqueName(t *testing.T) {
	long := strings.Repeat("x", MaxNameLen)
	tests := []struct {
		name  string
		taken []string
		want  string
	}{
		{"q3", nil, "q3"},
		{"q3", []string{"q3"}, "q3 copy"},
		{"team/q3", []string{"team/q3", "team/q3 copy"}, "team/q3 copy 2"},
		{long, []string{long}, strings.Repeat("x", MaxNameLen-len(" copy")) + " copy"},
	}
	for _, tt := range tests {
		got, err := UniqueName(tt.name, "copy", func(n string) bool {
			for _, x := range tt.taken {
				if x == n {
					return true
				}
			}
			return false
		})
		if err != nil || got != tt.want {
			t.Errorf("UniqueName(%q) = %q, %v, want %q", tt.name, got, err, tt.want)
		}
		if ValidateName(got) != nil {
			t.Errorf("UniqueName(%q) = %q, not a valid name", tt.name, got)
		}
	}
}

// A folder path so long that no suffix fits is a conflict, not a panic.
func TestUniqueNameNoRoom(t *testing.T) {
	folder := strings.Repeat("a", 165) + "/" + strings.Repeat("b", 165) + "/" + strings.Repeat("c", 163)
	name := folder + "/abcd"
	if err := ValidateName(name); err != nil {
		t.Fatalf("the test's name should be valid: %v", err)
	}
	_, err := UniqueName(name, "copy", func(string) bool { return true })
	if ErrorCode(err) != EConflict {
		t.Fatalf("UniqueName = %v, want a conflict", err)
	}
}

// FuzzRoundTrip checks parse(encode(nb)) == nb for notebooks built from fuzzed parts.
func FuzzRoundTrip(f *testing.F) {
	f.Add("p1", "title", "md", "# hi", "x", "y")
	f.Add("p2", "", "sql", "select '```'\n", "", "")
	f.Add("p3", "-->", "md", "```sql\nselect 1\n```", "k", "v")
	f.Add("p4", "", "md", "\n\nx\n\n", "", "")
	f.Add("p5", "", "md", "a\n<!-- paragraph {\"id\":\"q\"} -->\nb", "", "")
	f.Add("p6", "", "go", "````", "", "")
	f.Add("p7", "", "md", "a\r\n\r\n", "", "")
	f.Fuzz(func(t *testing.T, id, title, lang, text, key, val string) {
		p := &Paragraph{ID: id, Title: title, Lang: Lang(lang), Text: text}
		if key != "" {
			p.Settings = map[string]string{key: val}
		}
		nb := &Notebook{ID: "nb", Name: "fuzz", Paragraphs: []*Paragraph{p, {ID: "zz-last", Lang: Markdown, Text: text}}}
		if nb.Validate() != nil {
			return
		}
		data, err := Encode(nb)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("fuzz", data)
		if err != nil {
			t.Fatalf("Parse(Encode(nb)): %v\n%s", err, data)
		}
		if !reflect.DeepEqual(back, nb) {
			t.Fatalf("round trip changed the notebook\nin:  %#v\nout: %#v\nfile:\n%s", nb.Paragraphs, back.Paragraphs, data)
		}
	})
}

// FuzzParse checks that Parse never panics and that whatever it accepts encodes and parses back
// to the same notebook.
func FuzzParse(f *testing.F) {
	data, _ := Encode(sample())
	f.Add(data)
	f.Add([]byte("<!-- paragraph {\"id\":\"a\"} -->\n```sql\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Parse("f", data)
		if err != nil {
			return
		}
		if nb.ID == "" {
			nb.ID = "x"
		}
		if nb.Validate() != nil {
			return
		}
		enc, err := Encode(nb)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("f", enc)
		if err != nil || !reflect.DeepEqual(back, nb) {
			t.Fatalf("re-encode not stable: %v\n%s", err, enc)
		}
	})
}
