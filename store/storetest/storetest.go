// Package storetest is the behaviour every notebook store must have, written once and run
// against each backend (store/local, store/blobstore), so the server can rely on the same
// semantics whatever holds the files.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/trash"
)

// Store is what the server needs of a notebook store: server.NotebookStore plus the importer
// server/interop.go asks for. It is repeated here because stores must not import the server.
type Store interface {
	List(ctx context.Context) ([]notebooks.Summary, error)
	Get(ctx context.Context, id string) (*notebooks.Notebook, error)
	Create(ctx context.Context, name string) (*notebooks.Notebook, error)
	Save(ctx context.Context, nb *notebooks.Notebook) error
	Rename(ctx context.Context, id, name string) error
	Delete(ctx context.Context, id string) error
	Import(ctx context.Context, nb *notebooks.Notebook) error

	// The trash (server.Trash).
	MoveToTrash(ctx context.Context, id string) (trash.Entry, error)
	ListTrash(ctx context.Context) ([]trash.Entry, error)
	RestoreFromTrash(ctx context.Context, entryID string) (notebooks.Summary, error)
	DeleteFromTrash(ctx context.Context, entryID string) error
	EmptyTrash(ctx context.Context) (int, error)
}

// Run runs the suite. open returns a store over fresh, empty storage for t; called again with
// the same t it must return a second store over the same storage, which is how the suite checks
// what survives a restart. Stores with a Close method are closed by open's caller's cleanups,
// not by the suite.
func Run(t *testing.T, open func(t testing.TB) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t testing.TB) Store)
	}{
		{"Lifecycle", testLifecycle},
		{"UnknownID", testUnknownID},
		{"NamesNeverEscape", testNamesNeverEscape},
		{"CreateConflict", testCreateConflict},
		{"ImportCollision", testImportCollision},
		{"RenameConflict", testRenameConflict},
		{"IDsStableAcrossReopen", testIDsStableAcrossReopen},
		{"ConcurrentSavesDoNotTear", testConcurrentSaves},
		{"Folders", testFolders},
		{"FolderNamesChecked", testFolderNamesChecked},
		{"Trash", testTrash},
		{"TrashRestoreNeverOverwrites", testTrashRestoreNeverOverwrites},
		{"TrashBadInput", testTrashBadInput},
		{"TrashSurvivesReopen", testTrashSurvivesReopen},
		{"TrashSeesOtherStores", testTrashSeesOtherStores},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

func mustCreate(t testing.TB, s Store, name string) *notebooks.Notebook {
	t.Helper()
	nb, err := s.Create(context.Background(), name)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return nb
}

func names(t testing.TB, s Store) []string {
	t.Helper()
	list, err := s.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Name)
	}
	return out
}

func testLifecycle(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	nb := mustCreate(t, s, "flights")
	nb.Paragraphs = append(nb.Paragraphs, &notebooks.Paragraph{ID: "p1", Lang: notebooks.SQL, Text: "select 1"})
	if err := s.Save(ctx, nb); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(ctx, nb.ID, "flights 2"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, nb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "flights 2" || len(got.Paragraphs) != 1 || got.Paragraphs[0].Text != "select 1" {
		t.Errorf("Get = %+v", got)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != nb.ID || list[0].Name != "flights 2" || list[0].Error != "" {
		t.Errorf("List = %+v, %v", list, err)
	}
	if err := s.Delete(ctx, nb.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, nb.ID); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("Get after delete: %v", err)
	}
	if n := names(t, s); len(n) != 0 {
		t.Errorf("List after delete = %v", n)
	}
}

func testUnknownID(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	mustCreate(t, s, "there")
	tests := []struct {
		op string
		fn func() error
	}{
		{"Get", func() error { _, err := s.Get(ctx, "nope"); return err }},
		{"Save", func() error { return s.Save(ctx, &notebooks.Notebook{ID: "nope", Name: "nope"}) }},
		{"Rename", func() error { return s.Rename(ctx, "nope", "other") }},
		{"Delete", func() error { return s.Delete(ctx, "nope") }},
	}
	for _, tt := range tests {
		if err := tt.fn(); notebooks.ErrorCode(err) != notebooks.ENotFound {
			t.Errorf("%s of an unknown id = %v, want not_found", tt.op, err)
		}
	}
}

func testNamesNeverEscape(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	ok := mustCreate(t, s, "ok")
	for _, name := range []string{"", "../escape", "..", ".hidden", "x\x00y", "/etc/passwd", "a\\b", "tab\tname", " padded ",
		"a/", "a//b", "a/../b", "a/./b", "team/.hidden/x", ".trash/x", "a\\b/c", "a/b\x00c"} {
		if _, err := s.Create(ctx, name); notebooks.ErrorCode(err) != notebooks.EInvalid {
			t.Errorf("Create(%q) = %v, want invalid", name, err)
		}
		if err := s.Rename(ctx, ok.ID, name); notebooks.ErrorCode(err) != notebooks.EInvalid {
			t.Errorf("Rename(%q) = %v, want invalid", name, err)
		}
		if err := s.Import(ctx, &notebooks.Notebook{Name: name, Paragraphs: []*notebooks.Paragraph{}}); notebooks.ErrorCode(err) != notebooks.EInvalid {
			t.Errorf("Import(%q) = %v, want invalid", name, err)
		}
	}
	if n := names(t, s); !slices.Equal(n, []string{"ok"}) {
		t.Errorf("List = %q, want only ok", n)
	}
}

func testCreateConflict(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	first := mustCreate(t, s, "taken")
	first.Paragraphs = append(first.Paragraphs, &notebooks.Paragraph{ID: "keep", Lang: notebooks.Markdown, Text: "mine"})
	if err := s.Save(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "taken"); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Errorf("Create of a taken name = %v, want conflict", err)
	}
	got, err := s.Get(ctx, first.ID)
	if err != nil || len(got.Paragraphs) != 1 || got.Paragraphs[0].Text != "mine" {
		t.Errorf("the first notebook changed: %+v, %v", got, err)
	}
}

