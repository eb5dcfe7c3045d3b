package engine

import (
	"context"
	"errors"
	"fmt"
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

// bringIn defines the catalog tables stmt uses as temp views over local copies of the files it
// needs. The returned func drops the views and unpins the cached files; call it when the
// statement is done.
func (s *Session) bringIn(ctx context.Context, stmt string, rs *runState) (func(), error) {
	tables := s.lakeTables(stmt)
	if len(tables) == 0 {
		return func() {}, nil
	}
	need := s.plan(ctx, stmt, tables)
	var (
		views  []string
		leases []*cache.Lease
	)
	done := func() {
		for _, v := range views {
			// A failure leaves a view over files that may be evicted: the next statement
			// naming the table replaces it, so it is not worth failing the run for.
			s.conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS temp.main."+quoteIdent(v))
		}
		for _, l := range leases {
			l.Release()
		}
	}
	type want struct {
		t     *catalog.Table
		files []crawl.File
	}
	var wants []want
	var totalFiles int
	var totalBytes int64
	for _, t := range tables {
		keep, used := need(t)
		if !used {
			continue
		}
		var files []crawl.File
		for i := range t.Files {
			if keep(&t.Files[i]) {
				files = append(files, t.Files[i])
				totalBytes += t.Files[i].Size
			}
		}
		totalFiles += len(files)
		rs.stats.FilesScanned += len(files)
		rs.stats.FilesPruned += len(t.Files) - len(files)
		wants = append(wants, want{t, files})
	}
	rs.stats.BytesScanned += totalBytes

	prog := notebooks.Progress{Phase: notebooks.PhaseFetching, FilesTotal: totalFiles, BytesTotal: totalBytes}
	for _, w := range wants {
		paths, lease, err := s.local(ctx, w.t, w.files, rs, prog)
		if lease != nil {
			leases = append(leases, lease)
			prog.Files += lease.Stats.Files
			prog.Bytes += lease.Stats.BytesFetched + lease.Stats.BytesHit
		}
		if err != nil {
			done()
			return nil, err
		}
		if _, err := s.conn.ExecContext(ctx, viewSQL(w.t, w.files, paths)); err != nil {
			done()
			return nil, canceledOr(ctx, notebooks.Errorf(notebooks.ERun, "table %s: %s", w.t.Name, duckMessage(err)))
		}
		views = append(views, w.t.Name)
	}
	rs.report(notebooks.Progress{Phase: notebooks.PhaseRunning, Files: prog.Files, FilesTotal: totalFiles, Bytes: prog.Bytes, BytesTotal: totalBytes})
	return done, nil
}

// plan returns, per table, whether the statement uses it and which files it may read.
func (s *Session) plan(ctx context.Context, stmt string, tables []*catalog.Table) func(*catalog.Table) (keep func(*crawl.File) bool, used bool) {
	all := func(*crawl.File) bool { return true }
	none := func(*crawl.File) bool { return false }
	if schemaOnly(stmt) {
		return func(*catalog.Table) (func(*crawl.File) bool, bool) { return none, true }
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
		return func(*catalog.Table) (func(*crawl.File) bool, bool) { return all, true }
	}
	return func(t *catalog.Table) (func(*crawl.File) bool, bool) {
		for name, n := range p.Tables {
			if strings.EqualFold(name, t.Name) {
				return n.Keep, true
			}
		}
		// The name appeared only as a column or an alias.
		return nil, false
	}
}

// local returns local paths for files of t: the files themselves for a table in a local
// folder, else copies in the cache, pinned by the returned lease.
func (s *Session) local(ctx context.Context, t *catalog.Table, files []crawl.File, rs *runState, base notebooks.Progress) ([]string, *cache.Lease, error) {
	if dir, ok := catalog.LocalDir(t.URL); ok {
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i] = filepath.Join(dir, filepath.FromSlash(f.Key))
		}
		return paths, nil, nil
	}
	store, err := s.e.cat.Store(ctx, t.URL)
	if err != nil {
		return nil, nil, err
	}
	objs := make([]cache.Object, len(files))
	for i, f := range files {
		objs[i] = cache.Object{Key: f.Key, Size: f.Size, ETag: f.ETag, Name: f.Key}
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

var objectIn = regexp.MustCompile(`download (\S+?): `)

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
