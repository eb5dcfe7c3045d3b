package engine

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/engine/arrowipc"
	"github.com/lakebook/lakebook/notebooks"
)

// The result views a browser asks for: pages filtered and sorted on the server, column summaries,
// chart points, downloads, and results saved across restarts. Every one of them is SQL over the
// result inside DuckDB, whatever kind the result is: a result table, a small result kept in Go
// (loaded into a temp table on first need), or the rows of a statement read directly.
//
// The request and answer types live in notebooks, which the server shares; these aliases keep
// the engine's API readable on its own.
type (
	// SortKey orders rows by a column.
	SortKey = notebooks.SortKey
	// Filter keeps the rows whose column compares with a value.
	Filter = notebooks.Filter
	// RowsQuery asks Rows for a page after filtering and sorting.
	RowsQuery = notebooks.RowsQuery
	// Bin is one bar of a histogram.
	Bin = notebooks.Bin
	// ColumnSummary describes one column of a result.
	ColumnSummary = notebooks.ColumnSummary
	// PivotResult is a chart's points.
	PivotResult = notebooks.PivotResult
)

// maxSortKeys and maxFilters bound a RowsQuery; a grid has no use for more.
const (
	maxSortKeys = 16
	maxFilters  = 64
)

// colClass is what the engine needs to know of a column's type to filter, summarize and chart it.
type colClass int

const (
	classOther    colClass = iota // compared as text, no min/max
	classBool                     // BOOLEAN
	classInt                      // integers of any width
	classFloat                    // FLOAT, DOUBLE: may hold NaN and infinities
	classDecimal                  // DECIMAL, BIGNUM
	classText                     // VARCHAR
	classTemporal                 // DATE, TIMESTAMP*: points in time, binned by epoch µs
	classTime                     // TIME, TIMETZ
	classScalar                   // other orderable scalars: UUID, BLOB, INTERVAL, ENUM, BIT
	classNested                   // LIST, ARRAY, STRUCT, MAP, UNION
)

func (c colClass) numeric() bool { return c == classInt || c == classFloat || c == classDecimal }

// colInfo is one column of a result's table.
type colInfo struct {
	name  string
	typ   string // DuckDB's name of the type, as DESCRIBE writes it
	class colClass
	// readable is false for types the driver cannot read (VARIANT, TIME_NS): they are read as
	// text.
	readable bool
}

func (c colInfo) ident() string { return quoteIdent(c.name) }

// arrowExpr is the column as Rows reads it for arrowipc: dates, times, timestamps and decimals
// as plain numbers, which the driver reads without a cgo call or a big.Int per value (three
// times faster for a page of dates), keeping infinite dates and timestamps infinite.
func (c colInfo) arrowExpr() string {
	if !c.readable {
		return c.readExpr()
	}
	id := c.ident()
	infinite := func(epoch string) string {
		return "CASE WHEN isfinite(" + id + ") THEN " + epoch + " WHEN " + id + " > '1970-01-01' THEN 9223372036854775807 WHEN " +
			id + " < '1970-01-01' THEN -9223372036854775807 END"
	}
	switch t := strings.ToUpper(c.typ); {
	case t == "DATE":
		// Infinite dates come out as ±(2^31-1) days, as the driver reads them.
		return "CAST(" + id + " - DATE '1970-01-01' AS INTEGER)"
	case t == "TIMESTAMP" || t == "TIMESTAMP WITH TIME ZONE" || t == "TIMESTAMPTZ":
		return infinite("epoch_us(" + id + ")")
	case t == "TIMESTAMP_NS":
		return infinite("epoch_ns(" + id + ")")
	case t == "TIMESTAMP_MS":
		return infinite("epoch_ms(" + id + ")")
	case t == "TIMESTAMP_S":
		return infinite("CAST(epoch(" + id + ") AS BIGINT)")
	case t == "TIME":
		return "epoch_us(" + id + ")"
	case strings.HasPrefix(t, "DECIMAL"):
		return "CAST(" + id + " AS DOUBLE)"
	}
	return id
}

// readExpr is the column as read through the driver: itself, or its text.
func (c colInfo) readExpr() string {
	if c.readable {
		return c.ident()
	}
	return "CAST(" + c.ident() + " AS VARCHAR)"
}

