package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/engine/internal/laketest"
	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/objstore/objstoretest"
	"github.com/lakebook/lakebook/notebooks"
)

func open(t testing.TB, dir string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Open(catalog.Options{Dir: dir, AllowAnyPath: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wantCode(t testing.TB, err error, code, substr string) {
	t.Helper()
	if notebooks.ErrorCode(err) != code || !strings.Contains(err.Error(), substr) {
		t.Fatalf("err = %v (%s), want code %s containing %q", err, notebooks.ErrorCode(err), code, substr)
	}
}

func TestRegisterCrawlPersist(t *testing.T) {
	objstoretest.ForEachBackend(t, "cat", func(t *testing.T, s *objstore.Store) {
		ctx := context.Background()
		laketest.Months(t, s, "sales/", 3, 100)
		loc := s.Location("sales")
		if q := strings.IndexByte(s.URL(), '?'); q >= 0 {
			loc += s.URL()[q:]
		}
		ws := t.TempDir()
		c := open(t, ws)
		tbl, ch, err := c.Register(ctx, "sales", loc, "parquet")
		if err != nil {
			t.Fatal(err)
		}
		if tbl.Rows() != 300 || len(tbl.Partitions()) != 3 || len(ch.NewPartitions) != 3 || tbl.PartitionKeys[0].Name != "month" {
			t.Fatalf("table: rows %d partitions %v changes %+v keys %v", tbl.Rows(), tbl.Partitions(), ch, tbl.PartitionKeys)
		}
		if _, _, err := c.Register(ctx, "SALES", loc, ""); notebooks.ErrorCode(err) != notebooks.EConflict {
			t.Fatalf("second register: %v", err)
		}

		// A new month, then a re-crawl by location: only the new file is read.
		laketest.Put(t, s, "sales/month=4/part-0.parquet", laketest.Parquet(t, "SELECT 1 AS id, DATE '2024-04-02' AS day, 1.0::DOUBLE AS amount"))
		tbl, ch, err = c.Crawl(ctx, loc, "")
		if err != nil {
			t.Fatal(err)
		}
		if tbl.Name != "sales" || ch.FilesRead != 1 || len(ch.NewPartitions) != 1 || ch.NewPartitions[0] != "month=4" || tbl.Rows() != 301 {
			t.Fatalf("re-crawl: name %s changes %+v rows %d", tbl.Name, ch, tbl.Rows())
		}

		// The catalog survives a restart.
		c.Close()
		c2 := open(t, ws)
		got, ok := c2.Table("Sales")
		if !ok || got.Rows() != 301 || len(got.Files) != 4 || got.URL == "" {
			t.Fatalf("after reopen: %v %+v", ok, got)
		}
		if err := c2.Rename("sales", "sales_2024"); err != nil {
			t.Fatal(err)
		}
		if err := c2.Drop("sales_2024"); err != nil {
			t.Fatal(err)
		}
		if c2.Len() != 0 {
			t.Fatalf("tables after drop: %d", c2.Len())
		}
		if exists, _ := s.Exists(ctx, "sales/month=1/part-0.parquet"); !exists {
			t.Fatal("drop removed the data")
		}
	})
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	ws := t.TempDir()
	data := filepath.Join(ws, "data")
	write := func(rel string, b []byte) {
		p := filepath.Join(data, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := laketest.Parquet(t, "SELECT 1 AS id")
	write("corrupt/a.parquet", good)
	write("corrupt/b.parquet", good[:len(good)-9])
	write("badpart/x=1/a.parquet", good)
	write("badpart/oops/a.parquet", good)
	write("empty/readme.txt", []byte("no data here"))
	write("csv/a.csv", []byte("a,b\n1,2\n"))

	c, err := catalog.Open(catalog.Options{Dir: ws})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct {
		name, table, location, format string
		code, msg                     string
	}{
		{"missing", "t", "data/nope", "", notebooks.ENotFound, "does not exist"},
		{"outside workspace", "t", "/etc", "", notebooks.EForbidden, "outside the workspace"},
		{"dotdot", "t", "../x", "", notebooks.EForbidden, "outside the workspace"},
		{"bad scheme", "t", "http://example.com/x", "", notebooks.EInvalid, "use s3://"},
		{"bad name", "1x", "data/csv", "", notebooks.EInvalid, "bad table name"},
		{"bad name quote", `a"b`, "data/csv", "", notebooks.EInvalid, "bad table name"},
		{"truncated parquet", "t", "data/corrupt", "", notebooks.EInvalid, "b.parquet"},
		{"not a partition", "t", "data/badpart", "", notebooks.EInvalid, "oops"},
		{"no data files", "t", "data/empty", "", notebooks.EInvalid, "no data files"},
		{"format mismatch", "t", "data/csv", "parquet", notebooks.EInvalid, "holds csv files"},
		{"no location", "t", " ", "", notebooks.EInvalid, "missing location"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.Register(ctx, tc.table, tc.location, tc.format)
			wantCode(t, err, tc.code, tc.msg)
			if c.Len() != 0 {
				t.Fatalf("a failed register left %d tables", c.Len())
			}
		})
	}
	if _, err := os.Stat(filepath.Join(ws, ".lakebook", "catalog.json")); err == nil {
		t.Fatal("failed registrations wrote the catalog file")
	}

	t.Run("no credentials", func(t *testing.T) {
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		_, _, err := c.Register(ctx, "t", "s3://nocreds/x?endpoint=http://127.0.0.1:1&use_path_style=true&region=us-east-1", "")
		wantCode(t, err, notebooks.EStorage, "AWS_ACCESS_KEY_ID")
	})
	t.Run("unreachable s3", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", "x")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "y")
		_, _, err := c.Register(ctx, "t", "s3://bucket/x?endpoint=http://127.0.0.1:1&use_path_style=true&region=us-east-1", "")
		wantCode(t, err, notebooks.EStorage, "127.0.0.1:1")
	})

	t.Run("save fails", func(t *testing.T) {
		blocked := filepath.Join(t.TempDir(), "state")
		c, err := catalog.Open(catalog.Options{Dir: ws, Path: filepath.Join(blocked, "catalog.json")})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		os.WriteFile(blocked, nil, 0o644) // the catalog's folder cannot be made
		if _, _, err := c.Register(ctx, "t", "data/csv", ""); err == nil {
			t.Fatal("register succeeded without a place to save")
		}
		if c.Len() != 0 {
			t.Fatal("a table whose save failed stayed registered")
		}
	})

	t.Run("damaged catalog file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "catalog.json")
		os.WriteFile(path, []byte(`{"tables": [`), 0o600)
		if _, err := catalog.Open(catalog.Options{Dir: ws, Path: path}); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("open damaged: %v", err)
		}
		if b, _ := os.ReadFile(path); string(b) != `{"tables": [` {
			t.Fatal("damaged catalog file was changed")
		}
	})
}

func TestNames(t *testing.T) {
	ctx := context.Background()
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "data", "Web-Logs 2024"), 0o755)
	os.WriteFile(filepath.Join(ws, "data", "Web-Logs 2024", "a.csv"), []byte("a\n1\n"), 0o644)
	c := open(t, ws)
	tbl, _, err := c.Crawl(ctx, "data/Web-Logs 2024", "")
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Name != "web_logs_2024" {
		t.Fatalf("derived name %q", tbl.Name)
	}
	if _, _, err := c.Crawl(ctx, "data", "web_logs_2024"); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Fatalf("crawl of another location under a taken name: %v", err)
	}
}
