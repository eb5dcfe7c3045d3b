package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/storetest"
)

var _ storetest.Store = (*Store)(nil)

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "notebooks"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSuite runs the shared store behaviour against a folder; the second open of a test reopens
// the same folder, as a restart would.
func TestSuite(t *testing.T) {
	var mu sync.Mutex
	dirs := map[testing.TB]string{}
	storetest.Run(t, func(t testing.TB) storetest.Store {
		mu.Lock()
		dir, ok := dirs[t]
		if !ok {
			dir = filepath.Join(t.TempDir(), "notebooks")
			dirs[t] = dir
		}
		mu.Unlock()
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestNamesNeverLeaveTheFolder(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	ok, _ := s.Create(ctx, "ok")
	for _, name := range []string{"../escape", "a/../../b", "..", "/etc/passwd", "a\\b", ".trash/x"} {
		s.Create(ctx, name)
		s.Rename(ctx, ok.ID, name)
	}
	if entries, _ := os.ReadDir(filepath.Dir(s.Dir())); len(entries) != 1 {
		t.Errorf("files outside the notebook folder: %v", entries)
	}
	if entries, _ := os.ReadDir(s.Dir()); len(entries) != 1 || entries[0].Name() != "ok.nb.md" {
		t.Errorf("files in the notebook folder: %v", entries)
	}
}

func TestBrokenFileIsNeverOverwritten(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	nb, _ := s.Create(ctx, "hand")
	path := filepath.Join(s.Dir(), "hand.nb.md")
	broken := "<!-- lakebook {\"id\":\"" + nb.ID + "\"} -->\n\n<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n"
	os.WriteFile(path, []byte(broken), 0o644)

	list, _ := s.List(ctx)
	if len(list) != 1 || !strings.Contains(list[0].Error, "line 4") {
		t.Fatalf("List = %+v, want the broken file with its line", list)
	}
	if _, err := s.Get(ctx, list[0].ID); notebooks.ErrorCode(err) != notebooks.EBrokenFile || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("Get = %v", err)
	}
	if err := s.Save(ctx, nb); err == nil {
		t.Error("Save over a broken file succeeded")
	}
	if data, _ := os.ReadFile(path); string(data) != broken {
		t.Errorf("broken file was changed:\n%s", data)
	}
}

func TestFileChangedOnDiskIsNotOverwritten(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	nb, _ := s.Create(ctx, "shared")
	path := filepath.Join(s.Dir(), "shared.nb.md")
	theirs := "<!-- lakebook {\"id\":\"" + nb.ID + "\"} -->\n\n<!-- paragraph {\"id\":\"theirs\"} -->\nhand written\n"
	os.WriteFile(path, []byte(theirs), 0o644)
	nb.Paragraphs = append(nb.Paragraphs, &notebooks.Paragraph{ID: "mine", Lang: notebooks.Markdown, Text: "x"})
	if err := s.Save(ctx, nb); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Fatalf("Save = %v, want conflict", err)
	}
	if data, _ := os.ReadFile(path); string(data) != theirs {
		t.Errorf("hand edit lost:\n%s", data)
	}
	got, err := s.Get(ctx, nb.ID)
	if err != nil || got.Paragraphs[0].ID != "theirs" {
		t.Errorf("Get after reload = %+v, %v", got, err)
	}
}

func TestHandMadeFiles(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	nb, _ := s.Create(ctx, "orig")
	data, _ := os.ReadFile(filepath.Join(s.Dir(), "orig.nb.md"))
	os.WriteFile(filepath.Join(s.Dir(), "copy.nb.md"), data, 0o644)
	os.WriteFile(filepath.Join(s.Dir(), "noheader.nb.md"), []byte("<!-- paragraph {\"id\":\"a\"} -->\nhi\n"), 0o644)
	os.WriteFile(filepath.Join(s.Dir(), ".x.nb.md.tmp-123"), []byte("junk"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(s.Dir(), "link.nb.md"))
	list, _ := s.List(ctx)
	ids := map[string]bool{}
	for _, e := range list {
		ids[e.ID] = true
		if e.Name == "link" {
			t.Error("symlink listed")
		}
	}
	if len(list) != 3 || len(ids) != 3 || !ids[nb.ID] {
		t.Errorf("List = %+v, want 3 notebooks with distinct ids", list)
	}
	s2, _ := Open(s.Dir())
	list2, _ := s2.List(ctx)
	for i := range list {
		if list[i] != list2[i] {
			t.Errorf("ids not stable across restarts: %+v vs %+v", list[i], list2[i])
		}
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), ".x.nb.md.tmp-123")); err == nil {
		t.Error("stale temp file left behind")
	}
}

