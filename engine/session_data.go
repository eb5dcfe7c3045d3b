package engine

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/engine/arrowipc"
	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/notebooks"
)

// Data for Go paragraphs: a notebook's Go kernel reaches the notebook's SQL session through
// these methods, so a Go paragraph queries what the SQL paragraphs see (their temp tables
// included), registers tables the next SQL paragraph queries, and shares values with SQL as
// DuckDB variables (SET VARIABLE / getvariable).

// QueryArrow runs text as Query does and returns the whole result of its last statement as one
// Arrow IPC stream (types as engine/arrowipc maps them). A result of more than maxRows rows
// (0: no bound) is refused before it is encoded; a last statement without rows is EInvalid.
func (s *Session) QueryArrow(ctx context.Context, text string, maxRows int64) ([]byte, error) {
	res, err := s.Query(ctx, text)
	if err != nil {
		return nil, err
	}
	if res.ID != "" {
		defer s.Drop(res.ID)
	}
	if res.Columns == nil || res.ID == "" {
		return nil, notebooks.Errorf(notebooks.EInvalid, "the last statement returns no rows (%s)", strings.TrimSpace(res.Message))
	}
	if maxRows > 0 && res.RowCount > maxRows {
		return nil, notebooks.Errorf(notebooks.ERun,
			"the result has %d rows, more than a Go paragraph takes at once (%d): aggregate or filter in SQL, or add LIMIT",
			res.RowCount, maxRows)
	}
	var out []byte
	err = s.withResult(ctx, res.ID, true, func(ctx context.Context, src *source) error {
		if viaParquet(src.cols) {
			out, err = s.arrowViaParquet(ctx, src)
		} else {
			out, err = s.arrowByRows(ctx, src)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RegisterArrow makes the rows of an Arrow IPC stream the temp table name of this session,
// replacing a table an earlier RegisterArrow made under that name. It refuses names that are
// not plain identifiers, catalog tables, and tables or views the notebook made otherwise
// (replacing those would lose the user's data). It returns the number of rows.
func (s *Session) RegisterArrow(ctx context.Context, name string, data []byte) (int64, error) {
	switch {
	case !catalog.PlainName(name): // so that SQL paragraphs can write it without quotes
		return 0, notebooks.Errorf(notebooks.EInvalid,
			"table name %q: use letters, digits and _ (not first), at most 63 characters", name)
	case strings.HasPrefix(strings.ToLower(name), "__lakebook"):
		return 0, notebooks.Errorf(notebooks.EInvalid, "table name %q: names starting with __lakebook are lakebook's own", name)
	}
	if s.e.cat != nil {
		if _, ok := s.e.cat.Table(name); ok {
			return 0, notebooks.Errorf(notebooks.EInvalid, "table name %q: a catalog table has that name; pick another", name)
		}
	}
	file, rows, err := s.arrowToParquet(data)
	if file != "" {
		defer os.Remove(file)
	}
	if err != nil {
		return 0, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, cancel); err != nil {
		return 0, err
	}
	defer s.release()
	key := strings.ToLower(name)
	var kind string
	err = s.conn.QueryRowContext(ctx, `SELECT kind FROM (
		SELECT 'table' AS kind, temporary FROM duckdb_tables() WHERE lower(table_name) = ?
		UNION ALL SELECT 'view', temporary FROM duckdb_views() WHERE lower(view_name) = ? AND NOT internal
	) LIMIT 1`, key, key).Scan(&kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, canceledOr(ctx, fmt.Errorf("engine: register %s: %w", name, err))
	default:
		s.mu.Lock()
		mine := s.registered[key]
		s.mu.Unlock()
		if !mine || kind != "table" {
			return 0, notebooks.Errorf(notebooks.EInvalid,
				"table name %q: this notebook already has a %s of that name that a Go paragraph did not register; drop it or pick another name", name, kind)
		}
	}
	if _, err := s.conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+quoteIdent(name)+" AS SELECT * FROM read_parquet("+quote(file)+")"); err != nil {
		return 0, canceledOr(ctx, fmt.Errorf("engine: register %s: %w", name, err))
	}
	s.mu.Lock()
	if s.registered == nil {
		s.registered = map[string]bool{}
	}
	s.registered[key] = true
	s.mu.Unlock()
	return rows, nil
}

// arrowToParquet writes an Arrow IPC stream to a Parquet file in the engine's temp folder,
// which DuckDB reads with every type intact. An Arrow view would be one-shot (see DESIGN.md).
func (s *Session) arrowToParquet(data []byte) (file string, rows int64, err error) {
	rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return "", 0, notebooks.Errorf(notebooks.EInvalid, "the table is not an Arrow IPC stream: %v", err)
	}
	defer rd.Release()
	f, err := os.CreateTemp(s.e.opts.TempDir, "register-*.parquet")
	if err != nil {
		return "", 0, fmt.Errorf("engine: register: %w", err)
	}
	file = f.Name()
	w, err := pqarrow.NewFileWriter(rd.Schema(), f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return file, 0, notebooks.Errorf(notebooks.EInvalid, "the table cannot be stored: %v", err)
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		rows += rec.NumRows()
		if err := w.Write(rec); err != nil {
			w.Close()
			return file, 0, fmt.Errorf("engine: register: %w", err)
		}
	}
	if err := rd.Err(); err != nil {
		w.Close()
		return file, 0, notebooks.Errorf(notebooks.EInvalid, "the table is not an Arrow IPC stream: %v", err)
	}
	if err := w.Close(); err != nil {
		return file, 0, fmt.Errorf("engine: register: %w", err)
	}
	return file, rows, nil
}

// SetVariable sets the DuckDB variable name of this session to v, passed as a SQL value (never
// as SQL text). v is a bool, an integer, a float, a string, a time.Time, or a slice of one of
// those (a LIST); nil unsets the variable.
func (s *Session) SetVariable(ctx context.Context, name string, v any) error {
	if !catalog.PlainName(name) {
		return notebooks.Errorf(notebooks.EInvalid, "variable name %q: use letters, digits and _ (not first), at most 63 characters", name)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, cancel); err != nil {
		return err
	}
	defer s.release()
	var err error
	if v == nil {
		_, err = s.conn.ExecContext(ctx, "RESET VARIABLE "+quoteIdent(name))
	} else {
		_, err = s.conn.ExecContext(ctx, "SET VARIABLE "+quoteIdent(name)+" = ?", v)
	}
	if err != nil {
		return notebooks.Errorf(notebooks.EInvalid, "variable %s: %v", name, canceledOr(ctx, err))
	}
	return nil
}

// Variable returns the value of the DuckDB variable name as the driver reads it (int64,
// float64, string, bool, time.Time, []any …), and whether it is set.
func (s *Session) Variable(ctx context.Context, name string) (any, bool, error) {
	if !catalog.PlainName(name) {
		return nil, false, notebooks.Errorf(notebooks.EInvalid, "variable name %q: use letters, digits and _ (not first), at most 63 characters", name)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.acquire(ctx, cancel); err != nil {
		return nil, false, err
	}
	defer s.release()
	var v any
	var set bool
	err := s.conn.QueryRowContext(ctx, "SELECT count(*) > 0, getvariable(?) FROM duckdb_variables() WHERE name = ?", name, name).Scan(&set, &v)
	if err == nil && !set {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, canceledOr(ctx, fmt.Errorf("engine: variable %s: %w", name, err))
	}
	return variableValue(v), true, nil
}

// variableValue turns what the driver reads into plain Go values: DECIMAL as float64, HUGEINT
// as int64 when it fits, lists item by item, what has no plain Go type as its text.
func variableValue(v any) any {
	switch x := v.(type) {
	case nil, bool, string, time.Time, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return x
	case duckdb.Decimal:
		return x.Float64()
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = variableValue(e)
		}
		return out
	}
	return renderText(convertAny(v))
}

// ResultFromArrow makes the rows of an Arrow IPC stream a result of this session, paged,
// sorted, charted and downloaded like a query's.
func (s *Session) ResultFromArrow(ctx context.Context, data []byte) (*Result, error) {
	file, _, err := s.arrowToParquet(data)
	if file != "" {
		defer os.Remove(file)
	}
	if err != nil {
		return nil, err
	}
	return s.Restore(ctx, file)
}

// arrowByRows encodes a result as Arrow IPC value by value, as Rows encodes a page.
func (s *Session) arrowByRows(ctx context.Context, src *source) ([]byte, error) {
	sel := make([]string, len(src.cols))
	for i, c := range src.cols {
		sel[i] = c.arrowExpr() + " AS " + c.ident()
	}
	// In the result's order: DuckDB preserves insertion order (preserve_insertion_order).
	return s.encode(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+src.rel(), nil, src.cols, int(src.count))
}

// viaParquet reports whether a result's columns all have types that DuckDB's Parquet writer and
// arrow-go's Parquet reader carry as QueryArrow's Arrow types. For those, DuckDB writes the
// result to Parquet with all its threads and arrow-go reads it back in columns, several times
// faster than reading a million rows value by value through the driver.
func viaParquet(cols []colInfo) bool {
	for _, c := range cols {
		t := strings.ToUpper(c.typ)
		switch {
		case !c.readable, strings.Contains(t, "HUGEINT"):
			return false
		case c.class == classBool, c.class == classInt, c.class == classFloat, c.class == classDecimal && strings.HasPrefix(t, "DECIMAL"),
			c.class == classText && t == "VARCHAR", c.class == classTemporal:
		default:
			return false
		}
	}
	return true
}

// arrowViaParquet encodes a result as Arrow IPC through a Parquet file under TempDir. DECIMAL
// becomes DOUBLE, as arrowipc has it; each field carries its DuckDB type in arrowipc.TypeKey.
func (s *Session) arrowViaParquet(ctx context.Context, src *source) ([]byte, error) {
	f, err := os.CreateTemp(s.e.opts.TempDir, "query-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("engine: temp file: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	sel := make([]string, len(src.cols))
	for i, c := range src.cols {
		sel[i] = c.ident()
		if c.class == classDecimal {
			sel[i] = "CAST(" + c.ident() + " AS DOUBLE) AS " + c.ident()
		}
	}
	if _, err := s.conn.ExecContext(ctx, "COPY (SELECT "+strings.Join(sel, ", ")+" FROM "+src.rel()+") TO "+quote(path)+
		" (FORMAT parquet, COMPRESSION uncompressed)"); err != nil {
		return nil, err
	}
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("engine: read back: %w", err)
	}
	defer pf.Close()
	mem := memory.NewGoAllocator()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true, BatchSize: 1 << 16}, mem)
	if err != nil {
		return nil, fmt.Errorf("engine: read back: %w", err)
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		return nil, canceledOr(ctx, fmt.Errorf("engine: read back: %w", err))
	}
	defer tbl.Release()
	fields := tbl.Schema().Fields()
	if len(fields) != len(src.cols) {
		return nil, fmt.Errorf("engine: read back: %d columns, want %d", len(fields), len(src.cols))
	}
	for i := range fields {
		fields[i].Metadata = arrow.NewMetadata([]string{arrowipc.TypeKey}, []string{src.cols[i].typ})
	}
	schema := arrow.NewSchema(fields, nil)
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	tr := array.NewTableReader(tbl, 1<<20)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		cols := make([]arrow.Array, rec.NumCols())
		for i := range cols {
			cols[i] = rec.Column(i)
		}
		out := array.NewRecordBatch(schema, cols, rec.NumRows())
		err := w.Write(out)
		out.Release()
		if err != nil {
			return nil, fmt.Errorf("engine: encode: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("engine: encode: %w", err)
	}
	return buf.Bytes(), nil
}
