package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakebook/lakebook/engine/internal/laketest"
	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/objstore/objstoretest"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/s3test"
)

// lakeEngine opens an engine whose workspace holds the file:// store, so its locations are
// inside the workspace.
func lakeEngine(t testing.TB, s *objstore.Store, opts Options) *Engine {
	t.Helper()
	if u, err := url.Parse(s.URL()); err == nil && u.Scheme == "file" {
		opts.Dir = u.Path
	}
	return newEngine(t, opts)
}

// location is the URL of folder sub of store s, as a user would write it.
func location(s *objstore.Store, sub string) string {
	u, _ := url.Parse(s.URL())
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + sub
	return u.String()
}

// cacheFiles lists the paths of the files in e's cache whose names keep says.
func cacheFiles(e *Engine, keep func(name string) bool) []string {
	var out []string
	filepath.WalkDir(e.opts.CacheDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && keep(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func scalar(t testing.TB, s *Session, sql string) (any, notebooks.QueryStats) {
	t.Helper()
	r := mustQuery(t, s, sql)
	if len(r.Rows) != 1 || len(r.Rows[0]) != 1 {
		t.Fatalf("%s: got %v, want one value", sql, r.Rows)
	}
	return r.Rows[0][0], r.Stats
}

func wantRunError(t testing.TB, s *Session, sql, substr string) *notebooks.Error {
	t.Helper()
	_, err := s.Query(context.Background(), sql)
	ne := notebooks.AsError(err)
	t.Logf("%s\n\t→ %v", sql, err)
	if err == nil || ne.Code != notebooks.ERun || !strings.Contains(ne.Message, substr) {
		t.Fatalf("%s: err = %v, want run_error containing %q", sql, err, substr)
	}
	return ne
}

func TestLakeTables(t *testing.T) {
	objstoretest.ForEachBackend(t, "lake", func(t *testing.T, store *objstore.Store) {
		const months, perMonth = 7, 5000
		laketest.Months(t, store, "sales/", months, perMonth)
		ws := ""
		e := lakeEngine(t, store, Options{})
		ws = e.Dir()
		s := newSession(t, e)
		remote := !strings.HasPrefix(store.URL(), "file:")

		msg := mustQuery(t, s, "CREATE EXTERNAL TABLE sales STORED AS PARQUET LOCATION '"+location(store, "sales")+"'").Message
		if !strings.Contains(msg, "7 files, 7 partitions, 35000 rows") {
			t.Fatalf("register: %q", msg)
		}
		tbl, _ := e.Catalog().Table("sales")
		total := tbl.Bytes()
		// Completion sees the catalog table, with its partition key, before any query used it.
		if names, err := s.Names(context.Background()); err != nil || fmt.Sprint(names.Tables["sales"]) != "[id day amount month]" {
			t.Fatalf("names of sales: %v, %v", names.Tables["sales"], err)
		}

		// A partition predicate: one file of seven is fetched.
		n, st := scalar(t, s, "SELECT count(*) FROM sales WHERE month = 3")
		if n != int64(perMonth) || st.FilesScanned != 1 || st.FilesPruned != 6 {
			t.Fatalf("month = 3: %v rows, stats %+v", n, st)
		}
		if remote && (st.BytesFetched == 0 || st.BytesFetched > total/months+1) {
			t.Fatalf("fetched %d bytes of %d", st.BytesFetched, total)
		}
		// The same again: served from the cache.
		_, st = scalar(t, s, "SELECT count(*) FROM sales WHERE month = 3")
		if remote && (st.BytesFetched != 0 || st.CacheHits != 1) {
			t.Fatalf("second run: %+v", st)
		}
		// Parquet min/max statistics prune too: days of March live in month=3 only.
		n, st = scalar(t, s, "SELECT count(*) FROM sales s WHERE s.day >= DATE '2024-03-01' AND s.day < DATE '2024-03-01' + INTERVAL 1 MONTH")
		if n != int64(perMonth) || st.FilesScanned != 1 {
			t.Fatalf("March by day: %v rows, stats %+v", n, st)
		}
		// Everything, and a predicate that rules out every file.
		if n, st = scalar(t, s, "SELECT count(*) FROM sales"); n != int64(months*perMonth) || st.FilesPruned != 0 {
			t.Fatalf("all: %v %+v", n, st)
		}
		if n, st = scalar(t, s, "SELECT count(*) FROM sales WHERE month = 42"); n != int64(0) || st.FilesScanned != 0 {
			t.Fatalf("none: %v %+v", n, st)
		}
		r := mustQuery(t, s, "DESCRIBE sales")
		if r.RowCount != 4 {
			t.Fatalf("describe: %v", r.Rows)
		}

		// Write back, partitioned, and query the new table.
		msg = mustQuery(t, s, "CREATE EXTERNAL TABLE totals PARTITIONED BY (month) LOCATION '"+location(store, "out/totals")+
			"' AS SELECT month, count(*) AS n, sum(amount) AS amount FROM sales GROUP BY month").Message
		if !strings.Contains(msg, "wrote 7 rows") {
			t.Fatalf("write back: %q", msg)
		}
		if n, _ = scalar(t, s, "SELECT n FROM totals WHERE month = 5"); n != int64(perMonth) {
			t.Fatalf("totals: %v", n)
		}
		wantRunError(t, s, "CREATE EXTERNAL TABLE again LOCATION '"+location(store, "out/totals")+"' AS SELECT 1 AS x", "write to an empty location")

		// A new month appears; MSCK REPAIR TABLE picks it up.
		laketest.Put(t, store, "sales/month=8/part-0.parquet", laketest.Parquet(t, "SELECT 1 AS id, DATE '2024-08-01' AS day, 1.0::DOUBLE AS amount"))
		if msg = mustQuery(t, s, "MSCK REPAIR TABLE sales").Message; !strings.Contains(msg, "1 new partition") {
			t.Fatalf("repair: %q", msg)
		}
		if n, _ = scalar(t, s, "SELECT count(*) FROM sales WHERE month >= 8"); n != int64(1) {
			t.Fatalf("after repair: %v", n)
		}

		// A restart keeps the catalog and the cache.
		s.Close()
		e.Close()
		e2 := newEngine(t, Options{Dir: ws})
		s2 := newSession(t, e2)
		n, st = scalar(t, s2, "SELECT count(*) FROM sales WHERE month = 3")
		if n != int64(perMonth) || remote && st.CacheHits != 1 {
			t.Fatalf("after restart: %v %+v", n, st)
		}
		r = mustQuery(t, s2, "SHOW EXTERNAL TABLES")
		if r.RowCount != 2 {
			t.Fatalf("show: %v", r.Rows)
		}
		mustQuery(t, s2, "DROP EXTERNAL TABLE totals")
		wantRunError(t, s2, "SELECT * FROM totals", "totals")
	})
}

func TestLakeBadInput(t *testing.T) {
	objstoretest.ForEachBackend(t, "bad", func(t *testing.T, store *objstore.Store) {
		laketest.Months(t, store, "sales/", 2, 100)
		e := lakeEngine(t, store, Options{})
		s := newSession(t, e)
		remote := !strings.HasPrefix(store.URL(), "file:")
		mustQuery(t, s, "CREATE EXTERNAL TABLE sales LOCATION '"+location(store, "sales")+"'")

		for _, tc := range []struct{ sql, msg string }{
			{"CREATE EXTERNAL TABLE x LOCATION '" + location(store, "nothing-here") + "'", "nothing-here"},
			{"CREATE EXTERNAL TABLE sales LOCATION '" + location(store, "sales") + "'", "already exists"},
			{"CREATE EXTERNAL TABLE 9x LOCATION 'a'", "expected a table name"},
			{`CREATE EXTERNAL TABLE "a-b" LOCATION 'a'`, "bad table name"},
			{"CREATE EXTERNAL TABLE x", "missing LOCATION"},
			{"CREATE EXTERNAL TABLE x LOCATION a", "quoted string"},
			{"CREATE EXTERNAL TABLE x STORED AS ORC LOCATION 'a'", "unknown format ORC"},
			{"CREATE EXTERNAL TABLE x PARTITIONED BY (a) LOCATION 'a'", "PARTITIONED BY goes with AS"},
			{"MSCK REPAIR TABLE nope", "no table nope"},
			{"DROP EXTERNAL TABLE nope", "no table nope"},
			{"ALTER EXTERNAL TABLE sales RENAME sales2", "expected TO"},
			{"CREATE EXTERNAL TABLE w LOCATION '" + location(store, "w") + "' AS SELECT nope FROM sales", "nope"},
		} {
			wantRunError(t, s, tc.sql, tc.msg)
		}
		mustQuery(t, s, "DROP EXTERNAL TABLE IF EXISTS nope")
		if _, ok := e.Catalog().Table("w"); ok {
			t.Fatal("a failed write-back registered its table")
		}

		// The error of a lakebook statement points at it in a paragraph of several.
		ne := wantRunError(t, s, "SELECT 1;\nCREATE EXTERNAL TABLE x LOCATION nope", "quoted string")
		if ne.Line != 2 || ne.Column != 34 {
			t.Fatalf("position %d:%d", ne.Line, ne.Column)
		}

		if remote {
			laketest.Months(t, store, "fresh/", 2, 10)
			mustQuery(t, s, "CREATE EXTERNAL TABLE fresh LOCATION '"+location(store, "fresh")+"'")
			// An object rewritten since the crawl: its ETag changed.
			laketest.Put(t, store, "fresh/month=2/part-0.parquet", laketest.Parquet(t, "SELECT 7 AS id, DATE '2024-02-02' AS day, 2.0::DOUBLE AS amount"))
			wantRunError(t, s, "SELECT count(*) FROM fresh WHERE month = 2", "MSCK REPAIR TABLE fresh")
			// A vanished object.
			if err := store.Delete(context.Background(), "fresh/month=1/part-0.parquet"); err != nil {
				t.Fatal(err)
			}
			wantRunError(t, s, "SELECT count(*) FROM fresh WHERE month = 1", "month=1/part-0.parquet")
			// Nothing bad was cached, and the session still works.
			mustQuery(t, s, "MSCK REPAIR TABLE fresh")
			if n, _ := scalar(t, s, "SELECT sum(id) FROM fresh"); fmt.Sprint(n) != "7" {
				t.Fatalf("after repair: %v", n)
			}
		}
	})
}

func TestAdmissionQueue(t *testing.T) {
	e := newEngine(t, Options{MaxQueries: 1})
	a, b := newSession(t, e), newSession(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		close(started)
		a.Query(ctx, "SELECT count(*) FROM range(100000000000)")
	}()
	<-started
	waitFor(t, func() bool { return len(e.admit.slots) == 1 }) // a holds the only slot
	var mu sync.Mutex
	var seen []notebooks.Progress
	done := make(chan error, 1)
	go func() {
		_, err := b.QueryWith(context.Background(), "SELECT 1", func(p notebooks.Progress) {
			mu.Lock()
			seen = append(seen, p)
			mu.Unlock()
		})
		done <- err
	}()
	waitFor(t, func() bool {
		e.admit.mu.Lock()
		defer e.admit.mu.Unlock()
		return len(e.admit.queue) == 1
	})
	mu.Lock()
	queued := len(seen) > 0 && seen[0].Phase == notebooks.PhaseQueued && seen[0].Position == 1
	mu.Unlock()
	if !queued {
		t.Fatalf("second query's progress: %+v", seen)
	}
	cancel() // a ends; b gets the slot
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
	}
}

// cuttingProxy forwards TCP to addr; while cut is set it drops each connection after the
// first 4 KiB the server sends, as a flaky network or a dying S3 node does.
type cuttingProxy struct {
	ln   net.Listener
	cut  atomic.Bool
	slow atomic.Bool // 4 KiB every 50 ms
}

func newCuttingProxy(t testing.TB, addr string) *cuttingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c, addr)
		}
	}()
	return p
}