func classOf(ti duckdb.TypeInfo) colClass {
	if ti == nil {
		return classOther
	}
	if ti.Alias() == "JSON" {
		return classOther
	}
	switch ti.InternalType() {
	case duckdb.TYPE_BOOLEAN:
		return classBool
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_INTEGER, duckdb.TYPE_BIGINT,
		duckdb.TYPE_UTINYINT, duckdb.TYPE_USMALLINT, duckdb.TYPE_UINTEGER, duckdb.TYPE_UBIGINT,
		duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT:
		return classInt
	case duckdb.TYPE_FLOAT, duckdb.TYPE_DOUBLE:
		return classFloat
	case duckdb.TYPE_DECIMAL, duckdb.TYPE_BIGNUM:
		return classDecimal
	case duckdb.TYPE_VARCHAR:
		return classText
	case duckdb.TYPE_DATE, duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_S, duckdb.TYPE_TIMESTAMP_MS,
		duckdb.TYPE_TIMESTAMP_NS, duckdb.TYPE_TIMESTAMP_TZ:
		return classTemporal
	case duckdb.TYPE_TIME, duckdb.TYPE_TIME_TZ:
		return classTime
	case duckdb.TYPE_UUID, duckdb.TYPE_BLOB, duckdb.TYPE_INTERVAL, duckdb.TYPE_ENUM, duckdb.TYPE_BIT:
		return classScalar
	case duckdb.TYPE_LIST, duckdb.TYPE_ARRAY, duckdb.TYPE_STRUCT, duckdb.TYPE_MAP, duckdb.TYPE_UNION:
		return classNested
	}
	return classOther
}

// source is a result as a table the session can query.
type source struct {
	id    string
	r     *result
	table string // in temp.main
	// rowid is true when DuckDB's rowid numbers the rows in the result's order (no column
	// named rowid hides it).
	rowid bool
	mem   bool // the table was loaded from rows kept in Go
	cols  []colInfo
	count int64
}

func (src *source) rel() string { return "temp.main." + src.table }

func (src *source) column(name string) (colInfo, bool) {
	for _, c := range src.cols {
		if c.name == name {
			return c, true
		}
	}
	return colInfo{}, false
}

func (src *source) notebookColumns() []notebooks.Column {
	cols := make([]notebooks.Column, len(src.cols))
	for i, c := range src.cols {
		cols[i] = notebooks.Column{Name: c.name, Type: c.typ}
	}
	return cols
}

// withResult runs fn on the result named id with the session's connection held, as Page does;
// heavy calls also take one of the engine's query slots, so that charts over big results wait
// their turn like queries do. A small result's table that vanished (a ROLLBACK took it) is
// loaded again once.
func (s *Session) withResult(ctx context.Context, id string, heavy bool, fn func(ctx context.Context, src *source) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, cancel); err != nil {
		return err
	}
	defer s.release()
	if heavy {
		free, err := s.e.admit.acquire(ctx, nil)
		if err != nil {
			return err
		}
		defer free()
	}
	for attempt := 0; ; attempt++ {
		src, err := s.source(ctx, id)
		if err != nil {
			return s.resultError(ctx, id, err)
		}
		err = fn(ctx, src)
		if err == nil {
			return nil
		}
		if src.mem && attempt == 0 && isCatalogError(err) && ctx.Err() == nil {
			s.forgetMem(src)
			continue
		}
		return s.resultError(ctx, id, err)
	}
}

// resultError is the error a caller sees for err from working on result id.
func (s *Session) resultError(ctx context.Context, id string, err error) error {
	var ne *notebooks.Error
	switch {
	case errors.As(err, &ne):
		return err
	case ctx.Err() != nil:
		return canceledOr(ctx, err)
	case isCatalogError(err):
		// The user dropped the table, or rolled back the transaction that made it.
		return notebooks.Errorf(notebooks.ENotFound, "result %q no longer exists", id)
	}
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeInterrupt {
		return notebooks.Errorf(notebooks.ECanceled, "query canceled")
	}
	return fmt.Errorf("engine: result %s: %w", id, err)
}

func isCatalogError(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeCatalog
}

