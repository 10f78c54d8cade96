// Command bench measures Parley against the targets of SPEC §10 and prints
// one markdown table. It generates its data with `parley gen` (seeded),
// runs the packages' Go benchmarks against it, and watches a real `parley
// serve`:
//
//	go run ./bench            # 100,000 and 1,000,000 conversations
//	go run ./bench -quick     # 2,000 and 20,000: a smoke run of every step
//
// Set PARLEY_TEST_POSTGRES (a server URL) to measure PostgreSQL too.
// Generated databases are kept in -dir and reused by later runs. Numbers
// from a shared machine are noisy: compare ratios measured in one run.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/parleyhq/parley/internal/proc"
)

// now is the clock of every generated data set and report.
const now = "2026-11-24T00:00:00Z"

func main() {
	quick := flag.Bool("quick", false, "small data sets: check that every step works, in a minute or two")
	dir := flag.String("dir", "bench-out", "where generated databases and the parley binary are kept")
	flag.Parse()
	if err := run(*quick, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is one cell of the table.
type result map[string]string

func run(quick bool, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin, err := filepath.Abs(filepath.Join(dir, "parley"))
	if err != nil {
		return err
	}
	if err := cmd("", nil, "go", "build", "-o", bin, "./cmd/parley"); err != nil {
		return err
	}
	sizes := []int{100000, 1000000}
	events := 100000
	if quick {
		sizes, events = []int{2000, 20000}, 10000
	}
	dialects := []string{"sqlite"}
	pg := os.Getenv("PARLEY_TEST_POSTGRES")
	if pg != "" {
		dialects = append(dialects, "postgres")
	}
	cols := map[string]result{}
	for _, d := range dialects {
		r := result{}
		cols[d] = r
		env := []string{"PARLEY_TEST_DB=" + map[string]string{"sqlite": "sqlite", "postgres": "postgres"}[d]}
		step("%s: HTTP ingest and driver insert of %d events", d, events)
		httpRate, err := benchMetric(env, "./internal/web", "HTTPIngest", fmt.Sprintf("%dx", events), "events/s")
		if err != nil {
			return err
		}
		rawRate, err := benchMetric(env, "./internal/store", "DriverInsert", fmt.Sprintf("%dx", events), "events/s")
		if err != nil {
			return err
		}
		step("%s: sources against POST /api/v1/events, the same conversations", d)
		out, err := goBench(env, "./internal/web", "SourceIngest", map[bool]string{true: "200x", false: "1000x"}[quick])
		if err != nil {
			return err
		}
		for _, c := range []struct{ key, bench, unit string }{
			{"chatwoot", "SourceIngest/chatwoot", "ns/webhook"},
			{"otlp 1", "SourceIngest/otlp/turns=1", "ns/traces"},
			{"otlp 8", "SourceIngest/otlp/turns=8", "ns/traces"},
		} {
			r[c.key] = fmt.Sprintf("%.2f ms against %.2f ms a request: %.2f× as fast", metricOfBench(out, c.bench, c.unit)/1e6,
				metricOfBench(out, c.bench, "ns/events_api")/1e6, metricOfBench(out, c.bench, "speed_vs_api"))
		}
		r["ingest"] = fmt.Sprintf("%.0f events/s", httpRate)
		r["driver"] = fmt.Sprintf("%.0f events/s (HTTP ingest reaches %.0f%% of it)", rawRate, 100*httpRate/rawRate)
		for i, n := range sizes {
			dsn, err := dataset(bin, dir, d, pg, n, r)
			if err != nil {
				return err
			}
			if i == 0 {
				if err := rebuild(bin, env, dsn, n, r); err != nil {
					return err
				}
			}
			step("%s, %d conversations: report page and raw GROUP BY", d, n)
			benv := append(env, "PARLEY_BENCH_DB="+dsn, "PARLEY_BENCH_NOW="+now)
			out, err := goBench(benv, "./internal/web", "PerformancePage", "30x")
			if err != nil {
				return err
			}
			median, p95 := metricOfBench(out, "//reports", "ms-median"), metricOfBench(out, "//reports", "ms-p95")
			r[fmt.Sprintf("model %d", n)] = fmt.Sprintf("%.1f ms median, %.1f ms p95",
				metricOfBench(out, "model_after_a_change", "ms-median"), metricOfBench(out, "model_after_a_change", "ms-p95"))
			out, err = goBench(benv, "./internal/store", "RawGroupBy", "3x")
			if err != nil {
				return err
			}
			raw := metricOf(out, "ns/op") / 1e6
			r[fmt.Sprintf("page %d", n)] = fmt.Sprintf("%.1f ms median, %.1f ms p95", median, p95)
			r[fmt.Sprintf("raw %d", n)] = fmt.Sprintf("%.0f ms (page is %.0f× faster)", raw, raw/median)
			if n == sizes[len(sizes)-1] {
				step("%s, %d conversations: peak RSS of parley serve", d, n)
				rss, err := peakRSS(bin, dsn)
				if err != nil {
					return err
				}
				r["rss"] = fmt.Sprintf("%.0f MB", rss)
			}
		}
	}
	step("gap grouping: BANKING77, 100,000 questions, the other sets, a hostile batch")
	gapRows, err := gapGrouping()
	if err != nil {
		return err
	}

	// The table.
	var b strings.Builder
	fmt.Fprintf(&b, "\n| measure | target (SPEC §10) |")
	for _, d := range dialects {
		fmt.Fprintf(&b, " %s |", d)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(dialects)) + "\n")
	row := func(name, target, key string) {
		fmt.Fprintf(&b, "| %s | %s |", name, target)
		for _, d := range dialects {
			fmt.Fprintf(&b, " %s |", cols[d][key])
		}
		b.WriteString("\n")
	}
	row("HTTP ingest, batches of 1,000 over loopback, 4 clients", "≥ 100,000 events/s (SQLite)", "ingest")
	row("plain driver INSERT loop, same rows", "HTTP within 4×", "driver")
	row("a Chatwoot webhook (signed), against posting its events to /api/v1/events, one request each, this run", "≥ 0.5× as fast", "chatwoot")
	row("an OTLP export of 1 agent turn (3 spans), against its events posted to /api/v1/events, this run", "≥ 0.5× as fast", "otlp 1")
	row("an OTLP export of 8 agent turns (24 spans), the same, this run", "≥ 0.5× as fast", "otlp 8")
	for i, n := range sizes {
		row(fmt.Sprintf("ingest of %d conversations (`parley ingest`)", n), "", fmt.Sprintf("load %d", n))
		row(fmt.Sprintf("evaluation backfill, %d conversations", n), "≥ 100,000 conversations/s", fmt.Sprintf("eval %d", n))
		if i == 0 {
			row(fmt.Sprintf("evaluation of the same %d again (`parley rebuild`), this run", n), "", "rebuild")
			row(fmt.Sprintf("evaluation of the %d after a change of the resolution criterion (`parley settings set resolution_criterion=…`, then `parley evaluate`), this run", n), "", "changed")
			row(fmt.Sprintf("plain driver UPDATE loop giving %d conversation rows an outcome, this run", n), "", "update floor")
			row("plain driver bulk INSERT of as many outcome rows into an empty table, key only: the cheapest write of a row per conversation, this run", "", "insert floor")
			row("plain driver read and decoding of the same conversations' events, in conversation order, this run", "", "read floor")
			row("the most two cores could reach with both floors: reading shares the cores, writing has one connection", "", "ceiling")
		}
		row(fmt.Sprintf("Performance page, 12 weeks, %d conversations (report kept between evaluation passes)", n), "≤ 20 ms", fmt.Sprintf("page %d", n))
		row(fmt.Sprintf("report model rebuilt after the rollups change, %d", n), "", fmt.Sprintf("model %d", n))
		row(fmt.Sprintf("same numbers by GROUP BY over raw events, %d", n), "page ≥ 50× faster", fmt.Sprintf("raw %d", n))
	}
	row(fmt.Sprintf("peak RSS of parley serve, %d conversations", sizes[len(sizes)-1]), "≤ 300 MB", "rss")
	for _, g := range gapRows {
		fmt.Fprintf(&b, "| %s | %s | %s |%s\n", g.name, g.target, g.value, strings.Repeat(" ″ |", len(dialects)-1))
	}
	fmt.Print(b.String())
	return nil
}

// dataset makes (or reuses) a database of n generated conversations,
// ingested and evaluated, and notes how long each took.
func dataset(bin, dir, dialect, pg string, n int, r result) (string, error) {
	dsn, err := filepath.Abs(filepath.Join(dir, fmt.Sprintf("bench-%d.db", n)))
	if err != nil {
		return "", err
	}
	dsn = "sqlite:" + dsn
	done := filepath.Join(dir, fmt.Sprintf("bench-%s-%d.done", dialect, n))
	if dialect == "postgres" {
		schema := fmt.Sprintf("bench_%d", n)
		db, err := sql.Open("pgx", pg)
		if err != nil {
			return "", err
		}
		defer db.Close()
		if _, err := os.Stat(done); err != nil {
			if _, err := db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
				return "", err
			}
		}
		if _, err := db.Exec("CREATE SCHEMA IF NOT EXISTS " + schema); err != nil {
			return "", err
		}
		sep := "?"
		if strings.Contains(pg, "?") {
			sep = "&"
		}
		dsn = pg + sep + "search_path=" + schema
	}
	if b, err := os.ReadFile(done); err == nil {
		for line := range strings.Lines(string(b)) {
			k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
			r[k] = v + " (earlier run)"
		}
		return dsn, nil
	}
	if dialect == "sqlite" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(strings.TrimPrefix(dsn, "sqlite:") + suffix)
		}
	}
	step("%s: generating and ingesting %d conversations", dialect, n)
	gen := exec.Command(bin, "gen", "--conversations", strconv.Itoa(n), "--days", "84", "--seed", "7", "--end", now)
	ingest := exec.Command(bin, "ingest", "--db", dsn, "-")
	pipe, err := gen.StdoutPipe()
	if err != nil {
		return "", err
	}
	ingest.Stdin, ingest.Stderr, gen.Stderr = pipe, os.Stderr, os.Stderr
	start := time.Now()
	if err := gen.Start(); err != nil {
		return "", err
	}
	out, err := ingest.Output()
	if err != nil {
		return "", fmt.Errorf("ingest: %w", err)
	}
	if err := gen.Wait(); err != nil {
		return "", err
	}
	load := time.Since(start)
	m := regexp.MustCompile(`accepted (\d+) events`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("ingest printed %q", out)
	}
	nEvents, _ := strconv.Atoi(string(m[1]))
	step("%s: evaluating %d conversations", dialect, n)
	out, err = parleyOutput(bin, "evaluate", "--db", dsn, "--now", now)
	if err != nil {
		return "", err
	}
	// The command times evaluation and the grouping of the gap questions
	// it found apart; both are reported.
	eval, err := durationAfter(out, evaluatedIn)
	if err != nil {
		return "", err
	}
	var (
		group     time.Duration
		questions = []byte("no")
	)
	if m := regexp.MustCompile(`grouped (\d+) new gap questions`).FindSubmatch(out); m != nil {
		questions = m[1]
		if group, err = durationAfter(out, `grouped \d+ new gap questions into topics in (\S+) `); err != nil {
			return "", err
		}
	}
	notes := fmt.Sprintf("load %d=%d events in %.1f s (%.0f events/s)\neval %d=%.1f s (%.0f conversations/s); then %s gap questions grouped in %.1f s\n",
		n, nEvents, load.Seconds(), float64(nEvents)/load.Seconds(), n, eval.Seconds(), float64(n)/eval.Seconds(), questions, group.Seconds())
	for line := range strings.Lines(notes) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		r[k] = v
	}
	return dsn, os.WriteFile(done, []byte(notes), 0o644)
}

