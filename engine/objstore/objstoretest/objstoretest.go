// Package objstoretest runs a test against every object storage backend: a file:// folder and
// an s3:// bucket on a real versitygw process. It is a test helper; only tests import it.
package objstoretest

import (
	"context"
	"testing"

	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/store/s3test"
)

// ForEachBackend runs fn as a subtest per backend. On s3, the store is rooted at prefix in the
// bucket ("" for the bucket's root).
func ForEachBackend(t *testing.T, prefix string, fn func(t *testing.T, s *objstore.Store)) {
	t.Run("file", func(t *testing.T) {
		s, err := objstore.Open(context.Background(), "file://"+t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("s3", func(t *testing.T) {
		srv := s3test.StartServer(t)
		t.Logf("versitygw ready in %s", srv.Startup)
		s, err := objstore.Open(context.Background(), srv.URL(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}
