package cache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakebook/lakebook/engine/cache"
	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/objstore/objstoretest"
)

func forEachBackend(t *testing.T, fn func(t *testing.T, s *objstore.Store)) {
	objstoretest.ForEachBackend(t, "lake", fn)
}

// openCache opens a cache on dir, closed at cleanup.
func openCache(t testing.TB, dir string, maxBytes int64) *cache.Cache {
	t.Helper()
	c, err := cache.Open(cache.Options{Dir: dir, MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// data returns n bytes cycling through seed.
func data(n int, seed string) []byte {
	b := bytes.Repeat([]byte(seed), n/len(seed)+1)
	return b[:n]
}

// putObj writes key and returns it as the catalog lists it, named after the key.
func putObj(t testing.TB, s *objstore.Store, key string, body []byte) cache.Object {
	t.Helper()
	ctx := context.Background()
	if err := s.Put(ctx, key, body); err != nil {
		t.Fatal(err)
	}
	objs, err := s.List(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Key == key {
			return cache.Object{Key: o.Key, Size: o.Size, ETag: o.ETag, Name: key}
		}
	}
	t.Fatalf("%s not listed after put", key)
	return cache.Object{}
}

// fetch fetches objs, failing the test on error; the lease is released at cleanup.
func fetch(t testing.TB, c *cache.Cache, s *objstore.Store, objs ...cache.Object) *cache.Lease {
	t.Helper()
	l, err := c.Fetch(context.Background(), s, objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Release)
	return l
}

// files lists the regular files under dir, relative and sorted.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// checkClean fails if dir holds partial downloads or files the index does not count.
func checkClean(t testing.TB, c *cache.Cache) {
	t.Helper()
	var fs []string
	for _, f := range files(t, c.Dir()) {
		if strings.Contains(f, ".part-") {
			t.Errorf("partial file left: %s", f)
		}
		if path.Base(f) != ".have" { // a sparse entry's state, beside its file
			fs = append(fs, f)
		}
	}
	if n, _ := c.Usage(); n != len(fs) {
		t.Errorf("usage says %d entries, disk holds %v", n, fs)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// hashDir is the entry directory of a path returned for o.
func hashDir(path string, o cache.Object) string {
	return strings.TrimSuffix(path, "/"+o.Name)
}

func TestFetchHitsAndMisses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		body := map[string][]byte{}
		obj := func(key string, n int) cache.Object {
			body[key] = data(n, key)
			return putObj(t, s, key, body[key])
		}
		a := obj("sales/month=1/part-0.parquet", 100)
		b := obj("sales/month=2/part-0.parquet", 200)
		d := obj("sales/month=3/part-0.parquet", 300)

		for _, tc := range []struct {
			name      string
			objs      []cache.Object
			want      cache.Stats
			downloads int64
		}{
			{"cold", []cache.Object{a, b}, cache.Stats{Files: 2, Fetched: 2, BytesFetched: 300}, 2},
			{"warm", []cache.Object{a, b}, cache.Stats{Files: 2, Hits: 2, BytesHit: 300}, 0},
			{"mixed with a repeat", []cache.Object{b, d, b}, cache.Stats{Files: 2, Hits: 1, BytesHit: 200, Fetched: 1, BytesFetched: 300}, 1},
			{"empty", nil, cache.Stats{}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s.ResetStats()
				var calls []cache.Progress
				l, err := c.Fetch(context.Background(), s, tc.objs, func(p cache.Progress) { calls = append(calls, p) })
				if err != nil {
					t.Fatal(err)
				}
				defer l.Release()
				if l.Stats != tc.want {
					t.Errorf("stats %+v, want %+v", l.Stats, tc.want)
				}
				if got := s.Stats().Downloads; got != tc.downloads {
					t.Errorf("downloads %d, want %d", got, tc.downloads)
				}
				total := tc.want.BytesHit + tc.want.BytesFetched
				wantLast := cache.Progress{Files: tc.want.Files, FilesTotal: tc.want.Files, Bytes: total, BytesTotal: total}
				if len(calls) == 0 || calls[len(calls)-1] != wantLast {
					t.Errorf("progress calls %+v, want last %+v", calls, wantLast)
				}
				if len(l.Paths) != len(tc.objs) {
					t.Fatalf("%d paths for %d objects", len(l.Paths), len(tc.objs))
				}
				for i, p := range l.Paths {
					o := tc.objs[i]
					if !filepath.IsAbs(p) || !strings.HasSuffix(p, "/"+o.Name) {
						t.Errorf("path %s for %s: want absolute, ending in the name", p, o.Name)
					}
					if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, body[o.Key]) {
						t.Errorf("content of %s: %v", p, err)
					}
				}
			})
		}
		if n, size := c.Usage(); n != 3 || size != 600 {
			t.Errorf("usage %d entries %d bytes, want 3, 600", n, size)
		}
		checkClean(t, c)
	})
}

