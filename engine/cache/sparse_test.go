package cache_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lakebook/lakebook/engine/cache"
	"github.com/lakebook/lakebook/engine/objstore"
)

func rng(off, n int64) objstore.Range { return objstore.Range{Off: off, Len: n} }

// sparse is o with only rs wanted.
func sparse(o cache.Object, rs ...objstore.Range) cache.Object {
	o.Ranges = rs
	return o
}

// checkSparse checks that the file at path has the object's size and body's bytes in rs.
func checkSparse(t testing.TB, path string, body []byte, rs ...objstore.Range) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(body) {
		t.Fatalf("sparse copy has %d bytes, want the object's %d", len(got), len(body))
	}
	for _, r := range rs {
		if !bytes.Equal(got[r.Off:r.End()], body[r.Off:r.End()]) {
			t.Errorf("bytes %d+%d differ from the object's", r.Off, r.Len)
		}
	}
}

// TestSparseFetch: a Fetch of ranges downloads only those, a later one only what is missing,
// and a repeated one nothing; the cache counts the bytes held, not the object's size.
func TestSparseFetch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		body := data(100_000, "abcdefg")
		o := putObj(t, s, "t/x.parquet", body)

		s.ResetStats()
		l := fetch(t, c, s, sparse(o, rng(0, 10), rng(50_000, 1_000)))
		if l.Stats.BytesFetched != 1_010 || l.Stats.Fetched != 1 || s.Stats().RangeBytesRead != 1_010 || s.Stats().Downloads != 0 {
			t.Fatalf("first fetch: %+v, store %+v; want 1010 bytes in ranged reads", l.Stats, s.Stats())
		}
		checkSparse(t, l.Paths[0], body, rng(0, 10), rng(50_000, 1_000))
		if _, held := c.Usage(); held != 1_010 {
			t.Errorf("cache holds %d bytes, want 1010", held)
		}

		s.ResetStats()
		l2 := fetch(t, c, s, sparse(o, rng(50_500, 1_000), rng(90_000, 10_000)))
		if l2.Paths[0] != l.Paths[0] || l2.Stats.BytesFetched != 10_500 || l2.Stats.BytesHit != 500 {
			t.Fatalf("second fetch: %+v at %s; want the same file, 10500 bytes fetched, 500 held", l2.Stats, l2.Paths[0])
		}
		checkSparse(t, l2.Paths[0], body, rng(0, 10), rng(50_000, 1_500), rng(90_000, 10_000))

		s.ResetStats()
		l3 := fetch(t, c, s, sparse(o, rng(90_000, 10_000)), sparse(o, rng(0, 5)))
		if l3.Stats.Hits != 1 || l3.Stats.BytesFetched != 0 || s.Stats().RangeRequests != 0 {
			t.Fatalf("repeated fetch: %+v, store %+v; want a hit and no request", l3.Stats, s.Stats())
		}

		// A whole copy is another entry: it is downloaded, and the sparse one stays.
		w := fetch(t, c, s, o)
		if w.Stats.Fetched != 1 || w.Paths[0] == l.Paths[0] {
			t.Fatalf("whole fetch: %+v at %s", w.Stats, w.Paths[0])
		}
		if n, held := c.Usage(); n != 2 || held != 100_000+11_510 {
			t.Errorf("usage %d entries %d bytes, want 2 and %d", n, held, 100_000+11_510)
		}
		checkClean(t, c)
	})
}

// TestSparseRestart: sparse entries survive a restart with their ranges; a state file that is
// broken or does not match its file takes the entry with it.
func TestSparseRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		dir := t.TempDir()
		body := data(10_000, "xyz")
		o := putObj(t, s, "t/a.parquet", body)
		p := putObj(t, s, "t/b.parquet", body)
		c1 := openCache(t, dir, 0)
		l := fetch(t, c1, s, sparse(o, rng(100, 100)), sparse(p, rng(0, 50)))
		pa, pb := l.Paths[0], l.Paths[1]
		l.Release()
		c1.Close()

		c2 := openCache(t, dir, 0)
		if n, held := c2.Usage(); n != 2 || held != 150 {
			t.Fatalf("after reopen: %d entries %d bytes, want 2, 150", n, held)
		}
		s.ResetStats()
		l = fetch(t, c2, s, sparse(o, rng(120, 50)))
		if l.Stats.Hits != 1 || s.Stats().RangeRequests != 0 {
			t.Fatalf("after reopen: %+v, store %+v; want a hit", l.Stats, s.Stats())
		}
		l.Release()
		c2.Close()

		// Garbage in a's state; b's file of another length than its state says.
		if err := os.WriteFile(filepath.Join(hashDir(pa, o), ".have"), []byte("{torn"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(pb, 20); err != nil {
			t.Fatal(err)
		}
		c3 := openCache(t, dir, 0)
		if n, _ := c3.Usage(); n != 0 || exists(hashDir(pa, o)) || exists(hashDir(pb, p)) {
			t.Fatalf("broken sparse entries survived Open: %d entries, %v", n, files(t, dir))
		}
		l = fetch(t, c3, s, sparse(o, rng(100, 100)))
		checkSparse(t, l.Paths[0], body, rng(100, 100))
		checkClean(t, c3)
	})
}

