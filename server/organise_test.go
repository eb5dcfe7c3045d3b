package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/server"
	"github.com/lakebook/lakebook/store/blobstore"
	"github.com/lakebook/lakebook/store/local"
	"github.com/lakebook/lakebook/store/trash"
)

// Both stores keep a trash.
var (
	_ server.Trash = (*local.Store)(nil)
	_ server.Trash = (*blobstore.Store)(nil)
)

type searchHit struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Error      string `json:"error"`
	NameMatch  bool   `json:"nameMatch"`
	MatchCount int    `json:"matchCount"`
	Matches    []struct {
		Paragraph string `json:"paragraph"`
		Lang      string `json:"lang"`
		Snippet   string `json:"snippet"`
	} `json:"matches"`
}

func (ts *testServer) names(t testing.TB) []string {
	t.Helper()
	var list struct{ Notebooks []notebooks.Summary }
	if code := ts.call(t, "GET", "/api/notebooks", nil, &list); code != 200 {
		t.Fatalf("list: %d", code)
	}
	var out []string
	for _, e := range list.Notebooks {
		out = append(out, e.Name)
	}
	return out
}

func TestFoldersThroughTheAPI(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "team/sales/q3")
	ts.create(t, "team/ops")
	var moved notebook
	if code := ts.call(t, "PATCH", "/api/notebooks/"+nb.ID, map[string]string{"name": "archive/q3"}, &moved); code != 200 || moved.ID != nb.ID || moved.Name != "archive/q3" {
		t.Fatalf("move = %d %+v", code, moved)
	}
	tests := []struct{ name, msg string }{
		{"team/../x", `"team/../x"`},
		{"team//x", "empty"},
		{"team/.trash/x", "dot"},
		{"/abs", "empty"},
		{strings.Repeat("f/", notebooks.MaxFolderDepth+1) + "x", "folders deep"},
	}
	for _, tt := range tests {
		var e apiError
		if code := ts.call(t, "POST", "/api/notebooks", map[string]string{"name": tt.name}, &e); code != 400 || !strings.Contains(e.Error.Message, tt.msg) {
			t.Errorf("create %q = %d %+v, want 400 saying %q", tt.name, code, e, tt.msg)
		}
		if code := ts.call(t, "PATCH", "/api/notebooks/"+nb.ID, map[string]string{"name": tt.name}, &e); code != 400 {
			t.Errorf("move to %q = %d, want 400", tt.name, code)
		}
	}
	if got := ts.names(t); !slices.Equal(got, []string{"archive/q3", "team/ops"}) {
		t.Errorf("list = %q", got)
	}
}

func TestSearch(t *testing.T) {
	ts := newTestServer(t, nil)
	flights := ts.create(t, "team/Flights")
	ts.add(t, flights.ID, "md", "# Delays\nThe average DELAY,\n\n   by   airport.")
	sql := ts.add(t, flights.ID, "sql", "select origin, avg(delay) from 'data/flights-3m.parquet' group by origin")
	other := ts.create(t, "weather")
	ts.add(t, other.ID, "md", "Seattle rain, "+strings.Repeat("long text ", 30)+"ÜBER Straße "+strings.Repeat("more ", 30))
	// A file that does not parse is found by its name only.
	os.WriteFile(filepath.Join(ts.store.Dir(), "broken flights.nb.md"), []byte("<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect delay\n"), 0o644)

	search := func(q string) []searchHit {
		t.Helper()
		var out struct{ Notebooks []searchHit }
		if code := ts.call(t, "GET", "/api/notebooks?q="+q, nil, &out); code != 200 {
			t.Fatalf("search %q: %d", q, code)
		}
		return out.Notebooks
	}
	hitNames := func(hits []searchHit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, h.Name)
		}
		return out
	}

	tests := []struct {
		q    string
		want []string
	}{
		{"delay", []string{"team/Flights"}},
		{"flights", []string{"broken flights", "team/Flights"}},
		{"TEAM/", []string{"team/Flights"}},
		{"über%20strasse", nil}, // folding is per letter: ß is not ss
		{"über%20straße", []string{"weather"}},
		{"nothing%20like%20this", nil},
	}
	for _, tt := range tests {
		if got := hitNames(search(tt.q)); !slices.Equal(got, tt.want) {
			t.Errorf("search %q = %q, want %q", tt.q, got, tt.want)
		}
	}

	hits := search("Delay")
	h := hits[0]
	if h.NameMatch || h.MatchCount != 2 || len(h.Matches) != 2 || h.Matches[1].Paragraph != sql.ID || h.Matches[1].Lang != "sql" {
		t.Fatalf("hit = %+v", h)
	}
	if got, want := h.Matches[0].Snippet, "# Delays The average DELAY, by airport."; got != want {
		t.Errorf("snippet = %q, want %q (one line, whole when short)", got, want)
	}
	long := search("straße")[0].Matches[0].Snippet
	if !strings.HasPrefix(long, "…") || !strings.HasSuffix(long, "…") || !strings.Contains(long, "ÜBER Straße") || len([]rune(long)) > 140 {
		t.Errorf("snippet of a long text = %q", long)
	}

	// An empty query is the whole list; a huge one is refused.
	for _, q := range []string{"", "%20%20"} {
		if got := hitNames(search(q)); len(got) != 3 {
			t.Errorf("search %q = %q, want the whole list", q, got)
		}
	}
	var e apiError
	if code := ts.call(t, "GET", "/api/notebooks?q="+strings.Repeat("x", 201), nil, &e); code != 400 || !strings.Contains(e.Error.Message, "at most 200") {
		t.Errorf("search too long = %d %+v", code, e)
	}
}

