//go:build browser

package web_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// TestBrowserCSAT opens the CSAT card's explanation and the CSAT chart's
// numbers on the Performance page, in both languages and at both widths,
// then follows a rated conversation's rating to its survey event.
func TestBrowserCSAT(t *testing.T) {
	srv, db, ws := reportServer(t)
	ctx, dir := signedIn(t, srv.URL)
	for _, size := range screens {
		for _, lang := range []string{"en", "zh-TW"} {
			do(t, ctx,
				chromedp.EmulateViewport(size.width, size.height),
				chromedp.Navigate(srv.URL+"/reports?range=last_4_weeks&lang="+lang),
				chromedp.WaitVisible(`#chart-csat`),
				chromedp.Click(`.cards .card:last-child details summary`),
				chromedp.WaitVisible(`.cards .card:last-child details p`),
			)
			how := must(t, ctx, chromedp.Text(`.cards .card:last-child details p`))
			if !strings.Contains(how, "5") || strings.Contains(how, "%!") {
				t.Errorf("%s: the CSAT card explains %q", lang, how)
			}
			screenshot(t, ctx, dir, "csat-page-"+lang+"-"+size.name)
			element(t, ctx, dir, ".cards .card:last-child", "csat-card-"+lang+"-"+size.name)
			element(t, ctx, dir, "table.totals", "csat-totals-"+lang+"-"+size.name)
			do(t, ctx,
				chromedp.ScrollIntoView(`#chart-csat`),
				chromedp.Click(`#chart-csat details summary`),
				chromedp.WaitVisible(`#chart-csat details table`),
			)
			if mean := must(t, ctx, chromedp.Text(`#chart-csat details table tbody tr:first-child td:nth-child(7)`)); !strings.Contains(mean, ".") && mean != "–" {
				t.Errorf("%s: the first week's mean rating reads %q", lang, mean)
			}
			if href := must(t, ctx, chromedp.AttributeValue(`#chart-csat a.csv`, "href")); !strings.Contains(href.Value, "chart=csat") {
				t.Errorf("the CSV link is %q", href.Value)
			}
			element(t, ctx, dir, "#chart-csat", "csat-chart-"+lang+"-"+size.name)
		}
	}

	// A rated conversation: the rating links to its survey event.
	for _, conv := range getConversations(t, srv, "") {
		events, err := db.ConversationEvents(context.Background(), ws.ID, conv.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		rated := ""
		for _, e := range events {
			if e.Type == parley.EventCSAT && e.Comment != "" {
				rated = e.ID
			}
		}
		if rated == "" {
			continue
		}
		do(t, ctx,
			chromedp.EmulateViewport(1440, 1000),
			chromedp.Navigate(srv.URL+"/conversations/"+url.PathEscape(conv.ConversationID)+"?lang=zh-TW"),
			chromedp.WaitVisible(`dl.facts`),
		)
		element(t, ctx, dir, "main", "csat-conversation-zh-TW")
		do(t, ctx,
			chromedp.Click(`dl.facts a[href="#e-`+rated+`"]`),
			chromedp.WaitVisible(`#e-`+rated),
		)
		if hash := must(t, ctx, chromedp.Evaluate[string](`location.hash`)); hash != "#e-"+rated {
			t.Errorf("following the rating went to %q", hash)
		}
		return
	}
	t.Fatal("no rated conversation with a comment")
}

// element saves a screenshot of the first element sel matches.
func element(t *testing.T, ctx context.Context, dir, sel, name string) {
	t.Helper()
	img := must(t, ctx, chromedp.Screenshot(sel))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
}
