package main

import (
	"context"
	"sync"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
)

// A Go kernel's nb calls run in its notebook's SQL kernel, so Go and SQL paragraphs share one
// engine session: its temp tables, the tables nb.Register makes, its variables.
var _ gokernel.Data = (*sqlkernel.Kernel)(nil)

// sharedSQL hands out each notebook's SQL kernel to the notebook's SQL and Go kernels; it
// closes (and the session's temp tables go) when the last of them is closed. Restarting only
// one of the two keeps the session.
type sharedSQL struct {
	e *engine.Engine

	mu sync.Mutex
	m  map[string]*sqlRef
}

type sqlRef struct {
	k    *sqlkernel.Kernel
	refs int
}

func newSharedSQL(e *engine.Engine) *sharedSQL {
	return &sharedSQL{e: e, m: map[string]*sqlRef{}}
}

// acquire returns a handle on the notebook's SQL kernel, opening it if nobody holds it.
func (s *sharedSQL) acquire(ctx context.Context, notebookID string) (*sqlHandle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[notebookID]
	if r == nil {
		k, err := sqlkernel.New(ctx, s.e)
		if err != nil {
			return nil, err
		}
		r = &sqlRef{k: k}
		s.m[notebookID] = r
	}
	r.refs++
	h := &sqlHandle{Kernel: r.k}
	h.release = func() error {
		s.mu.Lock()
		r.refs--
		last := r.refs == 0
		if last && s.m[notebookID] == r {
			delete(s.m, notebookID)
		}
		s.mu.Unlock()
		if last {
			return r.k.Close()
		}
		return nil
	}
	return h, nil
}

// sqlHandle is one holder's view of a shared SQL kernel: every method of the kernel, and a
// Close that lets go of it.
type sqlHandle struct {
	*sqlkernel.Kernel
	once    sync.Once
	release func() error
}

// Close releases the handle; the kernel closes with its last handle.
func (h *sqlHandle) Close() error {
	var err error
	h.once.Do(func() { err = h.release() })
	return err
}
