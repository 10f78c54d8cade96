//go:build browser

package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium (Debian's chromium
// package) against a real server and store. Run them with
//
//	go test -tags browser ./internal/web
//
// Screenshots go to $PARLEY_ARTIFACTS (default: a temporary directory).

func browser(t *testing.T) (context.Context, string) {
	t.Helper()
	return browserSized(t, 1280, 1800, 90*time.Second)
}

// browserSized starts a Chromium of its own with a window of width×height
// that the test may drive for at most limit.
func browserSized(t *testing.T, width, height int, limit time.Duration) (context.Context, string) {
	t.Helper()
	exec := os.Getenv("PARLEY_CHROMIUM")
	if exec == "" {
		exec = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exec); err != nil {
		t.Fatalf("no Chromium at %s (install Debian's chromium, or set PARLEY_CHROMIUM): %v", exec, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.NoSandbox,
		chromedp.WindowSize(width, height),
		chromedp.Flag("lang", "en-US"),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, limit)
	t.Cleanup(cancel3)
	dir := os.Getenv("PARLEY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "parley-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return ctx, dir
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	img := must(t, ctx, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// do runs browser steps, failing the test on any error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// must runs one browser action that yields a value.
func must[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signedIn is a browser signed in at base as the admin.
func signedIn(t *testing.T, base string) (context.Context, string) {
	t.Helper()
	ctx, dir := browser(t)
	signIn(t, ctx, base)
	return ctx, dir
}

// signIn signs the browser in as reportServer's admin through the form.
func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/signin?lang=en"),
		chromedp.WaitVisible(`input[name=email]`),
		chromedp.SendKeys(`input[name=email]`, "admin@example.com"),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`form[action="/signout"]`),
	)
}

func TestBrowserSignIn(t *testing.T) {
	srv, _, _ := reportServer(t)
	ctx, dir := browser(t)
	// A page asks for sign-in and comes back to where it was asked for.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/gaps?lang=en"),
		chromedp.WaitVisible(`input[name=password]`),
		chromedp.SendKeys(`input[name=email]`, "admin@example.com"),
		chromedp.SendKeys(`input[name=password]`, "not the password"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`[role=alert]`),
	)
	if msg := must(t, ctx, chromedp.Text(`[role=alert]`)); !strings.Contains(msg, "do not match") {
		t.Errorf("wrong password says %q", msg)
	}
	screenshot(t, ctx, dir, "signin-wrong")
	do(t, ctx,
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`table.topics`),
	)
	if path := must(t, ctx, chromedp.Evaluate[string](`location.pathname`)); path != "/gaps" {
		t.Errorf("after sign-in the browser is at %s, want /gaps", path)
	}
	if user := must(t, ctx, chromedp.Text(`header .user`)); user != "admin@example.com" {
		t.Errorf("header shows %q", user)
	}
	do(t, ctx,
		chromedp.Click(`form[action="/signout"] button`),
		chromedp.WaitVisible(`input[name=password]`),
		chromedp.Navigate(srv.URL+"/reports"),
		chromedp.WaitVisible(`input[name=password]`),
	)
}

func TestBrowserPerformance(t *testing.T) {
	srv, _, _ := reportServer(t)
	ctx, dir := signedIn(t, srv.URL)
	r := getReport(t, srv, "")

	// The page loads with its charts and the same numbers as the API.
	do(t, ctx, chromedp.Navigate(srv.URL+"/reports?lang=en"), chromedp.WaitVisible(`#chart-handled .plot-wide svg`))
	handled := must(t, ctx, chromedp.Text(`.cards .card:nth-child(2) .card-value`))
	bars := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#chart-handled .plot-wide svg [data-value]').length`))
	if want := thousands(r.LastWeek.Metrics.Handled); strings.TrimSpace(handled) != want {
		t.Errorf("Handled card shows %q, the API's last week %s", handled, want)
	}
	if bars == 0 {
		t.Error("the handled chart has no bars")
	}
	screenshot(t, ctx, dir, "performance-en")

	// Choosing a channel and applying changes the numbers to the API's.
	email := getReport(t, srv, "channel=email")
	do(t, ctx,
		chromedp.Click(`input[name=channel][value=email]`),
		chromedp.Click(`.filters button[type=submit]`),
		chromedp.WaitVisible(`form.filters[data-query*="channel=email"]`),
	)
	totals := must(t, ctx, chromedp.Text(`.totals tbody tr:nth-child(2) td:nth-child(2)`))
	if want := thousands(email.Totals.Handled); strings.TrimSpace(totals) != want {
		t.Errorf("after filtering to email, handled shows %q, want %s", totals, want)
	}

	// The Resolved total leads to the resolved conversations.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/reports?lang=en&range=last_4_weeks"),
		chromedp.Click(`.totals tbody tr:nth-child(4) td:nth-child(2) a`),
		chromedp.WaitVisible(`table.conversations`),
	)
	path := must(t, ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	badges := must(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('table.conversations tbody td:nth-child(4) .badge:first-child')).map(e => e.textContent)`))
	if !strings.HasPrefix(path, "/conversations?") || !strings.Contains(path, "outcome=resolved") {
		t.Errorf("drill-down went to %s", path)
	}
	if len(badges) == 0 {
		t.Fatal("no conversations listed")
	}
	for _, b := range badges {
		if b != "Resolved" {
			t.Fatalf("drill-down to resolved lists a %q conversation", b)
		}
	}
	screenshot(t, ctx, dir, "conversations-resolved")

	// A conversation explains its outcome.
	do(t, ctx,
		chromedp.Click(`table.conversations tbody tr:first-child td:first-child a`),
		chromedp.WaitVisible(`.criteria`),
	)
	if why := must(t, ctx, chromedp.Text(`.criteria`)); !strings.Contains(why, "passed") {
		t.Errorf("the explanation reads %q", why)
	}
	screenshot(t, ctx, dir, "conversation")
}

func TestBrowserTraditionalChinese(t *testing.T) {
	srv, _, _ := reportServer(t)
	ctx, dir := signedIn(t, srv.URL)
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/reports?lang=en"),
		chromedp.Click(`a[lang="zh-TW"]`),
		chromedp.WaitVisible(`#chart-handled .plot-wide svg`),
	)
	h1 := must(t, ctx, chromedp.Text(`h1`))
	cardTitle := must(t, ctx, chromedp.Text(`.cards .card:first-child .card-title`))
	cjkFont := must(t, ctx, chromedp.Evaluate[bool](`document.fonts.check('16px "Noto Sans CJK TC"', '已解決')`))
	labelWidth := must(t, ctx, chromedp.Evaluate[float64](`(() => { const t = Array.from(document.querySelectorAll('#chart-handled .plot-wide svg text')).find(e => /[\u4e00-\u9fff]/.test(e.textContent)); return t ? t.getBBox().width : -1 })()`))
	if h1 != "成效" || cardTitle != "已解決" {
		t.Errorf("zh-TW page: h1 %q, first card %q", h1, cardTitle)
	}
	if !cjkFont {
		t.Error("no CJK font available to the browser: Chinese would render as boxes")
	}
	if labelWidth <= 0 {
		t.Errorf("the chart's Chinese legend has width %v", labelWidth)
	}
	screenshot(t, ctx, dir, "performance-zh-TW")
}

