package cache

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lakebook/lakebook/engine/objstore"
)

// progressEvery is the minimum interval between progress calls of a Fetch
// (the final call is always made).
const progressEvery = 100 * time.Millisecond

// Object is an object to fetch, as the catalog knows it.
type Object struct {
	Key  string // object key in the store
	Size int64  // expected size: a download of another size is an error, never an entry
	ETag string // expected ETag (required): part of the cache key, so a changed object is fetched again
	// Name is the file name tail of the local copy, relative, slash-separated,
	// e.g. "month=3/part-0.parquet". DuckDB derives hive partition values from
	// path segments, so it is kept verbatim. It must not be empty, absolute,
	// contain "." or ".." or empty segments, or segments starting with a dot.
	Name string
	// Ranges, when not nil, are the only bytes needed: the copy is then a sparse file of Size
	// bytes holding at least these ranges (see sparse.go), kept apart from a whole copy.
	Ranges []objstore.Range
}

// Progress is a Fetch's progress. Bytes counts bytes done: hits count at
// once, downloads when they complete.
type Progress struct {
	Files, FilesTotal int
	Bytes, BytesTotal int64
}

// Stats describe what a Fetch did. Objects repeated in one Fetch (same
// store, key, ETag and Name) count once.
type Stats struct {
	Files        int   // distinct entries: Hits + Fetched
	Hits         int   // served from the cache
	Fetched      int   // waited for a download (this Fetch's or a concurrent one's)
	BytesFetched int64 // bytes of Fetched entries
	BytesHit     int64 // bytes of Hits
}

// Lease holds the local copies a Fetch returned. Its entries are pinned:
// never evicted until Release.
type Lease struct {
	Paths []string // Paths[i] is the absolute local path of objs[i]
	Stats Stats

	c       *Cache
	entries []*entry
	once    sync.Once
}

// Release unpins the lease's entries, which may then be evicted. It is
// idempotent; the paths must not be used afterwards.
func (l *Lease) Release() {
	l.once.Do(func() {
		l.c.release(l.entries)
		l.entries = nil
	})
}

func (c *Cache) release(es []*entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range es {
		if e != nil {
			e.pins--
		}
	}
	c.evictLocked()
}

// request is one distinct entry a Fetch needs.
type request struct {
	store *objstore.Store
	obj   Object
	rel   string // entry path relative to Dir
	path  string // absolute
	e     *entry // pinned once resolved
	hit   bool

	fetched int64 // bytes a sparse fill downloaded
}

// want is the bytes the request needs.
func (r *request) want() int64 {
	if r.obj.Ranges != nil {
		return totalLen(r.obj.Ranges)
	}
	return r.obj.Size
}

// where names the object in errors.
func (r *request) where() string { return r.store.Location(r.obj.Key) }

