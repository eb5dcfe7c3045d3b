package gokernel

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/printer"
	"go/scanner"
	"go/token"
	"path"
	"reflect"
	"slices"
	"strconv"

	"github.com/traefik/yaegi/stdlib"
)

// rewriter changes a parsed paragraph, before it is compiled, so that Go as people write it
// today runs on yaegi v0.16.1 (whose Go stops at 1.22): ranging over an integer becomes a
// three-clause loop, the min, max and clear builtins and the sorting functions of package
// slices become calls of the helpers of child_builtins.go. A paragraph's own declarations of
// those names win: only names that resolve to the builtin (or the standard package) change.
type rewriter struct {
	c *child
	p *paragraph
	// builtins reports that the paragraph now calls a helper, which must be loaded first.
	builtins bool
	// minMax reports that it calls the generic min/max helpers, to explain their limits.
	minMax bool
	fresh  int
	err    error
	// hints are said after a compile error of the paragraph, when they may explain it.
	hints []hint
}

// hint explains a compile error of a rewritten paragraph.
type hint struct {
	text string
	// internal: only for a panic of yaegi itself, which is how it fails on what the hint is
	// about; otherwise for any compile error.
	internal bool
}

// rewriteParagraph rewrites p in place. It returns the hints to add to a compile error, and
// an error when the paragraph uses something the interpreter cannot run at all.
func (c *child) rewriteParagraph(p *paragraph) ([]hint, error) {
	r := &rewriter{c: c, p: p}
	if p.decls != nil {
		if err := c.checkTypes(p.decls); err != nil {
			return nil, err
		}
		ast.Inspect(p.decls, r.visit)
	}
	if p.stmts != nil {
		ast.Inspect(p.stmts, r.visit)
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.builtins {
		if err := c.loadBuiltins(); err != nil {
			return nil, err
		}
	}
	r.globalFromGeneric()
	if r.minMax {
		r.hints = append(r.hints, hint{"min and max are lakebook's generic functions here (yaegi lacks the builtins); " +
			"yaegi cannot instantiate them for named types of compiled packages such as time.Duration: convert the arguments, e.g. min(int64(a), int64(b))", true})
	}
	return r.hints, nil
}

func (r *rewriter) visit(n ast.Node) bool {
	if r.err != nil {
		return false
	}
	switch n := n.(type) {
	case *ast.BlockStmt:
		r.stmts(n.List)
	case *ast.CaseClause:
		r.stmts(n.Body)
	case *ast.CommClause:
		r.stmts(n.Body)
	case *ast.CallExpr:
		r.call(n)
	}
	return true
}

// stmts rewrites the ranges over an integer in list. ast.Inspect then walks the new
// statements, so nested loops are rewritten too.
func (r *rewriter) stmts(list []ast.Stmt) {
	for i, s := range list {
		switch s := s.(type) {
		case *ast.RangeStmt:
			if s.Value == nil && r.isInt(s.X, 0) {
				list[i] = r.rangeInt(nil, s)
			}
		case *ast.LabeledStmt:
			if rs, ok := s.Stmt.(*ast.RangeStmt); ok && rs.Value == nil && r.isInt(rs.X, 0) {
				list[i] = r.rangeInt(s, rs)
			}
		}
	}
}

// rangeInt turns `for i := range n { … }` into `{ N := n; for i := N - N; i < N; i++ { … } }`:
// n is evaluated once and i has n's type, as in Go.
func (r *rewriter) rangeInt(label *ast.LabeledStmt, rs *ast.RangeStmt) ast.Stmt {
	pos := rs.For
	r.fresh++
	n := "lakebookN" + strconv.Itoa(r.fresh)
	id := func(name string) *ast.Ident { return &ast.Ident{Name: name, NamePos: pos} }
	key := "lakebookI" + strconv.Itoa(r.fresh)
	switch k, _ := rs.Key.(*ast.Ident); {
	case rs.Key == nil, k != nil && k.Name == "_":
	case rs.Tok == token.DEFINE && k != nil:
		key = k.Name
	default:
		// `for x = range n` assigns x in each iteration and leaves it at n-1, not n.
		rs.Body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: []ast.Expr{rs.Key}, TokPos: pos, Tok: token.ASSIGN, Rhs: []ast.Expr{id(key)}}}, rs.Body.List...)
	}
	var loop ast.Stmt = &ast.ForStmt{
		For:  pos,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{id(key)}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{&ast.BinaryExpr{X: id(n), OpPos: pos, Op: token.SUB, Y: id(n)}}},
		Cond: &ast.BinaryExpr{X: id(key), OpPos: pos, Op: token.LSS, Y: id(n)},
		Post: &ast.IncDecStmt{X: id(key), TokPos: pos, Tok: token.INC},
		Body: rs.Body,
	}
	if label != nil {
		loop = &ast.LabeledStmt{Label: label.Label, Colon: label.Colon, Stmt: loop}
	}
	return &ast.BlockStmt{Lbrace: pos, Rbrace: rs.Body.Rbrace, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{id(n)}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{rs.X}},
		loop,
	}}
}

