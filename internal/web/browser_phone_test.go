//go:build browser

package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// On a phone (390 px wide) every page the journey reaches fits the width:
// the page itself never scrolls sideways (a wide table scrolls in its own
// box), the header folds, and chart text is at least 11 px. The tour
// clicks its way there, in English and in Traditional Chinese (switching
// with the header's language links), and keeps a screenshot of every page
// at 390 and 1440 px in both languages in $PARLEY_ARTIFACTS.
func TestBrowserPhones(t *testing.T) {
	srv := journeyServer(t)
	ctx, dir := browserSized(t, 1440, 1000, 10*time.Minute)
	signInAs(t, ctx, srv.URL, "admin@example.com")
	do(t, ctx, chromedp.EmulateViewport(390, 844))

	tour := &phoneTour{t: t, ctx: ctx, dir: dir, base: srv.URL, seen: map[string]bool{}}
	tour.walk()
	if len(tour.pages) < 15 {
		t.Errorf("the tour reached only %d kinds of page: %v", len(tour.pages), tour.pages)
	}

	// The same pages as a desktop shows them, for the eye.
	do(t, ctx, chromedp.EmulateViewport(1440, 1000))
	for _, p := range tour.pages {
		for _, lang := range []string{"en", "zh-TW"} {
			u, _ := url.Parse(p.url)
			q := u.Query()
			q.Set("lang", lang)
			u.RawQuery = q.Encode()
			do(t, ctx, chromedp.Navigate(u.String()), chromedp.WaitReady(`main`))
			screenshot(t, ctx, dir, fmt.Sprintf("tour-1440-%s-%s", lang, p.name))
		}
	}
}

// phoneTour walks the site at 390 px.
type phoneTour struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	base  string
	seen  map[string]bool // kinds of page (see kind) already checked
	pages []tourPage
}

// tourPage is one kind of page and an address of it.
type tourPage struct{ name, url string }

var digits = regexp.MustCompile(`[0-9%]`)

// kind is what layout a page has: its path with ids replaced, and the tab
// or state it shows.
func kind(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		if digits.MatchString(s) || (i == 1 && segs[0] == "conversations") {
			segs[i] = "id"
		}
	}
	k := strings.Join(segs, "-")
	if st := u.Query().Get("state"); st != "" {
		k += "-" + st
	} else if k == "gaps" {
		k += "-open"
	}
	return k
}

// walk opens the Performance page, clicks every header link, and from
// each of those pages every link to a kind of page not yet seen.
func (p *phoneTour) walk() {
	p.t.Helper()
	do(p.t, p.ctx, chromedp.Navigate(p.base+"/reports?lang=en"), chromedp.WaitReady(`main`))
	p.arrive()
	header := p.links(`header a[href]`)
	for _, h := range header {
		p.click(p.base+"/reports?lang=en", h)
	}
	for _, h := range header {
		for _, l := range p.links(`main a[href]`, h) {
			p.click(h, l)
		}
	}
}

// links lists the same-site links matching sel of the page at from (the
// current page when from is omitted) that lead to a kind of page not yet
// seen, one per kind.
func (p *phoneTour) links(sel string, from ...string) []string {
	p.t.Helper()
	if len(from) > 0 {
		do(p.t, p.ctx, chromedp.Navigate(from[0]), chromedp.WaitReady(`main`))
	}
	all := must(p.t, p.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelectorAll(%q))
		.filter(a => !a.hasAttribute('download') && !a.closest('.langs'))
		.map(a => new URL(a.getAttribute('href'), location.href).href)`, sel)))
	var out []string
	kinds := map[string]bool{}
	for _, h := range all {
		u, err := url.Parse(h)
		if err != nil || u.Host != strings.TrimPrefix(p.base, "http://") || strings.HasPrefix(u.Path, "/static/") ||
			u.Query().Get("format") == "csv" || u.Fragment != "" {
			continue
		}
		if k := kind(u); !p.seen[k] && !kinds[k] {
			kinds[k] = true
			out = append(out, h)
		}
	}
	return out
}

// click goes to the page at from and clicks its link to href, then checks
// the page it leads to in both languages.
func (p *phoneTour) click(from, href string) {
	p.t.Helper()
	u, _ := url.Parse(href)
	if p.seen[kind(u)] {
		return
	}
	do(p.t, p.ctx, chromedp.Navigate(from), chromedp.WaitReady(`main`))
	ok := must(p.t, p.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const a = Array.from(document.querySelectorAll('a[href]')).find(a => a.href === %q);
		if (!a) return false;
		a.scrollIntoView({block: 'center'});
		a.dataset.tour = '1';
		return true; })()`, href)))
	if !ok {
		p.t.Errorf("on %s, no link to %s", from, href)
		return
	}
	click := chromedp.Click(`[data-tour="1"]`)
	if !must(p.t, p.ctx, chromedp.Evaluate[bool](`(() => { const a = document.querySelector('[data-tour="1"]');
		const r = a.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !a.closest('details:not([open])'); })()`)) {
		// In a closed <details> or a bar of no height: nothing to click.
		click = chromedp.Evaluate[chromedp.Void](`location.assign(document.querySelector('[data-tour="1"]').href)`)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, click); err != nil {
		p.t.Errorf("on %s, clicking %s: %v", from, href, err)
		return
	}
	do(p.t, p.ctx, chromedp.WaitReady(`main`))
	p.arrive()
}