func TestETagChangeRefetches(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		v1 := putObj(t, s, "t/x.parquet", data(100, "one"))
		l1 := fetch(t, c, s, v1)
		time.Sleep(10 * time.Millisecond) // a file:// ETag includes the mtime
		v2 := putObj(t, s, "t/x.parquet", data(100, "two"))
		if v1.ETag == v2.ETag {
			t.Fatalf("rewrite kept etag %s", v1.ETag)
		}
		l2 := fetch(t, c, s, v2)
		if l2.Stats.Fetched != 1 || l2.Paths[0] == l1.Paths[0] {
			t.Fatalf("changed object not fetched again: %+v %s", l2.Stats, l2.Paths[0])
		}
		if got, _ := os.ReadFile(l2.Paths[0]); !bytes.Equal(got, data(100, "two")) {
			t.Fatal("new entry has old content")
		}
		if n, _ := c.Usage(); n != 2 {
			t.Fatalf("%d entries, want 2 (the old one stays until evicted)", n)
		}
	})
}

func TestSizeMismatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		for _, tc := range []struct {
			name  string
			delta int64
		}{
			{"object shorter than listed", +50},
			{"object longer than listed", -50},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := openCache(t, t.TempDir(), 150)
				good := putObj(t, s, "t/good.parquet", data(100, "g"))
				bad := putObj(t, s, "t/bad.parquet", data(100, "b"))
				bad.Size += tc.delta
				_, err := c.Fetch(context.Background(), s, []cache.Object{good, bad}, nil)
				if !errors.Is(err, objstore.ErrSizeMismatch) {
					t.Fatalf("want size mismatch, got %v", err)
				}
				if !strings.HasPrefix(err.Error(), "cache: fetch ") || !strings.Contains(err.Error(), "t/bad.parquet") {
					t.Fatalf("error does not name the object: %v", err)
				}
				// Only the good object is on disk, as a complete entry.
				fs := files(t, c.Dir())
				if len(fs) > 1 || len(fs) == 1 && !strings.HasSuffix(fs[0], "/t/good.parquet") {
					t.Fatalf("files after failed fetch: %v", fs)
				}
				checkClean(t, c)
				// The failed Fetch released its pins: the good entry can be evicted.
				fetch(t, c, s, putObj(t, s, "t/other.parquet", data(100, "o")))
				if n, size := c.Usage(); n != 1 || size != 100 {
					t.Fatalf("usage %d entries %d bytes: the failed fetch left a pin", n, size)
				}
			})
		}
	})
}

func TestEvictionLRU(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 250)
		objs := map[string]cache.Object{}
		paths := map[string]string{}
		for _, n := range []string{"a", "b", "c", "d"} {
			objs[n] = putObj(t, s, "t/k="+n+"/part-0.parquet", data(100, n))
		}
		for _, step := range []struct {
			fetch    string
			resident string // entries on disk afterwards
		}{
			{"a", "a"},
			{"b", "ab"},
			{"a", "ab"}, // a is now more recent than b
			{"c", "ac"}, // 300 > 250: b goes
			{"d", "cd"},
			{"c", "cd"},
			{"a", "ac"},
		} {
			l := fetch(t, c, s, objs[step.fetch])
			paths[step.fetch] = l.Paths[0]
			l.Release()
			for n, p := range paths {
				want := strings.Contains(step.resident, n)
				if exists(p) != want {
					t.Fatalf("after fetching %s: %s on disk = %v, want resident %q", step.fetch, n, !want, step.resident)
				}
				if !want && exists(hashDir(p, objs[n])) {
					t.Fatalf("evicted %s left its directory %s", n, hashDir(p, objs[n]))
				}
			}
			if n, size := c.Usage(); n != len(step.resident) || size != int64(100*len(step.resident)) {
				t.Fatalf("after %s: usage %d entries %d bytes", step.fetch, n, size)
			}
		}
		checkClean(t, c)
	})
}

