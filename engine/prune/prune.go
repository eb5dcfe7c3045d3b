// Package prune decides, from a SQL statement, which files of each catalog table the statement
// can read, so that lakebook fetches only those from object storage before DuckDB runs it.
//
// DuckDB parses the statement (json_serialize_sql); prune walks the tree of every SELECT in it
// (CTEs, subqueries, set operations, joins) and, for each reference to a catalog table, keeps the
// WHERE and ON conjuncts that compare one of that table's columns with a constant. Constants are
// evaluated by DuckDB itself, so `date '1998-12-01' - interval '90' day` means what it means to
// the query. A file is ruled out only when its partition values (key=value folders) or its
// Parquet min/max statistics prove that no row of it can satisfy a reference's constraints.
//
// Pruning is conservative by construction: whatever is not understood (a function of a column,
// NOT, LIKE, a comparison of two columns, a correlated subquery, a column that might belong to
// another relation, a comparison whose types it cannot model) contributes no constraint, and a
// doubt about a value keeps the file.
package prune

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lakebook/lakebook/engine/crawl"
)

// ErrNotAnalyzable is returned (wrapped) when a statement is not one or more SELECT statements
// that DuckDB can parse and serialize. The caller should then assume the statement needs every
// file of every catalog table it names.
var ErrNotAnalyzable = errors.New("statement cannot be analyzed")

// Querier runs a query; *sql.Conn and *sql.DB satisfy it.
//
// Constants are evaluated with it, so it should be the connection the statement will run on, or
// one with the same settings (TimeZone, default_collation, variables, macros).
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

var (
	_ Querier = (*sql.DB)(nil)
	_ Querier = (*sql.Conn)(nil)
)

// Table is what prune needs to know of a catalog table: its name and its columns with DuckDB
// type names (crawl.Table's Columns and PartitionKeys).
type Table struct {
	Name                   string
	Columns, PartitionKeys []crawl.Column
}

// Plan is what a statement needs of each catalog table it references.
type Plan struct {
	// Tables maps a catalog table's name, as Table.Name gives it, to what the statement needs
	// of it. A table the statement does not reference is absent.
	Tables map[string]*Need
	// Columns are the columns the statement references, of any relation.
	Columns Columns
	// Others are the relations the statement reads that are neither catalog tables nor CTEs
	// (DuckDB tables and views, files, table functions as "name()"), sorted and lowercased. A
	// view or a table macro among them may read catalog tables that this plan cannot see.
	Others []string
}

// String renders the plan for logs, one table per line in name order.
func (p *Plan) String() string {
	names := make([]string, 0, len(p.Tables))
	for n := range p.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %s\n", n, p.Tables[n])
	}
	return b.String()
}

// Need is what a statement needs of one catalog table: one constraint set per place the
// statement references the table. A file is needed when some reference may read rows of it.
type Need struct {
	table *tableInfo
	refs  []*pnode // one per reference; nil means no constraint (every file)
}

// Keep reports whether some reference of the table may read rows of f. It is false only when
// f's partition values or statistics prove that every reference's constraints exclude all its
// rows. Keep may reject every file of a table (WHERE year = 1900, x = NULL); a caller that
// needs a file for the table's schema must keep one itself.
func (n *Need) Keep(f *crawl.File) bool {
	for _, r := range n.refs {
		if r == nil || r.may(n.table, f) {
			return true
		}
	}
	return false
}

// All reports whether some reference has no constraint, so that every file is needed.
func (n *Need) All() bool {
	for _, r := range n.refs {
		if r == nil {
			return true
		}
	}
	return false
}

// Refs is the number of references to the table in the statement.
func (n *Need) Refs() int { return len(n.refs) }

// Filter returns the files of files that Keep keeps, in order.
func (n *Need) Filter(files []crawl.File) []crawl.File {
	var out []crawl.File
	for i := range files {
		if n.Keep(&files[i]) {
			out = append(out, files[i])
		}
	}
	return out
}

