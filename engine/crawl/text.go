package crawl

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lakebook/lakebook/engine/objstore"
)

// readText infers a CSV (header row) or JSON-lines schema from the first
// sampleBytes of the object, read in one ranged request. Rows is exact when
// the whole file fit in the sample, else -1.
func readText(ctx context.Context, store *objstore.Store, f *File, format string, sampleBytes int) error {
	n := int64(sampleBytes)
	if f.Size < n {
		n = f.Size
	}
	var buf []byte
	if n > 0 {
		b, err := store.ReadRange(ctx, f.Key, 0, n)
		if err != nil {
			return err
		}
		buf = b
	}
	whole := int64(len(buf)) >= f.Size
	if !whole { // drop the partial last line
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i+1]
		}
	}
	var rows int64
	var err error
	if format == FormatCSV {
		sep := ','
		if strings.HasSuffix(strings.ToLower(f.Key), ".tsv") {
			sep = '\t'
		}
		f.Columns, rows, err = inferCSV(buf, sep)
	} else {
		f.Columns, rows, err = inferJSONLines(buf)
	}
	if err != nil {
		return err
	}
	f.Rows = -1
	if whole {
		f.Rows = rows
	}
	return nil
}

// typer narrows a column's type over its sampled values.
type typer struct{ cands []string }

func newTyper() *typer {
	return &typer{cands: []string{"BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP"}}
}

func (t *typer) add(v string) {
	if v == "" || len(t.cands) == 0 {
		return
	}
	keep := t.cands[:0:0]
	for _, c := range t.cands {
		if parsesAs(c, v) {
			keep = append(keep, c)
		}
	}
	t.cands = keep
}

func (t *typer) typ(seen bool) string {
	if !seen || len(t.cands) == 0 {
		return "VARCHAR"
	}
	return t.cands[0]
}

func inferCSV(buf []byte, sep rune) ([]Column, int64, error) {
	r := csv.NewReader(bytes.NewReader(buf))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, errors.New("csv: empty file")
		}
		return nil, 0, fmt.Errorf("csv: header: %w", err)
	}
	names := append([]string(nil), head...)
	typers := make([]*typer, len(names))
	seen := make([]bool, len(names))
	for i := range typers {
		typers[i] = newTyper()
	}
	var rows int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("csv: %w", err)
		}
		rows++
		for i, v := range rec {
			if i < len(typers) && v != "" {
				seen[i] = true
				typers[i].add(v)
			}
		}
	}
	cols := make([]Column, len(names))
	for i, n := range names {
		if n == "" {
			n = fmt.Sprintf("column%d", i)
		}
		cols[i] = Column{Name: n, Type: typers[i].typ(seen[i])}
	}
	return cols, rows, nil
}

func inferJSONLines(buf []byte) ([]Column, int64, error) {
	var names []string
	kinds := map[string]string{} // name -> BIGINT/DOUBLE/BOOLEAN/JSON/"str"
	strs := map[string]*typer{}
	var rows int64
	for ln, line := range bytes.Split(buf, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		keys, err := objectKeys(line)
		if err == nil {
			err = d.Decode(&obj)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("json line %d: %w", ln+1, err)
		}
		rows++
		for _, k := range keys {
			if _, ok := kinds[k]; !ok {
				names = append(names, k)
				kinds[k] = ""
			}
			kinds[k] = mergeJSONKind(kinds[k], jsonKind(obj[k]))
			if kinds[k] == "str" {
				if strs[k] == nil {
					strs[k] = newTyper()
				}
				var s string
				if json.Unmarshal(obj[k], &s) == nil {
					strs[k].add(s)
				}
			}
		}
	}
	if rows == 0 {
		return nil, 0, errors.New("json: no objects in sample")
	}
	cols := make([]Column, len(names))
	for i, n := range names {
		t := kinds[n]
		switch t {
		case "":
			t = "VARCHAR" // only nulls seen
		case "str":
			t = "VARCHAR"
			if tp := strs[n]; tp != nil {
				// only DATE/TIMESTAMP are taken from strings, as DuckDB's read_json does
				if c := tp.typ(true); c == "DATE" || c == "TIMESTAMP" {
					t = c
				}
			}
		}
		cols[i] = Column{Name: n, Type: t}
	}
	return cols, rows, nil
}

// objectKeys returns the top-level keys of a JSON object in order.
func objectKeys(line []byte) ([]string, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func jsonKind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 || string(s) == "null" {
		return ""
	}
	switch s[0] {
	case '"':
		return "str"
	case 't', 'f':
		return "BOOLEAN"
	case '{', '[':
		return "JSON"
	}
	if bytes.ContainsAny(s, ".eE") {
		return "DOUBLE"
	}
	return "BIGINT"
}

func mergeJSONKind(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	case (a == "BIGINT" && b == "DOUBLE") || (a == "DOUBLE" && b == "BIGINT"):
		return "DOUBLE"
	case a == "str" || b == "str":
		return "str"
	}
	return "JSON"
}
