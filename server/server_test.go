package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lakebook/lakebook/kernels/mdkernel"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/server"
	"github.com/lakebook/lakebook/store/local"
)

const token = "test-token"

var _ server.NotebookStore = (*local.Store)(nil)

// testServer is a real server over a real store in a temp folder, with the kernels the test
// passes (Markdown by default).
type testServer struct {
	*httptest.Server
	store *local.Store
}

func newTestServer(t testing.TB, newKernel server.KernelFactory) *testServer {
	t.Helper()
	return newTestServerOpts(t, server.Options{NewKernel: newKernel})
}

func newTestServerOpts(t testing.TB, opts server.Options) *testServer {
	t.Helper()
	newKernel := opts.NewKernel
	st, err := local.Open(filepath.Join(t.TempDir(), "notebooks"))
	if err != nil {
		t.Fatal(err)
	}
	if newKernel == nil {
		md := mdkernel.New()
		newKernel = func(ctx context.Context, lang notebooks.Lang, id string) (server.Kernel, error) {
			if lang == notebooks.Markdown {
				return md, nil
			}
			return nil, notebooks.Errorf(notebooks.EUnavailable, "no %s kernel in this test", lang)
		}
	}
	opts.Token, opts.Store, opts.NewKernel = token, st, newKernel
	opts.AllowedOrigins = []string{"https://friend.example"}
	srv := server.New(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close(); st.Close() })
	return &testServer{Server: hs, store: st}
}

// call does an authenticated JSON request and decodes the answer into out (when not nil).
func (ts *testServer) call(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	} else if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, ts.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

type apiError struct {
	Error notebooks.Error `json:"error"`
}

type paragraph struct {
	ID   string         `json:"id"`
	Lang string         `json:"lang"`
	Text string         `json:"text"`
	Rev  int64          `json:"rev"`
	Run  *runResultView `json:"run"`
}

type runResultView struct {
	Status  string             `json:"status"`
	Outputs []notebooks.Output `json:"outputs"`
	Error   *notebooks.Error   `json:"error"`
}

type notebook struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Paragraphs []paragraph `json:"paragraphs"`
}

func (ts *testServer) create(t testing.TB, name string) notebook {
	t.Helper()
	var nb notebook
	if code := ts.call(t, "POST", "/api/notebooks", map[string]string{"name": name}, &nb); code != 201 {
		t.Fatalf("create %q: %d", name, code)
	}
	return nb
}

func (ts *testServer) add(t testing.TB, nbID, lang, text string) paragraph {
	t.Helper()
	var p paragraph
	if code := ts.call(t, "POST", "/api/notebooks/"+nbID+"/paragraphs", map[string]string{"lang": lang, "text": text}, &p); code != 201 {
		t.Fatalf("add paragraph: %d", code)
	}
	return p
}

func TestAuth(t *testing.T) {
	ts := newTestServer(t, nil)
	tests := []struct {
		name, path, auth string
		want             int
	}{
		{"health is open", "/api/health", "", 200},
		{"api needs the token", "/api/notebooks", "", 401},
		{"wrong token", "/api/notebooks", "Bearer nope", 401},
		{"not bearer", "/api/notebooks", "Basic " + token, 401},
		{"right token", "/api/notebooks", "Bearer " + token, 200},
		{"websocket needs the token", "/ws/notebooks/x", "", 401},
		{"page without token asks for it", "/", "", 401},
		{"unknown api route", "/api/nope", "Bearer " + token, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestTokenLoginSetsCookie(t *testing.T) {
	ts := newTestServer(t, nil)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(ts.URL + "/?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "" {
		t.Fatalf("status %d at %s, want 200 without the token in the URL", resp.StatusCode, resp.Request.URL)
	}
	for _, ck := range jar.Cookies(resp.Request.URL) {
		if strings.Contains(ck.Value, token) {
			t.Error("the cookie holds the token itself")
		}
	}
	resp, _ = c.Get(ts.URL + "/api/notebooks")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("API with the cookie: %d", resp.StatusCode)
	}
	if resp, _ := http.Get(ts.URL + "/?token=wrong"); resp.StatusCode != 401 {
		t.Errorf("wrong token login: %d", resp.StatusCode)
	}
}

func TestWebsocketOrigin(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "origins")
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/notebooks/" + nb.ID
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{ts.URL, true},
		{"https://friend.example", true},
		{"https://evil.example", false},
		{"null", false},
		{"http://127.0.0.1.evil.example", false},
	}
	for _, tt := range tests {
		h := http.Header{"Authorization": {"Bearer " + token}}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		conn, resp, err := websocket.DefaultDialer.Dial(url, h)
		if (err == nil) != tt.ok {
			t.Errorf("origin %q: err %v, want ok=%v", tt.origin, err, tt.ok)
		}
		if err == nil {
			conn.Close()
		} else if resp != nil && resp.StatusCode != 403 {
			t.Errorf("origin %q: status %d, want 403", tt.origin, resp.StatusCode)
		}
	}
}

