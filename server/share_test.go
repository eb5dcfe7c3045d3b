package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakebook/lakebook/engine"
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/kernels/sqlkernel"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/server"
	"github.com/lakebook/lakebook/store/shares"
)

// The test binary is its own Go kernel child: gokernel.Start runs os.Executable() with the
// argument "kernel", as it runs the lakebook binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "kernel" {
		os.Exit(gokernel.RunChild())
	}
	os.Exit(m.Run())
}

// countingKernel is the real SQL kernel, counting the queries it runs.
type countingKernel struct {
	*sqlkernel.Kernel
	runs *atomic.Int64
}

func (k countingKernel) Run(ctx context.Context, code string, emit func(notebooks.Output)) error {
	k.runs.Add(1)
	return k.Kernel.Run(ctx, code, emit)
}

var _ server.ResultViewer = countingKernel{}

// shareServer is a real server with the real SQL engine and a real link store; runs counts
// every SQL query, the notebook's and the links'.
type shareServer struct {
	*testServer
	runs *atomic.Int64
}

func newShareServer(t testing.TB, rate float64) *shareServer {
	t.Helper()
	dir := t.TempDir()
	e, err := engine.Open(engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	st, err := shares.Open(filepath.Join(dir, "shares"))
	if err != nil {
		t.Fatal(err)
	}
	runs := &atomic.Int64{}
	ts := newTestServerOpts(t, server.Options{Shares: st, ShareRate: rate,
		NewKernel: func(ctx context.Context, lang notebooks.Lang, id string) (server.Kernel, error) {
			if lang != notebooks.SQL && lang != notebooks.Go {
				return nil, notebooks.Errorf(notebooks.EUnavailable, "no %s kernel in this test", lang)
			}
			k, err := sqlkernel.New(ctx, e)
			if err != nil {
				return nil, err
			}
			if lang == notebooks.Go {
				// The real Go kernel, this test binary run as its child (see TestMain).
				g, err := gokernel.Start(ctx, gokernel.Options{Dir: filepath.Join(dir, "kernels", id), Data: k})
				if err != nil {
					k.Close()
					return nil, err
				}
				return g, nil
			}
			return countingKernel{k, runs}, nil
		}})
	return &shareServer{testServer: ts, runs: runs}
}

const barChart = `{"type":"bar","keys":["k"],"values":[{"column":"v","agg":"sum"}]}`

// chartParagraph adds a SQL paragraph showing a bar chart and runs it.
func (ts *shareServer) chartParagraph(t testing.TB, nbID, sql string, settings map[string]string) paragraph {
	t.Helper()
	p := ts.add(t, nbID, "sql", sql)
	s := map[string]string{"view": "chart", "chart": barChart}
	for k, v := range settings {
		s[k] = v
	}
	if code := ts.call(t, "PATCH", "/api/notebooks/"+nbID+"/paragraphs/"+p.ID, map[string]any{"settings": s}, nil); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	var res runResultView
	if code := ts.call(t, "POST", "/api/notebooks/"+nbID+"/paragraphs/"+p.ID+"/run", nil, &res); code != 200 || res.Status != "FINISHED" {
		t.Fatalf("run: %d %+v", code, res)
	}
	return p
}

type shareLink struct {
	Token   string `json:"token"`
	URL     string `json:"url"`
	ChartID string `json:"chartId"`
	State   string `json:"state"`
	Views   int64  `json:"views"`
	Queries int64  `json:"queries"`
}

func (ts *shareServer) share(t testing.TB, body map[string]any) shareLink {
	t.Helper()
	var l shareLink
	var e apiError
	if code := ts.call(t, "POST", "/api/shares", body, &l); code != 201 {
		ts.call(t, "POST", "/api/shares", body, &e)
		t.Fatalf("share: %d %+v", code, e)
	}
	return l
}

// anon fetches path like a stranger: no token, no cookie, no redirects followed.
func (ts *shareServer) anon(t testing.TB, path string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

var shareDataRe = regexp.MustCompile(`(?s)<script id="share-data" type="application/json">(.*?)</script>`)

func TestShareSnapshot(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "sales")
	p := ts.chartParagraph(t, nb.ID, `select * from (values ('a', 1), ('b', 2), ('b', 5), ('</script><script>alert(1)</script>', 4)) t(k, v)`, nil)
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot", "table": true, "csv": true})
	if !shares.ValidToken(l.Token) || l.URL != "/s/"+l.Token || l.ChartID == "" || l.State != "active" {
		t.Fatalf("link %+v", l)
	}

	code, body, h := ts.anon(t, l.URL)
	if code != 200 {
		t.Fatalf("share page: %d %s", code, body)
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
	m := shareDataRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no chart data in the page: %s", body)
	}
	// b sums to 7 over the whole result; the hostile key stays inside the JSON.
	if !strings.Contains(m[1], `"b",7`) || strings.Contains(m[1], "</script>") {
		t.Errorf("chart data %s", m[1])
	}
	for _, want := range []string{`property="og:image" content="` + ts.URL + l.URL + `.png"`, `data-testid="share-table"`, `data-testid="share-csv"`, "/static/share.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "app.js") || strings.Contains(body, "select * from") {
		t.Errorf("the share page shows the app or the query")
	}

	code, img, h := ts.anon(t, l.URL+".png")
	if code != 200 || h.Get("Content-Type") != "image/png" {
		t.Fatalf("png: %d %s", code, h.Get("Content-Type"))
	}
	pic, err := png.Decode(strings.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	if b := pic.Bounds(); b.Dx() != 1200 || b.Dy() != 630 || len(img) < 5000 {
		t.Errorf("png %v, %d bytes", b, len(img))
	}
	code, svg, _ := ts.anon(t, l.URL+".svg")
	if code != 200 || !strings.Contains(svg, "<svg") || strings.Contains(svg, "<script") {
		t.Errorf("svg: %d %.200s", code, svg)
	}
	code, text, _ := ts.anon(t, l.URL+".csv")
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if code != 200 || err != nil || len(rows) != 5 || rows[0][0] != "k" || rows[2][1] != "2" {
		t.Errorf("csv: %d %v %q", code, err, rows)
	}

	// The snapshot is frozen: editing the paragraph and deleting the notebook for good (to the
	// trash, then emptying it) change nothing.
	ts.call(t, "PATCH", "/api/notebooks/"+nb.ID+"/paragraphs/"+p.ID, map[string]any{"text": "select 'z' as k, 100 as v"}, nil)
	if code := ts.call(t, "DELETE", "/api/notebooks/"+nb.ID, nil, nil); code != 200 {
		t.Fatalf("delete notebook: %d", code)
	}
	if code := ts.call(t, "DELETE", "/api/trash", nil, nil); code != 200 {
		t.Fatalf("empty the trash: %d", code)
	}
	code, body2, _ := ts.anon(t, l.URL)
	if code != 200 || shareDataRe.FindStringSubmatch(body2)[1] != m[1] {
		t.Errorf("after delete: %d", code)
	}

	// Views are counted; revoke makes the link gone.
	var list struct {
		Shares []shareLink `json:"shares"`
	}
	ts.call(t, "GET", "/api/shares", nil, &list)
	if len(list.Shares) != 1 || list.Shares[0].Views != 2 {
		t.Errorf("list %+v", list)
	}
	if code := ts.call(t, "DELETE", "/api/shares/"+l.Token, nil, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	for _, path := range []string{l.URL, l.URL + ".png", l.URL + ".csv"} {
		if code, _, _ := ts.anon(t, path); code != http.StatusGone {
			t.Errorf("%s after revoke: %d", path, code)
		}
	}
}

// runParagraph runs a paragraph and fails unless it finishes.
func (ts *shareServer) runParagraph(t testing.TB, nbID, pid string) {
	t.Helper()
	var res runResultView
	if code := ts.call(t, "POST", "/api/notebooks/"+nbID+"/paragraphs/"+pid+"/run", nil, &res); code != 200 || res.Status != "FINISHED" {
		t.Fatalf("run: %d %+v", code, res)
	}
}

// sharedChart is the chart and points a share page embeds, nil when it shows no chart.
func sharedChart(t testing.TB, page string) *struct {
	Chart notebooks.Chart       `json:"chart"`
	Pivot notebooks.PivotResult `json:"pivot"`
} {
	t.Helper()
	m := shareDataRe.FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	var d struct {
		Chart notebooks.Chart       `json:"chart"`
		Pivot notebooks.PivotResult `json:"pivot"`
	}
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("share data %s: %v", m[1], err)
	}
	return &d
}

// TestShareGoChart: a Go paragraph's nb.Chart is what its notebook shows until the reader
// picks a view of their own, and the share link shows what the notebook shows: the page's
// chart and points, and the picture.
func TestShareGoChart(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "go")
	const code = `type row struct {
	K string
	V int64
}
nb.Chart{Type: "bar", Data: []row{{"a", 1}, {"b", 2}, {"b", 5}}, Keys: []string{"K"}, Values: []string{"sum(V)"}}`
	for _, tc := range []struct {
		name     string
		settings map[string]string
		// want is the chart type the page shows, "" for the table.
		want string
	}{
		{"the code's chart", nil, "bar"},
		{"the reader picked the table", map[string]string{"view": "table"}, ""},
		{"the reader changed the chart", map[string]string{"view": "chart", "chart": `{"type":"line","keys":["K"],"values":[{"column":"V","agg":"sum"}]}`}, "line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ts.add(t, nb.ID, "go", code)
			if tc.settings != nil {
				if c := ts.call(t, "PATCH", "/api/notebooks/"+nb.ID+"/paragraphs/"+p.ID, map[string]any{"settings": tc.settings}, nil); c != 200 {
					t.Fatalf("settings: %d", c)
				}
			}
			ts.runParagraph(t, nb.ID, p.ID)
			l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
			status, page, _ := ts.anon(t, l.URL)
			if status != 200 {
				t.Fatalf("share page: %d %s", status, page)
			}
			d := sharedChart(t, page)
			pngStatus, img, _ := ts.anon(t, l.URL+".png")
			if tc.want == "" {
				if d != nil || !strings.Contains(page, `data-testid="share-table"`) {
					t.Errorf("the page shows a chart, or no table: %s", page)
				}
				if pngStatus == 200 {
					t.Errorf("a table's link has a picture")
				}
				return
			}
			if d == nil {
				t.Fatalf("the page shows no chart: %s", page)
			}
			if d.Chart.Type != tc.want || len(d.Chart.Keys) != 1 || d.Chart.Keys[0] != "K" {
				t.Errorf("chart %+v, want a %s of K", d.Chart, tc.want)
			}
			// b sums to 7: the points are the whole table's, frozen.
			got := map[string]float64{}
			for _, r := range d.Pivot.Rows {
				got[r[0].(string)] = r[1].(float64)
			}
			if got["a"] != 1 || got["b"] != 7 {
				t.Errorf("points %v", d.Pivot.Rows)
			}
			if pngStatus != 200 {
				t.Fatalf("png: %d %.300s", pngStatus, img)
			}
			pic, err := png.Decode(strings.NewReader(img))
			if err != nil || pic.Bounds().Dx() != 1200 || len(img) < 5000 {
				t.Fatalf("png: %v, %d bytes", err, len(img))
			}
		})
	}

	// A Go paragraph cannot be re-run for a viewer: only a snapshot of it is shared.
	p := ts.add(t, nb.ID, "go", code)
	ts.runParagraph(t, nb.ID, p.ID)
	var e apiError
	if c := ts.call(t, "POST", "/api/shares", map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "live"}, &e); c != 400 || !strings.Contains(e.Error.Message, "cannot be shared live") {
		t.Errorf("live Go share: %d %+v", c, e)
	}
}

