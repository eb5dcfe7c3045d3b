// Package catalog is lakebook's table catalog, in the manner of the Glue Data Catalog: named
// tables over data in object storage (Parquet, CSV, JSON lines; hive-partitioned in key=value/
// folders), each with its schema, partition columns and files (with size, ETag and Parquet
// statistics), filled in by a crawler. One catalog serves every notebook of a server and is
// kept in a JSON file in the workspace, so it survives restarts.
package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/engine/internal/fspath"
	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
)

// Table is a registered table. The crawl's findings are embedded: location, format, columns,
// partition keys and files.
type Table struct {
	Name string `json:"name"`
	// URL is the store URL the data lives at (see objstore.Open), as registered; the embedded
	// Location is the same with secrets redacted, for people.
	URL       string    `json:"url"`
	CrawledAt time.Time `json:"crawled_at"`
	crawl.Table
}

// Bytes is the total size of the table's files.
func (t *Table) Bytes() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// Options configure a Catalog.
type Options struct {
	// Dir is the workspace: relative locations ("data/sales") resolve against it and, unless
	// AllowAnyPath is set, file locations must lie inside it.
	Dir string
	// Path is the catalog file. Default: Dir/.lakebook/catalog.json.
	Path         string
	AllowAnyPath bool
	Crawl        crawl.Options
}

// Catalog is the set of registered tables. It is safe for concurrent use.
type Catalog struct {
	opts Options

	mu     sync.Mutex
	tables map[string]*Table // by lower-case name
	stores map[string]*objstore.Store
	// crawling serializes crawls of one name, so two crawls of a table cannot interleave
	// their read-modify-write.
	crawling map[string]*sync.Mutex
}

type fileFormat struct {
	Version int      `json:"version"`
	Tables  []*Table `json:"tables"`
}

// Open loads the catalog file, or starts an empty catalog when there is none. A catalog file
// that does not parse is an error, never silently replaced.
func Open(opts Options) (*Catalog, error) {
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	opts.Dir = dir
	if opts.Path == "" {
		opts.Path = filepath.Join(dir, ".lakebook", "catalog.json")
	}
	c := &Catalog{opts: opts, tables: map[string]*Table{}, stores: map[string]*objstore.Store{}, crawling: map[string]*sync.Mutex{}}
	data, err := os.ReadFile(opts.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var ff fileFormat
	if err := json.Unmarshal(data, &ff); err != nil {
		return nil, fmt.Errorf("catalog: %s is damaged (%v); move it away to start an empty catalog", opts.Path, err)
	}
	for _, t := range ff.Tables {
		if err := ValidateName(t.Name); err != nil || t.URL == "" {
			return nil, fmt.Errorf("catalog: %s: bad table entry %q", opts.Path, t.Name)
		}
		c.tables[strings.ToLower(t.Name)] = t
	}
	return c, nil
}

// Close releases the stores the catalog opened.
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.stores {
		errs = append(errs, s.Close())
	}
	c.stores = map[string]*objstore.Store{}
	return errors.Join(errs...)
}

// Tables returns the registered tables, sorted by name. They are shared: do not modify them.
func (c *Catalog) Tables() []*Table {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Table, 0, len(c.tables))
	for _, t := range c.tables {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Table returns a registered table by name (case-insensitive, as SQL identifiers are). The
// table is shared: do not modify it.
func (c *Catalog) Table(name string) (*Table, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tables[strings.ToLower(name)]
	return t, ok
}

// Len returns the number of registered tables.
func (c *Catalog) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tables)
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// PlainName reports whether name is a SQL identifier that needs no quoting, up to 63 bytes: what
// catalog tables, tables registered from Go and variables are named.
func PlainName(name string) bool { return nameRE.MatchString(name) }

// ValidateName checks a table name: a SQL identifier that needs no quoting, up to 63 bytes.
func ValidateName(name string) error {
	if !PlainName(name) {
		return notebooks.Errorf(notebooks.EInvalid, "bad table name %q: use letters, digits and _, starting with a letter or _ (at most 63)", name)
	}
	return nil
}

// Register crawls location and registers what it finds as a new table. format, if not empty,
// must match what the crawler finds. Nothing is registered when the crawl fails.
func (c *Catalog) Register(ctx context.Context, name, location, format string) (*Table, *crawl.Changes, error) {
	if err := ValidateName(name); err != nil {
		return nil, nil, err
	}
	if _, ok := c.Table(name); ok {
		return nil, nil, notebooks.Errorf(notebooks.EConflict, "table %s already exists", name)
	}
	return c.crawl(ctx, name, location, format, false)
}

