package server

import (
	"context"
	"io"

	"github.com/lakebook/lakebook/notebooks"
)

// Kernel runs paragraphs of one language for one notebook session. Implementations live in
// kernels/; cmd/lakebook wires them in through Options.
type Kernel interface {
	// Run executes code. Outputs are passed to emit as they are produced (stdout chunks, tables)
	// and emit is never called after Run returns. A failure of the code itself is returned as a
	// *notebooks.Error with code ERun (with Line/Column when known); a cancelled run returns an
	// error with code ECanceled; a kernel that died returns EKernelDied and is usable again.
	Run(ctx context.Context, code string, emit func(notebooks.Output)) error
	// Close releases the kernel's resources (process, connection, materialized results).
	Close() error
}

// Pager is implemented by kernels whose table outputs can be paged: it returns rows
// [offset, offset+limit) of the result named by resultID.
type Pager interface {
	Page(ctx context.Context, resultID string, offset, limit int64) ([][]any, error)
}

// Dropper is implemented by kernels that hold materialized results: the session drops a
// paragraph's old result when a new run replaces it or the paragraph is deleted.
type Dropper interface {
	Drop(resultID string)
}

// Completer is implemented by kernels that propose completions for the identifier before pos
// (a byte offset into code).
type Completer interface {
	Complete(ctx context.Context, code string, pos int) (notebooks.Completion, error)
}

// ResultViewer is implemented by kernels whose table results stay on the server: pages are
// filtered and sorted there and sent as Arrow IPC, and charts and downloads read the whole
// result, never a sample the browser holds.
type ResultViewer interface {
	// Rows returns a page as an Arrow IPC stream and how many rows pass the filter.
	Rows(ctx context.Context, resultID string, q notebooks.RowsQuery) (arrowIPC []byte, matched int64, err error)
	Summary(ctx context.Context, resultID string) ([]notebooks.ColumnSummary, error)
	Pivot(ctx context.Context, resultID string, c notebooks.Chart) (*notebooks.PivotResult, error)
	// Export streams the whole result as csv, parquet or jsonl.
	Export(ctx context.Context, resultID, format string, w io.Writer) error
}

// ResultKeeper is implemented by kernels that can keep a result across restarts: Save writes
// it to a file, Restore makes it a result again (in a new kernel) and returns its table output.
type ResultKeeper interface {
	Save(ctx context.Context, resultID, path string) error
	Restore(ctx context.Context, path string) (notebooks.Output, error)
}
