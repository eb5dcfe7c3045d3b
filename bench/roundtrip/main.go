// Command roundtrip measures lakebook's kernels as a person meets them and prints one table
// beside a real Jupyter kernel: paragraph round trips over the websocket, as the browser does
// them (from sending `run` to receiving the FINISHED status, with the outputs before it), for
// Go `1+1` and SQL `select 1`, against a real lakebook server process; the time to a ready Go
// kernel, taken from the warm pool and started cold (until the first `1+1` came back, as a
// notebook waits for it); and the Go kernel's memory. When Debian's python3-ipykernel is
// installed, the same is measured for it over ZMQ (jupyter.py); otherwise the anchor measured
// on these machines (DESIGN.md) is quoted.
//
//	LAKEBOOK_BIN=bin/lakebook go run ./bench/roundtrip [-n 500] [-python /usr/bin/python3]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lakebook/lakebook/bench/internal/serve"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/notebooks"
)

func main() {
	n := flag.Int("n", 500, "round trips per language")
	python := flag.String("python", "/usr/bin/python3", "the Python with Debian's python3-ipykernel, for the Jupyter column")
	flag.Parse()
	bin := os.Getenv("LAKEBOOK_BIN")
	if bin == "" {
		bin = "bin/lakebook"
	}
	dir, _ := os.MkdirTemp("", "lakebook-bench")
	defer os.RemoveAll(dir)
	const token = "bench-token"
	srv, err := serve.Start(bin, dir, token)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	host := srv.Host

	api := srv.API
	var nb, sqlP, goP struct{ ID string }
	api("POST", "/api/notebooks", map[string]string{"name": "bench"}, &nb)
	api("POST", "/api/notebooks/"+nb.ID+"/paragraphs", map[string]string{"lang": "sql", "text": "select 1"}, &sqlP)
	api("POST", "/api/notebooks/"+nb.ID+"/paragraphs", map[string]string{"lang": "go", "text": "1+1"}, &goP)

	conn, _, err := websocket.DefaultDialer.Dial("ws://"+host+"/ws/notebooks/"+nb.ID, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	var snap map[string]any
	conn.ReadJSON(&snap)

	req := 0
	runOnce := func(pid string) time.Duration {
		req++
		start := time.Now()
		conn.WriteJSON(map[string]any{"op": "run", "id": pid, "req": req})
		for {
			var ev struct {
				Type, Status string
				ID           string
				Error        any
			}
			if err := conn.ReadJSON(&ev); err != nil {
				log.Fatal(err)
			}
			if ev.Type == "error" {
				log.Fatalf("run error: %v", ev.Error)
			}
			if ev.Type == "status" && ev.ID == pid && (ev.Status == "FINISHED" || ev.Status == "ERROR") {
				if ev.Status == "ERROR" {
					log.Fatalf("paragraph failed: %v", ev.Error)
				}
				return time.Since(start)
			}
		}
	}
	rtt := map[string][]time.Duration{}
	for _, c := range []struct{ name, pid string }{{"sql", sqlP.ID}, {"go", goP.ID}} {
		runOnce(c.pid) // starts the kernel
		for range 20 {
			runOnce(c.pid)
		}
		d := make([]time.Duration, *n)
		for i := range d {
			d[i] = runOnce(c.pid)
		}
		rtt[c.name] = d
	}
	// The notebook's Go kernel, as the server runs it.
	mem, err := memory(notebookKernel(srv.Pid()))
	if err != nil {
		log.Fatalf("kernel memory: %v", err)
	}

	// Kernels started here run the binary the server runs: the standalone kernel beside it when
	// there is one.
	abs, _ := filepath.Abs(bin)
	if k := gokernel.Standalone(abs); k != "" {
		abs = k
	}
	private := []string{filepath.Join(dir, ".lakebook")}
	opts := func(i int) gokernel.Options {
		return gokernel.Options{Path: abs, Dir: filepath.Join(dir, ".lakebook", "kernels", fmt.Sprint("bench-", i)), Private: private}
	}
	ready := func(start func(int) (*gokernel.Kernel, error), i int) time.Duration {
		t0 := time.Now()
		k, err := start(i)
		if err != nil {
			log.Fatal(err)
		}
		if err := k.Run(context.Background(), "1+1", func(notebooks.Output) {}); err != nil {
			log.Fatal(err)
		}
		d := time.Since(t0)
		k.Close()
		return d
	}
	pool, err := gokernel.NewPool(gokernel.Options{Path: abs, Dir: filepath.Join(dir, ".lakebook", "kernel-pool")})
	if err != nil {
		log.Fatal(err)
	}
	const starts = 20
	fromPool := make([]time.Duration, starts)
	for i := range fromPool {
		time.Sleep(500 * time.Millisecond) // for the pool to start its next warm kernel
		fromPool[i] = ready(func(i int) (*gokernel.Kernel, error) { return pool.Start(context.Background(), opts(i)) }, i)
	}
	pool.Close()
	cold := make([]time.Duration, starts)
	for i := range cold {
		cold[i] = ready(func(i int) (*gokernel.Kernel, error) { return gokernel.Start(context.Background(), opts(i)) }, i)
	}

	jup, note := measureJupyter(*python, *n)
	report(os.Stdout, rtt, fromPool, cold, mem, jup, note, *n)

	benchNBQuery(abs)
}
