package prune

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// constExpr is a constant side of a comparison, evaluated by DuckDB.
type constExpr struct {
	e       node     // the expression, as serialized by DuckDB
	col     *colInfo // the column it is compared with
	cast    bool     // a string literal: DuckDB casts it to the column's type
	timeDep bool     // uses current_date: usable only as a lower bound

	state cstate
	val   value
}

type cstate int

const (
	cPending cstate = iota
	cValue
	cNull
	cDoubt
)

// evaluate computes the constants of the constraints found, then settles every reference's
// constraint. tmpl is the serialized form of "SELECT typeof(NULL) AS t, CAST(NULL AS VARCHAR)
// AS v"; collation is the session's default_collation.
func (a *analyzer) evaluate(ctx context.Context, q Querier, tmpl, collation string) error {
	var exprs, lits []*constExpr
	for _, k := range a.consts {
		switch {
		case k.literal():
		case k.cast:
			lits = append(lits, k)
		default:
			exprs = append(exprs, k)
		}
	}
	if err := a.evalBatch(ctx, q, tmpl, exprs, lits); err != nil {
		// Something DuckDB cannot bind spoils the batch: try each expression alone.
		canceled := func() error {
			if ctx.Err() != nil {
				return fmt.Errorf("prune: evaluate constants: %w", ctx.Err())
			}
			return nil
		}
		if err := canceled(); err != nil {
			return err
		}
		for _, k := range exprs {
			if err := a.evalBatch(ctx, q, tmpl, []*constExpr{k}, nil); err != nil {
				if err := canceled(); err != nil {
					return err
				}
				k.state = cDoubt
			}
		}
		if err := a.evalBatch(ctx, q, tmpl, nil, lits); err != nil {
			if err := canceled(); err != nil {
				return err
			}
			for _, k := range lits {
				k.state = cDoubt
			}
		}
	}
	if collation != "" && !strings.EqualFold(collation, "binary") {
		// Strings compare under a collation: byte order proves nothing.
		for _, k := range a.consts {
			if k.col.dom == dStr {
				k.state = cDoubt
			}
		}
	}
	for _, r := range a.refs {
		r.final = resolve(and(r.conj...))
	}
	return nil
}

