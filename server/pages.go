package server

import (
	"net/http"

	"github.com/a-h/templ"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/web"
)

// pageCSP keeps pages to their own scripts: even if sanitized Markdown let something through,
// no inline or foreign script would run.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) pageRoutes() {
	s.mux.Handle("GET /static/", web.StaticHandler())
	s.mux.HandleFunc("GET /{$}", s.page(s.listPage))
	s.mux.HandleFunc("GET /notebooks/{id}", s.page(s.notebookPage))
}

// page wraps a page handler with the token login, authentication and security headers.
func (s *Server) page(h func(http.ResponseWriter, *http.Request) (templ.Component, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.loginFromQuery(w, r) {
			return
		}
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Cache-Control", "no-store")
		if !s.authenticated(r) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			web.LoginPage(r.URL.Path).Render(r.Context(), w)
			return
		}
		c, err := h(w, r)
		if err != nil {
			e := notebooks.AsError(err)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(httpStatus(e.Code))
			web.ErrorPage(e.Code, e.Message).Render(r.Context(), w)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		c.Render(r.Context(), w)
	}
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) (templ.Component, error) {
	list, err := s.opts.Store.List(r.Context())
	if err != nil {
		return nil, err
	}
	data := web.ListData{Notebooks: make([]web.ListItem, len(list))}
	for i, n := range list {
		data.Notebooks[i] = web.ListItem{ID: n.ID, Name: n.Name, Error: n.Error}
	}
	if t, err := s.trash(); err == nil {
		entries, err := t.ListTrash(r.Context())
		if err != nil {
			return nil, err
		}
		data.HasTrash = true
		for _, e := range entries {
			data.Trash = append(data.Trash, web.TrashItem{ID: e.ID, Name: e.Name, Error: e.Error, Deleted: e.Deleted})
		}
	}
	return web.ListPage(data), nil
}

func (s *Server) notebookPage(w http.ResponseWriter, r *http.Request) (templ.Component, error) {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	data := web.NotebookData{ID: ss.nb.ID, Name: ss.nb.Name}
	ss.mu.Unlock()
	return web.NotebookPage(data), nil
}
