package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/trash"
)

// saveText gives nb one Markdown paragraph holding text and saves it.
func saveText(t testing.TB, s Store, nb *notebooks.Notebook, text string) {
	t.Helper()
	nb.Paragraphs = []*notebooks.Paragraph{{ID: "p1", Lang: notebooks.Markdown, Text: text}}
	if err := s.Save(context.Background(), nb); err != nil {
		t.Fatalf("Save(%s): %v", nb.Name, err)
	}
}

// wantText checks that notebook id is named name and holds text.
func wantText(t testing.TB, s Store, id, name, text string) {
	t.Helper()
	got, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	if got.ID != id || got.Name != name || len(got.Paragraphs) != 1 || got.Paragraphs[0].Text != text {
		t.Errorf("Get(%s) = %+v, want %q holding %q", id, got, name, text)
	}
}

func listTrash(t testing.TB, s Store) []trash.Entry {
	t.Helper()
	entries, err := s.ListTrash(context.Background())
	if err != nil {
		t.Fatalf("ListTrash: %v", err)
	}
	return entries
}

func mustTrash(t testing.TB, s Store, id string) trash.Entry {
	t.Helper()
	e, err := s.MoveToTrash(context.Background(), id)
	if err != nil {
		t.Fatalf("MoveToTrash(%s): %v", id, err)
	}
	return e
}

// testFolders: names with folders are stored, listed, moved between folders (keeping their id)
// and read back after a restart; a notebook and a folder may share a name.
func testFolders(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	q3 := mustCreate(t, s, "team/sales/q3")
	saveText(t, s, q3, "third quarter")
	top := mustCreate(t, s, "team")
	other := mustCreate(t, s, "team/ops")
	if n := names(t, s); !slices.Equal(n, []string{"team", "team/ops", "team/sales/q3"}) {
		t.Fatalf("List = %q", n)
	}
	wantText(t, s, q3.ID, "team/sales/q3", "third quarter")

	// Moving is renaming into another folder; the id stays.
	if err := s.Rename(ctx, q3.ID, "archive/2026/q3"); err != nil {
		t.Fatal(err)
	}
	wantText(t, s, q3.ID, "archive/2026/q3", "third quarter")
	if err := s.Rename(ctx, other.ID, "archive/2026/q3"); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Errorf("moving onto a taken name = %v, want conflict", err)
	}
	// Out of every folder, and the emptied folder's name is usable again.
	if err := s.Rename(ctx, other.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "team/sales/q4"); err != nil {
		t.Errorf("Create in a folder that was emptied: %v", err)
	}
	want := []string{"archive/2026/q3", "ops", "team", "team/sales/q4"}
	if n := names(t, s); !slices.Equal(n, want) {
		t.Errorf("List = %q, want %q", n, want)
	}
	after, err := open(t).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, e := range after {
		ids[e.Name] = e.ID
	}
	if ids["archive/2026/q3"] != q3.ID || ids["team"] != top.ID || ids["ops"] != other.ID || len(after) != len(want) {
		t.Errorf("List after reopen = %+v", after)
	}
}

