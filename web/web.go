// Package web holds lakebook's browser side: the templ pages (the notebook list and the notebook
// shell) and the TypeScript app under web/src, which esbuild bundles into web/dist (app.js,
// app.css). The built assets are embedded in the binary; the server serves them with
// StaticHandler under /static/ and pages reference them through AssetURL, which carries a content
// hash so browsers never run a stale app.js.
//
// Build the assets with `npm run build`; regenerate the pages with `go tool templ generate -path web`.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed all:dist
var dist embed.FS

// StaticPrefix is the URL path the server serves Assets under.
const StaticPrefix = "/static/"

// Assets returns the built browser assets (app.js, app.css), rooted at web/dist.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path; fs.Sub cannot fail
	}
	return sub
}

var (
	hashesOnce sync.Once
	hashes     map[string]string
)

// AssetURL returns the URL of the named asset ("app.js") under StaticPrefix, with a query
// `?v=` holding a short hash of the embedded file, so a new build is never served from a cache.
// An asset that is not embedded (assets not built) gets a plain URL.
func AssetURL(name string) string {
	hashesOnce.Do(func() { hashes = hashFS(Assets()) })
	return assetURL(hashes, name)
}

func assetURL(hashes map[string]string, name string) string {
	name = strings.TrimPrefix(name, "/")
	u := StaticPrefix + name
	if h, ok := hashes[name]; ok {
		u += "?v=" + h
	}
	return u
}

// hashFS returns a short content hash of every regular file of fsys, by slash-separated path.
func hashFS(fsys fs.FS) map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		m[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
}

// StaticHandler serves Assets. Mount it at StaticPrefix:
//
//	mux.Handle("GET /static/", web.StaticHandler())
//
// It strips StaticPrefix itself. A request whose `v` matches the file's hash (the URLs AssetURL
// makes) is cacheable forever; any other is served with `Cache-Control: no-cache`.
func StaticHandler() http.Handler {
	assets := Assets()
	hashesOnce.Do(func() { hashes = hashFS(assets) })
	return staticHandler(assets, hashes)
}

func staticHandler(assets fs.FS, hashes map[string]string) http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(StaticPrefix, "/"))
		name = strings.TrimPrefix(name, "/")
		if name == "" || strings.HasSuffix(name, "/") || strings.HasPrefix(path.Base(name), ".") {
			http.NotFound(w, r) // no directory listings, no dot files
			return
		}
		if v := r.URL.Query().Get("v"); v != "" && v == hashes[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		r2.URL.RawPath = ""
		files.ServeHTTP(w, r2)
	})
}
