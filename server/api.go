package server

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/lakebook/lakebook/notebooks"
)

func (s *Server) handleCreateNotebook(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	nb, err := s.opts.Store.Create(r.Context(), body.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, nb)
	return nil
}

func (s *Server) handleGetNotebook(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ss.mu.Lock()
	v := ss.viewLocked()
	ss.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleRenameNotebook(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.rename(r.Context(), id, body.Name); err != nil {
		return err
	}
	return s.handleGetNotebook(w, r)
}

// rename renames the notebook's file and tells its session's clients.
func (s *Server) rename(ctx context.Context, id, name string) error {
	if err := s.opts.Store.Rename(ctx, id, name); err != nil {
		return err
	}
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss != nil {
		ss.renamed(name)
	}
	return nil
}

func (s *Server) handleAddParagraph(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		paragraphEdit
		Index *int `json:"index"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	idx := -1
	if body.Index != nil {
		idx = *body.Index
	}
	v, err := ss.add(r.Context(), idx, body.paragraphEdit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) handleEditParagraph(w http.ResponseWriter, r *http.Request) error {
	var body paragraphEdit
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := ss.edit(r.Context(), r.PathValue("pid"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handleDeleteParagraph(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := ss.remove(r.Context(), r.PathValue("pid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMoveParagraph(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Index *int `json:"index"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.Index == nil {
		return notebooks.Errorf(notebooks.EInvalid, "the body needs an index")
	}
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := ss.move(r.Context(), r.PathValue("pid"), *body.Index); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// runResult is the API's answer to a run: the run's view plus the paragraph id.
type runResult struct {
	ID string `json:"id"`
	runView
}

// await waits for runs to finish. A client that goes away does not cancel them: like a browser
// tab closing, the run goes on and its result is kept.
func (ss *session) await(ctx context.Context, runs []*run) ([]runResult, error) {
	out := make([]runResult, 0, len(runs))
	for _, r := range runs {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, notebooks.Errorf(notebooks.ECanceled, "the request ended before the run did; the run goes on and its result shows in the notebook")
		}
		out = append(out, runResult{ID: r.pid, runView: ss.result(r)})
	}
	return out, nil
}

func (s *Server) handleRunParagraph(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	runs, err := ss.enqueue(r.PathValue("pid"))
	if err != nil {
		return err
	}
	res, err := ss.await(r.Context(), runs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res[0])
	return nil
}

func (s *Server) handleRunAll(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	runs, err := ss.enqueue(ss.paragraphIDs()...)
	if err != nil {
		return err
	}
	res, err := ss.await(r.Context(), runs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
	return nil
}

func (s *Server) handleRestart(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	lang := notebooks.Lang(r.URL.Query().Get("lang"))
	if lang != "" && !lang.Valid() {
		return notebooks.Errorf(notebooks.EInvalid, "unknown language %q (want sql, go or md)", lang)
	}
	restarted := ss.restartKernels(lang)
	if restarted == nil {
		restarted = []notebooks.Lang{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"restarted": restarted})
	return nil
}

func (s *Server) handleCancelParagraph(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := ss.cancelRun(r.PathValue("pid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleResultPage pages the latest table result of a paragraph:
// GET …/result?offset=0&limit=100[&output=N].
func (s *Server) handleResultPage(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	offset, err := intParam(q.Get("offset"), 0)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), 100)
	if err != nil {
		return err
	}
	table, err := ss.tableOutput(r.PathValue("pid"))
	if err != nil {
		return err
	}
	rows, err := ss.page(r.Context(), table.ResultID, offset, limit)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = [][]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"columns": table.Columns, "rowCount": table.RowCount, "offset": offset, "rows": rows})
	return nil
}

func intParam(s string, def int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, notebooks.Errorf(notebooks.EInvalid, "%q is not an integer", s)
	}
	return n, nil
}

// exportFormats are the download formats: content type and file extension.
var exportFormats = map[string][2]string{
	"csv":     {"text/csv; charset=utf-8", "csv"},
	"parquet": {"application/vnd.apache.parquet", "parquet"},
	"jsonl":   {"application/x-ndjson", "jsonl"},
}

// handleDownload streams the whole latest table result of a paragraph:
// GET …/result/download?format=csv|parquet|jsonl.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	f, ok := exportFormats[format]
	if !ok {
		return notebooks.Errorf(notebooks.EInvalid, "format %q: use csv, parquet or jsonl", format)
	}
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	pid := r.PathValue("pid")
	table, err := ss.tableOutput(pid)
	if err != nil {
		return err
	}
	v, id, err := ss.viewer(r.Context(), table.ResultID)
	if err != nil {
		return err
	}
	ss.mu.Lock()
	name := ss.nb.Name
	ss.mu.Unlock()
	w.Header().Set("Content-Type", f[0])
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "-" + pid + "." + f[1]}))
	// Once bytes are on their way a failure can only cut the download short.
	sw := &startedWriter{w: w}
	if err := v.Export(r.Context(), id, format, sw); err != nil {
		if !sw.started {
			w.Header().Del("Content-Disposition")
			return err
		}
		s.log.Warn("download cut short", slog.String("paragraph", pid), slog.Any("err", err))
	}
	return nil
}

// startedWriter notes whether anything was written.
type startedWriter struct {
	w       io.Writer
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}
