package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/synth"
)

// tuesday is a Tuesday morning: last week is not all decided yet, and
// this week has hardly begun.
var tuesday = time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC)

// tuesdayDesk is three weeks of a steady desk up to tuesday, evaluated
// then, with an admin whose session has reportData's secret (so that
// client, which tests in parallel share, is signed in here too). It is
// built once per test run; tuesdayServer serves a copy to each test.
var tuesdayDesk = storetest.NewDBFixture("tuesday", func(t testing.TB, db *store.DB) {
	ctx := context.Background()
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, tuesday)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertEvents(ctx, ws.ID, storetest.Synthetic(t, synth.Options{Conversations: 1500, Days: 22, End: tuesday, Seed: 3})); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.New(db, pipeline.Options{Now: func() time.Time { return tuesday }}).Pass(ctx); err != nil {
		t.Fatal(err)
	}
	sessionWith(t, db, ws, "admin@example.com", parley.RoleAdmin, tuesday, adminCookie)
})

// tuesdayServer serves a copy of tuesdayDesk with the clock frozen at
// tuesday, and a worker of its own evaluating that copy then.
func tuesdayServer(t testing.TB) (*httptest.Server, *store.DB, parley.Workspace, *pipeline.Worker) {
	t.Helper()
	db := tuesdayDesk.New(t)
	ws, err := db.Workspace(context.Background(), parley.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return tuesday }})
	return serveAt(t, db, tuesday), db, ws, w
}

// figure returns the HTML of one chart of the page.
func figure(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `id="chart-`+id+`"`)
	if start < 0 {
		t.Fatalf("the page has no chart %s", id)
	}
	end := strings.Index(body[start:], "</figure>")
	return body[start : start+end]
}

// TestPerformanceOnATuesday: early in a week the cards show last week,
// provisional with its pending count, against the week before, with this
// week so far beside them; no change that pending conversations could
// reverse is coloured; rate charts leave out the buckets that are mostly
// pending, and their tooltips say what each point rests on.
func TestPerformanceOnATuesday(t *testing.T) {
	t.Parallel()
	srv, _, _, _ := tuesdayServer(t)
	r := getReport(t, srv, "")
	_, _, body := get(t, srv.URL+"/reports?lang=en")
	last := r.LastWeek.Metrics
	for _, want := range []string{"Impact last week", "Mar 16, 2026 to Mar 22, 2026",
		fmt.Sprintf("provisional · %s pending", thousands(last.Pending)), "This week so far:",
		fmt.Sprintf(">%s<", thousands(last.Handled))} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if last.Pending == 0 || r.ThisWeek.Metrics.Pending == 0 {
		t.Fatalf("on a Tuesday last week has %d pending and this week %d; the test wants both", last.Pending, r.ThisWeek.Metrics.Pending)
	}
	cards := body[strings.Index(body, `<div class="cards">`):strings.Index(body, `id="totals-title"`)]
	for i, c := range r.Impact {
		html := strings.Split(cards, `<div class="card">`)[i+1]
		coloured := strings.Contains(html, "card-change trend-up good") || strings.Contains(html, "card-change trend-down") || strings.Contains(html, " bad")
		if coloured != (c.Change.Direction != "") {
			t.Errorf("%s card: coloured %v, but the change is %+v:\n%s", c.Metric, coloured, c.Change, html)
		}
		if c.Change.Uncalled == report.TooPending && !strings.Contains(html, "not known yet") {
			t.Errorf("%s card: a change pending could reverse is shown:\n%s", c.Metric, html)
		}
		// A change the test cannot tell from chance says so, with its p.
		if c.Change.Uncalled == report.NotSignificant && (!strings.Contains(html, "not significant · p = ") || !strings.Contains(html, "z = ")) {
			t.Errorf("%s card: a change that is not significant does not say so:\n%s", c.Metric, html)
		}
		// The interval of a rate or a median is on its value's hover.
		if c.Week.Interval != nil && !strings.Contains(html, `title="95% interval: `) {
			t.Errorf("%s card: the interval %+v is not on the value:\n%s", c.Metric, c.Week.Interval, html)
		}
	}
	// The totals table has a column of intervals, and the rate's tooltips
	// and CSV carry them.
	totals := body[strings.Index(body, `id="totals-title"`):strings.Index(body, `id="charts-title"`)]
	if i := r.Totals.ResolutionRateInterval; i == nil || !strings.Contains(totals, "95% interval") ||
		!strings.Contains(totals, fmt.Sprintf("%.1f%% – %.1f%%", i.Low*100, i.High*100)) {
		t.Errorf("the totals do not show the resolution rate's interval %+v:\n%.2000s", i, totals)
	}
	if !strings.Contains(figure(t, body, "resolution_rate"), "95% interval ") {
		t.Error("the resolution rate's tooltips lack the interval")
	}
	_, _, csv := get(t, srv.URL+"/api/v1/reports/performance?from="+r.From+"&to="+r.To+"&format=csv&chart=resolution_rate")
	if header, _, _ := strings.Cut(csv, "\n"); !strings.Contains(header, "resolution_rate,resolution_rate_low,resolution_rate_high") {
		t.Errorf("the resolution rate's CSV header is %q, want its bounds after it", header)
	}
	for _, chart := range []string{"resolution_rate", "handoff_rate"} {
		fig := figure(t, body, chart)
		drawn := 0
		for _, b := range r.Series {
			if report.Drawn(b.Decided, b.Pending) {
				drawn++
			}
		}
		wide, _, _ := strings.Cut(fig, `class="plot-narrow"`) // the chart as drawn for phones follows
		if got := strings.Count(wide, "<circle"); got != drawn || drawn == len(r.Series) {
			t.Errorf("%s: %d points drawn of %d buckets, want %d (the mostly pending ones left out)", chart, got, len(r.Series), drawn)
		}
		for _, b := range r.Series {
			if !report.Drawn(b.Decided, b.Pending) {
				continue
			}
			if note := fmt.Sprintf("%s decided", thousands(b.Decided)); !strings.Contains(fig, note) {
				t.Errorf("%s: no tooltip says %q", chart, note)
			}
		}
	}
	ttc := figure(t, body, "time_to_close")
	if !strings.Contains(ttc, "logarithmic") || strings.Count(ttc, "<circle") == 0 {
		t.Errorf("the time to close chart is not drawn on a logarithmic axis:\n%.400s", ttc)
	}
	for _, id := range []string{"handoff_reasons", "unresolved_reasons", "time_to_close_by_outcome"} {
		if fig := figure(t, body, id); !strings.Contains(fig, "<svg") || !strings.Contains(fig, "format=csv&amp;chart="+id) {
			t.Errorf("chart %s lacks its SVG or CSV link", id)
		}
	}
	// The handoff reasons chart names the reasons in words, most
	// frequent first, as its table does.
	reasons := figure(t, body, "handoff_reasons")
	if !strings.Contains(reasons, "Visitor asked for a human") || !strings.Contains(reasons, "Could not answer") {
		t.Errorf("the reasons are not named in words:\n%.600s", reasons)
	}
}

