package gokernel

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/lakebook/lakebook/kernels/mdkernel"
	"github.com/lakebook/lakebook/notebooks"
)

// Data is the notebook's SQL side as a Go kernel needs it: the nb package's calls run there.
// The SQL kernel of the same notebook implements it, so Go and SQL paragraphs share one engine
// session (temp tables, registered tables, variables). cmd/lakebook wires it in.
type Data interface {
	// QueryArrow runs sql and returns its last statement's whole result as Arrow IPC, refusing
	// results of more than maxRows rows.
	QueryArrow(ctx context.Context, sql string, maxRows int64) ([]byte, error)
	// RegisterArrow makes an Arrow IPC stream the temp table name.
	RegisterArrow(ctx context.Context, name string, ipc []byte) (int64, error)
	// ShowArrow makes an Arrow IPC stream a result of the session and returns its table output.
	ShowArrow(ctx context.Context, ipc []byte) (notebooks.Output, error)
	// SetVariable sets (nil: unsets) the SQL variable name, read in SQL as getvariable('name').
	SetVariable(ctx context.Context, name string, v any) error
	// Variable returns the SQL variable name and whether it is set.
	Variable(ctx context.Context, name string) (any, bool, error)

	// The result views of the tables ShowArrow made, as the server's Pager, ResultViewer,
	// Dropper and ResultKeeper want them.
	Page(ctx context.Context, resultID string, offset, limit int64) ([][]any, error)
	Rows(ctx context.Context, resultID string, q notebooks.RowsQuery) ([]byte, int64, error)
	Summary(ctx context.Context, resultID string) ([]notebooks.ColumnSummary, error)
	Pivot(ctx context.Context, resultID string, c notebooks.Chart) (*notebooks.PivotResult, error)
	Export(ctx context.Context, resultID, format string, w io.Writer) error
	Drop(resultID string)
	Save(ctx context.Context, resultID, path string) error
	Restore(ctx context.Context, path string) (notebooks.Output, error)
}

// Defaults of the bounds on what crosses to the kernel process.
const (
	// DefaultMaxQueryRows bounds the rows of one nb.Query.
	DefaultMaxQueryRows = 50_000_000
	// DefaultMaxTableBytes bounds the Arrow IPC of one table sent either way.
	DefaultMaxTableBytes = 1 << 30
)

var markdown = sync.OnceValue(mdkernel.New)

func (k *Kernel) data() (Data, error) {
	if k.opts.Data == nil {
		return nil, notebooks.Errorf(notebooks.EUnavailable, "this kernel has no SQL session to work with")
	}
	return k.opts.Data, nil
}

// serveRequest answers one nb request of the child. emit is the run's; it is called before the
// reply is sent, so a shown table comes before whatever the paragraph prints after nb.Show.
func (k *Kernel) serveRequest(ctx context.Context, m message, emit func(notebooks.Output)) message {
	reply := message{Type: msgReply, Req: m.Req}
	fail := func(err error) message {
		e := *notebooks.AsError(err)
		if e.Code == notebooks.EInternal {
			e = notebooks.Error{Code: notebooks.ERun, Message: err.Error()}
		}
		if e.Line > 0 {
			// The position is in the SQL text, not in the Go paragraph.
			e.Message += fmt.Sprintf(" (line %d, column %d of the SQL)", e.Line, e.Column)
			e.Line, e.Column = 0, 0
		}
		reply.Error = &e
		return reply
	}
	d, err := k.data()
	if err != nil {
		return fail(err)
	}
	if m.oversize {
		return fail(notebooks.Errorf(notebooks.EInvalid, "the table is %d MiB of Arrow data, more than a kernel may send (%d MiB)",
			m.Size>>20, k.opts.MaxTableBytes>>20))
	}
	switch m.Type {
	case msgQuery:
		b, err := d.QueryArrow(ctx, m.Code, k.opts.MaxQueryRows)
		if err != nil {
			return fail(err)
		}
		if int64(len(b)) > k.opts.MaxTableBytes {
			return fail(notebooks.Errorf(notebooks.ERun, "the result is %d MiB of Arrow data, more than a Go paragraph takes at once (%d MiB): aggregate or filter in SQL, or add LIMIT",
				len(b)>>20, k.opts.MaxTableBytes>>20))
		}
		reply.payload = b
	case msgRegister:
		if _, err := d.RegisterArrow(ctx, m.Text, m.payload); err != nil {
			return fail(err)
		}
	case msgShow:
		o, err := d.ShowArrow(ctx, m.payload)
		if err != nil {
			return fail(err)
		}
		if m.Output != nil && m.Output.Chart != nil {
			c := *m.Output.Chart
			for i, v := range c.Values {
				// The page shows an empty aggregation as sum; say what the engine would do.
				if v.Agg == "" && c.Type != notebooks.ChartScatter && c.Type != notebooks.ChartHistogram {
					for _, col := range o.Columns {
						if col.Name == v.Column {
							c.Values[i].Agg = notebooks.DefaultAgg(col.Type)
						}
					}
				}
			}
			if err := c.Validate(o.Columns); err != nil {
				d.Drop(o.ResultID)
				return fail(err)
			}
			o.Chart = &c
		}
		emit(o)
	case msgPut:
		v, err := decodeValue(m.Value)
		if err != nil {
			return fail(notebooks.Errorf(notebooks.EInvalid, "%v", err))
		}
		if err := d.SetVariable(ctx, m.Text, v); err != nil {
			return fail(err)
		}
	case msgGet:
		v, ok, err := d.Variable(ctx, m.Text)
		if err != nil {
			return fail(err)
		}
		if ok {
			if reply.Value, err = encodeValue(v); err != nil {
				return fail(notebooks.Errorf(notebooks.EInvalid, "variable %s: %v", m.Text, err))
			}
		}
	}
	return reply
}

