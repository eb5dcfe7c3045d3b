package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// newEngine opens an engine on a fresh workspace; opts.Dir defaults to a temp dir.
func newEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	e, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func newSession(t testing.TB, e *Engine) *Session {
	t.Helper()
	s, err := e.Session(context.Background())
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Session.Close: %v", err)
		}
	})
	return s
}

func mustQuery(t testing.TB, s *Session, sql string) *Result {
	t.Helper()
	res, err := s.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("Query(%q): %v", sql, err)
	}
	return res
}

func colNames(cols []notebooks.Column) []string {
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	return names
}

func TestQuery(t *testing.T) {
	e := newEngine(t, Options{})
	tests := []struct {
		name     string
		sql      string
		cols     []string
		rows     [][]any
		count    int64
		message  string
		paged    bool // the result keeps a table to page from
		noResult bool
	}{
		{name: "select one", sql: "select 1 as a", cols: []string{"a"}, rows: [][]any{{int64(1)}}, count: 1},
		{name: "multi statement", sql: "create temp table t as select 1 as a;\ninsert into t values (2);\nselect * from t order by a",
			cols: []string{"a"}, rows: [][]any{{int64(1)}, {int64(2)}}, count: 2},
		{name: "last is DDL", sql: "create temp table u (a int)", message: "OK", noResult: true},
		{name: "last is insert", sql: "create temp table v (a int); insert into v values (1), (2), (3)", message: "3 rows affected", noResult: true},
		{name: "insert one", sql: "create temp table w (a int); insert into w values (1)", message: "1 row affected", noResult: true},
		{name: "update", sql: "create temp table x as select * from range(5) r(a); update x set a = 0 where a < 2", message: "2 rows affected", noResult: true},
		{name: "set", sql: "set threads = 2", message: "OK", noResult: true},
		{name: "empty paragraph", sql: "-- just a comment\n", noResult: true},
		{name: "empty result", sql: "select 1 as a where false", cols: []string{"a"}, rows: [][]any{}, count: 0},
		{name: "values", sql: "values (1, 'a'), (2, 'b')", cols: []string{"col0", "col1"}, rows: [][]any{{int64(1), "a"}, {int64(2), "b"}}, count: 2},
		{name: "from first", sql: "from range(3)", cols: []string{"range"}, rows: [][]any{{int64(0)}, {int64(1)}, {int64(2)}}, count: 3},
		{name: "with", sql: "with q as (select 42 as x) select x from q", cols: []string{"x"}, rows: [][]any{{int64(42)}}, count: 1},
		{name: "trailing comment", sql: "select 1 as a -- the answer", cols: []string{"a"}, rows: [][]any{{int64(1)}}, count: 1},
		{name: "semicolon in string", sql: "select 'a;b' as s;", cols: []string{"s"}, rows: [][]any{{"a;b"}}, count: 1},
		{name: "describe", sql: "describe select 1 as a", cols: []string{"column_name", "column_type", "null", "key", "default", "extra"},
			rows: [][]any{{"a", "INTEGER", "YES", nil, nil, nil}}, count: 1},
		{name: "pragma", sql: "pragma version", cols: []string{"library_version", "source_id", "codename"}, count: 1},
		{name: "insert returning", sql: "create temp table y (a int); insert into y values (1), (2) returning a * 10 as b",
			cols: []string{"b"}, rows: [][]any{{int64(10)}, {int64(20)}}, count: 2},
		{name: "large keeps a table", sql: "select range as i from range(1000)", cols: []string{"i"}, count: 1000, paged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, e)
			res := mustQuery(t, s, tt.sql)
			if tt.noResult {
				if res.Columns != nil || res.ID != "" {
					t.Errorf("got a table %v (id %q), want none", colNames(res.Columns), res.ID)
				}
			} else if got := colNames(res.Columns); !reflect.DeepEqual(got, tt.cols) {
				t.Errorf("columns = %v, want %v", got, tt.cols)
			}
			if tt.rows != nil && !reflect.DeepEqual(res.Rows, tt.rows) {
				t.Errorf("rows = %#v, want %#v", res.Rows, tt.rows)
			}
			if res.RowCount != tt.count {
				t.Errorf("RowCount = %d, want %d", res.RowCount, tt.count)
			}
			if res.Message != tt.message {
				t.Errorf("Message = %q, want %q", res.Message, tt.message)
			}
			if !tt.noResult && res.ID == "" {
				t.Errorf("no result ID")
			}
			s.mu.Lock()
			r := s.results[res.ID]
			s.mu.Unlock()
			if !tt.noResult && (r.table != "") != tt.paged {
				t.Errorf("result table %q, want paged=%v", r.table, tt.paged)
			}
		})
	}
}

