// Package objstore is lakebook's view of object storage: one code path,
// through gocloud.dev/blob, for local directories (file://) and S3-compatible
// servers (s3://). It lists objects with a change token (ETag), serves ranged
// reads (so a Parquet footer can be read without fetching the file) and
// downloads objects atomically into a local cache.
//
// URLs:
//
//	file:///abs/dir
//	s3://bucket/optional/prefix?endpoint=http://127.0.0.1:9000&use_path_style=true&region=us-east-1
//
// For s3 the credentials come from the usual AWS environment variables
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE …).
// The path of an s3 URL is a key prefix: the Store sees keys relative to it.
package objstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
	"gocloud.dev/gcerrors"
)

// ErrNotFound is returned (wrapped) when a key does not exist.
var ErrNotFound = errors.New("object not found")

// ErrStorage is returned (wrapped) when the store failed rather than the request: it cannot be
// reached, denies access, or dropped a connection. Callers tell bad input from a failing store
// with it.
var ErrStorage = errors.New("storage error")

// storeError is a failed store operation: its message is short (the operation, the object and
// the server's own words), and it unwraps to ErrStorage or ErrNotFound and to the driver's error.
type storeError struct {
	msg  string
	kind error
	err  error
}

func (e *storeError) Error() string   { return e.msg }
func (e *storeError) Unwrap() []error { return []error{e.kind, e.err} }

// Object is one listed object.
type Object struct {
	Key     string    // relative to the Store's root (URL path / prefix)
	Size    int64     // bytes
	ETag    string    // change token; see Store.List for how it is derived
	ModTime time.Time // last modification as reported by the backend
}

// Stats counts the traffic a Store did since Open (or ResetStats).
type Stats struct {
	RangeRequests   int64 // ranged GETs issued by ReaderAt
	RangeBytesRead  int64 // bytes received by ReaderAt
	Downloads       int64 // completed Download calls
	DownloadedBytes int64 // bytes received by Download (including rejected ones)
	ListCalls       int64 // List calls
}

// Store is an opened bucket (with an optional key prefix).
type Store struct {
	url    string // redacted, for messages
	scheme string
	bucket *blob.Bucket

	rangeRequests, rangeBytes, downloads, downloadedBytes, listCalls atomic.Int64
}

// Open opens a store from a URL (see the package comment).
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("objstore: bad url %q: %w", rawURL, err)
	}
	s := &Store{scheme: u.Scheme}
	var prefix string
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("objstore: bad url %q: file URLs need an absolute path, as file:///abs/dir (got host %q)", rawURL, u.Host)
		}
		if u.Path == "" || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("objstore: bad url %q: file URLs need an absolute path, as file:///abs/dir", rawURL)
		}
		fi, err := os.Stat(u.Path)
		if err != nil {
			return nil, fmt.Errorf("objstore: open %s: %w", rawURL, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("objstore: open %s: not a directory", rawURL)
		}
		// Never write .attrs sidecar files into users' data directories.
		q := u.Query()
		if q.Get("metadata") == "" {
			q.Set("metadata", "skip")
		}
		u.RawQuery = q.Encode()
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("objstore: bad url %q: missing bucket, as s3://bucket/prefix?region=…", rawURL)
		}
		prefix = strings.Trim(u.Path, "/")
		u.Path, u.RawPath = "", ""
	case "":
		return nil, fmt.Errorf("objstore: bad url %q: missing scheme; use file:///abs/dir or s3://bucket/prefix", rawURL)
	default:
		return nil, fmt.Errorf("objstore: bad url %q: unsupported scheme %q; use file:// or s3://", rawURL, u.Scheme)
	}
	s.url = redact(rawURL)
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("objstore: open %s: %w", s.url, err)
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	s.bucket = b
	return s, nil
}

// redact drops the query string's secrets, if any, from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "secret") || strings.Contains(lk, "token") || strings.Contains(lk, "password") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	if u.RawQuery == "" {
		return u.Scheme + "://" + u.Host + u.Path
	}
	return u.String()
}

// URL returns the store's URL (secrets redacted).
func (s *Store) URL() string { return s.url }

// Close releases the bucket.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("objstore: close %s: %w", s.url, err)
	}
	return nil
}