// intTypes are the predeclared integer types.
var intTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "rune": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true, "byte": true,
}

// isInt reports whether x is certainly an integer, from the syntax and the values of earlier
// paragraphs' globals. Ranging over what it cannot tell is left to yaegi, whose failure the
// kernel explains.
func (r *rewriter) isInt(x ast.Expr, depth int) bool {
	if depth > 8 {
		return false
	}
	depth++
	switch x := x.(type) {
	case *ast.BasicLit:
		return x.Kind == token.INT
	case *ast.ParenExpr:
		return r.isInt(x.X, depth)
	case *ast.UnaryExpr:
		// go/parser declares the key of `for i := range n` as `i := range n`: i is an
		// integer when n is.
		return (x.Op == token.SUB || x.Op == token.ADD || x.Op == token.XOR || x.Op == token.RANGE) && r.isInt(x.X, depth)
	case *ast.BinaryExpr:
		switch x.Op {
		case token.SHL, token.SHR:
			return r.isInt(x.X, depth)
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return r.isInt(x.X, depth) && r.isInt(x.Y, depth)
		}
	case *ast.CallExpr:
		switch fun := x.Fun.(type) {
		case *ast.Ident:
			if r.shadowed(fun) {
				return r.returnsInt(fun)
			}
			return fun.Name == "len" || fun.Name == "cap" || intTypes[fun.Name] && len(x.Args) == 1
		case *ast.SelectorExpr:
			// A function of a standard package: rand.Intn(6).
			pkg, ok := fun.X.(*ast.Ident)
			if !ok || r.shadowed(pkg) {
				return false
			}
			p := r.importPath(pkg.Name)
			return p != "" && isIntFunc(stdlib.Symbols[p+"/"+path.Base(p)][fun.Sel.Name])
		}
	case *ast.Ident:
		obj := x.Obj
		if obj == nil && r.p.decls != nil {
			obj = r.p.decls.Scope.Lookup(x.Name)
		}
		if obj == nil {
			return r.c.globalIsInt(x.Name)
		}
		switch d := obj.Decl.(type) {
		case *ast.AssignStmt:
			for i, l := range d.Lhs {
				if l, ok := l.(*ast.Ident); ok && l.Name == x.Name && len(d.Rhs) == len(d.Lhs) {
					return r.isInt(d.Rhs[i], depth)
				}
			}
		case *ast.ValueSpec:
			if d.Type != nil {
				return r.isIntType(d.Type)
			}
			for i, n := range d.Names {
				if n.Name == x.Name && i < len(d.Values) {
					return r.isInt(d.Values[i], depth)
				}
			}
		case *ast.Field:
			return r.isIntType(d.Type)
		}
	}
	return false
}

// funcType returns the signature of the function id names, declared by this paragraph or an
// earlier one; nil if id names no such function.
func (r *rewriter) funcType(id *ast.Ident) *ast.FuncType {
	obj := id.Obj
	if obj == nil && r.p.decls != nil {
		obj = r.p.decls.Scope.Lookup(id.Name)
	}
	if obj == nil {
		return r.c.funcs[id.Name]
	}
	if f, ok := obj.Decl.(*ast.FuncDecl); ok {
		return f.Type
	}
	return nil
}

// returnsInt reports whether id names a function, of this paragraph or an earlier one, whose
// only result is an integer.
func (r *rewriter) returnsInt(id *ast.Ident) bool {
	t := r.funcType(id)
	if t == nil || t.Results == nil || len(t.Results.List) != 1 || len(t.Results.List[0].Names) > 1 {
		return false
	}
	return r.isIntType(t.Results.List[0].Type)
}