// rebuild evaluates an existing dataset again, so that every run measures
// evaluation, even on data made by an earlier run — once by a rebuild,
// which finds most outcomes as they were, and once after a change of the
// resolution criterion, which changes many — and measures beside it the
// floors under evaluation's two stages. Writing: a plain UPDATE loop
// that gives as many conversation rows an outcome
// (BenchmarkDriverOutcomeUpdate), and the cheapest write of as many rows
// there is (BenchmarkDriverOutcomeInsert). Reading: one plain query over
// the data set's events, each body decoded (BenchmarkDriverEventRead).
func rebuild(bin string, env []string, dsn string, n int, r result) error {
	step("evaluating the %d conversations again; the driver's plain writes and read of as many", n)
	out, err := parleyOutput(bin, "rebuild", "--db", dsn, "--now", now)
	if err != nil {
		return err
	}
	eval, err := durationAfter(out, `: evaluation (\S+), grouping`)
	if err != nil {
		return err
	}
	// The rebuild's whole time also holds the start of the new generation
	// (every conversation marked due, the complete rollups copied to begin
	// it, see store.startGeneration), which the evaluation's time leaves out.
	all, err := durationAfter(out, ` in (\S+): evaluation`)
	if err != nil {
		return err
	}
	stamped := unchangedOf(out)
	// A rebuild finds most outcomes as they were stored and writes only
	// their evaluation stamp; a change of the resolution definition
	// changes many, and is measured against the same floor. The criterion
	// is switched each run, since data sets are kept between runs.
	criterion, err := parleyOutput(bin, "settings", "show", "--db", dsn)
	if err != nil {
		return err
	}
	other := "any_agent_reply"
	if strings.Contains(string(criterion), "resolution_criterion="+other) {
		other = "cited_source_or_action"
	}
	if err := cmd("", nil, bin, "settings", "set", "--db", dsn, "resolution_criterion="+other); err != nil {
		return fmt.Errorf("settings set: %w", err)
	}
	if out, err = parleyOutput(bin, "evaluate", "--db", dsn, "--now", now); err != nil {
		return err
	}
	changed, err := durationAfter(out, evaluatedIn)
	if err != nil {
		return err
	}
	changedStamped := unchangedOf(out)
	write, err := goBench(env, "./internal/store", "DriverOutcome", fmt.Sprintf("%dx", n))
	if err != nil {
		return err
	}
	floor := metricOfBench(write, "DriverOutcomeUpdate", "conversations/s")
	insert := metricOfBench(write, "DriverOutcomeInsert", "conversations/s")
	read, err := goBench(append(env, "PARLEY_BENCH_DB="+dsn), "./internal/store", "DriverEventRead", "1x")
	if err != nil {
		return err
	}
	scan := metricOfBench(read, "DriverEventRead/scan", "conversations/s")
	decode := metricOfBench(read, "DriverEventRead/decode", "conversations/s")
	rate := float64(n) / eval.Seconds()
	changedRate := float64(n) / changed.Seconds()
	r["rebuild"] = fmt.Sprintf("%.2f s (%.0f conversations/s), %d rows written in full and %d only stamped; the whole rebuild %.2f s",
		eval.Seconds(), rate, n-stamped, stamped, all.Seconds())
	r["changed"] = fmt.Sprintf("%.2f s (%.0f conversations/s), %d rows written in full and %d only stamped (criterion now %s)",
		changed.Seconds(), changedRate, n-changedStamped, changedStamped, other)
	r["update floor"] = fmt.Sprintf("%.0f conversations/s (the rebuild's evaluation reaches %.0f%% of it, the whole rebuild %.0f%%, the evaluation after the change %.0f%%)",
		floor, 100*rate/floor, 100*float64(n)/all.Seconds()/floor, 100*changedRate/floor)
	r["insert floor"] = fmt.Sprintf("%.0f conversations/s", insert)
	r["read floor"] = fmt.Sprintf("%.0f conversations/s; stepping the rows alone %.0f/s", decode, scan)
	// The most two cores could give: writing goes through one connection
	// and cannot be shared, reading could; so a conversation takes at
	// least the write floor's time, and at least half the two floors'.
	ceiling := min(floor, 2/(1/floor+1/decode))
	r["ceiling"] = fmt.Sprintf("%.0f conversations/s (evaluation reaches %.0f%% of it)", ceiling, 100*rate/ceiling)
	return nil
}