// source finds result id and the table holding its rows, loading rows kept in Go into one.
// The caller holds the connection. On error, the source may be returned for what it says.
func (s *Session) source(ctx context.Context, id string) (*source, error) {
	src, err := s.sourceOnce(ctx, id)
	if err != nil && src != nil && src.mem && isCatalogError(err) && ctx.Err() == nil {
		// A ROLLBACK took the table rows were loaded into: load them again.
		s.forgetMem(src)
		return s.sourceOnce(ctx, id)
	}
	return src, err
}

// forgetMem forgets the table src's rows were loaded into, so the next use loads them again.
func (s *Session) forgetMem(src *source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if src.r.mem == src.table {
		src.r.mem = ""
	}
}

func (s *Session) sourceOnce(ctx context.Context, id string) (*source, error) {
	s.mu.Lock()
	r := s.results[id]
	var mem string
	if r != nil {
		mem = r.mem
	}
	s.mu.Unlock()
	if r == nil {
		return nil, notebooks.Errorf(notebooks.ENotFound, "result %q not found", id)
	}
	src := &source{id: id, r: r, table: r.table, rowid: !r.rowidColumn, count: r.count}
	if r.table == "" {
		src.mem = true
		if mem == "" {
			var err error
			if mem, err = s.load(ctx, r); err != nil {
				return nil, err
			}
			s.mu.Lock()
			if s.results[id] != r {
				// Dropped while loading: the table goes with it.
				s.drops = append(s.drops, mem)
				s.mu.Unlock()
				return nil, notebooks.Errorf(notebooks.ENotFound, "result %q not found", id)
			}
			r.mem = mem
			s.mu.Unlock()
		}
		src.table = mem
	}
	s.mu.Lock()
	desc := r.desc
	s.mu.Unlock()
	if desc == nil || desc.table != src.table {
		cols, err := s.describe(ctx, src.table)
		if err != nil {
			return src, err
		}
		desc = &tableDesc{table: src.table, cols: cols}
		s.mu.Lock()
		r.desc = desc
		s.mu.Unlock()
	}
	cols := desc.cols
	src.cols = cols
	if src.mem {
		for _, c := range cols {
			if strings.EqualFold(c.name, "rowid") {
				src.rowid = false
			}
		}
	}
	return src, nil
}

// tableDesc is the description of a result's table, kept on the result: a result table is not
// changed after it is made, and a table loaded again gets a new name.
type tableDesc struct {
	table string
	cols  []colInfo
}

// describe returns the columns of a temp table: names and classes from the driver, type names
// from DESCRIBE (the driver names an ENUM without its labels).
func (s *Session) describe(ctx context.Context, table string) ([]colInfo, error) {
	cols, err := s.driverColumns(ctx, table)
	if err != nil {
		return nil, err
	}
	return cols, s.describeTypes(ctx, table, cols)
}

// driverColumns returns the names, classes and readability of a temp table's columns, as the
// driver sees them, without reading a row.
func (s *Session) driverColumns(ctx context.Context, table string) ([]colInfo, error) {
	var cols []colInfo
	err := s.withStmt(ctx, "SELECT * FROM temp.main."+table, func(ds *duckdb.Stmt) error {
		n, err := ds.ColumnCount()
		if err != nil {
			return err
		}
		for i := range n {
			name, _ := ds.ColumnName(i)
			c := colInfo{name: name}
			if ti, err := ds.ColumnTypeInfo(i); err == nil {
				c.class, c.readable = classOf(ti), readable(ti)
			}
			cols = append(cols, c)
		}
		return nil
	})
	return cols, err
}

// describeTypes sets the DuckDB type names of a temp table's columns, from DESCRIBE.
func (s *Session) describeTypes(ctx context.Context, table string, cols []colInfo) error {
	rows, err := s.conn.QueryContext(ctx, "SELECT column_type FROM (DESCRIBE temp.main."+table+")")
	if err != nil {
		return err
	}
	defer rows.Close()
	for i := 0; rows.Next() && i < len(cols); i++ {
		if err := rows.Scan(&cols[i].typ); err != nil {
			return err
		}
	}
	return rows.Err()
}

// withStmt prepares query on the session's connection and hands fn DuckDB's statement.
func (s *Session) withStmt(ctx context.Context, query string, fn func(*duckdb.Stmt) error) error {
	return s.conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare", dc)
		}
		st, err := prep.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("driver statement %T is not DuckDB's", st)
		}
		return fn(ds)
	})
}

