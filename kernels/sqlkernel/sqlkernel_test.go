package sqlkernel_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/server"
)

var (
	_ server.Kernel = (*sqlkernel.Kernel)(nil)
	_ server.Pager  = (*sqlkernel.Kernel)(nil)
)

func newKernel(t testing.TB) (*sqlkernel.Kernel, *engine.Engine) {
	t.Helper()
	e, err := engine.Open(engine.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	k, err := sqlkernel.New(context.Background(), e)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Close(); err != nil {
			t.Error(err)
		}
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return k, e
}

func run(t testing.TB, k *sqlkernel.Kernel, code string) ([]notebooks.Output, error) {
	t.Helper()
	var outs []notebooks.Output
	err := k.Run(context.Background(), code, func(o notebooks.Output) { outs = append(outs, o) })
	return outs, err
}

func TestRun(t *testing.T) {
	k, _ := newKernel(t)
	tests := []struct {
		name  string
		code  string
		types []string // output types, in order
		text  string   // text of the last text output
		rows  int64
	}{
		{"table", "select range as i from range(250)", []string{"table", "stats"}, "", 250},
		{"ddl", "create temp table t (a int)", []string{"text", "stats"}, "OK", 0},
		{"insert", "insert into t values (1), (2)", []string{"text", "stats"}, "2 rows affected", 0},
		{"multi", "insert into t values (3); select * from t order by a", []string{"table", "stats"}, "", 3},
		{"explain", "explain select * from t", []string{"text", "stats"}, "", 0},
		{"empty", "-- nothing", []string{"stats"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, err := run(t, k, tt.code)
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, o := range outs {
				types = append(types, o.Type)
			}
			if !reflect.DeepEqual(types, tt.types) {
				t.Fatalf("outputs %v, want %v", types, tt.types)
			}
			for _, o := range outs {
				switch o.Type {
				case notebooks.OutputTable:
					if *o.RowCount != tt.rows || o.ResultID == "" || len(o.Columns) == 0 {
						t.Errorf("table: rowCount %d, id %q, columns %v", *o.RowCount, o.ResultID, o.Columns)
					}
				case notebooks.OutputText:
					if tt.text != "" && o.Text != tt.text {
						t.Errorf("text = %q, want %q", o.Text, tt.text)
					}
				case notebooks.OutputStats:
					if o.Stats.Rows != tt.rows {
						t.Errorf("stats: rows %d, want %d", o.Stats.Rows, tt.rows)
					}
				}
			}
		})
	}
}

func TestPage(t *testing.T) {
	k, _ := newKernel(t)
	outs, err := run(t, k, "select range as i from range(1000) order by i desc")
	if err != nil {
		t.Fatal(err)
	}
	id := outs[0].ResultID
	rows, err := k.Page(context.Background(), id, 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, [][]any{{int64(899)}, {int64(898)}, {int64(897)}}) {
		t.Errorf("page = %v", rows)
	}
	k.Drop(id)
	if _, err := k.Page(context.Background(), id, 0, 10); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("after Drop: %v", err)
	}
}

func TestOldResultsAreDropped(t *testing.T) {
	k, _ := newKernel(t)
	var ids []string
	for range sqlkernel.MaxResults + 2 {
		outs, err := run(t, k, "select 1 as x")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, outs[0].ResultID)
	}
	ctx := context.Background()
	for i, id := range ids {
		_, err := k.Page(ctx, id, 0, 1)
		if kept := i >= 2; kept != (err == nil) {
			t.Errorf("result %d: err = %v, want kept=%v", i, err, kept)
		}
	}
}

func TestErrorsAndCancel(t *testing.T) {
	k, _ := newKernel(t)
	_, err := run(t, k, "select 1;\nselect nosuch from range(1)")
	var ne *notebooks.Error
	if !errors.As(err, &ne) || ne.Code != notebooks.ERun || ne.Line != 2 || ne.Column != 8 {
		t.Errorf("err = %#v, want run_error at 2:8", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = k.Run(ctx, "select count(*) from range(1000000) a, range(1000000) b", func(notebooks.Output) {
		t.Error("output from a cancelled run")
	})
	if notebooks.ErrorCode(err) != notebooks.ECanceled || time.Since(start) > 2*time.Second {
		t.Errorf("cancel: %v after %v", err, time.Since(start))
	}
	if outs, err := run(t, k, "select 2 as x"); err != nil || outs[0].Rows[0][0] != int64(2) {
		t.Errorf("after cancel: %v %v", outs, err)
	}
}

func TestNotebooksAreIsolated(t *testing.T) {
	k1, e := newKernel(t)
	k2, err := sqlkernel.New(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	defer k2.Close()
	if _, err := run(t, k1, "create temp table mine as select 1 as x"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, k2, "select * from mine"); notebooks.ErrorCode(err) != notebooks.ERun {
		t.Errorf("other notebook sees temp table: %v", err)
	}
	outs, _ := run(t, k1, "select * from range(500)")
	if _, err := k2.Page(context.Background(), outs[0].ResultID, 0, 10); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("other notebook pages my result: %v", err)
	}
}