// Crawl crawls location and registers or updates the table found there. With name empty, the
// table already registered at location is updated, or a new one is named after the location's
// last folder. A re-crawl reads only the files whose ETag changed.
func (c *Catalog) Crawl(ctx context.Context, location, name string) (*Table, *crawl.Changes, error) {
	u, err := c.normalize(location)
	if err != nil {
		return nil, nil, err
	}
	if name == "" {
		c.mu.Lock()
		for _, t := range c.tables {
			if t.URL == u {
				name = t.Name
			}
		}
		c.mu.Unlock()
	}
	if name == "" {
		name = nameFor(u)
	}
	if err := ValidateName(name); err != nil {
		return nil, nil, err
	}
	return c.crawl(ctx, name, location, "", true)
}

// Recrawl crawls a registered table's location again.
func (c *Catalog) Recrawl(ctx context.Context, name string) (*Table, *crawl.Changes, error) {
	t, ok := c.Table(name)
	if !ok {
		return nil, nil, notebooks.Errorf(notebooks.ENotFound, "no table %s in the catalog", name)
	}
	return c.crawl(ctx, t.Name, t.URL, "", true)
}

func (c *Catalog) crawl(ctx context.Context, name, location, format string, update bool) (*Table, *crawl.Changes, error) {
	u, err := c.normalize(location)
	if err != nil {
		return nil, nil, err
	}
	key := strings.ToLower(name)
	c.mu.Lock()
	lock := c.crawling[key]
	if lock == nil {
		lock = &sync.Mutex{}
		c.crawling[key] = lock
	}
	c.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()

	prev, exists := c.Table(name)
	if exists && (!update || prev.URL != u) {
		return nil, nil, notebooks.Errorf(notebooks.EConflict, "table %s already exists, at %s", prev.Name, prev.Location)
	}
	store, err := c.Store(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	var prevCrawl *crawl.Table
	if exists {
		prevCrawl = &prev.Table
	}
	found, changes, err := crawl.CrawlWith(ctx, store, "", prevCrawl, c.opts.Crawl)
	if err != nil {
		return nil, nil, crawlError(ctx, store.Location(""), err)
	}
	if format != "" && !strings.EqualFold(format, found.Format) {
		return nil, nil, notebooks.Errorf(notebooks.EInvalid, "%s holds %s files, not %s", found.Location, found.Format, strings.ToLower(format))
	}
	t := &Table{Name: name, URL: u, CrawledAt: time.Now().UTC(), Table: *found}
	if exists {
		t.Name = prev.Name
	}
	if err := c.put(key, t); err != nil {
		return nil, nil, err
	}
	return t, changes, nil
}

// put sets (t != nil) or removes a table and saves the catalog; on a failed save the change is
// undone, so what is in memory is always what is on disk.
func (c *Catalog) put(key string, t *Table) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, had := c.tables[key]
	if t != nil {
		c.tables[key] = t
	} else {
		delete(c.tables, key)
	}
	if err := c.saveLocked(); err != nil {
		if had {
			c.tables[key] = old
		} else {
			delete(c.tables, key)
		}
		return err
	}
	return nil
}

// Drop removes a table from the catalog. Its data stays where it is, as with an external table
// in Glue.
func (c *Catalog) Drop(name string) error {
	t, ok := c.Table(name)
	if !ok {
		return notebooks.Errorf(notebooks.ENotFound, "no table %s in the catalog", name)
	}
	return c.put(strings.ToLower(t.Name), nil)
}

// Rename gives a table a new name.
func (c *Catalog) Rename(name, to string) error {
	if err := ValidateName(to); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tables[strings.ToLower(name)]
	if !ok {
		return notebooks.Errorf(notebooks.ENotFound, "no table %s in the catalog", name)
	}
	if other, ok := c.tables[strings.ToLower(to)]; ok && other != t {
		return notebooks.Errorf(notebooks.EConflict, "table %s already exists", other.Name)
	}
	nt := *t
	nt.Name = to
	delete(c.tables, strings.ToLower(name))
	c.tables[strings.ToLower(to)] = &nt
	if err := c.saveLocked(); err != nil {
		delete(c.tables, strings.ToLower(to))
		c.tables[strings.ToLower(name)] = t
		return err
	}
	return nil
}

