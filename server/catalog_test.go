package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/server"
)

type tableJSON struct {
	Name            string           `json:"name"`
	Format          string           `json:"format"`
	Partitions      int              `json:"partitions"`
	Files           int              `json:"files"`
	Rows            int64            `json:"rows"`
	PartitionKeys   []map[string]any `json:"partitionKeys"`
	PartitionValues []string         `json:"partitionValues"`
	FileList        []map[string]any `json:"fileList"`
}

func TestCatalogAPI(t *testing.T) {
	ws := t.TempDir()
	for _, p := range []string{"data/events/day=1/a.csv", "data/events/day=2/a.csv"} {
		os.MkdirAll(filepath.Join(ws, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(ws, p), []byte("id,kind\n1,click\n2,view\n"), 0o644)
	}
	os.MkdirAll(filepath.Join(ws, "data", "empty"), 0o755)
	cat, err := catalog.Open(catalog.Options{Dir: ws})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	ts := newTestServerOpts(t, server.Options{Catalog: cat})

	var created struct {
		Table   tableJSON      `json:"table"`
		Changes map[string]any `json:"changes"`
	}
	if code := ts.call(t, "POST", "/api/catalog/crawl", map[string]any{"location": "data/events"}, &created); code != http.StatusOK {
		t.Fatalf("crawl: %d", code)
	}
	if tb := created.Table; tb.Name != "events" || tb.Format != "csv" || tb.Partitions != 2 || tb.Rows != 4 || len(tb.PartitionKeys) != 1 {
		t.Fatalf("crawled %+v", tb)
	}
	if len(created.Changes["new_partitions"].([]any)) != 2 {
		t.Fatalf("changes %v", created.Changes)
	}
	var list struct{ Tables []tableJSON }
	ts.call(t, "GET", "/api/catalog/tables", nil, &list)
	if len(list.Tables) != 1 || list.Tables[0].Name != "events" || list.Tables[0].FileList != nil {
		t.Fatalf("list %+v", list)
	}
	var one tableJSON
	if code := ts.call(t, "GET", "/api/catalog/tables/EVENTS", nil, &one); code != http.StatusOK || len(one.PartitionValues) != 2 || len(one.FileList) != 2 {
		t.Fatalf("get: %d %+v", code, one)
	}

	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"POST", "/api/catalog/tables", map[string]any{"name": "events", "location": "data/events"}, 409, "conflict"},
		{"POST", "/api/catalog/tables", map[string]any{"name": "x y", "location": "data/events"}, 400, "invalid"},
		{"POST", "/api/catalog/tables", map[string]any{"name": "x", "location": "data/nope"}, 404, "not_found"},
		{"POST", "/api/catalog/tables", map[string]any{"name": "x", "location": "data/empty"}, 400, "invalid"},
		{"POST", "/api/catalog/tables", map[string]any{"name": "x", "location": "/etc"}, 403, "forbidden"},
		{"POST", "/api/catalog/tables", `{"name": "x", "location": }`, 400, "invalid"},
		{"POST", "/api/catalog/crawl", map[string]any{"location": ""}, 400, "invalid"},
		{"GET", "/api/catalog/tables/nope", nil, 404, "not_found"},
		{"DELETE", "/api/catalog/tables/nope", nil, 404, "not_found"},
	} {
		var e apiError
		if got := ts.call(t, tc.method, tc.path, tc.body, &e); got != tc.status || e.Error.Code != tc.code {
			t.Errorf("%s %s %v: %d %+v, want %d %s", tc.method, tc.path, tc.body, got, e.Error, tc.status, tc.code)
		}
	}

	var reg struct{ Table tableJSON }
	if code := ts.call(t, "POST", "/api/catalog/tables", map[string]any{"name": "ev2", "location": "data/events", "format": "csv"}, &reg); code != http.StatusCreated || reg.Table.Name != "ev2" {
		t.Fatalf("register: %d %+v", code, reg)
	}
	if code := ts.call(t, "DELETE", "/api/catalog/tables/ev2", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	ts.call(t, "GET", "/api/catalog/tables", nil, &list)
	if len(list.Tables) != 1 {
		t.Fatalf("after delete: %+v", list)
	}

	// A server without a catalog says so.
	bare := newTestServer(t, nil)
	var e apiError
	if code := bare.call(t, "GET", "/api/catalog/tables", nil, &e); code != http.StatusNotImplemented {
		t.Fatalf("no catalog: %d %+v", code, e)
	}
}
