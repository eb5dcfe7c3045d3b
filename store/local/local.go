// Package local stores notebooks as NAME.nb.md files in a workspace folder on the local disk; a
// name with folders ("team/sales/q3") is a file in sub-folders (team/sales/q3.nb.md). Trashed
// notebooks wait in the .trash folder beside them.
//
// Saves are atomic (temp file, fsync, rename, fsync of the folder), so a crash at any moment
// leaves either the old or the new file. A file that does not parse (a person edited it by hand
// and broke it) is listed with its error and never overwritten; neither is a file that changed on
// disk since lakebook last read or wrote it.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
	"github.com/lakebook/lakebook/store/nbfile"
	"github.com/lakebook/lakebook/store/trash"
)

// MaxFileSize bounds a notebook file lakebook will read.
const MaxFileSize = 64 << 20

// Store is a folder of notebook files. It is safe for concurrent use.
type Store struct {
	dir string

	mu    sync.Mutex
	files map[string]*file // by notebook id
	// trashIndex holds the trash's records as last read.
	trashIndex trash.Index
}

type file struct {
	id, name string
	// content is what lakebook last read or wrote; a save refuses to overwrite anything else.
	content []byte
	nb      *notebooks.Notebook // parsed content; nil when broken
	broken  error
}

// Open opens (creating it if needed) the notebook folder dir and removes temp files a crash
// left behind.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	s := &Store{dir: dir, files: map[string]*file{}}
	for _, d := range []string{dir, filepath.Join(dir, trash.Dir)} {
		if err := s.walk(d, func(path string, e fs.DirEntry) error {
			if atomicfile.IsTemp(e.Name()) {
				os.Remove(path)
			}
			return nil
		}); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("local: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.scanLocked(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close releases nothing today; it exists so callers treat the store as a resource.
func (s *Store) Close() error { return nil }

// Dir returns the folder the store keeps its files in.
func (s *Store) Dir() string { return s.dir }

// walk calls fn for every regular file under root, in lexical order, descending only into
// plain folders a notebook name may hold: not symlinks (which could point anywhere on the
// machine), not dot folders (.git, .trash), not deeper than a name may be.
func (s *Store) walk(root string, fn func(path string, e fs.DirEntry) error) error {
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if path == root {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			if strings.Count(rel, string(filepath.Separator)) >= notebooks.MaxFolderDepth || notebooks.ValidateName(filepath.ToSlash(rel)) != nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		return fn(path, e)
	})
}

// scanLocked rereads the folder, so files people add, edit or remove by hand are seen.
func (s *Store) scanLocked() error {
	byName := make(map[string]*file, len(s.files))
	for _, f := range s.files {
		byName[f.name] = f
	}
	files := make(map[string]*file, len(s.files))
	err := s.walk(s.dir, func(path string, e fs.DirEntry) error {
		rel, _ := filepath.Rel(s.dir, path)
		name, ok := strings.CutSuffix(filepath.ToSlash(rel), notebooks.FileExt)
		if !ok || notebooks.ValidateName(name) != nil {
			return nil
		}
		data, err := readFile(path)
		if err != nil {
			return err
		}
		f := byName[name]
		if f == nil || !bytes.Equal(f.content, data) {
			f = parseFile(name, data)
		}
		if _, dup := files[f.id]; dup || f.id == "" {
			// A copied file repeats its original's id; a hand-written one may have none.
			f.id = nbfile.DerivedID(name)
			if f.nb != nil {
				f.nb.ID = f.id
			}
		}
		files[f.id] = f
		return nil
	})
	if err != nil {
		return fmt.Errorf("local: list: %w", err)
	}
	s.files = files
	return nil
}

func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if fi.Size() > MaxFileSize {
		return nil, notebooks.Errorf(notebooks.ETooLarge, "%s is %d bytes; notebooks are limited to %d", filepath.Base(path), fi.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	return data, nil
}

func (f *file) summary() notebooks.Summary { return nbfile.Summary(f.id, f.name, f.broken) }

func parseFile(name string, data []byte) *file {
	f := &file{name: name, content: data}
	f.nb, f.id, f.broken = nbfile.Parse(name, data)
	return f
}

// path is where the notebook named name lives; name has passed notebooks.ValidateName, so it
// stays inside the folder.
func (s *Store) path(name string) string {
	return filepath.Join(s.dir, filepath.FromSlash(name)+notebooks.FileExt)
}

// mkdirsLocked creates the folders of a notebook name. Each one that exists must be a plain
// folder: a symlink put there by hand must not carry a save out of the workspace.
func (s *Store) mkdirsLocked(name string) error {
	dir := s.dir
	for part := range strings.SplitSeq(notebooks.Folder(name), "/") {
		if part == "" {
			break
		}
		dir = filepath.Join(dir, part)
		fi, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(dir, 0o755); err != nil {
				return fmt.Errorf("local: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("local: %w", err)
		}
		if !fi.IsDir() {
			return notebooks.Errorf(notebooks.EInvalid, "%q is not a plain folder", part)
		}
	}
	return nil
}

// pruneLocked removes the folders of a notebook name that the notebook leaving emptied, as a
// folder holds nothing once its last notebook is gone (the same as bucket prefixes).
func (s *Store) pruneLocked(name string) {
	for folder := notebooks.Folder(name); folder != ""; folder = notebooks.Folder(folder) {
		if os.Remove(filepath.Join(s.dir, filepath.FromSlash(folder))) != nil {
			return
		}
	}
}

// List returns every notebook in the folder, sorted by name.
func (s *Store) List(ctx context.Context) ([]notebooks.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.scanLocked(); err != nil {
		return nil, err
	}
	out := make([]notebooks.Summary, 0, len(s.files))
	for _, f := range s.files {
		out = append(out, f.summary())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get returns a copy of the notebook with the given id.
func (s *Store) Get(ctx context.Context, id string) (*notebooks.Notebook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	if f.broken != nil {
		return nil, brokenError(f)
	}
	return f.nb.Clone(), nil
}

func brokenError(f *file) error {
	return notebooks.Errorf(notebooks.EBrokenFile, "%s%s does not parse: %v; fix the file by hand (lakebook will not overwrite it)", f.name, notebooks.FileExt, f.broken)
}

// lookupLocked finds id, rescanning once so a file added by hand is found.
func (s *Store) lookupLocked(id string) (*file, error) {
	if f := s.files[id]; f != nil {
		return f, nil
	}
	if err := s.scanLocked(); err != nil {
		return nil, err
	}
	if f := s.files[id]; f != nil {
		return f, nil
	}
	return nil, notebooks.Errorf(notebooks.ENotFound, "no notebook with id %q", id)
}

// Create makes a new, empty notebook file. It fails with EConflict if the name is taken.
func (s *Store) Create(ctx context.Context, name string) (*notebooks.Notebook, error) {
	nb := &notebooks.Notebook{ID: notebooks.NewID(), Name: name, Paragraphs: []*notebooks.Paragraph{}}
	return nb, s.Import(ctx, nb)
}

// Import saves nb as a new file under nb.Name, giving it a new id if it has none or one in use.
func (s *Store) Import(ctx context.Context, nb *notebooks.Notebook) error {
	if err := notebooks.ValidateName(nb.Name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.scanLocked(); err != nil {
		return err
	}
	if _, err := os.Lstat(s.path(nb.Name)); !errors.Is(err, fs.ErrNotExist) {
		return notebooks.Errorf(notebooks.EConflict, "a notebook named %q already exists", nb.Name)
	}
	if _, used := s.files[nb.ID]; used || nb.ID == "" {
		nb.ID = notebooks.NewID()
	}
	return s.writeLocked(&file{id: nb.ID, name: nb.Name}, nb)
}

// Save writes nb over its file. It refuses (EBrokenFile, EConflict) to overwrite a file that
// does not parse or that changed on disk since it was last read or written by the store.
func (s *Store) Save(ctx context.Context, nb *notebooks.Notebook) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(nb.ID)
	if err != nil {
		return err
	}
	if err := s.checkUnchangedLocked(f); err != nil {
		return err
	}
	nb = nb.Clone()
	nb.Name = f.name
	return s.writeLocked(f, nb)
}

func (s *Store) checkUnchangedLocked(f *file) error {
	if f.broken != nil {
		return brokenError(f)
	}
	onDisk, err := readFile(s.path(f.name))
	if errors.Is(err, fs.ErrNotExist) {
		return notebooks.Errorf(notebooks.ENotFound, "%s%s was removed from disk", f.name, notebooks.FileExt)
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(onDisk, f.content) {
		// Someone edited the file by hand while lakebook had it open: theirs wins, ours is
		// refused loudly, and the caller reloads.
		delete(s.files, f.id)
		return notebooks.Errorf(notebooks.EConflict, "%s%s changed on disk since lakebook read it; reload the notebook", f.name, notebooks.FileExt)
	}
	return nil
}

func (s *Store) writeLocked(f *file, nb *notebooks.Notebook) error {
	data, err := notebooks.Encode(nb)
	if err != nil {
		return err
	}
	if err := s.mkdirsLocked(nb.Name); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.path(nb.Name), data, 0o644); err != nil {
		return fmt.Errorf("local: save: %w", err)
	}
	f.content, f.nb, f.broken = data, nb.Clone(), nil
	s.files[f.id] = f
	return nil
}

// Rename gives the notebook a new name (and file name). It fails with EConflict if the name is taken.
func (s *Store) Rename(ctx context.Context, id, name string) error {
	if err := notebooks.ValidateName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(id)
	if err != nil {
		return err
	}
	if f.name == name {
		return nil
	}
	if _, err := os.Lstat(s.path(name)); !errors.Is(err, fs.ErrNotExist) {
		return notebooks.Errorf(notebooks.EConflict, "a notebook named %q already exists", name)
	}
	if err := s.mkdirsLocked(name); err != nil {
		return err
	}
	if err := s.moveLocked(s.path(f.name), s.path(name)); err != nil {
		s.pruneLocked(name)
		return fmt.Errorf("local: rename: %w", err)
	}
	s.pruneLocked(f.name)
	f.name = name
	if f.nb != nil {
		f.nb.Name = name
	}
	return nil
}

// Delete removes the notebook's file.
func (s *Store) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(id)
	if err != nil {
		return err
	}
	if err := os.Remove(s.path(f.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local: delete: %w", err)
	}
	delete(s.files, id)
	if err := atomicfile.SyncDir(filepath.Dir(s.path(f.name))); err != nil {
		return err
	}
	s.pruneLocked(f.name)
	return nil
}

// moveLocked moves the file from to the free path to and makes both folders' entries durable.
// os.Rename would replace a file created at to in the meantime; Link fails instead.
func (s *Store) moveLocked(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	if err := os.Remove(from); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(filepath.Dir(to)); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(from))
}
