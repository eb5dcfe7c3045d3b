package main

// Data generation: go-tpc's dbgen → DuckDB (Appender) → Parquet files laid out as in S3.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/pingcap/go-tpc/tpch/dbgen"
)

const (
	// generator names the data generator in the manifest.
	generator = "github.com/pingcap/go-tpc v1.0.7 tpch/dbgen"
	// markerName is the manifest file, written last: a data directory without it is incomplete.
	markerName = ".complete.json"
	// rowsPerFile is the target number of rows per file within a partition of lineitem and
	// orders (SF1: 4–5 files per lineitem year, one per orders year).
	rowsPerFile = 250_000
)

// manifest describes a generated data directory.
type manifest struct {
	SF        float64               `json:"sf"`
	Generator string                `json:"generator"`
	Created   time.Time             `json:"created"`
	GenMS     int64                 `json:"generate_ms"` // dbgen and appending into DuckDB
	WriteMS   int64                 `json:"write_ms"`    // typing, sorting, writing Parquet
	Tables    map[string]tableStats `json:"tables"`
}

type tableStats struct {
	Rows  int64 `json:"rows"`
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

func (m *manifest) totalBytes() int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Bytes
	}
	return n
}

// loadOrGenerate returns the manifest of the data in dir, generating the data first when dir
// does not exist. Generation happens in dir+".partial", renamed to dir once complete.
func loadOrGenerate(ctx context.Context, dir string, sf float64) (m *manifest, generated bool, err error) {
	m, err = readManifest(dir)
	switch {
	case err == nil:
		if m.SF != sf {
			return nil, false, fmt.Errorf("%s holds SF %g, not %g: choose another -data", dir, m.SF, sf)
		}
		return m, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, err
	}
	if _, err := os.Stat(dir); err == nil {
		return nil, false, fmt.Errorf("%s exists but has no %s (an interrupted run?): remove it or choose another -data", dir, markerName)
	}
	partial := dir + ".partial"
	if err := os.RemoveAll(partial); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(partial, 0o755); err != nil {
		return nil, false, err
	}
	m, err = generate(ctx, partial, sf)
	if err != nil {
		return nil, false, err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(filepath.Join(partial, markerName), append(data, '\n'), 0o644); err != nil {
		return nil, false, err
	}
	if err := os.Rename(partial, dir); err != nil {
		return nil, false, err
	}
	return m, true, nil
}

func readManifest(dir string) (*manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, markerName), err)
	}
	return &m, nil
}

// scaleOf splits a scale factor into dbgen's integer scale and the fraction of orders to keep.
// dbgen only knows whole scale factors: below 1 the benchmark generates SF1 and keeps the first
// sf×1,500,000 orders with their lineitems, and the other tables whole (they are small). Every
// foreign key still finds its row, so all 22 queries have answers, but this is not official
// SF0.1 data (the answers differ from dbgen's at -s 0.1). It is for quick runs.
func scaleOf(sf float64) (scale int64, frac float64, err error) {
	switch {
	case sf <= 0 || math.IsNaN(sf) || math.IsInf(sf, 0):
		return 0, 0, fmt.Errorf("bad -sf %g", sf)
	case sf < 1:
		return 1, sf, nil
	case sf != math.Trunc(sf):
		return 0, 0, fmt.Errorf("bad -sf %g: dbgen takes whole scale factors (or one below 1)", sf)
	}
	return int64(sf), 1, nil
}

// rawDDL holds the tables dbgen's rows are appended to: money in cents (BIGINT), dates as
// YYYY-MM-DD text. finalSQL turns them into TPC-H's types.
var rawDDL = []string{
	`CREATE TABLE raw_nation (n_nationkey BIGINT, n_name VARCHAR, n_regionkey BIGINT, n_comment VARCHAR)`,
	`CREATE TABLE raw_region (r_regionkey BIGINT, r_name VARCHAR, r_comment VARCHAR)`,
	`CREATE TABLE raw_customer (c_custkey BIGINT, c_name VARCHAR, c_address VARCHAR, c_nationkey BIGINT,
		c_phone VARCHAR, c_acctbal BIGINT, c_mktsegment VARCHAR, c_comment VARCHAR)`,
	`CREATE TABLE raw_supplier (s_suppkey BIGINT, s_name VARCHAR, s_address VARCHAR, s_nationkey BIGINT,
		s_phone VARCHAR, s_acctbal BIGINT, s_comment VARCHAR)`,
	`CREATE TABLE raw_part (p_partkey BIGINT, p_name VARCHAR, p_mfgr VARCHAR, p_brand VARCHAR, p_type VARCHAR,
		p_size BIGINT, p_container VARCHAR, p_retailprice BIGINT, p_comment VARCHAR)`,
	`CREATE TABLE raw_partsupp (ps_partkey BIGINT, ps_suppkey BIGINT, ps_availqty BIGINT, ps_supplycost BIGINT,
		ps_comment VARCHAR)`,
	`CREATE TABLE raw_orders (o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus VARCHAR, o_totalprice BIGINT,
		o_orderdate VARCHAR, o_orderpriority VARCHAR, o_clerk VARCHAR, o_shippriority BIGINT, o_comment VARCHAR)`,
	`CREATE TABLE raw_lineitem (l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber BIGINT,
		l_quantity BIGINT, l_extendedprice BIGINT, l_discount BIGINT, l_tax BIGINT, l_returnflag VARCHAR,
		l_linestatus VARCHAR, l_shipdate VARCHAR, l_commitdate VARCHAR, l_receiptdate VARCHAR,
		l_shipinstruct VARCHAR, l_shipmode VARCHAR, l_comment VARCHAR)`,
}