// gapRow is one row of the table about gap grouping, the same for every
// database.
type gapRow struct{ name, target, value string }

// gapGrouping runs the grouping benchmarks, each that measures memory in a
// process of its own, since peak RSS is the process's: BANKING77 and the
// 100,000 questions made from it, the placing of one new question, the
// other evaluation sets, and a batch of 300 hostile questions against an
// ordinary one.
func gapGrouping() ([]gapRow, error) {
	var rows []gapRow
	small, err := goBench(nil, "./internal/gaps", "GroupBanking77$|AssignOne|NewIndex", "3x")
	if err != nil {
		return nil, err
	}
	if !strings.Contains(small, "BenchmarkGroupBanking77") {
		return []gapRow{{"gap grouping", "", "skipped: ../shared/datasets not found (set PARLEY_DATASETS)"}}, nil
	}
	large, err := goBench(nil, "./internal/gaps", "Group100k", "1x")
	if err != nil {
		return nil, err
	}
	sec := func(out, name string) float64 { return metricOfBench(out, name, "ns/op") / 1e9 }
	cpu := func(out, name string) float64 { return metricOfBench(out, name, "cpu-ms/op") / 1e3 }
	rows = append(rows,
		gapRow{"gap grouping, 13,083 BANKING77 questions", "≤ 3 s", fmt.Sprintf("%.2f s (%.2f s of processor time), peak RSS %.0f MB; %.0f topics, NMI %.3f, ARI %.3f, ACC %.3f",
			sec(small, "GroupBanking77"), cpu(small, "GroupBanking77"), metricOfBench(small, "GroupBanking77", "peak-MB"), metricOfBench(small, "GroupBanking77", "topics"),
			metricOfBench(small, "GroupBanking77", "NMI"), metricOfBench(small, "GroupBanking77", "ARI"), metricOfBench(small, "GroupBanking77", "ACC"))},
		gapRow{"gap grouping, 100,000 questions made from BANKING77's, this run", "≤ 10× the 13,083; peak RSS < 400 MB", fmt.Sprintf("%.1f s, %.1f× the 13,083 (processor time %.1f s, %.1f×), peak RSS %.0f MB; %.0f topics",
			sec(large, "Group100k"), sec(large, "Group100k")/sec(small, "GroupBanking77"), cpu(large, "Group100k"), cpu(large, "Group100k")/cpu(small, "GroupBanking77"),
			metricOfBench(large, "Group100k", "peak-MB"), metricOfBench(large, "Group100k", "topics"))},
		gapRow{"assigning one new question to a topic", "< 1 ms", fmt.Sprintf("%.0f µs (indexing the topics once: %.0f ms)",
			metricOfBench(small, "AssignOne", "ns/op")/1e3, metricOfBench(small, "NewIndex", "ns/op")/1e6)})
	sets, err := goBench(nil, "./internal/gaps", "GroupSets", "1x")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"BANKING77", "dstc11-insurance", "crosswoz-zh", "mixed"} {
		m := func(unit string) float64 { return metricOfBench(sets, "GroupSets/"+name+"-", unit) }
		v := fmt.Sprintf("NMI %.3f, ARI %.3f, ACC %.3f; %.0f topics, %.0f of ≥ 5 questions for %.0f gold; largest topic's purity %.2f; %.1f%% ungrouped",
			m("NMI"), m("ARI"), m("ACC"), m("topics"), m("topics≥5"), m("gold"), m("purity"), 100*m("ungrouped"))
		title := "gap grouping quality, " + name
		if name == "mixed" {
			title = "crosswoz-zh in Simplified and Traditional script together"
			v += fmt.Sprintf("; the same question in one topic %.1f%%", 100*m("same-topic"))
		}
		rows = append(rows, gapRow{title, "", v})
	}
	// Each batch in a process of its own, for its peak RSS.
	batch := map[string]string{}
	for _, kind := range []string{"hostile", "same-size", "ordinary"} {
		if batch[kind], err = goBench(nil, "./internal/pipeline", "GapBatch/"+kind+"$", "3x"); err != nil {
			return nil, err
		}
	}
	m := func(kind, unit string) float64 { return metricOfBench(batch[kind], "GapBatch", unit) }
	against := func(kind string) string {
		return fmt.Sprintf("%.0f ms against %.0f ms (%.1f×; processor time %.0f against %.0f ms, %.1f×), peak RSS %.0f MB against %.0f MB",
			m("hostile", "ns/op")/1e6, m(kind, "ns/op")/1e6, m("hostile", "ns/op")/m(kind, "ns/op"),
			m("hostile", "cpu-ms/op"), m(kind, "cpu-ms/op"), m("hostile", "cpu-ms/op")/m(kind, "cpu-ms/op"),
			m("hostile", "peak-MB"), m(kind, "peak-MB"))
	}
	rows = append(rows,
		gapRow{fmt.Sprintf("evaluating and grouping 300 conversations whose questions are 32,000 characters of words (%.1f MB), against an ordinary batch of the same size (%.0f sample conversations, %.0f gap questions), this run",
			m("hostile", "body-MB"), m("same-size", "conversations"), m("same-size", "questions")),
			"RSS < 300 MB, time within 2×", against("same-size")},
		gapRow{"the same 300 against 300 conversations of the same shape with ordinary questions, this run", "", against("ordinary")})
	return rows, nil
}

