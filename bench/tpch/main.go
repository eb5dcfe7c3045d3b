// Command tpch runs the 22 TPC-H queries on lakebook's engine over hive-partitioned Parquet
// in S3 (a local versitygw) and compares it with DuckDB alone on the same files on local disk.
//
//	go run ./bench/tpch [-sf 1] [-runs 3] [-q 1,6,14] [-data dir]
//
// Steps: generate TPC-H data with go-tpc's dbgen and write it as Parquet (lineitem in
// l_shipyear=YYYY/ folders, orders in o_orderyear=YYYY/, the others one file each), cached in
// -data and reused; start versitygw and upload the files to s3://lakebook-test/tpch/<table>/;
// measure the S3 transfer rate by downloading lineitem; run every query on each runner:
//
//   - duckdb-local: DuckDB alone over the local files, -runs times (the floor);
//   - lakebook: lakebook's engine over the S3 tables, once cold (its cache emptied before the
//     query) and -runs times warm (lakebook.go).
//
// and print one markdown table with medians, the targets and an answer check:
//
//	warm target = 1.1 × duckdb-local
//	cold target = 1.5 × (duckdb-local + need / transfer rate)
//
// where need is the bytes DuckDB alone read from the Parquet files for the query (its read
// syscalls, /proc/self/io rchar, on a run with DuckDB's file cache off): the bytes the query
// needs after row-group pruning. Answers are every runner's rows against duckdb-local's: in
// order when the query has ORDER BY, numbers exact when exact on both sides, else within a
// relative 1e-9.
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/store/s3test"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("tpch: ")
	var m Main
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := m.Run(ctx)
	stop()
	m.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// Main is the command: flags, then Run, then Close.
type Main struct {
	SF       float64
	DataDir  string
	Runs     int
	Queries  string
	Timeout  time.Duration
	Lakebook bool
	Streams  int
	CPUProf  string

	Out io.Writer // the report; default os.Stdout
	Log io.Writer // progress; default os.Stderr

	closers []func()
}

func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("tpch", flag.ContinueOnError)
	fs.Float64Var(&m.SF, "sf", 1, "TPC-H scale factor: a whole number, or below 1 for a quick run (a prefix of SF1)")
	fs.StringVar(&m.DataDir, "data", "", "directory of the generated Parquet files, reused when complete (default <user cache dir>/lakebook/tpch-sf<N>)")
	fs.IntVar(&m.Runs, "runs", 3, "timed runs per query for duckdb-local and lakebook warm (the median is reported); lakebook cold runs once")
	fs.StringVar(&m.Queries, "q", "", "queries to run, as 1,6,14 (default all 22)")
	fs.DurationVar(&m.Timeout, "timeout", 10*time.Minute, "time limit of one query run")
	fs.BoolVar(&m.Lakebook, "lakebook", true, "run the lakebook runner (false: DuckDB alone only)")
	fs.IntVar(&m.Streams, "rate-streams", 1, "parallel downloads when measuring the S3 transfer rate")
	fs.StringVar(&m.CPUProf, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if m.Runs < 1 || m.Streams < 1 {
		return fmt.Errorf("-runs and -rate-streams must be at least 1")
	}
	if _, _, err := scaleOf(m.SF); err != nil {
		return err
	}
	if m.DataDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		m.DataDir = filepath.Join(cache, "lakebook", "tpch-sf"+strconv.FormatFloat(m.SF, 'f', -1, 64))
	}
	return nil
}

// Close releases what Run started, last first.
func (m *Main) Close() {
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.closers = nil
}

func (m *Main) onClose(f func()) { m.closers = append(m.closers, f) }

func (m *Main) logf(format string, args ...any) {
	fmt.Fprintf(m.Log, format+"\n", args...)
}

