// Package server is lakebook's HTTP and websocket front: the JSON API, the pages, the notebook
// sessions that queue and run paragraphs, and authentication. It sees storage and kernels only
// through the small interfaces it declares (NotebookStore, Kernel); cmd/lakebook wires in the
// implementations.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// NotebookStore keeps notebook documents. store/local (a folder) and store/blobstore (an S3 or
// file:// bucket) implement it; a store may also implement History.
type NotebookStore interface {
	List(ctx context.Context) ([]notebooks.Summary, error)
	Get(ctx context.Context, id string) (*notebooks.Notebook, error)
	Create(ctx context.Context, name string) (*notebooks.Notebook, error)
	Save(ctx context.Context, nb *notebooks.Notebook) error
	Rename(ctx context.Context, id, name string) error
	Delete(ctx context.Context, id string) error
}

// KernelFactory starts a kernel for one language of one notebook session.
type KernelFactory func(ctx context.Context, lang notebooks.Lang, notebookID string) (Kernel, error)

// Options configures a Server.
type Options struct {
	// Token authenticates every API call, page and websocket. Required.
	Token string
	// AllowedOrigins lists extra origins (scheme://host[:port]) whose pages may open the
	// websocket and call the API with the session cookie; the server's own origin always may.
	AllowedOrigins []string
	Store          NotebookStore
	NewKernel      KernelFactory
	// Catalog serves /api/catalog; nil answers those routes with not_implemented.
	Catalog Catalog
	// ResultsDir keeps each paragraph's last run (and whole table result, for kernels that
	// are ResultKeepers) across restarts; empty keeps nothing.
	ResultsDir string
	Logger     *slog.Logger
	// MaxBodyBytes bounds JSON request bodies (default 8 MiB).
	MaxBodyBytes int64
	// Shares keeps share links (/api/shares, /s/TOKEN); nil answers those with not_implemented.
	Shares ShareStore
	// ShareRate is how many requests a second one share link answers (default 100, bursts
	// of twice that); more get 429.
	ShareRate float64
	// IdleTimeout closes a notebook session (its kernels, its results) once nobody has had it
	// open and nothing has run for this long (default 30 minutes; negative: never).
	IdleTimeout time.Duration
}

// Server serves lakebook over HTTP. Create it with New and release it with Close.
type Server struct {
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	cookie  string // the session cookie's value, derived from the token
	origins map[string]bool

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
	stop     chan struct{}

	views shareViews
}

// New returns a Server. It starts nothing; serve it with an http.Server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 8 << 20
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		mux:      http.NewServeMux(),
		cookie:   sessionCookieValue(opts.Token),
		origins:  map[string]bool{},
		sessions: map[string]*session{},
		stop:     make(chan struct{}),
	}
	for _, o := range opts.AllowedOrigins {
		s.origins[normalizeOrigin(o)] = true
	}
	s.routes()
	if opts.IdleTimeout > 0 {
		go s.every(min(opts.IdleTimeout/2, time.Minute), func() { s.reapIdle(opts.IdleTimeout) })
	}
	if opts.Shares != nil {
		go s.every(10*time.Second, s.flushShares)
	}
	return s
}

// every calls fn every d until the server closes.
func (s *Server) every(d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			fn()
		}
	}
}

