package gokernel_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
	"github.com/lakebook/lakebook/notebooks"
)

// notebook is a Go kernel and a SQL kernel sharing one real engine session, as cmd/lakebook
// wires a notebook's kernels.
type notebook struct {
	sql *sqlkernel.Kernel
	go_ *gokernel.Kernel
}

func openNotebook(t testing.TB, opts gokernel.Options) *notebook {
	t.Helper()
	e, err := engine.Open(engine.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	sk, err := sqlkernel.New(context.Background(), e)
	if err != nil {
		t.Fatalf("sql kernel: %v", err)
	}
	t.Cleanup(func() { sk.Close() })
	opts.Data = sk
	return &notebook{sql: sk, go_: startKernel(t, opts)}
}

// runAll runs Go code and returns every output, and the error.
func (n *notebook) runGo(t testing.TB, code string) ([]notebooks.Output, *notebooks.Error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var outs []notebooks.Output
	err := n.go_.Run(ctx, code, func(o notebooks.Output) { outs = append(outs, o) })
	var ne *notebooks.Error
	if err != nil && !errors.As(err, &ne) {
		t.Fatalf("run: %v is not a *notebooks.Error", err)
	}
	return outs, ne
}

func (n *notebook) mustGo(t testing.TB, code string) string {
	t.Helper()
	outs, err := n.runGo(t, code)
	if err != nil {
		t.Fatalf("run %q: %v (outputs %+v)", code, err, outs)
	}
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(o.Text)
	}
	return b.String()
}

func (n *notebook) sqlRows(t testing.TB, sql string) [][]any {
	t.Helper()
	var rows [][]any
	err := n.sql.Run(context.Background(), sql, func(o notebooks.Output) {
		if o.Type == notebooks.OutputTable {
			rows = o.Rows
		}
	})
	if err != nil {
		t.Fatalf("sql %q: %v", sql, err)
	}
	return rows
}

func TestNBSmoke(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	out := n.mustGo(t, `t, err := nb.Query("select range as i, range*1.5 as f, 'x'||range as s from range(5)")
if err != nil { panic(err) }
f, err := t.Float64("f")
fmt.Println(t.Len(), f, err)`)
	t.Log(out)
	out = n.mustGo(t, `type row struct { Origin string; P50 float64 }
rows := []row{{"SEA", 3}, {"SFO", 4.5}}
fmt.Println(nb.Register("pct", rows))`)
	t.Log(out)
	t.Log(n.sqlRows(t, "select * from pct order by origin"))
}