func (c *Catalog) saveLocked() error {
	ff := fileFormat{Version: 1, Tables: make([]*Table, 0, len(c.tables))}
	for _, t := range c.tables {
		ff.Tables = append(ff.Tables, t)
	}
	slices.SortFunc(ff.Tables, func(a, b *Table) int { return strings.Compare(a.Name, b.Name) })
	data, err := json.MarshalIndent(ff, "", " ")
	if err != nil {
		return fmt.Errorf("catalog: save: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.opts.Path), 0o700); err != nil {
		return fmt.Errorf("catalog: save: %w", err)
	}
	// 0600: a location may carry an endpoint's query parameters.
	if err := atomicfile.WriteFile(c.opts.Path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("catalog: save: %w", err)
	}
	return nil
}

// Store returns the object store at a location, opening it on first use.
func (c *Catalog) Store(ctx context.Context, location string) (*objstore.Store, error) {
	u, err := c.normalize(location)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.stores[u]; s != nil {
		return s, nil
	}
	s, err := objstore.Open(ctx, u)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notebooks.Errorf(notebooks.ENotFound, "location %s does not exist", location)
		}
		return nil, notebooks.Errorf(notebooks.EInvalid, "location %s: %s", location, strings.TrimPrefix(err.Error(), "objstore: "))
	}
	c.stores[u] = s
	return s, nil
}

// LocalDir returns the folder of a file:// location, and false for other stores.
func LocalDir(storeURL string) (string, bool) {
	u, err := url.Parse(storeURL)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	return u.Path, true
}

// Normalize turns a location as a user writes it into a store URL: a relative path is a folder
// of the workspace, an absolute path a local folder (inside the workspace unless AllowAnyPath),
// s3:// and file:// URLs are kept.
func (c *Catalog) Normalize(location string) (string, error) { return c.normalize(location) }

func (c *Catalog) normalize(location string) (string, error) {
	location = strings.TrimSpace(location)
	if location == "" {
		return "", notebooks.Errorf(notebooks.EInvalid, "missing location: give an s3://bucket/prefix URL or a folder of the workspace")
	}
	var path string
	switch {
	case strings.HasPrefix(location, "s3://"):
		u, err := url.Parse(location)
		if err != nil || u.Host == "" {
			return "", notebooks.Errorf(notebooks.EInvalid, "bad location %q: want s3://bucket/prefix", location)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		return u.String(), nil
	case strings.HasPrefix(location, "file://"):
		u, err := url.Parse(location)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return "", notebooks.Errorf(notebooks.EInvalid, "bad location %q: want file:///absolute/folder", location)
		}
		path = u.Path
	case strings.Contains(location, "://"):
		return "", notebooks.Errorf(notebooks.EInvalid, "bad location %q: use s3:// or a folder of the workspace", location)
	case filepath.IsAbs(location):
		path = location
	default:
		path = filepath.Join(c.opts.Dir, location)
	}
	path = filepath.Clean(path)
	if !c.opts.AllowAnyPath && !fspath.Within(path, c.opts.Dir) {
		return "", notebooks.Errorf(notebooks.EForbidden, "location %s is outside the workspace", location)
	}
	return (&url.URL{Scheme: "file", Path: path}).String(), nil
}

// nameFor derives a table name from a location's last folder: "s3://b/raw/Sales-2024" → sales_2024.
func nameFor(u string) string {
	p, _ := url.Parse(u)
	base := strings.ToLower(filepath.Base(strings.TrimSuffix(p.Path, "/")))
	if base == "" || base == "/" || base == "." {
		base = strings.ToLower(p.Host)
	}
	var b strings.Builder
	for _, r := range base {
		if r < 128 && (r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "t_" + name
	}
	return name[:min(len(name), 63)]
}

// crawlError gives a crawl failure the code that tells bad input from a failing store.
func crawlError(ctx context.Context, where string, err error) error {
	var ne *notebooks.Error
	switch {
	case errors.As(err, &ne):
		return err
	case ctx.Err() != nil:
		return notebooks.Errorf(notebooks.ECanceled, "crawl of %s canceled", where)
	case errors.Is(err, crawl.ErrNoFiles):
		return notebooks.Errorf(notebooks.EInvalid, "no data files at %s", where)
	case errors.Is(err, objstore.ErrNotFound):
		return notebooks.Errorf(notebooks.ENotFound, "%s", strings.ReplaceAll(strings.TrimPrefix(err.Error(), "crawl: "), "objstore: ", ""))
	case errors.Is(err, objstore.ErrStorage):
		return notebooks.Errorf(notebooks.EStorage, "%s", strings.ReplaceAll(strings.TrimPrefix(err.Error(), "crawl: "), "objstore: ", ""))
	}
	// What is left is the data's fault: a corrupt file, a folder that is not a partition.
	return notebooks.Errorf(notebooks.EInvalid, "%s", strings.TrimPrefix(err.Error(), "crawl: "))
}
