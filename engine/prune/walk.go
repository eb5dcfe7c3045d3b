package prune

import (
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/lakebook/lakebook/engine/crawl"
)

// The walk goes over DuckDB's serialized parse tree (json_serialize_sql), a tree of JSON
// objects. Query nodes (SELECT_NODE, SET_OPERATION_NODE, RECURSIVE_CTE_NODE) hold table refs
// (BASE_TABLE, JOIN, SUBQUERY, TABLE_FUNCTION, ...) and expressions (class COMPARISON,
// CONJUNCTION, COLUMN_REF, CONSTANT, FUNCTION, SUBQUERY, ...).
//
// Soundness rests on a few rules:
//   - A conjunct of a SELECT's WHERE that mentions only table t's columns can drop t's rows that
//     fail it, provided t is not on the null-supplying side of an outer join below the WHERE, or
//     the conjunct is null-rejecting (a row padded with NULLs for t fails it anyway).
//   - An INNER (or SEMI) join's ON conjunct acts like a WHERE for the tables under that join; an
//     outer join's ON conjunct may drop rows of the non-preserved side only.
//   - Tables under POSITIONAL joins, the searched side of ASOF joins, the inner side of SEMI and
//     ANTI joins (for conditions above the join) and sampled tables take no constraint from above.
//   - A column is attributed to a table only when that table is the only relation in the
//     SELECT's FROM that has (or may have) a column of that name.
//   - Whatever the structured walk does not visit is found by a final sweep of the whole tree:
//     every catalog table in it is needed whole.

type node = map[string]any

func obj(v any) node        { m, _ := v.(map[string]any); return m }
func list(v any) []any      { l, _ := v.([]any); return l }
func str(v any) string      { s, _ := v.(string); return s }
func lower(s string) string { return strings.ToLower(s) }

// colInfo is a column of a catalog table.
type colInfo struct {
	name  string // as in the catalog
	typ   string // DuckDB type name
	part  bool   // a partition key
	dom   domain
	float bool // FLOAT or DOUBLE: NaN sorts above every number
}

// tableInfo is a catalog table with its columns indexed.
type tableInfo struct {
	t     *Table
	cols  map[string]*colInfo // by lowercased name; nil when two names differ only by case
	order []string            // column names as DuckDB lists them: columns, then partition keys
}

func newTableInfo(t *Table) *tableInfo {
	ti := &tableInfo{t: t, cols: map[string]*colInfo{}}
	add := func(cols []crawl.Column, part bool) {
		for _, c := range cols {
			k := lower(c.Name)
			if _, dup := ti.cols[k]; dup {
				ti.cols[k] = nil
			} else {
				d, f := domainOf(c.Type)
				ti.cols[k] = &colInfo{name: c.Name, typ: c.Type, part: part, dom: d, float: f}
			}
			ti.order = append(ti.order, c.Name)
		}
	}
	add(t.Columns, false)
	add(t.PartitionKeys, true)
	return ti
}

// reference is one occurrence of a catalog table in the statement.
type reference struct {
	table *tableInfo
	conj  []*pnode // constraints found so far, ANDed
	final *pnode   // after evaluation; nil means every file
}

// source is a relation in a SELECT's FROM clause.
type source struct {
	quals    []string            // lowercased names that can qualify its columns
	cols     map[string]*colInfo // lowercased column names; values set for catalog tables
	order    []string            // output column names in order, when known
	known    bool                // cols is complete; otherwise the source may have any column
	ref      *reference          // set for a catalog table
	nullable bool                // on the null-supplying side of an outer join
	blocked  bool                // takes no more constraints from conditions above this point
}

func (s *source) mayHave(col string) bool {
	if !s.known {
		return true
	}
	_, ok := s.cols[col]
	return ok
}

// scope is the FROM clause of a SELECT, with the scopes enclosing it.
type scope struct {
	sources []*source
	parent  *scope
}

// mayHave reports whether any relation visible from sc may have a column named col.
func (sc *scope) mayHave(col string) bool {
	for ; sc != nil; sc = sc.parent {
		for _, s := range sc.sources {
			if s.mayHave(col) {
				return true
			}
		}
	}
	return false
}

