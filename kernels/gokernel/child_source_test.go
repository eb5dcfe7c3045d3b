package gokernel

import (
	"go/ast"
	"go/scanner"
	"go/token"
	"strings"
	"testing"
)

func TestSplitItems(t *testing.T) {
	cases := []struct {
		code string
		want string // D for a declaration, S for a statement, in order
	}{
		{`import "fmt"`, "D"},
		{"import \"strings\"\nstrings.ToUpper(\"x\")", "DS"},
		{"func f() int { return 2 }\nf()", "DS"},
		{"func (t T) M() {}\nfunc(x int) {}(1)", "DS"},
		{"func (x int) int { return x }(3)", "S"},
		{"func (x int) (int, error) { return x, nil }(3)", "S"},
		{"func Map[T any](x T) T { return x }", "D"},
		{"type T struct {\n\tA int\n}\nvar v = T{\n\tA: 1,\n}\nconst c = 1\nv.A + c", "DDDS"},
		{"a := 1; b := 2; a + b", "S"},
		{"x := 1; func f() {}; f()", "SDS"},
		{"if x := 1; x > 0 {\n} else if y := 2; y > 1 {\n}\nz := 3", "SS"},
		{"import (\n\t\"a\"\n\t\"b\"\n)\nx := 1", "DS"},
		{"for i := 0; i < 3; i++ {\n\tfunc() {}()\n}", "S"},
		{"// comment only\n", ""},
		{"x := `multi\nline`\nx", "SS"},
	}
	for _, c := range cases {
		var got strings.Builder
		for _, it := range splitItems(c.code) {
			if it.decl {
				got.WriteByte('D')
			} else {
				got.WriteByte('S')
			}
		}
		if got.String() != c.want {
			t.Errorf("splitItems(%q) = %s, want %s", c.code, got.String(), c.want)
		}
	}
}

func TestParseParagraphPositions(t *testing.T) {
	for _, run := range []int{1, 1074, runSlots + 7, 5_000_000} {
		fset := token.NewFileSet()
		code := "import \"fmt\"\n\nfunc f() {}\nx := 1\n\n  y := é + 2"
		p, err := parseParagraph(fset, run, code)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if p.decls == nil || len(p.decls.Decls) != 2 || p.stmts == nil || len(p.stmts.List) != 2 || p.last != nil {
			t.Fatalf("run %d: split into %d declarations and %d statements", run, len(p.decls.Decls), len(p.stmts.List))
		}
		pos := fset.Position(p.stmts.List[1].(*ast.AssignStmt).Rhs[0].Pos())
		r, line := decodeLine(pos.Line)
		if pos.Filename != srcName || r != run%runSlots || line != 6 || pos.Column != 8 {
			t.Errorf("run %d: position %v decodes to run %d line %d", run, pos, r, line)
		}
	}

	_, err := parseParagraph(token.NewFileSet(), 3, "x := 1\nif x > {\n}")
	var list scanner.ErrorList
	if !asErrorList(err, &list) {
		t.Fatalf("syntax error %v is no scanner.ErrorList", err)
	}
	if r, line := decodeLine(list[0].Pos.Line); r != 3 || line != 2 || list[0].Pos.Column != 8 {
		t.Errorf("syntax error at %v", list[0].Pos)
	}
}

func asErrorList(err error, list *scanner.ErrorList) bool {
	l, ok := err.(scanner.ErrorList)
	*list = l
	return ok && len(l) > 0
}

func TestCompleteUTF8(t *testing.T) {
	b := []byte("aé€")
	for n, want := range []int{0, 1, 1, 3, 3, 3, 6} {
		if got := completeUTF8(b[:n]); got != want {
			t.Errorf("completeUTF8(%q) = %d, want %d", b[:n], got, want)
		}
	}
}

func TestKernelEnv(t *testing.T) {
	got := kernelEnv([]string{"PATH=/bin", "LAKEBOOK_TOKEN=x", "AWS_SECRET_ACCESS_KEY=y", "MY_LAKEBOOK_TOKEN=ok", "HOME=/root"})
	if strings.Join(got, " ") != "PATH=/bin MY_LAKEBOOK_TOKEN=ok HOME=/root" {
		t.Errorf("kernelEnv = %q", got)
	}
}