func testImportCollision(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	orig := mustCreate(t, s, "orig")
	para := func(text string) []*notebooks.Paragraph {
		return []*notebooks.Paragraph{{ID: "a", Lang: notebooks.Markdown, Text: text}}
	}
	tests := []struct {
		name, id   string
		wantErr    string
		wantSameID bool
	}{
		{name: "orig", id: "", wantErr: notebooks.EConflict},
		{name: "fresh id", id: "importedid1", wantSameID: true},
		{name: "reused id", id: orig.ID},
		{name: "no id", id: ""},
	}
	for _, tt := range tests {
		nb := &notebooks.Notebook{ID: tt.id, Name: tt.name, Paragraphs: para("from " + tt.name)}
		err := s.Import(ctx, nb)
		if tt.wantErr != "" {
			if notebooks.ErrorCode(err) != tt.wantErr {
				t.Errorf("Import(%q) = %v, want %s", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Import(%q): %v", tt.name, err)
			continue
		}
		if nb.ID == "" || (tt.wantSameID && nb.ID != tt.id) || (!tt.wantSameID && nb.ID == orig.ID) {
			t.Errorf("Import(%q) gave id %q", tt.name, nb.ID)
		}
		got, err := s.Get(ctx, nb.ID)
		if err != nil || got.Name != tt.name || len(got.Paragraphs) != 1 || got.Paragraphs[0].Text != "from "+tt.name {
			t.Errorf("Get of imported %q = %+v, %v", tt.name, got, err)
		}
	}
	if got, err := s.Get(ctx, orig.ID); err != nil || got.Name != "orig" || len(got.Paragraphs) != 0 {
		t.Errorf("the original changed: %+v, %v", got, err)
	}
}

func testRenameConflict(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	a, b := mustCreate(t, s, "a"), mustCreate(t, s, "b")
	if err := s.Rename(ctx, a.ID, "b"); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Errorf("Rename onto a taken name = %v, want conflict", err)
	}
	if err := s.Rename(ctx, a.ID, "a"); err != nil {
		t.Errorf("Rename to its own name = %v", err)
	}
	for id, want := range map[string]string{a.ID: "a", b.ID: "b"} {
		if got, err := s.Get(ctx, id); err != nil || got.Name != want {
			t.Errorf("Get(%s) = %+v, %v, want name %q", id, got, err, want)
		}
	}
	// The old name is free again after a rename.
	if err := s.Rename(ctx, a.ID, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "a"); err != nil {
		t.Errorf("Create of a name freed by rename: %v", err)
	}
	if n := names(t, s); !slices.Equal(n, []string{"a", "b", "c"}) {
		t.Errorf("List = %q", n)
	}
}

func testIDsStableAcrossReopen(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	for _, name := range []string{"one", "two", "three"} {
		nb := mustCreate(t, s, name)
		nb.Paragraphs = []*notebooks.Paragraph{{ID: "p", Lang: notebooks.Markdown, Text: name}}
		if err := s.Save(ctx, nb); err != nil {
			t.Fatal(err)
		}
	}
	before, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2 := open(t)
	after, err := s2.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Fatalf("List after reopen = %+v, want %+v", after, before)
	}
	for _, e := range after {
		nb, err := s2.Get(ctx, e.ID)
		if err != nil || nb.Paragraphs[0].Text != e.Name {
			t.Errorf("Get(%s) after reopen = %+v, %v", e.Name, nb, err)
		}
	}
}

// testConcurrentSaves saves many versions of one notebook at once: the store ends with one of
// them whole, never a mix or a truncated file.
func testConcurrentSaves(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	nb := mustCreate(t, s, "busy")
	const writers, paragraphs = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := nb.Clone()
			for i := range paragraphs {
				mine.Paragraphs = append(mine.Paragraphs, &notebooks.Paragraph{
					ID: fmt.Sprintf("p%d", i), Lang: notebooks.Markdown, Text: fmt.Sprintf("writer %d paragraph %d", w, i),
				})
			}
			errs <- s.Save(ctx, mine)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Save: %v", err)
		}
	}
	for _, st := range []Store{s, open(t)} {
		got, err := st.Get(ctx, nb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Paragraphs) != paragraphs {
			t.Fatalf("got %d paragraphs, want %d", len(got.Paragraphs), paragraphs)
		}
		var w int
		fmt.Sscanf(got.Paragraphs[0].Text, "writer %d", &w)
		for i, p := range got.Paragraphs {
			if want := fmt.Sprintf("writer %d paragraph %d", w, i); p.Text != want {
				t.Fatalf("paragraph %d = %q, want %q: saves tore", i, p.Text, want)
			}
		}
	}
}
