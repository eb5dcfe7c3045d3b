package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lakebook/lakebook/engine/internal/fspath"
	"github.com/lakebook/lakebook/notebooks"
)

// exportFormats are the COPY options of each format Export writes.
var exportFormats = map[string]string{
	"csv":     "(FORMAT csv, HEADER true)",
	"parquet": "(FORMAT parquet)",
	"jsonl":   "(FORMAT json)", // one object per line
}

// Export streams the whole result named id to w as csv (with a header), parquet or jsonl (one
// JSON object per line). DuckDB COPYs the result to a temp file under TempDir, which is then
// streamed and removed: a result is never held in memory, and a slow download does not hold the
// session, which is free again once the file is written.
func (s *Session) Export(ctx context.Context, id, format string, w io.Writer) error {
	opts, ok := exportFormats[format]
	if !ok {
		return notebooks.Errorf(notebooks.EInvalid, "export.format: unknown format %q (want csv, parquet or jsonl)", format)
	}
	path, err := s.copyToTemp(ctx, id, "export-*."+format, opts)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("engine: export %s: %w", id, err)
	}
	defer f.Close()
	if _, err := io.Copy(ctxWriter{ctx, w}, f); err != nil {
		if ctx.Err() != nil {
			return canceledOr(ctx, err)
		}
		return fmt.Errorf("engine: export %s: %w", id, err)
	}
	return nil
}

// ctxWriter stops a copy once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// copyToTemp COPYs result id to a new file under TempDir, whose name pattern is given as to
// os.CreateTemp, and returns its path. TempDir is always open to DuckDB, whatever the
// confinement.
func (s *Session) copyToTemp(ctx context.Context, id, pattern, opts string) (string, error) {
	f, err := os.CreateTemp(s.e.opts.TempDir, pattern)
	if err != nil {
		return "", fmt.Errorf("engine: temp file: %w", err)
	}
	path := f.Name()
	f.Close()
	err = s.withResult(ctx, id, true, func(ctx context.Context, src *source) error {
		_, err := s.conn.ExecContext(ctx, "COPY (SELECT * FROM "+src.rel()+") TO "+quote(path)+" "+opts)
		return err
	})
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// Save writes the result named id as a Parquet file at path (relative paths are relative to the
// workspace), so the server can show it after a restart without running the paragraph again.
// The file appears whole or not at all: DuckDB writes a temp file, which is synced and renamed
// over path. path may be anywhere the server process can write, confinement or not.
//
// Save gives way: a page, chart, stats or download of this session asked for while it writes
// interrupts it, and it returns an EUnavailable error saying so (nothing is written); the
// caller tries again when the session is quieter. Keeping a result for later must not make
// the person wait for its first chart.
func (s *Session) Save(ctx context.Context, id, path string) error {
	path = s.e.abs(path)
	ctx, yielded, cancel := givingWay(ctx)
	defer cancel()
	tmp, err := s.copyToTemp(ctx, id, "save-*.parquet", "(FORMAT parquet)")
	if err != nil {
		if yielded() {
			return notebooks.Errorf(notebooks.EUnavailable, "save of result %s gave way to a request; try again", id)
		}
		return err
	}
	defer os.Remove(tmp)
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("engine: save %s: %w", id, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("engine: save %s: %w", id, err)
	}
	err = os.Rename(tmp, path)
	if errors.Is(err, syscall.EXDEV) {
		// TempDir is on another file system: copy next to path, then rename there.
		err = copyRename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("engine: save %s: %w", id, err)
	}
	return nil
}

func (e *Engine) abs(path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.opts.Dir, path)
	}
	return filepath.Clean(path)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyRename copies src to a temp file beside dst, syncs it and renames it to dst.
func copyRename(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	if _, err = io.Copy(out, in); err != nil {
		return err
	}
	if err = out.Sync(); err != nil {
		return err
	}
	if err = out.Close(); err != nil {
		return err
	}
	return os.Rename(out.Name(), dst)
}

// Restore makes a result of a Parquet file written by Save: its rows are read into a result
// table of the session (so pages are rowid ranges, and the result no longer depends on the file),
// and it returns the first page and the count with a new ID, usable with Page, Rows, Summary,
// Pivot, Export, Save and Drop. A missing file is ENotFound; one DuckDB cannot read, EBrokenFile.
func (s *Session) Restore(ctx context.Context, path string) (*Result, error) {
	path = s.e.abs(path)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, notebooks.Errorf(notebooks.ENotFound, "saved result %s not found", filepath.Base(path))
		}
		return nil, fmt.Errorf("engine: restore: %w", err)
	}
	read := path
	if !s.e.duckdbMayRead(path) {
		// Outside what DuckDB may open, or a name it would take for a glob: read a link (or a
		// copy) under TempDir instead.
		tmp, err := s.e.tempLink(path)
		if err != nil {
			return nil, fmt.Errorf("engine: restore: %w", err)
		}
		defer os.Remove(tmp)
		read = tmp
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, cancel); err != nil {
		return nil, err
	}
	defer s.release()
	free, err := s.e.admit.acquire(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer free()
	table := s.nextTable()
	var count int64
	err = s.conn.QueryRowContext(ctx, "CREATE TEMP TABLE "+table+" AS SELECT * FROM read_parquet("+quote(read)+")").Scan(&count)
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceledOr(ctx, err)
		}
		return nil, notebooks.Errorf(notebooks.EBrokenFile, "saved result %s cannot be read: %s", filepath.Base(path), firstLine(err.Error()))
	}
	return s.materialized(ctx, table, count)
}

// duckdbMayRead reports whether DuckDB can open path as it is: inside the directories
// confinement allows, and without the characters read_parquet takes for a glob.
func (e *Engine) duckdbMayRead(path string) bool {
	if strings.ContainsAny(path, "*?[]{}") {
		return false
	}
	if e.opts.AllowAnyPath {
		return true
	}
	for _, dir := range []string{e.opts.Dir, e.opts.TempDir, e.opts.CacheDir} {
		if fspath.Within(path, dir) {
			return true
		}
	}
	return false
}

// tempLink makes path readable under TempDir: a hard link when they share a file system, else
// a copy.
func (e *Engine) tempLink(path string) (string, error) {
	f, err := os.CreateTemp(e.opts.TempDir, "restore-*.parquet")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp)
	if err := os.Link(path, tmp); err == nil {
		return tmp, nil
	}
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return "", err
	}
	return tmp, out.Close()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
