package gokernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/traefik/yaegi/interp"
)

// maxValueText bounds the text of a shown value.
const maxValueText = 1 << 20

// syncTimeout bounds the wait for output written before the end of a run.
const syncTimeout = 5 * time.Second

// eval runs one paragraph. broken reports that the interpreter can no longer evaluate anything.
func (c *child) eval(ctx context.Context, code string) (e *notebooks.Error, broken bool) {
	c.n++
	c.lines = strings.Split(code, "\n")
	c.hints = nil
	// Everything printed during the run reaches the parent before the done message.
	defer c.out.sync(syncTimeout)

	if ctx.Err() != nil {
		return canceled(), false
	}
	if os.Getenv(rawEvalEnv) == "1" && strings.HasPrefix(code, rawEvalPrefix) {
		_, err := c.i.EvalWithContext(ctx, code)
		if err != nil {
			return c.runError(err), !c.healthy()
		}
		return nil, false
	}

	p, err := parseParagraph(c.i.FileSet(), c.n, code)
	if err != nil {
		return c.runError(err), false
	}
	c.importUsed(p)
	if c.hints, err = c.rewriteParagraph(p); err != nil {
		return c.runError(err), false
	}
	if p.decls != nil {
		c.dropImported(p.decls)
		if _, e, broken := c.exec(ctx, p.decls); e != nil {
			return e, broken
		}
		c.noteImports(p.decls)
		c.noteTypes(p.decls)
	}
	if p.stmts == nil {
		return nil, false
	}
	v, e, broken := c.exec(ctx, p.stmts)
	if e != nil {
		return e, broken
	}
	if p.last != nil && showValue(p.last.X) {
		// Tables, slices of structs, nb.HTML and nb.Markdown show as nb.Show shows them.
		if shown, e := c.showFinal(p.last.X, v); shown {
			return e, false
		}
		if text, ok := formatValue(v); ok {
			c.out.sync(syncTimeout) // the value comes after what the paragraph printed
			c.ev.send(message{Type: msgOutput, Text: text})
		}
	}
	return nil, false
}

// exec compiles and runs one part of a paragraph.
func (c *child) exec(ctx context.Context, n ast.Node) (reflect.Value, *notebooks.Error, bool) {
	if ctx.Err() != nil {
		return reflect.Value{}, canceled(), false
	}
	prog, err := c.compile(n)
	for tries := 0; err != nil && tries < 10; tries++ {
		err = c.explain(n, err)
		if !c.autoImport(err) {
			break
		}
		prog, err = c.compile(n)
	}
	if err != nil {
		var ie internalError
		return reflect.Value{}, c.runError(err), errors.As(err, &ie) && !c.healthy()
	}
	c.noteDefined(n)
	v, err := c.i.ExecuteWithContext(ctx, prog)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		c.waitStopped()
		return reflect.Value{}, canceled(), false
	}
	if err != nil {
		return reflect.Value{}, c.runError(err), !c.healthy()
	}
	return v, nil, false
}

// explain replaces yaegi's "constant definition loop", which is what it says when it cannot
// type a global definition, typically because a name on its right side is undefined: when the
// definition has a name that is neither declared in the paragraph nor known from earlier ones,
// the error says so. Compiling the right side alone to find out is no option: the failed
// compile left yaegi's scope in a state that can make it panic.
func (c *child) explain(n ast.Node, err error) error {
	msg := err.Error()
	loc := positionRE.FindStringSubmatch(msg)
	if !strings.HasSuffix(msg, "constant definition loop") || loc == nil {
		return err
	}
	line, _ := strconv.Atoi(loc[1])
	col, _ := strconv.Atoi(loc[2])
	fset := c.i.FileSet()
	var rhs []ast.Expr
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil || rhs != nil {
			return false
		}
		if p := fset.Position(n.Pos()); p.Line != line || p.Column != col {
			return true
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			rhs = n.Rhs
		case *ast.ValueSpec:
			rhs = n.Values
		}
		return true
	})
	var undefined *ast.Ident
	for _, x := range rhs {
		ast.Inspect(x, func(n ast.Node) bool {
			if undefined != nil {
				return false
			}
			if sel, ok := n.(*ast.SelectorExpr); ok {
				ast.Inspect(sel.X, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && c.unknown(id) {
						undefined = id
					}
					return undefined == nil
				})
				return false // the selected name depends on the type of X
			}
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				ast.Inspect(kv.Value, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && c.unknown(id) {
						undefined = id
					}
					return undefined == nil
				})
				return false // a key may be a field name
			}
			if id, ok := n.(*ast.Ident); ok && c.unknown(id) {
				undefined = id
			}
			return true
		})
	}
	if undefined == nil {
		return err
	}
	return fmt.Errorf("%s: undefined: %s", srcName+":"+strconv.Itoa(fset.Position(undefined.Pos()).Line)+":"+
		strconv.Itoa(fset.Position(undefined.Pos()).Column), undefined.Name)
}

