package gokernel

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strconv"
)

// paragraph is a paragraph's code split the way yaegi can evaluate it: yaegi parses a snippet
// that starts with import/func/var/type/const as declarations only, and anything else as
// statements only, so a paragraph mixing both is cut in two.
type paragraph struct {
	decls *ast.File      // nil when there are none
	stmts *ast.BlockStmt // nil when there are none
	// last is the final expression statement whose value should be shown, if any.
	last *ast.ExprStmt
}

// Positions. yaegi scopes imports by file name, so every run must use the same one, srcName;
// the run is encoded in the line instead: line L of run N is (N mod runSlots)*lineBase+L.
// go/scanner refuses lines beyond 1<<30, hence the modulo: a position 10,000 runs old may be
// taken for one of the current run, which only matters in messages about earlier paragraphs.
const (
	srcName  = "paragraph"
	lineBase = 100_000
	runSlots = 10_000
)

// encodeLine returns the encoded line of line l of run.
func encodeLine(run, l int) int { return run%runSlots*lineBase + l }

// decodeLine splits an encoded line into the run (mod runSlots) and the line in that run's
// paragraph.
func decodeLine(line int) (run, l int) { return line / lineBase, line % lineBase }

// parseParagraph splits code into declarations and statements and parses both with fset, which
// must be the interpreter's. Each part keeps the paragraph's layout (the other part's text is
// blanked) behind a //line directive, so positions in parse errors, compile errors and panics
// map back into the paragraph (see decodeLine).
func parseParagraph(fset *token.FileSet, run int, code string) (*paragraph, error) {
	items := splitItems(code)
	var p paragraph
	declText := blank(code)
	stmtText := blank(code)
	var hasDecl, hasStmt bool
	for _, it := range items {
		if it.decl {
			copy(declText[it.start:it.end], code[it.start:it.end])
			hasDecl = true
		} else {
			copy(stmtText[it.start:it.end], code[it.start:it.end])
			hasStmt = true
		}
	}
	directive := "\n//line " + srcName + ":" + strconv.Itoa(encodeLine(run, 1)) + ":1\n"
	if hasDecl {
		f, err := parser.ParseFile(fset, srcName, "package main"+directive+string(declText), parser.DeclarationErrors)
		if err != nil {
			return nil, err
		}
		p.decls = f
	}
	if hasStmt {
		src := "package main; func main() {" + directive + string(stmtText) + "\n}"
		f, err := parser.ParseFile(fset, srcName, src, parser.DeclarationErrors)
		if err != nil {
			return nil, err
		}
		p.stmts = f.Decls[0].(*ast.FuncDecl).Body
		if last := items[len(items)-1]; !last.decl && len(p.stmts.List) > 0 {
			p.last, _ = p.stmts.List[len(p.stmts.List)-1].(*ast.ExprStmt)
		}
	}
	if err := checkNames(fset, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// checkNames rejects a global named main: yaegi runs a global main after every later
// evaluation, which would replay (or break on) it forever.
func checkNames(fset *token.FileSet, p *paragraph) error {
	var bad ast.Node
	isMain := func(id *ast.Ident) bool {
		if id != nil && id.Name == "main" && bad == nil {
			bad = id
		}
		return bad != nil
	}
	genDecl := func(d *ast.GenDecl) {
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				isMain(s.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					isMain(n)
				}
			}
		}
	}
	if p.decls != nil {
		for _, d := range p.decls.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					isMain(d.Name)
				}
			case *ast.GenDecl:
				genDecl(d)
			}
		}
	}
	if p.stmts != nil {
		for _, s := range p.stmts.List {
			switch s := s.(type) {
			case *ast.AssignStmt:
				if s.Tok == token.DEFINE {
					for _, e := range s.Lhs {
						id, _ := e.(*ast.Ident)
						isMain(id)
					}
				}
			case *ast.DeclStmt:
				if d, ok := s.Decl.(*ast.GenDecl); ok {
					genDecl(d)
				}
			}
		}
	}
	if bad == nil {
		return nil
	}
	return scanner.ErrorList{{
		Pos: fset.Position(bad.Pos()),
		Msg: "main cannot be declared in a notebook (the interpreter would run it after every paragraph); use another name",
	}}
}

// item is a top-level declaration or statement of a paragraph: code[start:end].
type item struct {
	decl       bool
	start, end int
}

// splitItems cuts code into top-level items at semicolons (explicit or implied by newlines)
// outside brackets. Statements need not be cut apart, so an explicit semicolon only ends an
// item next to a declaration: `for i := 0; i < n; i++ {` stays whole. Scanning errors are
// ignored: the parser reports them with positions.
func splitItems(code string) []item {
	var toks []tok
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("", -1, len(code)), []byte(code), func(token.Position, string) {}, 0)
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{int(pos) - 1, t, lit})
	}

	var items []item
	for i := 0; i < len(toks); {
		if toks[i].tok == token.SEMICOLON {
			i++
			continue
		}
		start := i
		decl := startsDecl(toks[start:])
		depth := 0
		j := i
	scan:
		for ; j < len(toks); j++ {
			switch toks[j].tok {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				if depth > 0 {
					depth--
				}
			case token.SEMICOLON:
				if depth == 0 && (toks[j].lit != ";" || decl || startsDecl(toks[j+1:])) {
					break scan
				}
			}
		}
		end := len(code)
		if j < len(toks) {
			end = toks[j].off
			if toks[j].lit == ";" {
				end++ // keep an explicit separator, or `a := 1; b := 2` would not parse
			}
		}
		if end > toks[start].off {
			items = append(items, item{decl: decl, start: toks[start].off, end: end})
		}
		i = j + 1
	}
	return items
}

type tok struct {
	off int
	tok token.Token
	lit string
}

// startsDecl reports whether toks start a declaration: import, type, const, var, a function
// declaration or a method `func (r T) Name(`. Anything else starting with func is a function
// literal, called or used in a statement.
func startsDecl(toks []tok) bool {
	if len(toks) == 0 {
		return false
	}
	switch toks[0].tok {
	case token.IMPORT, token.TYPE, token.CONST, token.VAR:
		return true
	case token.FUNC:
		if len(toks) > 1 && toks[1].tok == token.IDENT {
			return true
		}
		if len(toks) > 1 && toks[1].tok == token.LPAREN {
			d, k := 0, 1
			for ; k < len(toks); k++ {
				if toks[k].tok == token.LPAREN {
					d++
				} else if toks[k].tok == token.RPAREN {
					if d--; d == 0 {
						break
					}
				}
			}
			return k+2 < len(toks) && toks[k+1].tok == token.IDENT &&
				(toks[k+2].tok == token.LPAREN || toks[k+2].tok == token.LBRACK)
		}
	}
	return false
}

// blank returns code with every byte but newlines replaced by a space, which keeps lines and
// (byte) columns where they were.
func blank(code string) []byte {
	b := []byte(code)
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
	return b
}
