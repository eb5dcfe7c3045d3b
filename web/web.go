// Package web holds lakebook's browser side: the templ pages (the notebook list and the notebook
// shell) and the TypeScript app under web/src, which esbuild bundles into web/dist (app.js,
// app.css). The built assets are embedded in the binary; the server serves them with
// StaticHandler under /static/ and pages reference them through AssetURL, which carries a content
// hash so browsers never run a stale app.js.
//
// Build the assets with `npm run build`; regenerate the pages with `go tool templ generate -path web`.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
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
	gz := &gzipped{assets: assets}
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
		if gz.serve(w, r, name) {
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		r2.URL.RawPath = ""
		files.ServeHTTP(w, r2)
	})
}

// gzipped serves the scripts and stylesheets gzip-compressed to browsers that accept it (a
// share page's chart script shrinks to a third), compressing each once.
type gzipped struct {
	assets fs.FS
	mu     sync.Mutex
	files  map[string][]byte
}

func (g *gzipped) serve(w http.ResponseWriter, r *http.Request, name string) bool {
	ext := path.Ext(name)
	if ext != ".js" && ext != ".css" {
		return false
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") || r.Header.Get("Range") != "" {
		return false
	}
	g.mu.Lock()
	data, ok := g.files[name]
	if !ok {
		// Only files that exist are remembered: /static/ answers without auth, and a map
		// entry per made-up name would grow without bound.
		if raw, err := fs.ReadFile(g.assets, name); err == nil {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write(raw)
			zw.Close()
			data = b.Bytes()
			if g.files == nil {
				g.files = map[string][]byte{}
			}
			g.files[name] = data
		}
	}
	g.mu.Unlock()
	if data == nil {
		return false
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(ext))
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method != http.MethodHead {
		w.Write(data)
	}
	return true
}
