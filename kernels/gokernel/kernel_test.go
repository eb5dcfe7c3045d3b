package gokernel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/notebooks"
)

// The test binary is its own kernel child: Start runs os.Executable() with the argument
// "kernel", as it runs the lakebook binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "kernel" {
		os.Exit(gokernel.RunChild())
	}
	os.Exit(m.Run())
}

func startKernel(t testing.TB, opts gokernel.Options) *gokernel.Kernel {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k, err := gokernel.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return k
}

// result is what a run produced.
type result struct {
	stdout, stderr, value string
	outputs               []notebooks.Output
	err                   *notebooks.Error
}

func runCtx(t testing.TB, ctx context.Context, k *gokernel.Kernel, code string) result {
	t.Helper()
	var r result
	err := k.Run(ctx, code, func(o notebooks.Output) {
		if o.Type != notebooks.OutputText {
			t.Errorf("output type %q, want text", o.Type)
		}
		r.outputs = append(r.outputs, o)
		switch o.Stream {
		case "stdout":
			r.stdout += o.Text
		case "stderr":
			r.stderr += o.Text
		case "":
			r.value += o.Text
		default:
			t.Errorf("output stream %q", o.Stream)
		}
	})
	if err != nil && !errors.As(err, &r.err) {
		t.Fatalf("run %q: error %v is not a *notebooks.Error", code, err)
	}
	return r
}

func run(t testing.TB, k *gokernel.Kernel, code string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runCtx(t, ctx, k, code)
}

// mustRun runs code and fails the test on an error.
func mustRun(t testing.TB, k *gokernel.Kernel, code string) result {
	t.Helper()
	r := run(t, k, code)
	if r.err != nil {
		t.Fatalf("run %q: %v (stdout %q, stderr %q)", code, r.err, r.stdout, r.stderr)
	}
	return r
}

// wantErr checks the code of a run's error and that its message contains each of parts.
func wantErr(t testing.TB, r result, code string, parts ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("no error, want %s (stdout %q, value %q)", code, r.stdout, r.value)
	}
	if r.err.Code != code {
		t.Fatalf("error %v, want code %s", r.err, code)
	}
	for _, p := range parts {
		if !strings.Contains(r.err.Message, p) {
			t.Errorf("error message %q does not contain %q", r.err.Message, p)
		}
	}
}

// TestParagraphs runs each case's steps in a fresh kernel; each step checks the last one's
// outputs, so a case shows what persists from one paragraph to the next.
// step is a paragraph to run and what it must give.
type step struct {
	code                  string
	stdout, stderr, value string
	errCode               string
	errLine, errColumn    int
	errText               string
}

// runSteps runs steps in a fresh kernel, in order, checking each one's outputs and error.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	k := startKernel(t, gokernel.Options{})
	for _, s := range steps {
		r := run(t, k, s.code)
		if s.errCode == "" && r.err != nil {
			t.Fatalf("run %q: %v", s.code, r.err)
		}
		if s.errCode != "" {
			wantErr(t, r, s.errCode, s.errText)
			if s.errLine != 0 && r.err.Line != s.errLine {
				t.Errorf("run %q: error %v at line %d, want line %d", s.code, r.err, r.err.Line, s.errLine)
			}
			if s.errColumn != 0 && r.err.Column != s.errColumn {
				t.Errorf("run %q: error %v at column %d, want %d", s.code, r.err, r.err.Column, s.errColumn)
			}
		}
		if r.stdout != s.stdout || r.stderr != s.stderr || r.value != s.value {
			t.Errorf("run %q: stdout %q stderr %q value %q; want %q %q %q",
				s.code, r.stdout, r.stderr, r.value, s.stdout, s.stderr, s.value)
		}
	}
}