// String renders the constraints of every reference, joined by OR: "month = 3 OR all".
// "all" is a reference without constraint, "none" one that can read no row.
func (n *Need) String() string {
	parts := make([]string, len(n.refs))
	for i, r := range n.refs {
		switch {
		case r == nil:
			parts[i] = "all"
		case r.kind == pFalse:
			parts[i] = "none"
		case len(n.refs) > 1 && (r.kind == pAnd || r.kind == pOr):
			parts[i] = "(" + r.String() + ")"
		default:
			parts[i] = r.String()
		}
	}
	return strings.Join(parts, " OR ")
}

// Analyze parses stmt with DuckDB and returns what it needs of each catalog table it
// references. lookup returns the catalog table for a name as written in the SQL (ok=false if it
// is not a catalog table); since DuckDB identifiers are case-insensitive, lookup should match
// names case-insensitively.
//
// stmt may hold several statements; all must be SELECT statements (WITH, FROM-first, VALUES,
// DESCRIBE and SUMMARIZE are SELECTs to DuckDB). Otherwise the error wraps ErrNotAnalyzable and
// the caller should treat every catalog name appearing in stmt as needing all files.
//
// Analyze runs one query on q to parse, and a second one when constants need DuckDB to be
// evaluated (casts, functions, intervals). It never binds or runs stmt, and never executes a
// volatile function: expressions are evaluated by constant folding in json_serialize_plan.
func Analyze(ctx context.Context, q Querier, stmt string, lookup func(name string) (*Table, bool)) (plan *Plan, err error) {
	defer func() {
		// The tree is DuckDB's, in a format it does not promise to keep: a shape the walk
		// did not expect must cost pruning, not the server.
		if r := recover(); r != nil {
			plan, err = nil, fmt.Errorf("prune: %w: unexpected parse tree: %v", ErrNotAnalyzable, r)
		}
	}()
	var text, tmpl, collation string
	err = q.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR)::VARCHAR,
		json_serialize_sql('SELECT typeof(NULL) AS t, CAST(NULL AS VARCHAR) AS v')::VARCHAR,
		current_setting('default_collation')::VARCHAR`, stmt).Scan(&text, &tmpl, &collation)
	if err != nil {
		return nil, fmt.Errorf("prune: parse: %w", err)
	}
	doc, err := decodeJSON(text)
	if err != nil {
		return nil, fmt.Errorf("prune: parse: %w", err)
	}
	if b, _ := doc["error"].(bool); b {
		msg := str(doc["error_message"])
		if t := str(doc["error_type"]); t != "" && t != "not implemented" {
			msg = t + ": " + msg
		}
		return nil, fmt.Errorf("prune: %w: %s", ErrNotAnalyzable, msg)
	}
	stmts := list(doc["statements"])
	if len(stmts) == 0 {
		return nil, fmt.Errorf("prune: %w: no statement", ErrNotAnalyzable)
	}
	a := newAnalyzer(lookup)
	for _, s := range stmts {
		a.query(obj(obj(s)["node"]), nil, nil)
	}
	a.sweep(doc)
	if err := a.evaluate(ctx, q, tmpl, collation); err != nil {
		return nil, err
	}
	p := a.plan()
	p.Columns = columnsOf(doc)
	return p, nil
}

func decodeJSON(text string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber() // keep numbers exact: the tree is serialized again for DuckDB
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// plan assembles the Plan from the references found.
func (a *analyzer) plan() *Plan {
	p := &Plan{Tables: map[string]*Need{}}
	for _, r := range a.refs {
		n := p.Tables[r.table.t.Name]
		if n == nil {
			n = &Need{table: r.table}
			p.Tables[r.table.t.Name] = n
		}
		n.refs = append(n.refs, r.final)
	}
	for o := range a.others {
		p.Others = append(p.Others, o)
	}
	sort.Strings(p.Others)
	return p
}
