package gokernel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
	"github.com/lakebook/lakebook/notebooks"
)

// notebook is a Go kernel and a SQL kernel sharing one real engine session, as cmd/lakebook
// wires a notebook's kernels.
type notebook struct {
	dir string // the workspace
	sql *sqlkernel.Kernel
	go_ *gokernel.Kernel
}

func openNotebook(t testing.TB, opts gokernel.Options) *notebook {
	t.Helper()
	dir := t.TempDir()
	e, err := engine.Open(engine.Options{Dir: dir})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	sk, err := sqlkernel.New(context.Background(), e)
	if err != nil {
		t.Fatalf("sql kernel: %v", err)
	}
	t.Cleanup(func() { sk.Close() })
	// The Go kernel closes its Data; the SQL kernel outlives it here, as in a notebook.
	opts.Data = struct{ gokernel.Data }{sk}
	return &notebook{dir: dir, sql: sk, go_: startKernel(t, opts)}
}

// runAll runs Go code and returns every output, and the error.
func (n *notebook) runGo(t testing.TB, code string) ([]notebooks.Output, *notebooks.Error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var outs []notebooks.Output
	err := n.go_.Run(ctx, code, func(o notebooks.Output) { outs = append(outs, o) })
	var ne *notebooks.Error
	if err != nil && !errors.As(err, &ne) {
		t.Fatalf("run: %v is not a *notebooks.Error", err)
	}
	return outs, ne
}

func (n *notebook) mustGo(t testing.TB, code string) string {
	t.Helper()
	outs, err := n.runGo(t, code)
	if err != nil {
		t.Fatalf("run %q: %v (outputs %+v)", code, err, outs)
	}
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(o.Text)
	}
	return b.String()
}

func (n *notebook) sqlRows(t testing.TB, sql string) [][]any {
	t.Helper()
	var rows [][]any
	err := n.sql.Run(context.Background(), sql, func(o notebooks.Output) {
		if o.Type == notebooks.OutputTable {
			rows = o.Rows
		}
	})
	if err != nil {
		t.Fatalf("sql %q: %v", sql, err)
	}
	return rows
}

// check runs Go code and compares what it printed (or its error) with want: a want starting
// with "error: " expects a run error containing the rest.
type nbCase struct {
	name, code, want string
}

func (n *notebook) check(t *testing.T, cases []nbCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs, err := n.runGo(t, c.code)
			var got strings.Builder
			for _, o := range outs {
				got.WriteString(o.Text)
			}
			if want, ok := strings.CutPrefix(c.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Message, want) {
					t.Fatalf("got error %v, output %q; want an error containing %q", err, got.String(), want)
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v (output %q)", err, got.String())
			}
			if strings.TrimSpace(got.String()) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got.String(), c.want)
			}
		})
	}
}

const typesSQL = `select * from (values
	(1, 1.5, 'SEA', DATE '2001-01-02', TIMESTAMP '2001-01-02 03:04:05', true, 7::DECIMAL(5,2)),
	(NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) v(i, f, s, d, ts, b, dec)`