// TestPerformanceWhileRecomputing: after a settings change the page keeps
// the previous numbers, says it is recomputing and how far it has come,
// and loads itself again until the new numbers are complete; the API says
// the same, and `recomputing` is null once done.
func TestPerformanceWhileRecomputing(t *testing.T) {
	t.Parallel()
	srv, db, ws := reportServer(t)
	ctx := context.Background()
	stored, err := db.Count(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := getReport(t, srv, "")
	s := ws.Settings
	s.TimeZone = "Asia/Taipei"
	if _, err := db.UpdateSettings(ctx, ws.ID, s); err != nil {
		t.Fatal(err)
	}
	during := getReport(t, srv, "")
	if during.Recomputing == nil || during.Recomputing.Done != 0 || during.Recomputing.Total != stored.Conversations || during.Recomputing.Settings.TimeZone != "Asia/Taipei" {
		t.Fatalf("while recomputing: %+v, want 0 of %d towards Asia/Taipei", during.Recomputing, stored.Conversations)
	}
	if during.Settings.TimeZone != "UTC" || during.Totals.Handled != before.Totals.Handled || during.Totals.Resolved != before.Totals.Resolved {
		t.Errorf("while recomputing the report says %s, %d handled, %d resolved; before %s, %d, %d",
			during.Settings.TimeZone, during.Totals.Handled, during.Totals.Resolved, before.Settings.TimeZone, before.Totals.Handled, before.Totals.Resolved)
	}
	_, _, body := get(t, srv.URL+"/reports?lang=en")
	for _, want := range []string{"Recomputing with the new settings — 0 of " + thousands(stored.Conversations) + " conversations", "New settings: time zone UTC → Asia/Taipei.",
		`<meta http-equiv="refresh"`, fmt.Sprintf(">%s<", thousands(before.Totals.Handled))} {
		if !strings.Contains(body, want) {
			t.Errorf("while recomputing the page lacks %q", want)
		}
	}
	_, _, zh := get(t, srv.URL+"/reports?lang=zh-TW")
	if !strings.Contains(zh, "正在以新設定重新計算 — 已完成 0 / "+thousands(stored.Conversations)+" 則對話") {
		t.Error("the zh-TW page does not say it is recomputing")
	}
	if _, err := pipeline.New(db, pipeline.Options{Now: func() time.Time { return reportNow }}).Pass(ctx); err != nil {
		t.Fatal(err)
	}
	after := getReport(t, srv, "")
	_, _, body = get(t, srv.URL+"/reports?lang=en")
	if after.Recomputing != nil || after.Settings.TimeZone != "Asia/Taipei" || strings.Contains(body, "Recomputing") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Errorf("once recomputed: %+v in %s, and the page still says it is recomputing: %v", after.Recomputing, after.Settings.TimeZone, strings.Contains(body, "Recomputing"))
	}
}

// Every chart's table of numbers has its headers in the page's language:
// none is a column's slug (snake_case), and in zh-TW every one but the
// names that stay as they are (CSAT) has Chinese in it.
func TestChartTableHeadersInWords(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	header := regexp.MustCompile(`<th>([^<]*)</th>`)
	for _, lang := range []string{"en", "zh-TW"} {
		code, _, body := get(t, srv.URL+"/reports?lang="+lang)
		if code != http.StatusOK {
			t.Fatalf("reports: %d", code)
		}
		tables := strings.Split(body, `<details class="numbers">`)[1:]
		if len(tables) < 10 {
			t.Fatalf("%s: only %d chart tables", lang, len(tables))
		}
		for _, tbl := range tables {
			thead, _, _ := strings.Cut(tbl, "</thead>")
			for _, m := range header.FindAllStringSubmatch(thead, -1) {
				name := html.UnescapeString(m[1])
				if strings.Contains(name, "_") {
					t.Errorf("%s: a chart table's header is the slug %q", lang, name)
				}
				if lang == "zh-TW" && !strings.HasPrefix(name, "CSAT") && !strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
					t.Errorf("zh-TW: a chart table's header %q is not in Chinese", name)
				}
			}
		}
	}
}