// Fetch makes every object present locally, downloading the missing ones in
// parallel (Options.Concurrency at a time), and returns a Lease whose
// Paths[i] is the absolute local path of objs[i]. Concurrent Fetches of the
// same entry share one download.
//
// On error nothing stays pinned and no partial file is left: a failed
// download never becomes an entry, and the first failure cancels this
// Fetch's other downloads (a download another Fetch also waits for goes on).
// If ctx is cancelled, Fetch returns ctx's error once its downloads have
// stopped and cleaned up.
//
// progress may be nil. Calls are serialized, at most every 100ms while the
// Fetch runs, plus a final one when it succeeds.
func (c *Cache) Fetch(ctx context.Context, store *objstore.Store, objs []Object, progress func(Progress)) (*Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cache: fetch: %w", err)
	}
	// Check every object before any download: a bad name fails the Fetch.
	var reqs []*request
	byRel := map[string]int{}
	which := make([]int, len(objs)) // objs[i] is served by reqs[which[i]]
	var total int64
	for i, o := range objs {
		rel, err := entryRel(store, o)
		if err != nil {
			return nil, err
		}
		if o.Ranges != nil {
			if err := checkRanges(store, o); err != nil {
				return nil, err
			}
			o.Ranges = objstore.MergeRanges(o.Ranges, 0)
		}
		j, ok := byRel[rel]
		if !ok {
			j = len(reqs)
			byRel[rel] = j
			reqs = append(reqs, &request{store: store, obj: o, rel: rel, path: c.abs(rel)})
		} else if reqs[j].obj.Size != o.Size {
			return nil, fmt.Errorf("cache: fetch %s: listed twice with sizes %d and %d", reqs[j].where(), reqs[j].obj.Size, o.Size)
		} else if o.Ranges != nil {
			reqs[j].obj.Ranges = union(reqs[j].obj.Ranges, o.Ranges)
		}
		which[i] = j
	}
	for _, r := range reqs {
		total += r.want()
	}
	prog := &reporter{fn: progress, last: time.Now(), p: Progress{FilesTotal: len(reqs), BytesTotal: total}}

	misses, err := c.pinHits(reqs)
	if err != nil {
		return nil, err
	}
	var st Stats
	for _, r := range reqs {
		if r.hit {
			st.Hits++
			st.BytesHit += r.want()
			prog.add(r.want())
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.conc)
	for _, r := range misses {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			get := c.get
			if r.obj.Ranges != nil {
				get = c.fill
			}
			if err := get(gctx, store, r); err != nil {
				return err
			}
			prog.add(r.want())
			return nil
		})
	}
	err = g.Wait()
	es := make([]*entry, len(reqs))
	for i, r := range reqs {
		es[i] = r.e
		if r.e == nil && err == nil { // the loop stopped early: ctx was cancelled
			err = fmt.Errorf("cache: fetch %s: %w", r.where(), ctx.Err())
		}
	}
	if err != nil {
		c.release(es)
		return nil, err
	}
	for _, r := range reqs {
		switch {
		case r.hit:
		case r.obj.Ranges != nil:
			st.Fetched++
			st.BytesFetched += r.fetched
			st.BytesHit += r.want() - r.fetched
		default:
			st.Fetched++
			st.BytesFetched += r.obj.Size
		}
	}
	st.Files = len(reqs)
	prog.done()

	l := &Lease{Paths: make([]string, len(objs)), Stats: st, c: c, entries: es}
	for i, j := range which {
		l.Paths[i] = reqs[j].path
	}
	return l, nil
}

