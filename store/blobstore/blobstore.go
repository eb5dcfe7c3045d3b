// Package blobstore stores notebooks as PREFIX/NAME.nb.md objects in a bucket that gocloud.dev/blob
// opens: S3 and S3-compatible servers (s3://bucket/prefix?endpoint=…&use_path_style=true&region=…)
// and, for tests and single machines, local folders (file:///abs/dir). A name with folders
// ("team/sales/q3") is the key PREFIX/team/sales/q3.nb.md; trashed notebooks wait under
// PREFIX/.trash/.
//
// It keeps store/local's promises: an object that does not parse is listed with its error and never
// overwritten, and a save refuses to overwrite an object that changed since lakebook last read or
// wrote it. S3 has no transactions, so the check is "read, compare, write": on s3:// the write
// carries If-Match with the ETag just read (and creates carry If-None-Match: *), which closes the
// race on servers that honour conditional writes (AWS S3 since 2024). Servers that ignore them,
// and file:// folders, leave a window of one round trip between the compare and the write in
// which another writer's change can be lost. Within one process every operation is serialized.
package blobstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
	"gocloud.dev/gcerrors"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/nbfile"
	"github.com/lakebook/lakebook/store/trash"
)

// MaxFileSize bounds a notebook object lakebook will read.
const MaxFileSize = 64 << 20

// Store is a bucket prefix of notebook objects. It is safe for concurrent use.
type Store struct {
	url    string // without its query, for messages
	s3     bool
	bucket *blob.Bucket

	mu    sync.Mutex
	files map[string]*file // by notebook id
	// trashIndex holds the trash's records as last read.
	trashIndex trash.Index
}

type file struct {
	id, name string
	// content is what lakebook last read or wrote; a save refuses to overwrite anything else.
	content []byte
	// etag is the object's change token when content was read or written ("" if unknown).
	etag   string
	nb     *notebooks.Notebook // parsed content; nil when broken
	broken error
}

// Open opens the notebook objects under a bucket URL (see the package comment). A file:// folder
// is created if needed.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blobstore: bad url: %w", err)
	}
	s := &Store{files: map[string]*file{}}
	var prefix string
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("blobstore: bad url %q: file URLs need an absolute path, as file:///abs/dir", rawURL)
		}
		if err := os.MkdirAll(u.Path, 0o755); err != nil {
			return nil, fmt.Errorf("blobstore: %w", err)
		}
		// No .attrs sidecar files next to people's notebooks.
		q := u.Query()
		if q.Get("metadata") == "" {
			q.Set("metadata", "skip")
		}
		u.RawQuery = q.Encode()
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("blobstore: bad url %q: missing bucket, as s3://bucket/prefix?region=…", rawURL)
		}
		s.s3 = true
		prefix = strings.Trim(u.Path, "/")
		u.Path, u.RawPath = "", ""
	default:
		return nil, fmt.Errorf("blobstore: bad url %q: use s3://bucket/prefix or file:///abs/dir", rawURL)
	}
	s.url = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/" + prefix}).String()
	if u.Scheme == "file" {
		s.url = "file://" + u.Path
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("blobstore: open %s: %w", s.url, err)
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	s.bucket = b
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.scanLocked(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the bucket.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("blobstore: close: %w", err)
	}
	return nil
}

// URL returns where the store keeps its objects (without the URL's query).
func (s *Store) URL() string { return s.url }

func key(name string) string { return name + notebooks.FileExt }

// scanLocked relists the prefix, so objects other writers add, change or remove are seen.
// Objects whose change token is unchanged are not downloaded again.
func (s *Store) scanLocked(ctx context.Context) error {
	byName := make(map[string]*file, len(s.files))
	for _, f := range s.files {
		byName[f.name] = f
	}
	files := make(map[string]*file, len(s.files))
	// Folders are key prefixes ("team/sales/q3.nb.md"), so the whole prefix is listed; keys
	// that are not valid notebook names (other tools' data, the .trash prefix) are skipped.
	it := s.bucket.List(nil)
	var names []string
	tokens := map[string]string{}
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("blobstore: list %s: %w", s.url, err)
		}
		name, ok := strings.CutSuffix(o.Key, notebooks.FileExt)
		if o.IsDir || !ok || notebooks.ValidateName(name) != nil {
			continue
		}
		names = append(names, name)
		tokens[name] = listToken(o)
	}
	sort.Strings(names) // a duplicated id goes to the same file on every scan
	for _, name := range names {
		f := byName[name]
		if f == nil || f.etag == "" || f.etag != tokens[name] {
			data, etag, err := s.read(ctx, name)
			if errors.Is(err, errNotExist) {
				continue // deleted since the listing
			}
			if err != nil {
				return err
			}
			if f == nil || !bytes.Equal(f.content, data) {
				f = parseFile(name, data)
			}
			f.etag = etag
		}
		if _, dup := files[f.id]; dup || f.id == "" {
			// A copied object repeats its original's id; a hand-written one may have none.
			f.id = nbfile.DerivedID(name)
			if f.nb != nil {
				f.nb.ID = f.id
			}
		}
		files[f.id] = f
	}
	s.files = files
	return nil
}