// setup is what Run measured before the queries.
type setup struct {
	man       *manifest
	generated bool
	wall      time.Duration // generation wall time, when generated
	s3Start   time.Duration
	upBytes   int64
	upTime    time.Duration
	rateBytes int64
	rateTime  time.Duration
	rateFiles int
	duckdb    string
}

func (s *setup) rate() float64 { return float64(s.rateBytes) / s.rateTime.Seconds() }

func (m *Main) Run(ctx context.Context) error {
	if m.Out == nil {
		m.Out = os.Stdout
	}
	if m.Log == nil {
		m.Log = os.Stderr
	}
	qs, err := loadQueries(m.Queries)
	if err != nil {
		return err
	}
	if m.CPUProf != "" {
		f, err := os.Create(m.CPUProf)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		m.onClose(func() { pprof.StopCPUProfile(); f.Close() })
	}
	var st setup

	// Data.
	m.logf("data: %s", m.DataDir)
	start := time.Now()
	st.man, st.generated, err = loadOrGenerate(ctx, m.DataDir, m.SF)
	if err != nil {
		return err
	}
	st.wall = time.Since(start)
	if st.generated {
		m.logf("data: generated SF %g in %s (dbgen+append %s, parquet %s), %s", m.SF, st.wall.Round(time.Millisecond),
			ms(st.man.GenMS), ms(st.man.WriteMS), mb(st.man.totalBytes()))
	} else {
		m.logf("data: reusing SF %g from %s", m.SF, st.man.Created.Format(time.RFC3339))
	}

	// S3.
	work, err := os.MkdirTemp("", "lakebook-tpch-")
	if err != nil {
		return err
	}
	m.onClose(func() { os.RemoveAll(work) })
	srv, err := s3test.Launch(filepath.Join(work, "s3"))
	if err != nil {
		return err
	}
	m.onClose(func() { srv.Close() })
	st.s3Start = srv.Startup
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	store, err := objstore.Open(ctx, srv.URL(""))
	if err != nil {
		return err
	}
	m.onClose(func() { store.Close() })
	start = time.Now()
	st.upBytes, err = upload(ctx, store, m.DataDir)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	st.upTime = time.Since(start)
	m.logf("s3: versitygw at %s (ready in %s), uploaded %s in %s", srv.Endpoint, srv.Startup.Round(time.Millisecond),
		mb(st.upBytes), st.upTime.Round(time.Millisecond))
	st.rateBytes, st.rateTime, err = transferRate(ctx, store, s3Prefix+"/lineitem/", m.Streams)
	if err != nil {
		return fmt.Errorf("transfer rate: %w", err)
	}
	st.rateFiles = st.man.Tables["lineitem"].Files
	m.logf("s3: transfer rate %.1f MB/s (lineitem, %s in %s, %d stream(s))", st.rate()/1e6, mb(st.rateBytes),
		st.rateTime.Round(time.Millisecond), m.Streams)

	// The floor.
	local, err := newLocal(ctx, m.DataDir)
	if err != nil {
		return err
	}
	m.onClose(func() { local.close() })
	if rows, err := local.run(ctx, "SELECT version() || ', ' || current_setting('threads') || ' threads'"); err == nil && len(rows) == 1 {
		st.duckdb = fmt.Sprint(rows[0][0])
	}
	res := make([]*result, len(qs))
	for i, q := range qs {
		res[i] = &result{q: q}
		if err := m.runLocal(ctx, local, res[i]); err != nil {
			return err
		}
	}

	// lakebook.
	var lb cachedRunner
	lbNote := "lakebook: not run (-lakebook=false)"
	if m.Lakebook {
		lbDir := filepath.Join(work, "lakebook")
		if err := os.MkdirAll(lbDir, 0o755); err != nil {
			return err
		}
		lb, err = newLakebook(ctx, lakebookEnv{
			StoreURL: srv.URL(s3Prefix),
			Tables:   tables,
			WorkDir:  lbDir,
			Server:   srv,
		})
		if err != nil {
			return fmt.Errorf("lakebook: %w", err)
		}
		lbNote = ""
		m.onClose(func() { lb.close() })
	}
	if lbNote != "" {
		m.logf("%s", lbNote)
	}
	if lb != nil {
		for _, r := range res {
			m.runCached(ctx, lb, r)
		}
	}

	m.report(&st, res, lb != nil, lbNote)
	return nil
}