// cteEnv is the chain of CTEs visible at a point.
type cteEnv struct {
	name   string // lowercased
	order  []string
	known  bool
	parent *cteEnv
}

func (e *cteEnv) find(name string) *cteEnv {
	name = lower(name)
	for ; e != nil; e = e.parent {
		if e.name == name {
			return e
		}
	}
	return nil
}

type analyzer struct {
	lookup func(string) (*Table, bool)
	tables map[string]*tableInfo // by lowercased name as written; nil when not a catalog table
	refs   []*reference
	consts []*constExpr
	others map[string]bool
	seen   map[uintptr]bool // table refs the structured walk handled
}

func newAnalyzer(lookup func(string) (*Table, bool)) *analyzer {
	return &analyzer{lookup: lookup, tables: map[string]*tableInfo{}, others: map[string]bool{}, seen: map[uintptr]bool{}}
}

func (a *analyzer) table(name string) *tableInfo {
	k := lower(name)
	if ti, ok := a.tables[k]; ok {
		return ti
	}
	var ti *tableInfo
	if t, ok := a.lookup(name); ok && t != nil {
		// One tableInfo per catalog table, whatever the spelling.
		for _, o := range a.tables {
			if o != nil && o.t.Name == t.Name {
				ti = o
			}
		}
		if ti == nil {
			ti = newTableInfo(t)
		}
	}
	a.tables[k] = ti
	return ti
}

func (a *analyzer) newRef(ti *tableInfo) *reference {
	r := &reference{table: ti}
	a.refs = append(a.refs, r)
	return r
}

func (a *analyzer) mark(n node) { a.seen[reflect.ValueOf(n).Pointer()] = true }

func (a *analyzer) marked(n node) bool { return a.seen[reflect.ValueOf(n).Pointer()] }

// query walks a query node and returns its output column names when it can tell them.
func (a *analyzer) query(n node, env *cteEnv, outer *scope) (cols []string, known bool) {
	if n == nil {
		return nil, false
	}
	switch str(n["type"]) {
	case "SELECT_NODE":
		env = a.ctes(n, env, outer)
		return a.selectNode(n, env, outer)
	case "SET_OPERATION_NODE":
		env = a.ctes(n, env, outer)
		lc, lk := a.query(obj(n["left"]), env, outer)
		rc, rk := a.query(obj(n["right"]), env, outer)
		for _, c := range list(n["children"]) { // n-ary set operations, if any
			a.query(obj(c), env, outer)
		}
		if strings.Contains(str(n["setop_type"]), "BY_NAME") {
			return append(lc, rc...), lk && rk
		}
		return lc, lk
	case "RECURSIVE_CTE_NODE":
		env = a.ctes(n, env, outer)
		lc, lk := a.query(obj(n["left"]), env, outer)
		// In the recursive part, the CTE's own name is the CTE.
		self := &cteEnv{name: lower(str(n["cte_name"])), order: lc, known: lk, parent: env}
		self.order, self.known = rename(lc, lk, list(n["aliases"]))
		a.query(obj(n["right"]), self, outer)
		return lc, lk
	}
	// Anything else is left to the sweep.
	return nil, false
}

// ctes walks the CTEs defined on n and returns the environment its body sees. A CTE's body
// sees only the CTEs before it: a reference to its own name (recursion) is taken as a
// reference to the catalog table of that name, which can only add files.
func (a *analyzer) ctes(n node, env *cteEnv, outer *scope) *cteEnv {
	for _, e := range list(obj(n["cte_map"])["map"]) {
		name := str(obj(e)["key"])
		v := obj(obj(e)["value"])
		cols, known := a.query(obj(obj(v["query"])["node"]), env, outer)
		cols, known = rename(cols, known, list(v["aliases"]))
		env = &cteEnv{name: lower(name), order: cols, known: known, parent: env}
	}
	return env
}

// rename applies a column alias list to the first output columns.
func rename(cols []string, known bool, aliases []any) ([]string, bool) {
	if len(aliases) == 0 {
		return cols, known
	}
	out := make([]string, 0, max(len(cols), len(aliases)))
	for _, al := range aliases {
		out = append(out, str(al))
	}
	if len(cols) > len(aliases) {
		out = append(out, cols[len(aliases):]...)
	}
	return out, known
}