func TestClone(t *testing.T) {
	ts := newTestServer(t, nil)
	orig := ts.create(t, "team/report")
	p := ts.add(t, orig.ID, "md", "# Numbers")

	clone := func(body any) (int, notebooks.Summary, apiError) {
		t.Helper()
		var raw json.RawMessage
		var out notebooks.Summary
		var e apiError
		code := ts.call(t, "POST", "/api/notebooks/"+orig.ID+"/clone", body, &raw)
		if code >= 400 {
			json.Unmarshal(raw, &e)
		} else {
			json.Unmarshal(raw, &out)
		}
		return code, out, e
	}
	code, c1, _ := clone(map[string]any{})
	if code != 201 || c1.Name != "team/report copy" || c1.ID == orig.ID {
		t.Fatalf("clone = %d %+v", code, c1)
	}
	var got notebook
	ts.call(t, "GET", "/api/notebooks/"+c1.ID, nil, &got)
	if len(got.Paragraphs) != 1 || got.Paragraphs[0].ID != p.ID || got.Paragraphs[0].Text != "# Numbers" || got.Paragraphs[0].Run != nil {
		t.Errorf("the copy = %+v", got)
	}
	if _, c2, _ := clone(map[string]any{}); c2.Name != "team/report copy 2" {
		t.Errorf("second clone named %q", c2.Name)
	}
	if code, c3, _ := clone(map[string]any{"name": "elsewhere/mine"}); code != 201 || c3.Name != "elsewhere/mine" {
		t.Errorf("clone with a name = %d %+v", code, c3)
	}
	// Editing the copy leaves the original alone.
	ts.add(t, c1.ID, "md", "only in the copy")
	ts.call(t, "GET", "/api/notebooks/"+orig.ID, nil, &got)
	if len(got.Paragraphs) != 1 {
		t.Errorf("the original changed: %+v", got)
	}

	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"taken name", map[string]any{"name": "team/report"}, 409, "already exists"},
		{"bad name", map[string]any{"name": "team/../x"}, 400, "part 2"},
		{"unknown field", map[string]any{"nme": "x"}, 400, "unknown field"},
		{"no body", nil, 415, "application/json"},
	}
	for _, tt := range tests {
		if code, _, e := clone(tt.body); code != tt.status || !strings.Contains(e.Error.Message, tt.msg) {
			t.Errorf("%s: %d %+v, want %d saying %q", tt.name, code, e, tt.status, tt.msg)
		}
	}
	var e apiError
	if code := ts.call(t, "POST", "/api/notebooks/nope/clone", map[string]any{}, &e); code != 404 {
		t.Errorf("clone of an unknown notebook = %d", code)
	}
	os.WriteFile(filepath.Join(ts.store.Dir(), "hand.nb.md"), []byte("<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n"), 0o644)
	var list struct{ Notebooks []notebooks.Summary }
	ts.call(t, "GET", "/api/notebooks", nil, &list)
	i := slices.IndexFunc(list.Notebooks, func(s notebooks.Summary) bool { return s.Name == "hand" })
	if code := ts.call(t, "POST", "/api/notebooks/"+list.Notebooks[i].ID+"/clone", map[string]any{}, &e); code != 422 || !strings.Contains(e.Error.Message, "cannot clone") {
		t.Errorf("clone of a broken file = %d %+v", code, e)
	}
	if got := ts.names(t); len(got) != 5 {
		t.Errorf("list = %q", got)
	}
}

