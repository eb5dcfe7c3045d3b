package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// DefaultTail is how many bytes at the end of an object ObjectReader fetches
// in one request the first time a read falls into that region: a Parquet
// footer (8-byte trailer + metadata) is then usually a single ranged GET.
const DefaultTail = 16 << 10

// ObjectReader reads one object with ranged requests. It implements
// io.ReaderAt, io.ReadSeeker and Size, which is what Parquet readers need
// (parquet.ReaderAtSeeker). Every ReadAt outside the cached tail is one ranged
// GET; bytes received are counted in the Store's Stats and in BytesRead.
type ObjectReader struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64
	pos  int64 // for Read/Seek

	mu        sync.Mutex
	tail      []byte // last len(tail) bytes of the object, once fetched
	tailSize  int64  // how much tail to fetch; 0 disables the cache
	bytesRead int64
	requests  int64
}

// ReaderAt returns a reader for key doing ranged reads. size must be the
// object's size (from List); it is used for Seek(0, io.SeekEnd) and bounds.
func (s *Store) ReaderAt(ctx context.Context, key string, size int64) *ObjectReader {
	return &ObjectReader{s: s, ctx: ctx, key: key, size: size, tailSize: DefaultTail}
}

// SetTail changes the size of the tail prefetch (0 disables it).
func (r *ObjectReader) SetTail(n int64) { r.tailSize = n }

// Size returns the object size given to ReaderAt.
func (r *ObjectReader) Size() int64 { return r.size }

// BytesRead returns the bytes this reader received.
func (r *ObjectReader) BytesRead() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytesRead
}

// Requests returns the number of ranged GETs this reader issued.
func (r *ObjectReader) Requests() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

func (r *ObjectReader) fetch(off int64, p []byte) (int, error) {
	rr, err := r.s.bucket.NewRangeReader(r.ctx, r.key, off, int64(len(p)), nil)
	if err != nil {
		return 0, wrap("read", r.s.where(r.key), err)
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p)
	r.mu.Lock()
	r.bytesRead += int64(n)
	r.requests++
	r.mu.Unlock()
	r.s.rangeRequests.Add(1)
	r.s.rangeBytes.Add(int64(n))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return n, fmt.Errorf("objstore: read %s: short read at %d: got %d of %d bytes (object changed?): %w",
				r.s.where(r.key), off, n, len(p), io.ErrUnexpectedEOF)
		}
		return n, wrap("read", r.s.where(r.key), err)
	}
	return n, nil
}

// ReadAt implements io.ReaderAt.
func (r *ObjectReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("objstore: read %s: negative offset %d", r.s.where(r.key), off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p
	var eof bool
	if off+int64(len(p)) > r.size {
		want = p[:r.size-off]
		eof = true
	}
	if len(want) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if tailStart := r.size - min(r.tailSize, r.size); r.tailSize > 0 && off >= tailStart {
		r.mu.Lock()
		tail := r.tail
		r.mu.Unlock()
		if tail == nil {
			buf := make([]byte, r.size-tailStart)
			if _, err := r.fetch(tailStart, buf); err != nil {
				return 0, err
			}
			r.mu.Lock()
			r.tail = buf
			r.mu.Unlock()
			tail = buf
		}
		n = copy(want, tail[off-tailStart:])
	} else {
		n, err = r.fetch(off, want)
	}
	if err == nil && eof {
		err = io.EOF
	}
	return n, err
}

// Read implements io.Reader (sequential ranged reads from the Seek position).
func (r *ObjectReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	return n, err
}

// Seek implements io.Seeker.
func (r *ObjectReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, fmt.Errorf("objstore: seek %s: bad whence %d", r.s.where(r.key), whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("objstore: seek %s: negative position %d", r.s.where(r.key), abs)
	}
	r.pos = abs
	return abs, nil
}

// ReadRange reads up to n bytes at off in one ranged GET (n<0: to the end).
func (s *Store) ReadRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	return s.readRange(ctx, key, off, n, "")
}

