// Package laketest makes datasets for the catalog and engine tests: Parquet files written by a
// real DuckDB from a query, put into a real object store.
package laketest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver

	"github.com/lakebook/lakebook/engine/objstore"
)

// Parquet returns the Parquet file DuckDB writes for query.
func Parquet(t testing.TB, query string) []byte {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(t.TempDir(), "f.parquet")
	if _, err := db.Exec("COPY (" + query + ") TO '" + path + "' (FORMAT parquet)"); err != nil {
		t.Fatalf("laketest: %s: %v", query, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Put writes data to key in s.
func Put(t testing.TB, s *objstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, data); err != nil {
		t.Fatal(err)
	}
}

// Months puts a sales table partitioned by month: for each month m in 1..months, the file
// month=m/part-0.parquet with rowsPerMonth rows (id, month's day, amount).
func Months(t testing.TB, s *objstore.Store, prefix string, months, rowsPerMonth int) {
	t.Helper()
	for m := 1; m <= months; m++ {
		q := "SELECT range AS id, DATE '2024-01-01' + INTERVAL (" + strconv.Itoa(m-1) + ") MONTH + INTERVAL (range % 28) DAY AS day, " +
			"(range % 100)::DOUBLE AS amount FROM range(" + strconv.Itoa(rowsPerMonth) + ")"
		Put(t, s, prefix+"month="+strconv.Itoa(m)+"/part-0.parquet", Parquet(t, q))
	}
}