func TestCrossOriginAPIWriteRefused(t *testing.T) {
	ts := newTestServer(t, nil)
	req, _ := http.NewRequest("POST", ts.URL+"/api/notebooks", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
}

func TestNotebookAPI(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "first")
	if nb.ID == "" || nb.Name != "first" {
		t.Fatalf("create = %+v", nb)
	}
	var renamed notebook
	if code := ts.call(t, "PATCH", "/api/notebooks/"+nb.ID, map[string]string{"name": "second"}, &renamed); code != 200 || renamed.Name != "second" {
		t.Fatalf("rename: %d %+v", code, renamed)
	}
	var list struct{ Notebooks []notebooks.Summary }
	ts.call(t, "GET", "/api/notebooks", nil, &list)
	if len(list.Notebooks) != 1 || list.Notebooks[0].Name != "second" {
		t.Errorf("list = %+v", list)
	}
	md := ts.add(t, nb.ID, "md", "# Hi <script>alert(1)</script>")
	sql := ts.add(t, nb.ID, "md", "%sql\nselect 1")
	if sql.Lang != "sql" || sql.Text != "select 1" {
		t.Errorf("directive not applied: %+v", sql)
	}
	if code := ts.call(t, "POST", "/api/notebooks/"+nb.ID+"/paragraphs/"+sql.ID+"/move", map[string]int{"index": 0}, nil); code != 204 {
		t.Errorf("move: %d", code)
	}
	var got notebook
	ts.call(t, "GET", "/api/notebooks/"+nb.ID, nil, &got)
	if len(got.Paragraphs) != 2 || got.Paragraphs[0].ID != sql.ID {
		t.Errorf("after move: %+v", got.Paragraphs)
	}
	var res runResultView
	if code := ts.call(t, "POST", "/api/notebooks/"+nb.ID+"/paragraphs/"+md.ID+"/run", nil, &res); code != 200 {
		t.Fatalf("run: %d", code)
	}
	if res.Status != "FINISHED" || len(res.Outputs) != 1 || res.Outputs[0].Type != "html" ||
		!strings.Contains(res.Outputs[0].HTML, "<h1") || strings.Contains(res.Outputs[0].HTML, "<script") {
		t.Errorf("run = %+v", res)
	}
	// The file on disk holds what the API acknowledged.
	saved, err := ts.store.Get(context.Background(), nb.ID)
	if err != nil || len(saved.Paragraphs) != 2 || saved.Paragraphs[0].Text != "select 1" {
		t.Errorf("saved = %+v, %v", saved, err)
	}
	if code := ts.call(t, "DELETE", "/api/notebooks/"+nb.ID+"/paragraphs/"+md.ID, nil, nil); code != 204 {
		t.Errorf("delete paragraph: %d", code)
	}
	if code := ts.call(t, "DELETE", "/api/notebooks/"+nb.ID, nil, nil); code != 200 {
		t.Errorf("delete notebook: %d", code)
	}
	if code := ts.call(t, "GET", "/api/notebooks/"+nb.ID, nil, nil); code != 404 {
		t.Errorf("get deleted: %d", code)
	}
}

