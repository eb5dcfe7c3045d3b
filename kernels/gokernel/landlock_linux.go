package gokernel

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Landlock rights: what a kernel may do with the files it may read, and with its own folders.
const (
	readRights  = landlock.AccessFSSet(ll.AccessFSExecute | ll.AccessFSReadFile | ll.AccessFSReadDir)
	writeRights = landlock.AccessFSSet(ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile | ll.AccessFSReadDir |
		ll.AccessFSRemoveDir | ll.AccessFSRemoveFile | ll.AccessFSMakeDir | ll.AccessFSMakeReg | ll.AccessFSMakeSym |
		ll.AccessFSMakeSock | ll.AccessFSMakeFifo | ll.AccessFSTruncate)
)

// landlockABI reports the Landlock ABI version the running kernel offers, 0 without Landlock.
func landlockABI() int {
	v, err := ll.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}

// confine restricts this process, all its threads and every process it starts from then on:
// they may read and execute any file but those under the private paths, and write only in dir
// (the kernel's own folder, which may lie under a private path) and the temporary folder (dir.tmp
// when the private paths lie in the temporary folder).
// Landlock allows, it cannot deny, so the rules grant reading to everything around the
// private paths: each entry of every folder on the way from / to a private path but the next
// folder on that way. Entries created later in those folders are not readable. Where the
// kernel has no Landlock, only no_new_privs is set (BestEffort): the confinement then holds
// nothing, which README's Security section says.
func confine(dir string, private []string) error {
	if err := ll.AllThreadsPrctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	priv := make([]string, 0, len(private))
	for _, p := range private {
		if p, err := realPath(p); err == nil {
			priv = append(priv, p)
		}
	}
	dir, err := realPath(dir)
	if err != nil {
		return fmt.Errorf("confine: %w", err)
	}
	// Landlock denies ptrace but not reading /proc/PID/environ of the server (measured on
	// Linux 6.18, as root): /proc/PID of other processes are private too.
	w := walker{private: priv, self: "/proc/" + strconv.Itoa(os.Getpid())}
	rules := w.around("/", readRights, nil)
	switch tmp, err := realPath(os.TempDir()); {
	case err != nil:
	case w.hidden(tmp): // inside the server's state: not the kernel's
	case w.leadsTo(tmp):
		// The workspace lies in the temporary folder (tests do that): the kernel could not
		// create files there without being able to create them in the server's state too, so
		// it gets a temporary folder of its own beside its folder, which restarts reuse.
		own := dir + ".tmp"
		if err := os.MkdirAll(own, 0o700); err != nil {
			return fmt.Errorf("confine: %w", err)
		}
		if err := os.Setenv("TMPDIR", own); err != nil {
			return fmt.Errorf("confine: %w", err)
		}
		rules = append(rules, landlock.PathAccess(writeRights, own))
	default:
		rules = append(rules, landlock.PathAccess(writeRights, tmp))
	}
	rules = append(rules,
		landlock.PathAccess(writeRights, dir),
		landlock.RWFiles("/dev/null", "/dev/zero", "/dev/full", "/dev/tty").IgnoreIfMissing(),
	)
	if err := landlock.V7.BestEffort().RestrictPaths(rules...); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	return nil
}

// walker finds what to grant around the private paths.
type walker struct {
	private []string
	self    string // /proc/PID of this process
}

// around appends to rules the grants of rights to everything under root except the private
// paths: root itself may only be listed.
func (w walker) around(root string, rights landlock.AccessFSSet, rules []landlock.Rule) []landlock.Rule {
	if !w.leadsTo(root) {
		return append(rules, landlock.PathAccess(rights, root))
	}
	rules = append(rules, landlock.PathAccess(ll.AccessFSReadDir, root))
	entries, err := os.ReadDir(root)
	if err != nil {
		return rules // unreadable: nothing to grant under it
	}
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		real, err := realPath(p)
		switch {
		case err != nil: // a dangling link, or gone
		case w.hidden(p) || w.hidden(real):
		case w.leadsTo(p):
			rules = w.around(p, rights, rules)
		case w.leadsTo(real):
			// A link to a folder on the way to a private path: that folder is granted when
			// the walk gets to it.
		default:
			rules = append(rules, fileRule(rights, real))
		}
	}
	return rules
}

// hidden reports whether p is a private path, lies under one, or is another process's /proc
// folder.
func (w walker) hidden(p string) bool {
	if pid, ok := strings.CutPrefix(p, "/proc/"); ok && p != w.self && !strings.HasPrefix(p, w.self+"/") {
		pid, _, _ = strings.Cut(pid, "/")
		if _, err := strconv.Atoi(pid); err == nil {
			return true
		}
	}
	return covers(w.private, p)
}

// leadsTo reports whether something hidden lies strictly under dir.
func (w walker) leadsTo(dir string) bool {
	return dir == "/" || dir == "/proc" || leadsTo(dir, w.private)
}

// fileRule grants rights on a folder, or those of them that apply to a file on a file:
// Landlock refuses folder rights on a file.
func fileRule(rights landlock.AccessFSSet, p string) landlock.Rule {
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		rights &= ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile | ll.AccessFSTruncate | ll.AccessFSIoctlDev
	}
	return landlock.PathAccess(rights, p).IgnoreIfMissing()
}

// covers reports whether p is one of the private paths or lies under one.
func covers(private []string, p string) bool {
	for _, q := range private {
		if p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

// leadsTo reports whether a private path lies strictly under dir.
func leadsTo(dir string, private []string) bool {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	for _, q := range private {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	return false
}

// realPath is p absolute, with its links resolved: Landlock rules follow links.
func realPath(p string) (string, error) {
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(p)
}
