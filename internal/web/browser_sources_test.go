//go:build browser

package web_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// TestBrowserSources sets up a Chatwoot source and an OpenTelemetry source
// on Settings › Sources as an admin would: creates them, copies the URL,
// lets Chatwoot deliver, sets the signing secret Chatwoot shows, sees a
// refused delivery, and revokes a source; in English and Traditional
// Chinese, on a wide screen and a phone.
func TestBrowserSources(t *testing.T) {
	s := newSourceServer(t)
	// Four sizes and languages, three times over: more than one page's time.
	ctx, dir := browserSized(t, 1280, 1800, 5*time.Minute)
	signIn(t, ctx, s.srv.URL)
	shots := func(name string) {
		for _, size := range []struct {
			name          string
			width, height int64
		}{{"1440", 1440, 1000}, {"390", 390, 844}} {
			for _, lang := range []string{"en", "zh-TW"} {
				do(t, ctx,
					chromedp.EmulateViewport(size.width, size.height),
					chromedp.Navigate(s.url("/settings/sources?lang="+lang)),
					chromedp.WaitVisible(`aside.panel form`),
				)
				screenshot(t, ctx, dir, fmt.Sprintf("sources-%s-%s-%s", name, lang, size.name))
			}
		}
		do(t, ctx, chromedp.EmulateViewport(1440, 1000), chromedp.Navigate(s.url("/settings/sources?lang=en")), chromedp.WaitVisible(`aside.panel form`))
	}
	shots("empty")
	if text := must(t, ctx, chromedp.Text(`main`)); !strings.Contains(text, "No sources yet") {
		t.Errorf("the empty page says %q", text)
	}

	// The Settings tabs lead here.
	do(t, ctx,
		chromedp.Navigate(s.url("/settings?lang=en")),
		chromedp.Click(`nav.tabs a[href="/settings/sources"]`),
		chromedp.WaitVisible(`aside.panel form`),
	)

	// A Chatwoot source: the URL is shown once.
	do(t, ctx,
		chromedp.SetValue(`aside select[name=kind]`, "chatwoot"),
		chromedp.SendKeys(`aside input[name=name]`, "Chatwoot, support site"),
		chromedp.Click(`aside button[type=submit]`),
		chromedp.WaitVisible(`#new-source-url`),
	)
	hook := strings.TrimSpace(must(t, ctx, chromedp.Text(`#new-source-url`)))
	if !strings.HasPrefix(hook, s.srv.URL+"/hooks/chatwoot/ps_") {
		t.Fatalf("the page shows the URL %q", hook)
	}
	screenshot(t, ctx, dir, "sources-created-chatwoot")
	if text := must(t, ctx, chromedp.Text(`.notice.created`)); !strings.Contains(text, "Settings › Integrations › Webhooks") {
		t.Errorf("the notice says %q", text)
	}

	// Chatwoot delivers the three exchanges, and one body that is no webhook.
	files := fixtures(t)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if status, out := deliver(t, hook, files[name]); status != 200 {
			t.Fatalf("%s: %d %v", name, status, out)
		}
	}
	if status, _ := deliver(t, hook, []byte(`["not a webhook"]`)); status != 400 {
		t.Fatalf("a bad body: %d", status)
	}
	do(t, ctx, chromedp.Navigate(s.url("/settings/sources?lang=en")), chromedp.WaitVisible(`li.source`))
	card := must(t, ctx, chromedp.Text(`li.source`))
	for _, want := range []string{fmt.Sprintf("%d accepted: 15 events stored", len(files)), "Rejected\n1", "one per request", "not checked"} {
		if !strings.Contains(card, want) {
			t.Errorf("the source's card lacks %q:\n%s", want, card)
		}
	}

	// Chatwoot shows the webhook's secret; the admin sets it here.
	do(t, ctx,
		chromedp.SendKeys(`li.source form.secret-form input[name=signing_secret]`, "wh_secret_from_chatwoot"),
		chromedp.Click(`li.source form.secret-form button`),
		chromedp.WaitVisible(`p.notice[role=status]`),
	)
	if card := must(t, ctx, chromedp.Text(`li.source`)); !strings.Contains(card, "checked (signing secret set)") {
		t.Errorf("after setting the secret, the card says:\n%s", card)
	}
	// An unsigned delivery is refused now, and the card says why.
	if status, _ := deliver(t, hook, files["bot_answer_02_visitor_message.json"]); status != 401 {
		t.Fatalf("an unsigned delivery to a signed source: %d", status)
	}
	do(t, ctx, chromedp.Navigate(s.url("/settings/sources?lang=en")), chromedp.WaitVisible(`li.source dd.refused`))
	if r := must(t, ctx, chromedp.Text(`li.source dd.refused`)); !strings.Contains(r, "1 since this server started") || !strings.Contains(r, "X-Chatwoot-Signature") {
		t.Errorf("the refusal reads %q", r)
	}

	// An OpenTelemetry source: the exporter's settings are shown once.
	do(t, ctx,
		chromedp.SetValue(`aside select[name=kind]`, "otlp"),
		chromedp.SendKeys(`aside input[name=name]`, "Agent traces"),
		chromedp.Click(`aside button[type=submit]`),
		chromedp.WaitVisible(`#new-source-env`),
	)
	env := must(t, ctx, chromedp.Text(`#new-source-env`))
	if !strings.Contains(env, "OTEL_EXPORTER_OTLP_ENDPOINT="+s.srv.URL+"/otlp") || !strings.Contains(env, "Authorization=Bearer ps_") {
		t.Errorf("the exporter's settings read %q", env)
	}
	screenshot(t, ctx, dir, "sources-created-otlp")
	shots("two")

	// Revoking the OpenTelemetry source (the newest, listed first).
	do(t, ctx,
		chromedp.Click(`li.source:first-child button.danger`),
		chromedp.WaitVisible(`li.source.revoked`),
	)
	srcs, err := s.db.Sources(context.Background(), s.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 2 || srcs[0].Kind != parley.SourceOTLP || srcs[0].Live() || !srcs[1].Live() || !srcs[1].Signed {
		t.Errorf("stored sources %+v", srcs)
	}
	shots("revoked")
}
