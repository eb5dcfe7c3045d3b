package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// jupyterScript measures a Jupyter kernel; see its header.
//
//go:embed jupyter.py
var jupyterScript string

// mem is a process's memory in bytes: resident, resident and anonymous (its own), and
// proportional (pages shared with other processes count for their share).
type mem struct{ RSS, Anon, PSS int64 }

func memory(pid int) (mem, error) {
	var m mem
	if pid == 0 {
		return m, errors.New("no kernel process found")
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return m, err
	}
	for _, l := range strings.Split(string(status)+string(rollup), "\n") {
		k, v, _ := strings.Cut(l, ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			m.RSS = kb << 10
		case "RssAnon":
			m.Anon = kb << 10
		case "Pss":
			m.PSS = kb << 10
		}
	}
	return m, nil
}

// notebookKernel finds the Go kernel the server started for a notebook: a child of the server
// working in .lakebook/kernels (the warm one waits in .lakebook/kernel-pool).
func notebookKernel(server int) int {
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, the last ')' ends it.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(server) {
			continue
		}
		if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil && strings.Contains(cwd, string(filepath.Separator)+"kernels"+string(filepath.Separator)) {
			return pid
		}
	}
	return 0
}

// jupyter is what jupyter.py measured.
type jupyter struct {
	Starts []float64 `json:"starts"` // seconds
	RTTs   []float64 `json:"rtts"`   // seconds
	Memory struct {
		RSS  int64 `json:"VmRSS"`
		Anon int64 `json:"RssAnon"`
		PSS  int64 `json:"Pss"`
	} `json:"memory"`
}

// measureJupyter runs jupyter.py with python, or says why the Jupyter column stays empty.
func measureJupyter(python string, n int) (*jupyter, string) {
	if err := exec.Command(python, "-c", "import ipykernel, jupyter_client").Run(); err != nil {
		return nil, fmt.Sprintf("Jupyter not measured: %s cannot import ipykernel and jupyter_client (apt-get install python3-ipykernel)", python)
	}
	f, err := os.CreateTemp("", "lakebook-bench-*.py")
	if err != nil {
		return nil, "Jupyter not measured: " + err.Error()
	}
	defer os.Remove(f.Name())
	_, _ = f.WriteString(jupyterScript)
	_ = f.Close()
	cmd := exec.Command(python, f.Name(), strconv.Itoa(n))
	// The kernel spec runs /usr/bin/python3; the debugger's warnings are noise here.
	cmd.Env = append(os.Environ(), "PATH=/usr/bin:"+os.Getenv("PATH"), "PYDEVD_DISABLE_FILE_VALIDATION=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Sprintf("Jupyter not measured: %v: %s", err, lastLine(stderr.String()))
	}
	var j jupyter
	if err := json.Unmarshal(out, &j); err != nil {
		return nil, fmt.Sprintf("Jupyter not measured: %v", err)
	}
	return &j, ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// report prints the table.
func report(w io.Writer, rtt map[string][]time.Duration, fromPool, cold []time.Duration, m mem, j *jupyter, note string, n int) {
	var jRTT, jStart []time.Duration
	if j != nil {
		for _, s := range j.RTTs {
			jRTT = append(jRTT, time.Duration(s*float64(time.Second)))
		}
		for _, s := range j.Starts {
			jStart = append(jStart, time.Duration(s*float64(time.Second)))
		}
	}
	jcol := func(f func() string) string {
		if j == nil {
			return "-"
		}
		return f()
	}
	go50, go99 := quantile(rtt["go"], 50), quantile(rtt["go"], 99)
	rows := [][]string{
		{"", "lakebook", "target", "Jupyter, measured now", "Jupyter anchor (DESIGN.md)"},
		{"Go `1+1` round trip p50", ms(go50) + mark(go50 <= 1500*time.Microsecond), "<= 1.5 ms", jcol(func() string { return ms(quantile(jRTT, 50)) + " (ZMQ)" }), "3.6-4.2 ms (ZMQ)"},
		{"Go `1+1` round trip p99", ms(go99), "", jcol(func() string { return ms(quantile(jRTT, 99)) + " (ZMQ)" }), ""},
		{"SQL `select 1` round trip p50 / p99", ms(quantile(rtt["sql"], 50)) + " / " + ms(quantile(rtt["sql"], 99)), "", "", ""},
		{"ready kernel, from the pool (p50 / max)", ms(quantile(fromPool, 50)) + mark(quantile(fromPool, 50) <= 20*time.Millisecond) + " / " + ms(quantile(fromPool, 100)), "<= 20 ms", "", ""},
		{"ready kernel, cold start (p50 / max)", ms(quantile(cold, 50)) + " / " + ms(quantile(cold, 100)), "", jcol(func() string { return ms(quantile(jStart, 50)) + " / " + ms(quantile(jStart, 100)) }), "0.9-1.1 s"},
		{"kernel RSS", mib(m.RSS) + mark(m.RSS <= 30<<20), "<= 30 MiB", jcol(func() string { return mib(j.Memory.RSS) }), "69 MiB"},
		{"  of it anonymous (the kernel's own)", mib(m.Anon), "", jcol(func() string { return mib(j.Memory.Anon) }), ""},
		{"  PSS (shared pages split among sharers)", mib(m.PSS), "", jcol(func() string { return mib(j.Memory.PSS) }), ""},
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "round trips: n=%d after 20 warm-up runs; lakebook over the websocket through the server, Jupyter directly over ZMQ (execute until idle)\n", n)
	fmt.Fprintf(w, "ready kernel: until the first `1+1` came back (lakebook, n=%d each; confined with Landlock where available) or until kernel_info (Jupyter, n=%d)\n", len(cold), len(jStart))
	fmt.Fprintln(w, "RSS: the notebook's kernel process (bin/lakebook-kernel when built) after its runs; * marks a missed target")
	if note != "" {
		fmt.Fprintln(w, note)
	}
}

func quantile(d []time.Duration, q int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*q/100)]
}

func ms(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// mark flags a missed target.
func mark(ok bool) string {
	if ok {
		return ""
	}
	return " *"
}
