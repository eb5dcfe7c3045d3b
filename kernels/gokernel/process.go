package gokernel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one child process and the goroutines that read it.
type process struct {
	pid int
	cmd *exec.Cmd
	// maxPayload bounds the payloads read from the child (Options.MaxTableBytes).
	maxPayload int64
	toKid      *os.File // commands, parent to child
	fromKd     *os.File // events, child to parent
	errs       *stderrTail

	sendMu sync.Mutex

	mu     sync.Mutex
	run    *activeRun // the run that gets events; nil between runs
	reaped bool       // the pid may have been reused: never signal it again

	ready  chan struct{} // closed when the child said it is ready
	exited chan struct{} // closed once the child is reaped and every event was dispatched
	state  *os.ProcessState
}

// activeRun receives the events of the run in progress.
type activeRun struct {
	id     uint64
	events chan message
	gone   chan struct{} // closed when the run stopped listening
}

func startProcess(ctx context.Context, opts Options) (*process, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return r, w, err
	}
	cmdR, cmdW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("gokernel: pipe: %w", err)
	}
	evR, evW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("gokernel: pipe: %w", err)
	}
	errR, errW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("gokernel: pipe: %w", err)
	}

	cmd := exec.Command(opts.Path, opts.Args...)
	cmd.Dir = opts.Dir
	cmd.Env = opts.Env
	if opts.MemoryLimit > 0 {
		// The garbage collector works harder as the heap nears the hard limit, instead of
		// dying at it while garbage could still be freed.
		cmd.Env = append(slices.Clip(cmd.Env), fmt.Sprintf("GOMEMLIMIT=%d", opts.MemoryLimit*3/4))
	}
	cmd.Stderr = errW // stdin and stdout are /dev/null: the child redirects fd 1 itself
	cmd.ExtraFiles = []*os.File{cmdR, evW}
	// Its own process group, so that killing it also kills what user code started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, fmt.Errorf("gokernel: start: %w", err)
	}
	if err := setLimits(cmd.Process.Pid, opts); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		closeAll()
		return nil, fmt.Errorf("gokernel: %w", err)
	}
	// The child has its copies; keeping ours open would hide its death from the readers.
	_ = cmdR.Close()
	_ = evW.Close()
	_ = errW.Close()

	p := &process{
		maxPayload: opts.MaxTableBytes,
		pid:        cmd.Process.Pid,
		cmd:        cmd,
		toKid:      cmdW,
		fromKd:     evR,
		errs:       newStderrTail(),
		ready:      make(chan struct{}),
		exited:     make(chan struct{}),
	}
	go p.errs.read(errR)
	go p.read()

	select {
	case <-p.ready:
		if err := p.confine(opts); err != nil {
			p.stop()
			return nil, err
		}
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("gokernel: start: %w (%s)", errNotReady, p.deathReason())
	case <-ctx.Done():
		p.stop()
		return nil, fmt.Errorf("gokernel: start: %w", ctx.Err())
	}
}

// setLimits sets the resource limits of the child with process id pid.
func setLimits(pid int, opts Options) error {
	if opts.MemoryLimit > 0 {
		if err := limitMemory(pid, opts.MemoryLimit); err != nil {
			return fmt.Errorf("memory limit: %w", err)
		}
	}
	if err := limitFiles(pid); err != nil {
		return fmt.Errorf("open files limit: %w", err)
	}
	return nil
}

// confine tells the child to confine itself to opts.Dir, away from opts.Private, when opts name
// private paths. The child does so before it reads the next command, so before any run.
func (p *process) confine(opts Options) error {
	if len(opts.Private) == 0 {
		return nil
	}
	if err := p.send(message{Type: msgConfine, Text: opts.Dir, Paths: opts.Private}); err != nil {
		return fmt.Errorf("gokernel: confine: %w", err)
	}
	return nil
}

