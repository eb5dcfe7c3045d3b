package gokernel

import (
	"context"
	"fmt"
	"os"
	"sync"
)

// Pool keeps one kernel process started ahead of need, so that a notebook's first Go paragraph
// never waits for a process start. A process is taken by Start, moved into the notebook's
// folder, and replaced in the background.
type Pool struct {
	opts Options

	mu      sync.Mutex
	warm    *process
	filling bool
	closed  bool
}

// NewPool returns a pool whose warm processes wait in opts.Dir, started with opts (the same
// executable and environment the kernels it hands out use). It starts the first one at once.
func NewPool(opts Options) (*Pool, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("gokernel: create dir: %w", err)
	}
	p := &Pool{opts: opts}
	p.fill()
	return p, nil
}

// fill starts a warm process in the background unless one is ready or starting.
func (p *Pool) fill() {
	p.mu.Lock()
	if p.closed || p.filling || p.warm != nil {
		p.mu.Unlock()
		return
	}
	p.filling = true
	p.mu.Unlock()
	// A warm process is confined once a notebook takes it and its folder is known.
	opts := p.opts
	opts.Private = nil
	go func() {
		proc, err := startProcess(context.Background(), opts)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.filling = false
		if err != nil {
			return // the next Start starts its own process and reports why if it fails too
		}
		if p.closed {
			proc.stop()
			return
		}
		p.warm = proc
	}()
}

// Start returns a kernel for opts, which must name the same Path, Args and Env as the pool's:
// the warm process when one is ready, else a newly started one.
func (p *Pool) Start(ctx context.Context, opts Options) (*Kernel, error) {
	defer p.fill()
	p.mu.Lock()
	proc := p.warm
	p.warm = nil
	p.mu.Unlock()
	if proc != nil {
		select {
		case <-proc.exited:
			proc = nil
		default:
		}
	}
	if proc == nil {
		return Start(ctx, opts)
	}
	opts, err := opts.withDefaults()
	if err == nil && opts.Dir != "" {
		err = os.MkdirAll(opts.Dir, 0o755)
	}
	if err == nil && opts.Dir != "" {
		err = proc.send(message{Type: msgChdir, Text: opts.Dir})
	}
	if err == nil {
		err = proc.confine(opts)
	}
	if err != nil {
		proc.stop()
		return nil, fmt.Errorf("gokernel: take warm kernel: %w", err)
	}
	return &Kernel{opts: opts, slot: make(chan struct{}, 1), proc: proc}, nil
}

// Close stops the warm process.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	w := p.warm
	p.warm = nil
	p.mu.Unlock()
	if w != nil {
		w.stop()
	}
	return nil
}
