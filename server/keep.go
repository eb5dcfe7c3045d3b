package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
)

// The last run of every paragraph is kept in Options.ResultsDir, so a notebook opened after a
// restart shows its results without running again: the run as clients saw it in
// NOTEBOOK/PARAGRAPH.json and, for a table result a kernel can save, the whole result in
// NOTEBOOK/PARAGRAPH.parquet, brought back into a kernel when someone pages or charts it. The
// notebook file never holds results: it stays small and diffs cleanly.

// maxKeptRows bounds the results written to disk after every run; bigger ones keep their first
// page only.
const maxKeptRows = 5_000_000

var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

type keptRun struct {
	Lang notebooks.Lang `json:"lang"`
	Run  runView        `json:"run"`
	// Table is set when the table output's whole result was saved next to this file.
	Table bool `json:"table,omitempty"`
}

// keepPath is where a paragraph's last run is kept, "" when results are not kept or an id
// could not be a file name.
func (ss *session) keepPath(pid string) string {
	dir := ss.srv.opts.ResultsDir
	if dir == "" || !safeID.MatchString(ss.id) || !safeID.MatchString(pid) {
		return ""
	}
	return filepath.Join(dir, ss.id, pid)
}

// keep saves a finished run. It runs on the worker, before the next run, so the kernel still
// holds the result.
func (ss *session) keep(ctx context.Context, r *run) {
	base := ss.keepPath(r.pid)
	if base == "" {
		return
	}
	ss.mu.Lock()
	if ss.runs[r.pid] != r {
		ss.mu.Unlock()
		return
	}
	k := ss.kernels[r.lang]
	kr := keptRun{Lang: r.lang, Run: r.view}
	kr.Run.Outputs = append([]notebooks.Output(nil), r.view.Outputs...)
	ss.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		ss.srv.log.Warn("keep result", slog.Any("err", err))
		return
	}
	os.Remove(base + ".parquet")
	if keeper, ok := k.(ResultKeeper); ok && kr.Run.Status == StatusFinished {
		for _, o := range kr.Run.Outputs {
			if !keepsTable(o) {
				continue
			}
			if err := ss.save(ctx, keeper, o.ResultID, base+".parquet"); err != nil {
				if ss.replaced(r) {
					return // a new run dropped this one's result while it was being saved
				}
				ss.srv.log.Warn("keep result", slog.String("paragraph", r.pid), slog.Any("err", err))
			} else {
				kr.Table = true
			}
		}
	}
	data, err := json.Marshal(kr)
	if err == nil {
		// A cache of what the kernel had: atomic, not durable (two fsyncs per run would slow
		// every run after it).
		err = atomicfile.WriteCache(base+".json", data, 0o600)
	}
	if err != nil {
		ss.srv.log.Warn("keep result", slog.String("paragraph", r.pid), slog.Any("err", err))
	}
}

// keepsTable reports whether keeping a run saves o's table.
func keepsTable(o notebooks.Output) bool {
	return o.Type == notebooks.OutputTable && o.ResultID != "" && o.RowCount != nil && *o.RowCount <= maxKeptRows
}

// savesTable reports whether keeping r saves a table.
func (ss *session) savesTable(r *run) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return r.view.Status == StatusFinished && slices.ContainsFunc(r.view.Outputs, keepsTable)
}

// saveTries bounds how often a save that gave way to requests (EUnavailable) is tried again.
const saveTries = 20

// save saves a result, trying again after a pause when the kernel interrupted the save to
// serve someone's page, chart or stats first.
func (ss *session) save(ctx context.Context, keeper ResultKeeper, resultID, path string) error {
	for try := 1; ; try++ {
		err := keeper.Save(ctx, resultID, path)
		if err == nil || notebooks.ErrorCode(err) != notebooks.EUnavailable || try == saveTries {
			return err
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// replaced reports whether a newer run of r's paragraph has been queued since r.
func (ss *session) replaced(r *run) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.runs[r.pid] != r
}

// pruneKept removes the kept runs of notebooks that are gone for good: neither in the store
// nor in its trash. It runs after a permanent deletion, which is rare; a notebook restored
// under a new id leaves its old id's folder to the next one.
func (s *Server) pruneKept(ctx context.Context) {
	dir := s.opts.ResultsDir
	if dir == "" {
		return
	}
	keep := map[string]bool{}
	list, err := s.opts.Store.List(ctx)
	if err != nil {
		return // unsure what exists: remove nothing
	}
	for _, n := range list {
		keep[n.ID] = true
	}
	if t, ok := s.opts.Store.(Trash); ok {
		entries, err := t.ListTrash(ctx)
		if err != nil {
			return
		}
		for _, e := range entries {
			keep[e.NotebookID] = true
		}
	}
	folders, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, f := range folders {
		if f.IsDir() && safeID.MatchString(f.Name()) && !keep[f.Name()] {
			if err := os.RemoveAll(filepath.Join(dir, f.Name())); err != nil {
				s.log.Warn("remove kept results", slog.String("notebook", f.Name()), slog.Any("err", err))
			}
		}
	}
}

// forget removes a deleted paragraph's kept run.
func (ss *session) forget(pid string) {
	if base := ss.keepPath(pid); base != "" {
		os.Remove(base + ".json")
		os.Remove(base + ".parquet")
	}
}

// loadKeptLocked puts the kept runs of the notebook's paragraphs back, marked restored.
func (ss *session) loadKeptLocked() {
	for _, p := range ss.nb.Paragraphs {
		base := ss.keepPath(p.ID)
		if base == "" {
			continue
		}
		data, err := os.ReadFile(base + ".json")
		if err != nil {
			continue
		}
		var kr keptRun
		if json.Unmarshal(data, &kr) != nil || kr.Lang != p.Lang {
			continue
		}
		if kr.Run.Status == StatusRunning || kr.Run.Status == StatusPending {
			continue
		}
		kr.Run.Restored, kr.Run.Progress = true, nil
		r := &run{pid: p.ID, lang: kr.Lang, view: kr.Run, done: make(chan struct{})}
		close(r.done)
		if kr.Table {
			r.kept = base + ".parquet"
		}
		ss.runs[p.ID] = r
		ss.nextRun = max(ss.nextRun, kr.Run.RunID)
	}
}