var (
	isoDate      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	isoTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$`)
)

// literal settles k without DuckDB when it is a plain literal whose value the parse tree
// holds: a number, a string compared with a string column, NULL, or DATE/TIMESTAMP of an ISO
// string. It reports whether it did.
func (k *constExpr) literal() bool {
	e := k.e
	if str(e["class"]) == "CAST" {
		c := obj(e["child"])
		v := obj(c["value"])
		s, ok := v["value"].(string)
		if str(c["class"]) != "CONSTANT" || str(obj(v["type"])["id"]) != "VARCHAR" || !ok || k.col.dom != dTime {
			return false
		}
		switch str(obj(e["cast_type"])["id"]) {
		case "DATE":
			if !isoDate.MatchString(s) {
				return false
			}
		case "TIMESTAMP":
			if !isoTimestamp.MatchString(s) {
				return false
			}
		default:
			return false
		}
		val, ok := parseValue(dTime, strings.Replace(s, "T", " ", 1))
		if !ok {
			return false // not a valid date: let DuckDB say
		}
		k.val, k.state = val, cValue
		return true
	}
	if str(e["class"]) != "CONSTANT" || k.cast {
		return false
	}
	v := obj(e["value"])
	if b, _ := v["is_null"].(bool); b {
		k.state = cNull
		return true
	}
	typ := obj(v["type"])
	id := str(typ["id"])
	d, float := domainOf(id)
	if d != k.col.dom {
		return false
	}
	var text string
	switch x := v["value"].(type) {
	case json.Number:
		text = x.String()
		if id == "DECIMAL" {
			n, _ := obj(typ["type_info"])["scale"].(json.Number)
			scale, err := n.Int64()
			r, ok := new(big.Rat).SetString(text)
			if err != nil || !ok || scale < 0 || scale > 38 {
				return false
			}
			r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(scale), nil)))
			text = r.FloatString(int(scale))
		}
	case string:
		text = x
	case bool:
		text = strconv.FormatBool(x)
	default:
		return false // HUGEINT and wide DECIMAL values are objects
	}
	val, ok := parseValue(d, text)
	if !ok {
		return false
	}
	val.approx = float || k.col.float
	k.val, k.state = val, cValue
	return true
}

// evalBatch evaluates constants with DuckDB in one query. Expressions go back to SQL through
// json_deserialize_sql, as "SELECT typeof(e0) AS t0, CAST(e0 AS VARCHAR) AS v0, …", and come
// back as plans (json_serialize_plan): the bound plan names the functions each one calls
// (macros expanded), and the optimized plan holds the values of those DuckDB could fold into
// constants. A volatile function (random(), nextval()) is never folded, and nothing is
// executed beyond folding, so an expression that is not deterministic just stays unknown.
// String literals compared with typed columns are cast as DuckDB casts them (lits).
func (a *analyzer) evalBatch(ctx context.Context, q Querier, tmpl string, exprs, lits []*constExpr) error {
	if len(exprs)+len(lits) == 0 {
		return nil
	}
	var cols []string
	var args []any
	from := ""
	if len(exprs) > 0 {
		doc, err := decodeJSON(tmpl)
		if err != nil {
			return err
		}
		var sel node
		if st := list(doc["statements"]); len(st) == 1 {
			sel = obj(obj(st[0])["node"])
		}
		tl := list(sel["select_list"])
		if sel == nil || len(tl) != 2 {
			return fmt.Errorf("unexpected template %s", tmpl)
		}
		var items []any
		for i, k := range exprs {
			t := maps.Clone(obj(tl[0]))
			t["children"] = []any{k.e}
			t["alias"] = "t" + strconv.Itoa(i)
			v := maps.Clone(obj(tl[1]))
			v["child"] = k.e
			v["alias"] = "v" + strconv.Itoa(i)
			items = append(items, t, v)
		}
		sel["select_list"] = items
		cols = append(cols, "json_serialize_plan(s, optimize := false)::VARCHAR", "json_serialize_plan(s, optimize := true)::VARCHAR")
		from = " FROM (SELECT json_deserialize_sql(?::JSON) AS s)"
		args = append(args, jsonText(doc))
	}
	for _, k := range lits {
		lit := "'" + strings.ReplaceAll(str(obj(k.e["value"])["value"]), "'", "''") + "'"
		c := "TRY_CAST(" + lit + " AS " + k.col.typ + ")"
		cols = append(cols, "typeof("+c+")::VARCHAR", "CAST("+c+" AS VARCHAR)")
	}
	dest := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(dest))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")+from, args...).Scan(ptrs...); err != nil {
		return err
	}
	if len(exprs) > 0 {
		if err := settlePlans(exprs, dest[0].String, dest[1].String); err != nil {
			return err
		}
		dest = dest[2:]
	}
	for i, k := range lits {
		k.settle(dest[2*i], dest[2*i+1])
	}
	return nil
}

// settlePlans reads the values of exprs from the bound and the optimized plan of their SELECT.
func settlePlans(exprs []*constExpr, bound, optimized string) error {
	bp, err := projection(bound)
	if err != nil {
		return err
	}
	op, err := projection(optimized)
	if err != nil {
		return err
	}
	for i, k := range exprs {
		t, v := "t"+strconv.Itoa(i), "v"+strconv.Itoa(i)
		if !deterministic(bp[v], k.timeDep) {
			k.state = cDoubt
			continue
		}
		tc, vc := op[t], op[v]
		if str(tc["expression_class"]) != "BOUND_CONSTANT" || str(vc["expression_class"]) != "BOUND_CONSTANT" {
			k.state = cDoubt // not foldable: volatile, or an error DuckDB would raise
			continue
		}
		typ, _ := obj(tc["value"])["value"].(string)
		var text sql.NullString
		if b, _ := obj(vc["value"])["is_null"].(bool); !b {
			text.String, text.Valid = obj(vc["value"])["value"].(string)
		}
		k.settle(sql.NullString{String: typ, Valid: true}, text)
	}
	return nil
}

// projection returns the expressions of a serialized plan's top projection by alias.
func projection(text string) (map[string]node, error) {
	doc, err := decodeJSON(text)
	if err != nil {
		return nil, err
	}
	if b, _ := doc["error"].(bool); b {
		return nil, fmt.Errorf("%s", str(doc["error_message"]))
	}
	plans := list(doc["plans"])
	var p node
	if len(plans) == 1 {
		p = obj(plans[0])
	}
	if str(p["type"]) != "LOGICAL_PROJECTION" {
		return nil, fmt.Errorf("unexpected plan %.200s", text)
	}
	out := map[string]node{}
	for _, e := range list(p["expressions"]) {
		out[str(obj(e)["alias"])] = obj(e)
	}
	return out, nil
}

// timeNames are functions DuckDB folds although their value changes with time (some are even
// marked CONSISTENT). current_date and today may stay when the expression only grows with them.
func timeName(name string) bool {
	switch name {
	case "now", "transaction_timestamp", "txid_current", "localtime", "localtimestamp", "today":
		return true
	}
	return strings.HasPrefix(name, "current_") || strings.HasPrefix(name, "get_current")
}

// deterministic reports whether a bound expression calls no function whose value depends on
// when it runs, beyond current_date or today when timeOK.
func deterministic(e any, timeOK bool) bool {
	switch x := e.(type) {
	case map[string]any:
		if str(x["expression_class"]) == "BOUND_FUNCTION" {
			name := lower(str(x["name"]))
			if timeName(name) && !(timeOK && (name == "current_date" || name == "today")) {
				return false
			}
		}
		for _, c := range x {
			if !deterministic(c, timeOK) {
				return false
			}
		}
	case []any:
		for _, c := range x {
			if !deterministic(c, timeOK) {
				return false
			}
		}
	case nil:
		return true
	}
	return true
}

// settle sets k's value from DuckDB's typeof and text of it.
func (k *constExpr) settle(typ, text sql.NullString) {
	if !text.Valid {
		if k.cast {
			k.state = cDoubt // the literal does not cast: the query will fail anyway
		} else {
			k.state = cNull
		}
		return
	}
	d, float := domainOf(typ.String)
	if d == dNone || d != k.col.dom {
		k.state = cDoubt // a comparison prune does not model (or DuckDB would reject)
		return
	}
	v, ok := parseValue(d, text.String)
	if !ok {
		k.state = cDoubt
		return
	}
	v.approx = float || k.col.float
	k.val, k.state = v, cValue
}

// resolve replaces atoms by what their evaluated constants allow: nil when a constant is in
// doubt, false when a NULL makes the comparison never true.
func resolve(p *pnode) *pnode {
	if p == nil {
		return nil
	}
	switch p.kind {
	case pAnd, pOr:
		kids := make([]*pnode, len(p.kids))
		for i, k := range p.kids {
			kids[i] = resolve(k)
		}
		if p.kind == pAnd {
			return and(kids...)
		}
		return or(kids...)
	case pAtom:
		return resolveAtom(p)
	}
	return p
}

func resolveAtom(p *pnode) *pnode {
	at := p.atom
	if at.op == "is null" || at.op == "is not null" {
		return p
	}
	hasNull := false
	at.vals = at.vals[:0]
	for _, k := range at.args {
		switch k.state {
		case cNull:
			hasNull = true
			continue
		case cValue:
		default:
			return nil
		}
		if k.timeDep && at.op != ">" && at.op != ">=" {
			return nil // current_date grows: only a lower bound stays true
		}
		at.vals = append(at.vals, k.val)
	}
	switch {
	case at.op == "in":
		if len(at.vals) == 0 {
			return &pnode{kind: pFalse}
		}
	case hasNull:
		return &pnode{kind: pFalse} // = NULL, <> NULL, NOT IN (…, NULL) are never true
	}
	return p
}
