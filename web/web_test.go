package web

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestAssetURL(t *testing.T) {
	fsys := fstest.MapFS{
		"app.js":   {Data: []byte("console.log(1)")},
		"app.css":  {Data: []byte("body{}")},
		".gitkeep": {Data: nil},
	}
	h := hashFS(fsys)
	if _, ok := h[".gitkeep"]; ok {
		t.Errorf("dot files are hashed")
	}
	js := assetURL(h, "app.js")
	if len(js) != len("/static/app.js?v=")+12 || js[:len("/static/app.js?v=")] != "/static/app.js?v=" {
		t.Errorf("assetURL(app.js) = %q", js)
	}
	fsys["app.js"] = &fstest.MapFile{Data: []byte("console.log(2)")}
	if js2 := assetURL(hashFS(fsys), "app.js"); js2 == js {
		t.Errorf("the URL does not change with the content")
	}
	if got := assetURL(h, "missing.js"); got != "/static/missing.js" {
		t.Errorf("assetURL(missing.js) = %q", got)
	}
}

func TestAssetsEmbedded(t *testing.T) {
	// dist/.gitkeep is always there; app.js only after `npm run build`.
	if _, err := fs.Stat(Assets(), ".gitkeep"); err != nil {
		t.Fatalf("Assets is not rooted at dist: %v", err)
	}
	if _, err := fs.Stat(Assets(), "app.js"); err != nil {
		t.Skip("assets not built (npm run build)")
	}
	if AssetURL("app.js") == StaticPrefix+"app.js" {
		t.Errorf("AssetURL(app.js) carries no version")
	}
}

func TestStaticHandler(t *testing.T) {
	fsys := fstest.MapFS{
		"app.js":   {Data: []byte("console.log(1)")},
		".gitkeep": {Data: nil},
	}
	h := hashFS(fsys)
	srv := staticHandler(fsys, h)
	get := func(url string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		return rec
	}
	rec := get(assetURL(h, "app.js"))
	if rec.Code != 200 || rec.Body.String() != "console.log(1)" {
		t.Fatalf("GET versioned app.js: %d %q", rec.Code, rec.Body.String())
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("versioned Cache-Control = %q", cc)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := get("/static/app.js?v=old").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("stale-version Cache-Control = %q", cc)
	}
	// Browsers that accept gzip get the script compressed; others get it as is.
	req := httptest.NewRequest(http.MethodGet, assetURL(h, "app.js"), nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	zrec := httptest.NewRecorder()
	srv.ServeHTTP(zrec, req)
	zr, err := gzip.NewReader(zrec.Body)
	if err != nil || zrec.Header().Get("Content-Encoding") != "gzip" || zrec.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: %v %v", err, zrec.Header())
	}
	if body, _ := io.ReadAll(zr); string(body) != "console.log(1)" || zrec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("gzipped app.js = %q, %q", body, zrec.Header().Get("Content-Type"))
	}
	if rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("compressed for a client that did not ask")
	}
	for _, u := range []string{"/static/", "/static/.gitkeep", "/static/nope.js", "/static/../web.go"} {
		if code := get(u).Code; code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", u, code)
		}
	}
}