// reapIdle closes sessions nobody uses, so a long-running server does not keep a kernel process
// and a database connection for every notebook ever opened.
func (s *Server) reapIdle(timeout time.Duration) {
	s.mu.Lock()
	var idle []string
	for id, ss := range s.sessions {
		if ss.idleSince(timeout) {
			idle = append(idle, id)
		}
	}
	s.mu.Unlock()
	for _, id := range idle {
		s.log.Info("closing idle notebook session", slog.String("notebook", id))
		s.forget(id, "the notebook was idle")
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops every notebook session: runs are cancelled, kernels closed, websockets closed.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		close(s.stop)
	}
	s.closed = true
	sessions := s.sessions
	s.sessions = map[string]*session{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, ss := range sessions {
		wg.Add(1)
		go func() { defer wg.Done(); ss.close("the server is shutting down") }()
	}
	wg.Wait()
	if s.opts.Shares != nil {
		return s.opts.Shares.Flush()
	}
	return nil
}

// flushShares writes share links' view counts: now and then, not on every view.
func (s *Server) flushShares() {
	if err := s.opts.Shares.Flush(); err != nil {
		s.log.Warn("save share link views", slog.Any("err", err))
	}
}

// NewToken returns a random token of 128 bits, hex-encoded.
func NewToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /api/health", s.handleHealth)

	api := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		m.Handle(pattern, s.requireAuth(s.apiHandler(h)))
	}
	api("GET /api/notebooks", s.handleListNotebooks)
	api("POST /api/notebooks", s.handleCreateNotebook)
	api("POST /api/notebooks/import", s.handleImport)
	api("GET /api/notebooks/{id}", s.handleGetNotebook)
	api("GET /api/notebooks/{id}/export", s.handleExport)
	api("PATCH /api/notebooks/{id}", s.handleRenameNotebook)
	api("DELETE /api/notebooks/{id}", s.handleDeleteNotebook)
	api("POST /api/notebooks/{id}/run", s.handleRunAll)
	api("POST /api/notebooks/{id}/restart", s.handleRestart)
	api("POST /api/notebooks/{id}/paragraphs", s.handleAddParagraph)
	api("PATCH /api/notebooks/{id}/paragraphs/{pid}", s.handleEditParagraph)
	api("DELETE /api/notebooks/{id}/paragraphs/{pid}", s.handleDeleteParagraph)
	api("POST /api/notebooks/{id}/paragraphs/{pid}/move", s.handleMoveParagraph)
	api("POST /api/notebooks/{id}/paragraphs/{pid}/run", s.handleRunParagraph)
	api("POST /api/notebooks/{id}/paragraphs/{pid}/cancel", s.handleCancelParagraph)
	api("GET /api/notebooks/{id}/paragraphs/{pid}/result", s.handleResultPage)
	api("GET /api/notebooks/{id}/paragraphs/{pid}/result/download", s.handleDownload)
	api("POST /api/notebooks/{id}/checkpoints", s.handleCheckpoint)
	api("GET /api/notebooks/{id}/revisions", s.handleRevisions)
	api("GET /api/notebooks/{id}/revisions/{rev}/diff", s.handleDiff)
	api("POST /api/notebooks/{id}/revisions/{rev}/restore", s.handleRestore)
	// Organisation: clone, trash (issue 7, item 5).
	api("POST /api/notebooks/{id}/clone", s.handleClone)
	api("POST /api/folders/rename", s.handleRenameFolder)
	api("GET /api/trash", s.handleListTrash)
	api("DELETE /api/trash", s.handleEmptyTrash)
	api("POST /api/trash/{entry}/restore", s.handleRestoreFromTrash)
	api("DELETE /api/trash/{entry}", s.handleDeleteFromTrash)
	api("GET /api/catalog/tables", s.handleListTables)
	api("POST /api/catalog/tables", s.handleRegisterTable)
	api("GET /api/catalog/tables/{name}", s.handleGetTable)
	api("DELETE /api/catalog/tables/{name}", s.handleDropTable)
	api("POST /api/catalog/crawl", s.handleCrawl)
	api("POST /api/shares", s.handleCreateShare)
	api("GET /api/shares", s.handleListShares)
	api("PATCH /api/shares/{token}", s.handleEditShare)
	api("DELETE /api/shares/{token}", s.handleRevokeShare)
	m.Handle("/api/", s.requireAuth(s.apiHandler(func(w http.ResponseWriter, r *http.Request) error {
		return notebooks.Errorf(notebooks.ENotFound, "no API route %s %s", r.Method, r.URL.Path)
	})))

	m.Handle("GET /ws/notebooks/{id}", s.requireAuth(http.HandlerFunc(s.handleWebsocket)))

	s.pageRoutes()
	s.shareRoutes()
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "time": time.Now().UTC().Format(time.RFC3339)})
}
