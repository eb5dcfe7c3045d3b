package prune_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/engine/prune"
)

// openDB opens an in-memory DuckDB for a test.
func openDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func col(name, typ string) crawl.Column { return crawl.Column{Name: name, Type: typ} }

func stats(min, max string, nulls int64) crawl.ColumnStats {
	return crawl.ColumnStats{Min: min, Max: max, HasMinMax: min != "" || max != "", NullCount: nulls}
}

// catalog is the fixture: a partitioned table (events), small dimension tables, and TPC-H's
// lineitem and orders with one file per year.
type catalog struct {
	tables map[string]*prune.Table
	files  map[string][]crawl.File
}

func (c *catalog) lookup(name string) (*prune.Table, bool) {
	t, ok := c.tables[strings.ToLower(name)]
	return t, ok
}

func newCatalog() *catalog {
	c := &catalog{tables: map[string]*prune.Table{}, files: map[string][]crawl.File{}}
	add := func(t *prune.Table, files []crawl.File) {
		c.tables[strings.ToLower(t.Name)] = t
		c.files[t.Name] = files
	}

	eventCols := []crawl.Column{col("id", "BIGINT"), col("d", "DATE"), col("s", "VARCHAR"), col("v", "DOUBLE"),
		col("ts", "TIMESTAMP"), col("ok", "BOOLEAN")}
	event := func(year, month, d0, d1, s0, s1 string, sNulls int64, v0, v1 string) crawl.File {
		f := crawl.File{
			Key:       fmt.Sprintf("events/year=%s/month=%s/part-0.parquet", year, month),
			Partition: map[string]string{"year": year, "month": month},
			Rows:      100,
			Columns:   eventCols,
			Stats: map[string]crawl.ColumnStats{
				"id": stats("1", "100", 0),
				"d":  stats(d0, d1, 0),
				"s":  stats(s0, s1, sNulls),
				"v":  stats(v0, v1, 0),
				"ts": stats(d0+" 00:00:00", d1+" 23:59:59.25", 0),
				"ok": stats("false", "true", 0),
			},
		}
		if month == "3" {
			f.Stats["ok"] = stats("true", "true", 0)
		}
		return f
	}
	add(&prune.Table{
		Name:          "events",
		Columns:       eventCols,
		PartitionKeys: []crawl.Column{col("year", "BIGINT"), col("month", "BIGINT")},
	}, []crawl.File{
		event("2023", "11", "2023-11-01", "2023-11-30", "apple", "banana", 5, "1", "10"),
		event("2023", "12", "2023-12-01", "2023-12-31", "cherry", "date", 0, "0.25", "3"),
		event("2024", "1", "2024-01-01", "2024-01-31", "elder", "fig", 0, "5", "6"),
		event("2024", "2", "2024-02-01", "2024-02-29", "grape", "kiwi", 0, "-3", "-1"),
		event("2024", "3", "2024-03-01", "2024-03-31", "lemon", "mango", 0, "7", "9"),
		func() crawl.File {
			f := event(crawl.HiveNull, crawl.HiveNull, "2022-06-01", "2022-06-30", "", "", -1, "1", "2")
			return f
		}(),
	})

	userCols := []crawl.Column{col("id", "BIGINT"), col("name", "VARCHAR"), col("signup", "DATE"), col("month", "BIGINT")}
	user := func(key, s0, s1 string) crawl.File {
		return crawl.File{Key: "users/" + key + ".parquet", Rows: 10, Columns: userCols,
			Stats: map[string]crawl.ColumnStats{"signup": stats(s0, s1, 0)}}
	}
	u3 := user("u3", "", "") // signup is NULL in all its rows
	u3.Stats["signup"] = crawl.ColumnStats{NullCount: 10}
	add(&prune.Table{Name: "users", Columns: userCols}, []crawl.File{
		user("u1", "2020-01-01", "2020-12-31"),
		user("u2", "2022-01-01", "2023-12-31"),
		u3,
	})

	liCols := []crawl.Column{col("l_orderkey", "BIGINT"), col("l_quantity", "DECIMAL(15,2)"),
		col("l_extendedprice", "DECIMAL(15,2)"), col("l_discount", "DECIMAL(15,2)"), col("l_shipdate", "DATE"),
		col("l_shipmode", "VARCHAR"), col("l_returnflag", "VARCHAR"), col("l_linestatus", "VARCHAR"),
		col("l_partkey", "BIGINT"), col("l_suppkey", "BIGINT"), col("l_tax", "DECIMAL(15,2)")}
	ordCols := []crawl.Column{col("o_orderkey", "BIGINT"), col("o_custkey", "BIGINT"), col("o_orderdate", "DATE"),
		col("o_orderpriority", "VARCHAR"), col("o_shippriority", "INTEGER")}
	var li, ord []crawl.File
	for y := 1992; y <= 1998; y++ {
		last := fmt.Sprintf("%d-12-31", y)
		if y == 1998 {
			last = "1998-12-01"
		}
		li = append(li, crawl.File{Key: fmt.Sprintf("lineitem/%d.parquet", y), Rows: 1000, Columns: liCols,
			Stats: map[string]crawl.ColumnStats{
				"l_shipdate": stats(fmt.Sprintf("%d-01-02", y), last, 0),
				"l_discount": stats("0.00", "0.10", 0),
				"l_quantity": stats("1.00", "50.00", 0),
				"l_shipmode": stats("AIR", "TRUCK", 0),
			}})
		ord = append(ord, crawl.File{Key: fmt.Sprintf("orders/%d.parquet", y), Rows: 250, Columns: ordCols,
			Stats: map[string]crawl.ColumnStats{"o_orderdate": stats(fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y), 0)}})
	}
	add(&prune.Table{Name: "lineitem", Columns: liCols}, li)
	add(&prune.Table{Name: "orders", Columns: ordCols}, ord)
	custCols := []crawl.Column{col("c_custkey", "BIGINT"), col("c_nationkey", "BIGINT"), col("c_mktsegment", "VARCHAR")}
	add(&prune.Table{Name: "customer", Columns: custCols}, []crawl.File{{Key: "customer/0.parquet", Rows: 10, Columns: custCols}})
	for _, n := range []string{"supplier", "nation", "region", "part", "partsupp"} {
		var cols []crawl.Column
		p := map[string]string{"supplier": "s_", "nation": "n_", "region": "r_", "part": "p_", "partsupp": "ps_"}[n]
		for _, cn := range []string{"key", "suppkey", "nationkey", "regionkey", "partkey", "name", "type", "size", "brand", "container", "comment", "acctbal", "address", "phone", "availqty", "supplycost", "mfgr", "retailprice"} {
			cols = append(cols, col(p+cn, "VARCHAR"))
		}
		add(&prune.Table{Name: n, Columns: cols}, []crawl.File{{Key: n + "/0.parquet", Rows: 10, Columns: cols}})
	}
	return c
}