func (a *analyzer) selectNode(n node, env *cteEnv, outer *scope) ([]string, bool) {
	sc := &scope{parent: outer}
	sc.sources = a.from(obj(n["from_table"]), env, sc)
	if n["sample"] != nil {
		// USING SAMPLE draws from the rows before WHERE: fewer rows, another sample.
		for _, s := range sc.sources {
			s.blocked = true
		}
	}
	if w := obj(n["where_clause"]); w != nil {
		a.apply(w, sc, sc.sources)
	}
	for _, k := range keys(n) {
		switch k {
		case "from_table", "cte_map":
		default:
			a.subqueries(n[k], env, sc)
		}
	}
	return a.selectCols(n, sc)
}

// apply adds the conjuncts of cond to the catalog tables among targets that they constrain.
func (a *analyzer) apply(cond node, sc *scope, targets []*source) {
	for _, c := range conjuncts(cond) {
		for _, s := range targets {
			if s.ref == nil || s.blocked {
				continue
			}
			if p := a.pred(c, sc, s, s.nullable); p != nil {
				s.ref.conj = append(s.ref.conj, p)
				a.register(p)
			}
		}
	}
}

// register queues the constants of p for evaluation.
func (a *analyzer) register(p *pnode) {
	if p.atom != nil {
		a.consts = append(a.consts, p.atom.args...)
	}
	for _, k := range p.kids {
		a.register(k)
	}
}

func conjuncts(e node) []node {
	if str(e["class"]) == "CONJUNCTION" && str(e["type"]) == "CONJUNCTION_AND" {
		var out []node
		for _, c := range list(e["children"]) {
			out = append(out, conjuncts(obj(c))...)
		}
		return out
	}
	return []node{e}
}

// subqueries walks the query nodes of subquery expressions anywhere in v.
func (a *analyzer) subqueries(v any, env *cteEnv, sc *scope) {
	switch x := v.(type) {
	case map[string]any:
		if str(x["class"]) == "SUBQUERY" {
			a.query(obj(obj(x["subquery"])["node"]), env, sc)
			if c := x["child"]; c != nil {
				a.subqueries(c, env, sc)
			}
			return
		}
		for _, k := range keys(x) {
			a.subqueries(x[k], env, sc)
		}
	case []any:
		for _, c := range x {
			a.subqueries(c, env, sc)
		}
	}
}

// from walks a table ref and returns the relations it brings into scope. sc is the scope the
// ref belongs to (its sources not yet set); lateral subqueries see it as their outer scope.
func (a *analyzer) from(ref node, env *cteEnv, sc *scope) []*source {
	if ref == nil {
		return nil
	}
	switch str(ref["type"]) {
	case "EMPTY":
		return nil
	case "BASE_TABLE":
		a.mark(ref)
		return []*source{a.baseTable(ref, env)}
	case "JOIN":
		return a.join(ref, env, sc)
	case "SUBQUERY":
		cols, known := a.query(obj(obj(ref["subquery"])["node"]), env, sc)
		cols, known = rename(cols, known, list(ref["column_name_alias"]))
		s := newSource(cols, known)
		if al := str(ref["alias"]); al != "" {
			s.quals = []string{lower(al)}
		} else {
			s.quals = []string{"unnamed_subquery"}
		}
		return []*source{s}
	case "TABLE_FUNCTION":
		a.mark(ref)
		a.tableFunction(ref)
		a.subqueries(ref["function"], env, sc)
		fn := lower(str(obj(ref["function"])["function_name"]))
		a.others[fn+"()"] = true
		s := newSource(nil, false)
		if al := str(ref["alias"]); al != "" {
			s.quals = []string{lower(al)}
		} else {
			s.quals = []string{fn}
		}
		return []*source{s}
	case "EXPRESSION_LIST":
		vals := list(ref["values"])
		a.subqueries(vals, env, sc)
		var cols []string
		known := false
		if len(vals) > 0 {
			for i := range list(vals[0]) {
				cols = append(cols, "col"+strconv.Itoa(i))
			}
			known = true
		}
		s := newSource(cols, known)
		s.quals = []string{lower(str(ref["alias"]))}
		return []*source{s}
	case "SHOW_REF":
		if q := obj(ref["query"]); q != nil {
			a.query(q, env, sc)
		}
		return []*source{newSource(nil, false)}
	}
	// PIVOT, UNPIVOT, column data, ...: the sweep finds the tables inside.
	return []*source{newSource(nil, false)}
}

