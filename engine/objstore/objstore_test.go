package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/objstore/objstoretest"
	"github.com/lakebook/lakebook/store/s3test"
)

func forEachBackend(t *testing.T, fn func(t *testing.T, s *objstore.Store)) {
	objstoretest.ForEachBackend(t, "", fn)
}

func put(t *testing.T, s *objstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, data); err != nil {
		t.Fatal(err)
	}
}

func TestStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		ctx := context.Background()
		big := bytes.Repeat([]byte("0123456789"), 10_000) // 100 kB
		put(t, s, "a/b/one.bin", big)
		put(t, s, "a/two.txt", []byte("two"))
		put(t, s, "c.txt", []byte("c"))

		t.Run("list", func(t *testing.T) {
			objs, err := s.List(ctx, "a/")
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 2 || objs[0].Key != "a/b/one.bin" || objs[1].Key != "a/two.txt" {
				t.Fatalf("list a/: %+v", objs)
			}
			if objs[0].Size != int64(len(big)) || objs[0].ETag == "" || objs[0].ModTime.IsZero() {
				t.Fatalf("object: %+v", objs[0])
			}
			all, err := s.List(ctx, "")
			if err != nil || len(all) != 3 {
				t.Fatalf("list all: %v %+v", err, all)
			}
			// rewriting changes the ETag
			before := objs[1].ETag
			put(t, s, "a/two.txt", []byte("TWO"))
			objs, _ = s.List(ctx, "a/")
			if objs[1].ETag == before {
				t.Fatalf("etag unchanged after rewrite: %s", before)
			}
		})

		t.Run("ranged reads", func(t *testing.T) {
			s.ResetStats()
			r := s.ReaderAt(ctx, "a/b/one.bin", int64(len(big)))
			buf := make([]byte, 10)
			if n, err := r.ReadAt(buf, 5003); err != nil || n != 10 || string(buf) != "3456789012" {
				t.Fatalf("ReadAt: %d %v %q", n, err, buf)
			}
			if got := r.BytesRead(); got != 10 {
				t.Fatalf("bytes read %d, want 10", got)
			}
			// the footer region: one request for the tail, then served from it
			tail := make([]byte, 8)
			for i := 0; i < 3; i++ {
				if _, err := r.ReadAt(tail, int64(len(big))-8); err != nil {
					t.Fatal(err)
				}
			}
			st := s.Stats()
			if st.RangeRequests != 2 || st.RangeBytesRead != 10+objstore.DefaultTail {
				t.Fatalf("stats %+v, want 2 requests, %d bytes", st, 10+objstore.DefaultTail)
			}
			// reads past the end
			n, err := r.ReadAt(make([]byte, 20), int64(len(big))-5)
			if n != 5 || err == nil {
				t.Fatalf("read past end: %d %v", n, err)
			}
			if _, err := s.ReaderAt(ctx, "nope", 10).ReadAt(buf, 0); !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("missing key: %v", err)
			}
		})

		t.Run("download", func(t *testing.T) {
			objs, _ := s.List(ctx, "a/b/")
			o := objs[0]
			dir := t.TempDir()
			dst := filepath.Join(dir, "cache", "one.bin")
			if err := s.Download(ctx, o.Key, dst, o.Size, o.ETag); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(dst); !bytes.Equal(got, big) {
				t.Fatal("downloaded content differs")
			}
			// torn / stale: size does not match → no file, no temp left
			dst2 := filepath.Join(dir, "cache", "torn.bin")
			err := s.Download(ctx, o.Key, dst2, o.Size+1, "")
			if !errors.Is(err, objstore.ErrSizeMismatch) {
				t.Fatalf("want size mismatch, got %v", err)
			}
			if !strings.Contains(err.Error(), "a/b/one.bin") {
				t.Fatalf("error does not name the key: %v", err)
			}
			if _, err := os.Stat(dst2); !os.IsNotExist(err) {
				t.Fatalf("torn download became a file: %v", err)
			}
			ents, _ := os.ReadDir(filepath.Join(dir, "cache"))
			if len(ents) != 1 {
				t.Fatalf("leftovers in cache dir: %v", ents)
			}
			if err := s.Download(ctx, "missing", dst2, 1, ""); !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("missing: %v", err)
			}
		})
	})
}

func TestS3PrefixAndETag(t *testing.T) {
	srv := s3test.StartServer(t)
	ctx := context.Background()
	root, err := objstore.Open(ctx, srv.URL(""))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	put(t, root, "lake/sales/x.txt", []byte("hello"))
	put(t, root, "other/y.txt", []byte("y"))

	s, err := objstore.Open(ctx, srv.URL("lake"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	objs, err := s.List(ctx, "")
	if err != nil || len(objs) != 1 || objs[0].Key != "sales/x.txt" {
		t.Fatalf("prefixed list: %v %+v", err, objs)
	}
	// S3 ETag of a single-part upload is the MD5
	if objs[0].ETag != "5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("etag %q", objs[0].ETag)
	}
	dst := filepath.Join(t.TempDir(), "x")
	if err := s.Download(ctx, "sales/x.txt", dst, 5, "0000"); err == nil || !strings.Contains(err.Error(), "etag") {
		t.Fatalf("stale etag accepted: %v", err)
	}
	if !strings.HasPrefix(s.Location("sales/"), "s3://"+srv.Bucket+"/lake/sales/") {
		t.Fatalf("location %q", s.Location("sales/"))
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"", "missing scheme"},
		{"/data/x", "missing scheme"},
		{"ftp://host/x", `unsupported scheme "ftp"`},
		{"file://relative/dir", "absolute path"},
		{"file:///does/not/exist", "no such file"},
		{"s3:///prefix", "missing bucket"},
		{"s3://b?bogus=1", "bogus"},
	} {
		_, err := objstore.Open(ctx, tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "objstore: ") {
			t.Errorf("Open(%q) = %v, want error containing %q", tc.url, err, tc.want)
		}
	}
}

func TestListErrorContext(t *testing.T) {
	// a bucket that does not exist on a live server
	srv := s3test.StartServer(t)
	s, err := objstore.Open(context.Background(), strings.Replace(srv.URL("pre"), srv.Bucket, "no-such-bucket", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.List(context.Background(), "x/")
	if err == nil || !strings.HasPrefix(err.Error(), "objstore: list s3://no-such-bucket/pre/x/: ") {
		t.Fatalf("error: %v", err)
	}
}
