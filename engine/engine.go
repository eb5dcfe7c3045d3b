// Package engine is lakebook's shared SQL engine: one DuckDB database serves every notebook,
// and each notebook session gets its own connection, so its temp tables stay private to it.
//
// Results never travel whole into Go memory. DuckDB materializes a query's entire result before
// the first row can be read, so the engine materializes the last statement of a paragraph into
// a temp table inside DuckDB (which spills to disk under memory pressure), reports the true row
// count, and reads pages from that table on demand.
package engine

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/engine/cache"
	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/engine/internal/fspath"
)

// Options configure an Engine. Zero values get the defaults documented on each field.
type Options struct {
	// Dir is the workspace directory. Relative file paths in SQL ('data/flights.parquet')
	// resolve against it, and unless AllowAnyPath is set, SQL can read and write files only
	// under it. Default: the working directory.
	Dir string
	// DBPath is a DuckDB database file for tables that should outlive the server; relative to
	// Dir. Default: an in-memory database. The data a notebook queries lives in Parquet and CSV
	// files (and S3); the engine is compute, and a database file would add a file lock that
	// stops a second lakebook process (a `lakebook run` beside `lakebook serve`) from using the
	// same workspace, plus checkpoint writes for every CREATE TABLE a notebook does for fun.
	DBPath string
	// TempDir is where DuckDB spills big results and intermediate data.
	// Default: Dir/.lakebook/tmp.
	TempDir string
	// MemoryLimit caps DuckDB's memory, as DuckDB writes it ("4GB"); past it DuckDB spills to
	// TempDir. Default: half the machine's memory, leaving the rest to Go kernels and the
	// page cache (DuckDB's own default is 80%).
	MemoryLimit string
	// Threads caps DuckDB's worker threads. Default: one per core.
	Threads int
	// PageSize is the number of rows a Result carries and the default Page size. Default: 100.
	PageSize int
	// MaxPageSize caps the limit a Page call may ask for. Default: 10,000.
	MaxPageSize int
	// DirectRowLimit caps the rows kept of a result that cannot be materialized in a table
	// (EXPLAIN, PRAGMA, CALL, INSERT … RETURNING). Default: 10,000.
	DirectRowLimit int
	// AllowAnyPath lets SQL read and write any file the server process can. By default DuckDB
	// is confined (enable_external_access=false) to Dir, TempDir and CacheDir, and catalog
	// locations on local disk to Dir.
	AllowAnyPath bool
	// CatalogPath is the catalog file. Default: Dir/.lakebook/catalog.json.
	CatalogPath string
	// CacheDir holds local copies of catalog tables' files. Default: Dir/.lakebook/cache.
	CacheDir string
	// CacheBytes bounds the cache. Default: 10 GiB.
	CacheBytes int64
	// MaxQueries is how many queries run at once; the rest wait in order. Default: the number
	// of cores, at least 2.
	MaxQueries int
	// Crawl tunes the crawler.
	Crawl crawl.Options
}

// Engine is the shared SQL engine. It is safe for concurrent use; each notebook works through
// its own Session.
type Engine struct {
	db     *sql.DB
	parser *parser
	opts   Options
	// relativeOK is false when confinement had to deny relative paths: DuckDB resolves them
	// against the process's working directory first, and that directory is outside Dir.
	relativeOK bool
	sessions   atomic.Int64
	cat        *catalog.Catalog
	cache      *cache.Cache
	admit      *admission
	layouts    sync.Map // layoutKey → *pqrange.Layout: where Parquet objects keep their columns
}

// Open opens the engine's database and configures it for the workspace.
func Open(opts Options) (*Engine, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("engine: temp dir: %w", err)
	}
	dsn := ""
	if opts.DBPath != "" {
		if err := os.MkdirAll(filepath.Dir(opts.DBPath), 0o700); err != nil {
			return nil, fmt.Errorf("engine: db dir: %w", err)
		}
		dsn = opts.DBPath
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("engine: open %s: %w", cmp.Or(dsn, "in-memory database"), err)
	}
	db := sql.OpenDB(connector)
	// A connection handed back to the pool must be closed, never reused: its temp tables
	// belong to the notebook session that used it.
	db.SetMaxIdleConns(0)

	e := &Engine{db: db, opts: opts, admit: newAdmission(opts.MaxQueries)}
	if err := e.configure(); err != nil {
		db.Close()
		return nil, err
	}
	if e.parser, err = newParser(); err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.cat, err = catalog.Open(catalog.Options{Dir: opts.Dir, Path: opts.CatalogPath, AllowAnyPath: opts.AllowAnyPath, Crawl: opts.Crawl})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.cache, err = cache.Open(cache.Options{Dir: opts.CacheDir, MaxBytes: opts.CacheBytes})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	return e, nil
}