func newSource(cols []string, known bool) *source {
	s := &source{order: cols, known: known, cols: map[string]*colInfo{}}
	for _, c := range cols {
		s.cols[lower(c)] = nil
	}
	return s
}

func (a *analyzer) baseTable(ref node, env *cteEnv) *source {
	name := str(ref["table_name"])
	schema, catalog := str(ref["schema_name"]), str(ref["catalog_name"])
	alias := str(ref["alias"])
	quals := []string{lower(name)}
	if schema != "" {
		quals = append(quals, lower(schema+"."+name))
		if catalog != "" {
			quals = append(quals, lower(catalog+"."+schema+"."+name))
		}
	}
	if alias != "" {
		quals = []string{lower(alias)}
	}
	aliases := list(ref["column_name_alias"])
	if schema == "" && catalog == "" {
		if c := env.find(name); c != nil {
			cols, known := rename(c.order, c.known, aliases)
			s := newSource(cols, known)
			s.quals = quals
			return s
		}
	}
	ti := a.table(name)
	if ti == nil {
		a.others[lower(name)] = true
		s := newSource(nil, false)
		s.quals = quals
		return s
	}
	s := &source{quals: quals, ref: a.newRef(ti), cols: map[string]*colInfo{}}
	if len(aliases) > 0 {
		// Renamed columns: which catalog column each name is depends on the view's column
		// order; take no constraint and assume any column.
		s.blocked = true
		return s
	}
	for k, c := range ti.cols {
		s.cols[k] = c
	}
	s.order = ti.order
	s.known = true
	if ref["sample"] != nil {
		s.blocked = true // TABLESAMPLE draws before WHERE
	}
	return s
}

// join walks both sides of a join and applies its ON condition where it is safe.
func (a *analyzer) join(ref node, env *cteEnv, sc *scope) []*source {
	left := a.from(obj(ref["left"]), env, sc)
	// A lateral right side sees the left side.
	right := a.from(obj(ref["right"]), env, &scope{sources: left, parent: sc})
	all := append(append([]*source{}, left...), right...)
	cond := obj(ref["condition"])
	js := &scope{sources: all, parent: sc.parent}
	if cond != nil {
		a.subqueries(cond, env, js)
	}
	block := func(ss []*source) {
		for _, s := range ss {
			s.blocked = true
		}
	}
	nullable := func(ss []*source) {
		for _, s := range ss {
			s.nullable = true
		}
	}
	on := func(ss []*source) {
		if cond != nil {
			a.apply(cond, js, ss)
		}
	}
	switch str(ref["ref_type"]) {
	case "REGULAR", "CROSS", "NATURAL", "DEPENDENT", "":
	case "ASOF":
		// The right side is searched for the nearest match: dropping rows changes matches.
		block(right)
		if jt := str(ref["join_type"]); jt != "INNER" && jt != "LEFT" {
			block(left)
		}
		return all
	default: // POSITIONAL: rows pair by position
		block(all)
		return all
	}
	if len(list(ref["using_columns"])) > 0 || str(ref["ref_type"]) == "NATURAL" {
		cond = nil // the join condition is implicit; nothing to apply
	}
	switch str(ref["join_type"]) {
	case "INNER":
		on(all)
	case "LEFT":
		on(right)
		nullable(right)
	case "RIGHT":
		on(left)
		nullable(left)
	case "OUTER", "FULL":
		nullable(all)
	case "SEMI":
		on(all)
		block(right)
	case "ANTI":
		on(right)
		block(right)
	default:
		block(all)
	}
	return all
}

