// Package crawl infers a table from objects in a store, in the manner of a
// Glue crawler: hive partitions from key=value/ folders, the schema, row
// counts and min/max statistics from Parquet footers (read with ranged
// requests, never the whole file), and a sampled schema for CSV and JSON
// lines. A re-crawl given the previous Table re-reads only files whose ETag
// changed, and reports what changed.
package crawl

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/pqrange"
)

// Formats.
const (
	FormatParquet = "parquet"
	FormatCSV     = "csv"
	FormatJSON    = "json" // newline-delimited JSON
)

// ErrNoFiles is returned (wrapped) when a prefix holds no data files.
var ErrNoFiles = errors.New("no data files")

// Column is a column with a DuckDB type name.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// ColumnStats are a file's statistics for one top-level column, merged over
// its row groups. Min and Max are set only when every row group had them;
// they are rendered as DuckDB literals' text (numbers, 2024-01-31,
// 2024-01-31 12:00:00, strings as is).
type ColumnStats struct {
	Min       string `json:"min,omitempty"`
	Max       string `json:"max,omitempty"`
	HasMinMax bool   `json:"has_min_max"`
	NullCount int64  `json:"null_count"` // -1 when unknown
}

// File is one data file of a table.
type File struct {
	Key       string            `json:"key"` // relative to the store root
	Size      int64             `json:"size"`
	ETag      string            `json:"etag"`
	Partition map[string]string `json:"partition,omitempty"` // raw (unescaped) values
	Rows      int64             `json:"rows"`                // -1 when unknown (CSV/JSON larger than the sample)
	RowGroups int               `json:"row_groups,omitempty"`
	Footer    int64             `json:"footer,omitempty"` // Parquet: bytes of the footer and its trailer at the end
	// Layout is where a Parquet file keeps its columns, so a query fetches their chunks without
	// reading the footer first; absent for files with more than MaxLayoutRanges ranges.
	Layout  *pqrange.Layout        `json:"layout,omitempty"`
	Columns []Column               `json:"columns"` // this file's own schema
	Stats   map[string]ColumnStats `json:"stats,omitempty"`
}

