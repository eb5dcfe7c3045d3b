package gokernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// Options configure a Kernel. Zero values mean the defaults.
type Options struct {
	// Path is the executable to run as the child; it must call RunChild when given Args.
	// Default: os.Executable().
	Path string
	// Args are the child's arguments. Default: []string{"kernel"}.
	Args []string
	// Dir is the child's working directory, created if missing. Default: the server's.
	Dir string
	// Env is the child's whole environment. Default: os.Environ() without the variables named
	// LAKEBOOK_* or AWS_*, so the server's token and credentials never reach user code.
	Env []string
	// GracePeriod is how long a cancelled run may take to stop before the process is killed
	// and restarted. Default: 2s.
	GracePeriod time.Duration
	// StartTimeout bounds the start of a child, until it is ready to run code. Default: 30s.
	StartTimeout time.Duration
	// MemoryLimit caps the child's address space in bytes (RLIMIT_AS), so a paragraph that
	// allocates too much kills only its own kernel, with "out of memory" in the message.
	// Default: DefaultMemoryLimit; negative: no limit.
	MemoryLimit int64
	// Private are paths the kernel may neither read nor write: the server's state. Its own Dir
	// may lie under one. When set, the kernel is confined before it runs any code: it may read
	// everything else and write only Dir and the temporary folder (Landlock, where the Linux
	// kernel offers it; see landlock_linux.go). Default: none, no confinement.
	Private []string

	// Data is the notebook's SQL side, where the nb package's calls run; nil means nb.Query and
	// the others fail with a clear error. The kernel owns it: Close closes it if it is an
	// io.Closer.
	Data Data
	// MaxQueryRows bounds the rows of one nb.Query. Default: DefaultMaxQueryRows.
	MaxQueryRows int64
	// MaxTableBytes bounds the Arrow IPC of one table sent to or from the child. Default:
	// DefaultMaxTableBytes.
	MaxTableBytes int64
}

// DefaultMemoryLimit is the address space a kernel may use unless Options say otherwise. The Go
// runtime itself reserves about 1.5 GiB of it (measured); the rest is for the paragraphs' data.
const DefaultMemoryLimit = 8 << 30

func (o Options) withDefaults() (Options, error) {
	if o.Path == "" {
		p, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("gokernel: find executable: %w", err)
		}
		o.Path = p
	}
	if o.Args == nil {
		o.Args = []string{"kernel"}
	}
	if o.Env == nil {
		o.Env = kernelEnv(os.Environ())
	}
	if o.GracePeriod <= 0 {
		o.GracePeriod = 2 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if o.MemoryLimit == 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.MaxQueryRows <= 0 {
		o.MaxQueryRows = DefaultMaxQueryRows
	}
	if o.MaxTableBytes <= 0 {
		o.MaxTableBytes = DefaultMaxTableBytes
	}
	return o, nil
}

// StandaloneName is the file name of the standalone kernel binary (cmd/lakebook-kernel).
const StandaloneName = "lakebook-kernel"

// Standalone returns the path of the standalone kernel binary when one lies beside exe (the
// server's executable), for Options.Path: kernels then run without the server's code mapped in.
// It returns "" when there is none, and the server runs itself as `lakebook kernel`. The
// standalone binary ignores the default argument "kernel".
func Standalone(exe string) string {
	p := filepath.Join(filepath.Dir(exe), StandaloneName)
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return ""
	}
	return p
}

// kernelEnv drops the variables a kernel must not see.
func kernelEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LAKEBOOK_") || strings.HasPrefix(name, "AWS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Kernel runs Go paragraphs of one notebook session in a child process, restarting the process
// when it dies. Runs are serialized. It is safe for concurrent use.
type Kernel struct {
	opts Options
	slot chan struct{} // held by the run in progress; a channel so that queueing honours ctx

	mu     sync.Mutex
	proc   *process // nil until (re)started
	closed bool
	nextID uint64
	// names maps what the process's successful runs declared to its kind, for completion.
	names map[string]string
}

// Start starts a kernel process and waits until it is ready to run code.
func Start(ctx context.Context, opts Options) (*Kernel, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("gokernel: create dir: %w", err)
		}
	}
	p, err := startProcess(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Kernel{opts: opts, slot: make(chan struct{}, 1), proc: p}, nil
}

// Pid returns the process id of the current child, or 0 when there is none.
func (k *Kernel) Pid() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.proc == nil {
		return 0
	}
	return k.proc.pid
}

