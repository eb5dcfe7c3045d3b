package pqrange_test

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/pqrange"
)

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeParquet writes a file DuckDB's way, with several row groups, dictionary-encoded strings
// (and so bloom filters), and a nested column.
func writeParquet(t testing.TB, db *sql.DB, path string) {
	t.Helper()
	_, err := db.Exec(fmt.Sprintf(`COPY (
		SELECT i AS id, i * 0.25 AS amount, 'origin-' || (i %% 37) AS origin,
			DATE '2020-01-01' + (i %% 900)::INT AS day, {'a': i %% 5, 'b': 'x' || i} AS nested,
			repeat('z', 200) || i AS wide
		FROM range(300000) t(i)) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 50000)`, path))
	if err != nil {
		t.Fatal(err)
	}
}

// fixture writes the test file into a temporary folder and returns it with the database.
func fixture(t testing.TB) (*sql.DB, string) {
	t.Helper()
	db := openDB(t)
	full := filepath.Join(t.TempDir(), "full.parquet")
	writeParquet(t, db, full)
	return db, full
}

// sparseCopy writes a file of the original's size holding only rs of it: holes elsewhere.
func sparseCopy(t testing.TB, src, dst string, rs []objstore.Range) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(int64(len(data))); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if _, err := f.WriteAt(data[r.Off:r.End()], r.Off); err != nil {
			t.Fatal(err)
		}
	}
}

func layoutOf(t testing.TB, path string, tail int) *pqrange.Layout {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := pqrange.Parse(data[max(0, len(data)-tail):], int64(len(data)))
	var short *pqrange.ShortTailError
	if errors.As(err, &short) {
		l, err = pqrange.Parse(data[int64(len(data))-short.Need:], int64(len(data)))
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func rows(t testing.TB, db *sql.DB, q string) string {
	t.Helper()
	r, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var b strings.Builder
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return b.String()
}

// TestSparseCopyAnswersAsTheFile: DuckDB gives the same answers on a copy holding only the
// ranges Ranges names for the columns a query uses, as on the whole file; and those ranges are
// a fraction of the file.
func TestSparseCopyAnswersAsTheFile(t *testing.T) {
	db, full := fixture(t)
	fi, _ := os.Stat(full)
	l := layoutOf(t, full, 16<<10)
	for _, tc := range []struct {
		name    string
		columns []string
		query   string // over %s, the file
	}{
		{"one column", []string{"amount"}, "SELECT sum(amount) FROM '%s'"},
		{"filter on a statistic", []string{"id", "amount"}, "SELECT count(*), sum(amount) FROM '%s' WHERE id BETWEEN 120000 AND 130000"},
		{"equality on a dictionary string (bloom filter)", []string{"origin", "id"}, "SELECT count(*), max(id) FROM '%s' WHERE origin = 'origin-7'"},
		{"equality that no row has", []string{"origin"}, "SELECT count(*) FROM '%s' WHERE origin = 'nowhere'"},
		{"dates grouped", []string{"day", "amount"}, "SELECT day, sum(amount) FROM '%s' GROUP BY day ORDER BY day LIMIT 5"},
		{"nested", []string{"nested"}, "SELECT sum(nested.a), max(nested.b) FROM '%s'"},
		{"mixed case names", []string{"ID"}, "SELECT max(ID) FROM '%s'"},
		{"count star", nil, "SELECT count(*) FROM '%s'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := l.Ranges(tc.columns)
			if rs == nil {
				t.Fatal("the layout wants the whole file")
			}
			var n int64
			for _, r := range rs {
				n += r.Len
			}
			if tc.columns != nil && !strings.EqualFold(tc.columns[0], "nested") && n > fi.Size()/2 {
				t.Errorf("ranges of %v cover %d of %d bytes", tc.columns, n, fi.Size())
			}
			t.Logf("%d ranges, %d of %d bytes", len(rs), n, fi.Size())
			sparse := filepath.Join(t.TempDir(), "sparse.parquet")
			sparseCopy(t, full, sparse, rs)
			want := rows(t, db, fmt.Sprintf(tc.query, full))
			if got := rows(t, db, fmt.Sprintf(tc.query, sparse)); got != want {
				t.Errorf("sparse copy answers %q, the file %q", got, want)
			}
		})
	}
	if r := l.Ranges([]string{"wide"}); len(r) == 0 {
		t.Error("no ranges for wide")
	}
}

func TestParseBadTails(t *testing.T) {
	_, full := fixture(t)
	data, _ := os.ReadFile(full)
	size := int64(len(data))
	var short *pqrange.ShortTailError
	if _, err := pqrange.Parse(data[size-16:], size); !errors.As(err, &short) || short.Need <= 16 || short.Need > size {
		t.Errorf("16-byte tail: %v, want a ShortTailError with the footer's size", err)
	}
	for _, tc := range []struct {
		name string
		tail []byte
		size int64
	}{
		{"not parquet", []byte("hello, world, this is text\n"), 27},
		{"tiny", []byte("PAR1"), 4},
		{"footer longer than the file", append([]byte{0xff, 0xff, 0xff, 0x0f}, "PAR1"...), 100},
		{"garbage footer", append(append(make([]byte, 4), []byte{20, 0, 0, 0}...), append(make([]byte, 20-4+8), "PAR1"...)...), 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pqrange.Parse(tc.tail, tc.size)
			if !errors.Is(err, pqrange.ErrNotParquet) {
				t.Errorf("error %v, want ErrNotParquet", err)
			}
		})
	}
}