// result is one query's measurements.
type result struct {
	q      query
	want   [][]any // duckdb-local's rows
	local  []time.Duration
	need   int64 // bytes DuckDB alone read; -1 when unknown
	cold   time.Duration
	fetch  int64
	warm   []time.Duration
	check  string // "" when the answers match
	lbErr  error
	lbDone bool
}

func (m *Main) timed(ctx context.Context, r runner, q string) ([][]any, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	start := time.Now()
	rows, err := r.run(ctx, q)
	return rows, time.Since(start), err
}

// runLocal measures the bytes the query needs (one run with DuckDB's external file cache off,
// counting read syscalls), then times -runs runs.
func (m *Main) runLocal(ctx context.Context, local *localRunner, r *result) error {
	if _, err := local.conn.ExecContext(ctx, "SET enable_external_file_cache = false"); err != nil {
		return err
	}
	before := readBytes()
	rows, _, err := m.timed(ctx, local, r.q.text)
	after := readBytes()
	if _, err := local.conn.ExecContext(ctx, "RESET enable_external_file_cache"); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("duckdb-local %s: %w", r.q.name, err)
	}
	r.want = rows
	r.need = -1
	if before >= 0 && after >= before {
		r.need = after - before
	}
	for range m.Runs {
		rows, d, err := m.timed(ctx, local, r.q.text)
		if err != nil {
			return fmt.Errorf("duckdb-local %s: %w", r.q.name, err)
		}
		if diff := compareRows(r.want, rows, ordered(r.q.text)); diff != "" {
			return fmt.Errorf("duckdb-local %s: answers differ between runs: %s", r.q.name, diff)
		}
		r.local = append(r.local, d)
	}
	m.logf("%s duckdb-local %8.1f ms  need %9s  %d rows", r.q.name, msf(median(r.local)), mb(r.need), len(r.want))
	return nil
}

// runCached runs a query on a cached runner: once cold (cache emptied first), then -runs warm.
// Errors are recorded in the result, not fatal.
func (m *Main) runCached(ctx context.Context, lb cachedRunner, r *result) {
	inOrder := ordered(r.q.text)
	fail := func(err error) { r.lbErr = err; m.logf("%s %s: %v", r.q.name, lb.name(), err) }
	if err := lb.emptyCache(ctx); err != nil {
		fail(fmt.Errorf("empty cache: %w", err))
		return
	}
	f0 := lb.fetched()
	rows, d, err := m.timed(ctx, lb, r.q.text)
	if err != nil {
		fail(fmt.Errorf("cold: %w", err))
		return
	}
	r.cold, r.fetch = d, lb.fetched()-f0
	if diff := compareRows(r.want, rows, inOrder); diff != "" {
		r.check = "cold: " + diff
	}
	for i := range m.Runs {
		rows, d, err := m.timed(ctx, lb, r.q.text)
		if err != nil {
			fail(fmt.Errorf("warm: %w", err))
			return
		}
		r.warm = append(r.warm, d)
		if i == 0 && r.check == "" {
			if diff := compareRows(r.want, rows, inOrder); diff != "" {
				r.check = "warm: " + diff
			}
		}
	}
	r.lbDone = true
	m.logf("%s %s cold %8.1f ms (%s fetched)  warm %8.1f ms  %s", r.q.name, lb.name(), msf(r.cold), mb(r.fetch),
		msf(median(r.warm)), cmp.Or(r.check, "answers ok"))
}

// readBytes returns the bytes this process has read through read syscalls (Linux rchar), or
// -1 where that is not known.
func readBytes() int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rchar:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
