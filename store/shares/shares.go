// Package shares keeps shareable chart links: which chart a token grants, in which mode, until
// when, and how often it was opened. Each link is one JSON file in a folder of the workspace
// (.lakebook/shares/TOKEN.json), written atomically; a snapshot's frozen data lives in the
// folder TOKEN/ next to it.
package shares

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
)

// Modes of a link.
const (
	// Snapshot serves the chart's data as it was when shared, frozen on the server.
	Snapshot = "snapshot"
	// Live re-runs the paragraph's query with the shared form values, cached for MaxAge.
	Live = "live"
)

// Link is one shared chart. Token is the secret in its URL.
type Link struct {
	Token     string `json:"token"`
	Notebook  string `json:"notebook"`
	Paragraph string `json:"paragraph"`
	// ChartID is kept in the paragraph's settings, so a live link finds its chart after the
	// paragraph is edited or moved.
	ChartID string `json:"chartId"`
	Title   string `json:"title"`
	Mode    string `json:"mode"`
	// MaxAgeSeconds is how long a live link's result is reused.
	MaxAgeSeconds int `json:"maxAge,omitempty"`
	// Forms are the form values a live link runs with, locked when it was created.
	Forms map[string][]string `json:"forms,omitempty"`
	// Table and CSV say whether viewers see the data table and may download it.
	Table bool `json:"table"`
	CSV   bool `json:"csv"`
	// EmbedOrigins are the sites (scheme://host[:port]) that may show the link in an iframe.
	EmbedOrigins []string   `json:"embedOrigins,omitempty"`
	Creator      string     `json:"creator"`
	Created      time.Time  `json:"created"`
	Expires      *time.Time `json:"expires,omitempty"`
	Revoked      *time.Time `json:"revoked,omitempty"`
	Views        int64      `json:"views"`
	LastAccess   *time.Time `json:"lastAccess,omitempty"`
	// Queries counts the queries a live link ran.
	Queries int64 `json:"queries"`
}

// Gone reports why the link no longer grants anything ("revoked", "expired"), or "".
func (l *Link) Gone(now time.Time) string {
	switch {
	case l.Revoked != nil:
		return "revoked"
	case l.Expires != nil && !now.Before(*l.Expires):
		return "expired"
	}
	return ""
}

// tokenBytes is the token's entropy: 256 bits, twice what guessing needs to be hopeless.
const tokenBytes = 32

var validToken = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// ValidToken reports whether s has the shape of a token, so nothing else ever becomes a path.
func ValidToken(s string) bool { return validToken.MatchString(s) }

// NewToken returns a random token: 256 bits, base64url without padding (43 characters).
func NewToken() string {
	var b [tokenBytes]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Store keeps links in a folder. Views are counted in memory and written by Flush (Close
// flushes), so a link opened a thousand times a second does not write a file each time.
//
// mu guards the links in memory and is never held while a file is written, so a view never
// waits for the disk. wmu orders the writes: whoever writes a link's file (Flush, SetExpiry,
// Revoke, Remove) holds it from reading the link to writing it, so a file is never replaced
// by an older state of its link. wmu is taken before mu, never while holding it.
type Store struct {
	dir string

	wmu sync.Mutex

	mu    sync.Mutex
	links map[string]*Link
	dirty map[string]bool
}

// writeFile is atomicfile.WriteFile; tests hold a write there to see who waits for it.
var writeFile = atomicfile.WriteFile

// Open reads the links kept in dir, creating it if needed. A file that does not parse is
// reported, not skipped: a link must never silently stop meaning what it meant.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	s := &Store{dir: dir, links: map[string]*Link{}, dirty: map[string]bool{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	for _, e := range entries {
		tok, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || !ValidToken(tok) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("shares: %w", err)
		}
		var l Link
		if err := json.Unmarshal(data, &l); err != nil || l.Token != tok {
			return nil, fmt.Errorf("shares: %s: not a share link (%v)", e.Name(), err)
		}
		s.links[tok] = &l
	}
	return s, nil
}

// Close writes the view counts not yet written.
func (s *Store) Close() error { return s.Flush() }

// DataDir is the folder holding a link's frozen data.
func (s *Store) DataDir(token string) string { return filepath.Join(s.dir, token) }

func notFound() error {
	return notebooks.Errorf(notebooks.ENotFound, "no such share link")
}

