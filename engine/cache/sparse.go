package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/lakebook/lakebook/engine/objstore"
)

// A sparse entry is a local copy holding only some byte ranges of its object, in a file of the
// object's size whose other bytes are holes: the parts of a Parquet file a query reads (its
// footer and some columns' chunks). A later Fetch that needs more ranges of the object adds
// them to the same file. Its hash directory holds haveName, the ranges present, written only
// after their bytes are synced, so after a crash it never claims bytes that are not there.
// Sparse entries are keyed apart from whole copies of the same object.

// haveName is the file in a sparse entry's hash directory listing the ranges present.
const haveName = ".have"

// sparseState is what haveName holds.
type sparseState struct {
	Size int64            `json:"size"`
	Have []objstore.Range `json:"have"`
}

// rangeConcurrency bounds the ranged reads of one sparse fill (Fetch already runs
// Options.Concurrency fills at once). A ranged GET to a loopback S3 server takes 5-10 ms
// whatever its size up to a few hundred kilobytes (measured with versitygw), so more at once
// should beat fewer; measured, 16 against 4 was within the noise of cold TPC-H SF1 runs.
const rangeConcurrency = 16

// sparseEntry is the part of an entry only sparse entries have.
type sparseEntry struct {
	length int64            // the object's size: the file's length
	have   []objstore.Range // merged, sorted; guarded by Cache.mu
	fill   sync.Mutex       // one fill at a time adds ranges
}

func (c *Cache) havePath(rel string) string {
	return filepath.Join(c.dir, filepath.FromSlash(rel[:2+1+64]), haveName)
}

// covers reports whether have (sorted, merged) contains every range of want.
func covers(have, want []objstore.Range) bool {
	for _, w := range want {
		if len(missing(have, w)) > 0 {
			return false
		}
	}
	return true
}

// missing returns the parts of w that have (sorted, merged) lacks.
func missing(have []objstore.Range, w objstore.Range) []objstore.Range {
	var out []objstore.Range
	at := w.Off
	for _, h := range have {
		if h.End() <= at {
			continue
		}
		if h.Off >= w.End() {
			break
		}
		if h.Off > at {
			out = append(out, objstore.Range{Off: at, Len: h.Off - at})
		}
		at = h.End()
		if at >= w.End() {
			return out
		}
	}
	if at < w.End() {
		out = append(out, objstore.Range{Off: at, Len: w.End() - at})
	}
	return out
}

// union merges have and add (touching ranges join).
func union(have, add []objstore.Range) []objstore.Range {
	return objstore.MergeRanges(append(slices.Clone(have), add...), 0)
}

func totalLen(rs []objstore.Range) (n int64) {
	for _, r := range rs {
		n += r.Len
	}
	return n
}

// checkRanges refuses ranges outside the object.
func checkRanges(store *objstore.Store, o Object) error {
	for _, r := range o.Ranges {
		if r.Off < 0 || r.Len <= 0 || r.End() > o.Size {
			return fmt.Errorf("cache: fetch %s: range %d+%d outside its %d bytes", store.Location(o.Key), r.Off, r.Len, o.Size)
		}
	}
	return nil
}

// fill makes r's ranges present in its sparse entry, creating the entry if needed, and pins it
// (r.e). Fills of one entry take turns; a fill downloads only the ranges still missing.
func (c *Cache) fill(ctx context.Context, store *objstore.Store, r *request) error {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return fmt.Errorf("cache: fetch %s: %w", r.where(), ErrClosed)
		}
		e := c.entries[r.rel]
		if e != nil && e.length() != r.obj.Size {
			if e.pins > 0 {
				c.mu.Unlock()
				return fmt.Errorf("cache: fetch %s: a copy with the same etag is in use with %d bytes, want %d", r.where(), e.length(), r.obj.Size)
			}
			c.removeLocked(e, true)
			e = nil
		}
		if e == nil {
			e = &entry{rel: r.rel, sparse: &sparseEntry{length: r.obj.Size}}
			c.addLocked(e)
		}
		e.pins++
		c.mu.Unlock()

		e.sparse.fill.Lock()
		c.mu.Lock()
		have, gone := e.sparse.have, e.elem == nil
		c.mu.Unlock()
		var err error
		if !gone {
			r.fetched, err = c.fillLocked(ctx, store, r, e, have)
		}
		e.sparse.fill.Unlock()
		if gone || err != nil {
			c.mu.Lock()
			e.pins--
			if err != nil && e.pins == 0 && len(e.sparse.have) == 0 {
				c.removeLocked(e, true) // a first fill that failed leaves nothing behind
			}
			c.evictLocked()
			c.mu.Unlock()
		}
		if gone { // dropped as broken while we waited for the fill before ours: start again
			continue
		}
		if err == nil {
			r.e = e
		}
		return err
	}
}

// fillLocked downloads the parts of r's ranges that have lacks into e's file, syncs it, then
// records them; it returns the bytes it downloaded. The caller holds e.sparse.fill.
func (c *Cache) fillLocked(ctx context.Context, store *objstore.Store, r *request, e *entry, have []objstore.Range) (int64, error) {
	var need []objstore.Range
	for _, w := range r.obj.Ranges {
		need = append(need, missing(have, w)...)
	}
	need = objstore.MergeRanges(need, 0)
	if len(need) == 0 {
		return 0, nil
	}
	fail := func(err error) (int64, error) { return 0, fmt.Errorf("cache: fetch %s: %w", r.where(), err) }
	path := c.abs(r.rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fail(err)
	}
	if len(have) == 0 {
		// The state file first, so that Open knows the data file for a sparse one.
		if err := writeState(c.havePath(r.rel), sparseState{Size: r.obj.Size}); err != nil {
			return fail(err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	if err := f.Truncate(r.obj.Size); err != nil { // a no-op once the file has its size
		return fail(err)
	}
	// The fill stops when the cache closes, as downloads do.
	fctx, cancel := context.WithCancel(ctx)
	defer context.AfterFunc(c.ctx, cancel)()
	defer cancel()
	g, gctx := errgroup.WithContext(fctx)
	g.SetLimit(rangeConcurrency)
	for _, w := range need {
		g.Go(func() error {
			b, err := store.ReadRangeIf(gctx, r.obj.Key, w.Off, w.Len, r.obj.ETag)
			if err != nil {
				return err
			}
			_, err = f.WriteAt(b, w.Off)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if c.ctx.Err() != nil {
			err = ErrClosed
		}
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	now := union(have, need)
	if err := writeState(c.havePath(r.rel), sparseState{Size: r.obj.Size, Have: now}); err != nil {
		return fail(err)
	}
	c.mu.Lock()
	if e.elem != nil {
		added := totalLen(now) - totalLen(have)
		e.size += added
		c.bytes += added
	}
	e.sparse.have = now
	c.evictLocked()
	c.mu.Unlock()
	return totalLen(need), nil
}

// writeState replaces a sparse entry's state file atomically.
func writeState(path string, st sparseState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".part-" + fmt.Sprint(os.Getpid())
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// readState reads a sparse entry's state file; an unreadable one is an error.
func readState(path string) (sparseState, error) {
	var st sparseState
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, err
	}
	for _, r := range st.Have {
		if r.Off < 0 || r.Len <= 0 || r.End() > st.Size {
			return st, errors.New("range outside the object")
		}
	}
	st.Have = objstore.MergeRanges(st.Have, 0)
	return st, nil
}