// testFolderNamesChecked: every part of a name with folders is checked, and a refused name
// leaves nothing behind.
func testFolderNamesChecked(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	ok := mustCreate(t, s, "a/ok")
	tests := []struct{ name, want string }{
		{"a/../b", "part 2"},
		{"a//b", "empty"},
		{"a/b/", "empty"},
		{"/a", "empty"},
		{"a/.git/b", "dot"},
		{".trash/b", "dot"},
		{"a/ b/c", "spaces"},
		{`a\b/c`, `\`},
		{"a/b\x01/c", "control"},
		{strings.Repeat("d/", notebooks.MaxFolderDepth+1) + "x", "folders deep"},
		{"a/" + strings.Repeat("x", notebooks.MaxNameLen+1), "at most"},
	}
	for _, tt := range tests {
		for op, err := range map[string]error{
			"Create": func() error { _, err := s.Create(ctx, tt.name); return err }(),
			"Rename": s.Rename(ctx, ok.ID, tt.name),
			"Import": s.Import(ctx, &notebooks.Notebook{Name: tt.name, Paragraphs: []*notebooks.Paragraph{}}),
		} {
			if notebooks.ErrorCode(err) != notebooks.EInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s(%q) = %v, want invalid saying %q", op, tt.name, err, tt.want)
			}
		}
	}
	if n := names(t, s); !slices.Equal(n, []string{"a/ok"}) {
		t.Errorf("List = %q, want only a/ok", n)
	}
}

// testTrash: a trashed notebook leaves the list, waits in the trash with its name, comes back
// whole with its id, and can be deleted forever one by one or all at once.
func testTrash(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	a, b := mustCreate(t, s, "team/a"), mustCreate(t, s, "b")
	saveText(t, s, a, "alpha")
	saveText(t, s, b, "beta")

	if n, err := s.EmptyTrash(ctx); n != 0 || err != nil {
		t.Errorf("EmptyTrash of an empty trash = %d, %v", n, err)
	}
	ea := mustTrash(t, s, a.ID)
	if ea.Name != "team/a" || ea.NotebookID != a.ID || !trash.ValidID(ea.ID) || ea.Deleted.IsZero() {
		t.Errorf("entry = %+v", ea)
	}
	if n := names(t, s); !slices.Equal(n, []string{"b"}) {
		t.Errorf("List after trash = %q, want only b", n)
	}
	if _, err := s.Get(ctx, a.ID); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("Get of a trashed notebook = %v, want not_found", err)
	}
	if got := listTrash(t, s); len(got) != 1 || got[0] != ea {
		t.Errorf("ListTrash = %+v, want [%+v]", got, ea)
	}

	sum, err := s.RestoreFromTrash(ctx, ea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ID != a.ID || sum.Name != "team/a" || sum.Error != "" {
		t.Errorf("restored = %+v", sum)
	}
	wantText(t, s, a.ID, "team/a", "alpha")
	if got := listTrash(t, s); len(got) != 0 {
		t.Errorf("ListTrash after restore = %+v", got)
	}
	if _, err := s.RestoreFromTrash(ctx, ea.ID); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("restoring twice = %v, want not_found", err)
	}

	// The same notebook can be trashed again; delete one forever, then empty the rest.
	ea2, eb := mustTrash(t, s, a.ID), mustTrash(t, s, b.ID)
	if ea2.ID == ea.ID {
		t.Errorf("a second trashing reused entry id %s", ea.ID)
	}
	c := mustCreate(t, s, "c")
	ec := mustTrash(t, s, c.ID)
	if err := s.DeleteFromTrash(ctx, eb.ID); err != nil {
		t.Fatal(err)
	}
	if got := listTrash(t, s); len(got) != 2 || !slices.ContainsFunc(got, func(e trash.Entry) bool { return e.ID == ea2.ID }) || !slices.ContainsFunc(got, func(e trash.Entry) bool { return e.ID == ec.ID }) {
		t.Errorf("ListTrash after deleting b forever = %+v", got)
	}
	if _, err := s.RestoreFromTrash(ctx, eb.ID); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("restoring a deleted entry = %v, want not_found", err)
	}
	if n, err := s.EmptyTrash(ctx); n != 2 || err != nil {
		t.Errorf("EmptyTrash = %d, %v, want 2", n, err)
	}
	if got := listTrash(t, s); len(got) != 0 {
		t.Errorf("ListTrash after empty = %+v", got)
	}
	if n := names(t, s); len(n) != 0 {
		t.Errorf("List after empty = %q", n)
	}
}

// testTrashRestoreNeverOverwrites: restoring into a name taken meanwhile gives the restored
// notebook a new name in the same folder; the one there keeps its name and content.
func testTrashRestoreNeverOverwrites(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	old := mustCreate(t, s, "team/report")
	saveText(t, s, old, "old")
	e1 := mustTrash(t, s, old.ID)
	now := mustCreate(t, s, "team/report")
	saveText(t, s, now, "new")
	taken := mustCreate(t, s, "team/report restored")
	saveText(t, s, taken, "taken")

	sum, err := s.RestoreFromTrash(ctx, e1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Name != "team/report restored 2" || sum.ID != old.ID {
		t.Errorf("restored = %+v, want team/report restored 2 with id %s", sum, old.ID)
	}
	wantText(t, s, old.ID, "team/report restored 2", "old")
	wantText(t, s, now.ID, "team/report", "new")
	wantText(t, s, taken.ID, "team/report restored", "taken")

	// A notebook imported with the trashed one's id meanwhile keeps it; the restored one gets
	// another.
	e2 := mustTrash(t, s, now.ID)
	twin := &notebooks.Notebook{ID: now.ID, Name: "twin", Paragraphs: []*notebooks.Paragraph{{ID: "p1", Lang: notebooks.Markdown, Text: "twin"}}}
	if err := s.Import(ctx, twin); err != nil || twin.ID != now.ID {
		t.Fatalf("Import with the trashed id = %v, id %s", err, twin.ID)
	}
	sum, err = s.RestoreFromTrash(ctx, e2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ID == now.ID || sum.Name != "team/report" {
		t.Errorf("restored = %+v, want a new id under team/report", sum)
	}
	wantText(t, s, sum.ID, "team/report", "new")
	wantText(t, s, now.ID, "twin", "twin")
	for _, st := range []Store{s, open(t)} {
		if n := names(t, st); !slices.Equal(n, []string{"team/report", "team/report restored", "team/report restored 2", "twin"}) {
			t.Errorf("List = %q", n)
		}
	}
}

// testTrashBadInput: ids that are not the store's are refused before they can become paths.
func testTrashBadInput(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.MoveToTrash(ctx, "nope"); notebooks.ErrorCode(err) != notebooks.ENotFound {
		t.Errorf("MoveToTrash of an unknown id = %v, want not_found", err)
	}
	tests := []struct{ id, code string }{
		{"../../etc/passwd", notebooks.EInvalid},
		{"", notebooks.EInvalid},
		{"ABCDEFGHIJ", notebooks.EInvalid},
		{"abc/defghij", notebooks.EInvalid},
		{"nosuchentry", notebooks.ENotFound},
	}
	for _, tt := range tests {
		if _, err := s.RestoreFromTrash(ctx, tt.id); notebooks.ErrorCode(err) != tt.code {
			t.Errorf("RestoreFromTrash(%q) = %v, want %s", tt.id, err, tt.code)
		}
		if err := s.DeleteFromTrash(ctx, tt.id); notebooks.ErrorCode(err) != tt.code {
			t.Errorf("DeleteFromTrash(%q) = %v, want %s", tt.id, err, tt.code)
		}
	}
}

// testTrashSurvivesReopen: the trash is kept in the store, not in memory.
func testTrashSurvivesReopen(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s := open(t)
	nb := mustCreate(t, s, "kept/notes")
	saveText(t, s, nb, "remember")
	e := mustTrash(t, s, nb.ID)
	s2 := open(t)
	if got := listTrash(t, s2); len(got) != 1 || got[0] != e {
		t.Fatalf("ListTrash after reopen = %+v, want [%+v]", got, e)
	}
	if n := names(t, s2); len(n) != 0 {
		t.Errorf("the trash shows as notebooks: %q", n)
	}
	if _, err := s2.RestoreFromTrash(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	wantText(t, s2, nb.ID, "kept/notes", "remember")
}

// testTrashSeesOtherStores: a store that has listed the trash sees what another store on the
// same place (another server, or a person) trashes, restores and deletes afterwards.
func testTrashSeesOtherStores(t *testing.T, open func(t testing.TB) Store) {
	ctx := context.Background()
	s, other := open(t), open(t)
	a := mustCreate(t, s, "a")
	ea := mustTrash(t, s, a.ID)
	if got := listTrash(t, s); len(got) != 1 || got[0] != ea {
		t.Fatalf("ListTrash = %+v, want [%+v]", got, ea)
	}
	b := mustCreate(t, other, "b")
	eb := mustTrash(t, other, b.ID)
	if got := listTrash(t, s); len(got) != 2 || !slices.Contains(got, ea) || !slices.Contains(got, eb) {
		t.Fatalf("ListTrash after another store trashed b = %+v, want a and b", got)
	}
	if err := other.DeleteFromTrash(ctx, ea.ID); err != nil {
		t.Fatal(err)
	}
	if got := listTrash(t, s); len(got) != 1 || got[0] != eb {
		t.Fatalf("ListTrash after another store deleted a = %+v, want [%+v]", got, eb)
	}
	if _, err := other.RestoreFromTrash(ctx, eb.ID); err != nil {
		t.Fatal(err)
	}
	if got := listTrash(t, s); len(got) != 0 {
		t.Fatalf("ListTrash after another store restored b = %+v, want none", got)
	}
	if n, err := s.EmptyTrash(ctx); err != nil || n != 0 {
		t.Errorf("EmptyTrash of an empty trash = %d, %v", n, err)
	}
}