// short names a file in test expectations: "2024-3" (events), "null" (events' NULL
// partition), "u1", "1994", "0".
func short(f crawl.File) string {
	if y, ok := f.Partition["year"]; ok {
		if y == crawl.HiveNull {
			return "null"
		}
		return y + "-" + f.Partition["month"]
	}
	return strings.TrimSuffix(path.Base(f.Key), ".parquet")
}

var (
	allEvents = []string{"2023-11", "2023-12", "2024-1", "2024-2", "2024-3", "null"}
	allUsers  = []string{"u1", "u2", "u3"}
	allYears  = []string{"1992", "1993", "1994", "1995", "1996", "1997", "1998"}
)

func TestAnalyze(t *testing.T) {
	db := openDB(t)
	cat := newCatalog()
	ctx := context.Background()

	type want map[string][]string // table → files kept
	cases := []struct {
		name string
		sql  string
		want want
		str  map[string]string // table → Need.String(), when checked
	}{
		{"no where", `select * from events`, want{"events": allEvents}, map[string]string{"events": "all"}},
		{"partition =", `select * from events where year = 2024`,
			want{"events": {"2024-1", "2024-2", "2024-3"}}, map[string]string{"events": "year = 2024"}},
		{"partition and", `select * from events where year = 2024 and month = 3`,
			want{"events": {"2024-3"}}, map[string]string{"events": "year = 2024 AND month = 3"}},
		{"partition <>", `select * from events where month <> 1`,
			want{"events": {"2023-11", "2023-12", "2024-2", "2024-3"}}, nil},
		{"partition < and >=", `select * from events where month < 3 and year >= 2024`,
			want{"events": {"2024-1", "2024-2"}}, nil},
		{"partition <=", `select * from events where month <= 2`, want{"events": {"2024-1", "2024-2"}}, nil},
		{"partition >", `select * from events where month > 11`, want{"events": {"2023-12"}}, nil},
		{"partition >= flipped", `select * from events where 11 <= month`, want{"events": {"2023-11", "2023-12"}}, nil},
		{"partition in", `select * from events where month in (1, 12)`,
			want{"events": {"2023-12", "2024-1"}}, map[string]string{"events": "month IN (1, 12)"}},
		{"partition not in", `select * from events where year not in (2023)`,
			want{"events": {"2024-1", "2024-2", "2024-3"}}, nil},
		{"partition is null", `select * from events where year is null`, want{"events": {"null"}}, nil},
		{"partition is not null", `select * from events where month is not null`,
			want{"events": {"2023-11", "2023-12", "2024-1", "2024-2", "2024-3"}}, nil},
		{"partition string literal", `select * from events where month = '2'`, want{"events": {"2024-2"}}, nil},
		{"partition in with null", `select * from events where month in (1, null)`, want{"events": {"2024-1"}}, nil},
		{"= null", `select * from events where month = null`, want{"events": nil}, map[string]string{"events": "none"}},
		{"not in with null", `select * from events where month not in (1, null)`, want{"events": nil}, nil},

		{"stats between dates", `select * from events where d between date '2024-01-15' and date '2024-02-10'`,
			want{"events": {"2024-1", "2024-2"}}, map[string]string{"events": "d >= 2024-01-15 AND d <= 2024-02-10"}},
		{"stats date string literal", `select * from events where d >= '2024-03-05'`, want{"events": {"2024-3"}}, nil},
		{"stats date cast", `select * from events where d = CAST('2024-02-29' AS DATE)`, want{"events": {"2024-2"}}, nil},
		{"stats date + interval", `select * from events where d < date '2024-01-01' + interval '1' month`,
			want{"events": {"2023-11", "2023-12", "2024-1", "null"}}, nil},
		{"stats date vs timestamp", `select * from events where d > timestamp '2024-02-29 12:00:00'`,
			want{"events": {"2024-3"}}, nil},
		{"stats timestamp fraction", `select * from events where ts >= timestamp '2024-03-31 23:59:59.5'`,
			want{"events": nil}, nil},
		{"stats timestamp fraction kept", `select * from events where ts >= timestamp '2024-03-31 23:59:59.25'`,
			want{"events": {"2024-3"}}, nil},
		{"stats varchar =", `select * from events where s = 'fig'`, want{"events": {"2024-1", "null"}}, nil},
		{"stats varchar >=", `select * from events where s >= 'l'`, want{"events": {"2024-3", "null"}}, nil},
		{"stats varchar <", `select * from events where s < 'b'`, want{"events": {"2023-11", "null"}}, nil},
		{"stats varchar byte order", `select * from events where s > 'Zebra' and s < 'b'`, want{"events": {"2023-11", "null"}}, nil},
		{"stats is null", `select * from events where s is null`, want{"events": {"2023-11", "null"}}, nil},
		{"stats double <", `select * from events where v < 0.5`, want{"events": {"2023-12", "2024-2"}}, nil},
		{"stats double > keeps NaN", `select * from events where v > 100`, want{"events": allEvents}, nil},
		{"stats bad literal", `select * from events where d = 'not a date'`, want{"events": allEvents}, nil},
		{"constant arithmetic", `select * from events where month = 1 + 1`, want{"events": {"2024-2"}}, nil},
		{"decimal constant", `select * from events where month = 2.0`, want{"events": {"2024-2"}}, nil},
		{"decimal constant between values", `select * from events where month = 2.5`, want{"events": nil}, nil},
		{"double constant", `select * from events where month < 1.5e0`, want{"events": {"2024-1"}}, nil},
		{"double constant too close to call", `select * from events where month < 2e0`, want{"events": {"2024-1", "2024-2"}}, nil},
		{"wide decimal constant", `select * from lineitem where l_quantity > 123456789012345678901234.5`, want{"lineitem": nil}, nil},
		{"boolean", `select * from events where ok = false`, want{"events": {"2023-11", "2023-12", "2024-1", "2024-2", "null"}}, nil},
		{"timestamp T literal", `select * from events where ts < timestamp '2023-12-01T00:00:00'`, want{"events": {"2023-11", "null"}}, nil},
		{"timestamp string literal", `select * from events where ts < '2023-12-01 00:00:00'`, want{"events": {"2023-11", "null"}}, nil},
		{"date literal truncates like duckdb", `select * from events where d = '2023-12-31 23:00:00'`, want{"events": {"2023-12"}}, nil},
		{"all-null file", `select * from users where signup < date '2030-01-01'`, want{"users": {"u1", "u2"}}, nil},
		{"all-null file is null", `select * from users where signup is null`, want{"users": {"u3"}}, nil},
		{"all-null file is not null", `select * from users where signup is not null`, want{"users": {"u1", "u2"}}, nil},
		{"overflow", `select * from events where month = 9223372036854775807 + 1`, want{"events": allEvents}, nil},
		{"bind error in one constant", `select * from events where month = 'a' + 1 and d < date '2024-01-01' + interval 1 month`,
			want{"events": {"2023-11", "2023-12", "2024-1", "null"}}, nil},
		{"error() is not evaluated", `select * from events where month = error('boom')`, want{"events": allEvents}, nil},
		{"now() is not a constant", `select * from events where ts >= now()::timestamp - interval 1 day`, want{"events": allEvents}, nil},
		{"today lower bound", `select * from events where d > date_trunc('month', today())`, want{"events": nil}, nil},
		{"current_date decreasing", `select * from events where d > date '2030-01-01' - (current_date - date '2000-01-01')`, want{"events": allEvents}, nil},

		{"or of ands", `select * from events where (year = 2023 and month = 12) or (year = 2024 and month = 1)`,
			want{"events": {"2023-12", "2024-1"}},
			map[string]string{"events": "(year = 2023 AND month = 12) OR (year = 2024 AND month = 1)"}},
		{"or with unknown", `select * from events where year = 2023 or s like 'a%'`, want{"events": allEvents}, nil},
		{"not", `select * from events where not (year = 2023 and month = 11)`, want{"events": allEvents}, nil},
		{"not between", `select * from events where month not between 1 and 3`, want{"events": allEvents}, nil},
		{"function of column", `select * from events where year + 0 = 2023`, want{"events": allEvents}, nil},
		{"function of column lower", `select * from events where lower(s) = 'fig'`, want{"events": allEvents}, nil},
		{"column vs column", `select * from events where month = year`, want{"events": allEvents}, nil},
		{"like", `select * from events where s like 'fig%'`, want{"events": allEvents}, nil},
		{"volatile", `select * from events where month = floor(random() * 0) + 1`, want{"events": allEvents}, nil},
		{"parameter", `select * from events where month = ?`, want{"events": allEvents}, nil},
		{"current_date lower bound", `select * from events where d >= current_date - interval 30 day`, want{"events": nil}, nil},
		{"current_date upper bound", `select * from events where d <= current_date`, want{"events": allEvents}, nil},
		{"case-insensitive", `select * from EVENTS where "YEAR" = 2023`, want{"events": {"2023-11", "2023-12"}}, nil},

		{"alias", `select * from events e where e.year = 2023`, want{"events": {"2023-11", "2023-12"}}, nil},
		{"schema-qualified", `select * from main.events where events.year = 2023`, want{"events": {"2023-11", "2023-12"}}, nil},
		{"unknown qualifier", `select * from events e where x.year = 2023`, want{"events": allEvents}, nil},
		{"inner join", `select * from events e join users u on e.id = u.id and u.signup >= date '2022-01-01' where e.month = 3`,
			want{"events": {"2024-3"}, "users": {"u2"}}, nil},
		{"implicit join", `select * from events e, users u where e.id = u.id and u.signup < date '2021-01-01' and e.year = 2023`,
			want{"events": {"2023-11", "2023-12"}, "users": {"u1"}}, nil},
		{"left join on", `select * from events e left join users u on e.id = u.id and u.signup < date '2021-01-01' and e.year = 2023 where e.month = 3`,
			want{"events": {"2024-3"}, "users": {"u1"}}, nil},
		{"left join where is null", `select * from events e left join users u on e.id = u.id where u.signup is null`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"left join where null-rejecting", `select * from events e left join users u on e.id = u.id where u.signup >= date '2022-01-01'`,
			want{"events": allEvents, "users": {"u2"}}, nil},
		{"right join on", `select * from users u right join events e on e.id = u.id and e.year = 2023 and u.signup > date '2021-01-01'`,
			want{"events": allEvents, "users": {"u2"}}, nil},
		{"full join", `select * from events e full join users u on e.id = u.id and e.year = 2023 and u.signup < date '2021-01-01'`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"full join where", `select * from events e full join users u on e.id = u.id where e.year = 2023`,
			want{"events": {"2023-11", "2023-12"}, "users": allUsers}, nil},
		{"nested left join", `select * from users u left join (events e left join users v on e.id = v.id) on u.id = e.id and v.signup is null`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"semi join", `select * from users semi join events e on users.id = e.id and e.year = 2023`,
			want{"events": {"2023-11", "2023-12"}, "users": allUsers}, nil},
		{"anti join", `select * from users anti join events e on users.id = e.id and e.year = 2023 and users.signup < date '2021-01-01'`,
			want{"events": {"2023-11", "2023-12"}, "users": allUsers}, nil},
		{"positional join", `select * from events positional join users where events.year = 2023`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"tablesample", `select * from events tablesample 10% where year = 2023`, want{"events": allEvents}, nil},
		{"ambiguous unqualified", `select * from events, users where month = 1`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"unambiguous unqualified", `select * from events, users where year = 2023 and signup < date '2021-01-01'`,
			want{"events": {"2023-11", "2023-12"}, "users": {"u1"}}, nil},
		{"unknown relation in scope", `select * from events, dtab where year = 2023`, want{"events": allEvents}, nil},
		{"known values in scope", `select * from events, (values (1)) v(x) where year = 2023`,
			want{"events": {"2023-11", "2023-12"}}, nil},
		{"using join", `select * from events join dtab using (id) where events.year = 2023`,
			want{"events": {"2023-11", "2023-12"}}, nil},

		{"cte", `with x as (select * from events where year = 2024) select * from x where month = 1`,
			want{"events": {"2024-1", "2024-2", "2024-3"}}, nil},
		{"cte shadows catalog name", `with events as (select * from users where signup < date '2021-01-01') select * from events where year = 2024`,
			want{"users": {"u1"}}, nil},
		{"cte columns known", `with x as (select id as k from users) select * from events, x where month = 1`,
			want{"events": {"2024-1"}, "users": allUsers}, nil},
		{"qualified name is not the cte", `with events as (select 1) select * from main.events where year = 2023`,
			want{"events": {"2023-11", "2023-12"}}, nil},
		{"recursive cte", `with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select * from r, events where year = 2024`,
			want{"events": {"2024-1", "2024-2", "2024-3"}}, nil},
		{"subquery in from", `select * from (select * from events where year = 2023) t where t.month = 12`,
			want{"events": {"2023-11", "2023-12"}}, nil},
		{"subquery star columns known", `select * from (select * from users) u, events where year = 2024`,
			want{"events": {"2024-1", "2024-2", "2024-3"}, "users": allUsers}, nil},
		{"subquery in where", `select * from users where id in (select id from events where month = 2)`,
			want{"events": {"2024-2"}, "users": allUsers}, nil},
		{"correlated exists", `select * from users u where exists (select 1 from events e where e.id = u.id and e.year = 2024)`,
			want{"events": {"2024-1", "2024-2", "2024-3"}, "users": allUsers}, nil},
		{"outer column in subquery", `select * from users u where exists (select 1 from events e where u.signup < date '2021-01-01')`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"scalar subquery is not constant", `select * from events where month = (select max(month) from users)`,
			want{"events": allEvents, "users": allUsers}, nil},
		{"union", `select id from events where year = 2023 union all select id from events where month = 3`,
			want{"events": {"2023-11", "2023-12", "2024-3"}}, map[string]string{"events": "year = 2023 OR month = 3"}},
		{"except", `select id from events where year = 2023 except select id from events where month = 3`,
			want{"events": {"2023-11", "2023-12", "2024-3"}}, nil},
		{"self join", `select * from events a join events b on a.id = b.id where a.month = 1 and b.month = 2`,
			want{"events": {"2024-1", "2024-2"}}, map[string]string{"events": "month = 1 OR month = 2"}},
		{"self join unconstrained", `select * from events a, events b where a.year = 2023`,
			want{"events": allEvents}, map[string]string{"events": "year = 2023 OR all"}},
		{"window", `select *, row_number() over () from events where year = 2024`,
			want{"events": {"2024-1", "2024-2", "2024-3"}}, nil},
		{"several statements", `select * from events where year = 2023; select * from users where signup > date '2021-01-01'`,
			want{"events": {"2023-11", "2023-12"}, "users": {"u2"}}, nil},
		{"query_table", `select * from query_table('events')`, want{"events": allEvents}, nil},
		{"query", `select * from query('select * from events where year = 2023')`, want{"events": allEvents}, nil},
		{"describe", `describe events`, want{"events": allEvents}, nil},
		{"summarize subquery", `summarize select * from events where year = 2023`, want{"events": {"2023-11", "2023-12"}}, nil},
		{"from first", `from events select id where month = 2`, want{"events": {"2024-2"}}, nil},
		{"no catalog table", `select 42`, want{}, nil},

		// TPC-H predicates against one lineitem/orders file per year.
		{"tpch q1", `select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty from lineitem
			where l_shipdate <= date '1998-12-01' - interval '90' day group by l_returnflag, l_linestatus order by 1, 2`,
			want{"lineitem": allYears}, map[string]string{"lineitem": "l_shipdate <= 1998-09-02 00:00:00"}},
		{"tpch q1 pruning", `select count(*) from lineitem where l_shipdate > date '1998-12-01' - interval '90' day`,
			want{"lineitem": {"1998"}}, nil},
		{"tpch q6", `select sum(l_extendedprice * l_discount) as revenue from lineitem
			where l_shipdate >= date '1994-01-01' and l_shipdate < date '1994-01-01' + interval '1' year
			and l_discount between 0.06 - 0.01 and 0.06 + 0.01 and l_quantity < 24`,
			want{"lineitem": {"1994"}}, nil},
		{"tpch q6 discount out of range", `select * from lineitem where l_discount between 0.2 and 0.3`,
			want{"lineitem": nil}, nil},
		{"tpch q3", `select l_orderkey, sum(l_extendedprice * (1 - l_discount)) as revenue, o_orderdate, o_shippriority
			from customer, orders, lineitem
			where c_mktsegment = 'BUILDING' and c_custkey = o_custkey and l_orderkey = o_orderkey
			and o_orderdate < date '1995-03-15' and l_shipdate > date '1995-03-15'
			group by l_orderkey, o_orderdate, o_shippriority order by revenue desc, o_orderdate limit 10`,
			want{"customer": {"0"}, "orders": {"1992", "1993", "1994", "1995"}, "lineitem": {"1995", "1996", "1997", "1998"}}, nil},
		{"tpch q4", `select o_orderpriority, count(*) as order_count from orders
			where o_orderdate >= date '1993-07-01' and o_orderdate < date '1993-07-01' + interval '3' month
			and exists (select * from lineitem where l_orderkey = o_orderkey and l_shipdate > date '1997-06-01')
			group by o_orderpriority order by o_orderpriority`,
			want{"orders": {"1993"}, "lineitem": {"1997", "1998"}}, nil},
		{"tpch q7", `select supp_nation, cust_nation, l_year, sum(volume) as revenue from (
				select n1.n_name as supp_nation, n2.n_name as cust_nation, extract(year from l_shipdate) as l_year,
					l_extendedprice * (1 - l_discount) as volume
				from supplier, lineitem, orders, customer, nation n1, nation n2
				where s_suppkey = l_suppkey and o_orderkey = l_orderkey and c_custkey = o_custkey
				and s_nationkey = n1.n_nationkey and c_nationkey = n2.n_nationkey
				and ((n1.n_name = 'FRANCE' and n2.n_name = 'GERMANY') or (n1.n_name = 'GERMANY' and n2.n_name = 'FRANCE'))
				and l_shipdate between date '1995-01-01' and date '1996-12-31'
			) as shipping group by supp_nation, cust_nation, l_year order by supp_nation, cust_nation, l_year`,
			want{"supplier": {"0"}, "lineitem": {"1995", "1996"}, "orders": allYears, "customer": {"0"}, "nation": {"0"}}, nil},
		{"tpch q14", `select 100.00 * sum(case when p_type like 'PROMO%' then l_extendedprice * (1 - l_discount) else 0 end)
				/ sum(l_extendedprice * (1 - l_discount)) as promo_revenue
			from lineitem, part where l_partkey = p_partkey
			and l_shipdate >= date '1995-09-01' and l_shipdate < date '1995-09-01' + interval '1' month`,
			want{"lineitem": {"1995"}, "part": {"0"}}, nil},
		{"tpch q19", `select sum(l_extendedprice * (1 - l_discount)) as revenue from lineitem, part
			where (p_partkey = l_partkey and p_brand = 'Brand#12' and l_quantity >= 1 and l_quantity <= 1 + 10
				and l_shipmode in ('AIR', 'AIR REG'))
			or (p_partkey = l_partkey and p_brand = 'Brand#23' and l_quantity >= 100 and l_quantity <= 100 + 10
				and l_shipmode in ('AIR', 'AIR REG'))`,
			want{"lineitem": allYears, "part": {"0"}},
			map[string]string{"lineitem": "(l_quantity >= 1 AND l_quantity <= 11 AND l_shipmode IN ('AIR', 'AIR REG')) OR (l_quantity >= 100 AND l_quantity <= 110 AND l_shipmode IN ('AIR', 'AIR REG'))"}},
		{"tpch q19 shipmode", `select * from lineitem where l_shipmode in ('ZEPPELIN', 'AAA')`, want{"lineitem": nil}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := prune.Analyze(ctx, db, tc.sql, cat.lookup)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			var got []string
			for name := range plan.Tables {
				got = append(got, name)
			}
			var wantTables []string
			for name := range tc.want {
				wantTables = append(wantTables, name)
			}
			slices.Sort(got)
			slices.Sort(wantTables)
			if !slices.Equal(got, wantTables) {
				t.Fatalf("tables = %v, want %v\n%s", got, wantTables, plan)
			}
			for name, files := range tc.want {
				need := plan.Tables[name]
				var kept []string
				for _, f := range need.Filter(cat.files[name]) {
					kept = append(kept, short(f))
				}
				if !slices.Equal(kept, files) {
					t.Errorf("%s: kept %v, want %v (need: %s)", name, kept, files, need)
				}
			}
			for name, s := range tc.str {
				if got := plan.Tables[name].String(); got != s {
					t.Errorf("%s: String() = %q, want %q", name, got, s)
				}
			}
		})
	}
}

