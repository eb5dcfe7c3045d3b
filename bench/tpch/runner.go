package main

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
)

// runner runs the benchmark's queries on one engine. Tables are referenced by bare name
// (lineitem, orders, …); the runner decides where they come from.
type runner interface {
	name() string
	// run executes one query and returns all its rows. The time of run is what is measured.
	run(ctx context.Context, query string) ([][]any, error)
	close() error
}

// cachedRunner is a runner that reads the tables from object storage through a local cache.
// The benchmark empties the cache before each cold run.
type cachedRunner interface {
	runner
	// emptyCache drops everything cached, so the next run fetches from object storage again.
	emptyCache(ctx context.Context) error
	// fetched returns the bytes fetched from object storage since the runner started; the
	// benchmark takes differences.
	fetched() int64
}

// localRunner is DuckDB alone on the Parquet files on local disk: the floor.
type localRunner struct {
	db   *sql.DB
	conn *sql.Conn
}

var _ runner = (*localRunner)(nil)

// newLocal opens an in-memory DuckDB with one view per table over the files under dir.
func newLocal(ctx context.Context, dir string) (*localRunner, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	r := &localRunner{db: db, conn: conn}
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, t.viewSQL(dir)); err != nil {
			r.close()
			return nil, fmt.Errorf("duckdb-local: view %s: %w", t.Name, err)
		}
	}
	return r, nil
}

func (r *localRunner) name() string { return "duckdb-local" }

func (r *localRunner) run(ctx context.Context, query string) ([][]any, error) {
	return queryAll(ctx, r.conn, query)
}

func (r *localRunner) close() error {
	r.conn.Close()
	return r.db.Close()
}

// queryAll runs query on conn and scans every row into []any, as the driver returns values.
func queryAll(ctx context.Context, conn *sql.Conn, query string) ([][]any, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}
