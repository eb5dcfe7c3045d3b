package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// raw sends body as is (an uploaded file) and returns the status and the answer.
func (ts *testServer) raw(t testing.TB, method, path string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp.Header
}

type imported struct {
	ID, Name, Format string
	Paragraphs       int
	Notes            []string
}

func TestImportFixturesAndExportRoundTrip(t *testing.T) {
	ts := newTestServer(t, nil)
	fixtures, _ := filepath.Glob("../notebooks/testdata/interop/fixtures/*")
	if len(fixtures) < 7 {
		t.Fatalf("found %d fixtures", len(fixtures))
	}
	for _, f := range fixtures {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, _ := os.ReadFile(f)
			code, body, _ := ts.raw(t, "POST", "/api/notebooks/import", data)
			var imp imported
			json.Unmarshal(body, &imp)
			if code != 201 || imp.ID == "" || imp.Paragraphs == 0 {
				t.Fatalf("import: %d %s", code, body)
			}
			for _, format := range []string{"ipynb", "zpln", "nb"} {
				code, exp, hdr := ts.raw(t, "GET", "/api/notebooks/"+imp.ID+"/export?format="+format, nil)
				if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
					t.Fatalf("export %s: %d %s", format, code, exp)
				}
				code, body, _ := ts.raw(t, "POST", "/api/notebooks/import", exp)
				var again imported
				json.Unmarshal(body, &again)
				if code != 201 || again.Paragraphs != imp.Paragraphs || again.Format != format {
					t.Errorf("%s round trip: %d paragraphs (format %q), want %d: %s", format, again.Paragraphs, again.Format, imp.Paragraphs, body)
				}
				if again.Name == imp.Name {
					t.Errorf("a colliding import kept the name %q", again.Name)
				}
			}
			code, html, hdr := ts.raw(t, "GET", "/api/notebooks/"+imp.ID+"/export?format=html", nil)
			if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || bytes.Contains(bytes.ToLower(html), []byte("<script")) {
				t.Errorf("html export: %d %s", code, hdr)
			}
		})
	}
}

func TestImportBadInput(t *testing.T) {
	ts := newTestServer(t, nil)
	ipynb, _ := os.ReadFile("../notebooks/testdata/interop/fixtures/test4.5.ipynb")
	tests := []struct {
		name   string
		body   []byte
		status int
		msg    string
	}{
		{"empty", nil, 400, "not a notebook"},
		{"truncated", ipynb[:len(ipynb)/2], 400, "truncated"},
		{"json that is not a notebook", []byte(`{"a": 1}`), 400, "not a notebook"},
		{"array", []byte(`[1, 2]`), 400, "not a notebook"},
		{"plain text", []byte("hello"), 400, "not a notebook"},
		{"invalid utf-8", []byte("{\"cells\": [], \"nbformat\": 4, \"x\": \"\xff\"}"), 400, "UTF-8"},
		{"too large", bytes.Repeat([]byte(" "), 50<<20), 413, "larger than"},
		{"broken nb.md", []byte("<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n"), 400, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := ts.raw(t, "POST", "/api/notebooks/import", tt.body)
			if code != tt.status || !strings.Contains(string(body), tt.msg) {
				t.Errorf("%d %s, want %d and %q", code, body, tt.status, tt.msg)
			}
		})
	}
	var list struct{ Notebooks []any }
	ts.call(t, "GET", "/api/notebooks", nil, &list)
	if len(list.Notebooks) != 0 {
		t.Errorf("a failed import left %d notebooks behind", len(list.Notebooks))
	}
	if code, _, _ := ts.raw(t, "GET", "/api/notebooks/nope/export?format=ipynb", nil); code != 404 {
		t.Errorf("export of an unknown notebook: %d", code)
	}
	nb := ts.create(t, "x")
	if code, body, _ := ts.raw(t, "GET", "/api/notebooks/"+nb.ID+"/export?format=pdf", nil); code != 400 || !strings.Contains(string(body), "unknown export format") {
		t.Errorf("unknown format: %d %s", code, body)
	}
}