func TestAnalyzeNotSelect(t *testing.T) {
	db := openDB(t)
	cat := newCatalog()
	for _, q := range []string{
		`insert into events select * from events`,
		`explain select * from events`,
		`create table x as select * from events where year = 2023`,
		`select * from events; delete from users`,
		`pivot events on year using count(*)`,
		`selec * from events`,
	} {
		_, err := prune.Analyze(context.Background(), db, q, cat.lookup)
		if !errors.Is(err, prune.ErrNotAnalyzable) {
			t.Errorf("%s: err = %v, want ErrNotAnalyzable", q, err)
		}
	}
}

func TestAnalyzeOthers(t *testing.T) {
	db := openDB(t)
	cat := newCatalog()
	plan, err := prune.Analyze(context.Background(), db,
		`with c as (select 1) select * from events, c, dtab, read_parquet('x.parquet'), main.v1`, cat.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dtab", "read_parquet()", "v1"}; !slices.Equal(plan.Others, want) {
		t.Errorf("Others = %v, want %v", plan.Others, want)
	}
}

// TestAnalyzeCollation checks that a session with a default collation gets no string pruning.
func TestAnalyzeCollation(t *testing.T) {
	db := openDB(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `SET default_collation = 'nocase'`); err != nil {
		t.Fatal(err)
	}
	cat := newCatalog()
	plan, err := prune.Analyze(context.Background(), conn, `select * from events where s = 'FIG' and year = 2024`, cat.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Tables["events"].String(); got != "year = 2024" {
		t.Errorf("String() = %q, want %q", got, "year = 2024")
	}
}

func TestAnalyzeCanceled(t *testing.T) {
	db := openDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := prune.Analyze(ctx, db, `select 1`, newCatalog().lookup); err == nil {
		t.Error("Analyze with a canceled context: no error")
	}
}

const tpchQ8 = `select o_year, sum(case when nation = 'BRAZIL' then volume else 0 end) / sum(volume) as mkt_share
from (
	select extract(year from o_orderdate) as o_year, l_extendedprice * (1 - l_discount) as volume, n2.n_name as nation
	from part, supplier, lineitem, orders, customer, nation n1, nation n2, region
	where p_partkey = l_partkey and s_suppkey = l_suppkey and l_orderkey = o_orderkey and o_custkey = c_custkey
	and c_nationkey = n1.n_nationkey and n1.n_regionkey = r_regionkey and r_name = 'AMERICA'
	and s_nationkey = n2.n_nationkey and o_orderdate between date '1995-01-01' and date '1996-12-31'
	and p_type = 'ECONOMY ANODIZED STEEL' and l_shipdate >= date '1995-01-01' + interval '3' month
) as all_nations
group by o_year order by o_year`

func BenchmarkAnalyze(b *testing.B) {
	db := openDB(b)
	conn, err := db.Conn(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	cat := newCatalog()
	ctx := context.Background()
	for b.Loop() {
		plan, err := prune.Analyze(ctx, conn, tpchQ8, cat.lookup)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(plan.Tables["orders"].Filter(cat.files["orders"])); n != 2 {
			b.Fatalf("orders kept %d files, want 2", n)
		}
	}
}

// TestAnalyzeSession checks constants that depend on the session: macros that shadow built-in
// functions or hide the clock, sequences, variables.
func TestAnalyzeSession(t *testing.T) {
	ctx := context.Background()
	conn, err := openDB(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range []string{
		`CREATE SEQUENCE seq`,
		`CREATE MACRO trunc(x) AS random()`, // interval literals call trunc
		`CREATE MACRO stamp() AS current_date`,
		`SET VARIABLE m = 3`,
	} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	cat := newCatalog()
	for _, tc := range []struct{ sql, want string }{
		{`select * from events where month = nextval('seq')`, "all"},
		{`select * from events where d < date '2024-01-01' + interval '1' month`, "all"},
		{`select * from events where d <= stamp()`, "all"},
		{`select * from events where d >= stamp()`, "all"},
		{`select * from events where month = getvariable('m')`, "month = 3"},
	} {
		plan, err := prune.Analyze(ctx, conn, tc.sql, cat.lookup)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := plan.Tables["events"].String(); got != tc.want {
			t.Errorf("%s: String() = %q, want %q", tc.sql, got, tc.want)
		}
	}
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT nextval('seq')`).Scan(&n); err != nil || n != 1 {
		t.Errorf("nextval after Analyze = %d, %v; want 1 (Analyze must not run volatile functions)", n, err)
	}
}

// TestKeepDoubt checks that files whose metadata cannot be trusted for a column are kept.
func TestKeepDoubt(t *testing.T) {
	cat := newCatalog()
	plan, err := prune.Analyze(context.Background(), openDB(t),
		`select * from events e, users u where e.year = 2023 and u.signup < date '2021-01-01'`, cat.lookup)
	if err != nil {
		t.Fatal(err)
	}
	users, events := plan.Tables["users"], plan.Tables["events"]
	for _, tc := range []struct {
		name string
		need *prune.Need
		file crawl.File
		keep bool
	}{
		{"stats in range", users, crawl.File{Rows: 1, Columns: []crawl.Column{col("signup", "DATE")},
			Stats: map[string]crawl.ColumnStats{"signup": stats("2020-01-01", "2020-02-01", 0)}}, true},
		{"stats out of range", users, crawl.File{Rows: 1, Columns: []crawl.Column{col("signup", "DATE")},
			Stats: map[string]crawl.ColumnStats{"signup": stats("2022-01-01", "2022-02-01", 0)}}, false},
		{"file type differs", users, crawl.File{Rows: 1, Columns: []crawl.Column{col("signup", "VARCHAR")},
			Stats: map[string]crawl.ColumnStats{"signup": stats("2022-01-01", "2022-02-01", 0)}}, true},
		{"column missing in file", users, crawl.File{Rows: 1, Columns: []crawl.Column{col("id", "BIGINT")},
			Stats: map[string]crawl.ColumnStats{"signup": stats("2022-01-01", "2022-02-01", 0)}}, true},
		{"no stats", users, crawl.File{Rows: 1}, true},
		{"unparsable stats", users, crawl.File{Rows: 1,
			Stats: map[string]crawl.ColumnStats{"signup": stats("infinity", "infinity", 0)}}, true},
		{"stats without min/max", users, crawl.File{Rows: 1,
			Stats: map[string]crawl.ColumnStats{"signup": {NullCount: 0}}}, true},
		{"partition out of range", events, crawl.File{Partition: map[string]string{"year": "2024"}}, false},
		{"partition key missing", events, crawl.File{Partition: map[string]string{"month": "1"}}, true},
		{"partition value empty", events, crawl.File{Partition: map[string]string{"year": ""}}, true},
		{"partition value not a number", events, crawl.File{Partition: map[string]string{"year": "last"}}, true},
		{"partition key case", events, crawl.File{Partition: map[string]string{"YEAR": "2024"}}, false},
	} {
		if got := tc.need.Keep(&tc.file); got != tc.keep {
			t.Errorf("%s: Keep = %v, want %v", tc.name, got, tc.keep)
		}
	}
}

// TestAnalyzeColumns: the columns a statement references, or All when it may read columns it
// does not name.
func TestAnalyzeColumns(t *testing.T) {
	db := openDB(t)
	cat := newCatalog()
	for _, tc := range []struct {
		sql   string
		all   bool
		names []string // sorted
	}{
		{"select amount from events where month = 3", false, []string{"amount", "month"}},
		{"select e.amount, u.name from events e join users u on e.user_id = u.id order by 1", false, []string{"amount", "e", "id", "name", "u", "user_id"}},
		{"select count(*) from events", false, nil},
		{"select sum(x) as total from events group by month order by total", false, []string{"month", "total", "x"}},
		{"with a as (select user_id from events) select user_id from a join users using (user_id)", false, []string{"user_id"}},
		{"select s.f.g from events", false, []string{"f", "g", "s"}},
		{"select * from events", true, nil},
		{"select * exclude (amount) from events", true, nil},
		{"select columns('a.*') from events", true, nil},
		{"select #1 from events", true, nil},
		{"select e from events e", true, nil},
		{"select sum(x) as users from events, users group by month order by users", false, []string{"month", "users", "x"}},
		{"select amount from events natural join users", true, nil},
		{"summarize events", true, nil},
		{"select amount from (select * from events)", true, nil},
		{"select id from users u where exists (select * from events e where e.user_id = u.id)", false, []string{"e", "id", "u", "user_id"}},
		{"select id from users u where not exists (select * from events e where e.user_id = u.id)", false, []string{"e", "id", "u", "user_id"}},
		{"select id from users where id in (select * from events)", true, nil},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			plan, err := prune.Analyze(context.Background(), db, tc.sql, cat.lookup)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Columns.All != tc.all {
				t.Errorf("All = %v, want %v", plan.Columns.All, tc.all)
			}
			if tc.all {
				return
			}
			got := slices.Sorted(maps.Keys(plan.Columns.Names))
			if !slices.Equal(got, tc.names) {
				t.Errorf("Names = %v, want %v", got, tc.names)
			}
		})
	}
}
