package engine

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/notebooks"
)

// Result is what a paragraph produced: the last statement's rows, or a message for a statement
// without rows.
type Result struct {
	// ID names the result for Page and Drop; empty when there are no rows to page.
	ID string
	// Columns is nil when the last statement returned no rows (DDL, INSERT, SET).
	Columns []notebooks.Column
	// RowCount is the true number of rows of the result.
	RowCount int64
	// Rows is the first page.
	Rows [][]any
	// Message is for the user: "OK" or "3 rows affected" for statements without rows, the
	// plan of an EXPLAIN, or a note that a result was cut short.
	Message string
	// Elapsed is how long Query took, including any wait for the session's previous call.
	Elapsed time.Duration
	// Stats is what the run read: files scanned and pruned, bytes fetched, cache hits.
	Stats notebooks.QueryStats
}

// Session is one notebook's connection to the engine. Its methods may be called concurrently,
// but they run one at a time: a Page waits for a running Query of the same session.
type Session struct {
	e    *Engine
	id   int64
	conn *sql.Conn
	prog progressHandle
	busy chan struct{} // held while the connection is in use

	mu        sync.Mutex // guards the fields below
	results   map[string]*result
	drops     []string // tables of dropped results, removed at the next use of the connection
	seq       int64
	cancelRun context.CancelFunc // cancels the running Query; for Close
	// giveWay interrupts the call holding the connection when it is one that gives way to
	// other callers (Save); nil otherwise.
	giveWay context.CancelFunc
	closed  bool
	// registered holds the (lowercase) names of the temp tables RegisterArrow made, which it
	// may replace.
	registered map[string]bool
	// staleViews are the catalog tables' views the last statement left (bringIn drops them);
	// touched only while holding the connection.
	staleViews []string
}

// result is a materialized result: rows in a temp table, or, when they all fit in a page or
// could not be put in a table, in rows.
type result struct {
	table string
	sel   string // select list for pages; empty for *
	// rowidColumn is set when a column named rowid hides DuckDB's row number.
	rowidColumn bool
	rows        [][]any
	count       int64
	// cols are the columns of rows, for results.go to load them into DuckDB.
	cols []notebooks.Column
	// mem is the table results.go loaded rows into on first need (Rows, Pivot …); it goes
	// with the result.
	mem string
	// desc is results.go's description of the result's table, kept for the next call.
	desc *tableDesc
}

// Query runs a paragraph: every statement in order, the last one's rows (if any) become the
// Result. A failing statement stops the paragraph and is returned as a *notebooks.Error with
// code ERun, pointing at its line and column; cancelling ctx returns ECanceled within
// milliseconds and leaves the session usable.
func (s *Session) Query(ctx context.Context, text string) (*Result, error) {
	return s.QueryWith(ctx, text, nil)
}

// QueryWith is Query, telling progress (may be nil) where the run is: waiting for one of the
// engine's query slots, fetching catalog tables' files, running.
func (s *Session) QueryWith(ctx context.Context, text string, progress func(notebooks.Progress)) (*Result, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, cancel); err != nil {
		return nil, err
	}
	defer s.release()
	rs := &runState{progress: progress}
	free, err := s.e.admit.acquire(ctx, func(pos int) {
		rs.report(notebooks.Progress{Phase: notebooks.PhaseQueued, Position: pos})
	})
	if err != nil {
		return nil, err
	}
	defer free()
	rs.stats.QueuedMs = sinceMs(start)
	stop := s.watchProgress(rs)
	res, err := s.run(ctx, text, rs)
	stop()
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	rs.stats.ElapsedMs = res.Elapsed.Milliseconds()
	rs.stats.Rows = res.RowCount
	res.Stats = rs.stats
	return res, nil
}

