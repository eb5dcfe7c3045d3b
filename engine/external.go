package engine

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/notebooks"
)

// lakebook's own statements manage the catalog from a SQL paragraph. They follow Hive and
// Athena, which is what users of a Glue catalog already type:
//
//	CREATE EXTERNAL TABLE [IF NOT EXISTS] name [STORED AS PARQUET|CSV|JSON] LOCATION 'where'
//	CREATE EXTERNAL TABLE name [PARTITIONED BY (col, …)] LOCATION 'where' AS query
//	MSCK REPAIR TABLE name
//	ALTER EXTERNAL TABLE name RENAME TO other
//	DROP EXTERNAL TABLE [IF EXISTS] name
//	SHOW EXTERNAL TABLES
//
// The first registers (crawls) data that is already there; with AS it writes the query's
// result to the location as Parquet, partitioned in key=value/ folders, then registers it.
// MSCK REPAIR TABLE crawls again, picking up new partitions. DuckDB's parser rejects all of
// them, so the engine recognizes them by their first words before DuckDB sees a paragraph.

type extKind int

const (
	extCreate extKind = iota + 1
	extRepair
	extRename
	extDrop
	extShow
)

type extStmt struct {
	kind        extKind
	name, to    string
	location    string
	format      string
	partitionBy []string
	ifNot       bool // IF NOT EXISTS / IF EXISTS
	// query is the offset of the AS query in the statement, -1 without one.
	query int
}

// extError is a syntax error in one of lakebook's statements, at a byte offset in it.
type extError struct {
	off int
	msg string
}

func (e *extError) Error() string { return e.msg }

// parseExternal parses stmt if it is one of lakebook's statements; nil, nil if it is not.
func parseExternal(stmt string) (*extStmt, error) {
	toks := tokens(stmt)
	p := &extParser{toks: toks, stmt: stmt}
	switch {
	case p.peekWords("CREATE", "EXTERNAL", "TABLE"):
		p.i += 3
		return p.create()
	case p.peekWords("MSCK", "REPAIR", "TABLE"):
		p.i += 3
		x := &extStmt{kind: extRepair, query: -1}
		x.name = p.name()
		return x, p.end()
	case p.peekWords("ALTER", "EXTERNAL", "TABLE"):
		p.i += 3
		x := &extStmt{kind: extRename, query: -1}
		x.name = p.name()
		p.want("RENAME")
		p.want("TO")
		x.to = p.name()
		return x, p.end()
	case p.peekWords("DROP", "EXTERNAL", "TABLE"):
		p.i += 3
		x := &extStmt{kind: extDrop, query: -1}
		if p.peekWords("IF", "EXISTS") {
			p.i += 2
			x.ifNot = true
		}
		x.name = p.name()
		return x, p.end()
	case p.peekWords("SHOW", "EXTERNAL", "TABLES"):
		p.i += 3
		return &extStmt{kind: extShow, query: -1}, p.end()
	}
	return nil, nil
}

type extParser struct {
	toks []token
	stmt string
	i    int
	err  *extError
}

func (p *extParser) peekWords(words ...string) bool {
	for j, w := range words {
		if p.i+j >= len(p.toks) || !p.toks[p.i+j].is(w) {
			return false
		}
	}
	return true
}

// fail records the first error, at the current token.
func (p *extParser) fail(format string, args ...any) {
	if p.err != nil {
		return
	}
	off := len(p.stmt)
	if p.i < len(p.toks) {
		off = p.toks[p.i].start
	}
	p.err = &extError{off: off, msg: fmt.Sprintf(format, args...)}
}

func (p *extParser) want(kw string) {
	if p.err == nil && !p.peekWords(kw) && !(p.i < len(p.toks) && p.toks[p.i].kind == tokOther && p.toks[p.i].text == kw) {
		p.fail("expected %s here", kw)
	}
	p.i++
}

func (p *extParser) name() string {
	if p.err != nil {
		return ""
	}
	if p.i >= len(p.toks) || (p.toks[p.i].kind != tokWord && p.toks[p.i].kind != tokIdent) {
		p.fail("expected a table name here")
		return ""
	}
	n := p.toks[p.i].text
	if err := catalog.ValidateName(n); err != nil {
		p.fail("%s", err.(*notebooks.Error).Message)
		return ""
	}
	p.i++
	return n
}

