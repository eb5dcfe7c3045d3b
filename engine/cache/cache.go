// Package cache keeps local copies of objects from object stores.
//
// DuckDB cannot read s3:// here (httpfs is not bundled and cannot be
// installed offline), so before a query runs lakebook downloads the objects
// the query needs into a directory on local disk and DuckDB reads those
// copies. The cache plays the part HDFS temporary space on EMR core nodes
// plays for Presto and Spark: scratch space near the compute, filled from S3
// on demand and bounded in size.
//
// Layout: an object lives at
//
//	Dir/<h[:2]>/<h>/<Name>
//
// where h is the hex SHA-256 of store URL, key and ETag. The ETag in the
// hash means a changed object gets a new entry rather than a stale hit; Name
// is kept verbatim under the hash directory because DuckDB derives hive
// partition values (month=3/) from path segments.
//
// Entries handed out by Fetch are pinned by the returned Lease and never
// evicted until Lease.Release, so a running query never loses its files.
// Unpinned entries are evicted least recently used first whenever the total
// exceeds Options.MaxBytes. Pinned entries may push the total over the bound
// for a while; an object larger than MaxBytes is still fetched (a query needs
// it) and is evicted as soon as its last lease is released.
//
// Recency survives restarts through file modification times: a hit touches
// the file (at most once a minute, to spare syscalls and DuckDB's own
// mtime-keyed caches) and Open orders the entries it finds by mtime.
//
// One process should own a Dir at a time: the index is in memory and is
// rebuilt from the files by Open.
package cache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults for Options.
const (
	DefaultMaxBytes    = 10 << 30
	DefaultConcurrency = 8
)

// touchAfter is how old a hit's mtime must be before the hit touches it.
const touchAfter = time.Minute

// ErrClosed is returned (wrapped) by Fetch after Close.
var ErrClosed = errors.New("cache closed")

// Options configure a Cache.
type Options struct {
	Dir         string // cache directory, created if missing; e.g. workspace/.lakebook/cache
	MaxBytes    int64  // bound on the bytes of entries (pinned ones may exceed it for a while); default DefaultMaxBytes
	Concurrency int    // parallel downloads per Fetch; default DefaultConcurrency
}

// Cache is a bounded directory of local copies of objects. It is safe for
// concurrent use.
type Cache struct {
	dir  string // absolute
	max  int64
	conc int

	ctx  context.Context // cancelled by Close: stops in-flight downloads
	stop context.CancelFunc
	wg   sync.WaitGroup // in-flight downloads

	// mu guards everything below. File removals happen under it too, so a
	// path is never deleted while a download for it is being started.
	mu      sync.Mutex
	closed  bool
	entries map[string]*entry // by rel
	lru     *list.List        // of *entry; most recently used at the front
	bytes   int64             // sum of entries' sizes
	flights map[string]*flight
	busy    map[string]int // hash dir → downloads writing into it; eviction leaves it in place
}

// entry is one local copy: complete, or sparse (sparse.go).
type entry struct {
	rel    string // slash path relative to Dir: <h[:2]>/<h>/<Name>
	size   int64  // bytes held: the object's size, or a sparse entry's ranges
	pins   int    // leases (and Fetches in progress) holding it
	sparse *sparseEntry
	elem   *list.Element // in Cache.lru; nil once the entry left the index
}

// length is the size of the entry's file.
func (e *entry) length() int64 {
	if e.sparse != nil {
		return e.sparse.length
	}
	return e.size
}

// Open opens (or creates) the cache in opts.Dir. It rebuilds the index from
// the complete entries it finds there, oldest mtime least recent, removes
// partial downloads a crash left behind, and evicts down to MaxBytes.
func Open(opts Options) (*Cache, error) {
	if opts.Dir == "" {
		return nil, errors.New("cache: open: no directory")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", opts.Dir, err)
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", dir, err)
	}
	c := &Cache{
		dir:     dir,
		max:     opts.MaxBytes,
		conc:    opts.Concurrency,
		entries: map[string]*entry{},
		lru:     list.New(),
		flights: map[string]*flight{},
		busy:    map[string]int{},
	}
	c.ctx, c.stop = context.WithCancel(context.Background())
	found, err := c.scan()
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("cache: open %s: %w", dir, err)
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].mtime.Before(found[j].mtime) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range found {
		e := &entry{rel: f.rel, size: f.size}
		if f.sparse != nil {
			e.size = totalLen(f.sparse.Have)
			e.sparse = &sparseEntry{length: f.sparse.Size, have: f.sparse.Have}
		}
		c.addLocked(e)
	}
	c.evictLocked()
	return c, nil
}

type foundFile struct {
	rel    string
	size   int64
	mtime  time.Time
	sparse *sparseState // the entry's ranges when it is sparse
}

