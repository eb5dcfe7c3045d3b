package shares

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := NewToken()
		if !ValidToken(tok) || seen[tok] {
			t.Fatalf("token %q: valid %v, repeated %v", tok, ValidToken(tok), seen[tok])
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "abc", "../" + strings.Repeat("a", 40), strings.Repeat("a", 42) + "/", strings.Repeat("a", 44), strings.Repeat("a", 42) + "."} {
		if ValidToken(bad) {
			t.Errorf("ValidToken(%q) = true", bad)
		}
	}
}

func TestStoreLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	l, err := s.Create(Link{Notebook: "nb", Paragraph: "p1", ChartID: "c1", Mode: Live, MaxAgeSeconds: 30,
		Forms: map[string][]string{"origin": {"SEA"}}, Views: 99})
	if err != nil {
		t.Fatal(err)
	}
	if !ValidToken(l.Token) || l.Views != 0 || l.Created.IsZero() {
		t.Fatalf("created %+v", l)
	}
	s.Viewed(l.Token, time.Now())
	s.Viewed(l.Token, time.Now())
	s.Queried(l.Token)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if _, err := s.SetExpiry(l.Token, &exp); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything survives a reopen: views counted in memory were flushed.
	s2 := openStore(t, dir)
	got, err := s2.Get(l.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got.Views != 2 || got.Queries != 1 || got.LastAccess == nil || got.Expires == nil || !got.Expires.Equal(exp) || got.Forms["origin"][0] != "SEA" {
		t.Fatalf("reopened %+v", got)
	}
	if why := got.Gone(time.Now()); why != "" {
		t.Fatalf("Gone = %q", why)
	}
	if why := got.Gone(exp); why != "expired" {
		t.Fatalf("Gone at expiry = %q", why)
	}

	os.MkdirAll(s2.DataDir(l.Token), 0o700)
	os.WriteFile(filepath.Join(s2.DataDir(l.Token), "rows.parquet"), []byte("x"), 0o600)
	r, err := s2.Revoke(l.Token)
	if err != nil || r.Gone(time.Now()) != "revoked" {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if _, err := os.Stat(s2.DataDir(l.Token)); !os.IsNotExist(err) {
		t.Fatalf("revoked link's data is still there: %v", err)
	}
	if _, err := s2.SetExpiry(l.Token, nil); notebooks.ErrorCode(err) != notebooks.EConflict {
		t.Fatalf("un-expiring a revoked link: %v", err)
	}
}

func TestStoreBadInput(t *testing.T) {
	s := openStore(t, t.TempDir())
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"bad mode", func() error { _, err := s.Create(Link{Mode: "forever"}); return err }, notebooks.EInvalid},
		{"unknown get", func() error { _, err := s.Get(NewToken()); return err }, notebooks.ENotFound},
		{"path token", func() error { _, err := s.Get("../../etc/passwd"); return err }, notebooks.ENotFound},
		{"unknown revoke", func() error { _, err := s.Revoke(NewToken()); return err }, notebooks.ENotFound},
		{"unknown expiry", func() error { _, err := s.SetExpiry(NewToken(), nil); return err }, notebooks.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := notebooks.ErrorCode(tt.call()); code != tt.code {
				t.Fatalf("code %q, want %q", code, tt.code)
			}
		})
	}
}

func TestOpenRefusesBrokenFile(t *testing.T) {
	dir := t.TempDir()
	tok := NewToken()
	os.WriteFile(filepath.Join(dir, tok+".json"), []byte("{not json"), 0o600)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), tok) {
		t.Fatalf("Open with a broken link file: %v", err)
	}
}

func TestListNewestFirst(t *testing.T) {
	s := openStore(t, t.TempDir())
	t0 := time.Now().UTC()
	for i := range 3 {
		if _, err := s.Create(Link{Mode: Snapshot, Title: string(rune('a' + i)), Created: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	var titles string
	for _, l := range s.List() {
		titles += l.Title
	}
	if titles != "cba" {
		t.Fatalf("order %q", titles)
	}
}