func (s *Session) run(ctx context.Context, text string, rs *runState) (*Result, error) {
	spans := split(text)
	ext := make([]*extStmt, len(spans))
	nExt := 0
	if s.e.cat != nil {
		for i, sp := range spans {
			x, err := parseExternal(text[sp.Start:sp.End])
			if err != nil {
				e := notebooks.Errorf(notebooks.ERun, "%s", err)
				e.Line, e.Column = lineColumn(text, sp.Start+err.(*extError).off)
				return nil, e
			}
			if x != nil {
				ext[i] = x
				nExt++
			}
		}
	}
	check := text
	if nExt > 0 {
		check = blankExternal(text, spans, ext)
	}
	n, err := s.e.parser.count(check)
	if err != nil {
		return nil, s.fail(ctx, err, text, execText{sql: text, span: stmtSpan{0, len(text)}}, false)
	}
	if n+nExt == 0 {
		return &Result{}, nil
	}
	if n+nExt != len(spans) {
		if nExt > 0 {
			return nil, notebooks.Errorf(notebooks.ERun, "this paragraph could not be split into statements; put CREATE EXTERNAL TABLE and the like in a paragraph of their own")
		}
		// The lexer and DuckDB disagree: let DuckDB split, and read the last result directly.
		var res *Result
		bringErr, err := s.lakeRun(ctx, text, rs, func() (err error) {
			res, err = s.direct(ctx, text, text, stmtSpan{0, len(text)}, false)
			return err
		})
		return res, cmp.Or(bringErr, err)
	}
	multi := len(spans) > 1
	for i, sp := range spans[:len(spans)-1] {
		if ext[i] != nil {
			if _, err := s.external(ctx, text, sp, ext[i], rs, multi); err != nil {
				return nil, err
			}
			continue
		}
		stmt := text[sp.Start:sp.End]
		bringErr, err := s.lakeRun(ctx, stmt, rs, func() error {
			_, err := s.conn.ExecContext(ctx, stmt)
			return err
		})
		if bringErr != nil {
			return nil, atStatement(bringErr, text, sp, multi)
		}
		if err != nil {
			return nil, s.fail(ctx, err, text, execText{sql: stmt, span: sp}, multi)
		}
	}
	last := spans[len(spans)-1]
	if x := ext[len(spans)-1]; x != nil {
		return s.external(ctx, text, last, x, rs, multi)
	}
	var res *Result
	bringErr, err := s.lakeRun(ctx, text[last.Start:last.End], rs, func() (err error) {
		res, err = s.last(ctx, text, last, multi)
		return err
	})
	if bringErr != nil {
		return nil, atStatement(bringErr, text, last, multi)
	}
	return res, err
}

// split is splitStatements; tests replace it to exercise the fallback.
var split = splitStatements

// wrappers turn a row-returning statement into one that materializes its rows. The second
// covers statements CREATE TABLE … AS does not take but a subquery does (DESCRIBE, SHOW,
// SUMMARIZE); the newline keeps a trailing -- comment from eating the parenthesis.
var wrappers = []struct{ before, after string }{
	{"CREATE TEMP TABLE %s AS ", ""},
	{"CREATE TEMP TABLE %s AS FROM (", "\n)"},
}

// last runs the paragraph's last statement, materialized into a temp table when DuckDB accepts
// it as a query, else directly.
func (s *Session) last(ctx context.Context, text string, sp stmtSpan, multi bool) (*Result, error) {
	stmt := text[sp.Start:sp.End]
	table := s.nextTable()
	for _, w := range wrappers {
		before := fmt.Sprintf(w.before, table)
		q := before + stmt + w.after
		var count int64
		err := s.conn.QueryRowContext(ctx, q).Scan(&count)
		if err == nil {
			return s.materialized(ctx, table, count)
		}
		// The whole paragraph parsed, so a syntax error here means only that the wrapper does
		// not fit this kind of statement.
		var de *duckdb.Error
		if errors.As(err, &de) && de.Type == duckdb.ErrorTypeParser && ctx.Err() == nil {
			continue
		}
		return nil, s.fail(ctx, err, text, execText{sql: q, prefix: len(before), span: sp}, multi)
	}
	return s.direct(ctx, text, stmt, sp, multi)
}

// materialized reads the first page of a result table. A result that fits in it is kept in
// memory and its table dropped, so the usual small result holds no DuckDB memory.
func (s *Session) materialized(ctx context.Context, table string, count int64) (*Result, error) {
	pageSize := s.e.opts.PageSize
	r := &result{table: table, count: count}
	types, err := s.selectList(ctx, r)
	if err != nil {
		s.queueDrop(table)
		return nil, canceledOr(ctx, fmt.Errorf("engine: describe result: %w", err))
	}
	page, err := s.read(ctx, r.pageQuery(0, int64(pageSize)), pageSize, false)
	if err != nil {
		s.queueDrop(table)
		return nil, canceledOr(ctx, fmt.Errorf("engine: read result: %w", err))
	}
	for i, t := range types {
		if t != "" && i < len(page.cols) {
			page.cols[i].Type = t
		}
	}
	if count <= int64(len(page.rows)) {
		// Dropped before the session's next statement, not now: the user is waiting.
		r.table, r.rows, r.count, r.cols = "", page.rows, int64(len(page.rows)), page.cols
		s.queueDrop(table)
	}
	return &Result{ID: s.keep(r), Columns: page.cols, RowCount: r.count, Rows: page.rows}, nil
}

