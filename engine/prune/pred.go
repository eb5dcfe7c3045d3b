package prune

import (
	"strings"
)

// pnode is a constraint on one reference's rows: AND and OR of atoms. A nil *pnode is no
// constraint (true); pFalse matches no row.
type pnode struct {
	kind pkind
	kids []*pnode
	atom *atom
}

type pkind int

const (
	pAtom pkind = iota
	pAnd
	pOr
	pFalse
)

// atom compares a column with constants: =, <>, <, <=, >, >=, in, not in, or tests it for
// NULL (is null, is not null).
type atom struct {
	col  *colInfo
	op   string
	args []*constExpr
	vals []value // the args' values, once evaluated (NULLs left out)
}

// and builds a conjunction; nil kids (true) are dropped.
func and(ps ...*pnode) *pnode {
	var kids []*pnode
	for _, p := range ps {
		switch {
		case p == nil:
		case p.kind == pFalse:
			return p
		case p.kind == pAnd:
			kids = append(kids, p.kids...)
		default:
			kids = append(kids, p)
		}
	}
	switch len(kids) {
	case 0:
		return nil
	case 1:
		return kids[0]
	}
	return &pnode{kind: pAnd, kids: kids}
}

// or builds a disjunction; a nil kid (true) makes it true.
func or(ps ...*pnode) *pnode {
	var kids []*pnode
	for _, p := range ps {
		switch {
		case p == nil:
			return nil
		case p.kind == pFalse:
		case p.kind == pOr:
			kids = append(kids, p.kids...)
		default:
			kids = append(kids, p)
		}
	}
	switch len(kids) {
	case 0:
		return &pnode{kind: pFalse}
	case 1:
		return kids[0]
	}
	return &pnode{kind: pOr, kids: kids}
}

func atomNode(col *colInfo, op string, args ...*constExpr) *pnode {
	return &pnode{kind: pAtom, atom: &atom{col: col, op: op, args: args}}
}

var compareOps = map[string]string{
	"COMPARE_EQUAL":                "=",
	"COMPARE_NOTEQUAL":             "<>",
	"COMPARE_LESSTHAN":             "<",
	"COMPARE_LESSTHANOREQUALTO":    "<=",
	"COMPARE_GREATERTHAN":          ">",
	"COMPARE_GREATERTHANOREQUALTO": ">=",
}

var flipped = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// pred is what expression e says of target's rows, or nil when it says nothing usable. sc is
// the scope that resolves e's columns. With nullRejectOnly, only constraints that a row of
// NULLs fails are kept (target is on the null-supplying side of an outer join).
func (a *analyzer) pred(e node, sc *scope, target *source, nullRejectOnly bool) *pnode {
	switch str(e["class"]) {
	case "CONJUNCTION":
		var ps []*pnode
		for _, k := range list(e["children"]) {
			p := a.pred(obj(k), sc, target, nullRejectOnly)
			if p == nil && str(e["type"]) == "CONJUNCTION_OR" {
				return nil // a disjunct we cannot judge may be true
			}
			ps = append(ps, p)
		}
		switch str(e["type"]) {
		case "CONJUNCTION_AND":
			return and(ps...)
		case "CONJUNCTION_OR":
			return or(ps...)
		}
	case "COMPARISON":
		op := compareOps[str(e["type"])]
		if op == "" {
			return nil
		}
		l, r := obj(e["left"]), obj(e["right"])
		if col := a.column(l, sc, target); col != nil {
			if k := a.constant(r, sc, col); k != nil {
				return atomNode(col, op, k)
			}
			return nil
		}
		if col := a.column(r, sc, target); col != nil {
			if k := a.constant(l, sc, col); k != nil {
				return atomNode(col, flipped[op], k)
			}
		}
	case "BETWEEN":
		col := a.column(obj(e["input"]), sc, target)
		if col == nil {
			return nil
		}
		var lo, hi *pnode
		if k := a.constant(obj(e["lower"]), sc, col); k != nil {
			lo = atomNode(col, ">=", k)
		}
		if k := a.constant(obj(e["upper"]), sc, col); k != nil {
			hi = atomNode(col, "<=", k)
		}
		return and(lo, hi)
	case "OPERATOR":
		kids := list(e["children"])
		if len(kids) == 0 {
			return nil
		}
		col := a.column(obj(kids[0]), sc, target)
		if col == nil {
			return nil
		}
		switch t := str(e["type"]); t {
		case "COMPARE_IN", "COMPARE_NOT_IN":
			var args []*constExpr
			for _, k := range kids[1:] {
				c := a.constant(obj(k), sc, col)
				if c == nil {
					return nil
				}
				args = append(args, c)
			}
			if len(args) == 0 {
				return nil
			}
			if t == "COMPARE_IN" {
				return atomNode(col, "in", args...)
			}
			return atomNode(col, "not in", args...)
		case "OPERATOR_IS_NULL":
			if nullRejectOnly || len(kids) != 1 {
				return nil
			}
			return atomNode(col, "is null")
		case "OPERATOR_IS_NOT_NULL":
			if len(kids) != 1 {
				return nil
			}
			return atomNode(col, "is not null")
		}
	}
	return nil
}