// ReadRangeIf reads exactly n bytes at off in one ranged GET of the version of key whose ETag is
// etag. On S3 the request carries If-Match, so a changed object fails with ErrChanged instead of
// mixing bytes of two versions in one copy; fewer bytes than n fail with ErrSizeMismatch.
func (s *Store) ReadRangeIf(ctx context.Context, key string, off, n int64, etag string) ([]byte, error) {
	b, err := s.readRange(ctx, key, off, n, etag)
	if err != nil {
		return nil, err
	}
	// A body cut short by the network is an error of the read (io.ErrUnexpectedEOF from the
	// HTTP client); one that ends early without error is an object shorter than listed.
	if int64(len(b)) != n {
		return nil, fmt.Errorf("objstore: read %s: got %d bytes at %d, want %d: %w", s.where(key), len(b), off, n, ErrSizeMismatch)
	}
	return b, nil
}

// readRange is one ranged GET of up to n bytes at off (n<0: to the end), of the version whose
// ETag is etag when etag is set (S3 only); on a failed read it returns what it got.
func (s *Store) readRange(ctx context.Context, key string, off, n int64, etag string) ([]byte, error) {
	where := s.where(key)
	var opts *blob.ReaderOptions
	if s.scheme == "s3" && etag != "" {
		opts = &blob.ReaderOptions{BeforeRead: func(as func(any) bool) error {
			var in *s3.GetObjectInput
			if as(&in) {
				in.IfMatch = aws.String(`"` + etag + `"`)
			}
			return nil
		}}
	}
	rr, err := s.bucket.NewRangeReader(ctx, key, off, n, opts)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return nil, fmt.Errorf("objstore: read %s: %w: its etag is no longer %s", where, ErrChanged, etag)
		}
		return nil, wrap("read", where, err)
	}
	defer rr.Close()
	var buf bytes.Buffer
	if n > 0 {
		buf.Grow(int(n))
	}
	got, err := io.Copy(&buf, rr)
	s.rangeRequests.Add(1)
	s.rangeBytes.Add(got)
	if err != nil {
		return buf.Bytes(), wrap("read", where, err)
	}
	return buf.Bytes(), nil
}

// ErrSizeMismatch is returned (wrapped) by Download when the received bytes
// do not match the expected size: the object changed or the transfer was torn.
var ErrSizeMismatch = errors.New("size mismatch")

// ErrChanged is returned (wrapped) when an object's ETag is not the one its caller listed.
var ErrChanged = errors.New("object changed since it was listed")

// Download fetches key into the file dst. It writes a temporary file in dst's
// directory and renames it into place only when the byte count equals
// wantSize, so a torn or stale download never becomes dst. If wantETag is not
// empty, the object's current ETag (from Attributes) must match it too; for
// file:// stores the ETag is compared only when the backend reports one.
// Parent directories of dst are created.
func (s *Store) Download(ctx context.Context, key, dst string, wantSize int64, wantETag string) (err error) {
	where := s.where(key)
	if wantETag != "" {
		a, err := s.bucket.Attributes(ctx, key)
		if err != nil {
			return wrap("download", where, err)
		}
		if got := etagOfAttrs(a); got != "" && s.scheme == "s3" && got != wantETag {
			return fmt.Errorf("objstore: download %s: %w: etag is %s, want %s", where, ErrChanged, got, wantETag)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("objstore: download %s: %w", where, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return fmt.Errorf("objstore: download %s: %w", where, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	rr, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return wrap("download", where, err)
	}
	n, err := io.Copy(tmp, rr)
	rr.Close()
	s.downloadedBytes.Add(n)
	if err != nil {
		return wrap("download", where, err)
	}
	if n != wantSize {
		return fmt.Errorf("objstore: download %s: got %d bytes, want %d: %w", where, n, wantSize, ErrSizeMismatch)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("objstore: download %s: %w", where, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("objstore: download %s: %w", where, err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("objstore: download %s: %w", where, err)
	}
	s.downloads.Add(1)
	return nil
}

func etagOfAttrs(a *blob.Attributes) string {
	if a.ETag == "" {
		return ""
	}
	return trimQuotes(a.ETag)
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
