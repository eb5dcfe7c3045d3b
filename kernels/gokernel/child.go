package gokernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"log"
	"os"
	"reflect"
	"regexp"
	"runtime/debug"
	"sync"
	"time"

	"github.com/lakebook/lakebook/kernels/gokernel/nb"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"golang.org/x/sys/unix"
)

// rawEvalEnv, when set to 1 in the child's environment, lets code starting with rawEvalPrefix
// go straight to yaegi's Eval, bypassing the paragraph splitting. Tests use it to reproduce
// yaegi defects that the splitting otherwise avoids.
const (
	rawEvalEnv    = "GOKERNEL_TEST_RAW_EVAL"
	rawEvalPrefix = "//gokernel:raw\n"
)

// RunChild is the whole child process: the lakebook binary calls it for `lakebook kernel` and
// exits with the status it returns. It expects the protocol pipes on fds 3 and 4, as Start
// sets them up, and serves until the parent closes its end.
func RunChild() int {
	cmds, err := moveFD(childCommandFD, "gokernel-commands")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gokernel: this command is started by the lakebook server, not by hand")
		return 2
	}
	evs, err := moveFD(childEventFD, "gokernel-events")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gokernel: this command is started by the lakebook server, not by hand")
		return 2
	}
	c, err := newChild(cmds, evs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gokernel: %v\n", err)
		return 1
	}
	return c.serve()
}

// moveFD moves fd out of the way, close-on-exec: user code that opens files or starts
// processes must not stumble on the protocol pipes.
func moveFD(fd int, name string) (*os.File, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 10)
	if err != nil {
		return nil, fmt.Errorf("dup fd %d: %w", fd, err)
	}
	_ = unix.Close(fd)
	return os.NewFile(uintptr(nfd), name), nil
}

// child is the state of the child process.
type child struct {
	cmds *os.File
	ev   *events
	out  *outbox
	diag *os.File // fd 2, read by the parent, which keeps its tail to explain a crash
	// userErr is the stderr of interpreted code, forwarded as output.
	userErr *os.File
	i       *interp.Interpreter
	nb      *nbHost
	sleep   *waker
	// lines holds the current paragraph, to keep error positions inside it.
	lines []string

	mu          sync.Mutex
	curID       uint64
	curCancel   context.CancelFunc
	maxCanceled uint64

	n       int               // runs so far; positions of run n's code are encoded with n
	imports map[string]string // package name to path, of every import so far
	defined map[string]bool   // global names declared by compiled paragraphs

	// Go as people write it (child_rewrite.go).
	builtinsLoaded bool
	types          map[string]string        // type name to its declaration's text, of evaluated paragraphs
	funcs          map[string]*ast.FuncType // function name to its signature, of evaluated paragraphs
	hints          []hint                   // said after a compile error of the current paragraph
}

func newChild(cmds, evs *os.File) (*child, error) {
	c := &child{cmds: cmds, ev: &events{f: evs}, sleep: newWaker(), imports: map[string]string{}, defined: map[string]bool{},
		types: map[string]string{}, funcs: map[string]*ast.FuncType{}}

	// fd 2 stays the parent's pipe: the runtime writes why the process dies there ("fatal
	// error: stack overflow" goes nowhere else), and the parent keeps its tail. Interpreted
	// code gets a stderr of its own that is forwarded like stdout.
	c.diag = os.Stderr
	c.out = newOutbox(c.ev)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	// Redirecting fd 1 itself (not only os.Stdout) catches every writer: fmt.Fprintln to
	// os.Stdout, which yaegi's Stdout option does not see, println, and processes the user
	// starts with os.Stdout.
	if err := unix.Dup2(int(w.Fd()), 1); err != nil {
		return nil, fmt.Errorf("redirect stdout: %w", err)
	}
	_ = w.Close()
	go c.out.pump("stdout", r)
	r, c.userErr, err = os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	go c.out.pump("stderr", r)
	c.out.files = []*os.File{os.Stdout, c.userErr}
	// Native packages log (net/http's server errors, for one) where users can see it.
	log.SetOutput(logFilter{c})

	c.i = interp.New(interp.Options{
		GoPath: build.Default.GOPATH,
		Stdout: os.Stdout,
		Stderr: stderrFilter{c},
		Env:    os.Environ(),
		Args:   []string{"lakebook-kernel"},
	})
	if err := c.i.Use(stdlib.Symbols); err != nil {
		return nil, fmt.Errorf("load stdlib: %w", err)
	}
	// The variable behind the os.Stderr of interpreted code: user code may assign it.
	stderr := c.userErr
	if err := c.i.Use(interp.Exports{
		// time.Sleep is native code yaegi cannot interrupt; this one wakes up on cancel.
		"time/time": {"Sleep": reflect.ValueOf(c.sleep.sleep)},
		"os/os":     {"Stderr": reflect.ValueOf(&stderr).Elem()},
	}); err != nil {
		return nil, fmt.Errorf("load stdlib: %w", err)
	}
	c.nb = newNBHost(c)
	nb.SetHost(c.nb)
	if err := c.i.Use(nb.Symbols); err != nil {
		return nil, fmt.Errorf("load nb: %w", err)
	}
	return c, nil
}

