package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/kernels/mdkernel"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/notebooks/examples"
	"github.com/lakebook/lakebook/server"
	"github.com/lakebook/lakebook/store/blobstore"
	"github.com/lakebook/lakebook/store/local"
	"github.com/lakebook/lakebook/store/shares"
)

// Main is the `serve` command: it owns the engine, the store and the HTTP server, so tests can
// run the real server on :0 and close it.
type Main struct {
	Addr string
	Dir  string
	// Store is a bucket URL (s3://bucket/prefix?… or file:///abs/dir) for the notebooks; empty
	// means the workspace's notebooks/ folder, the only store with revision history.
	Store          string
	AllowedOrigins []string
	Token          string
	// MemoryLimit caps DuckDB's memory ("8GB"); beyond it DuckDB spills to the workspace.
	MemoryLimit string
	// CacheBytes bounds the local cache of S3 objects.
	CacheBytes int64
	// MaxQueries is how many SQL queries run at once; 0 for the number of cores (at least 2).
	MaxQueries int
	// ShareRate is how many requests a second one share link answers; 0 for the default.
	ShareRate float64
	Stdout    io.Writer
	Logger    *slog.Logger

	// URL is the server's address with the token, set by Run.
	URL string

	engine   *engine.Engine
	kernels  *gokernel.Pool
	store    notebookStore
	shares   *shares.Store
	server   *server.Server
	http     *http.Server
	listener net.Listener
}

// The SQL kernel keeps whole results on the server: the server pages, sorts, charts, exports
// and keeps them through it.
var (
	_ server.Kernel       = (*sqlHandle)(nil)
	_ server.Pager        = (*sqlHandle)(nil)
	_ server.ResultViewer = (*sqlHandle)(nil)
	_ server.ResultKeeper = (*sqlHandle)(nil)
	_ server.Kernel       = (*gokernel.Kernel)(nil)
	_ server.Pager        = (*gokernel.Kernel)(nil)
	_ server.ResultViewer = (*gokernel.Kernel)(nil)
	_ server.ResultKeeper = (*gokernel.Kernel)(nil)
	_ server.Dropper      = (*gokernel.Kernel)(nil)
	_ server.Kernel       = (*sqlkernel.Kernel)(nil)
	_ server.Pager        = (*sqlkernel.Kernel)(nil)
	_ server.ResultViewer = (*sqlkernel.Kernel)(nil)
	_ server.ResultKeeper = (*sqlkernel.Kernel)(nil)
)

// NewMain returns a Main with the defaults.
func NewMain() *Main {
	return &Main{Addr: "127.0.0.1:8080", Dir: "workspace", Stdout: os.Stdout}
}