func TestLexerDisagreement(t *testing.T) {
	// When the lexer and DuckDB count statements differently, DuckDB splits and the last
	// result is read directly.
	split = func(string) []stmtSpan { return nil }
	t.Cleanup(func() { split = splitStatements })
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "create temp table t as select 1 as a; select a + 1 as b from t")
	if !reflect.DeepEqual(res.Rows, [][]any{{int64(2)}}) || res.RowCount != 1 || res.ID == "" {
		t.Errorf("result = %+v", res)
	}
	_, err := s.Query(context.Background(), "select 1;\nselect nosuch from range(3)")
	// Only the line: for a later statement of a multi-statement string, DuckDB 1.5 shifts its
	// caret by the statement's start offset (one more reason the engine splits paragraphs).
	var ne *notebooks.Error
	if !errors.As(err, &ne) || ne.Code != notebooks.ERun || ne.Line != 2 {
		t.Errorf("err = %v, want run_error on line 2", err)
	}
}

func TestExplain(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	for _, sql := range []string{"explain select 1", "explain analyze select 1"} {
		res := mustQuery(t, s, sql)
		if res.Columns != nil || !strings.Contains(res.Message, "PROJECTION") {
			t.Errorf("%s = %+v, want the plan as the message", sql, res)
		}
	}
}

func TestTempTablesArePrivate(t *testing.T) {
	e := newEngine(t, Options{})
	a, b := newSession(t, e), newSession(t, e)
	mustQuery(t, a, "create temp table t as select 1 as x")
	if res := mustQuery(t, a, "select x from t"); !reflect.DeepEqual(res.Rows, [][]any{{int64(1)}}) {
		t.Fatalf("session A rows = %v", res.Rows)
	}
	_, err := b.Query(context.Background(), "select x from t")
	if notebooks.ErrorCode(err) != notebooks.ERun || !strings.Contains(err.Error(), "t does not exist") {
		t.Fatalf("session B: err = %v, want ERun table does not exist", err)
	}
	// A result table of A is not visible to B either.
	res := mustQuery(t, a, "select range from range(500)")
	if _, err := b.Page(context.Background(), res.ID, 0, 10); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("B paging A's result: err = %v, want not found", err)
	}
	// A closed session's connection is not reused with its temp tables.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	c := newSession(t, e)
	if _, err := c.Query(context.Background(), "select x from t"); notebooks.ErrorCode(err) != notebooks.ERun {
		t.Errorf("new session sees a closed session's temp table: err = %v", err)
	}
}

func TestLargeResultStaysInDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("materializes 10M rows")
	}
	s := newSession(t, newEngine(t, Options{}))
	mustQuery(t, s, "select 1") // warm up

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rssBefore := rssKB()
	start := time.Now()
	res := mustQuery(t, s, "select range as i from range(10000000)")
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	if res.RowCount != 10_000_000 {
		t.Errorf("RowCount = %d, want 10000000", res.RowCount)
	}
	if len(res.Rows) != 100 || res.Rows[0][0] != int64(0) || res.Rows[99][0] != int64(99) {
		t.Errorf("first page: %d rows, first %v", len(res.Rows), res.Rows[:min(1, len(res.Rows))])
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	total := after.TotalAlloc - before.TotalAlloc
	t.Logf("10M rows: %v, Go heap growth %d KB, Go allocated %d KB, process RSS %d -> %d KB",
		elapsed, growth/1024, total/1024, rssBefore, rssKB())
	if growth > 50<<20 || total > 50<<20 {
		t.Errorf("Go heap grew %d bytes (allocated %d): the result came into Go", growth, total)
	}
	page, err := s.Page(context.Background(), res.ID, 9_999_998, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(page, [][]any{{int64(9_999_998)}, {int64(9_999_999)}}) {
		t.Errorf("last page = %v", page)
	}
}

func TestPagingKeepsOrder(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "select range as i, 'row ' || range as label from range(100000) order by i desc")
	if res.RowCount != 100000 || res.Rows[0][0] != int64(99999) {
		t.Fatalf("RowCount %d, first row %v", res.RowCount, res.Rows[0])
	}
	for _, tt := range []struct{ offset, limit int64 }{{0, 100}, {100, 100}, {5000, 250}, {54321, 1000}, {99990, 100}} {
		page, err := s.Page(context.Background(), res.ID, tt.offset, tt.limit)
		if err != nil {
			t.Fatalf("Page(%d, %d): %v", tt.offset, tt.limit, err)
		}
		want := min(tt.limit, 100000-tt.offset)
		if int64(len(page)) != want {
			t.Fatalf("Page(%d, %d): %d rows, want %d", tt.offset, tt.limit, len(page), want)
		}
		for i, row := range page {
			if v := 99999 - tt.offset - int64(i); row[0] != v || row[1] != fmt.Sprintf("row %d", v) {
				t.Fatalf("Page(%d, %d) row %d = %v, want %d", tt.offset, tt.limit, i, row, v)
			}
		}
	}
	if page, err := s.Page(context.Background(), res.ID, 200000, 10); err != nil || len(page) != 0 {
		t.Errorf("page past the end = %v, %v", page, err)
	}
	// A column named rowid hides DuckDB's row number; paging still keeps the order.
	shadow := mustQuery(t, s, "select 1000 - range as rowid from range(1000) order by rowid")
	if page, err := s.Page(context.Background(), shadow.ID, 500, 2); err != nil || !reflect.DeepEqual(page, [][]any{{int64(501)}, {int64(502)}}) {
		t.Errorf("page with a rowid column = %v, %v", page, err)
	}
	// Small results are paged from memory.
	small := mustQuery(t, s, "select * from range(5) order by 1 desc")
	if page, err := s.Page(context.Background(), small.ID, 3, 10); err != nil || !reflect.DeepEqual(page, [][]any{{int64(1)}, {int64(0)}}) {
		t.Errorf("small page = %v, %v", page, err)
	}
}

func TestPageErrorsAndDrop(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	ctx := context.Background()
	res := mustQuery(t, s, "select * from range(1000)")
	if _, err := s.Page(ctx, "nope", 0, 10); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := s.Page(ctx, res.ID, -1, 10); notebooks.ErrorCode(err) != notebooks.EInvalid {
		t.Errorf("negative offset: %v", err)
	}
	if page, err := s.Page(ctx, res.ID, 0, 0); err != nil || len(page) != 100 {
		t.Errorf("default limit: %d rows, %v", len(page), err)
	}
	// A result table lost to a rollback is reported as gone.
	rolled := mustQuery(t, s, "begin; select * from range(500)")
	mustQuery(t, s, "rollback")
	if _, err := s.Page(ctx, rolled.ID, 0, 10); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("rolled back result: %v", err)
	}
	s.mu.Lock()
	table := s.results[res.ID].table
	s.mu.Unlock()
	s.Drop(res.ID)
	if _, err := s.Page(ctx, res.ID, 0, 10); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("dropped: %v", err)
	}
	check := mustQuery(t, s, "select count(*) as n from duckdb_tables() where table_name = '"+table+"'")
	if check.Rows[0][0] != int64(0) {
		t.Errorf("table %s still exists after Drop and a query", table)
	}
	// Small results are kept in memory; their tables go at the next statement.
	s.Drop(rolled.ID)
	mustQuery(t, s, "select 1")
	left := mustQuery(t, s, "select count(*) as n from duckdb_tables() where table_name like '__lakebook_result_%'")
	if left.Rows[0][0] != int64(1) { // the counting query's own result table
		t.Errorf("%v result tables, want 1", left.Rows[0][0])
	}
}

