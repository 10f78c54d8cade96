//go:build browser

package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserUsage goes from the Performance page to its Sources tab,
// sorts by resolution rate, follows a source's number to its
// conversations, then opens the Actions tab; and looks at both tabs in
// both languages at 1440 and 390 px.
func TestBrowserUsage(t *testing.T) {
	srv, _, _ := reportServer(t)
	ctx, dir := signedIn(t, srv.URL)
	do(t, ctx,
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(srv.URL+"/reports?lang=en&range=last_4_weeks"),
		chromedp.Click(`nav.tabs a[href^="/reports/sources"]`),
		chromedp.WaitVisible(`table.usage`),
	)
	if q := must(t, ctx, chromedp.Evaluate[string](`location.search`)); !strings.Contains(q, "range=last_4_weeks") {
		t.Errorf("the tab lost the range: %s", q)
	}
	do(t, ctx, chromedp.Click(`table.usage th a[href*="sort=resolution_rate"]`), chromedp.WaitVisible(`table.usage`))
	// Sorted by resolution rate, highest first; sources with no decided
	// conversation (–) last.
	rates := must(t, ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll('table.usage tbody tr td:nth-child(3)')].map(td => parseFloat(td.textContent) || -1)`))
	for i := 1; i < len(rates); i++ {
		if rates[i] > rates[i-1] {
			t.Errorf("resolution rates not highest first: %v", rates)
			break
		}
	}
	if len(rates) < 3 {
		t.Fatalf("%d sources", len(rates))
	}
	// The sorted column shows one arrow, the one the stylesheet draws from
	// aria-sort on every sortable table, as a person sees it.
	header := must(t, ctx, chromedp.Evaluate[string](`(a => a.textContent + getComputedStyle(a, '::after').content)(document.querySelector('table.usage th[aria-sort] a'))`))
	if n := strings.Count(header, "↓") + strings.Count(header, "↑"); n != 1 {
		t.Errorf("sorted column header %q shows %d arrows, want 1", header, n)
	}
	screenshot(t, ctx, dir, "usage-sources-sorted")
	want := must(t, ctx, chromedp.Text(`table.usage tbody tr td:nth-child(2) a`))
	do(t, ctx, chromedp.Click(`table.usage tbody tr td:nth-child(2) a`), chromedp.WaitVisible(`main`))
	if path := must(t, ctx, chromedp.Evaluate[string](`location.pathname + location.search`)); !strings.HasPrefix(path, "/conversations?") || !strings.Contains(path, "source=") {
		t.Fatalf("the number led to %s", path)
	}
	if body := must(t, ctx, chromedp.Text(`main`)); !strings.Contains(body, want) {
		t.Errorf("the conversations page does not say %s conversations", want)
	}
	screenshot(t, ctx, dir, "usage-source-conversations")
	for _, size := range screens {
		do(t, ctx, chromedp.EmulateViewport(size.width, size.height))
		for _, lang := range []string{"en", "zh-TW"} {
			for _, view := range []string{"sources", "actions"} {
				do(t, ctx, chromedp.Navigate(srv.URL+"/reports/"+view+"?range=last_4_weeks&lang="+lang), chromedp.WaitVisible(`table.usage`))
				screenshot(t, ctx, dir, "usage-"+view+"-"+lang+"-"+size.name)
			}
		}
	}
}