// Stats returns the traffic counters.
func (s *Store) Stats() Stats {
	return Stats{
		RangeRequests:   s.rangeRequests.Load(),
		RangeBytesRead:  s.rangeBytes.Load(),
		Downloads:       s.downloads.Load(),
		DownloadedBytes: s.downloadedBytes.Load(),
		ListCalls:       s.listCalls.Load(),
	}
}

// ResetStats zeroes the traffic counters.
func (s *Store) ResetStats() {
	s.rangeRequests.Store(0)
	s.rangeBytes.Store(0)
	s.downloads.Store(0)
	s.downloadedBytes.Store(0)
	s.listCalls.Store(0)
}

func (s *Store) where(key string) string {
	base := s.url
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	if key == "" {
		return base
	}
	return strings.TrimSuffix(base, "/") + "/" + key
}

func wrap(op, where string, err error) error {
	kind, msg := ErrStorage, cause(err)
	if gcerrors.Code(err) == gcerrors.NotFound {
		kind, msg = ErrNotFound, "not found ("+msg+")"
	}
	return &storeError{msg: fmt.Sprintf("objstore: %s %s: %s", op, where, msg), kind: kind, err: err}
}

// cause is what a person needs of a driver error: the S3 error code and message, or the
// network failure, without the SDK's request ids and wrapping.
func cause(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "get credentials") || strings.Contains(msg, "no EC2 IMDS role") {
		return "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the server"
	}
	if i := strings.Index(msg, "(code="); i >= 0 {
		if j := strings.Index(msg[i:], "): "); j >= 0 {
			msg = msg[i+j+3:]
		}
	}
	if strings.HasPrefix(msg, "operation error ") {
		if k := strings.Index(msg, "HostID: "); k >= 0 {
			if c := strings.Index(msg[k:], ", "); c >= 0 {
				msg = msg[k+c+2:]
			}
		}
		msg = strings.TrimPrefix(msg, "api error ")
	}
	return msg
}

// List lists every object under prefix, recursively, sorted by key.
// prefix "" lists the whole store; a prefix naming a folder should end in "/".
//
// ETag: for s3 it is the S3 ETag (quotes stripped) taken from the driver's
// types.Object. For file:// there is no stored hash we can trust (fileblob only
// knows an MD5 for files it wrote itself, in a sidecar that goes stale when a
// file is replaced by other means), so the ETag is "fs-" + a hash of size,
// modification time (ns) and, where the OS exposes them, inode and ctime:
// any rewrite of a file changes it.
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	s.listCalls.Add(1)
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	var out []Object
	for {
		o, err := it.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, wrap("list", s.where(prefix), err)
		}
		if o.IsDir {
			continue
		}
		out = append(out, Object{Key: o.Key, Size: o.Size, ModTime: o.ModTime, ETag: etagOf(o)})
	}
	return out, nil
}

func etagOf(o *blob.ListObject) string {
	var so types.Object
	if o.As(&so) && so.ETag != nil {
		return strings.Trim(*so.ETag, `"`)
	}
	var fi os.FileInfo
	if o.As(&fi) {
		return fileETag(fi)
	}
	if len(o.MD5) > 0 {
		return hex.EncodeToString(o.MD5)
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%d/%d", o.Size, o.ModTime.UnixNano()))
	return "fs-" + hex.EncodeToString(h[:8])
}

// Exists reports whether key exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, wrap("stat", s.where(key), err)
	}
	return ok, nil
}

// Put writes data to key (tests, and results written back).
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := s.bucket.WriteAll(ctx, key, data, nil); err != nil {
		return wrap("put", s.where(key), err)
	}
	return nil
}

// Upload writes the local file path to key, streaming it (multipart on S3), so a result
// written back never has to fit in memory. A failed upload leaves no object.
func (s *Store) Upload(ctx context.Context, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("objstore: upload %s: %w", s.where(key), err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(ctx, key, nil)
	if err != nil {
		return wrap("upload", s.where(key), err)
	}
	if _, err := io.Copy(w, f); err != nil {
		// Cancelling before Close makes the driver abort the upload instead of committing it.
		cancel()
		w.Close()
		return wrap("upload", s.where(key), err)
	}
	if err := w.Close(); err != nil {
		return wrap("upload", s.where(key), err)
	}
	return nil
}

// Delete removes key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.bucket.Delete(ctx, key); err != nil {
		return wrap("delete", s.where(key), err)
	}
	return nil
}

// Location returns a human-readable location for key (or a prefix): the
// store URL without its query, joined with key.
func (s *Store) Location(key string) string { return s.where(key) }
