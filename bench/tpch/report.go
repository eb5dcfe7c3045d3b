package main

import (
	"fmt"
	"strings"
	"time"
)

const (
	warmFactor = 1.1 // warm target = warmFactor × duckdb-local
	coldFactor = 1.5 // cold target = coldFactor × (duckdb-local + need / rate)
)

// report prints the setup and one markdown table of the results.
func (m *Main) report(st *setup, res []*result, haveLB bool, lbNote string) {
	w := m.Out
	fmt.Fprintf(w, "## TPC-H SF %g\n\n", m.SF)
	fmt.Fprintf(w, "- engine: DuckDB %s\n", st.duckdb)
	if st.generated {
		fmt.Fprintf(w, "- data: generated now in %s (dbgen + append %s, sort + Parquet %s) into %s\n",
			st.wall.Round(time.Millisecond), ms(st.man.GenMS), ms(st.man.WriteMS), m.DataDir)
	} else {
		fmt.Fprintf(w, "- data: cached in %s (generated %s: dbgen + append %s, sort + Parquet %s)\n",
			m.DataDir, st.man.Created.Format("2006-01-02 15:04"), ms(st.man.GenMS), ms(st.man.WriteMS))
	}
	var parts []string
	for _, t := range tables {
		ts := st.man.Tables[t.Name]
		parts = append(parts, fmt.Sprintf("%s %d rows/%d files/%s", t.Name, ts.Rows, ts.Files, mb(ts.Bytes)))
	}
	fmt.Fprintf(w, "- tables: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "- S3: versitygw ready in %s; upload %s in %s (%.1f MB/s)\n", st.s3Start.Round(time.Millisecond),
		mb(st.upBytes), st.upTime.Round(time.Millisecond), float64(st.upBytes)/st.upTime.Seconds()/1e6)
	fmt.Fprintf(w, "- transfer rate: **%.1f MB/s** (objstore.Download of lineitem, %d files, %s in %s, %d stream(s))\n",
		st.rate()/1e6, st.rateFiles, mb(st.rateBytes), st.rateTime.Round(time.Millisecond), m.Streams)
	fmt.Fprintf(w, "- runs: duckdb-local and lakebook warm: median of %d; lakebook cold: 1 run, cache emptied first\n", m.Runs)
	fmt.Fprintf(w, "- targets: warm ≤ %.1f × local; cold ≤ %.1f × (local + need / rate); need = bytes DuckDB alone read for the query\n",
		warmFactor, coldFactor)
	if lbNote != "" {
		fmt.Fprintf(w, "- %s\n", lbNote)
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "| query | rows | local ms | need | cold ms | fetched cold | cold target ms | cold/target | warm ms | warm/local | answers | verdict |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|")
	var (
		tLocal, tCold, tWarm, tTarget time.Duration
		tNeed, tFetch                 int64
		nOK, nAnswers, nDone          int
	)
	const none = "—"
	for _, r := range res {
		local := median(r.local)
		target := coldTarget(local, r.need, st.rate())
		tLocal += local
		tTarget += target
		if r.need > 0 {
			tNeed += r.need
		}
		cells := []string{r.q.name, fmt.Sprint(len(r.want)), f1(msf(local)), mb(r.need)}
		if !haveLB || !r.lbDone {
			status := none
			if r.lbErr != nil {
				status = "ERROR: " + oneLine(r.lbErr.Error())
			}
			cells = append(cells, none, none, f1(msf(target)), none, none, none, status, none)
			if r.lbErr != nil {
				cells[len(cells)-1] = "MISS"
			}
		} else {
			nDone++
			warm := median(r.warm)
			tCold += r.cold
			tWarm += warm
			tFetch += r.fetch
			coldRatio := r.cold.Seconds() / target.Seconds()
			warmRatio := warm.Seconds() / local.Seconds()
			answers := "ok"
			if r.check != "" {
				answers = "DIFF " + oneLine(r.check)
			} else {
				nAnswers++
			}
			var miss []string
			if coldRatio > 1 {
				miss = append(miss, "cold")
			}
			if warmRatio > warmFactor {
				miss = append(miss, "warm")
			}
			if r.check != "" {
				miss = append(miss, "answers")
			}
			verdict := "OK"
			if len(miss) > 0 {
				verdict = "MISS (" + strings.Join(miss, ", ") + ")"
			} else {
				nOK++
			}
			cells = append(cells, f1(msf(r.cold)), mb(r.fetch), f1(msf(target)), f2(coldRatio), f1(msf(warm)), f2(warmRatio), answers, verdict)
		}
		fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
	}
	total := []string{"**total**", "", "**" + f1(msf(tLocal)) + "**", mb(tNeed)}
	if haveLB && nDone > 0 {
		total = append(total, f1(msf(tCold)), mb(tFetch), f1(msf(tTarget)), f2(tCold.Seconds()/tTarget.Seconds()),
			f1(msf(tWarm)), f2(tWarm.Seconds()/tLocal.Seconds()),
			fmt.Sprintf("%d/%d ok", nAnswers, len(res)), fmt.Sprintf("**%d/%d OK**", nOK, len(res)))
	} else {
		total = append(total, none, none, f1(msf(tTarget)), none, none, none, none, none)
	}
	fmt.Fprintln(w, "| "+strings.Join(total, " | ")+" |")
}

// coldTarget is coldFactor × (local + need/rate); an unknown need counts as 0.
func coldTarget(local time.Duration, need int64, rate float64) time.Duration {
	t := local.Seconds()
	if need > 0 && rate > 0 {
		t += float64(need) / rate
	}
	return time.Duration(coldFactor * t * float64(time.Second))
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func f1(x float64) string         { return fmt.Sprintf("%.1f", x) }
func f2(x float64) string         { return fmt.Sprintf("%.2f", x) }
func ms(n int64) string           { return (time.Duration(n) * time.Millisecond).String() }

// mb renders a byte count in MB (10^6), "?" when negative (unknown).
func mb(n int64) string {
	switch {
	case n < 0:
		return "?"
	case n < 100_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