func TestPinnedSurviveEviction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 150)
		a := putObj(t, s, "t/a.parquet", data(100, "a"))
		b := putObj(t, s, "t/b.parquet", data(100, "b"))
		big := putObj(t, s, "t/big.parquet", data(300, "B"))

		la, lb := fetch(t, c, s, a), fetch(t, c, s, b)
		if !exists(la.Paths[0]) || !exists(lb.Paths[0]) {
			t.Fatal("a pinned entry was evicted")
		}
		if _, size := c.Usage(); size != 200 {
			t.Fatalf("usage %d bytes, want 200 (pinned entries may exceed the bound)", size)
		}
		la.Release()
		la.Release() // idempotent
		if exists(la.Paths[0]) || !exists(lb.Paths[0]) {
			t.Fatal("release did not evict the least recent unpinned entry")
		}
		lb.Release()
		if n, _ := c.Usage(); n != 1 {
			t.Fatalf("%d entries, want 1", n)
		}

		// Larger than the whole cache: served, pinned, gone on release.
		lbig := fetch(t, c, s, big)
		if got, err := os.ReadFile(lbig.Paths[0]); err != nil || len(got) != 300 {
			t.Fatalf("big object: %v", err)
		}
		if n, size := c.Usage(); n != 1 || size != 300 {
			t.Fatalf("usage %d entries %d bytes, want only the pinned big one", n, size)
		}
		lbig.Release()
		if n, size := c.Usage(); n != 0 || size != 0 || exists(lbig.Paths[0]) {
			t.Fatalf("big object kept after release: %d entries %d bytes", n, size)
		}
		checkClean(t, c)
	})
}

func TestRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		dir := t.TempDir()
		a := putObj(t, s, "t/month=1/a.parquet", data(100, "a"))
		b := putObj(t, s, "t/month=2/b.parquet", data(100, "b"))
		c1 := openCache(t, dir, 0)
		l := fetch(t, c1, s, a, b)
		pa, pb := l.Paths[0], l.Paths[1]
		l.Release()
		if err := c1.Close(); err != nil {
			t.Fatal(err)
		}

		// What a crash leaves: a partial download beside an entry, and a hash
		// directory holding nothing but one.
		partial := filepath.Join(filepath.Dir(pa), ".a.parquet.part-123")
		orphan := filepath.Join(dir, "00", strings.Repeat("0", 64), "t", "month=9", ".x.parquet.part-9")
		for _, p := range []string{partial, orphan} {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("torn"), 0o644); err != nil {
				t.Fatal(err)
			}
		}

		c2 := openCache(t, dir, 0)
		if n, size := c2.Usage(); n != 2 || size != 200 {
			t.Fatalf("after reopen: %d entries %d bytes, want 2, 200", n, size)
		}
		if exists(partial) || exists(filepath.Join(dir, "00", strings.Repeat("0", 64))) {
			t.Fatal("partial download or its empty directories survived Open")
		}
		s.ResetStats()
		l = fetch(t, c2, s, a, b)
		if l.Stats.Hits != 2 || s.Stats().Downloads != 0 {
			t.Fatalf("entries not reused after reopen: %+v, %d downloads", l.Stats, s.Stats().Downloads)
		}
		l.Release()
		c2.Close()

		// Recency comes from mtimes: a is older, so a bound of one entry keeps b.
		now := time.Now()
		os.Chtimes(pa, now.Add(-2*time.Hour), now.Add(-2*time.Hour))
		os.Chtimes(pb, now.Add(-1*time.Hour), now.Add(-1*time.Hour))
		c3 := openCache(t, dir, 150)
		if exists(pa) || !exists(pb) {
			t.Fatal("Open did not evict the least recently used entry")
		}
		// A hit refreshes the mtime, so the next Open sees it as recent.
		fetch(t, c3, s, b)
		if fi, err := os.Stat(pb); err != nil || time.Since(fi.ModTime()) > time.Minute {
			t.Fatalf("hit did not touch the file: %v", err)
		}
		checkClean(t, c3)
	})
}

func TestConcurrentFetchDownloadsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		var objs []cache.Object
		for _, n := range []string{"a", "b", "c"} {
			objs = append(objs, putObj(t, s, "t/"+n+".parquet", data(4<<20, n)))
		}
		s.ResetStats()
		var wg sync.WaitGroup
		var hits, fetched atomic.Int64
		for range 8 {
			wg.Go(func() {
				var inside atomic.Int32
				l, err := c.Fetch(context.Background(), s, objs, func(cache.Progress) {
					if inside.Add(1) != 1 {
						t.Error("progress called concurrently")
					}
					time.Sleep(time.Millisecond)
					inside.Add(-1)
				})
				if err != nil {
					t.Error(err)
					return
				}
				defer l.Release()
				hits.Add(int64(l.Stats.Hits))
				fetched.Add(int64(l.Stats.Fetched))
				for i, p := range l.Paths {
					if fi, err := os.Stat(p); err != nil || fi.Size() != objs[i].Size {
						t.Errorf("%s: %v", p, err)
					}
				}
			})
		}
		wg.Wait()
		if got := s.Stats().Downloads; got != 3 {
			t.Fatalf("%d downloads for 3 objects fetched by 8 Fetches", got)
		}
		if hits.Load()+fetched.Load() != 24 {
			t.Fatalf("hits %d + fetched %d, want 24", hits.Load(), fetched.Load())
		}
		t.Logf("hits %d, waited on a download %d", hits.Load(), fetched.Load())
		checkClean(t, c)
	})
}

// Many Fetches over a cache too small for all of them: whatever a lease holds
// stays on disk until released, and the bound holds once all are released.
func TestConcurrentEviction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		const maxBytes = 5 << 10
		c := openCache(t, t.TempDir(), maxBytes)
		var objs []cache.Object
		for i := range 20 {
			objs = append(objs, putObj(t, s, fmt.Sprintf("t/k=%d/part-0.parquet", i), data(1<<10, fmt.Sprint(i))))
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					pick := []cache.Object{objs[(g+i)%20], objs[(g*7+i*3)%20], objs[(g*3+i*11)%20]}
					l, err := c.Fetch(context.Background(), s, pick, nil)
					if err != nil {
						t.Error(err)
						return
					}
					for j, p := range l.Paths {
						if fi, err := os.Stat(p); err != nil || fi.Size() != pick[j].Size {
							t.Errorf("leased file %s: %v", p, err)
						}
					}
					l.Release()
				}
			})
		}
		wg.Wait()
		if _, size := c.Usage(); size > maxBytes {
			t.Fatalf("usage %d bytes over the bound %d", size, maxBytes)
		}
		checkClean(t, c)
	})
}

func TestCancel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		var big []cache.Object
		for _, n := range []string{"a", "b", "c", "d"} {
			big = append(big, putObj(t, s, "t/"+n+".parquet", data(16<<20, n)))
		}
		bad := putObj(t, s, "t/bad.parquet", data(10, "x"))
		bad.Size = 11

		t.Run("before", func(t *testing.T) {
			c := openCache(t, t.TempDir(), 0)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			s.ResetStats()
			if _, err := c.Fetch(ctx, s, big, nil); !errors.Is(err, context.Canceled) {
				t.Fatalf("want context.Canceled, got %v", err)
			}
			if len(files(t, c.Dir())) != 0 || s.Stats().Downloads != 0 {
				t.Fatal("a cancelled Fetch downloaded")
			}
		})
		t.Run("during", func(t *testing.T) {
			c := openCache(t, t.TempDir(), 0)
			ctx, cancel := context.WithCancel(context.Background())
			var cancelled time.Time
			time.AfterFunc(5*time.Millisecond, func() { cancelled = time.Now(); cancel() })
			l, err := c.Fetch(ctx, s, big, nil)
			if err == nil {
				t.Log("fetch finished before the cancel")
				l.Release()
			} else {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("want context.Canceled, got %v", err)
				}
				if d := time.Since(cancelled); d > 2*time.Second {
					t.Fatalf("Fetch returned %s after cancel", d)
				}
			}
			checkClean(t, c)
		})
		t.Run("failure cancels the rest", func(t *testing.T) {
			c := openCache(t, t.TempDir(), 0)
			_, err := c.Fetch(context.Background(), s, append([]cache.Object{bad}, big...), nil)
			if !errors.Is(err, objstore.ErrSizeMismatch) || !strings.Contains(err.Error(), "t/bad.parquet") {
				t.Fatalf("want the bad object's size mismatch, got %v", err)
			}
			checkClean(t, c)
		})
	})
}