// unknown reports whether id is declared neither in its paragraph, nor by an earlier one, nor in
// the universe, nor as an imported package.
func (c *child) unknown(id *ast.Ident) bool {
	if id.Obj != nil || id.Name == "_" || c.defined[id.Name] || c.imports[id.Name] != "" {
		return false
	}
	return types.Universe.Lookup(id.Name) == nil
}

// noteDefined records the global names a compiled part of a paragraph declares.
func (c *child) noteDefined(n ast.Node) {
	add := func(ids ...*ast.Ident) {
		for _, id := range ids {
			c.defined[id.Name] = true
		}
	}
	genDecl := func(d *ast.GenDecl) {
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				add(s.Name)
			case *ast.ValueSpec:
				add(s.Names...)
			}
		}
	}
	switch n := n.(type) {
	case *ast.File:
		for _, d := range n.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					add(d.Name)
				}
			case *ast.GenDecl:
				genDecl(d)
			}
		}
	case *ast.BlockStmt:
		for _, s := range n.List {
			switch s := s.(type) {
			case *ast.AssignStmt:
				if s.Tok == token.DEFINE {
					for _, e := range s.Lhs {
						if id, ok := e.(*ast.Ident); ok {
							add(id)
						}
					}
				}
			case *ast.DeclStmt:
				if d, ok := s.Decl.(*ast.GenDecl); ok {
					genDecl(d)
				}
			}
		}
	}
}

// internalError is a panic of yaegi itself while compiling (range over an int, for one).
type internalError struct {
	v      any
	ranges bool // the code has a range statement
}

func (e internalError) Error() string {
	return fmt.Sprintf("the Go interpreter (yaegi) cannot handle this code: %v", e.v)
}

func (c *child) compile(n ast.Node) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			ranges := false
			ast.Inspect(n, func(n ast.Node) bool {
				_, ok := n.(*ast.RangeStmt)
				ranges = ranges || ok
				return !ranges
			})
			prog, err = nil, internalError{r, ranges}
		}
	}()
	return c.i.CompileAST(n)
}

// healthy evaluates a trivial expression. yaegi has states (a panic in an immediately called
// function literal evaluated by Eval, for one) after which every evaluation fails the same way;
// the only way out is a new process.
func (c *child) healthy() bool {
	f, err := parser.ParseFile(c.i.FileSet(), "probe", "package main; func main() {0}", 0)
	if err != nil {
		return false
	}
	prog, err := c.compile(f.Decls[0].(*ast.FuncDecl).Body)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, err := c.i.ExecuteWithContext(ctx, prog)
	return err == nil && v.IsValid() && v.Kind() == reflect.Int && v.Int() == 0
}

// waitStopped returns once the goroutine in which yaegi ran the cancelled evaluation has
// returned. ExecuteWithContext returns on cancel at once, but the evaluation only stops at the
// next interpreted step: native code it is in (a sleep, a blocking call) runs on. Starting the
// next run meanwhile would let the old one resume alongside, so the child waits, and the parent
// kills the process if the wait outlasts its grace period.
func (c *child) waitStopped() {
	for d := 100 * time.Microsecond; ; d = min(2*d, 20*time.Millisecond) {
		c.sleep.wake()
		if !evaluating() {
			return
		}
		time.Sleep(d)
	}
}

// evaluating reports whether a goroutine started by ExecuteWithContext is alive. yaegi offers
// no handle on it, but its creator shows in the goroutine dump.
func evaluating() bool {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return bytes.Contains(buf, []byte("created by github.com/traefik/yaegi/interp.(*Interpreter).ExecuteWithContext"))
}

func canceled() *notebooks.Error {
	return &notebooks.Error{Code: notebooks.ECanceled, Message: "the run was cancelled"}
}

// positionRE matches a position of the paragraphs' code in a message.
var positionRE = regexp.MustCompile(srcName + `:(\d+):(\d+)`)

