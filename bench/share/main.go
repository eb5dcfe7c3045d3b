// Command share load-tests a live share link: it starts a real lakebook server, shares a live
// chart of the 3 million flights (avg delay by origin) with a max age, lets N concurrent
// viewers load the link's page for a while, each as fast as it is answered, and reports the
// queries the link ran (one per max-age window is the goal), the pages served, and page latency.
//
//	LAKEBOOK_BIN=bin/lakebook LAKEBOOK_DATA=node_modules/vega-datasets/data go run ./bench/share [-viewers 200] [-duration 30s] [-max-age 5]
package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/lakebook/lakebook/bench/internal/serve"
)

func main() {
	viewers := flag.Int("viewers", 200, "concurrent viewers")
	duration := flag.Duration("duration", 30*time.Second, "how long they view")
	maxAge := flag.Int("max-age", 5, "the link's max age in seconds")
	flag.Parse()
	bin := cmp.Or(os.Getenv("LAKEBOOK_BIN"), "bin/lakebook")
	data := cmp.Or(os.Getenv("LAKEBOOK_DATA"), "node_modules/vega-datasets/data")

	dir, err := os.MkdirTemp("", "lakebook-bench-share")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	if err := copyFile(filepath.Join(data, "flights-3m.parquet"), filepath.Join(dir, "data", "flights-3m.parquet")); err != nil {
		log.Fatal(err)
	}
	const token = "bench-token"
	// The per-link rate limit is raised so the test measures the server, not the limiter.
	srv, err := serve.Start(bin, dir, token, "--share-rate", "1000000")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	base := "http://" + srv.Host

	api := srv.API
	var nb, p struct{ ID string }
	api("POST", "/api/notebooks", map[string]string{"name": "bench-share"}, &nb)
	api("POST", "/api/notebooks/"+nb.ID+"/paragraphs", map[string]string{"lang": "sql",
		"text": "select origin, avg(delay) as delay from 'data/flights-3m.parquet' group by origin"}, &p)
	chart := `{"type":"bar","keys":["origin"],"values":[{"column":"delay","agg":"avg"}]}`
	api("PATCH", "/api/notebooks/"+nb.ID+"/paragraphs/"+p.ID, map[string]any{"settings": map[string]string{"view": "chart", "chart": chart}}, nil)
	var link struct{ URL, Token string }
	api("POST", "/api/shares", map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "live", "maxAge": *maxAge}, &link)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *viewers}}
	var (
		mu     sync.Mutex
		lat    []time.Duration
		status = map[int]int{}
		failed int
	)
	start := time.Now()
	end := start.Add(*duration)
	var wg sync.WaitGroup
	for range *viewers {
		wg.Go(func() {
			var mine []time.Duration
			mystatus := map[int]int{}
			myfailed := 0
			for time.Now().Before(end) {
				t0 := time.Now()
				resp, err := client.Get(base + link.URL)
				if err != nil {
					myfailed++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				mystatus[resp.StatusCode]++
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range mystatus {
				status[k] += v
			}
			failed += myfailed
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var list struct {
		Shares []struct {
			Queries int64 `json:"queries"`
			Views   int64 `json:"views"`
		} `json:"shares"`
	}
	api("GET", "/api/shares", nil, &list)
	slices.Sort(lat)
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(math.Ceil(q*float64(len(lat))))-1)]
	}
	windows := int(math.Ceil(elapsed.Seconds()/float64(*maxAge))) + 1
	fmt.Printf("live share link: %d viewers for %s, max age %ds\n", *viewers, elapsed.Round(time.Millisecond), *maxAge)
	fmt.Printf("  queries run:   %d (at most %d windows, counting the run at creation)\n", list.Shares[0].Queries, windows)
	fmt.Printf("  pages served:  %d (%.0f/s), statuses %v, transport errors %d, views counted %d\n",
		len(lat), float64(len(lat))/elapsed.Seconds(), status, failed, list.Shares[0].Views)
	fmt.Printf("  page latency:  p50 %s  p99 %s  max %s\n", pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