// evaluatedIn finds how long `parley evaluate` took to evaluate, apart
// from grouping the gap questions it found.
const evaluatedIn = `evaluated \d+ conversations .* in (\S+)\n`

// parleyOutput runs the parley binary with args and returns what it
// printed on standard output; what it says on standard error is passed on.
func parleyOutput(bin string, args ...string) ([]byte, error) {
	c := exec.Command(bin, args...)
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("parley %s: %w", args[0], err)
	}
	return out, nil
}

// unchangedOf reads how many conversations parley evaluate or rebuild
// found as they were stored ("N of them unchanged"); 0 when it says none.
func unchangedOf(out []byte) int {
	m := regexp.MustCompile(`(?m)^(\d+) of them unchanged`).FindSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// durationAfter finds the duration the pattern's group captures in out.
func durationAfter(out []byte, pattern string) (time.Duration, error) {
	m := regexp.MustCompile(pattern).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no %q in %q", pattern, out)
	}
	return time.ParseDuration(string(m[1]))
}

// peakRSS serves dsn with a real `parley serve`, asks for the 12-week
// report many times, and returns the process's peak resident memory.
func peakRSS(bin, dsn string) (float64, error) {
	tok, err := parleyOutput(bin, "token", "create", "--db", dsn, "--name", "bench", "--scopes", "read")
	if err != nil {
		return 0, err
	}
	serve := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	stderr, err := serve.StderrPipe()
	if err != nil {
		return 0, err
	}
	if err := serve.Start(); err != nil {
		return 0, err
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
	}()
	var base string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := regexp.MustCompile(`"url":"(http://[^"]+)"`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if base == "" {
		return 0, fmt.Errorf("serve printed no address")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, q := range []string{"range=last_12_weeks", "range=last_52_weeks", "range=last_4_weeks&granularity=day", "limit=1000"} {
		path := "/api/v1/reports/performance?"
		if strings.HasPrefix(q, "limit") {
			path = "/api/v1/conversations?"
		}
		for range 10 {
			req, _ := http.NewRequestWithContext(ctx, "GET", base+path+q, nil)
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, err
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				return 0, fmt.Errorf("%s: %d", path, res.StatusCode)
			}
		}
	}
	return proc.PeakRSS(serve.Process.Pid)
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func cmd(dir string, env []string, name string, args ...string) error {
	c := exec.Command(name, args...)
	c.Dir, c.Stdout, c.Stderr = dir, os.Stderr, os.Stderr
	c.Env = append(os.Environ(), env...)
	return c.Run()
}

// goBench runs one package's benchmarks and returns their output.
func goBench(env []string, pkg, pattern, benchtime string) (string, error) {
	c := exec.Command("go", "test", "-run", "XXX", "-bench", pattern, "-benchtime", benchtime, pkg)
	c.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, os.Stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, out.String())
	}
	os.Stderr.Write(out.Bytes())
	return out.String(), nil
}

func benchMetric(env []string, pkg, pattern, benchtime, unit string) (float64, error) {
	out, err := goBench(env, pkg, pattern, benchtime)
	if err != nil {
		return 0, err
	}
	return metricOf(out, unit), nil
}

// metricOf finds "<value> <unit>" on the first benchmark line.
func metricOf(out, unit string) float64 {
	return metricOfBench(out, "", unit)
}

// metricOfBench finds "<value> <unit>" on the line of the named benchmark.
func metricOfBench(out, name, unit string) float64 {
	re := regexp.MustCompile(`([0-9.]+) ` + regexp.QuoteMeta(unit) + `(\s|$)`)
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "Benchmark") || !strings.Contains(line, name) {
			continue
		}
		if m := re.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			return v
		}
	}
	return 0
}