// finalSQL creates each table with TPC-H's column types (keys BIGINT, money DECIMAL(15,2),
// dates DATE), sorted: lineitem and orders by their date, the others by key.
var finalSQL = map[string]string{
	"nation": `CREATE TABLE nation AS SELECT n_nationkey, n_name, n_regionkey, n_comment
		FROM raw_nation ORDER BY n_nationkey`,
	"region": `CREATE TABLE region AS SELECT r_regionkey, r_name, r_comment FROM raw_region ORDER BY r_regionkey`,
	"customer": `CREATE TABLE customer AS SELECT c_custkey, c_name, c_address, c_nationkey, c_phone,
		(c_acctbal * 0.01)::DECIMAL(15,2) AS c_acctbal, c_mktsegment, c_comment
		FROM raw_customer ORDER BY c_custkey`,
	"supplier": `CREATE TABLE supplier AS SELECT s_suppkey, s_name, s_address, s_nationkey, s_phone,
		(s_acctbal * 0.01)::DECIMAL(15,2) AS s_acctbal, s_comment
		FROM raw_supplier ORDER BY s_suppkey`,
	"part": `CREATE TABLE part AS SELECT p_partkey, p_name, p_mfgr, p_brand, p_type, p_size::INTEGER AS p_size,
		p_container, (p_retailprice * 0.01)::DECIMAL(15,2) AS p_retailprice, p_comment
		FROM raw_part ORDER BY p_partkey`,
	"partsupp": `CREATE TABLE partsupp AS SELECT ps_partkey, ps_suppkey, ps_availqty::INTEGER AS ps_availqty,
		(ps_supplycost * 0.01)::DECIMAL(15,2) AS ps_supplycost, ps_comment
		FROM raw_partsupp ORDER BY ps_partkey, ps_suppkey`,
	"orders": `CREATE TABLE orders AS SELECT o_orderkey, o_custkey, o_orderstatus,
		(o_totalprice * 0.01)::DECIMAL(15,2) AS o_totalprice, CAST(o_orderdate AS DATE) AS o_orderdate,
		o_orderpriority, o_clerk, o_shippriority::INTEGER AS o_shippriority, o_comment
		FROM raw_orders ORDER BY o_orderdate, o_orderkey`,
	"lineitem": `CREATE TABLE lineitem AS SELECT l_orderkey, l_partkey, l_suppkey, l_linenumber::INTEGER AS l_linenumber,
		l_quantity::DECIMAL(15,2) AS l_quantity, (l_extendedprice * 0.01)::DECIMAL(15,2) AS l_extendedprice,
		(l_discount * 0.01)::DECIMAL(15,2) AS l_discount, (l_tax * 0.01)::DECIMAL(15,2) AS l_tax,
		l_returnflag, l_linestatus, CAST(l_shipdate AS DATE) AS l_shipdate,
		CAST(l_commitdate AS DATE) AS l_commitdate, CAST(l_receiptdate AS DATE) AS l_receiptdate,
		l_shipinstruct, l_shipmode, l_comment
		FROM raw_lineitem ORDER BY l_shipdate, l_orderkey, l_linenumber`,
}

// sortKey is the ORDER BY of each table's files.
var sortKey = map[string]string{
	"nation": "n_nationkey", "region": "r_regionkey", "customer": "c_custkey", "supplier": "s_suppkey",
	"part": "p_partkey", "partsupp": "ps_partkey, ps_suppkey",
	"orders": "o_orderdate, o_orderkey", "lineitem": "l_shipdate, l_orderkey, l_linenumber",
}

