package gokernel

import (
	"fmt"
	"go/ast"
	"go/parser"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// What yaegi v0.16.1 lacks of Go 1.21-1.26 and paragraphs use all the time: the min, max and
// clear builtins and the sorting half of package slices. rewriteParagraph turns their calls into
// calls of the helpers below. Helpers that return a value of the caller's element type are
// interpreted generic functions (the result keeps its type); the rest are native and work on
// any slice through reflection, which also covers element types of compiled packages
// (time.Duration) that yaegi's generics cannot instantiate.
const (
	// builtinsPkg is the import path of the native helpers; builtinsName is the name they are
	// imported under in the paragraphs' file, chosen so that no paragraph declares it.
	builtinsPkg  = "lakebook/builtins"
	builtinsName = "lakebook_builtins"
	// builtinsFile is the file name of the interpreted helpers: yaegi scopes imports by file, so
	// the imports they need stay invisible to paragraphs.
	builtinsFile = "lakebook-builtins"
)

// builtinsSource declares the interpreted helpers (global names starting with "lakebook", which
// paragraphs are not expected to use).
const builtinsSource = `package main

import lakebookCmp "cmp"

func lakebookMin[T lakebookCmp.Ordered](x, y T, more ...T) T {
	if y < x || y != y {
		x = y
	}
	for _, y := range more {
		if y < x || y != y {
			x = y
		}
	}
	return x
}

func lakebookMax[T lakebookCmp.Ordered](x, y T, more ...T) T {
	if y > x || y != y {
		x = y
	}
	for _, y := range more {
		if y > x || y != y {
			x = y
		}
	}
	return x
}

func lakebookSame[T lakebookCmp.Ordered](x T) T { return x }

func lakebookSlicesMin[T lakebookCmp.Ordered](s []T) T {
	if len(s) == 0 {
		panic("slices.Min: empty list")
	}
	m := s[0]
	for _, v := range s[1:] {
		if v < m || v != v {
			m = v
		}
	}
	return m
}

func lakebookSlicesMax[T lakebookCmp.Ordered](s []T) T {
	if len(s) == 0 {
		panic("slices.Max: empty list")
	}
	m := s[0]
	for _, v := range s[1:] {
		if v > m || v != v {
			m = v
		}
	}
	return m
}
`

// builtinNames maps what a paragraph calls to the helper the call is rewritten to, and back
// (for messages). Keys are a builtin's name or "slices.Name".
var builtinNames = map[string]string{
	"min":                   "lakebookMin",
	"max":                   "lakebookMax",
	"clear":                 builtinsName + ".Clear",
	"slices.Sort":           builtinsName + ".SlicesSort",
	"slices.SortFunc":       builtinsName + ".SlicesSortFunc",
	"slices.SortStableFunc": builtinsName + ".SlicesSortStableFunc",
	"slices.IsSorted":       builtinsName + ".SlicesIsSorted",
	"slices.BinarySearch":   builtinsName + ".SlicesBinarySearch",
	"slices.Min":            "lakebookSlicesMin",
	"slices.Max":            "lakebookSlicesMax",
}

// iteratorFuncs are the functions of slices and maps that take or return iterators (Go 1.23's
// iter.Seq): yaegi can neither range over a function nor instantiate them.
var iteratorFuncs = map[string]string{
	"slices.All": "", "slices.Values": "", "slices.Backward": "", "slices.Collect": "", "slices.AppendSeq": "",
	"slices.Sorted": "", "slices.SortedFunc": "", "slices.SortedStableFunc": "", "slices.Chunk": "",
	"maps.All": "", "maps.Keys": "", "maps.Values": "", "maps.Insert": "", "maps.Collect": "",
}

// builtinsExports are the native helpers, under builtinsPkg.
var builtinsExports = interp.Exports{
	builtinsPkg + "/builtins": {
		"Clear":                reflect.ValueOf(clearValue),
		"SlicesSort":           reflect.ValueOf(sortSlice),
		"SlicesSortFunc":       reflect.ValueOf(func(s, cmp any) { sortSliceFunc("slices.SortFunc", s, cmp, false) }),
		"SlicesSortStableFunc": reflect.ValueOf(func(s, cmp any) { sortSliceFunc("slices.SortStableFunc", s, cmp, true) }),
		"SlicesIsSorted":       reflect.ValueOf(isSorted),
		"SlicesBinarySearch":   reflect.ValueOf(binarySearch),
	},
}

// loadBuiltins makes the helpers available to paragraphs, once: the interpreted ones cost a
// compile, which a kernel that never needs them should not pay at start.
func (c *child) loadBuiltins() error {
	if c.builtinsLoaded {
		return nil
	}
	if err := c.i.Use(builtinsExports); err != nil {
		return fmt.Errorf("load builtins: %w", err)
	}
	for _, src := range []struct{ file, text string }{
		{builtinsFile, builtinsSource},
		{srcName, "package main; import " + builtinsName + " " + `"` + builtinsPkg + `"`},
	} {
		f, err := parser.ParseFile(c.i.FileSet(), src.file, src.text, 0)
		if err != nil {
			return fmt.Errorf("load builtins: %w", err)
		}
		prog, err := c.compile(ast.Node(f))
		if err != nil {
			return fmt.Errorf("load builtins: %w", err)
		}
		if _, err := c.i.Execute(prog); err != nil {
			return fmt.Errorf("load builtins: %w", err)
		}
	}
	c.builtinsLoaded = true
	return nil
}

// builtinMessage puts the names a paragraph wrote back into a message about rewritten code.
func builtinMessage(msg string) string {
	if !strings.Contains(msg, "lakebook") {
		return msg
	}
	for name, helper := range builtinNames {
		msg = strings.ReplaceAll(msg, helper+"(", name+"(")
		msg = strings.ReplaceAll(msg, helper, name)
	}
	return msg
}

func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	case reflect.Invalid:
		// clear(nil map) is a no-op.
	default:
		panic(fmt.Sprintf("clear: argument must be a map or a slice, not %T", x))
	}
}

