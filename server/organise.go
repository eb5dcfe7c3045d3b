package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/trash"
)

// Trash keeps deleted notebooks restorable (store/local in its .trash folder, store/blobstore
// under the .trash/ prefix). Entry ids are the store's, never the user's.
type Trash interface {
	// MoveToTrash moves the notebook, as it is stored, to the trash.
	MoveToTrash(ctx context.Context, id string) (trash.Entry, error)
	// ListTrash lists the trash, most recently deleted first.
	ListTrash(ctx context.Context) ([]trash.Entry, error)
	// RestoreFromTrash brings an entry back under its name, or a new one if that is taken.
	RestoreFromTrash(ctx context.Context, entryID string) (notebooks.Summary, error)
	// DeleteFromTrash deletes one entry forever.
	DeleteFromTrash(ctx context.Context, entryID string) error
	// EmptyTrash deletes every entry forever and says how many there were.
	EmptyTrash(ctx context.Context) (int, error)
}

func (s *Server) trash() (Trash, error) {
	t, ok := s.opts.Store.(Trash)
	if !ok {
		return nil, notebooks.Errorf(ENotImplemented, "this notebook store keeps no trash")
	}
	return t, nil
}

// handleDeleteNotebook moves the notebook to the trash, or deletes it for good on a store
// without one. Its open session closes and every browser that has it open is told why.
func (s *Server) handleDeleteNotebook(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	t, err := s.trash()
	if err != nil {
		if err := s.opts.Store.Delete(r.Context(), id); err != nil {
			return err
		}
		s.forget(id, "the notebook was deleted")
		s.pruneKept(r.Context())
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	e, err := t.MoveToTrash(r.Context(), id)
	if err != nil {
		return err
	}
	s.forget(id, "the notebook was moved to the trash")
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) handleListTrash(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trash()
	if err != nil {
		return err
	}
	entries, err := t.ListTrash(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"trash": entries})
	return nil
}

// trashEntry returns the trash and the entry id in the path, refused before it reaches the
// store unless it has the form of the store's own ids.
func (s *Server) trashEntry(r *http.Request) (Trash, string, error) {
	t, err := s.trash()
	if err != nil {
		return nil, "", err
	}
	id := r.PathValue("entry")
	if err := trash.CheckID(id); err != nil {
		return nil, "", err
	}
	return t, id, nil
}