func (c *child) serve() int {
	runs := make(chan message, 16)
	go func() {
		for m := range runs {
			c.run(m)
		}
	}()
	c.ev.send(message{Type: msgReady})

	fr := newFrameReader(c.cmds, maxPayload)
	for {
		m, err := fr.next()
		if errors.Is(err, errBadLine) {
			fmt.Fprintf(c.diag, "gokernel: bad command: %v\n", err)
			continue
		}
		if err != nil {
			break
		}
		switch m.Type {
		case msgReply:
			c.nb.deliver(m)
		case msgRun:
			runs <- m
		case msgCancel:
			c.cancel(m.ID)
		case msgChdir:
			// Handled here, before any run is read, so the first run already sees the new dir.
			if err := os.Chdir(m.Text); err != nil {
				fmt.Fprintf(c.diag, "gokernel: chdir: %v\n", err)
			}
		case msgConfine:
			// Like chdir, before any run is read.
			if err := confine(m.Text, m.Paths); err != nil {
				fmt.Fprintf(c.diag, "gokernel: cannot confine the kernel: %v\n", err)
				return exitConfine
			}
		}
	}
	// The parent closed the pipe or died: nobody is left to serve.
	return 0
}

func (c *child) cancel(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxCanceled = max(c.maxCanceled, id)
	if c.curID == id && c.curCancel != nil {
		c.curCancel()
	}
}

func (c *child) run(m message) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.mu.Lock()
	c.curID, c.curCancel = m.ID, cancel
	c.nb.setForms(m.Forms)
	if m.ID <= c.maxCanceled {
		cancel()
	}
	c.mu.Unlock()

	e, broken := c.safeEval(ctx, m.Code)

	c.mu.Lock()
	c.curCancel = nil
	c.mu.Unlock()
	c.ev.send(message{Type: msgDone, ID: m.ID, Error: e, Broken: broken})
	if broken {
		fmt.Fprintln(c.diag, "gokernel: the interpreter is broken; exiting")
		os.Exit(exitBroken)
	}
}

// safeEval is eval that survives a panic of yaegi outside of the evaluation of user code,
// which would otherwise kill the process and the user's state with it.
func (c *child) safeEval(ctx context.Context, code string) (e *notebooks.Error, broken bool) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(c.diag, "gokernel: panic: %v\n%s", r, debug.Stack())
			e = &notebooks.Error{Code: notebooks.ERun, Message: fmt.Sprintf("the Go interpreter (yaegi) failed on this code: %v", r)}
			broken = !c.healthy()
		}
	}()
	return c.eval(ctx, code)
}

// panicLine matches what yaegi prints to its Stderr for each frame a panic unwinds.
var panicLine = regexp.MustCompile(`^\S+:\d+:\d+: panic: `)

// stderrFilter is the interpreter's Stderr. It keeps yaegi's panic location lines out of the
// user's output: they name the first statement of each frame, not where the panic happened.
type stderrFilter struct{ c *child }

func (f stderrFilter) Write(p []byte) (int, error) {
	if panicLine.Match(p) {
		return f.c.diag.Write(p)
	}
	return f.c.userErr.Write(p)
}

// logFilter is the output of the native log package. yaegi itself logs some internal failures
// there before panicking; those go to diag, the rest to the user.
type logFilter struct{ c *child }

func (f logFilter) Write(p []byte) (int, error) {
	if bytes.HasSuffix(p, []byte(" nil type\n")) || bytes.HasSuffix(p, []byte(" nil reflect type\n")) ||
		bytes.Contains(p, []byte("compositeGenerator not implemented")) {
		return f.c.diag.Write(p)
	}
	return f.c.userErr.Write(p)
}

// waker provides a time.Sleep that cancellation can interrupt.
type waker struct {
	mu sync.Mutex
	ch chan struct{}
}

func newWaker() *waker { return &waker{ch: make(chan struct{})} }

func (w *waker) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	w.mu.Lock()
	ch := w.ch
	w.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ch:
	}
}

// wake ends every sleep in progress. Sleepers return to interpreted code, which stops because
// the cancelled evaluation invalidated it.
func (w *waker) wake() {
	w.mu.Lock()
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}
