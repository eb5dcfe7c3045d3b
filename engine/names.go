package engine

import (
	"context"
	"fmt"
	"slices"
)

// Names is what a session can refer to by name, for completion: tables and views (its own temp
// tables included) with their columns, and function names.
type Names struct {
	Tables    map[string][]string // table name → column names
	Functions []string
}

// Names lists the tables, columns and functions the session sees. It waits for a running query
// of the session, so callers bound ctx.
func (s *Session) Names(ctx context.Context) (*Names, error) {
	if err := s.acquire(ctx, nil); err != nil {
		return nil, err
	}
	defer s.release()
	n := &Names{Tables: map[string][]string{}}
	rows, err := s.conn.QueryContext(ctx, `select table_name, column_name from duckdb_columns()
		where not internal and table_name not like '__lakebook_result_%' order by table_name, column_index`)
	if err != nil {
		return nil, fmt.Errorf("engine: names: %w", err)
	}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("engine: names: %w", err)
		}
		n.Tables[t] = append(n.Tables[t], c)
	}
	rows.Close()
	// Catalog tables are views only while a statement uses them: their columns come from the
	// catalog (a DuckDB table of the same name wins, as it does in a query that names it).
	if s.e.cat != nil {
		for _, t := range s.e.cat.Tables() {
			if _, ok := n.Tables[t.Name]; ok {
				continue
			}
			for _, c := range slices.Concat(t.Columns, t.PartitionKeys) {
				n.Tables[t.Name] = append(n.Tables[t.Name], c.Name)
			}
		}
	}
	rows, err = s.conn.QueryContext(ctx, `select distinct function_name from duckdb_functions()
		where function_type in ('scalar', 'aggregate', 'table', 'macro', 'table_macro')
		and function_name not like '\_\_%' escape '\' and function_name similar to '[a-z_0-9]+' order by 1`)
	if err != nil {
		return nil, fmt.Errorf("engine: names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("engine: names: %w", err)
		}
		n.Functions = append(n.Functions, f)
	}
	return n, rows.Err()
}
