package sqlkernel_test

import (
	"context"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

func labels(c notebooks.Completion) map[string]string {
	m := map[string]string{}
	for _, it := range c.Items {
		m[it.Label] = it.Kind
	}
	return m
}

func TestComplete(t *testing.T) {
	k, _ := newKernel(t)
	ctx := context.Background()
	if err := k.Run(ctx, "create temp table flights as select 'ORD' as origin, 3 as delay", func(notebooks.Output) {}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code     string
		from     int
		want     map[string]string
		unwanted []string
	}{
		{"select * from fl", 14, map[string]string{"flights": "table"}, nil},
		{"select flights.de", 15, map[string]string{"delay": "column"}, []string{"flights", "select"}},
		{"sel", 0, map[string]string{"select": "keyword"}, nil},
		{"select coun", 7, map[string]string{"count": "function"}, nil},
		{"select ori", 7, map[string]string{"origin": "column"}, nil},
	}
	for _, tt := range tests {
		c, err := k.Complete(ctx, tt.code, len(tt.code))
		if err != nil {
			t.Fatal(err)
		}
		got := labels(c)
		if c.From != tt.from {
			t.Errorf("%q: from %d, want %d", tt.code, c.From, tt.from)
		}
		for l, kind := range tt.want {
			if got[l] != kind {
				t.Errorf("%q: %q is %q, want %q (got %v)", tt.code, l, got[l], kind, len(got))
			}
		}
		for _, l := range tt.unwanted {
			if _, ok := got[l]; ok {
				t.Errorf("%q: unexpected %q", tt.code, l)
			}
		}
	}
}

// TestCompleteWhileAQueryRuns: a completion made while the notebook's query runs (or the machine
// is too busy to answer in time) offers the names the last completion saw.
func TestCompleteWhileAQueryRuns(t *testing.T) {
	k, _ := newKernel(t)
	ctx := context.Background()
	if err := k.Run(ctx, "create temp table flights as select 'ORD' as origin", func(notebooks.Output) {}); err != nil {
		t.Fatal(err)
	}
	if c, _ := k.Complete(ctx, "select * from fl", 16); labels(c)["flights"] != "table" {
		t.Fatalf("before: %v", labels(c))
	}
	qctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- k.Run(qctx, "select count(*) from range(1000000000000)", func(notebooks.Output) {}) }()
	defer func() { cancel(); <-done }()
	time.Sleep(200 * time.Millisecond) // the query holds the session
	c, err := k.Complete(ctx, "select ori", 10)
	if err != nil {
		t.Fatal(err)
	}
	if labels(c)["origin"] != "column" {
		t.Errorf("while a query runs: %v, want the column from the last completion", labels(c))
	}
}