func TestErrors(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	tests := []struct {
		name         string
		sql          string
		line, column int
		contains     string
	}{
		{"syntax error on line 2", "select 1;\nselec 2", 2, 1, "syntax error"},
		{"syntax error mid-line", "select 1 as a,\n  2 as b fromm t", 2, 10, "syntax error"},
		{"binder error in last statement", "select 1;\nselect nosuch from range(3)", 2, 8, `"nosuch" not found`},
		{"binder error in middle statement", "select 1;\n  select  nosuch from range(3);\nselect 3", 2, 11, `"nosuch" not found`},
		{"missing table, same line", "select 1; select * from nosuchtable", 1, 25, "nosuchtable does not exist"},
		{"error after a wrapper", "create temp table e1 as select 1 as a;\nselect a,\n  b from e1", 3, 3, `"b" not found`},
		{"wide characters", "select 'héllo wörld' || xyz", 1, 25, `"xyz"`},
		{"long line", "select 1 as aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, 2 as bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, nosuch, 3 as ccccccccccccccccccccccccccccccccccccccccccccccccccc", 1, 120, `"nosuch"`},
		{"CRLF lines", "select 1;\r\nselect\r\n nosuch", 3, 2, `"nosuch"`},
		{"cast error in a later statement", "select 1;\n\nselect 'abc'::int", 3, 13, "Could not convert"},
		{"unreadable type in a direct result", "create temp table vv (v VARIANT);\ninsert into vv values (1) returning v", 2, 1, "cast it to VARCHAR"},
		{"runtime error without position, one statement", "select error('boom')", 0, 0, "boom"},
		{"runtime error without position, later statement", "select 1;\n  select error('boom')", 2, 3, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Query(context.Background(), tt.sql)
			var ne *notebooks.Error
			if !errors.As(err, &ne) {
				t.Fatalf("err = %v, want *notebooks.Error", err)
			}
			if ne.Code != notebooks.ERun || ne.Line != tt.line || ne.Column != tt.column || !strings.Contains(ne.Message, tt.contains) {
				t.Errorf("err = %d:%d %q; want run_error at %d:%d containing %q", ne.Line, ne.Column, ne.Message, tt.line, tt.column, tt.contains)
			}
			if strings.Contains(ne.Message, "LINE ") || strings.Contains(ne.Message, "__lakebook") {
				t.Errorf("message leaks DuckDB's context or the wrapper: %q", ne.Message)
			}
		})
	}
	// The session is still usable.
	mustQuery(t, s, "select 1")
}

func TestCancel(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Query(ctx, "select count(*) from range(1000000) a, range(1000000) b")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("query not interrupted after 5s")
	}
	t.Logf("cancel returned after %v", time.Since(start))
	if notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Fatalf("err = %v, want canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cancel took %v", d)
	}
	res := mustQuery(t, s, "select 42 as x")
	if res.Rows[0][0] != int64(42) {
		t.Errorf("after cancel: %v", res.Rows)
	}
}

func TestPageWaitsForRunningQuery(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	res := mustQuery(t, s, "select * from range(1000)")
	qctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Query(qctx, "select count(*) from range(1000000) a, range(1000000) b")
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	pctx, pcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer pcancel()
	if _, err := s.Page(pctx, res.ID, 0, 10); notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Errorf("page during a query: %v, want canceled after waiting", err)
	}
	cancel()
	<-done
	if page, err := s.Page(context.Background(), res.ID, 990, 10); err != nil || len(page) != 10 {
		t.Errorf("page after the query: %d rows, %v", len(page), err)
	}
}

