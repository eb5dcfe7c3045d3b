package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lakebook/lakebook/engine/cache"
	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/pqrange"
	"github.com/lakebook/lakebook/engine/prune"
	"github.com/lakebook/lakebook/notebooks"
)

// This file brings catalog tables into a statement. DuckDB cannot read s3:// here, so before a
// statement runs the engine finds the catalog tables it names, works out from its predicates
// which files it can need (prune), fetches those into the local cache in parallel, and defines
// each table as a temp view over the local copies, which DuckDB's own Parquet reader scans. The
// views live for one statement: a view over a pruned file set must never answer a later
// statement with other predicates.

// runState is what one Query accumulates over its statements.
type runState struct {
	stats    notebooks.QueryStats
	progress func(notebooks.Progress)

	mu   sync.Mutex
	last notebooks.Progress // the latest report, for DuckDB's percentage to extend
}

func (rs *runState) report(p notebooks.Progress) {
	if rs.progress == nil {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.last = p
	rs.progress(p)
}

// watchProgress reports DuckDB's progress of the session's running statement every 250 ms
// until the returned func is called; it returns once reporting has stopped.
func (s *Session) watchProgress(rs *runState) func() {
	if rs.progress == nil || !s.prog.ok {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		reported := -1.0
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			pct := s.prog.percent()
			if pct < 0 || pct == reported {
				continue
			}
			reported = pct
			rs.mu.Lock()
			p := rs.last
			rs.mu.Unlock()
			if p.Phase == notebooks.PhaseFetching || p.Phase == notebooks.PhaseQueued {
				// A statement before the fetch, or the engine's own small queries.
				continue
			}
			p.Phase, p.Position, p.Percent = notebooks.PhaseRunning, 0, &pct
			rs.report(p)
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// lakeTables returns the catalog tables a statement names, by a lexical scan: any word or
// quoted identifier that is a catalog table's name.
func (s *Session) lakeTables(stmt string) []*catalog.Table {
	cat := s.e.cat
	if cat == nil || cat.Len() == 0 {
		return nil
	}
	var out []*catalog.Table
	for _, t := range tokens(stmt) {
		if t.kind != tokWord && t.kind != tokIdent {
			continue
		}
		if tbl, ok := cat.Table(t.text); ok && !slices.Contains(out, tbl) {
			out = append(out, tbl)
		}
	}
	return out
}

// schemaOnly reports whether a statement needs only the tables' columns, not their rows.
func schemaOnly(stmt string) bool {
	toks := tokens(stmt)
	return len(toks) > 0 && (toks[0].is("DESCRIBE") || toks[0].is("DESC") ||
		toks[0].is("SHOW") && len(toks) > 1 && !toks[1].is("TABLES") && !toks[1].is("ALL"))
}

// lakeRun runs fn with the catalog tables stmt names brought in (bringIn) and taken out after.
// bringErr is bringIn's failure, runErr fn's. When fn fails on a sparse copy (DuckDB read a part
// of a Parquet file lakebook did not fetch, which the statement's columns said it would not),
// fn runs once more over whole files: a statement must never fail for the cache's sake.
func (s *Session) lakeRun(ctx context.Context, stmt string, rs *runState, fn func() error) (bringErr, runErr error) {
	for _, whole := range []bool{false, true} {
		done, sparse, err := s.bringIn(ctx, stmt, rs, whole)
		if err != nil {
			return err, nil
		}
		err = fn()
		done()
		if err == nil || ctx.Err() != nil || !mentionsAny(err, sparse) {
			return nil, err
		}
		slog.Warn("engine: a statement failed on sparse copies; running it over whole files", "err", err)
	}
	panic("unreachable")
}

// mentionsAny reports whether err's message names one of paths.
func mentionsAny(err error, paths []string) bool {
	msg := err.Error()
	for _, p := range paths {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// bringIn defines the catalog tables stmt uses as temp views over local copies of the files it
// needs: of Parquet files in object storage, only the parts holding the columns stmt references
// (sparse copies, whose paths it returns), unless whole is set or stmt may read columns it does
// not name. The returned func unpins the cached files; call it when the statement is done. The
// views stay until the next statement brings tables in, which drops them in the same call that
// defines its own: every statement passes here first, so no statement sees another's views, and
// a statement costs DuckDB one call for its views, however many tables it names.
func (s *Session) bringIn(ctx context.Context, stmt string, rs *runState, whole bool) (done func(), sparse []string, err error) {
	var views []string
	defer func() {
		if err != nil {
			s.staleViews = append(s.staleViews, views...)
		}
	}()
	tables := s.lakeTables(stmt)
	if len(tables) == 0 {
		if err := s.dropStaleViews(ctx); err != nil {
			return nil, nil, err
		}
		return func() {}, nil, nil
	}
	need, cols := s.plan(ctx, stmt, tables)
	if whole {
		cols.All = true
	}
	var leases []*cache.Lease
	done = func() {
		s.staleViews = append(s.staleViews, views...)
		views = nil
		for _, l := range leases {
			l.Release()
		}
	}
	type want struct {
		t     *catalog.Table
		files []crawl.File
		objs  []cache.Object // nil for a table in a local folder
		store *objstore.Store
	}
	var wants []want
	var totalFiles int
	var totalBytes int64
	for _, t := range tables {
		keep, used := need(t)
		if !used {
			continue
		}
		w := want{t: t}
		for i := range t.Files {
			if keep(&t.Files[i]) {
				w.files = append(w.files, t.Files[i])
			}
		}
		totalFiles += len(w.files)
		rs.stats.FilesScanned += len(w.files)
		rs.stats.FilesPruned += len(t.Files) - len(w.files)
		if _, ok := catalog.LocalDir(t.URL); ok {
			for _, f := range w.files {
				totalBytes += f.Size
			}
		} else if len(w.files) > 0 {
			if w.store, err = s.e.cat.Store(ctx, t.URL); err != nil {
				done()
				return nil, nil, err
			}
			if w.objs, err = s.objects(ctx, w.store, t, w.files, cols, rs); err != nil {
				done()
				if ctx.Err() != nil {
					return nil, nil, notebooks.Errorf(notebooks.ECanceled, "query canceled")
				}
				return nil, nil, fetchError(t, err)
			}
			for _, o := range w.objs {
				if o.Ranges == nil {
					totalBytes += o.Size
				}
				for _, r := range o.Ranges {
					totalBytes += r.Len
				}
			}
		}
		wants = append(wants, w)
	}
	rs.stats.BytesScanned += totalBytes

	prog := notebooks.Progress{Phase: notebooks.PhaseFetching, FilesTotal: totalFiles, BytesTotal: totalBytes}
	defs := make([]string, len(wants))
	for i, w := range wants {
		paths, lease, err := s.local(ctx, w.t, w.files, w.store, w.objs, rs, prog)
		if lease != nil {
			leases = append(leases, lease)
			prog.Files += lease.Stats.Files
			prog.Bytes += lease.Stats.BytesFetched + lease.Stats.BytesHit
		}
		if err != nil {
			done()
			return nil, nil, err
		}
		for i, o := range w.objs {
			if o.Ranges != nil {
				sparse = append(sparse, paths[i])
			}
		}
		defs[i] = viewSQL(w.t, w.files, paths)
	}
	// The stale views go in the same call, but those this statement defines again.
	var batch strings.Builder
	stale := s.takeStaleViews()
	for _, v := range stale {
		if !slices.ContainsFunc(wants, func(w want) bool { return w.t.Name == v }) {
			batch.WriteString(dropViewSQL(v) + ";\n")
		}
	}
	for _, d := range defs {
		batch.WriteString(d + ";\n")
	}
	for _, w := range wants {
		views = append(views, w.t.Name)
	}
	if _, err := s.conn.ExecContext(ctx, batch.String()); err != nil {
		s.staleViews = append(s.staleViews, stale...) // dropping is idempotent: again next time
		done()
		if ctx.Err() != nil {
			return nil, nil, canceledOr(ctx, err)
		}
		// Say which table's view failed: define them one at a time.
		for i, w := range wants {
			if _, err := s.conn.ExecContext(ctx, defs[i]); err != nil {
				return nil, nil, canceledOr(ctx, notebooks.Errorf(notebooks.ERun, "table %s: %s", w.t.Name, duckMessage(err)))
			}
		}
		return nil, nil, notebooks.Errorf(notebooks.ERun, "the views of %d tables: %s", len(wants), duckMessage(err))
	}
	rs.report(notebooks.Progress{Phase: notebooks.PhaseRunning, Files: prog.Files, FilesTotal: totalFiles, Bytes: prog.Bytes, BytesTotal: totalBytes})
	return done, sparse, nil
}

// takeStaleViews returns the views earlier statements left and forgets them.
func (s *Session) takeStaleViews() []string {
	v := s.staleViews
	s.staleViews = nil
	return v
}

// dropStaleViews drops the views earlier statements left, in one call.
func (s *Session) dropStaleViews(ctx context.Context) error {
	views := s.takeStaleViews()
	if len(views) == 0 {
		return nil
	}
	var b strings.Builder
	for _, v := range views {
		b.WriteString(dropViewSQL(v) + ";\n")
	}
	if _, err := s.conn.ExecContext(context.WithoutCancel(ctx), b.String()); err != nil {
		// A view still standing would answer this statement with another's files.
		s.staleViews = views
		return notebooks.Errorf(notebooks.ERun, "dropping the views of earlier statements: %s", duckMessage(err))
	}
	return nil
}

func dropViewSQL(name string) string { return "DROP VIEW IF EXISTS temp.main." + quoteIdent(name) }

// plan returns, per table, whether the statement uses it and which files it may read, and the
// columns the statement references.
func (s *Session) plan(ctx context.Context, stmt string, tables []*catalog.Table) (func(*catalog.Table) (keep func(*crawl.File) bool, used bool), prune.Columns) {
	all := func(*crawl.File) bool { return true }
	none := func(*crawl.File) bool { return false }
	if schemaOnly(stmt) {
		return func(*catalog.Table) (func(*crawl.File) bool, bool) { return none, true }, prune.Columns{All: true}
	}
	lookup := func(name string) (*prune.Table, bool) {
		for _, t := range tables {
			if strings.EqualFold(t.Name, name) {
				return &prune.Table{Name: t.Name, Columns: t.Columns, PartitionKeys: t.PartitionKeys}, true
			}
		}
		return nil, false
	}
	p, err := prune.Analyze(ctx, s.conn, stmt, lookup)
	if err != nil {
		// Not a SELECT (CREATE TABLE … AS, COPY, INSERT), or not understood: read everything
		// the statement names, which is never wrong.
		return func(*catalog.Table) (func(*crawl.File) bool, bool) { return all, true }, prune.Columns{All: true}
	}
	return func(t *catalog.Table) (func(*crawl.File) bool, bool) {
		for name, n := range p.Tables {
			if strings.EqualFold(name, t.Name) {
				return n.Keep, true
			}
		}
		// The name appeared only as a column or an alias.
		return nil, false
	}, p.Columns
}

// objects are the cache objects for files of t in store: for Parquet files, when cols names
// what the statement reads, only the ranges of those columns (pqrange).
func (s *Session) objects(ctx context.Context, store *objstore.Store, t *catalog.Table, files []crawl.File, cols prune.Columns, rs *runState) ([]cache.Object, error) {
	objs := make([]cache.Object, len(files))
	for i, f := range files {
		objs[i] = cache.Object{Key: f.Key, Size: f.Size, ETag: f.ETag, Name: f.Key}
	}
	if cols.All || t.Format != crawl.FormatParquet {
		return objs, nil
	}
	layouts, fetched, err := s.e.layoutsOf(ctx, store, objs, files)
	rs.stats.BytesFetched += fetched
	if err != nil {
		return nil, err
	}
	names := slices.Collect(maps.Keys(cols.Names))
	for i := range objs {
		if l := layouts[i]; l != nil {
			objs[i].Ranges = l.Ranges(names)
		}
	}
	return objs, nil
}

// footerGuess is how many bytes at the end of a Parquet object the first read of its footer
// takes when the catalog does not know the footer's size (tables crawled before it kept it):
// most footers fit; a larger one takes a second read of its exact size.
const footerGuess = objstore.DefaultTail

// layoutsOf returns the layouts of Parquet objects (objs[i] is files[i]): as the catalog keeps
// them, else read from sparse copies of the objects' tails (the footer's size when the catalog
// knows it), and kept; and the bytes it fetched. A nil layout means the object is fetched whole:
// its footer does not parse, and DuckDB will say what is wrong with it.
func (e *Engine) layoutsOf(ctx context.Context, store *objstore.Store, objs []cache.Object, files []crawl.File) (layouts []*pqrange.Layout, fetched int64, err error) {
	layouts = make([]*pqrange.Layout, len(objs))
	tails := make([]int64, len(objs)) // bytes of tail to read
	var todo []int
	for i, o := range objs {
		if l := files[i].Layout; l != nil {
			layouts[i] = l
			continue
		}
		if l, ok := e.layouts.Load(layoutKey(store, o)); ok {
			layouts[i] = l.(*pqrange.Layout)
			continue
		}
		tails[i] = min(o.Size, cmp.Or(files[i].Footer, footerGuess))
		todo = append(todo, i)
	}
	for round := 0; len(todo) > 0 && round < 2; round++ {
		req := make([]cache.Object, len(todo))
		for j, i := range todo {
			req[j] = objs[i]
			req[j].Ranges = []objstore.Range{{Off: objs[i].Size - tails[i], Len: tails[i]}}
		}
		// The statement's own fetch asks for the footers again, so they need no pin here.
		lease, err := e.cache.Fetch(ctx, store, req, nil)
		if err != nil {
			return nil, fetched, err
		}
		fetched += lease.Stats.BytesFetched
		var again []int
		for j, i := range todo {
			l, err := readLayout(lease.Paths[j], objs[i].Size, tails[i])
			var short *pqrange.ShortTailError
			switch {
			case errors.As(err, &short) && round == 0:
				tails[i] = short.Need
				again = append(again, i)
			case err == nil:
				layouts[i] = l
				e.layouts.Store(layoutKey(store, objs[i]), l)
			}
		}
		lease.Release()
		todo = again
	}
	return layouts, fetched, nil
}

// readLayout parses the layout from the last n bytes of the local copy at path.
func readLayout(path string, size, n int64) (*pqrange.Layout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, size-n); err != nil {
		return nil, err
	}
	return pqrange.Parse(tail, size)
}

func layoutKey(store *objstore.Store, o cache.Object) string {
	return store.URL() + "\x00" + o.Key + "\x00" + o.ETag
}

// local returns local paths for files of t: the files themselves for a table in a local
// folder, else copies of objs in the cache, pinned by the returned lease.
func (s *Session) local(ctx context.Context, t *catalog.Table, files []crawl.File, store *objstore.Store, objs []cache.Object, rs *runState, base notebooks.Progress) ([]string, *cache.Lease, error) {
	if dir, ok := catalog.LocalDir(t.URL); ok {
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i] = filepath.Join(dir, filepath.FromSlash(f.Key))
		}
		return paths, nil, nil
	}
	if len(objs) == 0 {
		return nil, nil, nil
	}
	rs.report(base)
	lease, err := s.e.cache.Fetch(ctx, store, objs, func(p cache.Progress) {
		q := base
		q.Files += p.Files
		q.Bytes += p.Bytes
		rs.report(q)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, notebooks.Errorf(notebooks.ECanceled, "query canceled")
		}
		return nil, nil, fetchError(t, err)
	}
	rs.stats.BytesFetched += lease.Stats.BytesFetched
	rs.stats.CacheHits += lease.Stats.Hits
	return lease.Paths, lease, nil
}

var objectIn = regexp.MustCompile(`(?:download|read) (\S+?): `)

// fetchError says which object of which table could not be fetched, and what to do about it.
func fetchError(t *catalog.Table, err error) error {
	where := "a file"
	if m := objectIn.FindStringSubmatch(err.Error()); m != nil {
		where = m[1]
	}
	switch {
	case errors.Is(err, objstore.ErrNotFound):
		return notebooks.Errorf(notebooks.ERun, "table %s: %s is gone since the table was crawled; run MSCK REPAIR TABLE %s", t.Name, where, t.Name)
	case errors.Is(err, objstore.ErrChanged), errors.Is(err, objstore.ErrSizeMismatch):
		return notebooks.Errorf(notebooks.ERun, "table %s: %s changed since the table was crawled; run MSCK REPAIR TABLE %s", t.Name, where, t.Name)
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, where+": "); i >= 0 && where != "a file" {
		msg = msg[i+len(where)+2:]
	}
	return notebooks.Errorf(notebooks.ERun, "table %s: fetching %s failed: %s", t.Name, where, msg)
}

// viewSQL defines t as a temp view over local copies of files.
func viewSQL(t *catalog.Table, files []crawl.File, paths []string) string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE TEMP VIEW " + quoteIdent(t.Name) + " AS ")
	if len(paths) == 0 {
		// Every file was pruned (or only the schema is wanted): no rows, the right columns.
		b.WriteString("SELECT ")
		for i, c := range slices.Concat(t.Columns, t.PartitionKeys) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "CAST(NULL AS %s) AS %s", c.Type, quoteIdent(c.Name))
		}
		b.WriteString(" LIMIT 0")
		return b.String()
	}
	reader := map[string]string{crawl.FormatParquet: "read_parquet", crawl.FormatCSV: "read_csv", crawl.FormatJSON: "read_json"}[t.Format]
	b.WriteString("SELECT * FROM " + reader + "([")
	for i, p := range paths {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(p))
	}
	b.WriteString("]")
	if len(t.PartitionKeys) > 0 {
		b.WriteString(", hive_partitioning = true, hive_types_autocast = false, hive_types = {")
		for i, k := range t.PartitionKeys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k.Name) + ": " + quote(k.Type))
		}
		b.WriteString("}")
	} else {
		b.WriteString(", hive_partitioning = false")
	}
	if mixedSchemas(t, files) {
		b.WriteString(", union_by_name = true")
	}
	if t.Format == crawl.FormatJSON {
		b.WriteString(", format = 'newline_delimited'")
	}
	b.WriteString(")")
	return b.String()
}