// runError turns an error of the paragraph's code into an ERun error, with the position when it
// is in this run's paragraph.
func (c *child) runError(err error) *notebooks.Error {
	e := &notebooks.Error{Code: notebooks.ERun}
	var list scanner.ErrorList
	var p interp.Panic
	var ie internalError
	switch {
	case errors.As(err, &list) && len(list) > 0:
		e.Message = list[0].Msg
		if list[0].Pos.Filename == srcName {
			e.Line, e.Column = c.position(list[0].Pos.Line, list[0].Pos.Column)
		}
	case errors.As(err, &p):
		e.Message = "panic: " + panicText(p.Value)
	default:
		e.Message = err.Error()
		if loc := positionRE.FindStringSubmatchIndex(e.Message); loc != nil && loc[0] == 0 && strings.HasPrefix(e.Message[loc[1]:], ": ") {
			line, _ := strconv.Atoi(e.Message[loc[2]:loc[3]])
			col, _ := strconv.Atoi(e.Message[loc[4]:loc[5]])
			e.Line, e.Column = c.position(line, col)
			e.Message = e.Message[loc[1]+2:]
		}
		if e.Message == "constant definition loop" {
			// What yaegi says when it cannot type a global definition, an undefined name
			// on its right side for one.
			e.Message = "cannot determine the type of this definition (is a name in it undefined?)"
		}
		if name, ok := strings.CutPrefix(e.Message, "undefined: "); ok && (name == "min" || name == "max" || name == "clear") {
			e.Message += " (the Go interpreter, yaegi, lacks the min, max and clear builtins of Go 1.21; lakebook provides them for calls with arguments)"
		}
		if strings.Contains(e.Message, "undefined selector: slices.") || strings.Contains(e.Message, "undefined selector: maps.") {
			e.Message += " (the Go interpreter, yaegi, has only part of the slices and maps packages; lakebook adds slices.Sort, SortFunc, SortStableFunc, IsSorted, BinarySearch, Min and Max)"
		}
		if errors.As(err, &ie) && ie.ranges {
			e.Message += " (yaegi does not support ranging over a function, nor over an integer whose type lakebook cannot tell from the code: use a three-clause for loop)"
		}
	}
	var hints []string
	for _, h := range c.hints {
		if !errors.As(err, &p) && (!h.internal || errors.As(err, &ie)) {
			hints = append(hints, h.text)
		}
	}
	if len(hints) > 0 {
		e.Message += " (" + strings.Join(hints, "; ") + ")"
	}
	e.Message = builtinMessage(e.Message)
	e.Message = c.rewritePositions(e.Message)
	if e.Line > 0 && strings.HasSuffix(e.Message, "found '}'") && e.Column == len(c.lines[e.Line-1])+1 {
		// The brace is the kernel's own wrapping: the paragraph ended too early.
		e.Message = strings.TrimSuffix(e.Message, "found '}'") + "found the end of the paragraph"
	}
	return e
}

// position decodes an encoded position; it is zero if not in this run's paragraph. A position
// past the paragraph's end (the parser reached the wrapping the kernel adds) becomes the end of
// the paragraph's last line that holds code.
func (c *child) position(line, col int) (int, int) {
	run, l := decodeLine(line)
	if run != c.n%runSlots {
		return 0, 0
	}
	if l > len(c.lines) || l == len(c.lines) && col > len(c.lines[l-1])+1 {
		l = len(c.lines)
		for l > 1 && strings.TrimSpace(c.lines[l-1]) == "" {
			l--
		}
		col = len(c.lines[l-1]) + 1
	}
	return l, col
}

// rewritePositions makes positions inside a message readable ("previous declaration at ...").
func (c *child) rewritePositions(msg string) string {
	return positionRE.ReplaceAllStringFunc(msg, func(s string) string {
		m := positionRE.FindStringSubmatch(s)
		line, _ := strconv.Atoi(m[1])
		run, l := decodeLine(line)
		if run == c.n%runSlots {
			return "line " + strconv.Itoa(l) + ":" + m[2]
		}
		return "line " + strconv.Itoa(l) + ":" + m[2] + " of an earlier paragraph"
	})
}

func panicText(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case string:
		return v
	default:
		return fmt.Sprintf("%v", v)
	}
}

// showValue reports whether the value of a final expression statement is worth showing: not
// the (n, err) results of the print functions.
func showValue(x ast.Expr) bool {
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return true
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return true
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return true
	}
	switch pkg.Name {
	case "fmt":
		return !strings.HasPrefix(sel.Sel.Name, "Print") && !strings.HasPrefix(sel.Sel.Name, "Fprint")
	case "log":
		return false
	}
	return true
}

// formatValue formats a shown value: structs with field names, strings as they are.
func formatValue(v reflect.Value) (string, bool) {
	if !v.IsValid() || !v.CanInterface() {
		return "", false
	}
	// A call of a function without results gives a *interface{}; so does a declaration.
	if v.Kind() == reflect.Func || v.Type() == reflect.TypeFor[*any]() {
		return "", false
	}
	x := v.Interface()
	var s string
	switch {
	case v.Kind() == reflect.Struct, v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct:
		s = fmt.Sprintf("%+v", x)
	default:
		s = fmt.Sprintf("%v", x)
	}
	if len(s) > maxValueText {
		s = s[:completeUTF8([]byte(s[:maxValueText]))] + "… (truncated)"
	}
	return s, true
}
