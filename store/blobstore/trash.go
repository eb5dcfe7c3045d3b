package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/nbfile"
	"github.com/lakebook/lakebook/store/trash"
)

// The trash is the key prefix .trash/ beside the notebooks: each entry is its notebook's
// object, copied there unchanged as ENTRY.nb.md, and ENTRY.json saying where it came from. The
// record is written first and the notebook's own object deleted last, so an interruption leaves
// at worst a record without a file (ignored) or the notebook in both places (nothing lost).

func trashKey(file string) string { return trash.Dir + "/" + file }

// MoveToTrash moves the notebook's object, as it is in the bucket (broken or not), to the trash.
func (s *Store) MoveToTrash(ctx context.Context, id string) (trash.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(ctx, id)
	if err != nil {
		return trash.Entry{}, err
	}
	data, _, err := s.read(ctx, f.name)
	if errors.Is(err, errNotExist) {
		delete(s.files, id)
		return trash.Entry{}, notebooks.Errorf(notebooks.ENotFound, "%s was removed from the bucket", key(f.name))
	}
	if err != nil {
		return trash.Entry{}, err
	}
	e := trash.NewEntry(f.id, f.name, f.broken)
	rec, err := trash.Encode(e)
	if err != nil {
		return trash.Entry{}, err
	}
	if err := s.put(ctx, trashKey(trash.MetaFile(e.ID)), rec, "application/json"); err != nil {
		return trash.Entry{}, err
	}
	if err := s.put(ctx, trashKey(trash.NotebookFile(e.ID)), data, "text/markdown; charset=utf-8"); err != nil {
		s.bucket.Delete(ctx, trashKey(trash.MetaFile(e.ID)))
		return trash.Entry{}, err
	}
	if err := s.bucket.Delete(ctx, key(f.name)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return trash.Entry{}, fmt.Errorf("blobstore: trash: delete %s: %w", key(f.name), err)
	}
	delete(s.files, id)
	return e, nil
}

// put writes a trash object, which is always new (its name is a fresh entry id).
func (s *Store) put(ctx context.Context, k string, data []byte, contentType string) error {
	if err := s.bucket.WriteAll(ctx, k, data, &blob.WriterOptions{ContentType: contentType}); err != nil {
		return fmt.Errorf("blobstore: put %s: %w", k, err)
	}
	return nil
}

// ListTrash lists the trash, most recently deleted first.
func (s *Store) ListTrash(ctx context.Context) ([]trash.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listTrashLocked(ctx)
}

func (s *Store) listTrashLocked(ctx context.Context) ([]trash.Entry, error) {
	it := s.bucket.List(&blob.ListOptions{Prefix: trash.Dir + "/", Delimiter: "/"})
	records := map[string]string{} // entry id → change token
	files := map[string]bool{}
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("blobstore: list %s/%s: %w", s.url, trash.Dir, err)
		}
		base := strings.TrimPrefix(o.Key, trash.Dir+"/")
		if id, ok := trash.EntryID(base); ok {
			records[id] = listToken(o)
		} else if id, ok := strings.CutSuffix(base, notebooks.FileExt); ok {
			files[id] = true
		}
	}
	for id := range records {
		if !files[id] {
			delete(records, id) // a record without its file: the trash was interrupted
		}
	}
	// Only records that are new or changed since the last listing are downloaded.
	return s.trashIndex.List(records, func(id string) (trash.Entry, error) { return s.readEntry(ctx, id) }), nil
}

// readEntry reads entry id's record.
func (s *Store) readEntry(ctx context.Context, id string) (trash.Entry, error) {
	if err := trash.CheckID(id); err != nil {
		return trash.Entry{}, err
	}
	rec, err := s.bucket.ReadAll(ctx, trashKey(trash.MetaFile(id)))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return trash.Entry{}, notebooks.Errorf(notebooks.ENotFound, "no trash entry %q", id)
	}
	if err != nil {
		return trash.Entry{}, fmt.Errorf("blobstore: get %s: %w", trashKey(trash.MetaFile(id)), err)
	}
	return trash.Decode(id, rec)
}

// RestoreFromTrash puts a trashed notebook back under its name, or under a new one when that is
// taken (never overwriting), with its own id unless a notebook uses that id now.
func (s *Store) RestoreFromTrash(ctx context.Context, entryID string) (notebooks.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.readEntry(ctx, entryID)
	if err != nil {
		return notebooks.Summary{}, err
	}
	data, err := s.bucket.ReadAll(ctx, trashKey(trash.NotebookFile(e.ID)))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return notebooks.Summary{}, notebooks.Errorf(notebooks.ENotFound, "trash entry %q has lost its file", e.ID)
	}
	if err != nil {
		return notebooks.Summary{}, fmt.Errorf("blobstore: get %s: %w", trashKey(trash.NotebookFile(e.ID)), err)
	}
	if err := s.scanLocked(ctx); err != nil {
		return notebooks.Summary{}, err
	}
	for {
		var existsErr error
		name, err := trash.RestoreName(e.Name, func(n string) bool {
			ok, err := s.bucket.Exists(ctx, key(n))
			if err != nil && existsErr == nil {
				existsErr = fmt.Errorf("blobstore: stat %s: %w", key(n), err)
			}
			return ok || err != nil
		})
		if existsErr != nil {
			return notebooks.Summary{}, existsErr
		}
		if err != nil {
			return notebooks.Summary{}, err
		}
		f := &file{name: name}
		f.nb, f.id, f.content, f.broken, err = nbfile.Restored(name, data, func(id string) bool { return s.files[id] != nil })
		if err != nil {
			return notebooks.Summary{}, err
		}
		if err := s.write(ctx, name, f.content, "", true); err != nil {
			if notebooks.ErrorCode(err) == notebooks.EConflict {
				continue // written by someone else between the check and the write: pick again
			}
			return notebooks.Summary{}, err
		}
		if err := s.purge(ctx, e.ID); err != nil {
			return notebooks.Summary{}, err
		}
		s.files[f.id] = f
		return f.summary(), nil
	}
}

// DeleteFromTrash deletes one trashed notebook forever.
func (s *Store) DeleteFromTrash(ctx context.Context, entryID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.readEntry(ctx, entryID); err != nil {
		return err
	}
	return s.purge(ctx, entryID)
}

// purge deletes an entry's object, then its record.
func (s *Store) purge(ctx context.Context, id string) error {
	for _, k := range []string{trashKey(trash.NotebookFile(id)), trashKey(trash.MetaFile(id))} {
		if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("blobstore: delete %s: %w", k, err)
		}
	}
	return nil
}

// EmptyTrash deletes every trashed notebook forever and says how many there were.
func (s *Store) EmptyTrash(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := s.listTrashLocked(ctx)
	if err != nil {
		return 0, err
	}
	for i, e := range entries {
		if err := s.purge(ctx, e.ID); err != nil {
			return i, err
		}
	}
	return len(entries), nil
}
