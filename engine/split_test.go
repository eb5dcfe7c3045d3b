package engine

import (
	"reflect"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"one", "select 1", []string{"select 1"}},
		{"trailing semicolon", "select 1;", []string{"select 1"}},
		{"two", "select 1; select 2", []string{"select 1", "select 2"}},
		{"empty statements", ";; select 1 ;;\n", []string{"select 1"}},
		{"only comments", "-- nothing\n/* here */", nil},
		{"comment after last", "select 1; -- done", []string{"select 1"}},
		{"semicolon in string", "select 'a;b'; select 2", []string{"select 'a;b'", "select 2"}},
		{"doubled quote", "select 'it''s;'; select 2", []string{"select 'it''s;'", "select 2"}},
		{"backslash is not an escape", `select 'a\'; select 2`, []string{`select 'a\'`, "select 2"}},
		{"E string escape", `select E'a\';b'; select 2`, []string{`select E'a\';b'`, "select 2"}},
		{"quoted identifier", `select 1 as "x;y"; select 2`, []string{`select 1 as "x;y"`, "select 2"}},
		{"line comment", "select 1 -- a;b\n; select 2", []string{"select 1 -- a;b", "select 2"}},
		{"nested block comment", "select /* a /* b; */ c; */ 1; select 2", []string{"select /* a /* b; */ c; */ 1", "select 2"}},
		{"dollar quote", "select $$a;b$$; select $x$ $$; $x$", []string{"select $$a;b$$", "select $x$ $$; $x$"}},
		{"parameter is not a dollar quote", "select $1; select 2", []string{"select $1", "select 2"}},
		{"unterminated string", "select 'abc; select 2", []string{"select 'abc; select 2"}},
		{"multi-line", "create temp table t as\n  select 1 as a;\n\nselect *\nfrom t\n", []string{"create temp table t as\n  select 1 as a", "select *\nfrom t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, sp := range splitStatements(tt.text) {
				got = append(got, tt.text[sp.Start:sp.End])
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitStatements(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestSplitAgreesWithDuckDB checks the lexer against DuckDB's own statement extraction.
func TestSplitAgreesWithDuckDB(t *testing.T) {
	p, err := newParser()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for _, text := range []string{
		"select 1", "select 1;", ";; select 1 ;;\n", "-- nothing\n/* here */", "select 1; -- done",
		"select 'a;b'; select 2", "select 'it''s;'; select 2", `select 'a\'; select 2`, `select E'a\';b'; select 2`,
		`select 1 as "x;y"; select 2`, "select 1 -- a;b\n; select 2", "select /* a /* b; */ c; */ 1; select 2",
		"select $$a;b$$; select $x$ $$; $x$", "select $1; select 2", `select e'\\'; select 2`,
		"create macro m(a) as a + 1; select m(1)", "select 1 as a$b; select 2", "select 'a'\n'b'; select 2",
	} {
		want, err := p.count(text)
		if err != nil {
			t.Errorf("DuckDB cannot parse %q: %v", text, err)
			continue
		}
		if got := len(splitStatements(text)); got != want {
			t.Errorf("%q: lexer finds %d statements, DuckDB %d", text, got, want)
		}
	}
}

func TestErrorPosition(t *testing.T) {
	tests := []struct {
		name, msg, query string
		wantClean        string
		wantOff          int
		wantOK           bool
	}{
		{
			name:      "line 2",
			msg:       "Parser Error: syntax error at or near \"selec\"\n\nLINE 2: selec 2\n        ^",
			query:     "select 1;\nselec 2",
			wantClean: "Parser Error: syntax error at or near \"selec\"",
			wantOff:   10, wantOK: true,
		},
		{
			name:      "wide characters",
			msg:       "Binder Error: x\n\nLINE 1: select 'héllo wörld' || xyz\n                                ^",
			query:     "select 'héllo wörld' || xyz",
			wantClean: "Binder Error: x",
			wantOff:   len("select 'héllo wörld' || "), wantOK: true,
		},
		{
			name:      "rewritten statement",
			msg:       "Catalog Error: no table\n\nLINE 1: SELECT * FROM pragma_table_info('big');\n                      ^",
			query:     "pragma table_info('big')",
			wantClean: "Catalog Error: no table",
		},
		{name: "no position", msg: "Conversion Error: nope", query: "select 'a'::int", wantClean: "Conversion Error: nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, off, ok := errorPosition(tt.msg, tt.query)
			if clean != tt.wantClean || off != tt.wantOff || ok != tt.wantOK {
				t.Errorf("errorPosition = %q, %d, %v; want %q, %d, %v", clean, off, ok, tt.wantClean, tt.wantOff, tt.wantOK)
			}
		})
	}
}
