package server_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakebook/lakebook/server"
	"github.com/lakebook/lakebook/store/local"
)

var _ server.History = (*local.Store)(nil)

type revision struct {
	Revision string `json:"revision"`
	Message  string `json:"message"`
	Time     string `json:"time"`
}

func (ts *testServer) checkpoint(t testing.TB, nbID, message string) revision {
	t.Helper()
	var rev revision
	if code := ts.call(t, "POST", "/api/notebooks/"+nbID+"/checkpoints", map[string]string{"message": message}, &rev); code != 201 {
		t.Fatalf("checkpoint: %d", code)
	}
	return rev
}

func (ts *testServer) edit(t testing.TB, nbID, pid, text string) {
	t.Helper()
	if code := ts.call(t, "PATCH", "/api/notebooks/"+nbID+"/paragraphs/"+pid, map[string]string{"text": text}, nil); code != 200 {
		t.Fatalf("edit: %d", code)
	}
}

func TestHistory(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "history")
	p := ts.add(t, nb.ID, "md", "first text")
	r1 := ts.checkpoint(t, nb.ID, "first")
	ts.edit(t, nb.ID, p.ID, "second text")
	r2 := ts.checkpoint(t, nb.ID, "second")
	if len(r1.Revision) != 40 || r1.Revision == r2.Revision || r2.Message != "second" || r2.Time == "" {
		t.Fatalf("checkpoints = %+v, %+v", r1, r2)
	}

	var list struct{ Revisions []revision }
	if code := ts.call(t, "GET", "/api/notebooks/"+nb.ID+"/revisions", nil, &list); code != 200 {
		t.Fatalf("revisions: %d", code)
	}
	if len(list.Revisions) != 2 || list.Revisions[0] != r2 || list.Revisions[1] != r1 {
		t.Fatalf("revisions = %+v, want r2, r1", list.Revisions)
	}

	ts.edit(t, nb.ID, p.ID, "third text")
	tests := []struct {
		name, path    string
		want, wantNot string
	}{
		{"between revisions", r1.Revision + "/diff?against=" + r2.Revision, "+second text", "third"},
		{"abbreviated", r1.Revision[:7] + "/diff?against=" + r2.Revision[:10], "-first text", "third"},
		{"against the current file", r2.Revision + "/diff", "+third text", "first"},
	}
	for _, tt := range tests {
		var d struct{ Diff string }
		if code := ts.call(t, "GET", "/api/notebooks/"+nb.ID+"/revisions/"+tt.path, nil, &d); code != 200 {
			t.Fatalf("%s: %d", tt.name, code)
		}
		if !strings.Contains(d.Diff, tt.want) || strings.Contains(d.Diff, tt.wantNot) || !strings.HasPrefix(d.Diff, "diff --git") {
			t.Errorf("%s: diff =\n%s", tt.name, d.Diff)
		}
	}

	// Restoring reaches the file, the API and every open client.
	ws := ts.dial(t, nb.ID)
	ws.next(ofType("notebook"))
	var restored notebook
	if code := ts.call(t, "POST", "/api/notebooks/"+nb.ID+"/revisions/"+r1.Revision+"/restore", nil, &restored); code != 200 {
		t.Fatalf("restore: %d", code)
	}
	snap := ws.next(ofType("notebook"))
	if text := snap["notebook"].(map[string]any)["paragraphs"].([]any)[0].(map[string]any)["text"]; text != "first text" {
		t.Errorf("clients saw %v after restore", text)
	}
	var got notebook
	ts.call(t, "GET", "/api/notebooks/"+nb.ID, nil, &got)
	if got.ID != nb.ID || got.Name != "history" || len(got.Paragraphs) != 1 || got.Paragraphs[0].Text != "first text" || restored.Paragraphs[0].Text != "first text" {
		t.Errorf("after restore GET = %+v, restore answered %+v", got, restored)
	}
	if data, _ := os.ReadFile(filepath.Join(ts.store.Dir(), "history.nb.md")); !strings.Contains(string(data), "first text") {
		t.Errorf("file after restore:\n%s", data)
	}
	// A restore is an edit like any other: the next checkpoint records it.
	r3 := ts.checkpoint(t, nb.ID, "")
	if r3.Message != "checkpoint" {
		t.Errorf("default message = %q", r3.Message)
	}
}

func TestHistoryErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "errs")
	ts.checkpoint(t, nb.ID, "one")
	os.WriteFile(filepath.Join(ts.store.Dir(), "broken.nb.md"), []byte("<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n"), 0o644)
	var list struct{ Notebooks []struct{ ID, Name string } }
	ts.call(t, "GET", "/api/notebooks", nil, &list)
	var broken string
	for _, e := range list.Notebooks {
		if e.Name == "broken" {
			broken = e.ID
		}
	}
	base := "/api/notebooks/" + nb.ID + "/revisions/"
	tests := []struct {
		name, method, path string
		body               any
		want               int
		code               string
	}{
		{"option as rev", "GET", base + "--help/diff", nil, 400, "invalid"},
		{"path as rev", "GET", base + "..%2Fx/diff", nil, 400, "invalid"},
		{"not hex", "GET", base + "zzzzzzz/diff", nil, 400, "invalid"},
		{"short", "GET", base + "abc/diff", nil, 400, "invalid"},
		{"upper case", "GET", base + "ABCDEF0/diff", nil, 400, "invalid"},
		{"option as against", "GET", base + "deadbeef/diff?against=--output=x", nil, 400, "invalid"},
		{"restore option", "POST", base + "--help/restore", nil, 400, "invalid"},
		{"unknown rev", "GET", base + "deadbeef/diff", nil, 404, "not_found"},
		{"unknown restore", "POST", base + "deadbeefdeadbeef/restore", nil, 404, "not_found"},
		{"unknown notebook", "GET", "/api/notebooks/nope/revisions", nil, 404, "not_found"},
		{"broken checkpoint", "POST", "/api/notebooks/" + broken + "/checkpoints", map[string]string{"message": "x"}, 422, "broken_file"},
		{"broken restore", "POST", "/api/notebooks/" + broken + "/revisions/deadbeef/restore", nil, 422, "broken_file"},
		{"unknown field", "POST", "/api/notebooks/" + nb.ID + "/checkpoints", map[string]string{"msg": "x"}, 400, "invalid"},
	}
	for _, tt := range tests {
		var e apiError
		if code := ts.call(t, tt.method, tt.path, tt.body, &e); code != tt.want || e.Error.Code != tt.code {
			t.Errorf("%s: %d %+v, want %d %s", tt.name, code, e.Error, tt.want, tt.code)
		}
	}
	if _, err := os.Stat(filepath.Join(ts.store.Dir(), "x")); err == nil {
		t.Error("a revision reached git as an option")
	}
}

// storeOnly hides every method beyond NotebookStore, as a backend without history would.
type storeOnly struct{ server.NotebookStore }

func TestHistoryNotImplemented(t *testing.T) {
	st, err := local.Open(filepath.Join(t.TempDir(), "notebooks"))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Options{Token: token, Store: storeOnly{st}})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	ts := &testServer{Server: hs, store: st}
	nb := ts.create(t, "plain")
	var e apiError
	if code := ts.call(t, "GET", "/api/notebooks/"+nb.ID+"/revisions", nil, &e); code != 501 || e.Error.Code != server.ENotImplemented {
		t.Errorf("revisions on a store without history: %d %+v", code, e.Error)
	}
}