func TestBadInput(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "bad")
	p := ts.add(t, nb.ID, "md", "x")
	tests := []struct {
		name, method, path string
		body               any
		status             int
		msg                string
	}{
		{"malformed json", "POST", "/api/notebooks", `{"name":`, 400, "ends too early"},
		{"syntax error", "POST", "/api/notebooks", `{"name" "x"}`, 400, "invalid JSON at byte"},
		{"wrong type", "POST", "/api/notebooks", `{"name": 3}`, 400, `field "name" must be string`},
		{"unknown field", "POST", "/api/notebooks", `{"nmae": "x"}`, 400, `unknown field "nmae"`},
		{"trailing data", "POST", "/api/notebooks", `{"name": "x"} {}`, 400, "one JSON object"},
		{"not an object", "POST", "/api/notebooks", `[1]`, 400, "must be a JSON object"},
		{"empty body", "POST", "/api/notebooks", ``, 400, "empty"},
		{"path escape", "POST", "/api/notebooks", `{"name": "../../etc/x"}`, 400, "is not a folder name"},
		{"nul", "POST", "/api/notebooks", `{"name": "a\u0000b"}`, 400, "control characters"},
		{"dot dot", "PATCH", "/api/notebooks/" + nb.ID, `{"name": ".."}`, 400, "not a notebook name"},
		{"taken name", "POST", "/api/notebooks", `{"name": "bad"}`, 409, "already exists"},
		{"unknown notebook", "GET", "/api/notebooks/nope", nil, 404, "no notebook"},
		{"unknown paragraph", "PATCH", "/api/notebooks/" + nb.ID + "/paragraphs/nope", `{"text": "x"}`, 404, "no paragraph"},
		{"run unknown paragraph", "POST", "/api/notebooks/" + nb.ID + "/paragraphs/nope/run", nil, 404, "no paragraph"},
		{"bad lang", "PATCH", "/api/notebooks/" + nb.ID + "/paragraphs/" + p.ID, `{"lang": "python"}`, 400, "unknown language"},
		{"stale rev", "PATCH", "/api/notebooks/" + nb.ID + "/paragraphs/" + p.ID, `{"text": "y", "rev": 99}`, 409, "changed by someone else"},
		{"move out of range", "POST", "/api/notebooks/" + nb.ID + "/paragraphs/" + p.ID + "/move", `{"index": 5}`, 400, "out of range"},
		{"bad offset", "GET", "/api/notebooks/" + nb.ID + "/paragraphs/" + p.ID + "/result?offset=x", nil, 400, "not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			code := ts.call(t, tt.method, tt.path, tt.body, &e)
			if code != tt.status || !strings.Contains(e.Error.Message, tt.msg) {
				t.Errorf("%d %+v, want %d and %q", code, e.Error, tt.status, tt.msg)
			}
		})
	}
	// A form post without the JSON content type is refused (it could come from another site).
	req, _ := http.NewRequest("POST", ts.URL+"/api/notebooks", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 415 {
		t.Errorf("form post: %d, want 415", resp.StatusCode)
	}
}

// wsClient is a test websocket client that collects events.
type wsClient struct {
	t      testing.TB
	conn   *websocket.Conn
	events chan map[string]any
	req    int
}

func (ts *testServer) dial(t testing.TB, nbID string) *wsClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/notebooks/" + nbID
	conn, _, err := websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	c := &wsClient{t: t, conn: conn, events: make(chan map[string]any, 1000)}
	go func() {
		defer close(c.events)
		for {
			var m map[string]any
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			c.events <- m
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return c
}

// next returns the next message that matches, failing after a few seconds.
func (c *wsClient) next(match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.events:
			if !ok {
				c.t.Fatal("websocket closed")
			}
			if match(m) {
				return m
			}
		case <-timeout:
			c.t.Fatal("timed out waiting for a websocket message")
		}
	}
}

func ofType(typ string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["type"] == typ }
}

func (c *wsClient) do(req map[string]any) map[string]any {
	c.t.Helper()
	c.req++
	req["req"] = c.req
	if err := c.conn.WriteJSON(req); err != nil {
		c.t.Fatal(err)
	}
	n := float64(c.req)
	return c.next(func(m map[string]any) bool { return (m["type"] == "ack" || m["type"] == "error") && m["req"] == n })
}

