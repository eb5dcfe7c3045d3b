package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/store/s3test"
)

// lakebookEnv is what the lakebook runner gets to work with.
type lakebookEnv struct {
	// StoreURL is the objstore URL of the benchmark's data in S3 (s3://lakebook-test/tpch?…);
	// table t lives under the prefix t/ of it: see TableURL.
	StoreURL string
	// Tables are the eight TPC-H tables with their partitioning (lineitem by l_shipyear =
	// year(l_shipdate), orders by o_orderyear = year(o_orderdate)).
	Tables []tableSpec
	// WorkDir is an empty scratch directory for the runner (workspace, catalog file, cache);
	// it is removed when the benchmark ends.
	WorkDir string
	// Server is the versitygw the data was uploaded to. The process environment already
	// holds its credentials (AWS_ACCESS_KEY_ID …, see s3test.Server.Env).
	Server *s3test.Server
}

// TableURL is the objstore URL of one table's folder, e.g.
// s3://lakebook-test/tpch/lineitem?endpoint=…&region=…&use_path_style=true.
func (e lakebookEnv) TableURL(table string) string {
	u, err := url.Parse(e.StoreURL)
	if err != nil {
		return e.StoreURL
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + table
	return u.String()
}

// lakebookRunner is lakebook's engine with its catalog and cache, as the server runs SQL
// paragraphs: the tables are registered from S3 by crawling, and each query fetches the files
// its predicates need into the cache.
type lakebookRunner struct {
	env      lakebookEnv
	eng      *engine.Engine
	sess     *engine.Session
	bytesIn  int64
	cacheDir string
}

var _ cachedRunner = (*lakebookRunner)(nil)

var newLakebook = func(ctx context.Context, env lakebookEnv) (cachedRunner, error) {
	r := &lakebookRunner{env: env, cacheDir: filepath.Join(env.WorkDir, "cache")}
	if err := os.MkdirAll(filepath.Join(env.WorkDir, "workspace"), 0o755); err != nil {
		return nil, err
	}
	if err := r.open(ctx); err != nil {
		return nil, err
	}
	for _, t := range env.Tables {
		if _, _, err := r.eng.Catalog().Register(ctx, t.Name, env.TableURL(t.Name), "parquet"); err != nil {
			r.close()
			return nil, fmt.Errorf("register %s: %w", t.Name, err)
		}
	}
	return r, nil
}

func (r *lakebookRunner) open(ctx context.Context) error {
	eng, err := engine.Open(engine.Options{Dir: filepath.Join(r.env.WorkDir, "workspace"), CacheDir: r.cacheDir})
	if err != nil {
		return err
	}
	sess, err := eng.Session(ctx)
	if err != nil {
		eng.Close()
		return err
	}
	r.eng, r.sess = eng, sess
	return nil
}

func (r *lakebookRunner) name() string { return "lakebook" }

// run returns every row: the first page comes with the result, the rest is paged, as the
// browser would page it.
func (r *lakebookRunner) run(ctx context.Context, query string) ([][]any, error) {
	res, err := r.sess.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	r.bytesIn += res.Stats.BytesFetched
	rows := res.Rows
	for int64(len(rows)) < res.RowCount {
		page, err := r.sess.Page(ctx, res.ID, int64(len(rows)), 10_000)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		rows = append(rows, page...)
	}
	if res.ID != "" {
		r.sess.Drop(res.ID)
	}
	return rows, nil
}

// emptyCache restarts the engine on an empty cache: a server just started on a fresh machine.
func (r *lakebookRunner) emptyCache(ctx context.Context) error {
	r.sess.Close()
	if err := r.eng.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(r.cacheDir); err != nil {
		return err
	}
	return r.open(ctx)
}

func (r *lakebookRunner) fetched() int64 { return r.bytesIn }

func (r *lakebookRunner) close() error {
	r.sess.Close()
	return r.eng.Close()
}