// settingsOf reads a paragraph's settings through the API.
func (ts *shareServer) settingsOf(t testing.TB, nbID, pid string) map[string]string {
	t.Helper()
	var nb struct {
		Paragraphs []struct {
			ID       string            `json:"id"`
			Settings map[string]string `json:"settings"`
		} `json:"paragraphs"`
	}
	if code := ts.call(t, "GET", "/api/notebooks/"+nbID, nil, &nb); code != 200 {
		t.Fatalf("get notebook: %d", code)
	}
	for _, p := range nb.Paragraphs {
		if p.ID == pid {
			return p.Settings
		}
	}
	t.Fatalf("no paragraph %s", pid)
	return nil
}

// TestShareKeepsConcurrentEdits: the first share of a chart gives its paragraph a chart id; a
// settings change another browser makes while that happens (switching the chart type) is
// neither lost nor overwritten, and the link shows it.
func TestShareKeepsConcurrentEdits(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "n")
	lineChart := strings.Replace(barChart, "bar", "line", 1)
	setChart := func(pid, chart string) {
		if code := ts.call(t, "PATCH", "/api/notebooks/"+nb.ID+"/paragraphs/"+pid, map[string]any{"settings": map[string]string{"view": "chart", "chart": chart}}, nil); code != 200 {
			t.Errorf("another browser's edit: %d", code)
		}
	}

	p := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	var reads atomic.Int64 // the hook runs on the server's goroutines
	server.SetBeforeChartID(t, func(pid string) {
		if reads.Add(1) == 1 {
			setChart(pid, lineChart)
		}
	})
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
	got := ts.settingsOf(t, nb.ID, p.ID)
	if got["chart"] != lineChart || got["chartId"] == "" || got["chartId"] != l.ChartID || reads.Load() != 2 {
		t.Errorf("settings %v after %d reads, link chart id %q: want the line chart kept and the link's chart id", got, reads.Load(), l.ChartID)
	}
	_, page, _ := ts.anon(t, l.URL)
	if d := sharedChart(t, page); d == nil || d.Chart.Type != "line" {
		t.Errorf("the link shows %+v, want the line chart", d)
	}

	// A paragraph that changes at every attempt is not shared: the sharer is told, no link is
	// made, and the last edit stands.
	p2 := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	var n atomic.Int64
	chartAt := func(i int64) string { return map[bool]string{true: barChart, false: lineChart}[i%2 == 0] }
	server.SetBeforeChartID(t, func(pid string) { setChart(pid, chartAt(n.Add(1))) })
	var e apiError
	if code := ts.call(t, "POST", "/api/shares", map[string]any{"notebook": nb.ID, "paragraph": p2.ID, "mode": "snapshot"}, &e); code != 409 || !strings.Contains(e.Error.Message, "kept changing") {
		t.Errorf("share of a paragraph always changing: %d %+v", code, e)
	}
	got = ts.settingsOf(t, nb.ID, p2.ID)
	if got["chartId"] != "" || got["chart"] != chartAt(n.Load()) || n.Load() != 5 {
		t.Errorf("settings %v after %d edits, want the 5th edit's", got, n.Load())
	}
	var list struct {
		Shares []shareLink `json:"shares"`
	}
	ts.call(t, "GET", "/api/shares", nil, &list)
	if len(list.Shares) != 1 {
		t.Errorf("%d links, want the first one only", len(list.Shares))
	}
}