func (p *extParser) str(what string) string {
	if p.err == nil && (p.i >= len(p.toks) || p.toks[p.i].kind != tokString) {
		p.fail("expected %s as a 'quoted string' here", what)
	}
	if p.err != nil {
		return ""
	}
	p.i++
	return p.toks[p.i-1].text
}

func (p *extParser) end() error {
	if p.err == nil && p.i < len(p.toks) {
		p.fail("unexpected %q", p.toks[p.i].text)
	}
	if p.err != nil {
		return p.err
	}
	return nil
}

func (p *extParser) create() (*extStmt, error) {
	x := &extStmt{kind: extCreate, query: -1}
	if p.peekWords("IF", "NOT", "EXISTS") {
		p.i += 3
		x.ifNot = true
	}
	x.name = p.name()
	for p.err == nil && p.i < len(p.toks) {
		switch {
		case p.peekWords("STORED", "AS"):
			p.i += 2
			if p.i >= len(p.toks) || p.toks[p.i].kind != tokWord {
				p.fail("expected PARQUET, CSV or JSON here")
				break
			}
			f := strings.ToLower(p.toks[p.i].text)
			if f != crawl.FormatParquet && f != crawl.FormatCSV && f != crawl.FormatJSON {
				p.fail("unknown format %s: use PARQUET, CSV or JSON", p.toks[p.i].text)
				break
			}
			x.format = f
			p.i++
		case p.peekWords("PARTITIONED", "BY"):
			p.i += 2
			p.want("(")
			for p.err == nil {
				if p.i >= len(p.toks) || (p.toks[p.i].kind != tokWord && p.toks[p.i].kind != tokIdent) {
					p.fail("expected a column name here")
					break
				}
				x.partitionBy = append(x.partitionBy, p.toks[p.i].text)
				p.i++
				if p.i < len(p.toks) && p.toks[p.i].text == "," {
					p.i++
					continue
				}
				p.want(")")
				break
			}
		case p.peekWords("LOCATION"):
			p.i++
			x.location = p.str("the location")
		case p.peekWords("AS"):
			p.i++
			if p.i >= len(p.toks) {
				p.fail("expected a query after AS")
				break
			}
			x.query = p.toks[p.i].start
			p.i = len(p.toks)
		default:
			p.fail("unexpected %q: expected STORED AS, PARTITIONED BY, LOCATION or AS", p.toks[p.i].text)
		}
	}
	switch {
	case p.err != nil:
	case x.location == "":
		p.fail("missing LOCATION 's3://bucket/prefix' (or a folder of the workspace)")
	case x.query < 0 && len(x.partitionBy) > 0:
		p.fail("PARTITIONED BY goes with AS query: the partitions of existing data are found by crawling")
	case x.query >= 0 && x.format != "" && x.format != crawl.FormatParquet:
		p.fail("CREATE EXTERNAL TABLE … AS writes Parquet only")
	}
	if p.err != nil {
		return nil, p.err
	}
	return x, nil
}

// blankExternal returns text with lakebook's statements replaced by spaces (newlines kept), so
// DuckDB's parser can check the rest with positions intact.
func blankExternal(text string, spans []stmtSpan, ext []*extStmt) string {
	b := []byte(text)
	for i, sp := range spans {
		if ext[i] == nil {
			continue
		}
		for j := sp.Start; j < sp.End; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
	}
	return string(b)
}