// pageQuery reads rows [offset, offset+limit). CREATE TABLE AS numbers rows 0..n-1 in the
// order the query produced them (DuckDB's preserve_insertion_order), so a rowid range is a
// page in order; DuckDB pushes it into the scan, which makes it several times faster than
// LIMIT/OFFSET, needed only when a column named rowid hides the pseudo-column.
func (r *result) pageQuery(offset, limit int64) string {
	sel := cmp.Or(r.sel, "*")
	if r.rowidColumn {
		return fmt.Sprintf("SELECT %s FROM temp.main.%s LIMIT %d OFFSET %d", sel, r.table, limit, offset)
	}
	return fmt.Sprintf("SELECT %s FROM temp.main.%s WHERE rowid >= %d AND rowid < %d", sel, r.table, offset, offset+limit)
}

// selectList looks at the columns of r's table: it sets r.sel so that pages read as text the
// columns whose type the driver cannot read (VARIANT, TIME_NS), returning DuckDB's names for
// those columns' types, and notes a column named rowid.
func (s *Session) selectList(ctx context.Context, r *result) (types []string, err error) {
	cols, err := s.driverColumns(ctx, r.table)
	if err != nil {
		return nil, err
	}
	cast := false
	for _, c := range cols {
		r.rowidColumn = r.rowidColumn || strings.EqualFold(c.name, "rowid")
		cast = cast || !c.readable
	}
	if !cast {
		return nil, nil
	}
	if err := s.describeTypes(ctx, r.table, cols); err != nil {
		return nil, err
	}
	types = make([]string, len(cols))
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = c.ident()
		if !c.readable {
			sel[i] = "CAST(" + sel[i] + " AS VARCHAR) AS " + sel[i]
			types[i] = c.typ
		}
	}
	r.sel = strings.Join(sel, ", ")
	return types, nil
}

// readable reports whether the driver can read values of type ti.
func readable(ti duckdb.TypeInfo) bool {
	switch d := ti.Details().(type) {
	case *duckdb.ListDetails:
		return readable(d.Child)
	case *duckdb.ArrayDetails:
		return readable(d.Child)
	case *duckdb.MapDetails:
		return readable(d.Key) && readable(d.Value)
	case *duckdb.StructDetails:
		for _, e := range d.Entries {
			if !readable(e.Info()) {
				return false
			}
		}
		return true
	case *duckdb.UnionDetails:
		for _, m := range d.Members {
			if !readable(m.Type) {
				return false
			}
		}
		return true
	}
	return readableTypes[ti.InternalType()]
}

