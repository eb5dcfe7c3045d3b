package shares

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
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

// TestFlushKeepsEveryCount: views, queries, expiry changes and flushes racing each other lose
// no count and leave every file whole.
func TestFlushKeepsEveryCount(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	var links []Link
	for range 3 {
		l, err := s.Create(Link{Mode: Live, MaxAgeSeconds: 30})
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
	}
	const viewers, views = 8, 300
	var wg sync.WaitGroup
	for v := range viewers {
		wg.Go(func() {
			for i := range views {
				l := links[(v+i)%len(links)]
				s.Viewed(l.Token, time.Now())
				s.Queried(l.Token)
			}
		})
	}
	done := make(chan struct{})
	var writers sync.WaitGroup
	writers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := s.Flush(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var exp time.Time
	writers.Go(func() {
		for i := 0; ; i++ {
			e := time.Now().Add(time.Duration(i+1) * time.Hour).UTC().Truncate(time.Second)
			exp = e
			if _, err := s.SetExpiry(links[0].Token, &e); err != nil {
				t.Error(err)
				return
			}
			select {
			case <-done:
				return
			default:
			}
		}
	})
	wg.Wait()
	close(done)
	writers.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openStore(t, dir) // every file parses, or Open fails
	var total int64
	for _, l := range links {
		got, err := s2.Get(l.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Views != got.Queries || got.LastAccess == nil {
			t.Errorf("link %s: %d views, %d queries, last access %v", l.Token, got.Views, got.Queries, got.LastAccess)
		}
		total += got.Views
	}
	if total != viewers*views {
		t.Errorf("%d views kept, %d counted", total, viewers*views)
	}
	if got, _ := s2.Get(links[0].Token); got.Expires == nil || !got.Expires.Equal(exp) {
		t.Errorf("expiry %v, want the last one set, %v", got.Expires, exp)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
}

// holdWrites stops every file write of the store until release is called for it; entered
// gets each held write's link as it would be written. When the test ends, held writes go on.
func holdWrites(t testing.TB) (entered <-chan Link, release func()) {
	t.Helper()
	in, gate, end := make(chan Link, 16), make(chan struct{}), make(chan struct{})
	writeFile = func(path string, data []byte, perm os.FileMode) error {
		var l Link
		json.Unmarshal(data, &l)
		in <- l
		select {
		case <-gate:
		case <-end:
		}
		return atomicfile.WriteFile(path, data, perm)
	}
	t.Cleanup(func() {
		close(end)
		writeFile = atomicfile.WriteFile
	})
	return in, func() { gate <- struct{}{} }
}

// TestFlushWritesOutsideTheLock: a view is counted, and a link read, while a flush is writing;
// a second flush waits for the first, so the file ends with the newer count.
func TestFlushWritesOutsideTheLock(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	l, err := s.Create(Link{Mode: Snapshot})
	if err != nil {
		t.Fatal(err)
	}
	s.Viewed(l.Token, time.Now())
	entered, release := holdWrites(t)

	first := make(chan error, 1)
	go func() { first <- s.Flush() }()
	if w := <-entered; w.Views != 1 {
		t.Fatalf("first flush writes %d views, want 1", w.Views)
	}
	viewed := make(chan int64, 1)
	go func() {
		s.Viewed(l.Token, time.Now())
		got, _ := s.Get(l.Token)
		viewed <- got.Views
	}()
	select {
	case n := <-viewed:
		if n != 2 {
			t.Fatalf("views %d after the second view, want 2", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a view waited for a flush's write")
	}

	second := make(chan error, 1)
	go func() { second <- s.Flush() }()
	select {
	case w := <-entered:
		t.Fatalf("a second flush wrote (%d views) while the first was writing: an older write could land last", w.Views)
	case <-time.After(200 * time.Millisecond): // it waits for the first; it could only fail to catch a bug
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if w := <-entered; w.Views != 2 {
		t.Fatalf("second flush writes %d views, want 2", w.Views)
	}
	release()
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	writeFile = atomicfile.WriteFile

	data, err := os.ReadFile(filepath.Join(dir, l.Token+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk Link
	if err := json.Unmarshal(data, &onDisk); err != nil || onDisk.Views != 2 {
		t.Fatalf("file holds %d views (%v), want 2", onDisk.Views, err)
	}
}