// notebookStore is a store Main owns.
type notebookStore interface {
	server.NotebookStore
	Close() error
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// ParseFlags reads the serve flags and LAKEBOOK_TOKEN.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("lakebook serve", flag.ContinueOnError)
	fs.StringVar(&m.Addr, "addr", m.Addr, "address to listen on")
	fs.StringVar(&m.Dir, "dir", m.Dir, "workspace folder: notebooks/, data/ and lakebook's state")
	fs.StringVar(&m.Store, "store", m.Store, "where notebooks live: empty for DIR/notebooks (with revision history), or s3://bucket/prefix?endpoint=…&region=…")
	fs.StringVar(&m.MemoryLimit, "memory-limit", m.MemoryLimit, "DuckDB's memory limit, as 8GB; beyond it queries spill to DIR/.lakebook/tmp (default: half the machine's memory)")
	fs.Int64Var(&m.CacheBytes, "cache-bytes", m.CacheBytes, "bound in bytes of the local cache of S3 objects, DIR/.lakebook/cache (default 10 GiB)")
	fs.IntVar(&m.MaxQueries, "max-queries", m.MaxQueries, "SQL queries that run at once; the rest queue (default: cores, at least 2)")
	fs.Float64Var(&m.ShareRate, "share-rate", m.ShareRate, "requests a second one share link answers, bursts of twice that (default 100)")
	fs.Var((*listFlag)(&m.AllowedOrigins), "allowed-origin", "another origin (scheme://host:port) whose pages may use this server; repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	m.Token = os.Getenv("LAKEBOOK_TOKEN")
	return nil
}

// Run opens everything and starts serving; it returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if m.Token == "" {
		m.Token = server.NewToken()
	}
	dir, err := filepath.Abs(m.Dir)
	if err != nil {
		return err
	}
	m.Dir = dir
	if err := m.openStore(ctx, dir); err != nil {
		return err
	}
	// DuckDB checks relative paths against the process's working directory before its
	// file_search_path, so SQL like 'data/x.parquet' is confined to the workspace only when the
	// server runs inside it (as Jupyter runs kernels in the notebook's folder).
	if err := os.Chdir(dir); err != nil {
		return err
	}
	if m.engine, err = engine.Open(engine.Options{Dir: dir, MemoryLimit: m.MemoryLimit, CacheBytes: m.CacheBytes, MaxQueries: m.MaxQueries}); err != nil {
		return err
	}
	md := mdkernel.New()
	kernelsDir := filepath.Join(dir, ".lakebook", "kernels")
	// A warm Go kernel waits outside every notebook's folder, so opening a notebook never waits
	// for a process start.
	// Go kernels may not read or write the server's state (.lakebook), their own folder aside.
	private := []string{filepath.Join(dir, ".lakebook")}
	// The standalone kernel binary, when it was built beside this one, keeps each kernel's
	// memory to a third; without it the server runs itself as `lakebook kernel`.
	var kernelPath string
	if exe, err := os.Executable(); err == nil {
		kernelPath = gokernel.Standalone(exe)
	}
	if m.kernels, err = gokernel.NewPool(gokernel.Options{Path: kernelPath, Dir: filepath.Join(dir, ".lakebook", "kernel-pool")}); err != nil {
		return err
	}
	sql := newSharedSQL(m.engine)
	newKernel := func(ctx context.Context, lang notebooks.Lang, notebookID string) (server.Kernel, error) {
		switch lang {
		case notebooks.SQL:
			return sql.acquire(ctx, notebookID)
		case notebooks.Go:
			data, err := sql.acquire(ctx, notebookID)
			if err != nil {
				return nil, err
			}
			k, err := m.kernels.Start(ctx, gokernel.Options{Path: kernelPath, Dir: filepath.Join(kernelsDir, notebookID), Data: data, Private: private})
			if err != nil {
				data.Close()
				return nil, err
			}
			return k, nil
		case notebooks.Markdown:
			return md, nil
		}
		return nil, notebooks.Errorf(notebooks.EInvalid, "no kernel for language %q", lang)
	}
	if m.shares, err = shares.Open(filepath.Join(dir, ".lakebook", "shares")); err != nil {
		return err
	}
	m.server = server.New(server.Options{
		Shares:         m.shares,
		ShareRate:      m.ShareRate,
		Token:          m.Token,
		AllowedOrigins: m.AllowedOrigins,
		Store:          m.store,
		NewKernel:      newKernel,
		Catalog:        m.engine.Catalog(),
		ResultsDir:     filepath.Join(dir, ".lakebook", "results"),
		Logger:         m.Logger,
	})
	if m.listener, err = net.Listen("tcp", m.Addr); err != nil {
		return err
	}
	m.http = &http.Server{Handler: m.server, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.http.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serve", slog.Any("err", err))
		}
	}()
	m.URL = fmt.Sprintf("http://%s/?token=%s", m.listener.Addr(), m.Token)
	fmt.Fprintf(m.Stdout, "lakebook is serving %s at %s\n", dir, m.URL)
	return nil
}

// Close stops the HTTP server, the sessions and their kernels, and the engine.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errs = append(errs, m.http.Shutdown(ctx))
	}
	if m.server != nil {
		errs = append(errs, m.server.Close())
	}
	if m.shares != nil {
		errs = append(errs, m.shares.Close())
	}
	if m.kernels != nil {
		errs = append(errs, m.kernels.Close())
	}
	if m.engine != nil {
		errs = append(errs, m.engine.Close())
	}
	if m.store != nil {
		errs = append(errs, m.store.Close())
	}
	return errors.Join(errs...)
}

// openStore opens the --store URL, or the workspace folder (seeded with the tutorial notebooks
// when new).
func (m *Main) openStore(ctx context.Context, dir string) error {
	if m.Store != "" {
		// The workspace still holds data/ and lakebook's state.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		st, err := blobstore.Open(ctx, m.Store)
		if err != nil {
			return err
		}
		m.store = st
		return nil
	}
	nbDir := filepath.Join(dir, "notebooks")
	fresh := !exists(nbDir)
	st, err := local.Open(nbDir)
	if err != nil {
		return err
	}
	m.store = st
	if fresh {
		if err := seedExamples(nbDir); err != nil {
			return fmt.Errorf("seed examples: %w", err)
		}
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// seedExamples copies the tutorial notebooks into a new workspace.
func seedExamples(dir string) error {
	return fs.WalkDir(examples.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, notebooks.FileExt) {
			return err
		}
		data, err := fs.ReadFile(examples.FS, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644)
	})
}