func TestBadObjects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		ok := putObj(t, s, "t/x.parquet", data(10, "x"))
		for _, tc := range []struct {
			name string
			edit func(o *cache.Object)
			want string
		}{
			{"empty name", func(o *cache.Object) { o.Name = "" }, "bad name"},
			{"absolute", func(o *cache.Object) { o.Name = "/etc/passwd" }, "bad name"},
			{"dotdot", func(o *cache.Object) { o.Name = "a/../../x" }, "bad name"},
			{"only dotdot", func(o *cache.Object) { o.Name = ".." }, "bad name"},
			{"dot segment", func(o *cache.Object) { o.Name = "./x" }, "bad name"},
			{"empty segment", func(o *cache.Object) { o.Name = "a//x" }, "bad name"},
			{"trailing slash", func(o *cache.Object) { o.Name = "a/" }, "bad name"},
			{"hidden", func(o *cache.Object) { o.Name = "a/.x.part-1" }, "bad name"},
			{"backslash", func(o *cache.Object) { o.Name = `a\..\x` }, "bad name"},
			{"no etag", func(o *cache.Object) { o.ETag = "" }, "no etag"},
			{"negative size", func(o *cache.Object) { o.Size = -1 }, "negative size"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o := ok
				tc.edit(&o)
				s.ResetStats()
				// A bad object fails the whole Fetch before any download.
				_, err := c.Fetch(context.Background(), s, []cache.Object{ok, o}, nil)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "cache: fetch ") {
					t.Fatalf("got %v, want an error with %q", err, tc.want)
				}
				if tc.want == "bad name" && !errors.Is(err, cache.ErrBadName) {
					t.Fatalf("not ErrBadName: %v", err)
				}
				if s.Stats().Downloads != 0 {
					t.Fatal("downloaded despite a bad object")
				}
			})
		}
		for _, name := range []string{"x.parquet", "month=3/part-0.parquet", "a b/c=d%20e/f.parquet", "_SUCCESS"} {
			o := ok
			o.Name = name
			if l := fetch(t, c, s, o); !strings.HasSuffix(l.Paths[0], "/"+name) {
				t.Errorf("name %q: path %s", name, l.Paths[0])
			}
		}
		checkClean(t, c)
	})
}

func TestBrokenEntryRefetched(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		c := openCache(t, t.TempDir(), 0)
		o := putObj(t, s, "t/x.parquet", data(100, "x"))
		for _, tc := range []struct {
			name  string
			spoil func(path string) error
		}{
			{"vanished", os.Remove},
			{"truncated", func(p string) error { return os.WriteFile(p, []byte("short"), 0o644) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l := fetch(t, c, s, o)
				l.Release()
				if err := tc.spoil(l.Paths[0]); err != nil {
					t.Fatal(err)
				}
				s.ResetStats()
				l = fetch(t, c, s, o)
				if l.Stats.Fetched != 1 || s.Stats().Downloads != 1 {
					t.Fatalf("broken entry not fetched again: %+v", l.Stats)
				}
				if got, _ := os.ReadFile(l.Paths[0]); !bytes.Equal(got, data(100, "x")) {
					t.Fatal("wrong content after refetch")
				}
				if n, size := c.Usage(); n != 1 || size != 100 {
					t.Fatalf("usage %d entries %d bytes", n, size)
				}
			})
		}
	})
}

func TestClosed(t *testing.T) {
	s, err := objstore.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := openCache(t, t.TempDir(), 0)
	o := putObj(t, s, "x.parquet", data(10, "x"))
	c.Close()
	if _, err := c.Fetch(context.Background(), s, []cache.Object{o}, nil); !errors.Is(err, cache.ErrClosed) {
		t.Fatalf("fetch after close: %v", err)
	}
}

func BenchmarkFetchHit(b *testing.B) {
	s, err := objstore.Open(context.Background(), "file://"+b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := openCache(b, b.TempDir(), 0)
	var objs []cache.Object
	for i := range 64 {
		objs = append(objs, putObj(b, s, "t/month="+string(rune('a'+i%26))+"/part-"+string(rune('a'+i/26))+".parquet", data(1024, "x")))
	}
	fetch(b, c, s, objs...).Release()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l, err := c.Fetch(ctx, s, objs, nil)
		if err != nil {
			b.Fatal(err)
		}
		if l.Stats.Hits != len(objs) {
			b.Fatalf("stats %+v", l.Stats)
		}
		l.Release()
	}
}