// load puts the rows of a result kept in Go into a temp table, so that the same SQL serves
// every kind of result. The rows are JSON-friendly values (see values.go), and every one of
// them reads back as its column's type from its JSON text: the whole result goes in as one JSON
// parameter, and each column is cast from it. A column whose type does not take its text back
// (an ENUM, whose labels the driver does not give) stays text.
func (s *Session) load(ctx context.Context, r *result) (string, error) {
	data, err := json.Marshal(r.rows)
	if err != nil {
		return "", fmt.Errorf("engine: load result: %w", err)
	}
	if len(r.rows) == 0 {
		data = []byte("[]")
	}
	names := uniqueNames(r.cols)
	exprs := make([]string, len(r.cols))
	for i, c := range r.cols {
		exprs[i] = loadExpr(i, c.Type, false) + " AS " + quoteIdent(names[i])
	}
	const from = " FROM (SELECT unnest(CAST(? AS JSON[])) AS j)"
	table := s.nextTable()
	create := func() error {
		_, err := s.conn.ExecContext(ctx, "CREATE TEMP TABLE "+table+" AS SELECT "+strings.Join(exprs, ", ")+from, string(data))
		return err
	}
	err = create()
	if err == nil || ctx.Err() != nil {
		return table, err
	}
	// Find the columns that do not cast back, and keep those as text.
	for i, c := range r.cols {
		var n int64
		if s.conn.QueryRowContext(ctx, "SELECT count("+loadExpr(i, c.Type, false)+")"+from, string(data)).Scan(&n) != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			exprs[i] = loadExpr(i, c.Type, true) + " AS " + quoteIdent(names[i])
		}
	}
	return table, create()
}

// loadExpr reads element i of the JSON row j as type typ, or as text.
func loadExpr(i int, typ string, asText bool) string {
	nested := strings.HasSuffix(typ, "]") || strings.HasPrefix(typ, "STRUCT(") ||
		strings.HasPrefix(typ, "MAP(") || strings.HasPrefix(typ, "UNION(")
	switch {
	case asText && nested, typ == "JSON":
		return fmt.Sprintf("CAST(j->%d AS %s)", i, map[bool]string{true: "VARCHAR", false: "JSON"}[asText])
	case asText, typ == "VARCHAR", typ == "":
		return fmt.Sprintf("(j->>%d)", i)
	case nested:
		return fmt.Sprintf("CAST(j->%d AS %s)", i, typ)
	}
	return fmt.Sprintf("CAST(j->>%d AS %s)", i, typ)
}

