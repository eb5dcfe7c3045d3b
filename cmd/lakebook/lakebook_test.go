package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// These tests run the real binary as a process: the Go kernel is `lakebook kernel`, and one test
// kills the server with SIGKILL. make test passes LAKEBOOK_BIN; otherwise the binary is built.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func lakebookBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if p := os.Getenv("LAKEBOOK_BIN"); p != "" {
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "lakebook-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "lakebook")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is a lakebook server process on a free port.
type proc struct {
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:PORT
	token string
	dir   string
}

func startServer(t testing.TB, dir string) *proc {
	t.Helper()
	cmd := exec.Command(lakebookBin(t), "serve", "--addr", "127.0.0.1:0", "--dir", dir)
	cmd.Env = append(os.Environ(), "LAKEBOOK_TOKEN=secret-test-token")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, token: "secret-test-token", dir: dir}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	urlRE := regexp.MustCompile(`(http://[^/\s]+)/\?token=(\S+)`)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		m := urlRE.FindStringSubmatch(line)
		if !ok || m == nil {
			t.Fatalf("startup line %q has no URL; stderr: %s", line, stderr.String())
		}
		p.base = m[1]
		if m[2] != p.token {
			t.Fatalf("startup URL carries token %q, want LAKEBOOK_TOKEN", m[2])
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start: %s", stderr.String())
	}
	go func() {
		for range lines {
		}
	}()
	return p
}

func (p *proc) call(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, p.base+path, r)
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode
}

type runResult struct {
	Status  string             `json:"status"`
	Outputs []notebooks.Output `json:"outputs"`
	Error   *notebooks.Error   `json:"error"`
}

func (p *proc) newNotebook(t testing.TB, name string) string {
	t.Helper()
	var nb struct{ ID string }
	if code := p.call(t, "POST", "/api/notebooks", map[string]string{"name": name}, &nb); code != 201 {
		t.Fatalf("create notebook: %d", code)
	}
	return nb.ID
}

func (p *proc) addParagraph(t testing.TB, nbID, lang, text string) string {
	t.Helper()
	var para struct{ ID string }
	if code := p.call(t, "POST", "/api/notebooks/"+nbID+"/paragraphs", map[string]string{"lang": lang, "text": text}, &para); code != 201 {
		t.Fatalf("add paragraph: %d", code)
	}
	return para.ID
}

func (p *proc) run(t testing.TB, nbID, pid string) runResult {
	t.Helper()
	var res runResult
	if code := p.call(t, "POST", "/api/notebooks/"+nbID+"/paragraphs/"+pid+"/run", nil, &res); code != 200 {
		t.Fatalf("run: %d %+v", code, res)
	}
	return res
}

func allText(outs []notebooks.Output) string {
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(o.Text)
	}
	return b.String()
}

// TestGoKernelPanicInGoroutine: a panic in an interpreted goroutine kills the kernel process; the
// paragraph says so, the server stays up, and the next paragraph runs on a new kernel.
func TestGoKernelPanicInGoroutine(t *testing.T) {
	p := startServer(t, t.TempDir())
	nb := p.newNotebook(t, "panics")
	set := p.addParagraph(t, nb, "go", "x := 41\nx + 1")
	boom := p.addParagraph(t, nb, "go", "import \"time\"\n\ngo func() { panic(\"boom\") }()\ntime.Sleep(2 * time.Second)")
	next := p.addParagraph(t, nb, "go", "1 + 1")

	if res := p.run(t, nb, set); res.Status != "FINISHED" || strings.TrimSpace(allText(res.Outputs)) != "42" {
		t.Fatalf("first run: %+v", res)
	}
	res := p.run(t, nb, boom)
	if res.Status != "ERROR" || res.Error == nil || res.Error.Code != notebooks.EKernelDied || !strings.Contains(res.Error.Message, "boom") {
		t.Fatalf("panic run: %+v %+v", res, res.Error)
	}
	if code := p.call(t, "GET", "/api/health", nil, nil); code != 200 {
		t.Fatalf("server down after kernel panic: %d", code)
	}
	if res := p.run(t, nb, next); res.Status != "FINISHED" || strings.TrimSpace(allText(res.Outputs)) != "2" {
		t.Fatalf("run after restart: %+v", res)
	}
}

