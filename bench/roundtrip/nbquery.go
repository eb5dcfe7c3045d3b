package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
	"github.com/lakebook/lakebook/notebooks"
)

var nbQueryRuns = flag.Int("nbquery", 5, "runs of a Go paragraph's nb.Query of 1M rows (0: skip)")

// nbQuerySQL is a million rows of four common column types.
const nbQuerySQL = `select range as id, range * 0.5 as amount, 'origin-' || (range % 300) as origin,
	TIMESTAMP '2001-01-01' + to_seconds(range) as at from range(1000000)`

// benchNBQuery measures a Go paragraph that queries a million rows into Go with nb.Query and
// reads two columns as slices: the SQL run and Arrow encoding in the server, the bytes through
// the kernel's pipe, and the decoding in the kernel. The query alone, in SQL, is the floor.
func benchNBQuery(kernel string) {
	if *nbQueryRuns <= 0 {
		return
	}
	dir, err := os.MkdirTemp("", "lakebook-bench-nb")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	e, err := engine.Open(engine.Options{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	sk, err := sqlkernel.New(ctx, e)
	if err != nil {
		log.Fatal(err)
	}
	defer sk.Close()
	k, err := gokernel.Start(ctx, gokernel.Options{Path: kernel, Dir: dir, Data: struct{ gokernel.Data }{sk}})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	code := "t, err := nb.Query(`" + nbQuerySQL + "`)\nif err != nil { panic(err) }\nids, _ := t.Int64(\"id\")\namounts, _ := t.Float64(\"amount\")\nfmt.Println(len(ids), len(amounts))"
	var ipcBytes int
	measure := func(f func() error) []time.Duration {
		d := make([]time.Duration, *nbQueryRuns)
		for i := range d {
			t0 := time.Now()
			if err := f(); err != nil {
				log.Fatal(err)
			}
			d[i] = time.Since(t0)
		}
		return d
	}
	goRuns := measure(func() error {
		var out string
		err := k.Run(ctx, code, func(o notebooks.Output) { out += o.Text })
		if err == nil && out != "1000000 1000000\n" {
			err = fmt.Errorf("unexpected output %q", out)
		}
		return err
	})
	arrowRuns := measure(func() error {
		b, err := sk.QueryArrow(ctx, nbQuerySQL, 0)
		ipcBytes = len(b)
		return err
	})
	sqlRuns := measure(func() error {
		return sk.Run(ctx, "select count(*) from ("+nbQuerySQL+")", func(notebooks.Output) {})
	})
	p50 := func(d []time.Duration) time.Duration { return quantile(d, 50).Round(time.Millisecond) }
	fmt.Printf("%-14s p50 %8v   max %8v   (1M rows × 4 columns, %d MiB of Arrow; n=%d)\n", "nb.Query 1M",
		p50(goRuns), quantile(goRuns, 100).Round(time.Millisecond), ipcBytes>>20, *nbQueryRuns)
	fmt.Printf("%-14s server side (query + Arrow encoding) p50 %v; the query alone in SQL p50 %v\n", "", p50(arrowRuns), p50(sqlRuns))
}
