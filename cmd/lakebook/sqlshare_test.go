package main

import (
	"context"
	"testing"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/notebooks"
)

// The SQL session of a notebook lives while its SQL or its Go kernel holds it, and is one per
// notebook.
func TestSharedSQL(t *testing.T) {
	e, err := engine.Open(engine.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s := newSharedSQL(e)
	ctx := context.Background()
	exec := func(h *sqlHandle, sql string) error {
		return h.Run(ctx, sql, func(notebooks.Output) {})
	}
	sqlSide, err := s.acquire(ctx, "nb1")
	if err != nil {
		t.Fatal(err)
	}
	goSide, err := s.acquire(ctx, "nb1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.acquire(ctx, "nb2")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := exec(sqlSide, "create temp table shared as select 1 as x"); err != nil {
		t.Fatal(err)
	}
	if err := exec(goSide, "select * from shared"); err != nil {
		t.Fatalf("the Go side does not see the SQL side's table: %v", err)
	}
	if err := exec(other, "select * from shared"); err == nil {
		t.Fatal("another notebook sees the table")
	}
	// Restarting the SQL kernel alone keeps the session; closing twice counts once.
	sqlSide.Close()
	sqlSide.Close()
	if err := exec(goSide, "select * from shared"); err != nil {
		t.Fatalf("after the SQL side closed: %v", err)
	}
	again, err := s.acquire(ctx, "nb1")
	if err != nil {
		t.Fatal(err)
	}
	if err := exec(again, "select * from shared"); err != nil {
		t.Fatalf("a new SQL kernel does not get the session: %v", err)
	}
	goSide.Close()
	again.Close()
	// Both gone: a new session, without the table.
	fresh, err := s.acquire(ctx, "nb1")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := exec(fresh, "select * from shared"); err == nil {
		t.Fatal("the session outlived both kernels")
	}
}
