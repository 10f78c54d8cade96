//go:build browser

package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFixes opens the Fixes tab from the Knowledge gaps page, sorts
// it, follows a fix to its topic's own numbers and chart and back, follows
// the conversations answered with the short answer, and looks at the tab
// and the topic page in both languages at 1440 and 390 px.
func TestBrowserFixes(t *testing.T) {
	srv, db, ws := reportServer(t)
	top, _ := fixedTopic(t, db, ws)
	ctx, dir := signedIn(t, srv.URL)
	do(t, ctx,
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(srv.URL+"/gaps?lang=en"),
		chromedp.Click(`nav.tabs a[href="/gaps/fixes"]`),
		chromedp.WaitVisible(`table.fixes`),
	)
	if n := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.fixes tbody tr').length`)); n != 1 {
		t.Fatalf("%d fixes listed, want 1", n)
	}
	do(t, ctx, chromedp.Click(`nav.sorts a[href*="sort=topic"]`), chromedp.WaitVisible(`table.fixes`))
	if q := must(t, ctx, chromedp.Evaluate[string](`location.search`)); !strings.Contains(q, "sort=topic") {
		t.Errorf("the sort link led to %q", q)
	}
	if cur := must(t, ctx, chromedp.Text(`nav.sorts a[aria-current="true"]`)); cur != "Topic" {
		t.Errorf("the current sort reads %q", cur)
	}
	screenshot(t, ctx, dir, "fixes-sorted")
	do(t, ctx, chromedp.Click(fmt.Sprintf(`table.fixes a[href="/gaps/%d"]`, top.ID)), chromedp.WaitVisible(`#fix-title`))
	if n := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('section.fix svg rect').length`)); n == 0 {
		t.Error("the topic's fix has no bars")
	}
	screenshot(t, ctx, dir, "fix-topic")
	do(t, ctx, chromedp.Click(`section.fix a[href="/gaps/fixes"]`), chromedp.WaitVisible(`table.fixes`))
	do(t, ctx, chromedp.Click(`table.fixes a[href^="/conversations?"]`), chromedp.WaitVisible(`main`))
	if body := must(t, ctx, chromedp.Text(`main`)); !strings.Contains(body, "fixed-1") {
		t.Errorf("the conversations answered with the short answer do not list fixed-1")
	}
	for _, size := range screens {
		do(t, ctx, chromedp.EmulateViewport(size.width, size.height))
		for _, lang := range []string{"en", "zh-TW"} {
			do(t, ctx, chromedp.Navigate(srv.URL+"/gaps/fixes?lang="+lang), chromedp.WaitVisible(`table.fixes`))
			screenshot(t, ctx, dir, "fixes-"+lang+"-"+size.name)
			do(t, ctx, chromedp.Navigate(srv.URL+fmt.Sprintf("/gaps/%d?lang=%s", top.ID, lang)), chromedp.WaitVisible(`#fix-title`))
			screenshot(t, ctx, dir, "fix-topic-"+lang+"-"+size.name)
		}
	}
}