func TestNBQuery(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	n.mustGo(t, "t, err := nb.Query(`"+typesSQL+"`)\nif err != nil { panic(err) }")
	n.check(t, []nbCase{
		{"columns", `fmt.Println(t.Len(), t.Columns())`, `2 [{i INTEGER} {f DECIMAL(2,1)} {s VARCHAR} {d DATE} {ts TIMESTAMP} {b BOOLEAN} {dec DECIMAL(5,2)}]`},
		{"int64", `fmt.Println(t.Int64("i"))`, `[1 0] <nil>`},
		{"float64 of ints and decimals, NULL is NaN", `a, _ := t.Float64("i"); b, _ := t.Float64("dec"); fmt.Println(a, b)`, `[1 NaN] [7 NaN]`},
		{"string", `fmt.Printf("%q\n", must(t.String("s")))
func must(s []string, err error) []string { if err != nil { panic(err) }; return s }`, `["SEA" ""]`},
		{"time", `ts, _ := t.Time("ts"); d, _ := t.Time("d"); fmt.Println(ts[0], d[0], ts[1].IsZero())`, `2001-01-02 03:04:05 +0000 UTC 2001-01-02 00:00:00 +0000 UTC true`},
		{"bool", `fmt.Println(t.Bool("b"))`, `[true false] <nil>`},
		{"row", `fmt.Println(t.Row(0)[:3], t.Row(1)[:3])`, `[1 1.5 SEA] [<nil> <nil> <nil>]`},
		{"rows", `fmt.Println(len(t.Rows()))`, `2`},
		{"column names ignore case", `fmt.Println(t.Int64("I"))`, `[1 0] <nil>`},
		{"unknown column", `_, err := t.Int64("nope"); fmt.Println(err)`, `nb: no column "nope"; the columns are i, f, s, d, ts, b, dec`},
		{"string as number", `_, err := t.Float64("s"); fmt.Println(err)`, `nb: column "s" is VARCHAR, not a number; use t.String("s")`},
		{"float as int", `_, err := t.Int64("f"); fmt.Println(err)`, `nb: column "f" is DECIMAL(2,1), not an integer; use t.Float64("f")`},
		{"time as string", `_, err := t.String("ts"); fmt.Println(err)`, `nb: column "ts" is TIMESTAMP, not text; use t.Time("ts")`},
		{"shown with fmt", `fmt.Println(t)`, `nb.Table(2 rows: i INTEGER, f DECIMAL(2,1), s VARCHAR, d DATE, ts TIMESTAMP, b BOOLEAN, dec DECIMAL(5,2))`},
		{"import works too", "import \"lakebook/nb\"\nx, _ := nb.Query(\"select 42 as x\")\nfmt.Println(x.Int64(\"x\"))", `[42] <nil>`},
		{"SQL error says what and where", "_, err := nb.Query(\"select 1;\\nselec 2\")\nfmt.Println(err)", `nb.Query: Parser Error: syntax error at or near "selec" (line 2, column 1 of the SQL)`},
		{"missing table", `_, err := nb.Query("select * from nowhere"); fmt.Println(err != nil && strings.Contains(err.Error(), "Table with name nowhere does not exist"))`, `true`},
		{"no rows", `_, err := nb.Query("create temp table made as select 1 as x"); fmt.Println(err)`, `nb.Query: the last statement returns no rows (OK)`},
		{"sees SQL's temp tables", `x, _ := nb.Query("select count(*) as n from made"); fmt.Println(x.Int64("n"))`, `[1] <nil>`},
		{"empty result", `x, err := nb.Query("select 1 as x where false"); fmt.Println(x.Len(), err)`, `0 <nil>`},
	})
}