func TestBrowserResolveAndDismiss(t *testing.T) {
	srv, _, _ := reportServer(t)
	ctx, dir := signedIn(t, srv.URL)
	open := topicIDs(t, srv, "")

	// Resolve the biggest topic from its page.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/gaps?lang=en"),
		chromedp.WaitVisible(`table.topics`),
	)
	screenshot(t, ctx, dir, "gaps")
	do(t, ctx,
		chromedp.Click(`table.topics tbody tr:first-child td:first-child a`),
		chromedp.WaitVisible(`#resolve-title`),
		chromedp.SendKeys(`textarea[name=answer]`, "Refunds reach your card within 5 working days."),
		chromedp.Click(`#resolve-title ~ form button[type=submit]`),
		chromedp.WaitVisible(`.notice`),
	)
	notice := must(t, ctx, chromedp.Text(`.notice`))
	state := must(t, ctx, chromedp.Text(`h1 .badge`))
	// The badge's text is the state's word, capitalised by the style sheet.
	if !strings.Contains(notice, "resolved") || !strings.EqualFold(state, "resolved") {
		t.Errorf("after Create and resolve: notice %q, state %q", notice, state)
	}
	screenshot(t, ctx, dir, "topic-resolved")
	if ids := topicIDs(t, srv, "state=resolved"); len(ids) != 1 || ids[0] != open[0] {
		t.Errorf("resolved topics %v, want [%d]", ids, open[0])
	}

	// Dismiss the next topic, then find it in the dismissed view.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/gaps?lang=en"),
		chromedp.Click(`table.topics tbody tr:first-child td:first-child a`),
		chromedp.WaitVisible(`#resolve-title`),
		chromedp.Click(`input[name=action][value=dismiss] + button`),
		chromedp.WaitVisible(`.notice`),
		chromedp.Navigate(srv.URL+"/gaps?lang=en&state=dismissed"),
		chromedp.WaitVisible(`table.topics`),
	)
	rows := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.topics tbody tr').length`))
	if rows != 1 {
		t.Errorf("the dismissed view lists %d topics, want 1", rows)
	}
	if ids := topicIDs(t, srv, "state=dismissed"); len(ids) != 1 || ids[0] != open[1] {
		t.Errorf("dismissed topics %v, want [%d]", ids, open[1])
	}
	screenshot(t, ctx, dir, "gaps-dismissed")
}