// external runs one of lakebook's statements.
func (s *Session) external(ctx context.Context, text string, sp stmtSpan, x *extStmt, rs *runState, multi bool) (*Result, error) {
	cat := s.e.cat
	at := func(err error) error { return atStatement(err, text, sp, multi) }
	switch x.kind {
	case extShow:
		return s.showTables(), nil
	case extDrop:
		if _, ok := cat.Table(x.name); !ok && x.ifNot {
			return &Result{Message: "OK"}, nil
		}
		if err := cat.Drop(x.name); err != nil {
			return nil, at(err)
		}
		return &Result{Message: fmt.Sprintf("dropped %s from the catalog; its data is where it was", x.name)}, nil
	case extRename:
		if err := cat.Rename(x.name, x.to); err != nil {
			return nil, at(err)
		}
		return &Result{Message: "OK"}, nil
	case extRepair:
		t, ch, err := cat.Recrawl(ctx, x.name)
		if err != nil {
			return nil, at(err)
		}
		return &Result{Message: crawlMessage(t, ch)}, nil
	}
	if _, ok := cat.Table(x.name); ok {
		if x.ifNot && x.query < 0 {
			return &Result{Message: "OK"}, nil
		}
		return nil, at(notebooks.Errorf(notebooks.ERun, "table %s already exists", x.name))
	}
	if x.query < 0 {
		t, ch, err := cat.Register(ctx, x.name, x.location, x.format)
		if err != nil {
			return nil, at(err)
		}
		return &Result{Message: crawlMessage(t, ch)}, nil
	}
	return s.writeBack(ctx, text, sp, x, rs, multi)
}

// writeBack writes a query's result to a location as Parquet and registers it, the raw →
// transformed step of the EMR world. The files are written locally by DuckDB, uploaded, and
// crawled; a failure at any step removes what was uploaded, so no half-written table remains.
func (s *Session) writeBack(ctx context.Context, text string, sp stmtSpan, x *extStmt, rs *runState, multi bool) (*Result, error) {
	cat := s.e.cat
	at := func(err error) error { return atStatement(err, text, sp, multi) }
	store, err := cat.Store(ctx, x.location)
	if err != nil {
		if notebooks.ErrorCode(err) == notebooks.ENotFound {
			// A local folder that does not exist yet is made.
			if dir, ok := catalog.LocalDir(mustNormalize(cat, x.location)); ok {
				if err = os.MkdirAll(dir, 0o755); err == nil {
					store, err = cat.Store(ctx, x.location)
				}
			}
		}
		if err != nil {
			return nil, at(err)
		}
	}
	existing, err := store.List(ctx, "")
	if err != nil {
		return nil, at(notebooks.Errorf(notebooks.EStorage, "%s", strings.TrimPrefix(err.Error(), "objstore: ")))
	}
	if len(existing) > 0 {
		return nil, at(notebooks.Errorf(notebooks.ERun, "%s already holds %d objects (%s…): write to an empty location", store.URL(), len(existing), existing[0].Key))
	}

	tmp, err := os.MkdirTemp(s.e.opts.TempDir, "write-*")
	if err != nil {
		return nil, fmt.Errorf("engine: write %s: %w", x.name, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	qsp := stmtSpan{Start: sp.Start + x.query, End: sp.End}
	query := text[qsp.Start:qsp.End]
	done, _, err := s.bringIn(ctx, query, rs, true) // no retry for a write: whole files
	if err != nil {
		return nil, atStatement(err, text, qsp, multi)
	}
	opts := "FORMAT parquet"
	if len(x.partitionBy) > 0 {
		cols := make([]string, len(x.partitionBy))
		for i, c := range x.partitionBy {
			cols[i] = quoteIdent(c)
		}
		opts += ", PARTITION_BY (" + strings.Join(cols, ", ") + "), FILENAME_PATTERN 'part-{i}'"
	} else {
		os.MkdirAll(out, 0o700)
		out = filepath.Join(out, "part-0.parquet")
	}
	before := "COPY ("
	copySQL := before + query + "\n) TO " + quote(out) + " (" + opts + ")"
	res, err := s.conn.ExecContext(ctx, copySQL)
	done()
	if err != nil {
		return nil, s.fail(ctx, err, text, execText{sql: copySQL, prefix: len(before), span: qsp}, true)
	}
	rows, _ := res.RowsAffected()

	var uploaded []string
	cleanup := func() {
		for _, k := range uploaded {
			store.Delete(context.WithoutCancel(ctx), k)
		}
	}
	root := filepath.Join(tmp, "out")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		key := filepath.ToSlash(rel)
		if err := store.Upload(ctx, key, path); err != nil {
			return err
		}
		uploaded = append(uploaded, key)
		return nil
	})
	if err != nil {
		cleanup()
		if ctx.Err() != nil {
			return nil, notebooks.Errorf(notebooks.ECanceled, "query canceled")
		}
		return nil, at(notebooks.Errorf(notebooks.EStorage, "write %s: %s", x.name, strings.TrimPrefix(err.Error(), "objstore: ")))
	}
	t, _, err := cat.Register(ctx, x.name, x.location, crawl.FormatParquet)
	if err != nil {
		cleanup()
		return nil, at(err)
	}
	return &Result{Message: fmt.Sprintf("wrote %d rows to %s in %d files and registered table %s", rows, t.Location, len(t.Files), t.Name)}, nil
}