var readableTypes = map[duckdb.Type]bool{
	duckdb.TYPE_BOOLEAN: true, duckdb.TYPE_TINYINT: true, duckdb.TYPE_SMALLINT: true,
	duckdb.TYPE_INTEGER: true, duckdb.TYPE_BIGINT: true, duckdb.TYPE_UTINYINT: true,
	duckdb.TYPE_USMALLINT: true, duckdb.TYPE_UINTEGER: true, duckdb.TYPE_UBIGINT: true,
	duckdb.TYPE_FLOAT: true, duckdb.TYPE_DOUBLE: true, duckdb.TYPE_TIMESTAMP: true,
	duckdb.TYPE_DATE: true, duckdb.TYPE_TIME: true, duckdb.TYPE_INTERVAL: true,
	duckdb.TYPE_HUGEINT: true, duckdb.TYPE_UHUGEINT: true, duckdb.TYPE_VARCHAR: true,
	duckdb.TYPE_BLOB: true, duckdb.TYPE_DECIMAL: true, duckdb.TYPE_TIMESTAMP_S: true,
	duckdb.TYPE_TIMESTAMP_MS: true, duckdb.TYPE_TIMESTAMP_NS: true, duckdb.TYPE_ENUM: true,
	duckdb.TYPE_UUID: true, duckdb.TYPE_BIT: true, duckdb.TYPE_TIME_TZ: true,
	duckdb.TYPE_TIMESTAMP_TZ: true, duckdb.TYPE_BIGNUM: true, duckdb.TYPE_SQLNULL: true,
	duckdb.TYPE_GEOMETRY: true,
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// direct runs a statement whose rows cannot be put in a table (EXPLAIN, PRAGMA, CALL,
// INSERT … RETURNING) or that returns none, keeping at most DirectRowLimit rows.
func (s *Session) direct(ctx context.Context, text, stmt string, sp stmtSpan, multi bool) (*Result, error) {
	limit := s.e.opts.DirectRowLimit
	rr, err := s.read(ctx, stmt, limit, true)
	if err != nil {
		return nil, s.fail(ctx, err, text, execText{sql: stmt, span: sp}, multi)
	}
	switch {
	case rr.typ == duckdb.STATEMENT_TYPE_EXPLAIN && len(rr.cols) == 2:
		var plan []string
		for _, row := range rr.rows {
			plan = append(plan, fmt.Sprint(row[1]))
		}
		return &Result{Message: strings.Join(plan, "\n")}, nil
	case isStatus(rr):
		return &Result{Message: statusMessage(rr)}, nil
	}
	r := &result{rows: rr.rows, count: int64(len(rr.rows)), cols: rr.cols}
	res := &Result{ID: s.keep(r), Columns: rr.cols, RowCount: r.count, Rows: firstPage(rr.rows, s.e.opts.PageSize)}
	if rr.total > int64(len(rr.rows)) {
		res.Message = fmt.Sprintf("showing the first %d of %d rows: this kind of statement cannot be paged further", len(rr.rows), rr.total)
	}
	return res, nil
}

// isStatus reports whether a statement returned DuckDB's status row instead of data: a
// "Success" flag, or a "Count" of changed rows.
func isStatus(rr *readResult) bool {
	if len(rr.cols) != 1 || len(rr.rows) > 1 {
		return false
	}
	c := rr.cols[0]
	return c.Name == "Success" && c.Type == "BOOLEAN" ||
		c.Name == "Count" && c.Type == "BIGINT" && rr.typ != duckdb.STATEMENT_TYPE_SELECT
}

// statusMessage is what psql and the DuckDB shell users expect: the number of rows a DML
// statement changed, OK for the rest.
func statusMessage(rr *readResult) string {
	switch rr.typ {
	case duckdb.STATEMENT_TYPE_INSERT, duckdb.STATEMENT_TYPE_UPDATE, duckdb.STATEMENT_TYPE_DELETE,
		duckdb.STATEMENT_TYPE_COPY:
		if len(rr.rows) == 0 {
			break
		}
		if n, ok := rr.rows[0][0].(int64); ok {
			if n == 1 {
				return "1 row affected"
			}
			return fmt.Sprintf("%d rows affected", n)
		}
	}
	return "OK"
}

func firstPage(rows [][]any, n int) [][]any {
	return rows[:min(n, len(rows))]
}

// Page returns rows [offset, offset+limit) of the result named id, in the result's order. A
// limit of 0 means the session's page size; limits above MaxPageSize are cut to it.
func (s *Session) Page(ctx context.Context, id string, offset, limit int64) ([][]any, error) {
	if offset < 0 || limit < 0 {
		return nil, notebooks.Errorf(notebooks.EInvalid, "page: negative offset or limit")
	}
	if limit == 0 {
		limit = int64(s.e.opts.PageSize)
	}
	limit = min(limit, int64(s.e.opts.MaxPageSize))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, nil); err != nil {
		return nil, err
	}
	defer s.release()
	s.mu.Lock()
	r := s.results[id]
	s.mu.Unlock()
	if r == nil {
		return nil, notebooks.Errorf(notebooks.ENotFound, "result %q not found", id)
	}
	if r.table == "" {
		lo := min(offset, int64(len(r.rows)))
		hi := min(lo+limit, int64(len(r.rows)))
		return r.rows[lo:hi:hi], nil
	}
	page, err := s.read(ctx, r.pageQuery(offset, limit), int(limit), false)
	if err != nil {
		return nil, s.resultError(ctx, id, err)
	}
	return page.rows, nil
}

// Drop forgets the result named id. It does not wait for a running query: the result's table
// is dropped when the session next uses its connection.
func (s *Session) Drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.results[id]; r != nil {
		delete(s.results, id)
		if r.table != "" {
			s.drops = append(s.drops, r.table)
		}
		if r.mem != "" {
			s.drops = append(s.drops, r.mem)
		}
	}
}

// Close cancels a running query and closes the connection, which drops the session's temp
// tables, result tables included.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.cancelRun != nil {
		s.cancelRun()
	}
	s.mu.Unlock()
	s.busy <- struct{}{}
	defer func() { <-s.busy }()
	s.mu.Lock()
	s.results, s.drops = nil, nil
	s.mu.Unlock()
	// Returning ErrBadConn makes database/sql close the connection instead of pooling it.
	_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
	if err := s.conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("engine: close session: %w", err)
	}
	return nil
}

