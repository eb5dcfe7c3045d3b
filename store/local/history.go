package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/history"
)

// The history of the folder is a git repository in it (.git, created by the first checkpoint),
// driven through the git binary. Each checkpoint commits one notebook's file only, so files
// people keep in the folder by hand are never swept into a commit. Revisions are listed per
// current file name: a rename starts a new history.

const defaultMessage = "checkpoint"

// git runs git on the store's own repository with a fixed, minimal environment: no system or
// user configuration, no hooks, no pager, no signing, so a machine's setup cannot change what
// a checkpoint does.
func (s *Store) git(ctx context.Context, args ...string) ([]byte, error) {
	home := filepath.Join(s.dir, ".git", "lakebook-home")
	base := []string{
		"-c", "user.name=lakebook", "-c", "user.email=lakebook@localhost",
		"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgSign=false",
		"-c", "core.quotePath=false", "-c", "diff.renames=false",
	}
	cmd := exec.CommandContext(ctx, "git", append(base, args...)...)
	cmd.Dir = s.dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		// Explicit paths: the folder may sit inside someone's own repository, which must not be
		// the one committed to.
		"GIT_DIR=" + filepath.Join(s.dir, ".git"),
		"GIT_WORK_TREE=" + s.dir,
		"GIT_AUTHOR_NAME=lakebook", "GIT_AUTHOR_EMAIL=lakebook@localhost",
		"GIT_COMMITTER_NAME=lakebook", "GIT_COMMITTER_EMAIL=lakebook@localhost",
		"GIT_TERMINAL_PROMPT=0", "LC_ALL=C",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &gitError{args: args, err: err, stderr: strings.TrimSpace(stderr.String())}
	}
	return out, nil
}

type gitError struct {
	args   []string
	err    error
	stderr string
}

func (e *gitError) Error() string {
	return fmt.Sprintf("local: git %s: %v: %s", e.args[0], e.err, e.stderr)
}

func (e *gitError) Unwrap() error { return e.err }

// initRepoLocked creates the repository on first use.
func (s *Store) initRepoLocked(ctx context.Context) error {
	if fi, err := os.Stat(filepath.Join(s.dir, ".git")); err == nil && fi.IsDir() {
		return nil
	}
	if _, err := s.git(ctx, "init", "--quiet"); err != nil {
		return err
	}
	return nil
}

func (s *Store) hasRepo() bool {
	_, err := os.Stat(filepath.Join(s.dir, ".git", "HEAD"))
	return err == nil
}

// historyFileLocked finds the notebook's current file and refuses broken ones: their history is
// still in git, but lakebook neither checkpoints nor restores over them.
func (s *Store) historyFileLocked(id string) (*file, error) {
	f, err := s.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	if f.broken != nil {
		return nil, brokenError(f)
	}
	return f, nil
}

// Checkpoint commits the notebook's file as it is on disk now.
func (s *Store) Checkpoint(ctx context.Context, id, message string) (history.Revision, error) {
	if strings.TrimSpace(message) == "" {
		message = defaultMessage
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.historyFileLocked(id)
	if err != nil {
		return history.Revision{}, err
	}
	if err := s.checkUnchangedLocked(f); err != nil {
		return history.Revision{}, err
	}
	if err := s.initRepoLocked(ctx); err != nil {
		return history.Revision{}, err
	}
	path := f.name + notebooks.FileExt
	if _, err := s.git(ctx, "add", "--", path); err != nil {
		return history.Revision{}, err
	}
	// --allow-empty: a checkpoint the user asked for exists even when nothing changed.
	if _, err := s.git(ctx, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message, "--", path); err != nil {
		return history.Revision{}, err
	}
	revs, err := s.log(ctx, path, "-1", "HEAD")
	if err != nil || len(revs) == 0 {
		return history.Revision{}, fmt.Errorf("local: read back checkpoint: %w", err)
	}
	return revs[0], nil
}

// Revisions lists the checkpoints of the notebook's current file, newest first.
func (s *Store) Revisions(ctx context.Context, id string) ([]history.Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	if !s.hasRepo() {
		return []history.Revision{}, nil
	}
	return s.log(ctx, f.name+notebooks.FileExt)
}

// log reads commits touching path; extra goes before the "--" (a count, a revision).
func (s *Store) log(ctx context.Context, path string, extra ...string) ([]history.Revision, error) {
	args := append([]string{"log", "--format=%H%x00%cI%x00%B%x1e"}, extra...)
	out, err := s.git(ctx, append(args, "--", path)...)
	if err != nil {
		// A repository without commits has no HEAD yet.
		if strings.Contains(err.Error(), "does not have any commits") {
			return []history.Revision{}, nil
		}
		return nil, err
	}
	revs := []history.Revision{}
	for rec := range strings.SplitSeq(string(out), "\x1e") {
		parts := strings.SplitN(strings.TrimLeft(rec, "\n"), "\x00", 3)
		if len(parts) != 3 {
			continue
		}
		t, err := time.Parse(time.RFC3339, parts[1])
		if err != nil {
			return nil, fmt.Errorf("local: git log: bad time %q: %w", parts[1], err)
		}
		revs = append(revs, history.Revision{ID: parts[0], Time: t, Message: strings.TrimSpace(parts[2])})
	}
	return revs, nil
}

// resolveLocked turns a user-given revision into a full commit id, refusing anything that is not
// hex (EInvalid) or not a commit of this repository (ENotFound).
func (s *Store) resolveLocked(ctx context.Context, rev string) (string, error) {
	if !history.ValidRev(rev) {
		return "", notebooks.Errorf(notebooks.EInvalid, "%q is not a revision id (7 to 40 lowercase hex digits)", rev)
	}
	if !s.hasRepo() {
		return "", notebooks.Errorf(notebooks.ENotFound, "no revision %s: the notebook has no checkpoints", rev)
	}
	out, err := s.git(ctx, "rev-parse", "--quiet", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			return "", notebooks.Errorf(notebooks.ENotFound, "no revision %s", rev)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Diff returns the unified diff of the notebook's file from rev to against, or to the file on
// disk when against is "".
func (s *Store) Diff(ctx context.Context, id, rev, against string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(id)
	if err != nil {
		return "", err
	}
	from, err := s.resolveLocked(ctx, rev)
	if err != nil {
		return "", err
	}
	args := []string{"diff", "--no-color", "--no-ext-diff", from}
	if against != "" {
		to, err := s.resolveLocked(ctx, against)
		if err != nil {
			return "", err
		}
		args = append(args, to)
	}
	out, err := s.git(ctx, append(args, "--", f.name+notebooks.FileExt)...)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// At returns the notebook as its file was at rev, with its current id and name.
func (s *Store) At(ctx context.Context, id, rev string) (*notebooks.Notebook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.historyFileLocked(id)
	if err != nil {
		return nil, err
	}
	full, err := s.resolveLocked(ctx, rev)
	if err != nil {
		return nil, err
	}
	path := f.name + notebooks.FileExt
	data, err := s.git(ctx, "cat-file", "blob", full+":"+path)
	if err != nil {
		return nil, notebooks.Errorf(notebooks.ENotFound, "revision %s has no %s", rev, path)
	}
	nb, err := notebooks.Parse(f.name, data)
	if err == nil {
		err = nb.Validate()
	}
	if err != nil {
		return nil, notebooks.Errorf(notebooks.EBrokenFile, "%s at revision %s does not parse: %v", path, rev, err)
	}
	nb.ID, nb.Name = f.id, f.name
	return nb, nil
}
