//go:build linux

package gokernel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"

	"github.com/lakebook/lakebook/kernels/gokernel"
)

// workspace lays out a workspace as the server keeps it: the server's state in .lakebook
// (catalog, other notebooks' kernel folders) beside the user's data.
type workspace struct{ root, state, own, other, data, tmp string }

func newWorkspace(t testing.TB) workspace {
	t.Helper()
	root := t.TempDir()
	w := workspace{
		root:  root,
		state: filepath.Join(root, ".lakebook"),
		own:   filepath.Join(root, ".lakebook", "kernels", "mine"),
		other: filepath.Join(root, ".lakebook", "kernels", "other"),
		data:  filepath.Join(root, "data"),
		tmp:   t.TempDir(),
	}
	for name, text := range map[string]string{
		filepath.Join(w.state, "catalog.json"): `{"secret":true}`,
		filepath.Join(w.other, "notes.txt"):    "other notebook",
		filepath.Join(w.data, "numbers.csv"):   "n\n1\n",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w workspace) options() gokernel.Options {
	return gokernel.Options{Dir: w.own, Private: []string{w.state}, Env: append(os.Environ(), "TMPDIR="+w.tmp)}
}

// kernelBinary is an executable that runs the kernel child.
type kernelBinary struct{ name, path string }

// kernelBinaries are the kernel executables to test: this test binary (cgo, so Landlock goes
// through libpsx) and, when LAKEBOOK_BIN names a built server, the standalone kernel beside it
// (no cgo, so through the Go runtime), which the server runs.
func kernelBinaries(t testing.TB) []kernelBinary {
	t.Helper()
	bins := []kernelBinary{{name: "test binary"}}
	if server := os.Getenv("LAKEBOOK_BIN"); server != "" {
		p := gokernel.Standalone(server)
		if p == "" {
			t.Fatalf("LAKEBOOK_BIN=%s but no %s beside it: `make build` builds both", server, gokernel.StandaloneName)
		}
		bins = append(bins, kernelBinary{name: gokernel.StandaloneName, path: p})
	}
	return bins
}

// TestConfinement: with Landlock, a Go paragraph cannot read the server's state, another
// notebook's kernel folder or the server's environment, while the workspace's data, its own
// folder and its temporary folder work; in every kernel binary.
func TestConfinement(t *testing.T) {
	abi, err := ll.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		t.Skipf("this Linux kernel offers no Landlock (%v): kernels run unconfined here", err)
	}
	t.Logf("Landlock ABI %d", abi)
	for _, b := range kernelBinaries(t) {
		t.Run(b.name, func(t *testing.T) { testConfinement(t, b.path) })
	}
}

