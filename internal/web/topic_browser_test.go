//go:build browser

package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
)

// An editor resolves a topic covering the questions they chose, with the
// select-all boxes, then finds its short answer on the topic's page; a
// merge waits for a confirmation that names the topic merged.
func TestBrowserTopicPage(t *testing.T) {
	srv, _, _ := reportServer(t)
	ctx, dir := browserSized(t, 1280, 1800, 40*time.Second)
	signIn(t, ctx, srv.URL)
	first, second, detail := openTopics(t, srv, 2)
	open := 0
	for _, q := range detail.Questions {
		if q.State == parley.GapOpen {
			open++
		}
	}
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/gaps/%d?lang=en", srv.URL, first)), chromedp.WaitVisible(`#questions-form [data-select-all]`))
	count := func(sel string) int {
		return must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
	}
	// Select all in the question table checks every box of it, and again
	// clears them.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#questions-form [data-select-all]`)))
	if n, all := count(`#questions-form input[name=q]:checked`), count(`#questions-form input[name=q]`); n != all || n == 0 {
		t.Errorf("select all checked %d of %d questions", n, all)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#questions-form [data-select-all]`)))
	if n := count(`#questions-form input[name=q]:checked`); n != 0 {
		t.Errorf("clearing select all left %d questions checked", n)
	}
	// The resolve form lists every open question, all chosen; clearing
	// them and choosing one covers that one.
	if n := count(`.covers input[name=q]:checked`); n != open {
		t.Errorf("the resolve form has %d questions chosen, the topic %d open", n, open)
	}
	screenshot(t, ctx, dir, "topic-resolve-en")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`.covers [data-select-all]`)),
		chromedp.Click(chromedp.CSS(`.covers li:first-child input[name=q]`)),
		chromedp.SendKeys(chromedp.CSS(`#resolve-title ~ form textarea[name=answer]`), "Refunds reach your card within 5 working days."),
		chromedp.Click(chromedp.CSS(`#resolve-title ~ form button[type=submit]`)),
		chromedp.WaitVisible(`.notice`),
	)
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, first), nil, &detail)
	resolved := 0
	for _, q := range detail.Questions {
		if q.State == parley.GapResolved {
			resolved++
		}
	}
	if resolved != 1 {
		t.Errorf("%d questions resolved, the editor chose 1", resolved)
	}
	if h := must(t, ctx, chromedp.Text(`#resolve-title`)); h != "Short answer" {
		t.Errorf("after resolving, the panel is %q, want the short answer", h)
	}
	if a := must(t, ctx, chromedp.Evaluate[string](`document.querySelector('#resolve-title ~ form textarea[name=answer]').value`)); !strings.Contains(a, "5 working days") {
		t.Errorf("the short answer to edit reads %q", a)
	}
	screenshot(t, ctx, dir, "topic-answered-en")

	// Merge names the topic and asks first.
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`select[name=from]`), fmt.Sprint(second)),
	)
	screenshot(t, ctx, dir, "topic-merge-chosen-en")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`input[value=merge] ~ button`)),
		chromedp.WaitVisible(`.confirm`),
	)
	var other topicReply
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, second), nil, &other)
	if text := must(t, ctx, chromedp.Text(`.confirm`)); !strings.Contains(text, other.Topic.Title()) {
		t.Errorf("the merge confirmation does not name %q: %q", other.Topic.Title(), text)
	}
	screenshot(t, ctx, dir, "topic-merge-confirm-en")
	do(t, ctx, chromedp.Click(chromedp.CSS(`.confirm button[type=submit]`)), chromedp.WaitVisible(`.notice`))
	if ids := topicIDs(t, srv, ""); len(ids) > 0 && ids[0] == second {
		t.Errorf("topic %d still open after the confirmed merge", second)
	}
}