// generate writes the Parquet files of every table under out and returns their manifest.
func generate(ctx context.Context, out string, sf float64) (*manifest, error) {
	scale, frac, err := scaleOf(sf)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tmp := filepath.Join(out, ".duckdb-tmp")
	defer os.RemoveAll(tmp)
	if _, err := conn.ExecContext(ctx, "SET temp_directory = "+sqlString(tmp)); err != nil {
		return nil, err
	}
	for _, ddl := range rawDDL {
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return nil, err
		}
	}

	m := &manifest{SF: sf, Generator: generator, Created: time.Now().UTC(), Tables: map[string]tableStats{}}
	start := time.Now()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("duckdb connection is a %T", dc)
		}
		return fill(c, scale, frac)
	})
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	m.GenMS = time.Since(start).Milliseconds()

	start = time.Now()
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, finalSQL[t.Name]); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		if _, err := conn.ExecContext(ctx, "DROP TABLE raw_"+t.Name); err != nil {
			return nil, err
		}
		st, err := writeTable(ctx, conn, out, t)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", t.Name, err)
		}
		m.Tables[t.Name] = st
		if _, err := conn.ExecContext(ctx, "DROP TABLE "+t.Name); err != nil {
			return nil, err
		}
	}
	m.WriteMS = time.Since(start).Milliseconds()
	return m, nil
}