// acquire takes the connection, waiting for the session's running call; cancel, when given,
// lets Close interrupt the call that holds it.
//
// A call whose ctx came through givingWay gives way: any other caller that finds it holding the
// connection interrupts it.
func (s *Session) acquire(ctx context.Context, cancel context.CancelFunc) error {
	yield, background := ctx.Value(giveWayKey{}).(context.CancelFunc)
	if !background {
		s.mu.Lock()
		if s.giveWay != nil {
			s.giveWay()
		}
		s.mu.Unlock()
	}
	select {
	case s.busy <- struct{}{}:
	case <-ctx.Done():
		return notebooks.Errorf(notebooks.ECanceled, "query canceled while waiting for the session")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.busy
		return notebooks.Errorf(notebooks.EUnavailable, "session closed")
	}
	s.cancelRun = cancel
	if background {
		s.giveWay = yield
	}
	drops := s.drops
	s.drops = nil
	s.mu.Unlock()
	for _, t := range drops {
		// Best effort: a table the user dropped or a rolled-back transaction took is gone anyway.
		_, _ = s.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.main."+t)
	}
	return nil
}

func (s *Session) release() {
	s.mu.Lock()
	s.cancelRun = nil
	s.giveWay = nil
	s.mu.Unlock()
	<-s.busy
}

type giveWayKey struct{}

// givingWay returns a context for a call that gives way to every other caller of the session,
// and reports, after the call, whether it was interrupted to do so.
func givingWay(ctx context.Context) (context.Context, func() bool, context.CancelFunc) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	ctx = context.WithValue(ctx, giveWayKey{}, cancel)
	return ctx, func() bool { return ctx.Err() != nil && parent.Err() == nil }, cancel
}

func (s *Session) nextTable() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("__lakebook_result_%d", s.seq)
}

func (s *Session) keep(r *result) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("s%dr%d", s.id, s.seq)
	s.results[id] = r
	return id
}

func (s *Session) queueDrop(table string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops = append(s.drops, table)
}

// fail is runError, plus a hint when confinement denied a relative path only because the
// server runs outside the workspace.
func (s *Session) fail(ctx context.Context, err error, text string, x execText, multi bool) error {
	err = runError(ctx, err, text, x, multi)
	var ne *notebooks.Error
	if s.e.relativeOK || !errors.As(err, &ne) || !strings.HasPrefix(ne.Message, "Permission Error") {
		return err
	}
	if _, rest, ok := strings.Cut(ne.Message, `file "`); ok && !strings.HasPrefix(rest, "/") {
		ne.Message += " (relative paths work only when the server runs inside the workspace; use an absolute path under it)"
	}
	return err
}

// readResult is the converted output of one statement.
type readResult struct {
	typ   duckdb.StmtType
	cols  []notebooks.Column
	rows  [][]any // at most keep rows
	total int64   // rows the statement returned, when counted
}

// read runs one statement and converts at most keep rows; with countAll it reads (and drops)
// the rest to count them. It goes through the driver's own statement to learn each column's
// full type (a DATE inside a LIST is a time.Time like a TIMESTAMP is; only the type says how to
// show it).
func (s *Session) read(ctx context.Context, query string, keep int, countAll bool) (*readResult, error) {
	rr := &readResult{}
	err := s.withStmt(ctx, query, func(ds *duckdb.Stmt) error {
		rr.typ, _ = ds.StatementType()
		n, err := ds.ColumnCount()
		if err != nil {
			return err
		}
		convs := make([]converter, n)
		for i := range n {
			ti, err := ds.ColumnTypeInfo(i)
			if err != nil {
				ti = nil // a type the driver cannot describe: convert by Go type
			}
			convs[i] = converterFor(ti)
		}
		rows, err := ds.QueryContext(ctx, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		names := rows.Columns()
		typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
		rr.cols = make([]notebooks.Column, len(names))
		for i, name := range names {
			rr.cols[i].Name = name
			if typed != nil {
				rr.cols[i].Type = typed.ColumnTypeDatabaseTypeName(i)
			}
		}
		if len(convs) != len(names) {
			convs = make([]converter, len(names))
			for i := range convs {
				convs[i] = convertAny
			}
		}
		dest := make([]driver.Value, len(names))
		rr.rows = [][]any{}
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			rr.total++
			if len(rr.rows) < keep {
				row := make([]any, len(dest))
				for i, v := range dest {
					row[i] = convs[i](v)
				}
				rr.rows = append(rr.rows, row)
			} else if !countAll {
				return nil
			}
			if rr.total%2048 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return rr, nil
}