// Create stores l under a new token and returns it as stored.
func (s *Store) Create(l Link) (Link, error) {
	if l.Mode != Snapshot && l.Mode != Live {
		return Link{}, notebooks.Errorf(notebooks.EInvalid, "mode: %q is neither snapshot nor live", l.Mode)
	}
	l.Token = NewToken()
	if l.Created.IsZero() {
		l.Created = time.Now().UTC()
	}
	l.Views, l.Queries, l.LastAccess, l.Revoked = 0, 0, nil, nil
	// Nobody knows the new token yet: its file is written before the link is listed.
	if err := s.write(&l); err != nil {
		return Link{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.links[l.Token] = &l
	return clone(&l), nil
}

// Get returns the link of token, revoked or expired ones too; ENotFound if there is none.
func (s *Store) Get(token string) (Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.links[token]
	if l == nil {
		return Link{}, notFound()
	}
	return clone(l), nil
}

// List returns every link, newest first.
func (s *Store) List() []Link {
	s.mu.Lock()
	out := make([]Link, 0, len(s.links))
	for _, l := range s.links {
		out = append(out, clone(l))
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Link) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
	return out
}

// SetExpiry changes when a link expires; nil never. A revoked link stays revoked.
func (s *Store) SetExpiry(token string, expires *time.Time) (Link, error) {
	return s.update(token, func(l *Link) error {
		if l.Revoked != nil {
			return notebooks.Errorf(notebooks.EConflict, "the link was revoked; share the chart again")
		}
		l.Expires = nil
		if expires != nil {
			e := *expires // the caller's time stays the caller's
			l.Expires = &e
		}
		return nil
	})
}

// Revoke ends a link for good and removes its frozen data. The record stays, so the link
// answers "revoked" rather than "unknown".
func (s *Store) Revoke(token string) (Link, error) {
	l, err := s.update(token, func(l *Link) error {
		if l.Revoked == nil {
			now := time.Now().UTC()
			l.Revoked = &now
		}
		return nil
	})
	if err == nil {
		os.RemoveAll(s.DataDir(token))
	}
	return l, err
}

// Viewed counts a view at t; Flush writes it.
func (s *Store) Viewed(token string, t time.Time) {
	s.count(token, func(l *Link) { l.Views++; t := t.UTC(); l.LastAccess = &t })
}

// Queried counts a query a live link ran; Flush writes it.
func (s *Store) Queried(token string) {
	s.count(token, func(l *Link) { l.Queries++ })
}

func (s *Store) count(token string, f func(*Link)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.links[token]; l != nil {
		f(l)
		s.dirty[token] = true
	}
}

// Flush writes the links whose counts changed. It copies them under the lock and writes the
// copies without it; views counted meanwhile mark their link for the next Flush.
func (s *Store) Flush() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	todo := make([]Link, 0, len(s.dirty))
	for tok := range s.dirty {
		if l := s.links[tok]; l != nil {
			todo = append(todo, clone(l))
		}
		delete(s.dirty, tok)
	}
	s.mu.Unlock()
	var errs []error
	for i := range todo {
		if err := s.write(&todo[i]); err != nil {
			errs = append(errs, err)
			s.count(todo[i].Token, func(*Link) {}) // marks it dirty: the next Flush tries again
		}
	}
	return errors.Join(errs...)
}

// update changes a link with f and writes it. f sees a copy; the counts, which views change
// while the file is written, are taken from the link as it is once it is written.
func (s *Store) update(token string, f func(*Link) error) (Link, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	cur := s.links[token]
	if cur == nil {
		s.mu.Unlock()
		return Link{}, notFound()
	}
	next := clone(cur)
	wasDirty := s.dirty[token]
	delete(s.dirty, token) // next carries the counts so far
	s.mu.Unlock()
	err := f(&next)
	if err == nil {
		err = s.write(&next)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur = s.links[token] // still there: Remove waits for wmu
	if err != nil {
		if wasDirty {
			s.dirty[token] = true
		}
		return Link{}, err
	}
	next.Views, next.Queries, next.LastAccess = cur.Views, cur.Queries, cur.LastAccess
	s.links[token] = &next
	return clone(&next), nil
}

// write replaces l's file; callers other than Create hold wmu.
func (s *Store) write(l *Link) error {
	if !ValidToken(l.Token) {
		return notebooks.Errorf(notebooks.EInvalid, "bad share token")
	}
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(s.dir, l.Token+".json"), data, 0o600); err != nil {
		return notebooks.Errorf(notebooks.EStorage, "save share link: %v", err)
	}
	return nil
}

func clone(l *Link) Link {
	c := *l
	c.EmbedOrigins = slices.Clone(l.EmbedOrigins)
	c.Forms = maps.Clone(l.Forms)
	return c
}

// Remove deletes a link that never worked (its data could not be frozen), record and data.
func (s *Store) Remove(token string) error {
	if !ValidToken(token) {
		return notFound()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	delete(s.links, token)
	delete(s.dirty, token)
	s.mu.Unlock()
	os.RemoveAll(s.DataDir(token))
	if err := os.Remove(filepath.Join(s.dir, token+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return notebooks.Errorf(notebooks.EStorage, "remove share link: %v", err)
	}
	return nil
}