func TestShareExpiry(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "n")
	p := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
	var e apiError
	if code := ts.call(t, "PATCH", "/api/shares/"+l.Token, map[string]any{"expires": "2001-01-01T00:00:00Z"}, &e); code != 400 {
		t.Errorf("expiry in the past: %d", code)
	}
	exp := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	if code := ts.call(t, "PATCH", "/api/shares/"+l.Token, map[string]any{"expires": exp}, nil); code != 200 {
		t.Fatalf("set expiry: %d", code)
	}
	if code, _, _ := ts.anon(t, l.URL); code != 200 {
		t.Fatalf("before expiry: %d", code)
	}
	time.Sleep(1600 * time.Millisecond)
	code, body, _ := ts.anon(t, l.URL)
	if code != http.StatusGone || !strings.Contains(body, "expire") {
		t.Errorf("after expiry: %d %s", code, body)
	}
	// Lifting the expiry brings it back.
	if code := ts.call(t, "PATCH", "/api/shares/"+l.Token, map[string]any{"expires": nil}, nil); code != 200 {
		t.Fatalf("lift expiry: %d", code)
	}
	if code, _, _ := ts.anon(t, l.URL); code != 200 {
		t.Errorf("after lifting expiry: %d", code)
	}
}

// TestShareGrantsOnlyTheChart: a share link opens nothing but its chart, however it is bent.
func TestShareGrantsOnlyTheChart(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "secret")
	p := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
	tok := l.Token
	tests := []struct {
		name   string
		path   string
		header []string
		want   []int
	}{
		{"api", "/api/notebooks", nil, []int{401}},
		{"api shares", "/api/shares", nil, []int{401}},
		{"notebook page", "/notebooks/" + nb.ID, nil, []int{401}},
		{"websocket", "/ws/notebooks/" + nb.ID, nil, []int{401}},
		{"result", "/api/notebooks/" + nb.ID + "/paragraphs/" + p.ID + "/result", nil, []int{401}},
		{"share token as bearer", "/api/notebooks", []string{"Authorization", "Bearer " + tok}, []int{401}},
		{"share token as cookie", "/api/notebooks", []string{"Cookie", server.CookieName + "=" + tok}, []int{401}},
		{"share token as login", "/?token=" + tok, nil, []int{401}},
		{"dot segments", "/s/" + tok + "/../api/notebooks", nil, []int{301, 307, 308, 401}},
		{"encoded slash", "/s/" + tok + "%2F..%2F..%2Fapi%2Fnotebooks", nil, []int{404}},
		{"encoded dots", "/s/%2E%2E%2Fapi%2Fnotebooks", nil, []int{404}},
		{"sub path", "/s/" + tok + "/notebook", nil, []int{404}},
		{"other extension", "/s/" + tok + ".json", nil, []int{404}},
		{"csv not allowed", "/s/" + tok + ".csv", nil, []int{404}},
		{"unknown token", "/s/" + shares.NewToken(), nil, []int{404}},
		{"short token", "/s/abc", nil, []int{404}},
		{"post", "/s/" + tok, nil, []int{200}}, // GET with odd headers still shows only the chart
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := ts.anon(t, tt.path, tt.header...)
			ok := false
			for _, w := range tt.want {
				ok = ok || code == w
			}
			if !ok {
				t.Errorf("%s: %d, want %v: %.200s", tt.path, code, tt.want, body)
			}
			if code == 200 && strings.Contains(body, "select 'a'") {
				t.Errorf("%s shows the query", tt.path)
			}
		})
	}
	// Methods other than GET are not served under /s/.
	req, _ := http.NewRequest("POST", ts.URL+"/s/"+tok, strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /s/TOKEN: %d", resp.StatusCode)
	}
}