func TestNBScan(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	n.mustGo(t, "t, _ := nb.Query(`select 'SEA' as origin, 12 as dep_delay, NULL::DOUBLE as dist, TIMESTAMP '2001-01-01' as at union all select 'SFO', -3, 700.5, NULL`)")
	n.check(t, []nbCase{
		{"by name, ignoring case and underscores", `type f struct { Origin string; DepDelay int; Dist float64; At time.Time }
var fs []f
fmt.Println(t.Scan(&fs), fs[0].Origin, fs[0].DepDelay, fs[1].Dist, fs[0].At.Year(), fs[1].At.IsZero())`, `<nil> SEA 12 700.5 2001 true`},
		{"by tag, NULL into pointers", "type g struct { O string `nb:\"origin\"`; D *float64 `db:\"dist\"` }\nvar gs []*g\nfmt.Println(t.Scan(&gs), gs[0].O, gs[0].D == nil, *gs[1].D)", `<nil> SEA true 700.5`},
		{"unexported fields of a paragraph's struct", `type low struct { origin string; dep_delay int64 }
var ls []low
fmt.Println(t.Scan(&ls), ls[1].origin, ls[1].dep_delay)`, `<nil> SFO -3`},
		{"appends", `fmt.Println(t.Scan(&ls), len(ls))`, `<nil> 4`},
		{"wrong field type", `type bad struct { Origin float64 }
var bs []bad
fmt.Println(t.Scan(&bs))`, `nb: Scan: column "origin" (VARCHAR) into field Origin (float64), row 0: a string does not go into a float64`},
		{"overflow", `type small struct { DepDelay uint8 }
var ss []small
fmt.Println(t.Scan(&ss))`, `nb: Scan: column "dep_delay" (INTEGER) into field DepDelay (uint8), row 1: -3 does not fit`},
		{"not a pointer", `var fs2 []f
fmt.Println(t.Scan(fs2))`, `nb: Scan wants a pointer to a slice of structs (&rows), got []struct { Origin string; DepDelay int; Dist float64; At time.Time }`},
		{"not structs", `var xs []int
fmt.Println(t.Scan(&xs))`, `nb: Scan wants a pointer to a slice of structs, got *[]int`},
		{"no field matches", `type none struct { Nope int }
var ns []none
fmt.Println(t.Scan(&ns))`, `nb: Scan: no field of struct { Nope int } matches a column (origin, dep_delay, dist, at)`},
	})
}

func TestNBRegister(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	n.mustGo(t, `type pct struct { Origin string; P50 float64; N int; Last *time.Time; OK bool }
at := time.Date(2001, 1, 2, 3, 4, 5, 0, time.UTC)
rows := []pct{{"SEA", 3.5, 10, &at, true}, {"SFO", 4, 7, nil, false}}
if err := nb.Register("pct", rows); err != nil { panic(err) }`)
	got := n.sqlRows(t, "select origin, p50, n, last, ok from pct order by origin")
	if fmt.Sprint(got) != "[[SEA 3.5 10 2001-01-02T03:04:05Z true] [SFO 4 7 <nil> false]]" {
		t.Fatalf("pct: %v", got)
	}
	if types := n.sqlRows(t, "select list(column_type order by column_name) from (describe pct)"); fmt.Sprint(types) != "[[[TIMESTAMP WITH TIME ZONE BIGINT BOOLEAN VARCHAR DOUBLE]]]" {
		t.Fatalf("types: %v", types)
	}
	n.sqlRows(t, "create temp table mine as select 1 as x")
	n.check(t, []nbCase{
		{"again replaces", `fmt.Println(nb.Register("pct", rows[:1]))`, `<nil>`},
		{"a table from Query", `x, _ := nb.Query("select 5 as five"); fmt.Println(nb.Register("five", x))`, `<nil>`},
		{"a slice of pointers", `fmt.Println(nb.Register("ptrs", []*pct{&rows[0]}))`, `<nil>`},
		{"an empty slice", `fmt.Println(nb.Register("empty", []pct{}))`, `<nil>`},
		{"not a slice", `fmt.Println(nb.Register("x", 42))`, `nb.Register("x"): want a slice of structs or a *nb.Table, got int`},
		{"not structs", `fmt.Println(nb.Register("x", []string{"a"}))`, `nb.Register("x"): want a slice of structs or a *nb.Table, got []string`},
		{"field type", `type m struct { Tags []string }
fmt.Println(nb.Register("x", []m{{}}))`, `nb.Register("x"): field Tags is a []string: columns can be bool, integers, floats, string and time.Time (or pointers to them)`},
		{"a table SQL made", `fmt.Println(nb.Register("mine", rows))`, `nb.Register("mine"): table name "mine": this notebook already has a table of that name that a Go paragraph did not register; drop it or pick another name`},
		{"a bad name", `fmt.Println(nb.Register("x; drop table pct", rows))`, `nb.Register("x; drop table pct"): table name "x; drop table pct": use letters, digits and _ (not first), at most 63 characters`},
		{"lakebook's names", `fmt.Println(nb.Register("__lakebook_result_1", rows))`, `nb.Register("__lakebook_result_1"): table name "__lakebook_result_1": names starting with __lakebook are lakebook's own`},
		{"nil element", `fmt.Println(nb.Register("x", []*pct{nil}))`, `nb.Register("x"): element 0 is nil`},
	})
	if got := n.sqlRows(t, "select count(*) from pct"); fmt.Sprint(got) != "[[1]]" {
		t.Fatalf("pct after registering again: %v", got)
	}
	if got := n.sqlRows(t, "select (select count(*) from five), (select count(*) from ptrs), (select count(*) from empty), (select count(*) from mine)"); fmt.Sprint(got) != "[[1 1 0 1]]" {
		t.Fatalf("counts: %v", got)
	}
}