func TestParagraphs(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"value of a final expression", []step{{code: "1+1", value: "2"}}},
		{"string values unquoted", []step{{code: `"hé" + "llo"`, value: "héllo"}}},
		{"struct values with field names", []step{
			{code: "type P struct{ X, Y int }\nP{1, 2}", value: "{X:1 Y:2}"},
			{code: "&P{3, 4}", value: "&{X:3 Y:4}"},
		}},
		{"no value for statements and calls without results", []step{
			{code: "x := 1"},
			{code: "func f() {}\nf()"},
			{code: "var e error\n_ = e"},
		}},
		{"variables persist", []step{
			{code: "x := 40"},
			{code: "x += 2"},
			{code: "x", value: "42"},
		}},
		{"functions and types persist", []step{
			{code: "type T struct{ N int }\nfunc (t T) Double() int { return 2 * t.N }\nfunc mk(n int) T { return T{n} }"},
			{code: "mk(21).Double()", value: "42"},
		}},
		{"imports persist and may be repeated", []step{
			{code: `import "strings"`},
			{code: `strings.ToUpper("a")`, value: "A"},
			{code: `import "strings"` + "\n" + `strings.ToLower("B")`, value: "b"},
		}},
		{"import mixed with statements", []step{
			{code: "import \"strings\"\nstrings.ToUpper(\"x\")", value: "X"},
			{code: "import (\n\t\"strconv\"\n\t\"strings\"\n)\ns := strings.Repeat(\"ab\", 2)\nn, _ := strconv.Atoi(\"7\")\nfmt.Sprint(s, n)", value: "abab7"},
		}},
		{"declared function called in the same paragraph", []step{
			{code: "func f() int {return 2}\nf()", value: "2"},
			{code: "v := twice(4)\nfunc twice(n int) int { return 2 * n }\nv", value: "8"},
		}},
		{"var and const are declarations", []step{
			{code: "const limit = 3\nvar names = []string{\"a\"}\nfunc under(n int) bool { return n < limit }\nunder(2)", value: "true"},
			{code: "names = append(names, \"b\")\nlen(names)", value: "2"},
		}},
		{"statements separated by semicolons", []step{{code: "a := 1; b := 2; a + b", value: "3"}}},
		{"standard packages imported on use", []step{
			{code: "fmt.Println(strings.Repeat(\"-\", 3))", stdout: "---\n"},
			{code: "func base(p string) string { return path.Base(p) }\nbase(\"/a/b\")", value: "b"},
		}},
		{"print functions show no value", []step{
			{code: `fmt.Println("a")`, stdout: "a\n"},
			{code: `fmt.Printf("%d\n", 1)`, stdout: "1\n"},
			{code: `fmt.Sprintf("%03d", 7)`, value: "007"},
		}},
		{"output streams", []step{
			{code: `fmt.Println("out")` + "\n" + `fmt.Fprintln(os.Stdout, "direct")` + "\n" + `fmt.Fprintln(os.Stderr, "err")` + "\n" + `println("builtin")`,
				stdout: "out\ndirect\nbuiltin\n", stderr: "err\n"},
			{code: "os.Stdout.Write([]byte(\"no newline\"))\n0", stdout: "no newline", value: "0"},
		}},
		{"compile error points at its line", []step{
			{code: "a := 1\nb := 2\nc := a + undefinedName\n_ = b", errCode: notebooks.ERun, errLine: 3, errColumn: 10, errText: "undefined: undefinedName"},
			{code: "x := 1\nx = \"s\"", errCode: notebooks.ERun, errLine: 2, errText: "cannot"},
			{code: "import \"strings\"\n\nfunc f() int {\n\treturn strings.Nope()\n}", errCode: notebooks.ERun, errLine: 4},
		}},
		{"syntax error points at its line and column", []step{
			{code: "x := 1\nif x > {\n}", errCode: notebooks.ERun, errLine: 2, errColumn: 8},
			{code: "func f( {", errCode: notebooks.ERun, errLine: 1},
		}},
		{"main cannot be declared", []step{
			{code: "func main() {}", errCode: notebooks.ERun, errLine: 1, errText: "main"},
			{code: "1", value: "1"},
		}},
		{"panic is a run error", []step{
			{code: "x := 7\n\npanic(\"boom\")", errCode: notebooks.ERun, errText: "panic: boom"},
			{code: "var s []int\n_ = s[3]", errCode: notebooks.ERun, errText: "index out of range"},
			{code: "x", value: "7"},
		}},
		{"os.Exit is a run error", []step{
			{code: "os.Exit(3)", errCode: notebooks.ERun, errText: "os.Exit(3)"},
			{code: "2", value: "2"},
		}},
		{"panic in an immediately called function literal", []step{
			{code: "y := 5"},
			{code: `func() { panic("anon") }()`, errCode: notebooks.ERun, errText: "panic: anon"},
			{code: "y", value: "5"},
			{code: "1+1", value: "2"},
		}},
		{"empty paragraph", []step{{code: ""}, {code: "// only a comment\n"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runSteps(t, c.steps)
		})
	}
}

