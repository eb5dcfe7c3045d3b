package blobstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/s3test"
	"github.com/lakebook/lakebook/store/storetest"
)

var _ storetest.Store = (*Store)(nil)

// backends returns, for each kind of bucket, a function giving a fresh URL per call.
func backends(t *testing.T) map[string]func(t testing.TB) string {
	var (
		once sync.Once
		srv  *s3test.Server
		mu   sync.Mutex
		n    int
	)
	return map[string]func(t testing.TB) string{
		"file": func(t testing.TB) string { return "file://" + t.TempDir() },
		// One versitygw for the whole test; each caller gets its own prefix, which also checks
		// that stores under different prefixes of one bucket do not see each other.
		"s3": func(tb testing.TB) string {
			once.Do(func() { srv = s3test.StartServer(t) })
			if srv == nil {
				tb.Skip("no S3 server")
			}
			mu.Lock()
			defer mu.Unlock()
			n++
			return srv.URL(fmt.Sprintf("team %d/notebooks", n))
		},
	}
}

func openURL(t testing.TB, u string) *Store {
	t.Helper()
	s, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSuite(t *testing.T) {
	for name, newURL := range backends(t) {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			urls := map[testing.TB]string{}
			storetest.Run(t, func(t testing.TB) storetest.Store {
				mu.Lock()
				u, ok := urls[t]
				mu.Unlock()
				if !ok {
					u = newURL(t)
					mu.Lock()
					urls[t] = u
					mu.Unlock()
				}
				return openURL(t, u)
			})
		})
	}
}

// TestOtherWriters checks what happens when another program writes the objects: a broken object
// is listed and never overwritten, and a changed one is never overwritten by a stale save.
func TestOtherWriters(t *testing.T) {
	ctx := context.Background()
	for name, newURL := range backends(t) {
		t.Run(name, func(t *testing.T) {
			u := newURL(t)
			s, other := openURL(t, u), openURL(t, u)

			nb, err := s.Create(ctx, "hand")
			if err != nil {
				t.Fatal(err)
			}
			broken := "<!-- lakebook {\"id\":\"" + nb.ID + "\"} -->\n\n<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n"
			put(t, other, "hand", broken)
			list, _ := s.List(ctx)
			if len(list) != 1 || !strings.Contains(list[0].Error, "line 4") {
				t.Fatalf("List = %+v, want the broken object with its line", list)
			}
			if _, err := s.Get(ctx, list[0].ID); notebooks.ErrorCode(err) != notebooks.EBrokenFile {
				t.Errorf("Get = %v, want broken_file", err)
			}
			// The broken object has lost its id, so the save finds no notebook to write over.
			if err := s.Save(ctx, nb); err == nil {
				t.Error("Save over a broken object succeeded")
			}
			if got := get(t, other, "hand"); got != broken {
				t.Errorf("broken object was changed:\n%s", got)
			}

			nb2, err := s.Create(ctx, "shared")
			if err != nil {
				t.Fatal(err)
			}
			theirs := "<!-- lakebook {\"id\":\"" + nb2.ID + "\"} -->\n\n<!-- paragraph {\"id\":\"theirs\"} -->\nwritten elsewhere\n"
			put(t, other, "shared", theirs)
			nb2.Paragraphs = append(nb2.Paragraphs, &notebooks.Paragraph{ID: "mine", Lang: notebooks.Markdown, Text: "x"})
			if err := s.Save(ctx, nb2); notebooks.ErrorCode(err) != notebooks.EConflict {
				t.Fatalf("Save = %v, want conflict", err)
			}
			if got := get(t, other, "shared"); got != theirs {
				t.Errorf("the other write was lost:\n%s", got)
			}
			if got, err := s.Get(ctx, nb2.ID); err != nil || got.Paragraphs[0].ID != "theirs" {
				t.Errorf("Get after reload = %+v, %v", got, err)
			}
		})
	}
}

// TestConditionalWrite reports whether the S3 server refuses a write whose If-Match is stale,
// which is what closes the race window between Save's compare and its write.
func TestConditionalWrite(t *testing.T) {
	ctx := context.Background()
	s := openURL(t, backends(t)["s3"](t))
	put(t, s, "x", "one")
	err := s.write(ctx, "x", []byte("two"), `"0123456789abcdef0123456789abcdef"`, false)
	if notebooks.ErrorCode(err) == notebooks.EConflict {
		t.Log("the server honours If-Match: saves are compare-and-swap")
	} else if err != nil {
		t.Fatalf("write: %v", err)
	} else {
		t.Log("the server ignores If-Match: saves keep a compare-then-write window")
	}
	if err := s.write(ctx, "x", []byte("three"), "", true); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Errorf("create over an existing object = %v, want conflict (If-None-Match)", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	for _, u := range []string{"", "relative/dir", "file://host/x", "s3:///prefix", "gs://b", "http://x"} {
		if _, err := Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func put(t testing.TB, s *Store, name, content string) {
	t.Helper()
	if err := s.bucket.WriteAll(context.Background(), key(name), []byte(content), nil); err != nil {
		t.Fatal(err)
	}
}

func get(t testing.TB, s *Store, name string) string {
	t.Helper()
	data, err := s.bucket.ReadAll(context.Background(), key(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
