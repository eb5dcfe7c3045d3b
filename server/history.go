package server

import (
	"context"
	"net/http"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/history"
)

// History is revision history (Zeppelin's "version control") for notebooks, kept by stores that
// can: store/local commits to a git repository in its folder. Revisions are hex commit ids.
type History interface {
	// Checkpoint records the notebook as saved now.
	Checkpoint(ctx context.Context, id, message string) (history.Revision, error)
	// Revisions lists the notebook's checkpoints, newest first.
	Revisions(ctx context.Context, id string) ([]history.Revision, error)
	// Diff is the unified diff from rev to against, or to the saved notebook when against is "".
	Diff(ctx context.Context, id, rev, against string) (string, error)
	// At returns the notebook as it was at rev, with its current id and name.
	At(ctx context.Context, id, rev string) (*notebooks.Notebook, error)
}

// ENotImplemented answers requests the configured store cannot serve (501).
const ENotImplemented = "not_implemented"

func (s *Server) history() (History, error) {
	h, ok := s.opts.Store.(History)
	if !ok {
		return nil, notebooks.Errorf(ENotImplemented, "this notebook store keeps no revision history")
	}
	return h, nil
}

// revParam reads a revision from the path or query, checked here as well as in the store so
// that no store ever sees user text shaped like an option or a path.
func revParam(v, what string) (string, error) {
	if !history.ValidRev(v) {
		return "", notebooks.Errorf(notebooks.EInvalid, "%s %q is not a revision id (7 to 40 lowercase hex digits)", what, v)
	}
	return v, nil
}

func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.history()
	if err != nil {
		return err
	}
	var body struct {
		Message string `json:"message"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	rev, err := h.Checkpoint(r.Context(), r.PathValue("id"), body.Message)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rev)
	return nil
}

func (s *Server) handleRevisions(w http.ResponseWriter, r *http.Request) error {
	h, err := s.history()
	if err != nil {
		return err
	}
	revs, err := h.Revisions(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"revisions": revs})
	return nil
}

func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) error {
	h, err := s.history()
	if err != nil {
		return err
	}
	rev, err := revParam(r.PathValue("rev"), "revision")
	if err != nil {
		return err
	}
	against := r.URL.Query().Get("against")
	if against != "" {
		if against, err = revParam(against, "against"); err != nil {
			return err
		}
	}
	diff, err := h.Diff(r.Context(), r.PathValue("id"), rev, against)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"diff": diff})
	return nil
}

// handleRestore saves an old revision as the notebook through its session, so open clients get
// the restored notebook as a snapshot and the store's change checks apply as for any edit.
func (s *Server) handleRestore(w http.ResponseWriter, r *http.Request) error {
	h, err := s.history()
	if err != nil {
		return err
	}
	rev, err := revParam(r.PathValue("rev"), "revision")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	nb, err := h.At(r.Context(), id, rev)
	if err != nil {
		return err
	}
	ss, err := s.session(r.Context(), id)
	if err != nil {
		return err
	}
	if err := ss.replace(r.Context(), nb); err != nil {
		return err
	}
	return s.handleGetNotebook(w, r)
}

// replace makes nb the whole notebook (a restore) and sends every client the new snapshot.
// Paragraph revs move past every rev a client may hold, so a stale edit is refused.
func (ss *session) replace(ctx context.Context, nb *notebooks.Notebook) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	nb = nb.Clone()
	nb.ID, nb.Name = ss.id, ss.nb.Name
	if err := ss.commitLocked(ctx, nb); err != nil {
		return err
	}
	for _, p := range nb.Paragraphs {
		ss.revs[p.ID]++
	}
	ss.broadcastLocked(event{Type: "notebook", Notebook: ptr(ss.viewLocked())})
	return nil
}
