package notebooks

import (
	"context"
	"go/scanner"
	"go/token"
	"strconv"
)

// GoForms finds the inputs of a Go paragraph: its calls nb.Text("name", "default") and
// nb.Select("name", "default", "a", "b", …) whose arguments are all string literals, in order,
// each name once. The page renders them like SQL's dynamic forms; the values reach the kernel
// through the run's context (WithFormValues), and the calls return them.
func GoForms(text string) []Form {
	var s scanner.Scanner
	fset := token.NewFileSet()
	src := []byte(text)
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	type tok struct {
		t   token.Token
		lit string
	}
	var toks []tok
	for {
		_, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{t, lit})
	}
	var out []Form
	seen := map[string]bool{}
	for i := 0; i+4 < len(toks); i++ {
		if toks[i].t != token.IDENT || toks[i].lit != "nb" || toks[i+1].t != token.PERIOD || toks[i+2].t != token.IDENT ||
			toks[i+3].t != token.LPAREN {
			continue
		}
		kind := map[string]string{"Text": FormText, "Select": FormSelect}[toks[i+2].lit]
		if kind == "" {
			continue
		}
		var args []string
		j := i + 4
		ok := true
		for ; j < len(toks) && toks[j].t != token.RPAREN; j++ {
			switch toks[j].t {
			case token.STRING:
				v, err := strconv.Unquote(toks[j].lit)
				if err != nil {
					ok = false
				}
				args = append(args, v)
			case token.COMMA:
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if !ok || len(args) < 2 || kind == FormText && len(args) != 2 || seen[args[0]] {
			continue
		}
		seen[args[0]] = true
		f := Form{Name: args[0], Kind: kind, Default: []string{args[1]}}
		if kind == FormSelect {
			f.Options = args[2:]
		}
		out = append(out, f)
	}
	return out
}

type formValuesKey struct{}

// WithFormValues returns a context carrying a run's form values, for kernels whose code reads
// them itself (Go's nb.Text) instead of having them substituted (SQL).
func WithFormValues(ctx context.Context, values map[string][]string) context.Context {
	return context.WithValue(ctx, formValuesKey{}, values)
}

// FormValuesFrom returns the form values WithFormValues put in ctx.
func FormValuesFrom(ctx context.Context) (map[string][]string, bool) {
	v, ok := ctx.Value(formValuesKey{}).(map[string][]string)
	return v, ok
}