// TestSIGKILLDuringEdits kills the server in the middle of a stream of edits: the file must parse
// and hold every edit the server acknowledged.
func TestSIGKILLDuringEdits(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	nb := p.newNotebook(t, "crash")
	pids := []string{p.addParagraph(t, nb, "sql", "select 0"), p.addParagraph(t, nb, "md", "zero"), p.addParagraph(t, nb, "go", "0")}

	acked := map[string]string{}    // the last acknowledged text of each paragraph
	inFlight := map[string]string{} // the edit sent when the server died, if any
	killAt := time.Now().Add(700 * time.Millisecond)
	killed := make(chan struct{})
	go func() {
		time.Sleep(time.Until(killAt))
		p.cmd.Process.Signal(syscall.SIGKILL)
		close(killed)
	}()
	for i := 0; ; i++ {
		pid := pids[i%len(pids)]
		text := fmt.Sprintf("edit %d of %s\nwith a second line", i, pid)
		inFlight[pid] = text
		data, _ := json.Marshal(map[string]string{"text": text})
		req, _ := http.NewRequest("PATCH", p.base+"/api/notebooks/"+nb+"/paragraphs/"+pid, bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+p.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			break // the server is gone
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("edit %d: %d", i, resp.StatusCode)
		}
		acked[pid] = text
		delete(inFlight, pid)
	}
	<-killed
	p.cmd.Wait()
	if len(acked) < len(pids) {
		t.Fatalf("only %d edits acknowledged before the kill", len(acked))
	}

	data, err := os.ReadFile(filepath.Join(dir, "notebooks", "crash.nb.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := notebooks.Parse("crash", data)
	if err != nil {
		t.Fatalf("the file is torn: %v\n%s", err, data)
	}
	for _, pid := range pids {
		para, _ := doc.Paragraph(pid)
		if para == nil {
			t.Fatalf("paragraph %s lost", pid)
		}
		if para.Text != acked[pid] && para.Text != inFlight[pid] {
			t.Errorf("paragraph %s holds %q; the last acknowledged edit was %q", pid, para.Text, acked[pid])
		}
	}

	// The server starts again on the same workspace and serves the notebook.
	p2 := startServer(t, dir)
	var got struct{ Paragraphs []struct{ ID, Text string } }
	if code := p2.call(t, "GET", "/api/notebooks/"+nb, nil, &got); code != 200 || len(got.Paragraphs) != 3 {
		t.Fatalf("after restart: %d %+v", code, got)
	}
}

// sampleData returns the folder holding flights-3m.parquet and airports.csv.
func sampleData(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LAKEBOOK_DATA")
	if dir == "" {
		dir = "../../node_modules/vega-datasets/data"
	}
	if _, err := os.Stat(filepath.Join(dir, "flights-3m.parquet")); err != nil {
		t.Fatalf("sample data missing (run npm ci): %v", err)
	}
	abs, err := filepath.Abs(dir) // the data is linked into workspaces
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestTutorialRunsAll runs the tutorial notebook a new workspace starts with, over the real data.
func TestTutorialRunsAll(t *testing.T) {
	dir := t.TempDir()
	data := sampleData(t)
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	for _, f := range []string{"flights-3m.parquet", "airports.csv"} {
		// A copy, not a symlink: the engine confines SQL to the workspace and resolves links.
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := startServer(t, dir)
	var list struct{ Notebooks []notebooks.Summary }
	p.call(t, "GET", "/api/notebooks", nil, &list)
	if len(list.Notebooks) != 1 || list.Notebooks[0].Name != "Tutorial" {
		t.Fatalf("a new workspace lists %+v, want the tutorial", list.Notebooks)
	}
	var res struct {
		Results []struct {
			ID string
			runResult
		}
	}
	if code := p.call(t, "POST", "/api/notebooks/"+list.Notebooks[0].ID+"/run", nil, &res); code != 200 {
		t.Fatalf("run all: %d", code)
	}
	for _, r := range res.Results {
		if r.Status != "FINISHED" {
			t.Errorf("paragraph %s: %s %+v", r.ID, r.Status, r.Error)
		}
	}
	byID := map[string]runResult{}
	for _, r := range res.Results {
		byID[r.ID] = r.runResult
	}
	if c := byID["count"]; len(c.Outputs) != 1 || c.Outputs[0].Rows[0][0] != float64(3000000) {
		t.Errorf("count paragraph: %+v", c.Outputs)
	}
	if all := byID["all-rows"]; len(all.Outputs) != 1 || all.Outputs[0].RowCount == nil || *all.Outputs[0].RowCount != 3000000 || len(all.Outputs[0].Rows) > 1000 {
		t.Errorf("all-rows paragraph: want the first page and the true count 3000000")
	}
	if g := byID["go"]; !strings.Contains(allText(g.Outputs), "HELLO FROM GO!") || !strings.Contains(allText(g.Outputs), "3") {
		t.Errorf("go paragraph: %+v", g.Outputs)
	}
}

// TestGoParagraphData: through the real server, a Go paragraph registers a table SQL queries,
// shows a table that downloads like a SQL result, and hands a value to SQL; after a server
// restart the Go paragraph's table is still there to download, without running again.
func TestGoParagraphData(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	nb := p.newNotebook(t, "go data")
	gop := p.addParagraph(t, nb, "go", "type r struct{ N int }\nrs := make([]r, 300)\nfor i := range rs { rs[i].N = i }\nnb.Register(\"nums\", rs)\nnb.Put(\"limit\", 10)\nrs")
	sqlp := p.addParagraph(t, nb, "sql", "select sum(n) as total, count(*) filter (where n < getvariable('limit')) as small from nums")
	res := p.run(t, nb, gop)
	if res.Status != "FINISHED" || len(res.Outputs) != 1 || res.Outputs[0].Type != notebooks.OutputTable || *res.Outputs[0].RowCount != 300 {
		t.Fatalf("go run: %+v %+v", res, res.Error)
	}
	if res := p.run(t, nb, sqlp); res.Status != "FINISHED" || fmt.Sprint(res.Outputs[0].Rows) != "[[44850 10]]" {
		t.Fatalf("sql run: %+v %+v", res, res.Error)
	}
	download := func(p *proc) string {
		req, _ := http.NewRequest("GET", p.base+"/api/notebooks/"+nb+"/paragraphs/"+gop+"/result/download?format=csv", nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("download: %d %s", resp.StatusCode, data)
		}
		return string(data)
	}
	csv := download(p)
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 301 || lines[0] != "N" || lines[300] != "299" {
		t.Fatalf("download: %d lines: %.40q", len(lines), csv)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	p2 := startServer(t, dir)
	if got := download(p2); got != csv {
		t.Fatalf("after a restart the download is %.40q", got)
	}
}