func TestNBShow(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	cases := []struct {
		name, code string
		want       func(t *testing.T, outs []notebooks.Output)
	}{
		{"a table, after what was printed", `fmt.Println("before")
t, _ := nb.Query("select range as i from range(250)")
nb.Show(t)
fmt.Println("after")`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 3 || outs[0].Text != "before\n" || outs[1].Type != notebooks.OutputTable || outs[2].Text != "after\n" {
				t.Fatalf("outputs %+v", outs)
			}
			o := outs[1]
			if *o.RowCount != 250 || o.ResultID == "" || o.Columns[0].Name != "i" {
				t.Fatalf("table %+v", o)
			}
			rows, err := n.go_.Page(context.Background(), o.ResultID, 200, 100)
			if err != nil || len(rows) != 50 || fmt.Sprint(rows[0]) != "[200]" {
				t.Fatalf("page: %v %v", rows, err)
			}
		}},
		{"a slice of structs as the final value", `type p struct { Origin string; P50 float64 }
[]p{{"SEA", 1.5}, {"SFO", 2}}`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Type != notebooks.OutputTable || fmt.Sprint(outs[0].Rows) != "[[SEA 1.5] [SFO 2]]" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"a table as the final value", `x, _ := nb.Query("select 1 as one")
x`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Type != notebooks.OutputTable || fmt.Sprint(outs[0].Rows) != "[[1]]" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"HTML, sanitized", `nb.HTML("<b onclick=\"x()\">bold</b><script>alert(1)</script><a href=\"javascript:x()\">a</a>")`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Type != notebooks.OutputHTML || outs[0].HTML != "<b>bold</b>a" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"Markdown", `nb.Show(nb.Markdown("# Title\n\n*x* <script>y</script>"))`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Type != notebooks.OutputHTML || outs[0].HTML != "<h1>Title</h1>\n<p><em>x</em> </p>\n" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"anything else as text", `nb.Show(map[string]int{"a": 1})`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Type != notebooks.OutputText || outs[0].Text != "map[a:1]" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"a chart, as the final value", `type c struct { Origin string; Delay float64 }
nb.Chart{Type: "bar", Data: []c{{"SEA", 1}, {"SEA", 3}, {"SFO", 2}}, Keys: []string{"Origin"}, Values: []string{"avg(Delay)", "Origin"}}`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Type != notebooks.OutputTable || outs[0].Chart == nil {
				t.Fatalf("outputs %+v", outs)
			}
			if got := fmt.Sprintf("%+v", *outs[0].Chart); got != "{Type:bar Keys:[Origin] Groups:[] Values:[{Column:Delay Agg:avg} {Column:Origin Agg:count}] Stacked:false Bins:0}" {
				t.Fatalf("chart %s", got)
			}
			p, err := n.go_.Pivot(context.Background(), outs[0].ResultID, *outs[0].Chart)
			if err != nil || fmt.Sprint(p.Rows) != "[[SEA 2 2] [SFO 2 1]]" {
				t.Fatalf("pivot %+v %v", p, err)
			}
		}},
		{"a chart of an unknown column", `fmt.Println(nb.Show(nb.Chart{Type: "line", Data: []c{{"SEA", 1}}, Keys: []string{"nope"}, Values: []string{"Delay"}}))`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Text != "nb.Chart: chart.keys[0]: unknown column \"nope\"\n" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"a chart of nothing", `fmt.Println(nb.Show(nb.Chart{Type: "bar", Data: 3}))`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || outs[0].Text != "nb.Chart: Data must be a *nb.Table or a slice of structs, got int\n" {
				t.Fatalf("outputs %+v", outs)
			}
		}},
		{"a bad slice", `type m struct { M map[string]int }
fmt.Println(nb.Show([]m{{}}))`, func(t *testing.T, outs []notebooks.Output) {
			if len(outs) != 1 || !strings.Contains(outs[0].Text, "nb.Show: field M is a map[string]int") {
				t.Fatalf("outputs %+v", outs)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs, err := n.runGo(t, c.code)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			c.want(t, outs)
		})
	}
}