// selectCols returns a SELECT's output column names when they can be told.
func (a *analyzer) selectCols(n node, sc *scope) ([]string, bool) {
	var out []string
	for _, it := range list(n["select_list"]) {
		e := obj(it)
		if al := str(e["alias"]); al != "" {
			out = append(out, al)
			continue
		}
		switch str(e["class"]) {
		case "COLUMN_REF":
			names := list(e["column_names"])
			if len(names) == 0 {
				return nil, false
			}
			out = append(out, str(names[len(names)-1]))
		case "STAR":
			if b, _ := e["columns"].(bool); b || e["expr"] != nil || len(list(e["rename_list"])) > 0 {
				return nil, false
			}
			rel := lower(str(e["relation_name"]))
			found := false
			for _, s := range sc.sources {
				if rel != "" && !contains(s.quals, rel) {
					continue
				}
				if !s.known {
					return nil, false
				}
				out = append(out, s.order...)
				found = true
			}
			if !found && rel != "" {
				return nil, false
			}
		case "CONSTANT":
			// DuckDB names it by its value's text.
			v := obj(e["value"])
			switch x := v["value"].(type) {
			case string:
				out = append(out, x)
			case nil:
				out = append(out, "NULL")
			default:
				out = append(out, strings.ToLower(strings.Trim(jsonText(x), `"`)))
			}
		default:
			// DuckDB names other expressions by their SQL text, which is never a bare
			// identifier (it has parentheses, operators, quotes or spaces).
			out = append(out, "\x00expr")
		}
	}
	return out, true
}

// keys returns m's keys sorted, so that walks, and the order of references, are deterministic.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// tableFunction takes a catalog table named in a string argument of a table function
// (query_table('t'), query('select … from t')) as needed whole. File readers take paths.
func (a *analyzer) tableFunction(ref node) {
	f := obj(ref["function"])
	switch fn := lower(str(f["function_name"])); {
	case strings.HasPrefix(fn, "read_"), strings.HasPrefix(fn, "parquet_"), fn == "parquet_scan",
		fn == "glob", fn == "range", fn == "generate_series", fn == "unnest", fn == "sniff_csv":
		return
	}
	a.stringsIn(f, func(s string) {
		for _, tok := range nameTokens(s) {
			if ti := a.table(tok); ti != nil {
				a.newRef(ti) // no constraint: every file
			}
		}
	})
}

func (a *analyzer) stringsIn(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if str(x["class"]) == "CONSTANT" {
			if s, ok := obj(x["value"])["value"].(string); ok {
				fn(s)
			}
			return
		}
		for _, k := range keys(x) {
			a.stringsIn(x[k], fn)
		}
	case []any:
		for _, c := range x {
			a.stringsIn(c, fn)
		}
	}
}

// nameTokens returns the words of s that could name a table: the whole string, its
// identifier-like words, and quoted identifiers.
func nameTokens(s string) []string {
	out := []string{strings.TrimSpace(s)}
	isWord := func(r rune) bool {
		return r == '_' || r == '$' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127
	}
	out = append(out, strings.FieldsFunc(s, func(r rune) bool { return !isWord(r) })...)
	for rest := s; ; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '"')
		if j < 0 {
			break
		}
		out = append(out, rest[i+1:i+1+j])
		rest = rest[i+1+j+1:]
	}
	return out
}

// sweep finds table refs the structured walk did not handle: a catalog table among them is
// needed whole.
func (a *analyzer) sweep(v any) {
	switch x := v.(type) {
	case map[string]any:
		switch str(x["type"]) {
		case "BASE_TABLE":
			if !a.marked(x) {
				a.mark(x)
				if ti := a.table(str(x["table_name"])); ti != nil {
					a.newRef(ti)
				} else {
					a.others[lower(str(x["table_name"]))] = true
				}
			}
		case "TABLE_FUNCTION":
			if !a.marked(x) {
				a.mark(x)
				a.tableFunction(x)
				a.others[lower(str(obj(x["function"])["function_name"]))+"()"] = true
			}
		}
		for _, k := range keys(x) {
			a.sweep(x[k])
		}
	case []any:
		for _, c := range x {
			a.sweep(c)
		}
	}
}