// richOutput checks an output the child made: the child runs user code, so its HTML is
// sanitized here and only html and markdown are taken.
func richOutput(o notebooks.Output) (notebooks.Output, error) {
	switch o.Type {
	case notebooks.OutputHTML:
		return notebooks.HTMLOutput(markdown().Sanitize(o.HTML)), nil
	case "markdown":
		html, err := markdown().Render(o.Text)
		if err != nil {
			return notebooks.Output{}, err
		}
		return notebooks.HTMLOutput(html), nil
	case notebooks.OutputText:
		return notebooks.TextOutput("", o.Text), nil
	}
	return notebooks.Output{}, fmt.Errorf("output type %q", o.Type)
}

// request gives an nb request to the run in progress, or refuses it when there is none.
func (p *process) request(m message) {
	p.mu.Lock()
	r := p.run
	p.mu.Unlock()
	if r != nil {
		select {
		case r.events <- m:
			return
		case <-r.gone:
		}
	}
	go func() {
		_ = p.send(message{Type: msgReply, Req: m.Req, Error: notebooks.Errorf(notebooks.EInvalid,
			"nb works only while a paragraph runs (a goroutine called it after its paragraph ended)")})
	}()
}

// The result views of tables nb.Show made, kept by the notebook's SQL session.

// Page returns rows of a table nb.Show made.
func (k *Kernel) Page(ctx context.Context, resultID string, offset, limit int64) ([][]any, error) {
	d, err := k.data()
	if err != nil {
		return nil, err
	}
	return d.Page(ctx, resultID, offset, limit)
}

// Rows returns a page of a table nb.Show made, filtered and sorted, as Arrow IPC.
func (k *Kernel) Rows(ctx context.Context, resultID string, q notebooks.RowsQuery) ([]byte, int64, error) {
	d, err := k.data()
	if err != nil {
		return nil, 0, err
	}
	return d.Rows(ctx, resultID, q)
}

// Summary describes each column of a table nb.Show made.
func (k *Kernel) Summary(ctx context.Context, resultID string) ([]notebooks.ColumnSummary, error) {
	d, err := k.data()
	if err != nil {
		return nil, err
	}
	return d.Summary(ctx, resultID)
}

// Pivot computes a chart's points over a table nb.Show made.
func (k *Kernel) Pivot(ctx context.Context, resultID string, c notebooks.Chart) (*notebooks.PivotResult, error) {
	d, err := k.data()
	if err != nil {
		return nil, err
	}
	return d.Pivot(ctx, resultID, c)
}

// Export streams a table nb.Show made as csv, parquet or jsonl.
func (k *Kernel) Export(ctx context.Context, resultID, format string, w io.Writer) error {
	d, err := k.data()
	if err != nil {
		return err
	}
	return d.Export(ctx, resultID, format, w)
}

// Drop frees a table nb.Show made.
func (k *Kernel) Drop(resultID string) {
	if d, err := k.data(); err == nil {
		d.Drop(resultID)
	}
}

// Save writes a table nb.Show made to a file, to be restored after a restart.
func (k *Kernel) Save(ctx context.Context, resultID, path string) error {
	d, err := k.data()
	if err != nil {
		return err
	}
	return d.Save(ctx, resultID, path)
}

// Restore makes a saved table a result again.
func (k *Kernel) Restore(ctx context.Context, path string) (notebooks.Output, error) {
	d, err := k.data()
	if err != nil {
		return notebooks.Output{}, err
	}
	return d.Restore(ctx, path)
}