// scan walks the hash directories of the cache. Anything not shaped like an
// entry (other files in Dir, invalid names) is left alone and not indexed.
func (c *Cache) scan() ([]foundFile, error) {
	var found []foundFile
	prefixes, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, err
	}
	for _, p := range prefixes {
		if !p.IsDir() || !isHex(p.Name(), 2) {
			continue
		}
		hashes, err := os.ReadDir(filepath.Join(c.dir, p.Name()))
		if err != nil {
			return nil, err
		}
		for _, hd := range hashes {
			h := hd.Name()
			if !hd.IsDir() || !isHex(h, 64) || h[:2] != p.Name() {
				continue
			}
			root := filepath.Join(c.dir, p.Name(), h)
			first := len(found)
			var dirs []string
			haveFile := false // the hash directory holds a sparse entry's state file
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					dirs = append(dirs, path)
					return nil
				}
				if isPartial(d.Name()) {
					return removeIfExists(path)
				}
				if d.Name() == haveName && filepath.Dir(path) == root {
					haveFile = true
					return nil
				}
				rel, err := filepath.Rel(c.dir, path)
				if err != nil {
					return err
				}
				rel = filepath.ToSlash(rel)
				if !d.Type().IsRegular() || checkName(strings.TrimPrefix(rel, p.Name()+"/"+h+"/")) != nil {
					return nil
				}
				fi, err := d.Info()
				if err != nil {
					return err
				}
				found = append(found, foundFile{rel: rel, size: fi.Size(), mtime: fi.ModTime()})
				return nil
			})
			if err != nil {
				return nil, err
			}
			if haveFile {
				// A sparse entry's state file names the ranges its file holds; one that
				// cannot be read, or does not match its one file, takes the entry with it.
				st, err := readState(filepath.Join(root, haveName))
				if err != nil || len(st.Have) == 0 || len(found)-first != 1 || found[first].size != st.Size {
					found = found[:first]
					if err := os.RemoveAll(root); err != nil {
						return nil, err
					}
					continue
				}
				found[first].sparse = &st
			}
			// Deepest first: directories emptied by a crash (or by the
			// partial files just removed) go, up to the hash directory.
			for i := len(dirs) - 1; i >= 0; i-- {
				os.Remove(dirs[i]) // fails, harmlessly, when not empty
			}
		}
	}
	return found, nil
}

// isPartial reports whether a file name is one of objstore.Download's
// temporary files ("." + base + ".part-*"). Entry names never start with a
// dot (checkName), so these cannot be mistaken for entries.
func isPartial(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".part-")
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// Close stops in-flight downloads and waits for them. Files stay on disk for
// the next Open; paths of unreleased leases remain readable. Fetch fails
// after Close.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.stop()
	c.wg.Wait()
	return nil
}

// Usage returns the number of entries and their total bytes.
func (c *Cache) Usage() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

// Dir returns the cache directory (absolute).
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) abs(rel string) string { return filepath.Join(c.dir, filepath.FromSlash(rel)) }

// addLocked indexes e as the most recently used entry.
func (c *Cache) addLocked(e *entry) {
	if old := c.entries[e.rel]; old != nil {
		c.removeLocked(old, false)
	}
	e.elem = c.lru.PushFront(e)
	c.entries[e.rel] = e
	c.bytes += e.size
}

// removeLocked drops e from the index and, if deleteFile, removes its file
// and the directories that leaves empty, up to and including the hash
// directory (the 256 prefix directories stay: downloads create them without
// the lock). Holders of a pin on e keep their pin; it no longer matters.
func (c *Cache) removeLocked(e *entry, deleteFile bool) {
	if e.elem == nil {
		return
	}
	c.lru.Remove(e.elem)
	e.elem = nil
	delete(c.entries, e.rel)
	c.bytes -= e.size
	if !deleteFile {
		return
	}
	path := c.abs(e.rel)
	os.Remove(path) // best effort: a vanished file is what we want anyway
	if e.sparse != nil {
		os.Remove(c.havePath(e.rel))
	}
	if c.busy[hashOf(e.rel)] > 0 {
		return // a download is creating directories under this hash
	}
	stop := filepath.Join(c.dir, e.rel[:2])
	for d := filepath.Dir(path); d != stop && strings.HasPrefix(d, stop); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
}

// evictLocked removes least recently used unpinned entries until the total
// is within the bound (or only pinned entries are left).
func (c *Cache) evictLocked() {
	if c.closed {
		return // leave the disk as it is for the next Open
	}
	for el := c.lru.Back(); el != nil && c.bytes > c.max; {
		prev := el.Prev()
		if e := el.Value.(*entry); e.pins == 0 {
			c.removeLocked(e, true)
		}
		el = prev
	}
}
