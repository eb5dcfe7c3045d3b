package crawl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/objstore/objstoretest"
)

func forEachBackend(t *testing.T, fn func(t *testing.T, s *objstore.Store)) {
	objstoretest.ForEachBackend(t, "lake", fn)
}

const rowsPerFile = 20_000

// salesParquet writes rows with id BIGINT, amount DOUBLE (or VARCHAR when
// amountAsString), name VARCHAR, ts TIMESTAMP, in row groups of 10,000.
func salesParquet(t testing.TB, seed int64, amountAsString bool) []byte {
	t.Helper()
	amountType := arrow.DataType(arrow.PrimitiveTypes.Float64)
	if amountAsString {
		amountType = arrow.BinaryTypes.String
	}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: amountType, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := int64(0); i < rowsPerFile; i++ {
		id := seed*rowsPerFile + i
		b.Field(0).(*array.Int64Builder).Append(id)
		if amountAsString {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprint(id % 1000))
		} else if i%100 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(float64(id%1000) / 10)
		}
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("customer-%05d", id%5000))
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(base + id*1_000_000))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(sc, &buf,
		parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(10_000), parquet.WithStats(true)),
		pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func put(t *testing.T, s *objstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, data); err != nil {
		t.Fatal(err)
	}
}

func TestCrawlParquet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		ctx := context.Background()
		var total int64
		seed := int64(0)
		for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
			for p := 0; p < 2; p++ {
				data := salesParquet(t, seed, false)
				seed++
				total += int64(len(data))
				put(t, s, fmt.Sprintf("sales/month=%s/part-%d.parquet", m, p), data)
			}
		}
		put(t, s, "sales/_SUCCESS", nil)

		s.ResetStats()
		start := time.Now()
		tab, ch, err := crawl.Crawl(ctx, s, "sales", nil)
		if err != nil {
			t.Fatal(err)
		}
		st := s.Stats()
		t.Logf("crawl: %d files, %d bytes of data, read %d bytes in %d requests, %s",
			len(tab.Files), total, st.RangeBytesRead, st.RangeRequests, time.Since(start))

		if tab.Format != "parquet" || len(tab.Files) != 6 || tab.Rows() != 6*rowsPerFile {
			t.Fatalf("table: format %s, %d files, %d rows", tab.Format, len(tab.Files), tab.Rows())
		}
		if got := fmt.Sprint(tab.PartitionKeys); got != "[{month VARCHAR}]" {
			t.Fatalf("partition keys %s", got)
		}
		if got := fmt.Sprint(tab.Columns); got != "[{id BIGINT} {amount DOUBLE} {name VARCHAR} {ts TIMESTAMP}]" {
			t.Fatalf("columns %s", got)
		}
		if got := fmt.Sprint(tab.Partitions()); got != "[month=2024-01 month=2024-02 month=2024-03]" {
			t.Fatalf("partitions %s", got)
		}
		f := tab.Files[0]
		if f.Key != "sales/month=2024-01/part-0.parquet" || f.Partition["month"] != "2024-01" || f.RowGroups != 2 {
			t.Fatalf("file %+v", f)
		}
		// The layout: the footer at the end, two chunks (row groups) per column, in the file.
		if l := f.Layout; l == nil || l.Footer.Len != f.Footer || l.Footer.End() != f.Size || len(l.Cols["amount"]) < 2 {
			t.Fatalf("layout %+v (footer %d, size %d)", l, f.Footer, f.Size)
		}
		if rs := f.Layout.Ranges([]string{"id"}); len(rs) < 2 || rs[len(rs)-1].End() != f.Size {
			t.Fatalf("ranges of id: %v", rs)
		}
		if id := f.Stats["id"]; !id.HasMinMax || id.Min != "0" || id.Max != "19999" || id.NullCount != 0 {
			t.Fatalf("id stats %+v", id)
		}
		if a := f.Stats["amount"]; a.NullCount != 200 || a.Min != "0.1" || a.Max != "99.9" {
			t.Fatalf("amount stats %+v", a)
		}
		if ts := f.Stats["ts"]; ts.Min != "2024-01-01 00:00:00" || ts.Max != "2024-01-01 05:33:19" {
			t.Fatalf("ts stats %+v", ts)
		}
		if n := f.Stats["name"]; n.Min != "customer-00000" || n.Max != "customer-04999" {
			t.Fatalf("name stats %+v", n)
		}
		if len(ch.NewPartitions) != 3 || len(ch.NewColumns) != 4 || ch.FilesRead != 6 {
			t.Fatalf("changes %+v", ch)
		}
		// footers only: one tail request per file, a tiny fraction of the data
		if st.RangeRequests != 6 || st.RangeBytesRead*20 > total || st.Downloads != 0 {
			t.Fatalf("crawl read %d bytes in %d requests of %d", st.RangeBytesRead, st.RangeRequests, total)
		}

		// unchanged re-crawl reads nothing
		s.ResetStats()
		tab2, ch, err := crawl.Crawl(ctx, s, "sales/", tab)
		if err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); st.RangeRequests != 0 || ch.FilesRead != 0 || !ch.Empty() {
			t.Fatalf("unchanged re-crawl: stats %+v changes %+v", st, ch)
		}
		if tab2.Rows() != tab.Rows() || tab2.Files[3].Stats["id"] != tab.Files[3].Stats["id"] {
			t.Fatal("re-crawl lost metadata")
		}

		// a new partition, a removed file, a changed column type
		put(t, s, "sales/month=2024-04/part-0.parquet", salesParquet(t, 100, false))
		if err := s.Delete(ctx, "sales/month=2024-02/part-1.parquet"); err != nil {
			t.Fatal(err)
		}
		put(t, s, "sales/month=2024-03/part-1.parquet", salesParquet(t, 5, true))
		s.ResetStats()
		tab3, ch, err := crawl.Crawl(ctx, s, "sales", tab2)
		if err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); ch.FilesRead != 2 || st.RangeRequests != 2 {
			t.Fatalf("re-crawl read %d files, stats %+v", ch.FilesRead, st)
		}
		if fmt.Sprint(ch.NewPartitions) != "[month=2024-04]" || len(ch.RemovedPartitions) != 0 {
			t.Fatalf("partitions: %+v", ch)
		}
		if fmt.Sprint(ch.RemovedFiles) != "[sales/month=2024-02/part-1.parquet]" ||
			fmt.Sprint(ch.ChangedFiles) != "[sales/month=2024-03/part-1.parquet]" ||
			fmt.Sprint(ch.NewFiles) != "[sales/month=2024-04/part-0.parquet]" {
			t.Fatalf("files: %+v", ch)
		}
		if fmt.Sprint(ch.ChangedColumns) != "[{amount DOUBLE VARCHAR}]" || len(tab3.Warnings) != 1 {
			t.Fatalf("columns: %+v warnings %v", ch.ChangedColumns, tab3.Warnings)
		}
		if !strings.Contains(tab3.Warnings[0], "sales/month=2024-03/part-1.parquet") {
			t.Fatalf("warning does not name the file: %v", tab3.Warnings)
		}
		if tab3.Rows() != 6*rowsPerFile {
			t.Fatalf("rows %d", tab3.Rows())
		}
	})
}

func TestCrawlBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		ctx := context.Background()
		good := salesParquet(t, 0, false)

		put(t, s, "odd/month=2024-01/part-0.parquet", good)
		put(t, s, "odd/day=2024-01-02/part-0.parquet", good)
		_, _, err := crawl.Crawl(ctx, s, "odd", nil)
		if err == nil || !strings.Contains(err.Error(), "inconsistent partitions") ||
			!strings.Contains(err.Error(), "odd/month=2024-01/part-0.parquet") {
			t.Fatalf("inconsistent keys: %v", err)
		}

		put(t, s, "deep/month=2024-01/part-0.parquet", good)
		put(t, s, "deep/part-1.parquet", good)
		if _, _, err := crawl.Crawl(ctx, s, "deep", nil); err == nil || !strings.Contains(err.Error(), "deep/part-1.parquet") {
			t.Fatalf("unpartitioned file in partitioned table: %v", err)
		}

		put(t, s, "fake/month=1/part-0.parquet", good)
		put(t, s, "fake/month=2/notes.parquet", []byte("these are not the rows you are looking for"))
		_, _, err = crawl.Crawl(ctx, s, "fake", nil)
		if !errors.Is(err, crawl.ErrNotParquet) || !strings.Contains(err.Error(), "fake/month=2/notes.parquet") {
			t.Fatalf("non-parquet: %v", err)
		}
		t.Log(err)

		_, _, err = crawl.Crawl(ctx, s, "nothing-here", nil)
		if !errors.Is(err, crawl.ErrNoFiles) || !strings.Contains(err.Error(), "nothing-here/") {
			t.Fatalf("empty prefix: %v", err)
		}
		t.Log(err)
	})
}

func TestCrawlText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *objstore.Store) {
		ctx := context.Background()
		put(t, s, "csv/dt=2024-01-01/a.csv", []byte("id,price,ok,day,at,name\n1,1.5,true,2024-01-01,2024-01-01 10:00:00,x\n2,,false,2024-01-02,2024-01-01T11:00:00,y\n"))
		put(t, s, "csv/dt=2024-01-02/a.csv", []byte("id,price,ok,day,at,name\n3,2,true,2024-01-03,2024-01-03 10:00:00,3\n"))
		tab, _, err := crawl.Crawl(ctx, s, "csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(tab.Columns, tab.PartitionKeys, tab.Rows()); got != "[{id BIGINT} {price DOUBLE} {ok BOOLEAN} {day DATE} {at TIMESTAMP} {name VARCHAR}] [{dt DATE}] 3" {
			t.Fatalf("csv: %s", got)
		}

		put(t, s, "json/n=1/a.jsonl", []byte(`{"id":1,"v":1,"tags":["a"],"when":"2024-01-01","s":"x"}`+"\n"+`{"id":2,"v":2.5,"tags":null,"when":"2024-01-02","s":"7"}`+"\n"))
		put(t, s, "json/n=2/a.jsonl", []byte(`{"id":3,"extra":true}`+"\n"))
		tab, _, err = crawl.Crawl(ctx, s, "json", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(tab.Columns, tab.PartitionKeys, tab.Rows()); got != "[{id BIGINT} {v DOUBLE} {tags JSON} {when DATE} {s VARCHAR} {extra BOOLEAN}] [{n BIGINT}] 3" {
			t.Fatalf("json: %s", got)
		}

		// a sample smaller than the file: one ranged read, rows unknown
		var big bytes.Buffer
		big.WriteString("a,b\n")
		for i := 0; i < 50_000; i++ {
			fmt.Fprintf(&big, "%d,%d.5\n", i, i)
		}
		put(t, s, "bigcsv/x.csv", big.Bytes())
		s.ResetStats()
		tab, _, err = crawl.Crawl(ctx, s, "bigcsv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); st.RangeRequests != 1 || st.RangeBytesRead != 64<<10 || tab.Rows() != -1 || fmt.Sprint(tab.Columns) != "[{a BIGINT} {b DOUBLE}]" {
			t.Fatalf("big csv: %+v %v rows %d", st, tab.Columns, tab.Rows())
		}
	})
}