func testConfinement(t *testing.T, kernelPath string) {
	w := newWorkspace(t)
	opts := w.options()
	opts.Path = kernelPath
	k := startKernel(t, opts)
	const denied = "permission denied"
	for _, tc := range []struct{ name, code, want string }{
		{"server state", fmt.Sprintf("_, err := os.ReadFile(%q)\nerr", filepath.Join(w.state, "catalog.json")), denied},
		{"another kernel's folder", fmt.Sprintf("_, err := os.ReadFile(%q)\nerr", filepath.Join(w.other, "notes.txt")), denied},
		{"write into another kernel's folder", fmt.Sprintf("err := os.WriteFile(%q, nil, 0o644)\nerr", filepath.Join(w.other, "x")), denied},
		{"replace the catalog", fmt.Sprintf("os.WriteFile(\"f\", nil, 0o644)\nerr := os.Rename(\"f\", %q)\nerr", filepath.Join(w.state, "catalog.json")), denied},
		{"server's environment", "_, err := os.ReadFile(fmt.Sprintf(\"/proc/%d/environ\", os.Getppid()))\nerr", denied},
		{"own /proc", "_, err := os.ReadFile(\"/proc/self/status\")\nerr", "<nil>"},
		{"a process it starts", fmt.Sprintf("p, _ := os.StartProcess(\"/bin/cat\", []string{\"cat\", %q}, &os.ProcAttr{Files: []*os.File{nil, os.Stdout, os.Stdout}})\np.Wait()\n0", filepath.Join(w.state, "catalog.json")), denied},
		{"data", fmt.Sprintf("b, err := os.ReadFile(%q)\nfmt.Sprint(string(b), err)", filepath.Join(w.data, "numbers.csv")), "n\n1\n<nil>"},
		{"own folder", "err := os.WriteFile(\"mine.txt\", []byte(\"ok\"), 0o644)\nb, _ := os.ReadFile(\"mine.txt\")\nfmt.Sprint(string(b), err)", "ok<nil>"},
		{"temporary folder", "f, err := os.CreateTemp(\"\", \"x\")\nif err == nil { f.Close(); os.Remove(f.Name()) }\nerr", "<nil>"},
		{"standard library", "_, err := os.Stat(\"/etc/passwd\")\nerr", "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRun(t, k, tc.code)
			if got := r.value + r.stdout; !strings.Contains(strings.ToLower(got), tc.want) {
				t.Errorf("got %q (stderr %q), want %q", got, r.stderr, tc.want)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(w.state, "catalog.json")); err != nil || string(b) != `{"secret":true}` {
		t.Errorf("the server's state changed: %q, %v", b, err)
	}
}

// TestConfinementFromPool: a warm kernel is confined when a notebook takes it, to that
// notebook's folder.
func TestConfinementFromPool(t *testing.T) {
	if abi, err := ll.LandlockGetABIVersion(); err != nil || abi < 1 {
		t.Skipf("this Linux kernel offers no Landlock (%v): kernels run unconfined here", err)
	}
	w := newWorkspace(t)
	opts := w.options()
	poolOpts := opts
	poolOpts.Dir = filepath.Join(w.state, "kernel-pool")
	pool, err := gokernel.NewPool(poolOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	time.Sleep(500 * time.Millisecond) // for the warm process
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k, err := pool.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	r := mustRun(t, k, fmt.Sprintf("_, err := os.ReadFile(%q)\nwd, _ := os.Getwd()\nfmt.Sprint(wd, \" \", err)", filepath.Join(w.state, "catalog.json")))
	if !strings.HasPrefix(r.value, w.own+" ") || !strings.Contains(r.value, "permission denied") {
		t.Errorf("got %q, want the notebook's folder and permission denied", r.value)
	}
	r = mustRun(t, k, "err := os.WriteFile(\"x\", nil, 0o644)\nerr")
	if r.value != "<nil>" {
		t.Errorf("writing its own folder: %q", r.value)
	}
}

// TestOpenFilesLimit: a kernel may hold at most 4096 files open.
func TestOpenFilesLimit(t *testing.T) {
	t.Parallel()
	k := startKernel(t, gokernel.Options{})
	r := mustRun(t, k, "b, _ := os.ReadFile(\"/proc/self/limits\")\nfor _, l := range strings.Split(string(b), \"\\n\") { if strings.HasPrefix(l, \"Max open files\") { fmt.Println(strings.Fields(l)[3:5]) } }")
	if r.stdout != "[4096 4096]\n" {
		t.Errorf("open files limit %q, want [4096 4096]", r.stdout)
	}
}

// TestConfinementWorkspaceInTemp: when the workspace lies in the temporary folder, the kernel
// gets a temporary folder of its own beside its folder, and still cannot read the server's state.
func TestConfinementWorkspaceInTemp(t *testing.T) {
	if abi, err := ll.LandlockGetABIVersion(); err != nil || abi < 1 {
		t.Skipf("this Linux kernel offers no Landlock (%v): kernels run unconfined here", err)
	}
	w := newWorkspace(t)
	opts := w.options()
	opts.Env = append(os.Environ(), "TMPDIR="+filepath.Dir(w.root))
	k := startKernel(t, opts)
	r := mustRun(t, k, fmt.Sprintf("f, err := os.CreateTemp(\"\", \"x\")\nif err == nil { f.Close() }\n_, err2 := os.ReadFile(%q)\nfmt.Sprint(filepath.Dir(f.Name()), \" \", err, \" \", err2)", filepath.Join(w.state, "catalog.json")))
	if want := w.own + ".tmp <nil> "; !strings.HasPrefix(r.value, want) || !strings.Contains(r.value, "permission denied") {
		t.Errorf("got %q, want %q… and the state unreadable", r.value, want)
	}
}