// pinHits pins the requests whose entry is indexed, checks their files
// (a file that vanished or has the wrong size is a miss: its entry is
// dropped) and returns the misses. One lock for the lookups and one for the
// checks' outcome keep a warm Fetch of many files cheap.
func (c *Cache) pinHits(reqs []*request) (misses []*request, err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("cache: fetch: %w", ErrClosed)
	}
	for _, r := range reqs {
		if e := c.entries[r.rel]; e != nil && e.length() == r.obj.Size && (e.sparse == nil || covers(e.sparse.have, r.obj.Ranges)) {
			e.pins++
			c.lru.MoveToFront(e.elem)
			r.e, r.hit = e, true
		}
	}
	c.mu.Unlock()

	// Stat without the lock: the pins keep eviction away meanwhile.
	stale := make([]bool, len(reqs))
	now := time.Now()
	for i, r := range reqs {
		if !r.hit {
			continue
		}
		fi, err := os.Stat(r.path)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != r.e.length() {
			stale[i] = true
			continue
		}
		if now.Sub(fi.ModTime()) > touchAfter {
			os.Chtimes(r.path, now, now) // best effort: recency for the next Open
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range reqs {
		if r.hit && stale[i] {
			// Still indexed means no download of it is running: safe to
			// delete. (Not indexed: another Fetch dropped it already.)
			c.removeLocked(r.e, true)
		}
		if r.hit && r.e.elem == nil {
			// Broken, or dropped by a concurrent Fetch that found it broken:
			// the file we saw may then be that Fetch's new download, a
			// different entry. get pins the right one.
			r.e.pins--
			r.e, r.hit = nil, false
		}
		if !r.hit {
			misses = append(misses, r)
		}
	}
	return misses, nil
}

// flight is one download in progress, shared by every Fetch that needs it.
type flight struct {
	done   chan struct{} // closed when finished
	cancel context.CancelFunc
	size   int64 // expected size

	// Guarded by Cache.mu.
	waiters   int  // Fetches waiting; each gets a pin on success
	cancelled bool // every waiter gave up; new ones wait for it to end and retry
	finished  bool
	entry     *entry
	err       error
}

// get resolves a missing request: an entry that appeared meanwhile, a
// download in progress, or a new download. On success r.e is pinned.
func (c *Cache) get(ctx context.Context, store *objstore.Store, r *request) error {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return fmt.Errorf("cache: fetch %s: %w", r.where(), ErrClosed)
		}
		if e := c.entries[r.rel]; e != nil {
			if e.size == r.obj.Size { // another Fetch's download just finished
				e.pins++
				c.lru.MoveToFront(e.elem)
				c.mu.Unlock()
				r.e = e
				return nil
			}
			if e.pins > 0 {
				c.mu.Unlock()
				return fmt.Errorf("cache: fetch %s: a copy with the same etag is in use with %d bytes, want %d", r.where(), e.size, r.obj.Size)
			}
			c.removeLocked(e, true)
		}
		f := c.flights[r.rel]
		if f == nil {
			f = c.startLocked(ctx, store, r)
		}
		if f.size != r.obj.Size {
			c.mu.Unlock()
			return fmt.Errorf("cache: fetch %s: being downloaded as %d bytes, want %d", r.where(), f.size, r.obj.Size)
		}
		if f.cancelled {
			c.mu.Unlock()
			select {
			case <-f.done:
				continue
			case <-ctx.Done():
				return fmt.Errorf("cache: fetch %s: %w", r.where(), ctx.Err())
			}
		}
		f.waiters++
		c.mu.Unlock()

		select {
		case <-f.done:
			if f.err != nil {
				return f.err
			}
			r.e = f.entry
			return nil
		case <-ctx.Done():
			c.mu.Lock()
			last := false
			if f.finished {
				if f.err == nil { // it finished as we gave up: drop the pin it gave us
					f.entry.pins--
					c.evictLocked()
				}
			} else {
				f.waiters--
				if last = f.waiters == 0; last {
					f.cancelled = true
					f.cancel()
				}
			}
			c.mu.Unlock()
			if last {
				<-f.done // Download removes its temporary file before returning
			}
			return fmt.Errorf("cache: fetch %s: %w", r.where(), ctx.Err())
		}
	}
}

// startLocked starts downloading r. The download has its own context, so
// one waiter giving up does not fail the others; it is cancelled when the
// last waiter leaves or the cache closes, and keeps ctx's values.
func (c *Cache) startLocked(ctx context.Context, store *objstore.Store, r *request) *flight {
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopOnClose := context.AfterFunc(c.ctx, cancel)
	f := &flight{done: make(chan struct{}), cancel: cancel, size: r.obj.Size}
	h := hashOf(r.rel)
	c.flights[r.rel] = f
	c.busy[h]++
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		err := store.Download(fctx, r.obj.Key, r.path, r.obj.Size, r.obj.ETag)
		stopOnClose()
		cancel()
		c.mu.Lock()
		delete(c.flights, r.rel)
		if c.busy[h]--; c.busy[h] == 0 {
			delete(c.busy, h)
		}
		f.finished = true
		switch {
		case err != nil && c.ctx.Err() != nil:
			f.err = fmt.Errorf("cache: fetch %s: %w", r.where(), ErrClosed)
		case err != nil:
			f.err = fmt.Errorf("cache: fetch %s: %w", r.where(), err)
		default:
			f.entry = &entry{rel: r.rel, size: r.obj.Size, pins: f.waiters}
			c.addLocked(f.entry)
			c.evictLocked()
		}
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

// hashOf returns the hash directory name of an entry path.
func hashOf(rel string) string { return rel[3 : 3+64] }

// reporter serializes a Fetch's progress calls and spaces them out.
type reporter struct {
	fn   func(Progress)
	mu   sync.Mutex
	p    Progress
	last time.Time
}

func (r *reporter) add(bytes int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.Files++
	r.p.Bytes += bytes
	if r.fn != nil && time.Since(r.last) >= progressEvery {
		r.last = time.Now()
		r.fn(r.p)
	}
}

func (r *reporter) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fn != nil {
		r.fn(r.p)
	}
}