// read dispatches the child's events until it exits, then reaps it.
func (p *process) read() {
	fr := newFrameReader(p.fromKd, p.maxPayload)
	readyOnce := sync.OnceFunc(func() { close(p.ready) })
	var readErr error
	for {
		m, err := fr.next()
		if errors.Is(err, errBadLine) {
			continue // garbage from the child is its problem, not the server's
		}
		if err != nil {
			readErr = err
			break
		}
		switch m.Type {
		case msgReady:
			readyOnce()
		case msgOutput:
			if m.Stream != "" && m.Stream != "stdout" && m.Stream != "stderr" {
				m.Stream = "stdout"
			}
			p.dispatch(m)
		case msgDone:
			p.dispatch(m)
		case msgQuery, msgRegister, msgShow, msgPut, msgGet:
			p.request(m)
		}
	}
	if !errors.Is(readErr, io.EOF) && !errors.Is(readErr, os.ErrClosed) {
		p.kill() // a line longer than maxMessage or a short payload: the protocol is lost
	}
	// The events pipe ends when the child exits. Should it end otherwise, do not wait forever.
	t := time.AfterFunc(2*time.Second, p.kill)
	waitExit(p.pid)
	t.Stop()
	// The child is a zombie now, so its pid (and group id) cannot be reused yet: clean up the
	// processes user code left in its group.
	p.kill()
	p.errs.wait(time.Second)
	p.mu.Lock()
	p.reaped = true
	p.mu.Unlock()
	_ = p.cmd.Wait()
	p.state = p.cmd.ProcessState
	_ = p.fromKd.Close()
	_ = p.toKid.Close()
	close(p.exited)
}

func (p *process) dispatch(m message) {
	p.mu.Lock()
	r := p.run
	p.mu.Unlock()
	if r == nil || (m.Type == msgDone && m.ID != r.id) {
		return // output of a goroutine between runs, or the end of a run given up on
	}
	select {
	case r.events <- m:
	case <-r.gone:
	}
}

func (p *process) attach(r *activeRun) {
	p.mu.Lock()
	p.run = r
	p.mu.Unlock()
}

func (p *process) detach(r *activeRun) {
	p.mu.Lock()
	if p.run == r {
		p.run = nil
	}
	p.mu.Unlock()
	close(r.gone)
}

// send writes one command. The deadline keeps a frozen child from blocking a run forever; a
// payload gets a second more per 50 MB.
func (p *process) send(m message) error {
	b, err := encodeFrame(m)
	if err != nil {
		return err
	}
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	_ = p.toKid.SetWriteDeadline(time.Now().Add(5*time.Second + time.Duration(len(m.payload)/(50<<20))*time.Second))
	if _, err = p.toKid.Write(b); err != nil {
		return err
	}
	_, err = p.toKid.Write(m.payload)
	return err
}

// kill kills the child's process group.
func (p *process) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
}

// stop kills the child and waits until it is reaped.
func (p *process) stop() {
	p.kill()
	<-p.exited
}

// deathReason says why the child exited, for users: the panic that killed it if there was one.
func (p *process) deathReason() string {
	if r := p.errs.crash(); r != "" {
		return r
	}
	select {
	case <-p.exited:
	default:
		return "it stopped responding"
	}
	st := p.state
	switch {
	case st == nil:
		return "unknown reason"
	case st.Exited() && st.ExitCode() == exitBroken:
		return "the Go interpreter became unusable"
	case st.Exited() && st.ExitCode() == exitConfine:
		return "it could not confine itself: " + p.errs.last(1)
	case st.Exited():
		if tail := p.errs.last(3); tail != "" {
			return fmt.Sprintf("exit status %d: %s", st.ExitCode(), tail)
		}
		return fmt.Sprintf("exit status %d", st.ExitCode())
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		if ws.Signal() == syscall.SIGKILL {
			return "killed, perhaps for using too much memory"
		}
		return "killed by " + ws.Signal().String()
	}
	return st.String()
}

// stderrTail keeps what the child writes to its original stderr: the last lines, and the
// first line of a crash (Go writes "panic: ..." before a goroutine dump that can be long).
type stderrTail struct {
	mu    sync.Mutex
	lines []string
	panic string
	done  chan struct{}
}

const tailLines = 20

func newStderrTail() *stderrTail { return &stderrTail{done: make(chan struct{})} }

func (t *stderrTail) read(f *os.File) {
	defer close(t.done)
	defer f.Close()
	r := bufio.NewReaderSize(f, 4096)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			t.add(strings.TrimRight(line, "\r\n"))
		}
		if err != nil {
			return
		}
	}
}

func (t *stderrTail) add(line string) {
	if len(line) > 1000 {
		line = line[:1000] + "…"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if strings.HasPrefix(line, "fatal error: runtime: out of memory") || strings.HasPrefix(line, "runtime: out of memory") {
		line = "out of memory: the kernel reached its memory limit"
	}
	if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") || strings.HasPrefix(line, "out of memory: ") {
		if i := strings.Index(line, " [recovered"); i > 0 {
			line = line[:i]
		}
		t.panic = line
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
}

func (t *stderrTail) wait(d time.Duration) {
	select {
	case <-t.done:
	case <-time.After(d):
	}
}

func (t *stderrTail) crash() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.panic
}

func (t *stderrTail) last(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for i := len(t.lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(t.lines[i]); l != "" {
			out = append([]string{l}, out...)
		}
	}
	return strings.Join(out, " / ")
}