func TestOutputOrder(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	r := mustRun(t, k, `for i := 0; i < 20000; i++ { fmt.Println(i) }
fmt.Fprint(os.Stdout, "end")
"value"`)
	var want strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintln(&want, i)
	}
	want.WriteString("end")
	if r.stdout != want.String() {
		t.Fatalf("stdout has %d bytes, want %d; it ends %q", len(r.stdout), want.Len(), r.stdout[max(0, len(r.stdout)-40):])
	}
	if len(r.outputs) > 200 {
		t.Errorf("%d outputs for %d bytes: small writes were not coalesced", len(r.outputs), len(r.stdout))
	}
	if last := r.outputs[len(r.outputs)-1]; last.Stream != "" || last.Text != "value" {
		t.Errorf("last output %+v, want the value", last)
	}
}

func TestOutputStreams(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	start := time.Now()
	var arrived []time.Duration
	err := k.Run(context.Background(), `for i := 0; i < 3; i++ { fmt.Println(i); time.Sleep(300 * time.Millisecond) }`,
		func(o notebooks.Output) { arrived = append(arrived, time.Since(start)) })
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if len(arrived) != 3 {
		t.Fatalf("%d outputs, want one per line printed", len(arrived))
	}
	if arrived[0] > took-500*time.Millisecond {
		t.Errorf("first output arrived after %v of a %v run: not streamed", arrived[0], took)
	}
}

func TestCancel(t *testing.T) {
	for _, code := range []string{
		"for {}",
		"time.Sleep(time.Hour)",
		"time.Sleep(time.Hour); time.Sleep(time.Hour)",
		"select {}",
		"<-time.After(time.Hour)",
		"for { time.Sleep(time.Millisecond) }",
		"func spin(n int) int { return spin(n+1) + 1 }\nspin(0)",
	} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			k := startKernel(t, gokernel.Options{GracePeriod: 5 * time.Second})
			mustRun(t, k, "kept := 42")
			pid := k.Pid()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			r := runCtx(t, ctx, k, code)
			took := time.Since(start)
			wantErr(t, r, notebooks.ECanceled)
			if took > 2*time.Second {
				t.Errorf("cancel took %v", took)
			}
			if strings.Contains(r.err.Message, "lost") || k.Pid() != pid {
				t.Errorf("the kernel was restarted: %v", r.err)
			}
			if r := mustRun(t, k, "kept"); r.value != "42" {
				t.Errorf("after cancel, kept = %q, want 42", r.value)
			}
		})
	}
}

func TestCancelStuckInNativeCode(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{GracePeriod: 300 * time.Millisecond})
	mustRun(t, k, "lost := 1")
	pid := k.Pid()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := runCtx(t, ctx, k, "var wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()")
	wantErr(t, r, notebooks.ECanceled, "restarted", "lost")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("cancel took %v", took)
	}
	waitGone(t, pid)
	wantErr(t, run(t, k, "lost"), notebooks.ERun, "undefined")
	if r := mustRun(t, k, "1+1"); r.value != "2" {
		t.Errorf("after restart, 1+1 = %q", r.value)
	}
	if k.Pid() == pid {
		t.Error("same pid after restart")
	}
}