// TestSparseEviction: sparse entries are evicted by the bytes they hold, least recently used
// first, never while pinned.
func TestSparseEviction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 250)
		a := putObj(t, s, "t/a.parquet", data(10_000, "a"))
		b := putObj(t, s, "t/b.parquet", data(10_000, "b"))
		la := fetch(t, c, s, sparse(a, rng(0, 200)))
		la.Release()
		lb := fetch(t, c, s, sparse(b, rng(0, 200)))
		if exists(la.Paths[0]) || !exists(lb.Paths[0]) {
			t.Fatal("the older sparse entry was not evicted for the newer")
		}
		// Growing a pinned entry past the bound keeps it.
		lb2 := fetch(t, c, s, sparse(b, rng(5_000, 1_000)))
		if !exists(lb2.Paths[0]) {
			t.Fatal("a pinned sparse entry was evicted")
		}
		lb.Release()
		lb2.Release()
		if n, _ := c.Usage(); n != 0 {
			t.Errorf("%d entries over the bound after release", n)
		}
		checkClean(t, c)
	})
}

// TestSparseConcurrentFills: Fetches of overlapping ranges of one object at once all get their
// bytes, in one file.
func TestSparseConcurrentFills(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		body := data(200_000, "0123456789")
		o := putObj(t, s, "t/x.parquet", body)
		var wg sync.WaitGroup
		paths := make([]string, 8)
		for i := range paths {
			wg.Go(func() {
				r := rng(int64(i)*20_000, 30_000)
				l, err := c.Fetch(context.Background(), s, []cache.Object{sparse(o, r)}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				defer l.Release()
				checkSparse(t, l.Paths[0], body, r)
				paths[i] = l.Paths[0]
			})
		}
		wg.Wait()
		for _, p := range paths[1:] {
			if p != paths[0] {
				t.Fatalf("fills landed in different files: %v", paths)
			}
		}
		if n, held := c.Usage(); n != 1 || held != 170_000 {
			t.Errorf("usage %d entries %d bytes, want 1 and 170000", n, held)
		}
	})
}

// TestSparseBadInput: ranges outside the object, an object changed since it was listed (S3,
// where reads carry If-Match), a missing object: an error naming the object, nothing claimed.
func TestSparseBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		body := data(1_000, "q")
		o := putObj(t, s, "t/x.parquet", body)
		ctx := context.Background()
		for _, r := range []objstore.Range{rng(900, 200), rng(-1, 5), rng(10, 0)} {
			if _, err := c.Fetch(ctx, s, []cache.Object{sparse(o, r)}, nil); err == nil || !strings.Contains(err.Error(), "t/x.parquet") {
				t.Errorf("range %+v: error %v, want one naming the object", r, err)
			}
		}
		gone := o
		gone.Key, gone.Name = "t/gone.parquet", "t/gone.parquet"
		if _, err := c.Fetch(ctx, s, []cache.Object{sparse(gone, rng(0, 10))}, nil); !errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("missing object: %v, want ErrNotFound", err)
		}
		if strings.HasPrefix(s.URL(), "s3://") {
			l := fetch(t, c, s, sparse(o, rng(0, 10)))
			l.Release()
			putObj(t, s, "t/x.parquet", data(1_000, "r")) // same size, new etag
			_, err := c.Fetch(ctx, s, []cache.Object{sparse(o, rng(500, 10))}, nil)
			if !errors.Is(err, objstore.ErrChanged) {
				t.Errorf("changed object: %v, want ErrChanged", err)
			}
			l = fetch(t, c, s, sparse(o, rng(0, 10)))
			checkSparse(t, l.Paths[0], body, rng(0, 10))
		}
		if n, held := c.Usage(); held > 10 {
			t.Errorf("%d entries hold %d bytes after failed fills, want at most the 10 fetched", n, held)
		}
		checkClean(t, c)
	})
}