func (p *cuttingProxy) serve(c net.Conn, addr string) {
	defer c.Close()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer up.Close()
	go io.Copy(up, c)
	switch {
	case p.cut.Load():
		io.CopyN(c, up, 4096)
	case p.slow.Load():
		for {
			if _, err := io.CopyN(c, up, 4096); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	default:
		io.Copy(c, up)
	}
}

func TestLakeStorageFailures(t *testing.T) {
	srv := s3test.StartServer(t)
	direct, err := objstore.Open(context.Background(), srv.URL("fail"))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	laketest.Months(t, direct, "sales/", 2, 20000)

	proxy := newCuttingProxy(t, strings.TrimPrefix(srv.Endpoint, "http://"))
	viaProxy := strings.Replace(location(direct, "sales"), url.QueryEscape(srv.Endpoint), url.QueryEscape("http://"+proxy.ln.Addr().String()), 1)
	e := newEngine(t, Options{})
	s := newSession(t, e)

	t.Run("wrong credentials", func(t *testing.T) {
		t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
		wantRunError(t, s, "CREATE EXTERNAL TABLE creds LOCATION '"+location(direct, "sales/month=1")+"'", "SignatureDoesNotMatch")
	})

	mustQuery(t, s, "CREATE EXTERNAL TABLE sales LOCATION '"+viaProxy+"'")
	t.Run("connection dropped mid-fetch", func(t *testing.T) {
		proxy.cut.Store(true)
		defer proxy.cut.Store(false)
		wantRunError(t, s, "SELECT sum(id) FROM sales WHERE month = 1", "month=1/part-0.parquet")
		if n, _ := e.cache.Usage(); n > 1 {
			t.Fatalf("a torn download left %d cache entries, want at most the footer's", n)
		}
	})
	if n, st := scalar(t, s, "SELECT sum(id) FROM sales WHERE month = 1"); n != int64(20000*19999/2) || st.BytesFetched == 0 {
		t.Fatalf("after the network recovered: %v %+v", n, st)
	}

	t.Run("cancel during fetch", func(t *testing.T) {
		proxy.slow.Store(true)
		defer proxy.slow.Store(false)
		ctx, cancel := context.WithCancel(context.Background())
		var cancelledAt atomic.Int64
		var once sync.Once
		_, err := s.QueryWith(ctx, "SELECT sum(id) FROM sales WHERE month = 2", func(p notebooks.Progress) {
			if p.Phase == notebooks.PhaseFetching {
				// Well into the download, which takes seconds through the slow proxy.
				once.Do(func() {
					time.AfterFunc(200*time.Millisecond, func() { cancelledAt.Store(time.Now().UnixNano()); cancel() })
				})
			}
		})
		if notebooks.ErrorCode(err) != notebooks.ECanceled {
			t.Fatalf("err = %v, want canceled", err)
		}
		t.Logf("returned %s after the cancel", time.Since(time.Unix(0, cancelledAt.Load())))
		// The month fetched before, and this month's footer, read before its columns.
		if n, _ := e.cache.Usage(); n > 2 {
			t.Fatalf("cache entries after a cancelled fetch: %d, want at most 2", n)
		}
		if partial := cacheFiles(e, func(name string) bool { return strings.Contains(name, ".part") }); len(partial) > 0 {
			t.Fatalf("partial downloads left: %v", partial)
		}
	})

	t.Run("bucket vanished", func(t *testing.T) {
		if err := os.RemoveAll(filepath.Join(srv.Dir, srv.Bucket)); err != nil {
			t.Fatal(err)
		}
		wantRunError(t, s, "SELECT sum(id) FROM sales WHERE month = 2", "month=2/part-0.parquet")
		// Files already in the cache still answer: they are the table as crawled.
		if n, _ := scalar(t, s, "SELECT count(*) FROM sales WHERE month = 1"); n != int64(20000) {
			t.Fatalf("cached month: %v", n)
		}
		wantRunError(t, s, "MSCK REPAIR TABLE sales", "")
		if _, ok := e.Catalog().Table("sales"); !ok {
			t.Fatal("a failed re-crawl dropped the table")
		}
	})
}

func TestProgressReportsDuckDBPercent(t *testing.T) {
	e := newEngine(t, Options{})
	s := newSession(t, e)
	mustQuery(t, s, "CREATE TEMP TABLE big AS SELECT range AS x FROM range(40000000)")
	var mu sync.Mutex
	var got []float64
	_, err := s.QueryWith(context.Background(), "SELECT count(DISTINCT x % 100000007) FROM big", func(p notebooks.Progress) {
		if p.Phase == notebooks.PhaseRunning && p.Percent != nil {
			mu.Lock()
			got = append(got, *p.Percent)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[len(got)-1] <= 0 || got[len(got)-1] > 100 {
		t.Fatalf("percentages reported: %v", got)
	}
}

// TestLakeFetchesColumns: of Parquet files in S3, a query fetches the footers and the chunks of
// the columns it names, not the whole files; answers are those of the whole files; a later
// query of other columns adds only those; and a query that meets a part lakebook did not fetch
// (here: a sparse copy whose bytes were lost) runs again over whole files rather than failing.
func TestLakeFetchesColumns(t *testing.T) {
	srv := s3test.StartServer(t)
	store, err := objstore.Open(context.Background(), srv.URL("cols"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const rows = "SELECT range AS id, range % 7 AS small, repeat('x', 300) || range AS txt, (range * 0.5)::DOUBLE AS amount FROM range(50000)"
	laketest.Put(t, store, "wide/part-0.parquet", laketest.Parquet(t, rows))
	e := newEngine(t, Options{})
	s := newSession(t, e)
	mustQuery(t, s, "CREATE EXTERNAL TABLE wide LOCATION '"+location(store, "wide")+"'")
	tbl, _ := e.Catalog().Table("wide")
	total := tbl.Bytes()
	// check runs query over the table and over the rows themselves, and returns the stats.
	check := func(query string) notebooks.QueryStats {
		t.Helper()
		got, st := scalar(t, s, fmt.Sprintf(query, "wide"))
		want, _ := scalar(t, s, fmt.Sprintf(query, "("+rows+")"))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: %v, want %v", query, got, want)
		}
		return st
	}

	if tbl.Files[0].Layout == nil {
		t.Fatal("the crawl kept no layout")
	}
	if st := check("SELECT sum(small) FROM %s"); st.BytesFetched == 0 || st.BytesFetched > total/10 {
		t.Fatalf("sum(small): fetched %d of %d bytes", st.BytesFetched, total)
	}
	// The catalog's layout served: no footer was read first.
	e.layouts.Range(func(k, _ any) bool { t.Fatalf("footer read for %v", k); return false })
	if st := check("SELECT sum(small) FROM %s WHERE small = 3"); st.BytesFetched != 0 || st.CacheHits != 1 {
		t.Fatalf("again: %+v, want no fetch", st)
	}
	if st := check("SELECT max(txt) FROM %s WHERE id < 10"); st.BytesFetched < total/2 {
		t.Fatalf("max(txt): fetched %d of %d", st.BytesFetched, total)
	}
	check("SELECT sum(amount) FROM %s")

	// Zero the copy's columns while its state still claims them, as if DuckDB had read a part
	// lakebook did not fetch.
	copies := cacheFiles(e, func(name string) bool { return name == "part-0.parquet" })
	if len(copies) != 1 {
		t.Fatalf("cached copies %v, want one", copies)
	}
	f, err := os.OpenFile(copies[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	f.WriteAt(make([]byte, fi.Size()-20_000), 4)
	f.Close()
	if st := check("SELECT sum(amount) FROM %s"); st.BytesFetched != total {
		t.Fatalf("over a damaged copy: %+v, want the whole file's %d bytes fetched", st, total)
	}
}

// BenchmarkLakeWarm measures a warm query of a catalog table in S3 (its parts in the cache)
// beside the same query over the local copies through read_parquet: the difference is what
// bringing the table in costs a statement (pruning, cache lookups, the view).
func BenchmarkLakeWarm(b *testing.B) {
	srv := s3test.StartServer(b)
	store, err := objstore.Open(context.Background(), srv.URL("bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	laketest.Months(b, store, "sales/", 7, 20000)
	e := newEngine(b, Options{})
	s := newSession(b, e)
	mustQuery(b, s, "CREATE EXTERNAL TABLE sales LOCATION '"+location(store, "sales")+"'")
	const q = "SELECT sum(amount) FROM %s WHERE day >= DATE '2024-03-01' AND month <= 4"
	mustQuery(b, s, fmt.Sprintf(q, "sales"))
	var files []string
	for _, p := range cacheFiles(e, func(name string) bool { return strings.HasSuffix(name, ".parquet") }) {
		files = append(files, "'"+p+"'")
	}
	direct := fmt.Sprintf(q, "read_parquet(["+strings.Join(files, ", ")+"], hive_partitioning = true)")
	for _, c := range []struct{ name, sql string }{{"catalog", fmt.Sprintf(q, "sales")}, {"read_parquet", direct}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				mustQuery(b, s, c.sql)
			}
		})
	}
}