// arrive checks the current page in English, switches it to Traditional
// Chinese with the header's link and checks it again, and back.
func (p *phoneTour) arrive() {
	p.t.Helper()
	here, _ := url.Parse(must(p.t, p.ctx, chromedp.Evaluate[string](`location.href`)))
	k := kind(here)
	if p.seen[k] {
		return
	}
	p.seen[k] = true
	p.pages = append(p.pages, tourPage{name: k, url: here.String()})
	for _, lang := range []string{"zh-TW", "en"} {
		p.fits(k, must(p.t, p.ctx, chromedp.Evaluate[string](`location.pathname + location.search`)))
		screenshot(p.t, p.ctx, p.dir, fmt.Sprintf("tour-390-%s-%s", must(p.t, p.ctx, chromedp.Evaluate[string](`document.documentElement.lang`)), k))
		ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
		_, err := chromedp.RunResponse(ctx, chromedp.Click(fmt.Sprintf(`header .langs a[lang=%q]`, lang)))
		cancel()
		if err != nil {
			p.t.Errorf("%s: switching to %s: %v", k, lang, err)
			return
		}
		do(p.t, p.ctx, chromedp.WaitReady(`main`))
	}
}

// pageFit is how the page sits in the window.
type pageFit struct {
	ScrollWidth, InnerWidth, HeaderWidth int
	// Wide lists elements that stick out of the window, SmallText chart
	// text under 11 px, a few of each.
	Wide, SmallText []string
}

// fits checks that the current page fits 390 px: no sideways scroll of the
// page, a header no wider than the window, chart text of 11 px or more.
func (p *phoneTour) fits(k, where string) {
	p.t.Helper()
	got := must(p.t, p.ctx, chromedp.Evaluate[pageFit](`(() => {
		const inner = window.innerWidth;
		// What sticks out of the window, outside a box that scrolls.
		const wide = Array.from(document.querySelectorAll('body *')).filter(e => {
			const r = e.getBoundingClientRect();
			if (r.width === 0 || r.right <= inner + 0.5) return false;
			for (let p = e.parentElement; p; p = p.parentElement) {
				const o = getComputedStyle(p).overflowX;
				if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
			}
			return true;
		}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
		const small = [];
		for (const svg of document.querySelectorAll('svg')) {
			const vb = svg.viewBox && svg.viewBox.baseVal;
			const box = svg.getBoundingClientRect();
			if (!vb || !vb.width || box.width === 0) continue;
			const scale = box.width / vb.width;
			for (const t of svg.querySelectorAll('text')) {
				const px = parseFloat(getComputedStyle(t).fontSize) * scale;
				if (px < 11 - 0.05 && t.textContent.trim() !== '') small.push(t.textContent.trim().slice(0, 20) + ' ' + px.toFixed(1) + 'px');
			}
		}
		const header = document.querySelector('header.top');
		return {ScrollWidth: document.documentElement.scrollWidth, InnerWidth: inner, Wide: wide,
			SmallText: small.slice(0, 5), HeaderWidth: header ? Math.ceil(header.scrollWidth) : 0};
	})()`))
	lang := must(p.t, p.ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if got.ScrollWidth > got.InnerWidth {
		p.t.Errorf("%s (%s, %s) scrolls sideways at %d px: %d px wide; sticking out: %v", k, lang, where, got.InnerWidth, got.ScrollWidth, got.Wide)
	}
	if got.HeaderWidth > got.InnerWidth {
		p.t.Errorf("%s (%s): the header is %d px wide at %d px", k, lang, got.HeaderWidth, got.InnerWidth)
	}
	if len(got.SmallText) > 0 {
		p.t.Errorf("%s (%s): chart text under 11 px at %d px: %v", k, lang, got.InnerWidth, got.SmallText)
	}
}
