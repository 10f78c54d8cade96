//go:build browser

package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPerformanceOnATuesday opens the Performance page on a
// Tuesday morning, with a frozen clock, in both languages at a desk's and
// a phone's width: it opens a card's explanation and a chart's numbers,
// follows a card to its conversations and a chart's CSV, then changes the
// time zone and watches the page keep its numbers while it recomputes.
func TestBrowserPerformanceOnATuesday(t *testing.T) {
	srv, db, ws, w := tuesdayServer(t)
	ctx, dir := browser(t)
	signIn(t, ctx, srv.URL)
	r := getReport(t, srv, "")

	for _, lang := range []string{"en", "zh-TW"} {
		for _, width := range []int64{1440, 390} {
			do(t, ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(srv.URL+"/reports?lang="+lang),
				chromedp.WaitVisible(`#chart-handoff_reasons`),
				chromedp.Click(`.cards .card:first-child details.how summary`),
				chromedp.Click(`#chart-handoff_reasons details.numbers summary`),
				chromedp.WaitVisible(`#chart-handoff_reasons details.numbers table`),
			)
			screenshot(t, ctx, dir, fmt.Sprintf("performance-tuesday-%s-%d", lang, width))
		}
	}

	// The Handled card shows last week's number and leads to its
	// conversations.
	do(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+"/reports?lang=en"), chromedp.WaitVisible(`.cards`))
	handled := must(t, ctx, chromedp.Text(`.cards .card:nth-child(2) .card-value`))
	if want := thousands(r.LastWeek.Metrics.Handled); strings.TrimSpace(handled) != want {
		t.Errorf("Handled card shows %q, the API's last week %s", handled, want)
	}
	soFar := must(t, ctx, chromedp.Text(`.cards .card:first-child .card-so-far`))
	if want := thousands(r.ThisWeek.Metrics.Pending) + " pending"; !strings.Contains(soFar, want) {
		t.Errorf("the Resolved card says %q of this week, want %q in it", soFar, want)
	}
	do(t, ctx, chromedp.Click(`.cards .card:nth-child(2) .card-value a`), chromedp.WaitVisible(`table.conversations`))
	path := must(t, ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	if !strings.Contains(path, "from="+r.LastWeek.From) || !strings.Contains(path, "to="+r.LastWeek.To) || !strings.Contains(path, "outcome=handled") {
		t.Errorf("the Handled card led to %s", path)
	}

	// The reasons chart's CSV has a row per bucket and a column per
	// reason, as its table.
	do(t, ctx, chromedp.Navigate(srv.URL+"/reports?lang=en"), chromedp.WaitVisible(`#chart-handoff_reasons`))
	href := must(t, ctx, chromedp.Evaluate[string](`document.querySelector('#chart-handoff_reasons a.csv').href`))
	csv := must(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.text())`, href), chromedp.EvalAwaitPromise))
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != len(r.Series)+1 || !strings.HasPrefix(lines[0], "from,to,provisional,human_handoffs,") || !strings.Contains(lines[0], "customer_request") {
		t.Errorf("the reasons CSV reads:\n%s", csv)
	}

	// A new time zone: the same numbers stay, marked, until recomputed.
	s := ws.Settings
	s.TimeZone = "Asia/Taipei"
	if _, err := db.UpdateSettings(context.Background(), ws.ID, s); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(srv.URL+"/reports?lang=en"), chromedp.WaitVisible(`#recompute-note`))
	note := must(t, ctx, chromedp.Text(`#recompute-note`))
	if !strings.Contains(note, "0 of 1,500 conversations") {
		t.Errorf("the recompute note reads %q", note)
	}
	if again := must(t, ctx, chromedp.Text(`.cards .card:nth-child(2) .card-value`)); again != handled {
		t.Errorf("while recomputing the Handled card shows %q, before %q", again, handled)
	}
	screenshot(t, ctx, dir, "performance-recomputing-en-1440")
	do(t, ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(srv.URL+"/reports?lang=zh-TW"), chromedp.WaitVisible(`#recompute-note`))
	screenshot(t, ctx, dir, "performance-recomputing-zh-TW-390")
	if _, err := w.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+"/reports?lang=en"), chromedp.WaitVisible(`.cards`))
	if n := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#recompute-note').length`)); n != 0 {
		t.Error("the recompute note stays once the numbers are complete")
	}
}
