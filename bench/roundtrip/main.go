// Command roundtrip measures paragraph round trips over the websocket, as the browser does them:
// from sending `run` to receiving the FINISHED status (with the outputs before it), for SQL
// `select 1` and Go `1+1`, against a real lakebook server process; and the start of a Go kernel
// (`lakebook kernel`) until it is ready to run.
//
//	LAKEBOOK_BIN=bin/lakebook go run ./bench/roundtrip [-n 500]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lakebook/lakebook/bench/internal/serve"
	"github.com/lakebook/lakebook/kernels/gokernel"
)

func main() {
	n := flag.Int("n", 500, "round trips per language")
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
	for _, c := range []struct{ name, pid string }{{"sql select 1", sqlP.ID}, {"go 1+1", goP.ID}} {
		first := runOnce(c.pid) // includes starting the kernel
		for range 20 {
			runOnce(c.pid)
		}
		d := make([]time.Duration, *n)
		for i := range d {
			d[i] = runOnce(c.pid)
		}
		slices.Sort(d)
		fmt.Printf("%-14s first run (kernel start) %8v   p50 %8v   p99 %8v   max %8v   (n=%d)\n",
			c.name, first.Round(time.Microsecond), d[len(d)/2].Round(time.Microsecond), d[len(d)*99/100].Round(time.Microsecond), d[len(d)-1].Round(time.Microsecond), *n)
	}

	starts := make([]time.Duration, 30)
	for i := range starts {
		t0 := time.Now()
		k, err := gokernel.Start(context.Background(), gokernel.Options{Path: bin, Dir: dir})
		if err != nil {
			log.Fatal(err)
		}
		starts[i] = time.Since(t0)
		k.Close()
	}
	slices.Sort(starts)
	fmt.Printf("%-14s p50 %8v   max %8v   (n=%d)\n", "go kernel start", starts[len(starts)/2].Round(time.Microsecond), starts[len(starts)-1].Round(time.Microsecond), len(starts))
}