func TestWebsocketTwoClients(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "shared")
	p := ts.add(t, nb.ID, "md", "one")
	a, b := ts.dial(t, nb.ID), ts.dial(t, nb.ID)
	snap := a.next(ofType("notebook"))
	b.next(ofType("notebook"))
	rev := snap["notebook"].(map[string]any)["paragraphs"].([]any)[0].(map[string]any)["rev"].(float64)

	ack := a.do(map[string]any{"op": "edit", "id": p.ID, "rev": rev, "text": "# two"})
	if ack["type"] != "ack" || ack["rev"].(float64) != rev+1 {
		t.Fatalf("edit: %v", ack)
	}
	ev := b.next(ofType("paragraph"))
	if ev["paragraph"].(map[string]any)["text"] != "# two" {
		t.Errorf("b saw %v", ev)
	}
	// b's edit based on the old rev is refused visibly, with the current paragraph.
	conflict := b.do(map[string]any{"op": "edit", "id": p.ID, "rev": rev, "text": "mine"})
	e := conflict["error"].(map[string]any)
	if e["code"] != "conflict" || e["paragraph"].(map[string]any)["text"] != "# two" {
		t.Errorf("conflict = %v", conflict)
	}

	a.do(map[string]any{"op": "run", "id": p.ID})
	out := b.next(ofType("output"))
	if !strings.Contains(out["output"].(map[string]any)["html"].(string), "<h1>two</h1>") {
		t.Errorf("b saw output %v", out)
	}
	b.next(func(m map[string]any) bool { return m["type"] == "status" && m["status"] == "FINISHED" })

	// A reconnecting client gets everything in one snapshot, each output once.
	c := ts.dial(t, nb.ID)
	snap = c.next(ofType("notebook"))
	para := snap["notebook"].(map[string]any)["paragraphs"].([]any)[0].(map[string]any)
	run := para["run"].(map[string]any)
	if run["status"] != "FINISHED" || len(run["outputs"].([]any)) != 1 {
		t.Errorf("snapshot run = %v", run)
	}

	// Deleting the notebook closes every socket.
	ts.call(t, "DELETE", "/api/notebooks/"+nb.ID, nil, nil)
	a.next(ofType("closed"))
}

func TestWebsocketBadRequests(t *testing.T) {
	ts := newTestServer(t, nil)
	nb := ts.create(t, "bad ws")
	c := ts.dial(t, nb.ID)
	c.next(ofType("notebook"))
	for _, req := range []map[string]any{
		{"op": "explode"},
		{"op": "edit", "id": "nope", "text": "x"},
		{"op": "move", "id": "nope"},
		{"op": "page", "resultId": "r1", "offset": 0, "limit": 10},
	} {
		if m := c.do(req); m["type"] != "error" {
			t.Errorf("%v: %v", req, m)
		}
	}
	c.conn.WriteMessage(websocket.TextMessage, []byte("{not json"))
	c.next(ofType("error"))
	// The connection survives bad requests.
	if m := c.do(map[string]any{"op": "add", "lang": "md", "text": "ok"}); m["type"] != "ack" {
		t.Errorf("add after bad requests: %v", m)
	}
}

// closeCounter is the real Markdown kernel, counting Close calls.
type closeCounter struct {
	*mdkernel.Kernel
	closed chan struct{}
}

func (k closeCounter) Close() error { close(k.closed); return nil }

func TestIdleSessionsAreClosed(t *testing.T) {
	k := closeCounter{Kernel: mdkernel.New(), closed: make(chan struct{})}
	ts := newTestServerOpts(t, server.Options{
		IdleTimeout: 100 * time.Millisecond,
		NewKernel:   func(context.Context, notebooks.Lang, string) (server.Kernel, error) { return k, nil },
	})
	nb := ts.create(t, "idle")
	p := ts.add(t, nb.ID, "md", "# hi")
	c := ts.dial(t, nb.ID)
	c.next(ofType("notebook"))
	c.do(map[string]any{"op": "run", "id": p.ID})
	c.next(func(m map[string]any) bool { return m["type"] == "status" && m["status"] == "FINISHED" })
	select {
	case <-k.closed:
		t.Fatal("a session with a client open was closed")
	case <-time.After(300 * time.Millisecond):
	}
	c.conn.Close()
	select {
	case <-k.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle session's kernel was not closed")
	}
	// The notebook opens again on demand.
	var got notebook
	if code := ts.call(t, "GET", "/api/notebooks/"+nb.ID, nil, &got); code != 200 || len(got.Paragraphs) != 1 {
		t.Errorf("reopen: %d %+v", code, got)
	}
}