// mixedSchemas reports whether the files do not all have the table's columns.
func mixedSchemas(t *catalog.Table, files []crawl.File) bool {
	for _, f := range files {
		if len(f.Columns) > 0 && !slices.Equal(f.Columns, t.Columns) {
			return true
		}
	}
	return false
}

// duckMessage is a DuckDB error's text without the driver's decoration.
func duckMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\n\nLINE "); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// admission bounds how many queries run at once; the rest wait in order of arrival. A notebook
// runs one paragraph at a time, so with two or more slots one notebook's huge query cannot
// hold up small queries of other notebooks.
type admission struct {
	slots chan struct{}
	mu    sync.Mutex
	queue []*waiter
}

type waiter struct {
	ready    chan struct{}
	position func(int)
}

func newAdmission(n int) *admission {
	return &admission{slots: make(chan struct{}, n)}
}

// acquire waits for a slot; position is told the waiter's place in the queue (1 is next) each
// time it changes. The returned func frees the slot.
func (a *admission) acquire(ctx context.Context, position func(int)) (func(), error) {
	a.mu.Lock()
	if len(a.queue) == 0 {
		select {
		case a.slots <- struct{}{}:
			a.mu.Unlock()
			return a.release, nil
		default:
		}
	}
	w := &waiter{ready: make(chan struct{}), position: position}
	a.queue = append(a.queue, w)
	if position != nil {
		position(len(a.queue))
	}
	a.mu.Unlock()
	select {
	case <-w.ready:
		return a.release, nil
	case <-ctx.Done():
		a.mu.Lock()
		defer a.mu.Unlock()
		select {
		case <-w.ready:
			// Granted just now: hand the slot on.
			a.releaseLocked()
		default:
			a.remove(w)
		}
		return nil, notebooks.Errorf(notebooks.ECanceled, "query canceled")
	}
}

func (a *admission) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.releaseLocked()
}

// releaseLocked passes the slot to the first waiter, or frees it.
func (a *admission) releaseLocked() {
	if len(a.queue) == 0 {
		<-a.slots
		return
	}
	w := a.queue[0]
	a.queue = a.queue[1:]
	close(w.ready)
	a.tell()
}

func (a *admission) remove(w *waiter) {
	if i := slices.Index(a.queue, w); i >= 0 {
		a.queue = slices.Delete(a.queue, i, i+1)
		a.tell()
	}
}

func (a *admission) tell() {
	for i, w := range a.queue {
		if w.position != nil {
			w.position(i + 1)
		}
	}
}

// sinceMs is milliseconds since t.
func sinceMs(t time.Time) int64 { return time.Since(t).Milliseconds() }