// writeTable writes table t of conn as Parquet under out/<name>/: one file for an unpartitioned
// table; for a partitioned one, folders <key>=<year>/ each holding files part-<i>.parquet of
// about rowsPerFile rows, split at dates, so the files of a year cover disjoint date ranges.
func writeTable(ctx context.Context, conn *sql.Conn, out string, t tableSpec) (tableStats, error) {
	var st tableStats
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Name).Scan(&st.Rows); err != nil {
		return st, err
	}
	copyTo := func(where, file string) error {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		q := fmt.Sprintf("COPY (SELECT * FROM %s%s ORDER BY %s) TO %s (FORMAT parquet, COMPRESSION snappy)",
			t.Name, where, sortKey[t.Name], sqlString(file))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
		fi, err := os.Stat(file)
		if err != nil {
			return err
		}
		st.Files++
		st.Bytes += fi.Size()
		return nil
	}
	if t.PartitionKey == "" {
		return st, copyTo("", filepath.Join(out, t.Name, "part-0.parquet"))
	}

	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT year(%[1]s) AS y, count(*) FROM %[2]s GROUP BY y ORDER BY y", t.DateColumn, t.Name))
	if err != nil {
		return st, err
	}
	type year struct{ y, n int64 }
	var years []year
	for rows.Next() {
		var y year
		if err := rows.Scan(&y.y, &y.n); err != nil {
			rows.Close()
			return st, err
		}
		years = append(years, y)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for _, y := range years {
		lo, hi := fmt.Sprintf("%04d-01-01", y.y), fmt.Sprintf("%04d-01-01", y.y+1)
		inYear := fmt.Sprintf("%s >= DATE '%s' AND %s < DATE '%s'", t.DateColumn, lo, t.DateColumn, hi)
		bounds := []string{lo}
		if k := int(math.Round(float64(y.n) / rowsPerFile)); k > 1 {
			qs := make([]string, k-1)
			for i := range qs {
				qs[i] = fmt.Sprintf("%g", float64(i+1)/float64(k))
			}
			var cuts []string
			q := fmt.Sprintf("SELECT strftime(unnest(quantile_disc(%s, [%s])), '%%Y-%%m-%%d') FROM %s WHERE %s",
				t.DateColumn, strings.Join(qs, ", "), t.Name, inYear)
			r, err := conn.QueryContext(ctx, q)
			if err != nil {
				return st, err
			}
			for r.Next() {
				var s string
				if err := r.Scan(&s); err != nil {
					r.Close()
					return st, err
				}
				cuts = append(cuts, s)
			}
			r.Close()
			if err := r.Err(); err != nil {
				return st, err
			}
			for _, c := range cuts {
				if c > bounds[len(bounds)-1] {
					bounds = append(bounds, c)
				}
			}
		}
		bounds = append(bounds, hi)
		for i := 0; i+1 < len(bounds); i++ {
			where := fmt.Sprintf(" WHERE %s >= DATE '%s' AND %s < DATE '%s'", t.DateColumn, bounds[i], t.DateColumn, bounds[i+1])
			file := filepath.Join(out, t.Name, fmt.Sprintf("%s=%d", t.PartitionKey, y.y), fmt.Sprintf("part-%d.parquet", i))
			if err := copyTo(where, file); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

// fill runs dbgen and appends its rows to the raw_ tables.
func fill(c driver.Conn, scale int64, frac float64) (err error) {
	apps := map[string]*duckdb.Appender{}
	defer func() {
		for name, a := range apps {
			if cerr := a.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("append %s: %w", name, cerr)
			}
		}
	}()
	for _, t := range tables {
		a, err := duckdb.NewAppenderFromConn(c, "", "raw_"+t.Name)
		if err != nil {
			return err
		}
		apps[t.Name] = a
	}

	// dbgen prints its progress with fmt.Printf; keep stdout for the report.
	stdout := os.Stdout
	os.Stdout = os.Stderr
	defer func() { os.Stdout = stdout }()
	dbgen.InitDbGen(scale)
	steps := []struct {
		table dbgen.Table
		base  int64 // rows at SF1 when cut below SF1; 0: never cut
		load  func(item any) error
	}{
		{dbgen.TNation, 0, func(item any) error {
			n := item.(*dbgen.Nation)
			return apps["nation"].AppendRow(int64(n.Code), n.Text, int64(n.Join), n.Comment)
		}},
		{dbgen.TRegion, 0, func(item any) error {
			r := item.(*dbgen.Region)
			return apps["region"].AppendRow(int64(r.Code), r.Text, r.Comment)
		}},
		{dbgen.TCust, 0, func(item any) error {
			x := item.(*dbgen.Cust)
			return apps["customer"].AppendRow(int64(x.CustKey), x.Name, x.Address, int64(x.NationCode), x.Phone,
				int64(x.Acctbal), x.MktSegment, x.Comment)
		}},
		{dbgen.TSupp, 0, func(item any) error {
			x := item.(*dbgen.Supp)
			return apps["supplier"].AppendRow(int64(x.SuppKey), x.Name, x.Address, int64(x.NationCode), x.Phone,
				int64(x.Acctbal), x.Comment)
		}},
		{dbgen.TPartPsupp, 0, func(item any) error {
			p := item.(*dbgen.Part)
			if err := apps["part"].AppendRow(int64(p.PartKey), p.Name, p.Mfgr, p.Brand, p.Type, int64(p.Size),
				p.Container, int64(p.RetailPrice), p.Comment); err != nil {
				return err
			}
			for _, s := range p.S {
				if err := apps["partsupp"].AppendRow(int64(s.PartKey), int64(s.SuppKey), int64(s.Qty), int64(s.SCost),
					s.Comment); err != nil {
					return err
				}
			}
			return nil
		}},
		{dbgen.TOrderLine, 1_500_000, func(item any) error {
			o := item.(*dbgen.Order)
			if err := apps["orders"].AppendRow(int64(o.OKey), int64(o.CustKey), string(o.Status), int64(o.TotalPrice),
				o.Date, o.OrderPriority, o.Clerk, o.ShipPriority, o.Comment); err != nil {
				return err
			}
			for _, l := range o.Lines {
				if err := apps["lineitem"].AppendRow(int64(l.OKey), int64(l.PartKey), int64(l.SuppKey), int64(l.LCnt),
					int64(l.Quantity), int64(l.EPrice), int64(l.Discount), int64(l.Tax), string(l.RFlag),
					string(l.LStatus), l.SDate, l.CDate, l.RDate, l.ShipInstruct, l.ShipMode, l.Comment); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	// dbgen runs here; a second goroutine appends, so the two use both cores.
	work := make(chan batch, 8)
	var (
		appendErr error
		failed    atomic.Bool
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range work {
			if appendErr != nil {
				continue // drain
			}
			for _, item := range b.items {
				if err := b.load(item); err != nil {
					appendErr = err
					failed.Store(true)
					break
				}
			}
		}
	}()
	var genErr error
	for _, s := range steps {
		k := &sink{load: s.load, work: work, failed: &failed}
		if s.base > 0 && frac < 1 {
			k.limit = max(1, int64(math.Round(float64(s.base)*frac)))
		}
		err := dbgen.DbGen(map[dbgen.Table]dbgen.Loader{s.table: k}, []dbgen.Table{s.table})
		if err != nil && !k.stopped {
			genErr = err
			break
		}
	}
	close(work)
	<-done
	if appendErr != nil {
		return appendErr
	}
	return genErr
}

// errEnough stops dbgen once a sink has the rows it wants.
var errEnough = errors.New("enough rows")

// errAppend stops dbgen when appending failed (the appending goroutine has the error).
var errAppend = errors.New("append failed")

// batch is a run of dbgen items for one load function.
type batch struct {
	load  func(item any) error
	items []any
}

// sink is a dbgen.Loader that sends items in batches to the appending goroutine, up to limit
// items (0: all).
type sink struct {
	load    func(item any) error
	work    chan<- batch
	failed  *atomic.Bool
	buf     []any
	limit   int64
	n       int64
	stopped bool
}

func (s *sink) Load(item any) error {
	if s.limit > 0 && s.n >= s.limit {
		s.stopped = true
		return errEnough
	}
	if s.failed.Load() {
		return errAppend
	}
	s.n++
	s.buf = append(s.buf, item)
	if len(s.buf) == 512 {
		return s.Flush()
	}
	return nil
}

// Flush sends the buffered items; dbgen calls it at the end of a table.
func (s *sink) Flush() error {
	if len(s.buf) > 0 {
		s.work <- batch{s.load, s.buf}
		s.buf = nil
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