func TestNBPutGet(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	n.check(t, []nbCase{
		{"an int", `fmt.Println(nb.Put("threshold", 30))`, `<nil>`},
		{"a string with quotes", `fmt.Println(nb.Put("origin", "O'Hare"))`, `<nil>`},
		{"a list", `fmt.Println(nb.Put("origins", []string{"SEA", "SFO"}))`, `<nil>`},
		{"a time", `fmt.Println(nb.Put("since", time.Date(2001, 1, 2, 0, 0, 0, 0, time.UTC)))`, `<nil>`},
		{"get them back", `fmt.Printf("%T %v|%T %v|%T %v|%v\n", nb.Get("threshold"), nb.Get("threshold"), nb.Get("origin"), nb.Get("origin"), nb.Get("origins"), nb.Get("origins"), nb.Get("since"))`,
			`int64 30|string O'Hare|[]string [SEA SFO]|2001-01-02 00:00:00 +0000 UTC`},
		{"missing", `v, ok, err := nb.Lookup("nope"); fmt.Println(v, ok, err, nb.Get("nope"))`, `<nil> false <nil> <nil>`},
		{"a type SQL cannot hold", `fmt.Println(nb.Put("m", map[string]int{}))`, `nb.Put("m"): a map[string]int cannot be shared with SQL: use a bool, an integer, a float, a string, a time.Time or a slice of one of those`},
		{"a bad name", `fmt.Println(nb.Put("a b", 1))`, `nb.Put("a b"): variable name "a b": use letters, digits and _ (not first), at most 63 characters`},
	})
	if got := n.sqlRows(t, "select getvariable('threshold') + 1, getvariable('origin'), list_contains(getvariable('origins'), 'SFO'), getvariable('since')"); fmt.Sprint(got) != "[[31 O'Hare true 2001-01-02T00:00:00Z]]" {
		t.Fatalf("SQL reads: %v", got)
	}
	n.sqlRows(t, "SET VARIABLE from_sql = 2.5")
	n.check(t, []nbCase{
		{"set in SQL", `fmt.Println(nb.Get("from_sql"))`, `2.5`},
		{"nil removes", `nb.Put("origin", nil); fmt.Println(nb.Get("origin"))`, `<nil>`},
	})
	// Values live in the SQL session: a new Go process still sees them.
	if err := n.go_.Close(); err != nil {
		t.Fatal(err)
	}
	n.go_ = startKernel(t, gokernel.Options{Data: struct{ gokernel.Data }{n.sql}})
	n.check(t, []nbCase{{"after a kernel restart", `fmt.Println(nb.Get("threshold"))`, `30`}})
}

func TestNBForms(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	code := `fmt.Println(nb.Text("origin", "SEA"), nb.Select("carrier", "AA", "AA", "UA"), nb.Text("unset", "dflt"))`
	for _, c := range []struct {
		values map[string][]string
		want   string
	}{
		{nil, "SEA AA dflt"},
		{map[string][]string{"origin": {"SFO"}, "carrier": {"UA"}}, "SFO UA dflt"},
		{map[string][]string{"carrier": {"not an option"}}, "SEA AA dflt"},
	} {
		ctx := notebooks.WithFormValues(context.Background(), c.values)
		var out string
		if err := n.go_.Run(ctx, code, func(o notebooks.Output) { out += o.Text }); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out) != c.want {
			t.Errorf("values %v: got %q, want %q", c.values, out, c.want)
		}
	}
}