func TestShareLive(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "live")
	sql := `select * from (values ('a', 1), ('b', 2), ('c', 3)) t(k, v) where k <> ${skip=c,a|b|c}`
	p := ts.chartParagraph(t, nb.ID, sql, map[string]string{"forms": `{"skip":"a"}`})
	before := ts.runs.Load()
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "live", "maxAge": 2, "table": true})
	if got := ts.runs.Load() - before; got != 1 {
		t.Fatalf("creating a live link ran %d queries, want 1", got)
	}

	// 50 viewers at once inside the window: no query at all.
	page := func(path string) string {
		code, body, _ := ts.anon(t, path)
		if code != 200 {
			t.Errorf("%s: %d %.300s", path, code, body)
		}
		return shareDataRe.FindStringSubmatch(body)[1]
	}
	want := page(l.URL)
	if !strings.Contains(want, `"b",2`) || !strings.Contains(want, `"c",3`) || strings.Contains(want, `"a",1`) {
		t.Fatalf("live data with skip=a locked: %s", want)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if got := page(l.URL + "?skip=b&forms=%7B%22skip%22%3A%22b%22%7D&sql=select+1"); got != want {
				t.Errorf("extra parameters changed the data: %s", got)
			}
		})
	}
	wg.Wait()
	if got := ts.runs.Load() - before; got != 1 {
		t.Errorf("51 views in one window ran %d queries, want 1", got)
	}

	// The notebook's own form value changes; the link keeps its locked one.
	ts.call(t, "PATCH", "/api/notebooks/"+nb.ID+"/paragraphs/"+p.ID, map[string]any{"settings": map[string]string{"view": "chart", "chart": barChart, "forms": `{"skip":"b"}`, "chartId": l.ChartID}}, nil)

	// After the window, 50 concurrent viewers get the last result at once and share one new
	// query, which runs with the locked value.
	time.Sleep(2100 * time.Millisecond)
	for range 50 {
		wg.Go(func() {
			if got := page(l.URL); got != want {
				t.Errorf("locked form value not kept: %s", got)
			}
		})
	}
	wg.Wait()
	waitFor(t, func() bool { return ts.runs.Load()-before >= 2 })
	time.Sleep(200 * time.Millisecond)
	if got := ts.runs.Load() - before; got != 2 {
		t.Errorf("two windows ran %d queries, want 2", got)
	}
	if got := page(l.URL); got != want {
		t.Errorf("locked form value not kept: %s", got)
	}
	var list struct {
		Shares []shareLink `json:"shares"`
	}
	ts.call(t, "GET", "/api/shares", nil, &list)
	if list.Shares[0].Queries != 2 || list.Shares[0].Views != 102 {
		t.Errorf("counts %+v", list.Shares[0])
	}

	// The paragraph deleted: once the window ends the live link is gone (the first viewer
	// after the window may still get the last result while the refresh finds out).
	ts.call(t, "DELETE", "/api/notebooks/"+nb.ID+"/paragraphs/"+p.ID, nil, nil)
	time.Sleep(2100 * time.Millisecond)
	waitFor(t, func() bool { code, _, _ := ts.anon(t, l.URL); return code == http.StatusGone })
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}

