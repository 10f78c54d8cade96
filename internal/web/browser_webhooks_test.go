//go:build browser

package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/web"
	"github.com/parleyhq/parley/internal/webhook"
)

// TestBrowserWebhooks makes a webhook on Settings › Webhooks, sends it a
// test delivery that the receiver on loopback refuses, opens the delivery
// from the log, sends it again once the receiver is back and sees it
// succeed; then looks at the three pages in both languages at 1440 and
// 390 px.
func TestBrowserWebhooks(t *testing.T) {
	_, db, _ := reportServer(t)
	var (
		mu     sync.Mutex
		answer = http.StatusServiceUnavailable
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(answer)
	}))
	defer recv.Close()
	policy := parley.WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	now := func() time.Time { return reportNow }
	sender := webhook.New(db, webhook.Options{Now: now, Policy: policy, Timeout: 2 * time.Second})
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	go sender.Run(sctx)
	srv := serveWith(t, db, web.Options{Now: now, WebhookPolicy: policy, OnWebhook: sender.Wake})

	ctx, dir := signedIn(t, srv.URL)
	do(t, ctx,
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(srv.URL+"/settings?lang=en"),
		chromedp.Click(`nav.tabs a[href="/settings/webhooks"]`),
		chromedp.WaitVisible(`input[name=url]`),
		chromedp.SendKeys(`input[name=url]`, recv.URL+"/parley"),
		chromedp.SendKeys(`input[name=description]`, "CRM sync"),
		chromedp.Click(`aside form button[type=submit]`),
		chromedp.WaitVisible(`#new-secret`),
	)
	if secret := must(t, ctx, chromedp.Text(`#new-secret`)); !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the secret shown is %q", secret)
	}
	screenshot(t, ctx, dir, "webhooks-created")
	// Its page, from the link beside the secret; a test delivery.
	do(t, ctx,
		chromedp.Click(`[role=status] a`),
		chromedp.WaitVisible(`aside form button`),
		chromedp.Click(`form.inline input[value=ping] ~ button`),
		chromedp.WaitVisible(`[role=status]`),
	)
	waitFor := func(what string) {
		t.Helper()
		for range 50 {
			if body := must(t, ctx, chromedp.Text(`main`)); strings.Contains(body, what) {
				return
			}
			time.Sleep(100 * time.Millisecond)
			do(t, ctx, chromedp.Reload())
		}
		t.Fatalf("the page never showed %q", what)
	}
	waitFor("503")
	screenshot(t, ctx, dir, "webhook-log-failed")
	// The delivery's own page lists the refused attempt; send it again
	// once the receiver takes it.
	mu.Lock()
	answer = http.StatusOK
	mu.Unlock()
	do(t, ctx,
		chromedp.Click(`table.deliveries a`),
		chromedp.WaitVisible(`pre.payload`),
		chromedp.Click(`main > form.inline button`),
		chromedp.WaitVisible(`[role=status]`),
	)
	if path := must(t, ctx, chromedp.Evaluate[string](`location.pathname`)); !strings.Contains(path, "/deliveries/") {
		t.Errorf("send again led to %s, not back to the delivery", path)
	}
	waitFor("succeeded")
	if rows := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.deliveries tbody tr').length`)); rows != 2 {
		t.Errorf("the delivery lists %d attempts, want 2", rows)
	}
	screenshot(t, ctx, dir, "webhook-delivery-replayed")
	deliveryURL := must(t, ctx, chromedp.Evaluate[string](`location.pathname`))
	hookURL := must(t, ctx, chromedp.Evaluate[string](`document.querySelector('main p a').getAttribute('href')`))
	for _, size := range screens {
		do(t, ctx, chromedp.EmulateViewport(size.width, size.height))
		for _, lang := range []string{"en", "zh-TW"} {
			for name, path := range map[string]string{"webhooks": "/settings/webhooks", "webhook": hookURL, "delivery": deliveryURL} {
				do(t, ctx, chromedp.Navigate(srv.URL+path+"?lang="+lang), chromedp.WaitVisible(`main h1`))
				if lang == "zh-TW" && !strings.Contains(must(t, ctx, chromedp.Text(`main`)), "Webhook") {
					t.Errorf("%s in zh-TW", name)
				}
				screenshot(t, ctx, dir, name+"-"+lang+"-"+size.name)
			}
		}
	}
}