// Table is what a crawl found under a prefix.
type Table struct {
	Location      string   `json:"location"` // store URL + prefix, for people
	Prefix        string   `json:"prefix"`   // the crawled prefix, relative to the store root
	Format        string   `json:"format"`
	Columns       []Column `json:"columns"`        // union over files, partition keys excluded
	PartitionKeys []Column `json:"partition_keys"` // in folder order
	Files         []File   `json:"files"`          // sorted by key
	Skipped       []string `json:"skipped,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
}

// Rows is the total row count (-1 if any file's count is unknown).
func (t *Table) Rows() int64 {
	var n int64
	for _, f := range t.Files {
		if f.Rows < 0 {
			return -1
		}
		n += f.Rows
	}
	return n
}

// Partitions returns the distinct partition paths ("k1=v1/k2=v2"), sorted.
func (t *Table) Partitions() []string {
	seen := map[string]bool{}
	for _, f := range t.Files {
		if p := partitionPath(t.PartitionKeys, f.Partition); p != "" {
			seen[p] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ColumnChange is a column whose table-level type changed.
type ColumnChange struct {
	Name    string `json:"name"`
	OldType string `json:"old_type"`
	NewType string `json:"new_type"`
}

// Changes is the difference between the previous crawl and this one.
type Changes struct {
	NewPartitions     []string       `json:"new_partitions,omitempty"`
	RemovedPartitions []string       `json:"removed_partitions,omitempty"`
	NewColumns        []Column       `json:"new_columns,omitempty"`
	ChangedColumns    []ColumnChange `json:"changed_columns,omitempty"`
	RemovedColumns    []Column       `json:"removed_columns,omitempty"`
	NewFiles          []string       `json:"new_files,omitempty"`
	ChangedFiles      []string       `json:"changed_files,omitempty"`
	RemovedFiles      []string       `json:"removed_files,omitempty"`
	FilesRead         int            `json:"files_read"` // files whose metadata was (re)read
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return len(c.NewPartitions)+len(c.RemovedPartitions)+len(c.NewColumns)+len(c.ChangedColumns)+
		len(c.RemovedColumns)+len(c.NewFiles)+len(c.ChangedFiles)+len(c.RemovedFiles) == 0
}

// Options tune a crawl.
type Options struct {
	Concurrency int // parallel footer reads; default 8
	SampleBytes int // CSV/JSON sample size; default 64 KiB
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.SampleBytes <= 0 {
		o.SampleBytes = 64 << 10
	}
	return o
}

// Crawl crawls prefix ("" is the whole store; "sales" and "sales/" are the
// same) with default options. See CrawlWith.
func Crawl(ctx context.Context, store *objstore.Store, prefix string, prev *Table) (*Table, *Changes, error) {
	return CrawlWith(ctx, store, prefix, prev, Options{})
}

// CrawlWith lists prefix, detects partitions and format, and reads the
// metadata of every file not already known, with the same ETag and size, in
// prev. Changes compares against prev (everything is new when prev is nil).
func CrawlWith(ctx context.Context, store *objstore.Store, prefix string, prev *Table, opt Options) (*Table, *Changes, error) {
	opt = opt.withDefaults()
	prefix = strings.TrimLeft(prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	loc := store.Location(prefix)
	objs, err := store.List(ctx, prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("crawl: %s: %w", loc, err)
	}
	t := &Table{Location: loc, Prefix: prefix}
	var data []objstore.Object
	for _, o := range objs {
		if ignored(o.Key) {
			t.Skipped = append(t.Skipped, o.Key)
			continue
		}
		f := formatOf(o.Key)
		if f == "" {
			t.Skipped = append(t.Skipped, o.Key)
			continue
		}
		if t.Format == "" {
			t.Format = f
		} else if f != t.Format {
			return nil, nil, fmt.Errorf("crawl: %s: mixed formats: %s is %s but %s is %s", loc, data[0].Key, t.Format, o.Key, f)
		}
		data = append(data, o)
	}
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("crawl: %s: %w (%d objects listed, %d skipped)", loc, ErrNoFiles, len(objs), len(t.Skipped))
	}
	sort.Slice(data, func(i, j int) bool { return data[i].Key < data[j].Key })

	keys, parts, err := detectPartitions(prefix, data)
	if err != nil {
		return nil, nil, fmt.Errorf("crawl: %s: %w", loc, err)
	}
	t.PartitionKeys = keys

	known := map[string]*File{}
	if prev != nil {
		for i := range prev.Files {
			known[prev.Files[i].Key] = &prev.Files[i]
		}
	}
	ch := &Changes{}
	t.Files = make([]File, len(data))
	var todo []int
	for i, o := range data {
		t.Files[i] = File{Key: o.Key, Size: o.Size, ETag: o.ETag, Partition: parts[i], Rows: -1}
		if p, ok := known[o.Key]; ok && p.ETag == o.ETag && p.Size == o.Size && o.ETag != "" {
			t.Files[i].Rows, t.Files[i].RowGroups = p.Rows, p.RowGroups
			t.Files[i].Columns, t.Files[i].Stats = p.Columns, p.Stats
			continue
		} else if ok {
			ch.ChangedFiles = append(ch.ChangedFiles, o.Key)
		} else {
			ch.NewFiles = append(ch.NewFiles, o.Key)
		}
		todo = append(todo, i)
	}
	ch.FilesRead = len(todo)

	errs := make([]error, len(t.Files))
	sem := make(chan struct{}, opt.Concurrency)
	var wg sync.WaitGroup
	for _, i := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f := &t.Files[i]
			switch t.Format {
			case FormatParquet:
				errs[i] = readParquet(ctx, store, f)
			default:
				errs[i] = readText(ctx, store, f, t.Format, opt.SampleBytes)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("crawl: %s: %s: %w", loc, t.Files[i].Key, err)
		}
	}

	t.Columns, t.Warnings = unifyColumns(t.Files, keys)
	diff(prev, t, ch)
	return t, ch, nil
}

func ignored(key string) bool {
	base := path.Base(key)
	return strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") ||
		strings.HasSuffix(base, ".crc") || strings.HasSuffix(key, "/")
}

func formatOf(key string) string {
	base := strings.ToLower(path.Base(key))
	switch {
	case strings.HasSuffix(base, ".parquet"), strings.HasSuffix(base, ".parq"), strings.HasSuffix(base, ".pq"):
		return FormatParquet
	case strings.HasSuffix(base, ".csv"), strings.HasSuffix(base, ".tsv"):
		return FormatCSV
	case strings.HasSuffix(base, ".jsonl"), strings.HasSuffix(base, ".ndjson"), strings.HasSuffix(base, ".json"):
		return FormatJSON
	}
	return ""
}

// unifyColumns merges file schemas by name, in order of first appearance.
// Differing types widen (integers → BIGINT → DOUBLE); other mixes become
// VARCHAR with a warning naming two files that disagree.
func unifyColumns(files []File, partKeys []Column) ([]Column, []string) {
	isPart := map[string]bool{}
	for _, k := range partKeys {
		isPart[k.Name] = true
	}
	var cols []Column
	idx := map[string]int{}
	first := map[string]string{} // column -> first file key
	var warnings []string
	conflicted := map[string]bool{}
	for _, f := range files {
		for _, c := range f.Columns {
			if isPart[c.Name] {
				continue
			}
			i, ok := idx[c.Name]
			if !ok {
				idx[c.Name] = len(cols)
				cols = append(cols, c)
				first[c.Name] = f.Key
				continue
			}
			if cols[i].Type == c.Type || conflicted[c.Name] {
				continue
			}
			w, lossy := widen(cols[i].Type, c.Type)
			if lossy {
				conflicted[c.Name] = true
				warnings = append(warnings, fmt.Sprintf("column %q is %s in %s but %s in %s; using %s",
					c.Name, cols[i].Type, first[c.Name], c.Type, f.Key, w))
			}
			cols[i].Type = w
		}
	}
	return cols, warnings
}

var numericRank = map[string]int{
	"BOOLEAN": 0, "TINYINT": 1, "UTINYINT": 1, "SMALLINT": 2, "USMALLINT": 2, "INTEGER": 3, "UINTEGER": 3,
	"BIGINT": 4, "UBIGINT": 5, "HUGEINT": 6, "FLOAT": 7, "DOUBLE": 8,
}

func widen(a, b string) (string, bool) {
	ra, oka := numericRank[a]
	rb, okb := numericRank[b]
	if oka && okb && a != "BOOLEAN" && b != "BOOLEAN" {
		if ra >= rb {
			return a, false
		}
		return b, false
	}
	if (a == "DATE" && strings.HasPrefix(b, "TIMESTAMP")) || (b == "DATE" && strings.HasPrefix(a, "TIMESTAMP")) {
		if a == "DATE" {
			return b, false
		}
		return a, false
	}
	return "VARCHAR", true
}

func diff(prev, t *Table, ch *Changes) {
	var prevFiles []File
	var prevCols []Column
	var prevParts []string
	if prev != nil {
		prevFiles, prevCols, prevParts = prev.Files, prev.Columns, prev.Partitions()
	}
	now := map[string]bool{}
	for _, f := range t.Files {
		now[f.Key] = true
	}
	for _, f := range prevFiles {
		if !now[f.Key] {
			ch.RemovedFiles = append(ch.RemovedFiles, f.Key)
		}
	}
	parts := t.Partitions()
	for _, p := range parts {
		if !slices.Contains(prevParts, p) {
			ch.NewPartitions = append(ch.NewPartitions, p)
		}
	}
	for _, p := range prevParts {
		if !slices.Contains(parts, p) {
			ch.RemovedPartitions = append(ch.RemovedPartitions, p)
		}
	}
	old := map[string]string{}
	for _, c := range prevCols {
		old[c.Name] = c.Type
	}
	cur := map[string]bool{}
	for _, c := range t.Columns {
		cur[c.Name] = true
		typ, ok := old[c.Name]
		switch {
		case !ok:
			ch.NewColumns = append(ch.NewColumns, c)
		case typ != c.Type:
			ch.ChangedColumns = append(ch.ChangedColumns, ColumnChange{Name: c.Name, OldType: typ, NewType: c.Type})
		}
	}
	for _, c := range prevCols {
		if !cur[c.Name] {
			ch.RemovedColumns = append(ch.RemovedColumns, c)
		}
	}
}