func TestNBLimits(t *testing.T) {
	n := openNotebook(t, gokernel.Options{MaxQueryRows: 1000, MaxTableBytes: 64 << 10})
	n.check(t, []nbCase{
		{"too many rows", `_, err := nb.Query("select * from range(1001)"); fmt.Println(err)`,
			`nb.Query: the result has 1001 rows, more than a Go paragraph takes at once (1000): aggregate or filter in SQL, or add LIMIT`},
		{"too many bytes", `_, err := nb.Query("select repeat('x', 1000) from range(100)"); fmt.Println(err)`,
			`nb.Query: the result is 0 MiB of Arrow data, more than a Go paragraph takes at once (0 MiB): aggregate or filter in SQL, or add LIMIT`},
		{"too big to register", `type r struct { S string }
rs := make([]r, 100)
for i := range rs { rs[i].S = strings.Repeat("x", 1000) }
fmt.Println(nb.Register("big", rs))`, `nb.Register("big"): the table is 0 MiB of Arrow data, more than a kernel may send (0 MiB)`},
		{"within bounds", `x, err := nb.Query("select * from range(1000)"); fmt.Println(x.Len(), err)`, `1000 <nil>`},
	})
}

func TestNBCancel(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	err := n.go_.Run(ctx, `nb.Query("select count(*) from range(1000000000000) a")`, func(notebooks.Output) {})
	if notebooks.ErrorCode(err) != notebooks.ECanceled {
		t.Fatalf("got %v, want cancelled", err)
	}
	n.check(t, []nbCase{{"usable after", `x, _ := nb.Query("select 1 as x"); fmt.Println(x.Len())`, `1`}})
}

func TestNBWithoutData(t *testing.T) {
	k := startKernel(t, gokernel.Options{})
	r := run(t, k, `_, err := nb.Query("select 1"); fmt.Println(err)`)
	if r.stdout != "nb.Query: this kernel has no SQL session to work with\n" {
		t.Fatalf("got %q %v", r.stdout, r.err)
	}
}

func TestNBRegisterCatalogName(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	if err := os.Mkdir(filepath.Join(n.dir, "ext"), 0o755); err != nil {
		t.Fatal(err)
	}
	n.sqlRows(t, "COPY (SELECT 1 AS x) TO '"+n.dir+"/ext/a.parquet' (FORMAT parquet)")
	n.sqlRows(t, "CREATE EXTERNAL TABLE ext LOCATION '"+n.dir+"/ext/'")
	n.check(t, []nbCase{
		{"a catalog table's name", `type r struct{ X int }
fmt.Println(nb.Register("ext", []r{{2}}))`, `nb.Register("ext"): table name "ext": a catalog table has that name; pick another`},
		{"Query reads catalog tables", `x, err := nb.Query("select x from ext"); fmt.Println(x.Int64("x")); fmt.Println(err)`, "[1] <nil>\n<nil>"},
	})
}

// nb needs a run to serve it: a goroutine that outlives its paragraph gets an error, not a hang.
func TestNBAfterTheRun(t *testing.T) {
	n := openNotebook(t, gokernel.Options{})
	n.mustGo(t, `res := make(chan error, 1)
go func() { time.Sleep(300 * time.Millisecond); _, err := nb.Query("select 1"); res <- err }()`)
	time.Sleep(600 * time.Millisecond)
	n.check(t, []nbCase{{"the goroutine's call", `fmt.Println(<-res)`, `nb.Query: nb works only while a paragraph runs (a goroutine called it after its paragraph ended)`}})
}
