//go:build browser

package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// screens are the widths pages are looked at: a laptop and a phone.
var screens = []struct {
	name          string
	width, height int64
}{{"1440", 1440, 1000}, {"390", 390, 844}}

// TestBrowserSettings changes the resolution definition on the Settings
// page, in English and in Traditional Chinese, on a wide screen and a
// phone, and follows it to the Performance page, which names the
// definition its numbers were made with.
func TestBrowserSettings(t *testing.T) {
	srv, db, ws := reportServer(t)
	ctx, dir := signedIn(t, srv.URL)
	for _, size := range screens {
		do(t, ctx, chromedp.EmulateViewport(size.width, size.height))
		for _, lang := range []string{"en", "zh-TW"} {
			do(t, ctx,
				chromedp.Navigate(srv.URL+"/settings?lang="+lang),
				chromedp.WaitVisible(`#definition`),
			)
			screenshot(t, ctx, dir, "settings-"+lang+"-"+size.name)
		}
	}
	do(t, ctx,
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(srv.URL+"/settings?lang=en"),
		chromedp.WaitVisible(`#definition`),
		chromedp.Click(`input[name=resolution_criterion][value=any_agent_reply]`),
		chromedp.Click(`input[type=checkbox][name=failed_last_action]`),
		chromedp.SetValue(`input[name=window]`, "10m"),
		chromedp.Click(`form.panel button[type=submit]`),
		chromedp.WaitVisible(`[role=alert]`),
	)
	if msg := must(t, ctx, chromedp.Text(`[role=alert]`)); !strings.Contains(msg, "window") {
		t.Errorf("a 10-minute window says %q", msg)
	}
	// The refused form keeps what was entered.
	if checked := must(t, ctx, chromedp.Evaluate[bool](`document.querySelector('input[value=any_agent_reply]').checked && document.querySelector('input[type=checkbox][name=failed_last_action]').checked`)); !checked {
		t.Error("the refused form lost the choices made")
	}
	screenshot(t, ctx, dir, "settings-refused")
	do(t, ctx,
		chromedp.SetValue(`input[name=window]`, "48h"),
		chromedp.Click(`form.panel button[type=submit]`),
		chromedp.WaitVisible(`[role=status]`),
	)
	screenshot(t, ctx, dir, "settings-saved")
	got, err := db.Workspace(context.Background(), ws.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Settings; s.ResolutionCriterion != parley.CriterionAnyAgentReply || !s.FailedLastAction || s.Window.Hours() != 48 || got.SettingsVersion != 2 {
		t.Errorf("saved %+v version %d", s, got.SettingsVersion)
	}
	// Until the outcomes are recomputed the report keeps the previous
	// numbers, and says which settings it is computing.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/reports?lang=en"),
		chromedp.WaitVisible(`#recompute-note`),
	)
	if note := must(t, ctx, chromedp.Text(`#recompute-note`)); !strings.Contains(note, "any agent reply") || !strings.Contains(note, "“last action failed” rule off → on") || !strings.Contains(note, "48 hours") {
		t.Errorf("the report's recompute notice says %q", note)
	}
}
