//go:build browser

package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSetAside follows Settings to the Set aside tab, reads the
// failed conversation's error, retries it with its button, and after the
// conversation is mended and evaluated finds the list empty — in both
// languages, at both widths.
func TestBrowserSetAside(t *testing.T) {
	srv, _, _, w, mend, _ := setAsideServer(t)
	ctx, dir := signedIn(t, srv.URL)
	for _, size := range screens {
		for _, lang := range []string{"en", "zh-TW"} {
			do(t, ctx,
				chromedp.EmulateViewport(size.width, size.height),
				chromedp.Navigate(srv.URL+"/settings?lang="+lang),
				chromedp.WaitVisible(`nav.tabs a[href="/settings/set-aside"]`),
				chromedp.Click(`nav.tabs a[href="/settings/set-aside"]`),
				chromedp.WaitVisible(`table.setaside`),
			)
			if e := must(t, ctx, chromedp.Text(`table.setaside tbody tr td:nth-child(3)`)); !strings.Contains(e, "stored body of event") {
				t.Errorf("%s: the error reads %q", lang, e)
			}
			screenshot(t, ctx, dir, "setaside-"+lang+"-"+size.name)
			do(t, ctx,
				chromedp.Click(`table.setaside tbody tr form button`),
				chromedp.WaitVisible(`.notice`),
			)
			if n := must(t, ctx, chromedp.Text(`.notice`)); !strings.Contains(n, "1") {
				t.Errorf("%s: after the retry the notice reads %q", lang, n)
			}
			screenshot(t, ctx, dir, "setaside-retried-"+lang+"-"+size.name)
			// Not mended yet: the retry fails again and sets it aside.
			if _, err := w.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	mend()
	// From a page without a notice, so that the wait is for the retry's
	// answer and not the notice still shown from the last one.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/settings/set-aside?lang=en"),
		chromedp.WaitVisible(`table.setaside`),
		chromedp.Click(`table.setaside tbody tr form button`),
		chromedp.WaitVisible(`.notice`),
	)
	if _, err := w.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/settings/set-aside?lang=zh-TW"),
		chromedp.WaitVisible(`p.empty`),
	)
	screenshot(t, ctx, dir, "setaside-empty-zh-TW")
}