// column returns the catalog column e refers to when e is a column reference that binds to
// target: qualified by one of target's names, or unqualified and no other relation of the
// scope has (or may have) a column of that name.
func (a *analyzer) column(e node, sc *scope, target *source) *colInfo {
	if str(e["class"]) != "COLUMN_REF" {
		return nil
	}
	names := list(e["column_names"])
	var qual, col string
	switch len(names) {
	case 1:
		col = lower(str(names[0]))
	case 2:
		qual, col = lower(str(names[0])), lower(str(names[1]))
	case 3:
		qual, col = lower(str(names[0])+"."+str(names[1])), lower(str(names[2]))
	default:
		return nil
	}
	var hit *source
	for _, s := range sc.sources {
		if qual == "" && s.mayHave(col) || qual != "" && contains(s.quals, qual) {
			if hit != nil {
				return nil // ambiguous, or two relations with one name
			}
			hit = s
		}
	}
	if hit != target {
		return nil
	}
	return target.cols[col]
}

// timeFuncs are the functions whose value only grows while a session lives: a constant built
// on them can bound a column from below, since the query runs after Analyze.
var timeFuncs = map[string]bool{"current_date": true, "today": true}

// constant returns e as a constant to compare with col, or nil when e is not a constant prune
// can evaluate: it may use constants, casts and scalar functions (checked later to be
// deterministic), and current_date in a form that grows with time.
func (a *analyzer) constant(e node, sc *scope, col *colInfo) *constExpr {
	if col.dom == dNone {
		return nil
	}
	k := &constExpr{e: e, col: col}
	if !a.isConst(e, sc, k) {
		return nil
	}
	if k.timeDep && !monotone(e, sc) {
		return nil
	}
	if str(e["class"]) == "CONSTANT" && col.dom != dStr {
		if v := obj(e["value"]); str(obj(v["type"])["id"]) == "VARCHAR" {
			// A string literal takes the column's type, as DuckDB casts it.
			if !castable(col.typ) {
				return nil
			}
			k.cast = true
		}
	}
	return k
}

func (a *analyzer) isConst(e node, sc *scope, k *constExpr) bool {
	if e == nil {
		return false
	}
	switch str(e["class"]) {
	case "CONSTANT":
		return true
	case "CAST":
		if strings.Contains(jsonText(e["cast_type"]), "collation") {
			return false
		}
		return a.isConst(obj(e["child"]), sc, k)
	case "FUNCTION":
		if e["filter"] != nil || len(list(obj(e["order_bys"])["orders"])) > 0 || e["distinct"] == true ||
			e["export_state"] == true || str(e["schema"]) != "" || str(e["catalog"]) != "" {
			return false
		}
		name := lower(str(e["function_name"]))
		if timeFuncs[name] {
			k.timeDep = true
		}
		for _, c := range list(e["children"]) {
			if !a.isConst(obj(c), sc, k) {
				return false
			}
		}
		return true
	case "COLUMN_REF":
		// current_date is a column reference to the parser; the binder makes it a function
		// when no relation has such a column.
		names := list(e["column_names"])
		if len(names) == 1 && lower(str(names[0])) == "current_date" && !sc.mayHave("current_date") {
			k.timeDep = true
			return true
		}
	}
	return false
}

// monotone reports whether e, which uses current_date, can only grow as time passes.
func monotone(e node, sc *scope) bool {
	switch str(e["class"]) {
	case "COLUMN_REF":
		return true // current_date, checked by isConst
	case "CAST":
		switch strings.ToUpper(str(obj(e["cast_type"])["id"])) {
		case "DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_SEC":
			return monotone(obj(e["child"]), sc)
		}
		return false
	case "FUNCTION":
		kids := list(e["children"])
		name := lower(str(e["function_name"]))
		switch {
		case timeFuncs[name]:
			return len(kids) == 0
		case name == "+" && len(kids) == 2:
			l, r := obj(kids[0]), obj(kids[1])
			return monotone(l, sc) && !usesTime(r) || monotone(r, sc) && !usesTime(l)
		case name == "-" && len(kids) == 2:
			return monotone(obj(kids[0]), sc) && !usesTime(obj(kids[1]))
		case name == "date_trunc" && len(kids) == 2:
			return !usesTime(obj(kids[0])) && monotone(obj(kids[1]), sc)
		}
	}
	return false
}

func usesTime(e node) bool {
	switch str(e["class"]) {
	case "COLUMN_REF":
		return true
	case "FUNCTION":
		if timeFuncs[lower(str(e["function_name"]))] {
			return true
		}
		for _, c := range list(e["children"]) {
			if usesTime(obj(c)) {
				return true
			}
		}
	case "CAST":
		return usesTime(obj(e["child"]))
	}
	return false
}

// String renders the constraint: "year = 2024 AND (month = 1 OR month IS NULL)".
func (p *pnode) String() string {
	switch p.kind {
	case pFalse:
		return "false"
	case pAtom:
		return p.atom.String()
	}
	sep := " AND "
	if p.kind == pOr {
		sep = " OR "
	}
	parts := make([]string, len(p.kids))
	for i, k := range p.kids {
		parts[i] = k.String()
		if k.kind == pAnd || k.kind == pOr {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func (at *atom) String() string {
	name := at.col.name
	switch at.op {
	case "is null":
		return name + " IS NULL"
	case "is not null":
		return name + " IS NOT NULL"
	case "in", "not in":
		vs := make([]string, len(at.vals))
		for i, v := range at.vals {
			vs[i] = v.String()
		}
		return name + " " + strings.ToUpper(at.op) + " (" + strings.Join(vs, ", ") + ")"
	}
	v := "?"
	if len(at.vals) == 1 {
		v = at.vals[0].String()
	}
	return name + " " + at.op + " " + v
}