// listToken is the change token of a listed object: its S3 ETag, or for file:// its size and
// modification time, which any rewrite changes.
func listToken(o *blob.ListObject) string {
	var so s3types.Object
	if o.As(&so) && so.ETag != nil {
		return *so.ETag
	}
	return fmt.Sprintf("%d/%d", o.Size, o.ModTime.UnixNano())
}

var errNotExist = errors.New("object does not exist")

// read returns an object's content and its change token, in the form listToken gives.
func (s *Store) read(ctx context.Context, name string) ([]byte, string, error) {
	r, err := s.bucket.NewReader(ctx, key(name), nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, "", errNotExist
	}
	if err != nil {
		return nil, "", fmt.Errorf("blobstore: get %s: %w", key(name), err)
	}
	defer r.Close()
	if r.Size() > MaxFileSize {
		return nil, "", notebooks.Errorf(notebooks.ETooLarge, "%s is %d bytes; notebooks are limited to %d", key(name), r.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("blobstore: get %s: %w", key(name), err)
	}
	var out s3.GetObjectOutput
	if r.As(&out) && out.ETag != nil {
		return data, *out.ETag, nil
	}
	return data, fmt.Sprintf("%d/%d", r.Size(), r.ModTime().UnixNano()), nil
}

// write puts data at name. With ifMatch set (s3 only) the server refuses if the object's ETag
// changed; with create it refuses if the object exists. Refusals are EConflict.
func (s *Store) write(ctx context.Context, name string, data []byte, ifMatch string, create bool) error {
	opts := &blob.WriterOptions{ContentType: "text/markdown; charset=utf-8", IfNotExist: create}
	if s.s3 && ifMatch != "" {
		opts.BeforeWrite = func(as func(any) bool) error {
			var in *transfermanager.UploadObjectInput
			if as(&in) {
				in.IfMatch = aws.String(ifMatch)
			}
			return nil
		}
	}
	err := s.bucket.WriteAll(ctx, key(name), data, opts)
	if gcerrors.Code(err) == gcerrors.FailedPrecondition || isHTTPStatus(err, 412) {
		if create {
			return notebooks.Errorf(notebooks.EConflict, "a notebook named %q already exists", name)
		}
		return notebooks.Errorf(notebooks.EConflict, "%s changed in the bucket while lakebook saved it; reload the notebook", key(name))
	}
	if err != nil {
		return fmt.Errorf("blobstore: put %s: %w", key(name), err)
	}
	return nil
}

func isHTTPStatus(err error, status int) bool {
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && re.HTTPStatusCode() == status
}

func (f *file) summary() notebooks.Summary { return nbfile.Summary(f.id, f.name, f.broken) }

func parseFile(name string, data []byte) *file {
	f := &file{name: name, content: data}
	f.nb, f.id, f.broken = nbfile.Parse(name, data)
	return f
}

func brokenError(f *file) error {
	return notebooks.Errorf(notebooks.EBrokenFile, "%s does not parse: %v; fix the object by hand (lakebook will not overwrite it)", key(f.name), f.broken)
}

// List returns every notebook under the prefix, sorted by name.
func (s *Store) List(ctx context.Context) ([]notebooks.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.scanLocked(ctx); err != nil {
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
	f, err := s.lookupLocked(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.broken != nil {
		return nil, brokenError(f)
	}
	return f.nb.Clone(), nil
}

// lookupLocked finds id, relisting once so an object added by another writer is found.
func (s *Store) lookupLocked(ctx context.Context, id string) (*file, error) {
	if f := s.files[id]; f != nil {
		return f, nil
	}
	if err := s.scanLocked(ctx); err != nil {
		return nil, err
	}
	if f := s.files[id]; f != nil {
		return f, nil
	}
	return nil, notebooks.Errorf(notebooks.ENotFound, "no notebook with id %q", id)
}

// Create makes a new, empty notebook. It fails with EConflict if the name is taken.
func (s *Store) Create(ctx context.Context, name string) (*notebooks.Notebook, error) {
	nb := &notebooks.Notebook{ID: notebooks.NewID(), Name: name, Paragraphs: []*notebooks.Paragraph{}}
	return nb, s.Import(ctx, nb)
}

// Import saves nb as a new object under nb.Name, giving it a new id if it has none or one in use.
func (s *Store) Import(ctx context.Context, nb *notebooks.Notebook) error {
	if err := notebooks.ValidateName(nb.Name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.scanLocked(ctx); err != nil {
		return err
	}
	if err := s.checkFreeLocked(ctx, nb.Name); err != nil {
		return err
	}
	if _, used := s.files[nb.ID]; used || nb.ID == "" {
		nb.ID = notebooks.NewID()
	}
	data, err := notebooks.Encode(nb)
	if err != nil {
		return err
	}
	if err := s.write(ctx, nb.Name, data, "", true); err != nil {
		return err
	}
	s.files[nb.ID] = &file{id: nb.ID, name: nb.Name, content: data, nb: nb.Clone()}
	return nil
}

// checkFreeLocked fails with EConflict if an object is named name, notebook or not: a broken or
// just-created object must not be replaced.
func (s *Store) checkFreeLocked(ctx context.Context, name string) error {
	ok, err := s.bucket.Exists(ctx, key(name))
	if err != nil {
		return fmt.Errorf("blobstore: stat %s: %w", key(name), err)
	}
	if ok {
		return notebooks.Errorf(notebooks.EConflict, "a notebook named %q already exists", name)
	}
	return nil
}

// Save writes nb over its object. It refuses (EBrokenFile, EConflict) to overwrite an object that
// does not parse or that changed since the store last read or wrote it.
func (s *Store) Save(ctx context.Context, nb *notebooks.Notebook) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(ctx, nb.ID)
	if err != nil {
		return err
	}
	etag, err := s.checkUnchangedLocked(ctx, f)
	if err != nil {
		return err
	}
	nb = nb.Clone()
	nb.Name = f.name
	data, err := notebooks.Encode(nb)
	if err != nil {
		return err
	}
	if err := s.write(ctx, f.name, data, etag, false); err != nil {
		if notebooks.ErrorCode(err) == notebooks.EConflict {
			delete(s.files, f.id)
		}
		return err
	}
	f.content, f.nb, f.broken, f.etag = data, nb, nil, ""
	return nil
}

// checkUnchangedLocked reads f's object and returns its ETag if it still holds what the store
// last saw. A changed object is dropped from the cache so the next Get reads it.
func (s *Store) checkUnchangedLocked(ctx context.Context, f *file) (string, error) {
	if f.broken != nil {
		return "", brokenError(f)
	}
	data, etag, err := s.read(ctx, f.name)
	if errors.Is(err, errNotExist) {
		delete(s.files, f.id)
		return "", notebooks.Errorf(notebooks.ENotFound, "%s was removed from the bucket", key(f.name))
	}
	if err != nil {
		return "", err
	}
	if !bytes.Equal(data, f.content) {
		// Someone else wrote the object while lakebook had it open: theirs wins, ours is refused
		// loudly, and the caller reloads.
		delete(s.files, f.id)
		return "", notebooks.Errorf(notebooks.EConflict, "%s changed in the bucket since lakebook read it; reload the notebook", key(f.name))
	}
	return etag, nil
}

// Rename gives the notebook a new name (and key). It fails with EConflict if the name is taken.
// S3 has no rename: the content is written under the new key, refusing to replace an object
// there (rather than a server-side copy, which cannot refuse), then the old key is deleted.
func (s *Store) Rename(ctx context.Context, id, name string) error {
	if err := notebooks.ValidateName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(ctx, id)
	if err != nil {
		return err
	}
	if f.name == name {
		return nil
	}
	if err := s.checkFreeLocked(ctx, name); err != nil {
		return err
	}
	// A broken object moves as it is; a good one must not have changed since it was read.
	if f.broken == nil {
		if _, err := s.checkUnchangedLocked(ctx, f); err != nil {
			return err
		}
	}
	if err := s.write(ctx, name, f.content, "", true); err != nil {
		return err
	}
	if err := s.bucket.Delete(ctx, key(f.name)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blobstore: rename: delete %s: %w", key(f.name), err)
	}
	f.name, f.etag = name, ""
	if f.nb != nil {
		f.nb.Name = name
	}
	return nil
}

// Delete removes the notebook's object.
func (s *Store) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(ctx, id)
	if err != nil {
		return err
	}
	if err := s.bucket.Delete(ctx, key(f.name)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blobstore: delete %s: %w", key(f.name), err)
	}
	delete(s.files, id)
	return nil
}
