package notebooks

import (
	"reflect"
	"testing"
)

func TestParseForms(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []Form
	}{
		{"select 1", nil},
		{"where origin = ${origin=SEA}", []Form{{Name: "origin", Kind: FormText, Default: []string{"SEA"}}}},
		{"${n}", []Form{{Name: "n", Kind: FormText, Default: []string{""}}}},
		{"${carrier=AA,AA|UA|DL}", []Form{{Name: "carrier", Kind: FormSelect, Default: []string{"AA"}, Options: []string{"AA", "UA", "DL"}}}},
		{"in (${checkbox:c=a|b,a|b|c})", []Form{{Name: "c", Kind: FormCheckbox, Default: []string{"a", "b"}, Options: []string{"a", "b", "c"}}}},
		{"${bad name} ${1x} $ {x}", nil},
	} {
		got := ParseForms(tc.text)
		for i := range got {
			got[i].start, got[i].end = 0, 0
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseForms(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
	if u := UniqueForms("${a=1} ${a=2} ${b}"); len(u) != 2 || u[0].Default[0] != "1" {
		t.Errorf("UniqueForms: %+v", u)
	}
}

func TestSubstituteSQL(t *testing.T) {
	evil := `'; drop table x; --`
	for _, tc := range []struct {
		name   string
		text   string
		values map[string][]string
		want   string
		err    bool
	}{
		{"default", "select ${o=SEA}", nil, "select 'SEA'", false},
		{"value", "select ${o=SEA}", map[string][]string{"o": {"LAX"}}, "select 'LAX'", false},
		{"evil bare", "select ${o}", map[string][]string{"o": {evil}}, `select '''; drop table x; --'`, false},
		{"evil in string", "select '${o}'", map[string][]string{"o": {evil}}, `select '''; drop table x; --'`, false},
		{"evil in E string", `select E'${o}'`, map[string][]string{"o": {`\'; drop table x; --`}}, `select E'\\''; drop table x; --'`, false},
		{"evil in identifier", `select 1 as "${o}"`, map[string][]string{"o": {`a"; drop table x; --`}}, `select 1 as "a""; drop table x; --"`, false},
		{"checkbox", "where c in (${checkbox:c=a|b,a|b|c})", nil, "where c in ('a', 'b')", false},
		{"checkbox none", "where c in (${checkbox:c=a,a|b})", map[string][]string{"c": {}}, "where c in (NULL)", false},
		{"select not an option", "select ${c=a,a|b}", map[string][]string{"c": {"z"}}, "", true},
		{"twice", "select ${a=1}, ${a=1}", map[string][]string{"a": {"2"}}, "select '2', '2'", false},
		{"dollar text untouched", "select '$5', ${x=1}", nil, "select '$5', '1'", false},
		{"in a line comment", "select 1 -- ${o}\n", map[string][]string{"o": {"\ndrop table x; --"}}, "select 1 -- ${o}\n", false},
		{"in a block comment", "select 1 /* a /* ${o} */ */", map[string][]string{"o": {"*/ drop table x; /*"}}, "select 1 /* a /* ${o} */ */", false},
		{"in a dollar string", "select $q$${o}$q$", map[string][]string{"o": {"it's"}}, "select $q$it's$q$", false},
		{"evil in a dollar string", "select $$${o}$$", map[string][]string{"o": {"$$; drop table x; --"}}, "", true},
		{"after a dollar string", "select $$a$$, ${o=SEA}", nil, "select $$a$$, 'SEA'", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SubstituteSQL(tc.text, tc.values)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %q, %v; want %q (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestFormValues(t *testing.T) {
	v, err := FormValues(map[string]string{SettingForms: `{"a": "x", "b": ["1", "2"]}`})
	if err != nil || v["a"][0] != "x" || len(v["b"]) != 2 {
		t.Fatalf("%v %v", v, err)
	}
	for _, bad := range []string{`[1]`, `{"a": 1}`, `{"a": [1]}`} {
		if _, err := FormValues(map[string]string{SettingForms: bad}); ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestGoForms(t *testing.T) {
	tests := []struct {
		name, text string
		want       []Form
	}{
		{"text and select", "o := nb.Text(\"origin\", \"SEA\")\nc := nb.Select(\"carrier\", \"AA\", \"AA\", `UA`)",
			[]Form{{Name: "origin", Kind: FormText, Default: []string{"SEA"}}, {Name: "carrier", Kind: FormSelect, Default: []string{"AA"}, Options: []string{"AA", "UA"}}}},
		{"a name once", `nb.Text("a", "1"); nb.Text("a", "2")`, []Form{{Name: "a", Kind: FormText, Default: []string{"1"}}}},
		{"not literals", `nb.Text(name, "x"); nb.Select("s", def)`, nil},
		{"too few or many arguments", `nb.Text("a"); nb.Text("a", "b", "c")`, nil},
		{"in a comment or string", "// nb.Text(\"a\", \"b\")\nx := `nb.Text(\"c\", \"d\")`", nil},
		{"other packages", `other.Text("a", "b"); nb.Query("x")`, nil},
		{"broken code still parses", `nb.Text("a", "b"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GoForms(tt.text)
			for i := range got {
				got[i].start, got[i].end = 0, 0
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