// sliceArg checks that x is a slice, for the function named fn.
func sliceArg(fn string, x any) reflect.Value {
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Slice {
		panic(fmt.Sprintf("%s: argument must be a slice, not %T", fn, x))
	}
	return v
}

// lessFunc returns cmp.Less for elements of type t, which must be ordered: NaNs first.
func lessFunc(fn string, t reflect.Type) func(a, b reflect.Value) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(a, b reflect.Value) bool { return a.Int() < b.Int() }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(a, b reflect.Value) bool { return a.Uint() < b.Uint() }
	case reflect.Float32, reflect.Float64:
		return func(a, b reflect.Value) bool {
			x, y := a.Float(), b.Float()
			return x < y || math.IsNaN(x) && !math.IsNaN(y)
		}
	case reflect.String:
		return func(a, b reflect.Value) bool { return a.String() < b.String() }
	}
	panic(fmt.Sprintf("%s: elements of type %s are not ordered (use slices.SortFunc)", fn, t))
}

func sortSlice(s any) {
	v := sliceArg("slices.Sort", s)
	less := lessFunc("slices.Sort", v.Type().Elem())
	sort.Slice(s, func(i, j int) bool { return less(v.Index(i), v.Index(j)) })
}

func sortSliceFunc(fn string, s, cmp any, stable bool) {
	v := sliceArg(fn, s)
	f := reflect.ValueOf(cmp)
	if f.Kind() != reflect.Func || f.Type().NumIn() != 2 || f.Type().NumOut() != 1 || !f.Type().Out(0).ConvertibleTo(reflect.TypeFor[int]()) {
		panic(fmt.Sprintf("%s: the comparison must be a func(a, b E) int, not %T", fn, cmp))
	}
	less := func(i, j int) bool { return f.Call([]reflect.Value{v.Index(i), v.Index(j)})[0].Int() < 0 }
	if stable {
		sort.SliceStable(s, less)
	} else {
		sort.Slice(s, less)
	}
}

func isSorted(s any) bool {
	v := sliceArg("slices.IsSorted", s)
	less := lessFunc("slices.IsSorted", v.Type().Elem())
	for i := 1; i < v.Len(); i++ {
		if less(v.Index(i), v.Index(i-1)) {
			return false
		}
	}
	return true
}

func binarySearch(s, target any) (int, bool) {
	v := sliceArg("slices.BinarySearch", s)
	t := reflect.ValueOf(target)
	if !t.IsValid() || !t.Type().ConvertibleTo(v.Type().Elem()) {
		panic(fmt.Sprintf("slices.BinarySearch: cannot search a %s for a %T", v.Type(), target))
	}
	t = t.Convert(v.Type().Elem())
	less := lessFunc("slices.BinarySearch", v.Type().Elem())
	i := sort.Search(v.Len(), func(i int) bool { return !less(v.Index(i), t) })
	return i, i < v.Len() && !less(t, v.Index(i))
}