func TestCancelWhileQueued(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	go func() {
		_ = k.Run(context.Background(), "time.Sleep(500 * time.Millisecond)", func(notebooks.Output) {})
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	wantErr(t, runCtx(t, ctx, k, "1"), notebooks.ECanceled)
}

func TestKernelDies(t *testing.T) {
	for _, tc := range []struct{ name, code, want string }{
		{"panic in a goroutine", `go func() { panic("boom") }(); time.Sleep(time.Second)`, "panic: boom"},
		{"fatal error", "m := map[int]int{}\nfor i := 0; i < 4; i++ { go func() { for { m[1]++ } }() }\ntime.Sleep(5 * time.Second)", "fatal error: concurrent map"},
		{"killed", `os.StartProcess("/bin/kill", []string{"kill", "-9", strconv.Itoa(os.Getpid())}, &os.ProcAttr{})
time.Sleep(5 * time.Second)`, "killed"},
		{"stack overflow", "func down(n int) int { return down(n+1) + 1 }\ndown(0)", "stack overflow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := startKernel(t, gokernel.Options{})
			mustRun(t, k, "lost := 1")
			pid := k.Pid()
			r := run(t, k, tc.code)
			wantErr(t, r, notebooks.EKernelDied, tc.want, "restarted", "were lost (lost)")
			waitGone(t, pid)
			wantErr(t, run(t, k, "lost"), notebooks.ERun, "undefined")
			if r := mustRun(t, k, "1+1"); r.value != "2" {
				t.Errorf("after restart, 1+1 = %q", r.value)
			}
		})
	}
}

func TestKernelDiesBetweenRuns(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	mustRun(t, k, `go func() { time.Sleep(100 * time.Millisecond); panic("later") }()`)
	waitGone(t, k.Pid())
	time.Sleep(100 * time.Millisecond) // for the kernel to notice
	r := mustRun(t, k, "1+1")
	if r.value != "2" || !strings.Contains(r.stderr, "panic: later") || !strings.Contains(r.stderr, "lost") {
		t.Errorf("after a death between runs: value %q, stderr %q", r.value, r.stderr)
	}
}

func TestBrokenInterpreter(t *testing.T) {
	t.Parallel()
	// Through yaegi's own Eval, which the kernel otherwise avoids, this panic leaves the
	// interpreter failing every later evaluation.
	k := startKernel(t, gokernel.Options{Env: append(os.Environ(), "GOKERNEL_TEST_RAW_EVAL=1")})
	mustRun(t, k, "lost := 1")
	r := run(t, k, "//gokernel:raw\nfunc() { panic(\"anon\") }()")
	wantErr(t, r, notebooks.EKernelDied, "anon", "unusable", "restarted", "variables, functions and types were lost (lost)")
	wantErr(t, run(t, k, "lost"), notebooks.ERun, "undefined")
	if r := mustRun(t, k, "1+1"); r.value != "2" {
		t.Errorf("after restart, 1+1 = %q", r.value)
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("LAKEBOOK_TOKEN", "secret-token")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-key")
	t.Setenv("GOKERNEL_VISIBLE", "yes")
	k := startKernel(t, gokernel.Options{})
	// A process the user starts inherits the real environment of the child.
	r := mustRun(t, k, `fmt.Printf("%q %q %q\n", os.Getenv("LAKEBOOK_TOKEN"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("GOKERNEL_VISIBLE"))
p, _ := os.StartProcess("/bin/sh", []string{"sh", "-c", "env | grep -c secret"}, &os.ProcAttr{Files: []*os.File{nil, os.Stdout, os.Stderr}})
p.Wait()`)
	if r.stdout != `"" "" "yes"`+"\n0\n" {
		t.Errorf("stdout %q value %q: the child sees the server's secrets", r.stdout, r.value)
	}
}

func TestDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() + "/not/yet"
	k := startKernel(t, gokernel.Options{Dir: dir})
	r := mustRun(t, k, "wd, _ := os.Getwd()\nwd")
	if r.value != dir {
		t.Errorf("working dir %q, want %q", r.value, dir)
	}
}

func TestLateGoroutineOutput(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	mustRun(t, k, `go func() { time.Sleep(200 * time.Millisecond); fmt.Println("late") }()`)
	r := mustRun(t, k, "time.Sleep(time.Second)")
	if r.stdout != "late\n" {
		t.Errorf("stdout %q: output of an earlier goroutine not given to the run in progress", r.stdout)
	}
}

