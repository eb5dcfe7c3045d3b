package gokernel

import (
	"context"
	"go/scanner"
	"go/token"
	"reflect"
	"slices"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

var goKeywords = strings.Fields(`break case chan const continue default defer else fallthrough for func
	go goto if import interface map package range return select struct switch type var`)

// goBuiltins maps the predeclared names to their kind.
var goBuiltins = func() map[string]string {
	m := map[string]string{}
	for kind, names := range map[string]string{
		"function": "append cap close complex copy delete imag len make new panic print println real recover",
		"type": `bool byte complex128 complex64 error float32 float64 int int16 int32 int64 int8 rune
			string uint uint16 uint32 uint64 uint8 uintptr any comparable`,
		"constant": "true false nil iota",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = kind
		}
	}
	return m
}()

// Complete proposes names for the identifier before pos: after `pkg.`, the exported members of a
// standard library package; otherwise the names earlier paragraphs and this one declared, the
// standard packages (imported on first use), keywords and builtins. It answers from the parent,
// so it works while a paragraph runs; it cannot see the types of variables, so `v.` proposes
// nothing.
func (k *Kernel) Complete(ctx context.Context, code string, pos int) (notebooks.Completion, error) {
	qual, prefix, from := notebooks.IdentBefore(code, pos)
	out := notebooks.Completion{From: from, Items: []notebooks.CompletionItem{}}
	add := func(label, kind, detail string) {
		if strings.HasPrefix(label, prefix) {
			out.Items = append(out.Items, notebooks.CompletionItem{Label: label, Kind: kind, Detail: detail})
		}
	}
	if qual != "" {
		if p := stdlibByName[qual]; p != "" {
			syms := exports(p + "/" + qual)
			names := make([]string, 0, len(syms))
			for name := range syms {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				add(name, symbolKind(syms[name]), p)
			}
		}
		return out, nil
	}
	k.mu.Lock()
	known := map[string]string{}
	for n, kind := range k.names {
		known[n] = kind
	}
	k.mu.Unlock()
	for n, kind := range declaredNames(code[:min(pos, len(code))]) {
		known[n] = kind
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if n != prefix {
			add(n, known[n], "")
		}
	}
	pkgs := make([]string, 0, len(stdlibByName))
	for name := range stdlibByName {
		pkgs = append(pkgs, name)
	}
	slices.Sort(pkgs)
	for _, name := range pkgs {
		add(name, "package", stdlibByName[name])
	}
	for _, kw := range goKeywords {
		add(kw, "keyword", "")
	}
	builtins := make([]string, 0, len(goBuiltins))
	for b := range goBuiltins {
		builtins = append(builtins, b)
	}
	slices.Sort(builtins)
	for _, b := range builtins {
		add(b, goBuiltins[b], "builtin")
	}
	return out, nil
}

func symbolKind(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Func:
		return "function"
	case v.Kind() == reflect.Pointer && v.IsNil():
		return "type" // yaegi exports a type T as (*T)(nil)
	case v.CanAddr():
		return "variable"
	}
	return "constant"
}

// learn remembers the names a paragraph that ran declared, for completion.
func (k *Kernel) learn(code string) {
	names := declaredNames(code)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.names == nil {
		k.names = map[string]string{}
	}
	for n, kind := range names {
		k.names[n] = kind
	}
}

// forget drops the learned names: the process that held them is gone.
func (k *Kernel) forget() {
	k.mu.Lock()
	k.names = nil
	k.mu.Unlock()
}

// declaredNames finds what code declares at its top level, from its tokens alone (a paragraph
// being typed rarely parses): `x :=`, `a, b :=`, `var x`, `const x`, `func f`, `type T`.
func declaredNames(code string) map[string]string {
	var toks []struct {
		t   token.Token
		lit string
	}
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("", -1, len(code)), []byte(code), func(token.Position, string) {}, 0)
	depth := 0
	for {
		_, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LBRACE:
			depth++
		case token.RBRACE:
			depth--
		}
		if depth == 0 || t == token.LBRACE {
			toks = append(toks, struct {
				t   token.Token
				lit string
			}{t, lit})
		}
	}
	out := map[string]string{}
	for i, tk := range toks {
		next := func(j int) (token.Token, string) {
			if i+j < len(toks) {
				return toks[i+j].t, toks[i+j].lit
			}
			return token.EOF, ""
		}
		switch tk.t {
		case token.FUNC, token.TYPE, token.VAR, token.CONST:
			if t, lit := next(1); t == token.IDENT {
				kind := map[token.Token]string{token.FUNC: "function", token.TYPE: "type", token.VAR: "variable", token.CONST: "constant"}[tk.t]
				out[lit] = kind
			}
		case token.DEFINE:
			// Walk back over `a, b` to the start of the statement.
			for j := i - 1; j >= 0; j -= 2 {
				if toks[j].t != token.IDENT {
					break
				}
				if toks[j].lit != "_" {
					out[toks[j].lit] = "variable"
				}
				if j == 0 || toks[j-1].t != token.COMMA {
					break
				}
			}
		}
	}
	return out
}
