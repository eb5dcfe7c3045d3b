package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
	"github.com/lakebook/lakebook/store/nbfile"
	"github.com/lakebook/lakebook/store/trash"
)

// The trash is the folder .trash beside the notebooks: each entry is its notebook's file, moved
// there unchanged as ENTRY.nb.md, and ENTRY.json saying where it came from. The record is
// written first, so a crash leaves at worst a record without a file, which is ignored.

func (s *Store) trashDir() string { return filepath.Join(s.dir, trash.Dir) }

func (s *Store) trashPath(file string) string { return filepath.Join(s.trashDir(), file) }

// MoveToTrash moves the notebook's file, as it is on disk (broken or not), to the trash.
func (s *Store) MoveToTrash(ctx context.Context, id string) (trash.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(id)
	if err != nil {
		return trash.Entry{}, err
	}
	e := trash.NewEntry(f.id, f.name, f.broken)
	rec, err := trash.Encode(e)
	if err != nil {
		return trash.Entry{}, err
	}
	if err := os.MkdirAll(s.trashDir(), 0o755); err != nil {
		return trash.Entry{}, fmt.Errorf("local: trash: %w", err)
	}
	if err := atomicfile.WriteFile(s.trashPath(trash.MetaFile(e.ID)), rec, 0o644); err != nil {
		return trash.Entry{}, fmt.Errorf("local: trash: %w", err)
	}
	if err := s.moveLocked(s.path(f.name), s.trashPath(trash.NotebookFile(e.ID))); err != nil {
		os.Remove(s.trashPath(trash.MetaFile(e.ID)))
		if errors.Is(err, fs.ErrNotExist) {
			delete(s.files, id)
			return trash.Entry{}, notebooks.Errorf(notebooks.ENotFound, "%s%s was removed from disk", f.name, notebooks.FileExt)
		}
		return trash.Entry{}, fmt.Errorf("local: trash: %w", err)
	}
	delete(s.files, id)
	s.pruneLocked(f.name)
	return e, nil
}

// ListTrash lists the trash, most recently deleted first.
func (s *Store) ListTrash(ctx context.Context) ([]trash.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listTrashLocked()
}

func (s *Store) listTrashLocked() ([]trash.Entry, error) {
	dirents, err := os.ReadDir(s.trashDir())
	if errors.Is(err, fs.ErrNotExist) {
		return []trash.Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local: trash: %w", err)
	}
	// An entry is listed when both its record and its file are regular files (a record without
	// its file is a crash mid-trash); the record's size and modification time tell whether the
	// index must read it again.
	files := map[string]bool{}
	for _, d := range dirents {
		if id, ok := strings.CutSuffix(d.Name(), notebooks.FileExt); ok && d.Type().IsRegular() {
			files[id] = true
		}
	}
	listed := map[string]string{}
	for _, d := range dirents {
		id, ok := trash.EntryID(d.Name())
		if !ok || !d.Type().IsRegular() || !files[id] {
			continue
		}
		fi, err := d.Info()
		if err != nil {
			continue // removed since the listing
		}
		listed[id] = fmt.Sprintf("%d/%d", fi.Size(), fi.ModTime().UnixNano())
	}
	return s.trashIndex.List(listed, s.readTrashRecord), nil
}

// readTrashRecord reads and decodes entry id's record.
func (s *Store) readTrashRecord(id string) (trash.Entry, error) {
	rec, err := os.ReadFile(s.trashPath(trash.MetaFile(id)))
	if errors.Is(err, fs.ErrNotExist) {
		return trash.Entry{}, notebooks.Errorf(notebooks.ENotFound, "no trash entry %q", id)
	}
	if err != nil {
		return trash.Entry{}, fmt.Errorf("local: trash: %w", err)
	}
	return trash.Decode(id, rec)
}

// trashEntryLocked reads entry id's record and checks its file is there.
func (s *Store) trashEntryLocked(id string) (trash.Entry, error) {
	if err := trash.CheckID(id); err != nil {
		return trash.Entry{}, err
	}
	e, err := s.readTrashRecord(id)
	if err != nil {
		return trash.Entry{}, err
	}
	fi, err := os.Lstat(s.trashPath(trash.NotebookFile(id)))
	if err != nil || !fi.Mode().IsRegular() {
		return trash.Entry{}, notebooks.Errorf(notebooks.ENotFound, "trash entry %q has lost its file", id)
	}
	return e, nil
}

// RestoreFromTrash puts a trashed notebook back under its name, or under a new one when that is
// taken (never overwriting), with its own id unless a notebook uses that id now.
func (s *Store) RestoreFromTrash(ctx context.Context, entryID string) (notebooks.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.trashEntryLocked(entryID)
	if err != nil {
		return notebooks.Summary{}, err
	}
	if err := s.scanLocked(); err != nil {
		return notebooks.Summary{}, err
	}
	src := s.trashPath(trash.NotebookFile(e.ID))
	data, err := readFile(src)
	if err != nil {
		return notebooks.Summary{}, err
	}
	for {
		name, err := trash.RestoreName(e.Name, func(n string) bool {
			_, err := os.Lstat(s.path(n))
			return !errors.Is(err, fs.ErrNotExist)
		})
		if err != nil {
			return notebooks.Summary{}, err
		}
		f := &file{name: name}
		f.nb, f.id, f.content, f.broken, err = nbfile.Restored(name, data, func(id string) bool { return s.files[id] != nil })
		if err != nil {
			return notebooks.Summary{}, err
		}
		if !bytes.Equal(f.content, data) {
			// The new id goes into the trash copy before it moves.
			if err := atomicfile.WriteFile(src, f.content, 0o644); err != nil {
				return notebooks.Summary{}, fmt.Errorf("local: restore: %w", err)
			}
			data = f.content
		}
		if err := s.mkdirsLocked(name); err != nil {
			return notebooks.Summary{}, err
		}
		if err := s.moveLocked(src, s.path(name)); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // created by hand between the check and the move: pick again
			}
			s.pruneLocked(name)
			return notebooks.Summary{}, fmt.Errorf("local: restore: %w", err)
		}
		os.Remove(s.trashPath(trash.MetaFile(e.ID)))
		s.files[f.id] = f
		return f.summary(), nil
	}
}

// DeleteFromTrash deletes one trashed notebook forever.
func (s *Store) DeleteFromTrash(ctx context.Context, entryID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.trashEntryLocked(entryID); err != nil {
		return err
	}
	return s.purgeLocked(entryID)
}

// purgeLocked removes an entry's file, then its record, and makes that durable.
func (s *Store) purgeLocked(id string) error {
	if err := s.removeEntryLocked(id); err != nil {
		return err
	}
	return atomicfile.SyncDir(s.trashDir())
}

// removeEntryLocked removes an entry's file, then its record, without waiting for the disk.
func (s *Store) removeEntryLocked(id string) error {
	for _, p := range []string{s.trashPath(trash.NotebookFile(id)), s.trashPath(trash.MetaFile(id))} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("local: empty trash: %w", err)
		}
	}
	return nil
}

// EmptyTrash deletes every trashed notebook forever and says how many there were. The folder
// is synced once, after all the removals, not once per entry.
func (s *Store) EmptyTrash(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := s.listTrashLocked()
	if err != nil {
		return 0, err
	}
	for i, e := range entries {
		if err := s.removeEntryLocked(e.ID); err != nil {
			atomicfile.SyncDir(s.trashDir()) // what was removed stays removed
			return i, err
		}
	}
	if len(entries) == 0 {
		return 0, nil
	}
	return len(entries), atomicfile.SyncDir(s.trashDir())
}