// Catalog returns the engine's table catalog.
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		o.Dir = "."
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, fmt.Errorf("engine: workspace dir: %w", err)
	}
	if fi, err := os.Stat(dir); err != nil {
		return o, fmt.Errorf("engine: workspace dir: %w", err)
	} else if !fi.IsDir() {
		return o, fmt.Errorf("engine: workspace dir: %s is not a directory", dir)
	}
	o.Dir = dir
	if o.TempDir == "" {
		o.TempDir = filepath.Join(dir, ".lakebook", "tmp")
	}
	if o.TempDir, err = filepath.Abs(o.TempDir); err != nil {
		return o, fmt.Errorf("engine: temp dir: %w", err)
	}
	if o.DBPath != "" && !filepath.IsAbs(o.DBPath) {
		o.DBPath = filepath.Join(dir, o.DBPath)
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = 10_000
	}
	o.MaxPageSize = max(o.MaxPageSize, o.PageSize)
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(dir, ".lakebook", "cache")
	}
	if o.CacheDir, err = filepath.Abs(o.CacheDir); err != nil {
		return o, fmt.Errorf("engine: cache dir: %w", err)
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 10 << 30
	}
	if o.MemoryLimit == "" {
		if ram := physicalMemory(); ram > 0 {
			o.MemoryLimit = fmt.Sprintf("%dMiB", ram/2>>20)
		}
	}
	if o.MaxQueries <= 0 {
		o.MaxQueries = max(2, runtime.NumCPU())
	}
	if o.DirectRowLimit <= 0 {
		o.DirectRowLimit = 10_000
	}
	return o, nil
}

// configure applies the global settings. Order matters: allowed_directories can only be set
// while external access is still enabled, and disabling it cannot be undone by SQL.
func (e *Engine) configure() error {
	o := e.opts
	stmts := []string{
		"SET GLOBAL file_search_path = " + quote(o.Dir),
		"SET GLOBAL temp_directory = " + quote(o.TempDir),
		"SET GLOBAL autoinstall_known_extensions = false",
	}
	if o.MemoryLimit != "" {
		stmts = append(stmts, "SET GLOBAL memory_limit = "+quote(o.MemoryLimit))
	}
	if o.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET GLOBAL threads = %d", o.Threads))
	}
	e.relativeOK = true
	if !o.AllowAnyPath {
		dirs := []string{withSlash(o.Dir)}
		for _, d := range []string{o.TempDir, o.CacheDir} {
			if !fspath.Within(d, o.Dir) {
				dirs = append(dirs, withSlash(d))
			}
		}
		// DuckDB checks a relative path as written, then opens it against the working
		// directory before trying file_search_path, so relative paths are only safe to allow
		// when the working directory is inside the workspace.
		if wd, err := os.Getwd(); err == nil && fspath.Within(wd, o.Dir) {
			dirs = append(dirs, "./")
		} else {
			e.relativeOK = false
		}
		quoted := make([]string, len(dirs))
		for i, d := range dirs {
			quoted[i] = quote(d)
		}
		stmts = append(stmts,
			"SET GLOBAL allowed_directories = ["+strings.Join(quoted, ", ")+"]",
			"SET GLOBAL enable_external_access = false")
	}
	ctx := context.Background()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("engine: connect: %w", err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("engine: configure: %s: %w", s, err)
		}
	}
	return nil
}

// Close closes the database, the catalog and the cache. Sessions must be closed first.
func (e *Engine) Close() error {
	var errs []error
	if err := e.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("engine: close: %w", err))
	}
	if e.parser != nil {
		e.parser.close()
	}
	if e.cat != nil {
		errs = append(errs, e.cat.Close())
	}
	if e.cache != nil {
		errs = append(errs, e.cache.Close())
	}
	return errors.Join(errs...)
}

// Dir returns the absolute workspace directory.
func (e *Engine) Dir() string { return e.opts.Dir }

// Session opens a session: one connection, so temp tables and settings a notebook makes stay
// with that notebook.
func (e *Engine) Session(ctx context.Context) (*Session, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: session: %w", err)
	}
	// Progress is read through the C API (see progress.go), never printed. It is a setting of
	// the connection, not of the database.
	for _, set := range []string{"SET enable_progress_bar = true", "SET enable_progress_bar_print = false"} {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			conn.Close()
			return nil, fmt.Errorf("engine: session: %s: %w", set, err)
		}
	}
	return &Session{
		e:       e,
		prog:    newProgressHandle(conn),
		id:      e.sessions.Add(1),
		conn:    conn,
		busy:    make(chan struct{}, 1),
		results: map[string]*result{},
	}, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func withSlash(dir string) string {
	return strings.TrimSuffix(dir, string(filepath.Separator)) + string(filepath.Separator)
}