// TestFolders checks the on-disk layout of names with folders: sub-folders that go when their
// last notebook does, a symlinked folder never written through, and the trash kept out of sight.
func TestFolders(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	nb, err := s.Create(ctx, "team/sales/q3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "team", "sales", "q3.nb.md")); err != nil {
		t.Fatalf("file not in sub-folders: %v", err)
	}
	if err := s.Rename(ctx, nb.ID, "q3"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "team")); !os.IsNotExist(err) {
		t.Errorf("emptied folder left behind: %v", err)
	}

	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(s.Dir(), "linked"))
	if _, err := s.Create(ctx, "linked/x"); notebooks.ErrorCode(err) != notebooks.EInvalid {
		t.Errorf("Create through a symlinked folder = %v, want invalid", err)
	}
	if err := s.Rename(ctx, nb.ID, "linked/x"); notebooks.ErrorCode(err) != notebooks.EInvalid {
		t.Errorf("Rename through a symlinked folder = %v, want invalid", err)
	}
	os.WriteFile(filepath.Join(outside, "planted.nb.md"), []byte("<!-- paragraph {\"id\":\"a\"} -->\nhi\n"), 0o644)
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files written outside the folder: %v", entries)
	}

	if _, err := s.MoveToTrash(ctx, nb.ID); err != nil {
		t.Fatal(err)
	}
	list, _ := s.List(ctx)
	if len(list) != 0 {
		t.Errorf("List = %+v: a symlinked folder or the trash was listed", list)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Dir(), ".trash")); len(entries) != 2 {
		t.Errorf(".trash holds %v, want a file and its record", entries)
	}
}

// TestBrokenFileTrashAndRestore: a file that does not parse goes to the trash and comes back
// byte for byte, still listed with its error.
func TestBrokenFileTrashAndRestore(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	os.MkdirAll(filepath.Join(s.Dir(), "team"), 0o755)
	path := filepath.Join(s.Dir(), "team", "hand.nb.md")
	broken := "<!-- paragraph {\"id\":\"a\"} -->\n```sql\nselect 1\n"
	os.WriteFile(path, []byte(broken), 0o644)
	list, _ := s.List(ctx)
	if len(list) != 1 || list[0].Error == "" {
		t.Fatalf("List = %+v", list)
	}
	e, err := s.MoveToTrash(ctx, list[0].ID)
	if err != nil || e.Error == "" || e.Name != "team/hand" {
		t.Fatalf("MoveToTrash = %+v, %v", e, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the broken file is still there: %v", err)
	}
	sum, err := s.RestoreFromTrash(ctx, e.ID)
	if err != nil || sum.ID != list[0].ID || sum.Error == "" {
		t.Fatalf("RestoreFromTrash = %+v, %v", sum, err)
	}
	if data, _ := os.ReadFile(path); string(data) != broken {
		t.Errorf("restored file =\n%s", data)
	}
}

// BenchmarkListTrash lists a trash of 500 entries, as the notebook list page does on every load.
func BenchmarkListTrash(b *testing.B) {
	ctx := context.Background()
	s := openStore(b)
	for i := range 500 {
		nb, err := s.Create(ctx, fmt.Sprintf("old/n%03d", i))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.MoveToTrash(ctx, nb.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if entries, err := s.ListTrash(ctx); err != nil || len(entries) != 500 {
			b.Fatalf("ListTrash = %d entries, %v", len(entries), err)
		}
	}
}
