// Package sqlkernel runs SQL paragraphs on the shared engine: one kernel per notebook, each
// with its own engine session, so a notebook's temp tables and settings stay its own.
package sqlkernel

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/notebooks"
)

// MaxResults is how many pageable results a kernel keeps. The kernel does not know which
// paragraph a run belongs to, so it cannot drop a paragraph's old result when the paragraph
// runs again; instead the oldest results are dropped past this many (their first page stays
// on screen; paging them reports not found). A server that knows a result was replaced can
// free it sooner with Drop.
const MaxResults = 128

// Kernel runs SQL for one notebook session. It implements the server's Kernel and Pager.
type Kernel struct {
	s *engine.Session

	mu    sync.Mutex
	ids   []string      // pageable results, oldest first
	names *engine.Names // the names the last completion saw, for one made while a query runs
}

// New opens a kernel with its own session on e.
func New(ctx context.Context, e *engine.Engine) (*Kernel, error) {
	s, err := e.Session(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlkernel: %w", err)
	}
	return &Kernel{s: s}, nil
}

// Run runs a paragraph and emits its result: a table for a statement that returns rows, text
// for one that does not ("OK", "3 rows affected", an EXPLAIN plan), or both when a result was
// cut short. Errors are *notebooks.Error with code ERun (line and column set when DuckDB gives
// a position) or ECanceled.
//
// While it waits for a query slot or fetches catalog tables' files it emits progress, and at
// the end the run's stats.
func (k *Kernel) Run(ctx context.Context, code string, emit func(notebooks.Output)) error {
	res, err := k.s.QueryWith(ctx, code, func(p notebooks.Progress) {
		emit(notebooks.Output{Type: notebooks.OutputProgress, Progress: &p})
	})
	if err != nil {
		return err
	}
	if res.Columns != nil {
		k.track(res.ID)
		emit(notebooks.TableOutput(res.ID, res.Columns, res.Rows, res.RowCount))
	}
	if res.Message != "" {
		emit(notebooks.TextOutput("", res.Message))
	}
	emit(notebooks.Output{Type: notebooks.OutputStats, Stats: &res.Stats})
	return nil
}

// Page returns rows [offset, offset+limit) of a result of this kernel.
func (k *Kernel) Page(ctx context.Context, resultID string, offset, limit int64) ([][]any, error) {
	return k.s.Page(ctx, resultID, offset, limit)
}

// Drop frees a result that will not be paged again (its paragraph ran again or was cleared).
func (k *Kernel) Drop(resultID string) {
	k.mu.Lock()
	for i, id := range k.ids {
		if id == resultID {
			k.ids = append(k.ids[:i], k.ids[i+1:]...)
			break
		}
	}
	k.mu.Unlock()
	k.s.Drop(resultID)
}

// Close cancels a running paragraph and closes the session, dropping its temp tables and
// results.
func (k *Kernel) Close() error {
	return k.s.Close()
}

func (k *Kernel) track(id string) {
	if id == "" {
		return
	}
	k.mu.Lock()
	k.ids = append(k.ids, id)
	var old []string
	if n := len(k.ids) - MaxResults; n > 0 {
		old = append(old, k.ids[:n]...)
		k.ids = append(k.ids[:0], k.ids[n:]...)
	}
	k.mu.Unlock()
	for _, id := range old {
		k.s.Drop(id)
	}
}

// Rows returns a page of a result, filtered and sorted by the engine, as Arrow IPC.
func (k *Kernel) Rows(ctx context.Context, resultID string, q notebooks.RowsQuery) ([]byte, int64, error) {
	return k.s.Rows(ctx, resultID, q)
}

// Summary describes each column of a whole result.
func (k *Kernel) Summary(ctx context.Context, resultID string) ([]notebooks.ColumnSummary, error) {
	return k.s.Summary(ctx, resultID)
}

// Pivot computes a chart's points over a whole result.
func (k *Kernel) Pivot(ctx context.Context, resultID string, c notebooks.Chart) (*notebooks.PivotResult, error) {
	return k.s.Pivot(ctx, resultID, c)
}

// Export streams a whole result as csv, parquet or jsonl.
func (k *Kernel) Export(ctx context.Context, resultID, format string, w io.Writer) error {
	return k.s.Export(ctx, resultID, format, w)
}

// Save writes a result to a Parquet file, to be restored after a restart.
func (k *Kernel) Save(ctx context.Context, resultID, path string) error {
	return k.s.Save(ctx, resultID, path)
}

// QueryArrow runs sql in the kernel's session and returns its whole result as Arrow IPC: a Go
// paragraph's nb.Query.
func (k *Kernel) QueryArrow(ctx context.Context, sql string, maxRows int64) ([]byte, error) {
	return k.s.QueryArrow(ctx, sql, maxRows)
}

// RegisterArrow makes Arrow IPC rows a temp table of the session: a Go paragraph's nb.Register.
func (k *Kernel) RegisterArrow(ctx context.Context, name string, ipc []byte) (int64, error) {
	return k.s.RegisterArrow(ctx, name, ipc)
}

// ShowArrow makes Arrow IPC rows a result of this kernel: a Go paragraph's nb.Show.
func (k *Kernel) ShowArrow(ctx context.Context, ipc []byte) (notebooks.Output, error) {
	res, err := k.s.ResultFromArrow(ctx, ipc)
	if err != nil {
		return notebooks.Output{}, err
	}
	k.track(res.ID)
	return notebooks.TableOutput(res.ID, res.Columns, res.Rows, res.RowCount), nil
}

// SetVariable sets the session's SQL variable name (getvariable('name')): nb.Put.
func (k *Kernel) SetVariable(ctx context.Context, name string, v any) error {
	return k.s.SetVariable(ctx, name, v)
}

// Variable reads the session's SQL variable name: nb.Get.
func (k *Kernel) Variable(ctx context.Context, name string) (any, bool, error) {
	return k.s.Variable(ctx, name)
}

// Restore makes a saved result a result of this kernel again.
func (k *Kernel) Restore(ctx context.Context, path string) (notebooks.Output, error) {
	res, err := k.s.Restore(ctx, path)
	if err != nil {
		return notebooks.Output{}, err
	}
	k.track(res.ID)
	return notebooks.TableOutput(res.ID, res.Columns, res.Rows, res.RowCount), nil
}