// isIntFunc reports whether v is a function whose only result is an integer.
func isIntFunc(v reflect.Value) bool {
	if !v.IsValid() || v.Kind() != reflect.Func || v.Type().NumOut() != 1 {
		return false
	}
	return isIntKind(v.Type().Out(0).Kind())
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func (r *rewriter) isIntType(t ast.Expr) bool {
	id, ok := t.(*ast.Ident)
	return ok && !r.shadowed(id) && intTypes[id.Name]
}

// globalIsInt reports whether an earlier paragraph declared name as a global integer.
func (c *child) globalIsInt(name string) bool {
	if !c.defined[name] {
		return false
	}
	v, ok := c.i.Globals()[name]
	return ok && v.IsValid() && isIntKind(v.Kind())
}

// shadowed reports whether id names something the paragraph or an earlier one declared, not
// a predeclared identifier or a package.
func (r *rewriter) shadowed(id *ast.Ident) bool {
	if id.Obj != nil || r.c.defined[id.Name] {
		return true
	}
	return r.p.decls != nil && r.p.decls.Scope.Lookup(id.Name) != nil
}

// call rewrites a call of min, max, clear or of package slices' sorting functions.
func (r *rewriter) call(x *ast.CallExpr) {
	switch fun := x.Fun.(type) {
	case *ast.Ident:
		if r.shadowed(fun) {
			if n := r.typeParams(fun); n >= 2 {
				r.hints = append(r.hints, hint{text: fmt.Sprintf("yaegi often infers the type arguments of a function with several type parameters wrongly: "+
					"give them explicitly, as in %s[int, string](…)", fun.Name)})
			}
			return
		}
		switch fun.Name {
		case "min", "max":
			if x.Ellipsis.IsValid() || len(x.Args) == 0 {
				return // an error in Go too; yaegi says "undefined", explained by runError
			}
			if constantMinMax(x, fun.Name) {
				return
			}
			// An untyped constant first would fix the type argument: typed arguments go first.
			slices.SortStableFunc(x.Args, func(a, b ast.Expr) int { return btoi(isLiteral(a)) - btoi(isLiteral(b)) })
			if len(x.Args) == 1 {
				fun.Name = "lakebookSame"
			} else {
				fun.Name = builtinNames[fun.Name]
			}
			r.builtins, r.minMax = true, true
		case "clear":
			x.Fun = helperExpr(builtinNames["clear"], fun.Pos())
			r.builtins = true
		}
	case *ast.SelectorExpr:
		pkg, ok := fun.X.(*ast.Ident)
		if !ok || r.shadowed(pkg) {
			return
		}
		p := r.importPath(pkg.Name)
		if p != "slices" && p != "maps" {
			return
		}
		name := p + "." + fun.Sel.Name
		if _, ok := iteratorFuncs[name]; ok {
			r.err = scanner.ErrorList{{Pos: r.c.i.FileSet().Position(fun.Sel.Pos()), Msg: name +
				" takes or returns an iterator (Go 1.23's iter.Seq), which the Go interpreter (yaegi) cannot run: " +
				"use a loop instead, e.g. keys := []string{}; for k := range m { keys = append(keys, k) }; slices.Sort(keys)"}}
			return
		}
		if h := builtinNames[name]; h != "" {
			x.Fun = helperExpr(h, fun.Pos())
			r.builtins = true
		}
	}
}

// typeParams returns the number of type parameters of the function id names, if generic.
func (r *rewriter) typeParams(id *ast.Ident) int {
	t := r.funcType(id)
	if t == nil || t.TypeParams == nil {
		return 0
	}
	return t.TypeParams.NumFields()
}

// globalFromGeneric adds a hint when a statement outside any function defines a variable from
// a call of a generic function (min and max are generic here): yaegi fails to type such a
// global ("nil reflect type").
func (r *rewriter) globalFromGeneric() {
	if r.p.stmts == nil {
		return
	}
	for _, s := range r.p.stmts.List {
		a, ok := s.(*ast.AssignStmt)
		if !ok || a.Tok != token.DEFINE {
			continue
		}
		generic := false
		for _, x := range a.Rhs {
			ast.Inspect(x, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false // inside a function, yaegi copes
				}
				if c, ok := n.(*ast.CallExpr); ok {
					switch f := c.Fun.(type) {
					case *ast.Ident:
						generic = generic || f.Name == "lakebookMin" || f.Name == "lakebookMax" || f.Name == "lakebookSame" || r.typeParams(f) > 0
					case *ast.SelectorExpr:
						generic = generic || f.Sel.Name == "Min" || f.Sel.Name == "Max"
					}
				}
				return !generic
			})
		}
		if generic {
			r.hints = append(r.hints, hint{"yaegi cannot define a variable outside a function from the result of a generic function " +
				"(min, max, slices.Min and slices.Max are generic here): declare the variable with its type first, as in var n int; n = min(a, b)", true})
			return
		}
	}
}

// importPath is the path of the package a paragraph means by name.
func (r *rewriter) importPath(name string) string {
	if r.p.decls != nil {
		for _, s := range r.p.decls.Imports {
			if n, p := importName(s); n == name {
				return p
			}
		}
	}
	if p := r.c.imports[name]; p != "" {
		return p
	}
	return stdlibByName[name] // imported on use
}