func TestGarbageOnProtocol(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	// User code can find the protocol pipe; what it writes there must not hurt the server.
	r := run(t, k, `for fd := 3; fd < 64; fd++ {
	f := os.NewFile(uintptr(fd), "x")
	f.Write([]byte("garbage\n{\"type\":\"done\",\"id\":999}\n{\"type\":\"output\",\"stream\":\"weird\",\"text\":\"x\"}\n[1,2]\n"))
}
1`)
	if r.err != nil && r.err.Code != notebooks.EKernelDied {
		t.Fatalf("run: %v", r.err)
	}
	if r := mustRun(t, k, "1+1"); r.value != "2" {
		t.Errorf("1+1 = %q", r.value)
	}
}

func TestConcurrentRunsQueue(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	mustRun(t, k, "n := 0")
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for range 5 {
		wg.Go(func() {
			r := mustRun(t, k, "m := n\ntime.Sleep(10 * time.Millisecond)\nn = m + 1\nn")
			mu.Lock()
			seen[r.value] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := 1; i <= 5; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Errorf("runs overlapped: values %v", seen)
		}
	}
}

// TestClose is not parallel, so that the goroutine count is this test's.
func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	k := startKernel(t, gokernel.Options{})
	r := mustRun(t, k, `p, _ := os.StartProcess("/bin/sleep", []string{"sleep", "60"}, &os.ProcAttr{})
p.Pid`)
	grandchild, err := strconv.Atoi(r.value)
	if err != nil {
		t.Fatalf("grandchild pid %q", r.value)
	}
	pid := k.Pid()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	waitGone(t, grandchild)
	wantErr(t, run(t, k, "1"), notebooks.EUnavailable)
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before Start", n, before)
	}
}

func TestStartFails(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := gokernel.Start(ctx, gokernel.Options{Path: "/bin/sh", Args: []string{"-c", "echo nope >&2; exit 7"}})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("start of a child that exits: %v", err)
	}
	_, err = gokernel.Start(ctx, gokernel.Options{Path: "/nonexistent/lakebook"})
	if err == nil {
		t.Error("start of a missing executable succeeded")
	}
}

// waitGone waits until process pid has exited (a zombie counts as exited: its reaper may be
// a container's init that does not reap).
func waitGone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("process %d is still running", pid)
}

func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		k, err := gokernel.Start(context.Background(), gokernel.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		_ = k.Close()
	}
}

func BenchmarkRunOnePlusOne(b *testing.B) {
	k := startKernel(b, gokernel.Options{})
	emit := func(notebooks.Output) {}
	for b.Loop() {
		if err := k.Run(context.Background(), "1+1", emit); err != nil {
			b.Fatal(err)
		}
	}
}

func TestErrorAtEndOfParagraph(t *testing.T) {
	k := startKernel(t, gokernel.Options{})
	err := k.Run(context.Background(), "x := 1\ny := x +\n", func(notebooks.Output) {})
	var e *notebooks.Error
	if !errors.As(err, &e) || e.Code != notebooks.ERun || e.Line != 2 || !strings.Contains(e.Message, "end of the paragraph") {
		t.Fatalf("err = %#v, want a run error on line 2 at the end of the paragraph", err)
	}
}

// TestMemoryLimit: a paragraph that allocates far more than the limit kills only its own kernel,
// says so, and the next run works on a new one.
func TestMemoryLimit(t *testing.T) {
	// The Go runtime alone reserves about 1.5 GiB of address space; 3 GiB leaves room to start.
	k := startKernel(t, gokernel.Options{MemoryLimit: 3 << 30})
	r := run(t, k, "b := make([]byte, 30<<30)\nb[len(b)-1] = 1\nlen(b)")
	if r.err == nil || r.err.Code != notebooks.EKernelDied || !strings.Contains(r.err.Message, "out of memory") {
		t.Fatalf("err = %+v, want kernel_died with out of memory", r.err)
	}
	if r := run(t, k, "1+1"); strings.TrimSpace(r.value) != "2" {
		t.Errorf("after the restart: %+v", r)
	}
}