func TestShareRateLimit(t *testing.T) {
	ts := newShareServer(t, 2)
	nb := ts.create(t, "n")
	p := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
	limited := 0
	for range 20 {
		code, _, h := ts.anon(t, l.URL+".svg")
		if code == http.StatusTooManyRequests && h.Get("Retry-After") != "" {
			limited++
		}
	}
	if limited < 10 {
		t.Errorf("%d of 20 requests at 2/s were limited", limited)
	}
	// Another link is not slowed by this one.
	l2 := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
	if code, _, _ := ts.anon(t, l2.URL); code != 200 {
		t.Errorf("another link: %d", code)
	}
}

func TestShareEmbed(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "n")
	p := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot", "embedOrigins": []string{"https://Wiki.Example/"}})
	_, body, h := ts.anon(t, l.URL+"?embed=1")
	if csp := h.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors https://wiki.example") || h.Get("X-Frame-Options") != "" {
		t.Errorf("embed CSP %q, XFO %q", csp, h.Get("X-Frame-Options"))
	}
	if strings.Contains(body, `data-testid="share-title"`) {
		t.Errorf("embed page has the header")
	}
	_, _, h = ts.anon(t, l.URL)
	if csp := h.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'none'") {
		t.Errorf("page CSP %q", csp)
	}
}