func TestTrashAPI(t *testing.T) {
	ts := newTestServer(t, nil)
	var emptied struct{ Deleted int }
	if code := ts.call(t, "DELETE", "/api/trash", nil, &emptied); code != 200 || emptied.Deleted != 0 {
		t.Errorf("emptying an empty trash = %d %+v", code, emptied)
	}
	nb := ts.create(t, "team/notes")
	ts.add(t, nb.ID, "md", "keep me")
	ws := ts.dial(t, nb.ID)
	ws.next(ofType("notebook"))

	var e trash.Entry
	if code := ts.call(t, "DELETE", "/api/notebooks/"+nb.ID, nil, &e); code != 200 || e.Name != "team/notes" || e.NotebookID != nb.ID {
		t.Fatalf("delete = %d %+v", code, e)
	}
	// The open notebook is closed and told why.
	if closed := ws.next(ofType("closed")); !strings.Contains(closed["reason"].(string), "trash") {
		t.Errorf("closed = %v", closed)
	}
	if got := ts.names(t); len(got) != 0 {
		t.Errorf("list after delete = %q", got)
	}
	var tr struct{ Trash []trash.Entry }
	if code := ts.call(t, "GET", "/api/trash", nil, &tr); code != 200 || len(tr.Trash) != 1 || tr.Trash[0].ID != e.ID {
		t.Fatalf("trash = %d %+v", code, tr)
	}

	// Restoring into a name taken meanwhile never overwrites it.
	ts.create(t, "team/notes")
	var back notebooks.Summary
	if code := ts.call(t, "POST", "/api/trash/"+e.ID+"/restore", nil, &back); code != 200 || back.ID != nb.ID || back.Name != "team/notes restored" {
		t.Fatalf("restore = %d %+v", code, back)
	}
	var got notebook
	ts.call(t, "GET", "/api/notebooks/"+nb.ID, nil, &got)
	if len(got.Paragraphs) != 1 || got.Paragraphs[0].Text != "keep me" {
		t.Errorf("restored notebook = %+v", got)
	}

	tests := []struct {
		method, path string
		status       int
		msg          string
	}{
		{"POST", "/api/trash/" + e.ID + "/restore", 404, "no trash entry"},
		{"DELETE", "/api/trash/" + e.ID, 404, "no trash entry"},
		{"POST", "/api/trash/..%2F..%2Fetc/restore", 400, "not a trash entry id"},
		{"DELETE", "/api/trash/NOTANID", 400, "not a trash entry id"},
		{"DELETE", "/api/notebooks/nope", 404, "no notebook"},
	}
	for _, tt := range tests {
		var ae apiError
		if code := ts.call(t, tt.method, tt.path, nil, &ae); code != tt.status || !strings.Contains(ae.Error.Message, tt.msg) {
			t.Errorf("%s %s = %d %+v, want %d saying %q", tt.method, tt.path, code, ae, tt.status, tt.msg)
		}
	}

	// Delete one forever, then empty the rest.
	var e1, e2 trash.Entry
	ts.call(t, "DELETE", "/api/notebooks/"+nb.ID, nil, &e1)
	other := ts.create(t, "other")
	ts.call(t, "DELETE", "/api/notebooks/"+other.ID, nil, &e2)
	if code := ts.call(t, "DELETE", "/api/trash/"+e1.ID, nil, nil); code != 204 {
		t.Errorf("delete forever = %d", code)
	}
	if code := ts.call(t, "DELETE", "/api/trash", nil, &emptied); code != 200 || emptied.Deleted != 1 {
		t.Errorf("empty = %d %+v", code, emptied)
	}
	ts.call(t, "GET", "/api/trash", nil, &tr)
	if len(tr.Trash) != 0 {
		t.Errorf("trash after empty = %+v", tr)
	}
	if _, err := os.Stat(filepath.Join(ts.store.Dir(), ".trash", trash.NotebookFile(e2.ID))); !os.IsNotExist(err) {
		t.Errorf("emptied file still on disk: %v", err)
	}
}