func helperExpr(h string, pos token.Pos) ast.Expr {
	if pkg, sel, ok := cutDot(h); ok {
		return &ast.SelectorExpr{X: &ast.Ident{Name: pkg, NamePos: pos}, Sel: &ast.Ident{Name: sel, NamePos: pos}}
	}
	return &ast.Ident{Name: h, NamePos: pos}
}

func cutDot(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isLiteral reports whether x is a number, string or character literal, possibly negated.
func isLiteral(x ast.Expr) bool {
	_, ok := literalValue(x)
	return ok
}

func literalValue(x ast.Expr) (constant.Value, bool) {
	switch x := x.(type) {
	case *ast.BasicLit:
		v := constant.MakeFromLiteral(x.Value, x.Kind, 0)
		return v, v.Kind() != constant.Unknown
	case *ast.ParenExpr:
		return literalValue(x.X)
	case *ast.UnaryExpr:
		if v, ok := literalValue(x.X); ok && (x.Op == token.SUB || x.Op == token.ADD) && v.Kind() != constant.String {
			return constant.UnaryOp(x.Op, v, 0), true
		}
	}
	return nil, false
}

// constantMinMax computes min or max of literals, as Go does for constants, and turns the
// call into `func() T { return v }()`, T being the constant's default type. yaegi cannot infer
// a type argument from untyped constants alone.
func constantMinMax(x *ast.CallExpr, name string) bool {
	var best constant.Value
	float, char := false, true
	for _, a := range x.Args {
		v, ok := literalValue(a)
		if !ok || v.Kind() == constant.Complex {
			return false
		}
		if best != nil && (best.Kind() == constant.String) != (v.Kind() == constant.String) {
			return false // a compile error in Go, left to yaegi
		}
		float = float || v.Kind() == constant.Float
		b, _ := ast.Unparen(a).(*ast.BasicLit)
		char = char && b != nil && b.Kind == token.CHAR
		if best == nil || name == "min" && constant.Compare(v, token.LSS, best) || name == "max" && constant.Compare(v, token.GTR, best) {
			best = v
		}
	}
	typ, kind, lit := "int", token.INT, best.ExactString()
	switch {
	case best.Kind() == constant.String:
		typ, kind, lit = "string", token.STRING, strconv.Quote(constant.StringVal(best))
	case float:
		f, _ := constant.Float64Val(best)
		typ, kind, lit = "float64", token.FLOAT, strconv.FormatFloat(f, 'g', -1, 64)
	case char:
		typ = "rune"
	}
	pos := x.Pos()
	var val ast.Expr = &ast.BasicLit{ValuePos: pos, Kind: kind, Value: lit}
	if lit[0] == '-' {
		val = &ast.UnaryExpr{OpPos: pos, Op: token.SUB, X: &ast.BasicLit{ValuePos: pos, Kind: kind, Value: lit[1:]}}
	}
	x.Fun = &ast.ParenExpr{Lparen: pos, Rparen: pos, X: &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: &ast.Ident{Name: typ, NamePos: pos}}}}},
		Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{&ast.ReturnStmt{Return: pos, Results: []ast.Expr{val}}}},
	}}
	x.Args = nil
	return true
}

// checkTypes refuses to redeclare a type an earlier paragraph declared differently: yaegi
// would silently keep the old one. Declaring it again the same way (running a paragraph
// again) is fine; the declaration is dropped.
func (c *child) checkTypes(f *ast.File) error {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		specs := g.Specs[:0]
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			old, ok := c.types[ts.Name.Name]
			switch {
			case !ok:
				specs = append(specs, s)
			case old != c.typeText(ts):
				return scanner.ErrorList{{Pos: c.i.FileSet().Position(ts.Name.Pos()), Msg: fmt.Sprintf(
					"type %s is already declared by an earlier paragraph, differently; the Go interpreter (yaegi) cannot change a type "+
						"once declared: restart the kernel to change it, or give the new type another name", ts.Name.Name)}}
			}
		}
		g.Specs = specs
	}
	// A type declaration left without specs is valid Go (`type ()`), so it can stay.
	return nil
}

// noteTypes records the types and the functions' signatures of declarations that were
// evaluated.
func (c *child) noteTypes(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.TYPE {
				for _, s := range d.Specs {
					ts := s.(*ast.TypeSpec)
					c.types[ts.Name.Name] = c.typeText(ts)
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil {
				c.funcs[d.Name.Name] = d.Type
			}
		}
	}
}

// typeText is a type declaration without its name, in canonical form: two declarations with
// the same text declare the same type.
func (c *child) typeText(ts *ast.TypeSpec) string {
	var b bytes.Buffer
	spec := *ts
	spec.Name = &ast.Ident{Name: "_"}
	spec.Doc, spec.Comment = nil, nil
	_ = printer.Fprint(&b, c.i.FileSet(), &spec)
	return b.String()
}