func TestShareBadInput(t *testing.T) {
	ts := newShareServer(t, 0)
	nb := ts.create(t, "n")
	p := ts.chartParagraph(t, nb.ID, `select 'a' as k, 1 as v`, nil)
	notRun := ts.add(t, nb.ID, "sql", "select 1")
	goP := ts.add(t, nb.ID, "go", "1+1")
	tests := []struct {
		name string
		body string
		code int
		msg  string
	}{
		{"bad mode", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"forever"}`, 400, "mode"},
		{"max age on snapshot", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"snapshot","maxAge":5}`, 400, "maxAge"},
		{"max age zero", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"live","maxAge":0}`, 400, "maxAge"},
		{"past expiry", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"snapshot","expires":"2001-01-01T00:00:00Z"}`, 400, "past"},
		{"header injection", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"snapshot","embedOrigins":["https://a.example; script-src *"]}`, 400, "embedOrigins[0]"},
		{"origin with path", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"snapshot","embedOrigins":["https://a.example/x"]}`, 400, "embedOrigins[0]"},
		{"javascript origin", `{"notebook":"` + nb.ID + `","paragraph":"` + p.ID + `","mode":"snapshot","embedOrigins":["javascript:alert(1)"]}`, 400, "embedOrigins[0]"},
		{"unknown notebook", `{"notebook":"nope","paragraph":"` + p.ID + `","mode":"snapshot"}`, 404, "nope"},
		{"unknown paragraph", `{"notebook":"` + nb.ID + `","paragraph":"nope","mode":"snapshot"}`, 404, "nope"},
		{"never run", `{"notebook":"` + nb.ID + `","paragraph":"` + notRun.ID + `","mode":"snapshot"}`, 400, "run it first"},
		{"live go", `{"notebook":"` + nb.ID + `","paragraph":"` + goP.ID + `","mode":"live"}`, 400, "cannot be shared live"},
		{"not json", `{`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			if code := ts.call(t, "POST", "/api/shares", tt.body, &e); code != tt.code || !strings.Contains(e.Error.Message, tt.msg) {
				t.Errorf("%d %q, want %d with %q", code, e.Error.Message, tt.code, tt.msg)
			}
		})
	}
	var list struct {
		Shares []shareLink `json:"shares"`
	}
	ts.call(t, "GET", "/api/shares", nil, &list)
	if len(list.Shares) != 0 {
		t.Errorf("failed shares left links behind: %+v", list.Shares)
	}
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/api/shares/" + shares.NewToken(), `{"expires":null}`},
		{"DELETE", "/api/shares/" + shares.NewToken(), ""},
	} {
		if code := ts.call(t, c.method, c.path, nilIfEmpty(c.body), nil); code != 404 {
			t.Errorf("%s unknown link: %d", c.method, code)
		}
	}
	l := ts.share(t, map[string]any{"notebook": nb.ID, "paragraph": p.ID, "mode": "snapshot"})
	if code := ts.call(t, "PATCH", "/api/shares/"+l.Token, `{"expires":null,"mode":"live"}`, nil); code != 400 {
		t.Errorf("PATCH of more than the expiry: %d", code)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