// uniqueNames returns the column names, made unique as DuckDB makes a CREATE TABLE AS's.
func uniqueNames(cols []notebooks.Column) []string {
	seen := map[string]bool{}
	names := make([]string, len(cols))
	for i, c := range cols {
		name := c.Name
		for n := 1; seen[strings.ToLower(name)]; n++ {
			name = c.Name + "_" + strconv.Itoa(n)
		}
		seen[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}

// Rows returns rows [Offset, Offset+Limit) of the result named id after filtering and sorting
// on the server, encoded as one Arrow IPC stream (the schema and one record batch; see
// engine/arrowipc for the types), and how many rows pass the filter.
//
// A Limit of 0 means the page size; it is capped at MaxPageSize. Sort keys apply in order, NULLs
// last, ties in the result's order. Filters all apply (AND); ops are = != < <= > >= (numbers
// compare as numbers, DATE and TIMESTAMP columns take their text: '2024-01-31'), contains
// (case-insensitive, on the value's text), is_null and not_null. Bad input is an EInvalid
// *notebooks.Error naming the field; an unknown id is ENotFound.
func (s *Session) Rows(ctx context.Context, id string, q RowsQuery) (ipc []byte, matched int64, err error) {
	switch {
	case q.Offset < 0:
		return nil, 0, notebooks.Errorf(notebooks.EInvalid, "rows.offset: %d is negative", q.Offset)
	case q.Limit < 0:
		return nil, 0, notebooks.Errorf(notebooks.EInvalid, "rows.limit: %d is negative", q.Limit)
	case len(q.Sort) > maxSortKeys:
		return nil, 0, notebooks.Errorf(notebooks.EInvalid, "rows.sort: at most %d keys", maxSortKeys)
	case len(q.Filter) > maxFilters:
		return nil, 0, notebooks.Errorf(notebooks.EInvalid, "rows.filter: at most %d filters", maxFilters)
	}
	limit := q.Limit
	if limit == 0 {
		limit = int64(s.e.opts.PageSize)
	}
	limit = min(limit, int64(s.e.opts.MaxPageSize))
	heavy := len(q.Sort) > 0 || len(q.Filter) > 0
	err = s.withResult(ctx, id, heavy, func(ctx context.Context, src *source) error {
		where, args, err := src.where(q.Filter)
		if err != nil {
			return err
		}
		order, err := src.orderBy(q.Sort)
		if err != nil {
			return err
		}
		matched = src.count
		if where != "" {
			if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+src.rel()+where, args...).Scan(&matched); err != nil {
				return filterError(err)
			}
		}
		sel := make([]string, len(src.cols))
		for i, c := range src.cols {
			sel[i] = c.arrowExpr() + " AS " + c.ident()
		}
		query := "SELECT " + strings.Join(sel, ", ") + " FROM " + src.rel()
		if where == "" && order == "" && src.rowid {
			// The rowid range DuckDB pushes into the scan, as Page does.
			query += fmt.Sprintf(" WHERE rowid >= %d AND rowid < %d", q.Offset, q.Offset+limit)
		} else {
			query += where + order + fmt.Sprintf(" LIMIT %d OFFSET %d", limit, q.Offset)
		}
		ipc, err = s.encode(ctx, query, args, src.cols, int(min(limit, max(matched-q.Offset, 0))))
		return filterError(err)
	})
	if err != nil {
		return nil, 0, err
	}
	return ipc, matched, nil
}

// filterError turns DuckDB's complaint about a filter value that does not convert to its
// column's type ("yesterday" for a TIMESTAMP) into EInvalid.
func filterError(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && (de.Type == duckdb.ErrorTypeConversion || de.Type == duckdb.ErrorTypeInvalidInput) {
		msg, _, _ := errorPosition(de.Msg, "")
		return notebooks.Errorf(notebooks.EInvalid, "rows.filter: %s", msg)
	}
	return err
}

// orderBy builds the ORDER BY clause of sort keys; ties keep the result's order.
func (src *source) orderBy(keys []SortKey) (string, error) {
	if len(keys) == 0 {
		return "", nil
	}
	parts := make([]string, 0, len(keys)+1)
	for i, k := range keys {
		c, ok := src.column(k.Column)
		if !ok {
			return "", notebooks.Errorf(notebooks.EInvalid, "rows.sort[%d].column: unknown column %q", i, k.Column)
		}
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		parts = append(parts, c.ident()+dir+" NULLS LAST")
	}
	if src.rowid {
		parts = append(parts, "rowid")
	}
	return " ORDER BY " + strings.Join(parts, ", "), nil
}

// where builds the WHERE clause of filters. Column names are checked and quoted; values are
// parameters, converted here to what the comparison needs.
func (src *source) where(filters []Filter) (string, []any, error) {
	if len(filters) == 0 {
		return "", nil, nil
	}
	var conds []string
	var args []any
	for i, f := range filters {
		c, ok := src.column(f.Column)
		if !ok {
			return "", nil, notebooks.Errorf(notebooks.EInvalid, "rows.filter[%d].column: unknown column %q", i, f.Column)
		}
		field := fmt.Sprintf("rows.filter[%d].value", i)
		switch f.Op {
		case notebooks.FilterIsNull:
			conds = append(conds, c.ident()+" IS NULL")
			continue
		case notebooks.FilterNotNull:
			conds = append(conds, c.ident()+" IS NOT NULL")
			continue
		case notebooks.FilterContains:
			text, err := filterText(f.Value, field)
			if err != nil {
				return "", nil, err
			}
			conds = append(conds, "contains(lower(CAST("+c.ident()+" AS VARCHAR)), lower(?))")
			args = append(args, text)
			continue
		case notebooks.FilterEq, notebooks.FilterNe, notebooks.FilterLt, notebooks.FilterLe,
			notebooks.FilterGt, notebooks.FilterGe:
		default:
			return "", nil, notebooks.Errorf(notebooks.EInvalid, "rows.filter[%d].op: unknown op %q (want = != < <= > >= contains is_null not_null)", i, f.Op)
		}
		if f.Value == nil {
			return "", nil, notebooks.Errorf(notebooks.EInvalid, "%s: missing (use is_null or not_null for NULLs)", field)
		}
		op := f.Op
		switch c.class {
		case classInt, classFloat, classDecimal:
			v, err := filterNumber(f.Value, field)
			if err != nil {
				return "", nil, err
			}
			// Cast the value, not the column: DuckDB then compares both as DOUBLE (or as
			// BIGINT for an integer), never rounding 1.5 to an INTEGER column's 2.
			if i, ok := v.(int64); ok && c.class == classInt {
				conds = append(conds, c.ident()+" "+op+" CAST(? AS BIGINT)")
				args = append(args, i)
			} else {
				conds = append(conds, c.ident()+" "+op+" CAST(? AS DOUBLE)")
				args = append(args, toFloat(v))
			}
		case classBool:
			b, err := filterBool(f.Value, field)
			if err != nil {
				return "", nil, err
			}
			conds = append(conds, c.ident()+" "+op+" ?")
			args = append(args, b)
		case classText, classTemporal, classTime:
			// DuckDB types the parameter as the column and converts the text to it.
			text, err := filterText(f.Value, field)
			if err != nil {
				return "", nil, err
			}
			conds = append(conds, c.ident()+" "+op+" ?")
			args = append(args, text)
		default:
			text, err := filterText(f.Value, field)
			if err != nil {
				return "", nil, err
			}
			conds = append(conds, "CAST("+c.ident()+" AS VARCHAR) "+op+" ?")
			args = append(args, text)
		}
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func filterText(v any, field string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", notebooks.Errorf(notebooks.EInvalid, "%s: want a string, number or boolean, not %T", field, v)
}

// filterNumber returns an int64 for an integral value, else a float64.
func filterNumber(v any, field string) (any, error) {
	var f float64
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		f = x
	case json.Number, string:
		s := strings.TrimSpace(fmt.Sprint(x))
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return nil, notebooks.Errorf(notebooks.EInvalid, "%s: %q is not a number", field, s)
		}
	default:
		return nil, notebooks.Errorf(notebooks.EInvalid, "%s: want a number, not %T", field, v)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), nil
	}
	return f, nil
}