// Close kills the child's process group and waits for it. Runs in progress return.
func (k *Kernel) Close() error {
	k.mu.Lock()
	p := k.proc
	k.proc, k.closed = nil, true
	k.mu.Unlock()
	if p != nil {
		p.stop()
	}
	if c, ok := k.opts.Data.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// lostState tells the user what a restart lost: the names earlier paragraphs declared.
func (k *Kernel) lostState() string {
	const msg = "the kernel was restarted; its variables, functions and types were lost"
	k.mu.Lock()
	names := slices.Sorted(maps.Keys(k.names))
	k.mu.Unlock()
	if len(names) == 0 {
		return msg
	}
	const shown = 12
	if len(names) > shown {
		return fmt.Sprintf("%s (%s and %d more)", msg, strings.Join(names[:shown], ", "), len(names)-shown)
	}
	return fmt.Sprintf("%s (%s)", msg, strings.Join(names, ", "))
}

// Run runs code in the child and passes its output to emit. See the server's Kernel interface
// for the contract.
func (k *Kernel) Run(ctx context.Context, code string, emit func(notebooks.Output)) error {
	select {
	case k.slot <- struct{}{}:
	case <-ctx.Done():
		return canceled()
	}
	defer func() { <-k.slot }()

	p, note, err := k.current(ctx)
	if err != nil {
		return err
	}
	if note != "" {
		emit(notebooks.TextOutput("stderr", note))
	}

	k.mu.Lock()
	k.nextID++
	id := k.nextID
	k.mu.Unlock()
	r := &activeRun{id: id, events: make(chan message), gone: make(chan struct{})}
	p.attach(r)
	defer p.detach(r)

	if ctx.Err() != nil {
		return canceled()
	}
	// nb requests of this run are served while it lasts, and finished before it returns (emit
	// may not be called after).
	reqCtx, stopReqs := context.WithCancel(ctx)
	var reqs sync.WaitGroup
	defer func() {
		stopReqs()
		reqs.Wait()
	}()

	var forms map[string]any
	if values, _ := notebooks.FormValuesFrom(ctx); len(values) > 0 {
		forms = map[string]any{}
		for name, v := range values {
			if len(v) > 0 {
				forms[name] = v[0]
			}
		}
	}
	_ = p.send(message{Type: msgRun, ID: id, Code: code, Forms: forms}) // a dead child shows up as p.exited

	done := ctx.Done()
	var grace <-chan time.Time
	killed := false
	for {
		select {
		case m := <-r.events:
			switch m.Type {
			case msgOutput:
				if m.Output == nil {
					emit(notebooks.TextOutput(m.Stream, m.Text))
				} else if o, err := richOutput(*m.Output); err == nil {
					emit(o)
				} else {
					emit(notebooks.TextOutput("stderr", "lakebook: an output of this paragraph was dropped: "+err.Error()+"\n"))
				}
			case msgQuery, msgRegister, msgShow, msgPut, msgGet:
				reqs.Add(1)
				go func() {
					defer reqs.Done()
					_ = p.send(k.serveRequest(reqCtx, m, emit))
				}()
			case msgDone:
				if m.Broken {
					k.retire(p)
					msg := "the Go interpreter became unusable"
					if m.Error != nil {
						msg = m.Error.Message + "; this left the Go interpreter unusable"
					}
					return &notebooks.Error{Code: notebooks.EKernelDied, Message: msg + "; " + k.lostState()}
				}
				if m.Error != nil {
					e := *m.Error
					if e.Code != notebooks.ECanceled {
						e.Code = notebooks.ERun // the child has no say over the server's other codes
					}
					return &e
				}
				k.learn(code)
				return nil
			}
		case <-done:
			done = nil
			_ = p.send(message{Type: msgCancel, ID: id})
			t := time.NewTimer(k.opts.GracePeriod)
			defer t.Stop()
			grace = t.C
		case <-grace:
			grace = nil
			killed = true
			p.kill()
		case <-p.exited:
			k.retire(p)
			if k.isClosed() {
				return notebooks.Errorf(notebooks.EUnavailable, "the kernel was closed")
			}
			if killed {
				return notebooks.Errorf(notebooks.ECanceled,
					"the run was cancelled; it did not stop within %s, so %s", k.opts.GracePeriod, k.lostState())
			}
			return notebooks.Errorf(notebooks.EKernelDied, "the kernel died (%s); %s", p.deathReason(), k.lostState())
		}
	}
}

// current returns the running child, starting a new one if the last one is gone. note tells
// the user about a child that died between runs.
func (k *Kernel) current(ctx context.Context) (p *process, note string, err error) {
	k.mu.Lock()
	p, closed := k.proc, k.closed
	k.mu.Unlock()
	if closed {
		return nil, "", notebooks.Errorf(notebooks.EUnavailable, "the kernel was closed")
	}
	if p != nil {
		select {
		case <-p.exited:
			note = fmt.Sprintf("the kernel died between runs (%s); %s\n", p.deathReason(), k.lostState())
			k.retire(p)
		default:
			return p, "", nil
		}
	}

	k.forget() // a new process knows none of the old one's names
	p, err = startProcess(ctx, k.opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", canceled()
		}
		return nil, "", notebooks.Errorf(notebooks.EUnavailable, "the Go kernel could not be started: %v", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		p.stop()
		return nil, "", notebooks.Errorf(notebooks.EUnavailable, "the kernel was closed")
	}
	k.proc = p
	return p, note, nil
}

// retire stops p and forgets it, so that the next run starts a new child.
func (k *Kernel) retire(p *process) {
	k.mu.Lock()
	if k.proc == p {
		k.proc = nil
	}
	k.mu.Unlock()
	p.stop()
}

func (k *Kernel) isClosed() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.closed
}

var errNotReady = errors.New("kernel exited before it was ready")
