package prune

import "strings"

// Columns is what a statement reads of its relations' columns, for fetching only those parts
// of Parquet files.
type Columns struct {
	// All is set when the statement may read columns it does not name: *, COLUMNS(), #1, a
	// whole row by its table's name or alias, a NATURAL join, SUMMARIZE and SHOW.
	All bool
	// Names are the lower-cased names the statement references, every part of a qualified or
	// struct-field name, whatever relation they belong to (a superset of what it reads).
	Names map[string]bool
}

// columnsOf walks a json_serialize_sql tree for the columns it references.
func columnsOf(doc any) Columns {
	c := Columns{Names: map[string]bool{}}
	relations := map[string]bool{} // table names and aliases
	aliases := map[string]bool{}   // names given to expressions (SELECT x AS name)
	var single []string            // column references of one part
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			if a := str(v["alias"]); a != "" && str(v["class"]) != "" {
				aliases[strings.ToLower(a)] = true
			}
			switch str(v["class"]) {
			case "SUBQUERY":
				if t := str(v["subquery_type"]); t == "EXISTS" || t == "NOT_EXISTS" {
					// EXISTS (SELECT * …) reads no column for its *: walk all but that.
					for k, x := range v {
						if k != "subquery" {
							walk(x)
						}
					}
					walkExists(obj(obj(v["subquery"])["node"]), walk)
					return
				}
			case "COLUMN_REF":
				names := list(v["column_names"])
				for _, n := range names {
					c.Names[strings.ToLower(str(n))] = true
				}
				if len(names) == 1 {
					single = append(single, strings.ToLower(str(names[0])))
				}
			case "STAR", "POSITIONAL_REFERENCE":
				c.All = true
			}
			switch str(v["type"]) {
			case "BASE_TABLE":
				relations[strings.ToLower(str(v["table_name"]))] = true
				if a := str(v["alias"]); a != "" {
					relations[strings.ToLower(a)] = true
				}
			case "SHOW_REF":
				c.All = true
			case "JOIN":
				if str(v["ref_type"]) == "NATURAL" {
					c.All = true
				}
				for _, n := range list(v["using_columns"]) {
					c.Names[strings.ToLower(str(n))] = true
				}
			}
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	for _, n := range single {
		if relations[n] && !aliases[n] {
			// A table's name or alias alone is its whole row (or a column named like it,
			// which costs only fetching more than needed); an expression's alias of the same
			// name is what a reference to it most likely means.
			c.All = true
		}
	}
	return c
}

// walkExists walks the query of an EXISTS subquery but a * in its select list.
func walkExists(node map[string]any, walk func(any)) {
	if str(node["type"]) != "SELECT_NODE" {
		walk(node)
		return
	}
	for k, x := range node {
		if k != "select_list" {
			walk(x)
			continue
		}
		for _, item := range list(x) {
			if str(obj(item)["class"]) != "STAR" {
				walk(item)
			}
		}
	}
}