func TestCloseCancelsRunningQuery(t *testing.T) {
	e := newEngine(t, Options{})
	s, err := e.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Query(context.Background(), "select count(*) from range(1000000) a, range(1000000) b")
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Errorf("running query: %v, want canceled", err)
	}
	if _, err := s.Query(context.Background(), "select 1"); notebooks.ErrorCode(err) != notebooks.EUnavailable {
		t.Errorf("query on closed session: %v", err)
	}
}

func TestConcurrentSessions(t *testing.T) {
	e := newEngine(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		s := newSession(t, e)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			sql := fmt.Sprintf("create temp table t as select range * %d as v from range(20000); select v from t order by v", i)
			for range 5 {
				res, err := s.Query(ctx, sql)
				if err != nil {
					errs <- err
					return
				}
				page, err := s.Page(ctx, res.ID, 10000, 1)
				if err != nil {
					errs <- err
					return
				}
				if page[0][0] != int64(10000*i) {
					errs <- fmt.Errorf("session %d: got %v", i, page[0][0])
					return
				}
				if _, err := s.Query(ctx, "drop table t"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Paging one session while it runs a query waits for the query, and does not break.
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWorkspaceFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	csv := "code,city\nSEA,Seattle\nSFO,San Francisco\nJFK,New York\n"
	if err := os.WriteFile(filepath.Join(dir, "data", "airports.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // relative paths are allowed under confinement only inside the workspace

	s := newSession(t, newEngine(t, Options{Dir: dir}))
	for _, sql := range []string{
		"select count(*) as n from 'data/airports.csv'",
		"select count(*) as n from read_csv('data/airports.csv')",
		"select count(*) as n from read_csv('" + filepath.Join(dir, "data", "airports.csv") + "')",
	} {
		if res := mustQuery(t, s, sql); res.Rows[0][0] != int64(3) {
			t.Errorf("%s = %v", sql, res.Rows)
		}
	}
	mustQuery(t, s, "copy (select * from 'data/airports.csv' order by code) to 'data/airports.parquet' (format parquet)")
	res := mustQuery(t, s, "select code, city from 'data/airports.parquet'")
	if !reflect.DeepEqual(res.Rows, [][]any{{"JFK", "New York"}, {"SEA", "Seattle"}, {"SFO", "San Francisco"}}) {
		t.Errorf("parquet rows = %v", res.Rows)
	}

	// Confinement: nothing outside the workspace, by any spelling.
	for _, sql := range []string{
		"select * from read_csv('/etc/passwd')",
		"select * from '/etc/passwd'",
		"select * from read_csv('../" + filepath.Base(outside) + "/secret.csv')",
		"select * from read_csv('" + filepath.Join(outside, "secret.csv") + "')",
		"select * from read_csv('data/../../" + filepath.Base(outside) + "/secret.csv')",
		"copy (select 1) to '" + filepath.Join(outside, "x.csv") + "'",
		"attach '" + filepath.Join(outside, "x.db") + "'",
		"set file_search_path = '/etc'; select * from read_csv('passwd')",
	} {
		_, err := s.Query(context.Background(), sql)
		if notebooks.ErrorCode(err) != notebooks.ERun || !(strings.Contains(err.Error(), "Permission Error") || strings.Contains(err.Error(), "does not exist")) {
			t.Errorf("%s: err = %v, want a permission error", sql, err)
		}
	}
	_, err := s.Query(context.Background(), "select * from read_csv('/etc/passwd')")
	if !strings.Contains(err.Error(), `Permission Error: Cannot access file "/etc/passwd"`) {
		t.Errorf("reading /etc/passwd: %v", err)
	}
	for _, sql := range []string{"set enable_external_access = true", "set allowed_directories = ['/']"} {
		if _, err := s.Query(context.Background(), sql); notebooks.ErrorCode(err) != notebooks.ERun {
			t.Errorf("%s: err = %v, want refused", sql, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "x.csv")); err == nil {
		t.Errorf("COPY wrote outside the workspace")
	}
}

func TestRelativePathsOutsideWorkspace(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x\n1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // the server runs elsewhere

	// Unconfined, relative paths still find workspace files through file_search_path.
	open := newSession(t, newEngine(t, Options{Dir: dir, AllowAnyPath: true}))
	if res := mustQuery(t, open, "select count(*) from 'a.csv'"); res.Rows[0][0] != int64(2) {
		t.Errorf("unconfined relative read = %v", res.Rows)
	}
	// Confined, DuckDB would resolve them against the working directory first, so they are
	// refused, with a hint; absolute paths work.
	confined := newSession(t, newEngine(t, Options{Dir: dir}))
	_, err := confined.Query(context.Background(), "select count(*) from 'a.csv'")
	if notebooks.ErrorCode(err) != notebooks.ERun || !strings.Contains(err.Error(), "relative paths work only") {
		t.Errorf("confined relative read: %v", err)
	}
	if res := mustQuery(t, confined, "select count(*) from '"+filepath.Join(dir, "a.csv")+"'"); res.Rows[0][0] != int64(2) {
		t.Errorf("confined absolute read = %v", res.Rows)
	}
}

func TestSpillToTempDir(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~200 MB")
	}
	dir := t.TempDir()
	s := newSession(t, newEngine(t, Options{Dir: dir, MemoryLimit: "100MB", Threads: 2}))
	res := mustQuery(t, s, "select range as i, range::varchar as s from range(5000000) order by i desc")
	if res.RowCount != 5_000_000 || res.Rows[0][0] != int64(4_999_999) {
		t.Fatalf("RowCount %d, first %v", res.RowCount, res.Rows[0])
	}
	entries, err := os.ReadDir(filepath.Join(dir, ".lakebook", "tmp"))
	if err != nil || len(entries) == 0 {
		t.Errorf("nothing spilled to the workspace temp dir (%v)", err)
	}
}

func TestFileDatabase(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(Options{Dir: dir, DBPath: ".lakebook/engine.duckdb"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, s, "create table kept as select 7 as x")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := newSession(t, newEngine(t, Options{Dir: dir, DBPath: ".lakebook/engine.duckdb"}))
	if res := mustQuery(t, s2, "select x from kept"); res.Rows[0][0] != int64(7) {
		t.Errorf("reopened = %v", res.Rows)
	}
}

func BenchmarkSelectOne(b *testing.B) {
	s := newSession(b, newEngine(b, Options{}))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Query(ctx, "select 1")
		if err != nil {
			b.Fatal(err)
		}
		s.Drop(res.ID)
	}
}

// rssKB is the process's resident set in KB (Linux; 0 elsewhere): DuckDB's memory is not
// in the Go heap.
func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// Form values substituted into SQL stay values, however they are quoted.
func TestFormValuesStayValues(t *testing.T) {
	s := newSession(t, newEngine(t, Options{}))
	mustQuery(t, s, "CREATE TEMP TABLE x AS SELECT 1 AS a")
	evil := `'; drop table x; --`
	for _, text := range []string{"SELECT ${v}", "SELECT '${v}'", `SELECT E'${v}'`, `SELECT 1 AS "${v}"`, "SELECT ${v} -- ${v}\n"} {
		sql, err := notebooks.SubstituteSQL(text, map[string][]string{"v": {evil + `\`}})
		if err != nil {
			t.Fatal(err)
		}
		r := mustQuery(t, s, sql)
		if got := fmt.Sprint(r.Rows[0][0]); !strings.Contains(text, `"`) && got != evil+`\` {
			t.Errorf("%s → %s: value %q", text, sql, got)
		}
		mustQuery(t, s, "SELECT * FROM x")
	}
}
