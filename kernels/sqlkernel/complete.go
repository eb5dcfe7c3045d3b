package sqlkernel

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// keywords are the SQL words worth completing; DuckDB's own list (duckdb_keywords()) holds
// hundreds that nobody types in a notebook.
var keywords = strings.Fields(`select from where group by order having limit offset join left right
	inner outer full cross on using as and or not in is null like ilike between case when then else
	end distinct union all except intersect with insert into values update set delete create table
	view temp temporary replace drop alter add column describe summarize show tables explain analyze
	copy to format parquet csv true false asc desc nulls first last over partition window qualify
	pivot unpivot exists cast try_cast interval date timestamp varchar integer bigint double boolean`)

// completeTimeout bounds a completion: it waits for a running query of the session, and a
// completion that comes late is worse than none. One that cannot get the names in time uses
// those the last completion got: tables made since are missing, which beats offering nothing.
const completeTimeout = 300 * time.Millisecond

// Complete proposes table, column, function and keyword names for the identifier before pos.
// After `t.` it proposes the columns of table t.
func (k *Kernel) Complete(ctx context.Context, code string, pos int) (notebooks.Completion, error) {
	qual, prefix, from := notebooks.IdentBefore(code, pos)
	out := notebooks.Completion{From: from, Items: []notebooks.CompletionItem{}}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	names, err := k.s.Names(ctx)
	k.mu.Lock()
	if err == nil {
		k.names = names
	} else {
		names = k.names
	}
	k.mu.Unlock()
	if names == nil {
		return out, nil // no names yet while a long query runs: keywords would only mislead after a dot
	}
	lower := strings.ToLower(prefix)
	match := func(s string) bool { return strings.HasPrefix(strings.ToLower(s), lower) }
	if qual != "" {
		for t, cols := range names.Tables {
			if strings.EqualFold(t, qual) {
				for _, c := range cols {
					if match(c) {
						out.Items = append(out.Items, notebooks.CompletionItem{Label: c, Kind: "column", Detail: t})
					}
				}
			}
		}
		return out, nil
	}
	tables := make([]string, 0, len(names.Tables))
	for t := range names.Tables {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		if match(t) {
			out.Items = append(out.Items, notebooks.CompletionItem{Label: t, Kind: "table"})
		}
	}
	seen := map[string]bool{}
	for _, t := range tables {
		for _, c := range names.Tables[t] {
			if match(c) && !seen[c] {
				seen[c] = true
				out.Items = append(out.Items, notebooks.CompletionItem{Label: c, Kind: "column", Detail: t})
			}
		}
	}
	for _, kw := range keywords {
		if match(kw) {
			out.Items = append(out.Items, notebooks.CompletionItem{Label: kw, Kind: "keyword"})
		}
	}
	for _, f := range names.Functions {
		if match(f) {
			out.Items = append(out.Items, notebooks.CompletionItem{Label: f, Kind: "function"})
		}
	}
	return out, nil
}
