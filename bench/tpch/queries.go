package main

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
)

// The 22 TPC-H queries in DuckDB's dialect with the validation parameters, as DuckDB's tpch
// extension has them (extension/tpch/dbgen/queries). Tables are referenced by bare name.
//
//go:embed queries/q*.sql
var queryFS embed.FS

type query struct {
	name string // q01 … q22
	text string
}

// loadQueries returns the queries picked by list ("" for all; else numbers like "1,6,14").
func loadQueries(list string) ([]query, error) {
	var nums []int
	if strings.TrimSpace(list) == "" {
		for i := 1; i <= 22; i++ {
			nums = append(nums, i)
		}
	} else {
		for _, f := range strings.Split(list, ",") {
			f = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(f)), "q")
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > 22 {
				return nil, fmt.Errorf("bad query %q in -q: want numbers 1–22", f)
			}
			nums = append(nums, n)
		}
	}
	qs := make([]query, 0, len(nums))
	for _, n := range nums {
		name := fmt.Sprintf("q%02d", n)
		b, err := queryFS.ReadFile("queries/" + name + ".sql")
		if err != nil {
			return nil, err
		}
		qs = append(qs, query{name: name, text: string(b)})
	}
	return qs, nil
}