func mustNormalize(c *catalog.Catalog, location string) string {
	u, _ := c.Normalize(location)
	return u
}

// showTables lists the catalog as a result.
func (s *Session) showTables() *Result {
	cols := []notebooks.Column{{Name: "name", Type: "VARCHAR"}, {Name: "location", Type: "VARCHAR"},
		{Name: "format", Type: "VARCHAR"}, {Name: "columns", Type: "BIGINT"}, {Name: "partition_keys", Type: "VARCHAR"},
		{Name: "partitions", Type: "BIGINT"}, {Name: "files", Type: "BIGINT"}, {Name: "rows", Type: "BIGINT"},
		{Name: "bytes", Type: "BIGINT"}}
	var rows [][]any
	for _, t := range s.e.cat.Tables() {
		keys := make([]string, len(t.PartitionKeys))
		for i, k := range t.PartitionKeys {
			keys[i] = k.Name
		}
		var n any = t.Rows()
		if t.Rows() < 0 {
			n = nil
		}
		rows = append(rows, []any{t.Name, t.Location, t.Format, int64(len(t.Columns)), strings.Join(keys, ", "),
			int64(len(t.Partitions())), int64(len(t.Files)), n, t.Bytes()})
	}
	r := &result{rows: rows, count: int64(len(rows)), cols: cols}
	return &Result{ID: s.keep(r), Columns: cols, RowCount: r.count, Rows: firstPage(rows, s.e.opts.PageSize)}
}

// crawlMessage says what a crawl found and changed.
func crawlMessage(t *catalog.Table, ch *crawl.Changes) string {
	msg := fmt.Sprintf("table %s: %d files, %d partitions", t.Name, len(t.Files), len(t.Partitions()))
	if n := t.Rows(); n >= 0 {
		msg += fmt.Sprintf(", %d rows", n)
	}
	if s := ChangeSummary(ch); s != "" {
		msg += "; " + s
	}
	for _, w := range t.Warnings {
		msg += "\nwarning: " + w
	}
	return msg
}

// ChangeSummary says in a few words what a crawl changed: "2 new partitions, 1 new column".
func ChangeSummary(ch *crawl.Changes) string {
	if ch == nil || ch.Empty() {
		return "no changes"
	}
	var parts []string
	add := func(n int, what string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+what)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, what))
		}
	}
	add(len(ch.NewPartitions), "new partition")
	add(len(ch.RemovedPartitions), "removed partition")
	add(len(ch.NewColumns), "new column")
	add(len(ch.ChangedColumns), "changed column")
	add(len(ch.RemovedColumns), "removed column")
	add(len(ch.NewFiles), "new file")
	add(len(ch.ChangedFiles), "changed file")
	add(len(ch.RemovedFiles), "removed file")
	return strings.Join(parts, ", ")
}

// atStatement turns a catalog or fetch error into a run error pointing at the statement.
func atStatement(err error, text string, sp stmtSpan, multi bool) error {
	ne := notebooks.AsError(err)
	if ne.Code == notebooks.EInternal {
		return err
	}
	e := *ne
	if e.Code != notebooks.ECanceled {
		e.Code = notebooks.ERun
	}
	if multi && e.Line == 0 {
		e.Line, e.Column = lineColumn(text, sp.Start)
	}
	return &e
}