func (s *Server) handleRestoreFromTrash(w http.ResponseWriter, r *http.Request) error {
	t, id, err := s.trashEntry(r)
	if err != nil {
		return err
	}
	sum, err := t.RestoreFromTrash(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

func (s *Server) handleDeleteFromTrash(w http.ResponseWriter, r *http.Request) error {
	t, id, err := s.trashEntry(r)
	if err != nil {
		return err
	}
	if err := t.DeleteFromTrash(r.Context(), id); err != nil {
		return err
	}
	s.pruneKept(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleEmptyTrash(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trash()
	if err != nil {
		return err
	}
	n, err := t.EmptyTrash(r.Context())
	if err != nil {
		return err
	}
	s.pruneKept(r.Context())
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
	return nil
}

// handleClone copies a notebook into a new one: a new notebook id, the same paragraph ids (they
// are only unique within a notebook, and keeping them keeps the copy's file diffable against
// the original's), no outputs. The name is the body's, or "NAME copy" (then "NAME copy 2", …) in
// the original's folder.
func (s *Server) handleClone(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name *string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	imp, ok := s.opts.Store.(importer)
	if !ok {
		return notebooks.Errorf(ENotImplemented, "this notebook store cannot add notebooks with content")
	}
	nb, err := s.opts.Store.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		if notebooks.ErrorCode(err) == notebooks.EBrokenFile {
			return notebooks.Errorf(notebooks.EBrokenFile, "cannot clone it: %s", notebooks.AsError(err).Message)
		}
		return err
	}
	nb.ID = ""
	if body.Name != nil {
		nb.Name = strings.TrimSpace(*body.Name)
		if err := imp.Import(r.Context(), nb); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, notebooks.Summary{ID: nb.ID, Name: nb.Name})
		return nil
	}
	// Another request may take the chosen name before the import: choose again.
	orig := nb.Name
	for range 5 {
		list, err := s.opts.Store.List(r.Context())
		if err != nil {
			return err
		}
		name, err := notebooks.UniqueName(orig, "copy", func(n string) bool {
			return n == orig || slices.ContainsFunc(list, func(e notebooks.Summary) bool { return e.Name == n })
		})
		if err != nil {
			return err
		}
		nb.Name = name
		err = imp.Import(r.Context(), nb)
		if notebooks.ErrorCode(err) == notebooks.EConflict {
			continue
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, notebooks.Summary{ID: nb.ID, Name: nb.Name})
		return nil
	}
	return notebooks.Errorf(notebooks.EConflict, "could not find a free name for the copy; give it one")
}

// handleRenameFolder renames (or moves) a folder: every notebook under it gets the new folder in
// its name, keeping its id; open browsers get the new names. Either all move or, when a name is
// taken or a move fails, none: the ones already moved are moved back.
func (s *Server) handleRenameFolder(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	from, to := strings.Trim(body.From, "/"), strings.Trim(body.To, "/")
	for _, f := range []string{from, to} {
		if err := notebooks.ValidateName(f); err != nil {
			return notebooks.Errorf(notebooks.EInvalid, "folder %q: %s", f, notebooks.AsError(err).Message)
		}
	}
	if to == from || strings.HasPrefix(to+"/", from+"/") {
		return notebooks.Errorf(notebooks.EInvalid, "cannot move folder %q into itself", from)
	}
	list, err := s.opts.Store.List(r.Context())
	if err != nil {
		return err
	}
	type move struct{ id, from, to string }
	var moves []move
	taken := map[string]bool{}
	for _, e := range list {
		taken[e.Name] = true
		if rest, ok := strings.CutPrefix(e.Name, from+"/"); ok {
			moves = append(moves, move{e.ID, e.Name, to + "/" + rest})
		}
	}
	if len(moves) == 0 {
		return notebooks.Errorf(notebooks.ENotFound, "no folder %q", from)
	}
	for _, m := range moves {
		if err := notebooks.ValidateName(m.to); err != nil {
			return notebooks.Errorf(notebooks.EInvalid, "moving %q: %s", m.from, notebooks.AsError(err).Message)
		}
		if taken[m.to] {
			return notebooks.Errorf(notebooks.EConflict, "a notebook named %q already exists", m.to)
		}
	}
	done := make([]notebooks.Summary, 0, len(moves))
	for i, m := range moves {
		if err := s.rename(r.Context(), m.id, m.to); err != nil {
			for _, back := range moves[:i] {
				if err := s.rename(context.WithoutCancel(r.Context()), back.id, back.from); err != nil {
					s.log.Error("rename folder: move back", slog.String("notebook", back.id), slog.Any("err", err))
				}
			}
			return err
		}
		done = append(done, notebooks.Summary{ID: m.id, Name: m.to})
	}
	writeJSON(w, http.StatusOK, map[string]any{"renamed": done})
	return nil
}

// MaxQueryLen bounds a search query, in bytes.
const MaxQueryLen = 200

// maxMatches bounds the paragraphs one notebook's search hit lists.
const maxMatches = 5

// searchHit is one notebook a search found: by its name, its paragraphs, or both.
type searchHit struct {
	notebooks.Summary
	// NameMatch says the name (with its folders) holds the query.
	NameMatch bool `json:"nameMatch"`
	// Matches are the first paragraphs whose text or title holds it; MatchCount counts them all.
	Matches    []paragraphMatch `json:"matches"`
	MatchCount int              `json:"matchCount"`
}

type paragraphMatch struct {
	Paragraph string         `json:"paragraph"`
	Lang      notebooks.Lang `json:"lang"`
	Title     string         `json:"title,omitempty"`
	// Snippet is the text around the first place the query occurs, on one line, with "…"
	// where it was cut.
	Snippet string `json:"snippet"`
}

// handleListNotebooks lists every notebook, or with ?q= those whose name or paragraphs hold
// the query, case-insensitively.
func (s *Server) handleListNotebooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.opts.Store.List(r.Context())
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		writeJSON(w, http.StatusOK, map[string]any{"notebooks": list})
		return nil
	}
	if len(q) > MaxQueryLen || !utf8.ValidString(q) {
		return notebooks.Errorf(notebooks.EInvalid, "a search must be valid UTF-8 of at most %d bytes", MaxQueryLen)
	}
	hits := []searchHit{}
	for _, e := range list {
		h := searchHit{Summary: e, NameMatch: indexFold(e.Name, q) >= 0, Matches: []paragraphMatch{}}
		if e.Error == "" {
			nb, err := s.opts.Store.Get(r.Context(), e.ID)
			if notebooks.ErrorCode(err) == notebooks.ENotFound || notebooks.ErrorCode(err) == notebooks.EBrokenFile {
				continue // deleted or broken since the listing
			}
			if err != nil {
				return err
			}
			for _, p := range nb.Paragraphs {
				i, in := indexFold(p.Text, q), p.Text
				if i < 0 {
					i, in = indexFold(p.Title, q), p.Title
				}
				if i < 0 {
					continue
				}
				h.MatchCount++
				if len(h.Matches) < maxMatches {
					h.Matches = append(h.Matches, paragraphMatch{Paragraph: p.ID, Lang: p.Lang, Title: p.Title, Snippet: snippet(in, i, len(q))})
				}
			}
		}
		if h.NameMatch || h.MatchCount > 0 {
			hits = append(hits, h)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notebooks": hits, "query": q})
	return nil
}

// indexFold is strings.Index under Unicode case folding: the byte offset in s of the first
// place that equals sub ignoring case, or -1.
func indexFold(s, sub string) int {
	for i := range s {
		if hasPrefixFold(s[i:], sub) {
			return i
		}
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	for _, pr := range prefix {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 || !strings.EqualFold(string(r), string(pr)) {
			return false
		}
		s = s[n:]
	}
	return true
}

// snippetContext is how many characters a snippet shows on each side of the match.
const snippetContext = 60

// snippet returns text around the match at byte i (about n bytes long), whitespace collapsed
// to single spaces so it shows on one line.
func snippet(text string, i, n int) string {
	start, end := i, min(i+n, len(text))
	for k := 0; k < snippetContext && start > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	for k := 0; k < snippetContext && end < len(text); k++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	out := strings.Join(strings.Fields(text[start:end]), " ")
	if start > 0 {
		out = "…" + out
	}
	if end < len(text) {
		out += "…"
	}
	return out
}