// TestHistoryInAFolder: checkpoints, diffs and restores work for a notebook in a folder.
func TestHistoryInAFolder(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "team/sales/q3")
	p := ts.add(t, nb.ID, "md", "first text")
	r1 := ts.checkpoint(t, nb.ID, "first")
	ts.edit(t, nb.ID, p.ID, "second text")
	var d struct{ Diff string }
	if code := ts.call(t, "GET", "/api/notebooks/"+nb.ID+"/revisions/"+r1.Revision+"/diff", nil, &d); code != 200 || !strings.Contains(d.Diff, "team/sales/q3.nb.md") || !strings.Contains(d.Diff, "+second text") {
		t.Fatalf("diff = %d\n%s", code, d.Diff)
	}
	var restored notebook
	if code := ts.call(t, "POST", "/api/notebooks/"+nb.ID+"/revisions/"+r1.Revision+"/restore", nil, &restored); code != 200 || restored.Paragraphs[0].Text != "first text" {
		t.Errorf("restore = %d %+v", code, restored)
	}
}

func TestRenameFolder(t *testing.T) {
	ts := newTestServer(t, nil)
	q3 := ts.create(t, "team/sales/q3")
	q1 := ts.create(t, "team/sales/2025/q1")
	ts.create(t, "team/ops")
	ts.create(t, "team/salesforce") // shares a prefix, not the folder
	ws := ts.dial(t, q3.ID)
	ws.next(ofType("notebook"))

	var res struct{ Renamed []notebooks.Summary }
	if code := ts.call(t, "POST", "/api/folders/rename", map[string]string{"from": "team/sales", "to": "archive/sales"}, &res); code != 200 || len(res.Renamed) != 2 {
		t.Fatalf("rename folder = %d %+v", code, res)
	}
	want := []string{"archive/sales/2025/q1", "archive/sales/q3", "team/ops", "team/salesforce"}
	if got := ts.names(t); !slices.Equal(got, want) {
		t.Errorf("list = %q, want %q", got, want)
	}
	var got notebook
	ts.call(t, "GET", "/api/notebooks/"+q1.ID, nil, &got)
	if got.Name != "archive/sales/2025/q1" {
		t.Errorf("q1 = %+v", got)
	}
	if ev := ws.next(ofType("renamed")); ev["name"] != "archive/sales/q3" {
		t.Errorf("open client saw %v", ev)
	}

	// A taken name refuses the whole move; nothing moves.
	ts.create(t, "team/sales/q3")
	tests := []struct {
		from, to string
		status   int
		msg      string
	}{
		{"archive/sales", "team/sales", 409, "already exists"},
		{"archive", "archive/inner", 400, "into itself"},
		{"archive", "archive", 400, "into itself"},
		{"nope", "x", 404, "no folder"},
		{"archive", "../x", 400, "is not"},
		{"archive", "a//b", 400, "empty"},
		{"", "x", 400, "empty"},
	}
	for _, tt := range tests {
		var e apiError
		if code := ts.call(t, "POST", "/api/folders/rename", map[string]string{"from": tt.from, "to": tt.to}, &e); code != tt.status || !strings.Contains(e.Error.Message, tt.msg) {
			t.Errorf("rename %q to %q = %d %+v, want %d saying %q", tt.from, tt.to, code, e, tt.status, tt.msg)
		}
	}
	want = []string{"archive/sales/2025/q1", "archive/sales/q3", "team/ops", "team/sales/q3", "team/salesforce"}
	if got := ts.names(t); !slices.Equal(got, want) {
		t.Errorf("list after refused moves = %q, want %q", got, want)
	}
}

// Kept results go when their notebook is gone for good, not while it sits in the trash.
func TestKeptResultsGoWithTheNotebook(t *testing.T) {
	results := t.TempDir()
	ts := newTestServerOpts(t, server.Options{ResultsDir: results})
	trashed, kept := ts.create(t, "trashed"), ts.create(t, "kept")
	for _, id := range []string{trashed.ID, kept.ID, "gone0000"} {
		if err := os.MkdirAll(filepath.Join(results, id), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(results, id, "p.json"), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(id string) bool {
		_, err := os.Stat(filepath.Join(results, id))
		return err == nil
	}
	if code := ts.call(t, "DELETE", "/api/notebooks/"+trashed.ID, nil, nil); code != 200 {
		t.Fatalf("to the trash: %d", code)
	}
	if !exists(trashed.ID) {
		t.Errorf("a trashed notebook's results went: it may be restored")
	}
	if code := ts.call(t, "DELETE", "/api/trash", nil, nil); code != 200 {
		t.Fatalf("empty the trash: %d", code)
	}
	if exists(trashed.ID) || exists("gone0000") {
		t.Errorf("results of notebooks gone for good are still there")
	}
	if !exists(kept.ID) {
		t.Errorf("a live notebook's results went")
	}
}