func toFloat(v any) float64 {
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	return v.(float64)
}

func filterBool(v any, field string) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
			return b, nil
		}
	}
	return false, notebooks.Errorf(notebooks.EInvalid, "%s: want true or false, not %v", field, v)
}

// encode runs query and encodes its rows as Arrow IPC. cols are the columns the query selects,
// each as its arrowExpr; their DuckDB type names pick the Arrow types (a column the driver
// cannot read arrives as text and its type name maps to String).
func (s *Session) encode(ctx context.Context, query string, args []any, cols []colInfo, capacity int) ([]byte, error) {
	var out []byte
	err := s.withStmt(ctx, query, func(ds *duckdb.Stmt) error {
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := ds.QueryContext(ctx, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := len(rows.Columns())
		typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
		nbCols := make([]notebooks.Column, n)
		convs := make([]converter, n)
		for i, name := range rows.Columns() {
			nbCols[i].Name = name
			if i < len(cols) {
				// The column's own type, not the number arrowExpr reads it as.
				nbCols[i].Type = cols[i].typ
			} else if typed != nil {
				nbCols[i].Type = typed.ColumnTypeDatabaseTypeName(i)
			}
			ti, err := ds.ColumnTypeInfo(i)
			if err != nil {
				ti = nil
			}
			convs[i] = converterFor(ti)
		}
		enc := arrowipc.NewEncoder(nbCols, arrowipc.Options{Capacity: capacity, Render: func(col int, v any) string {
			return renderText(convs[col](v))
		}})
		dest := make([]driver.Value, n)
		for r := 1; ; r++ {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				enc.Release()
				return err
			}
			for i, v := range dest {
				if err := enc.AppendValue(i, v); err != nil {
					enc.Release()
					return err
				}
			}
			if r%2048 == 0 && ctx.Err() != nil {
				enc.Release()
				return ctx.Err()
			}
		}
		out, err = enc.Encode()
		return err
	})
	return out, err
}

// renderText is the text of a value converted for JSON (values.go): strings as they are,
// lists, structs and maps as JSON.
func renderText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
