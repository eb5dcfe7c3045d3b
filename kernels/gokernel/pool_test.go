package gokernel_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakebook/lakebook/kernels/gokernel"
)

func newPool(t testing.TB) *gokernel.Pool {
	t.Helper()
	p, err := gokernel.NewPool(gokernel.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPoolHandsOutWarmKernelsInTheNotebooksDir(t *testing.T) {
	pool := newPool(t)
	time.Sleep(500 * time.Millisecond) // let the first warm process start
	for i := range 3 {
		dir := filepath.Join(t.TempDir(), "notebook")
		k, err := pool.Start(context.Background(), gokernel.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { k.Close() })
		got := run(t, k, `import "os"`+"\nwd, _ := os.Getwd()\nwd")
		if got.err != nil || strings.TrimSpace(got.value) != dir {
			t.Errorf("kernel %d: working dir %q (%v), want %q", i, got.value, got.err, dir)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func TestPoolAfterClose(t *testing.T) {
	pool := newPool(t)
	time.Sleep(500 * time.Millisecond)
	k, err := pool.Start(context.Background(), gokernel.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if r := run(t, k, "1+1"); strings.TrimSpace(r.value) != "2" {
		t.Errorf("1+1 = %+v", r)
	}
	pool.Close()
	k2, err := pool.Start(context.Background(), gokernel.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("Start after Close should fall back to a new process: %v", err)
	}
	k2.Close()
}

func BenchmarkPoolStart(b *testing.B) {
	pool := newPool(b)
	for b.Loop() {
		b.StopTimer()
		time.Sleep(100 * time.Millisecond) // a warm process is ready, as between notebook opens
		b.StartTimer()
		k, err := pool.Start(context.Background(), gokernel.Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		k.Close()
		b.StartTimer()
	}
}
