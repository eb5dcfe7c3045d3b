package gokernel_test

import (
	"testing"

	"github.com/lakebook/lakebook/notebooks"
)

// TestGoAsPeopleWriteIt covers what yaegi v0.16.1 lacks of today's Go (DESIGN.md): each case
// runs its steps in a fresh kernel and checks what the user gets, a value or a precise error,
// and that the kernel still works after it.
func TestGoAsPeopleWriteIt(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"min and max", []step{
			{code: "min(3, 1, 2)", value: "1"},
			{code: "max(3, 1, 2)", value: "3"},
			{code: "x, y := 2.5, 1.5\nmin(x, y) + 1", value: "2.5"},
			{code: "max(1, x)", value: "2.5"},
			{code: `min("b", "a", "c")`, value: "a"},
			{code: "min(2.5, 1)", value: "1"},
			{code: "max(-3, -7)", value: "-3"},
			{code: "m := min(len(\"abc\"), 2)", errText: "declare the variable with its type first"},
			{code: "var n int\nn = min(len(\"abc\"), 2)\nn * 10", value: "20"},
			{code: "type Score int\nvar s Score = 4\nmax(s, 9)", value: "9"},
			{code: "func f(a, b int) int { return max(a, b) * 2 }\nf(2, 5)", value: "10"},
			{code: "min(7)", value: "7"},
			{code: "min(1, 2) + nope", errText: "undefined: nope"},
		}},
		{"own min wins over the builtin", []step{
			{code: "func min(a, b string) string { return \"mine\" }\nmin(\"x\", \"y\")", value: "mine"},
			{code: "min(\"p\", \"q\")", value: "mine"},
		}},
		{"local max wins over the builtin", []step{
			{code: "max := 3\nmax + 1", value: "4"},
		}},
		{"min of a compiled package's named type says why", []step{
			{code: "min(time.Second, time.Millisecond)", errText: "convert the arguments"},
			{code: "min(int64(time.Second), int64(time.Millisecond))", value: "1000000"},
		}},
		{"clear", []step{
			{code: "m := map[string]int{\"a\": 1, \"b\": 2}\nclear(m)\nlen(m)", value: "0"},
			{code: "s := []int{1, 2, 3}\nclear(s)\ns", value: "[0 0 0]"},
			{code: "clear(3)", errText: "must be a map or a slice"},
		}},
		{"range over an int", []step{
			{code: "sum := 0\nfor i := range 5 { sum += i }\nsum", value: "10"},
			{code: "n := 3\nout := \"\"\nfor i := range n { out += fmt.Sprint(i) }\nout", value: "012"},
			{code: "count := 0\nfor range n * 2 { count++ }\ncount", value: "6"},
			{code: "func tri(k int) int { t := 0; for i := range k + 1 { t += i }; return t }\ntri(4)", value: "10"},
			{code: "var big int64 = 2\nfor i := range big { fmt.Printf(\"%T \", i) }\n0", stdout: "int64 int64 ", value: "0"},
			{code: "pairs := 0\nouter:\nfor i := range 4 {\n\tfor j := range i {\n\t\tif j == 2 { continue outer }\n\t\tpairs++\n\t}\n}\npairs", value: "5"},
			{code: "j := 0\nfor j = range 4 {}\nj", value: "3"},
			{code: "func three() int { return 3 }\nc := 0\nfor range three() { c++ }\nc", value: "3"},
			{code: "c = 0\nfor range three() + 1 { c++ }\nc", value: "4"},
			{code: "c = 0\nfor range rand.Intn(1) + 2 { c++ }\nc", value: "2"},
			{code: "for i, v := range []string{\"a\"} { fmt.Print(i, v) }\n1", stdout: "0a", value: "1"},
		}},
		{"range over a function is a precise error", []step{
			{code: "seq := func(yield func(int) bool) { yield(1) }\nfor v := range seq { println(v) }", errText: "ranging over a function"},
			{code: "1+1", value: "2"},
		}},
		{"slices sorting", []step{
			{code: "import \"slices\"\ns := []int{3, 1, 2}\nslices.Sort(s)\ns", value: "[1 2 3]"},
			{code: "names := []string{\"bob\", \"al\", \"carla\"}\nslices.SortFunc(names, func(a, b string) int { return len(a) - len(b) })\nnames", value: "[al bob carla]"},
			{code: "slices.IsSorted(s)", value: "true"},
			{code: "i, found := slices.BinarySearch(s, 2)\nfmt.Sprint(i, found)", value: "1 true"},
			{code: "slices.Max(s) + slices.Min(s)", value: "4"},
			{code: "slices.Contains(s, 2)", value: "true"},
			{code: "ds := []time.Duration{time.Second, time.Millisecond}\nslices.Sort(ds)\nds", value: "[1ms 1s]"},
			{code: "slices.Sort([]struct{}{{}, {}})", errText: "not ordered"},
		}},
		{"slices imported on use", []step{
			{code: "s := []float64{2, 1}\nslices.Sort(s)\ns", value: "[1 2]"},
		}},
		{"iterators are a precise error", []step{
			{code: "m := map[string]int{\"a\": 1}\nkeys := slices.Sorted(maps.Keys(m))", errText: "iterator"},
			{code: "1+1", value: "2"},
		}},
		{"log.Fatal is a run error, not an exit", []step{
			{code: "x := 1\nlog.SetFlags(0)\nlog.Fatal(\"bye\")", stderr: "bye\n", errText: "bye"},
			{code: "x + 1", value: "2"},
		}},
		{"import and statements on one line", []step{
			{code: `import "strings"; strings.ToUpper("x")`, value: "X"},
		}},
		{"type redeclaration", []step{
			{code: "type P struct{ X int }\nP{1}", value: "{X:1}"},
			{code: "type P struct{ X int }\nP{2}", value: "{X:2}"},
			{code: "type P struct{ X, Y int }", errText: "type P is already declared"},
			{code: "P{3}", value: "{X:3}"},
		}},
		{"generics", []step{
			{code: "func Sum[T int | float64](xs []T) T { var s T; for _, x := range xs { s += x }; return s }\nSum([]float64{1.5, 2})", value: "3.5"},
			{code: "type Stack[T any] struct{ items []T }\nfunc (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }\nst := &Stack[string]{}\nst.Push(\"a\")\nlen(st.items)", value: "1"},
			{code: "func Map[T, U any](s []T, f func(T) U) []U { var r []U; for _, v := range s { r = append(r, f(v)) }; return r }\nMap([]int{1, 2}, func(i int) string { return fmt.Sprint(i) })", errText: "give them explicitly"},
			{code: "Map[int, string]([]int{1, 2}, func(i int) string { return fmt.Sprint(i) })", value: "[1 2]"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for i := range c.steps {
				if c.steps[i].errText != "" {
					c.steps[i].errCode = notebooks.ERun
				}
			}
			runSteps(t, c.steps)
		})
	}
}
