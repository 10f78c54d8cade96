//go:build browser

package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/synth"
)

// The journey tests use Parley as a person does: they sign in through the
// form as a viewer, an editor and an admin, open every page the header
// leads to, click every link of this site they find there and on the pages
// those lead to, submit every GET form, and check that each target answers
// 2xx and shows what its link asked for. Nothing here names a link: a link
// added to a page later is clicked and checked as well.

// journeyNow is a Tuesday evening in the workspace's zone (Asia/Taipei):
// the current week is two days old, as a support lead sees it on most days.
var journeyNow = time.Date(2026, 3, 17, 10, 0, 0, 0, time.UTC)

// journeyMid is when an editor acted on the gaps, a week before: questions
// asked since then are recurrences of what was resolved.
var journeyMid = journeyNow.Add(-8 * 24 * time.Hour)

// journeyServer serves five weeks of generated conversations in a workspace
// on Taipei time, where an editor resolved one topic and dismissed another
// (and some questions of a third) a week ago, so every tab has rows and
// the resolved topic has recurrences. It has a viewer, an editor and an
// admin, all with testPassword.
func journeyServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db, ws := newWorkspace(t, journeyMid)
	st := ws.Settings
	st.TimeZone = "Asia/Taipei"
	if _, err := db.UpdateSettings(ctx, ws.ID, st); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := synth.Generate(&buf, synth.Options{Conversations: 1500, Days: 35, End: journeyNow.Add(-2 * time.Hour), Seed: 7}); err != nil {
		t.Fatal(err)
	}
	var before, after bytes.Buffer
	for line := range bytes.Lines(buf.Bytes()) {
		var e struct {
			OccurredAt time.Time `json:"occurred_at"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		if e.OccurredAt.Before(journeyMid) {
			before.Write(line)
		} else {
			after.Write(line)
		}
	}
	ingestAt(t, db, ws, &before, journeyMid)

	// The editor's work of a week ago, through the API as any client does.
	mid := serveAt(t, db, journeyMid)
	api := clientWith(credentials{bearer: token(t, db, ws, journeyMid, parley.ScopeWrite)}, true)
	call := func(method, path, body string) []byte {
		t.Helper()
		req := httptest.NewRequest(method, mid.URL+path, strings.NewReader(body))
		req.RequestURI = ""
		req.Header.Set("Content-Type", "application/json")
		res, err := api.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out.String())
		}
		return out.Bytes()
	}
	var open struct{ Topics []parley.TopicSummary }
	if err := json.Unmarshal(call("GET", "/api/v1/gaps", ""), &open); err != nil {
		t.Fatal(err)
	}
	if len(open.Topics) < 4 {
		t.Fatalf("only %d open topics to act on", len(open.Topics))
	}
	id := func(i int) string { return strconv.FormatInt(open.Topics[i].ID, 10) }
	call("POST", "/api/v1/gaps/"+id(0)+"/resolve", `{"question": "How long does a refund take?", "answer": "Refunds reach your card within 5 working days."}`)
	call("POST", "/api/v1/gaps/"+id(1)+"/dismiss", `{}`)
	call("POST", "/api/v1/gaps/"+id(2)+"/rename", `{"name": "Card delivery"}`)
	var third struct{ Questions []parley.GapQuestion }
	if err := json.Unmarshal(call("GET", "/api/v1/gaps/"+id(3), ""), &third); err != nil {
		t.Fatal(err)
	}
	q, _ := json.Marshal(map[string]any{"questions": []string{third.Questions[0].EventID}})
	call("POST", "/api/v1/gaps/"+id(3)+"/dismiss_questions", string(q))

	ingestAt(t, db, ws, &after, journeyNow)
	for _, role := range parley.Roles {
		session(t, db, ws, string(role)+"@example.com", role, journeyNow)
	}
	srv := serveAt(t, db, journeyNow)
	return srv
}

// signInAs signs the browser in through the form.
func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/signin?lang=en"),
		chromedp.WaitVisible(`input[name=email]`),
		chromedp.SendKeys(`input[name=email]`, email),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`form[action="/signout"]`),
	)
}

func TestBrowserJourney(t *testing.T) {
	srv := journeyServer(t)
	for _, role := range []parley.Role{parley.RoleViewer, parley.RoleEditor, parley.RoleAdmin} {
		t.Run(string(role), func(t *testing.T) {
			ctx, _ := browserSized(t, 1440, 1000, 8*time.Minute)
			signInAs(t, ctx, srv.URL, string(role)+"@example.com")
			// Every role clicks every link; the admin, who sees every page,
			// also tries every choice of every form and more downloads,
			// which read the same data whoever asks.
			j := &journey{t: t, ctx: ctx, base: srv.URL, groups: map[string]int{}, done: map[string]bool{},
				thorough: role == parley.RoleAdmin}
			j.walk()
			t.Logf("%s: %d links followed, %d CSV downloads checked, %d form submissions", role, j.links, j.csvs, j.submits)
			if j.links < 20 || j.submits < 3 {
				t.Errorf("the walk found too little to be a walk: %d links, %d forms", j.links, j.submits)
			}
		})
	}
}

// journey is one person's walk through the site.
type journey struct {
	t      *testing.T
	ctx    context.Context
	base   string
	groups map[string]int  // links followed per group (see group)
	done   map[string]bool // exact URLs and forms already handled
	// thorough submits each form with every choice (else as it is only)
	// and downloads perCSV links of a kind (else one).
	thorough bool
	// What was done, for the log and a sanity check.
	links, csvs, submits int
}

// perGroup is how many links of one group are followed: links that differ
// only in their dates or in which row they open do the same thing.
const perGroup = 1

// perCSV is how many CSV links of one group, on pages of one path, are
// downloaded: the same link on pages with other filters must carry them.
const perCSV = 3

// group is what a link does: its path with ids replaced, and its
// parameters with their values, but for the dates, the channels, the
// cursor and free text, of which only the name counts.
func group(u *url.URL) string {
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if strings.ContainsAny(s, "0123456789%") {
			segs[i] = "*"
		}
	}
	q := u.Query()
	for _, k := range []string{"from", "to", "after", "q", "channel", "workspace"} {
		if q.Has(k) {
			q.Set(k, "*")
		}
	}
	return strings.Join(segs, "/") + "?" + q.Encode()
}

func (j *journey) perCSV() int {
	if j.thorough {
		return perCSV
	}
	return 1
}

// csvGroup is what a download link does: its path, chart and the names
// of its parameters.
func csvGroup(u *url.URL) string {
	q := u.Query()
	return u.Path + " " + q.Get("chart") + " " + strings.Join(slices.Sorted(maps.Keys(q)), ",")
}

// link is an <a> of the current page, as the browser resolved it.
type link struct {
	I        int
	Href     string
	Rel      string
	Download bool
	Visible  bool
	Text     string
}

// markLinks numbers the page's links (HTML and SVG) and describes them.
const markLinks = `(() => Array.from(document.querySelectorAll('a[href]')).map((a, i) => {
	a.dataset.journey = i;
	const href = new URL(a.getAttribute('href'), location.href).href;
	const r = a.getClientRects();
	const box = a.getBoundingClientRect();
	return {I: i, Href: href, Rel: a.getAttribute('rel') || '', Download: a.hasAttribute('download'),
		Visible: r.length > 0 && box.width > 0 && box.height > 0 && !a.closest('details:not([open])'),
		Text: (a.textContent.trim() || a.getAttribute('aria-label') || '').slice(0, 60)};
}))()`

// where returns the browser's current URL.
func (j *journey) where() *url.URL {
	j.t.Helper()
	u, err := url.Parse(must(j.t, j.ctx, chromedp.Evaluate[string](`location.href`)))
	if err != nil {
		j.t.Fatal(err)
	}
	return u
}

// open navigates to a page and fails unless it answers 2xx.
func (j *journey) open(u string) {
	j.t.Helper()
	res, err := chromedp.Run(j.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		j.t.Fatalf("open %s: %v", u, err)
	}
	if status := j.status(res); status < 200 || status > 299 {
		j.t.Fatalf("open %s: HTTP %d", u, status)
	}
}

// status is the HTTP status of the document the browser shows, from the
// response of its navigation or, when none was seen, from the page's own
// navigation timing.
func (j *journey) status(res *network.Response) int64 {
	if res != nil {
		return res.Status
	}
	return must(j.t, j.ctx, chromedp.Evaluate[int64](`performance.getEntriesByType('navigation')[0].responseStatus`))
}

// walk opens every page the header links to and walks two levels from there.
func (j *journey) walk() {
	j.open(j.base + "/reports")
	var header []string
	for _, h := range must(j.t, j.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('header a[href]')).map(a => a.href)`)) {
		if u, _ := url.Parse(h); u != nil && j.ours(u) && !slices.Contains(header, h) {
			header = append(header, h)
		}
	}
	next := j.page(j.base+"/reports", true)
	for _, h := range header {
		if j.done[h] {
			continue
		}
		j.done[h] = true
		next = append(next, j.page(h, true)...)
	}
	for _, u := range next {
		j.page(u, false)
	}
}

// ours reports whether u is a page of this site worth following.
func (j *journey) ours(u *url.URL) bool {
	b, _ := url.Parse(j.base)
	return u.Host == b.Host && (u.Scheme == "http" || u.Scheme == "https") && !strings.HasPrefix(u.Path, "/static/")
}

// page checks every link and GET form of the page at src; with expand, it
// returns the pages its links led to, to be walked in turn.
func (j *journey) page(src string, expand bool) []string {
	j.t.Helper()
	j.open(src)
	here := j.where()
	var found []string
	links := must(j.t, j.ctx, chromedp.Evaluate[[]link](markLinks))
	for _, l := range links {
		u, err := url.Parse(l.Href)
		if err != nil {
			j.t.Errorf("on %s, link %q has a bad href %q", here, l.Text, l.Href)
			continue
		}
		if !j.ours(u) || (u.Fragment != "" && u.Path == here.Path && u.RawQuery == here.RawQuery) {
			continue
		}
		if l.Download || u.Query().Get("format") == "csv" {
			if g := "csv " + here.Path + " " + csvGroup(u); !j.done["csv "+l.Href] && j.groups[g] < j.perCSV() {
				j.done["csv "+l.Href] = true
				j.groups[g]++
				j.open(src)
				must(j.t, j.ctx, chromedp.Evaluate[[]link](markLinks))
				j.checkCSV(here, l)
			}
			continue
		}
		g := group(u)
		if j.done[l.Href] || j.groups[g] >= perGroup {
			continue
		}
		j.done[l.Href] = true
		j.groups[g]++
		// Each click leaves the page: come back, and number its links again.
		if here.String() != j.where().String() || !must(j.t, j.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector('[data-journey="%d"]')`, l.I))) {
			j.open(src)
			must(j.t, j.ctx, chromedp.Evaluate[[]link](markLinks))
		}
		if landed := j.follow(here, l); landed != "" && expand {
			found = append(found, landed)
		}
	}
	for _, landed := range j.forms(src) {
		if expand {
			found = append(found, landed)
		}
	}
	return found
}

// follow clicks link l of the page at src and checks where it leads.
// It returns the URL it landed on, or "" when that failed.
func (j *journey) follow(src *url.URL, l link) string {
	j.t.Helper()
	j.links++
	sel := fmt.Sprintf(`[data-journey="%d"]`, l.I)
	click := chromedp.Click(chromedp.CSS(sel))
	if !l.Visible {
		// In a closed <details>, or a bar of height 0: nothing a mouse can
		// click, so the browser goes to its address.
		click = chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.assign(document.querySelector('%s').href.baseVal ?? document.querySelector('%s').href)`, sel, sel))
	}
	ctx, cancel := context.WithTimeout(j.ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, click)
	if err != nil {
		j.t.Errorf("on %s, clicking %q (%s): %v", src, l.Text, l.Href, err)
		return ""
	}
	if status := j.status(res); status < 200 || status > 299 {
		j.t.Errorf("on %s, %q (%s) answers HTTP %d", src, l.Text, l.Href, status)
		return ""
	}
	u, _ := url.Parse(l.Href)
	what := fmt.Sprintf("on %s, link %q (%s)", src.RequestURI(), l.Text, u.RequestURI())
	for k := range u.Query() {
		if strings.ContainsAny(k, "=&") {
			j.t.Errorf("%s: the query is mangled: parameter name %q", what, k)
		}
	}
	j.check(what, u.Query())
	// A tab or a sort header leads to the page where it is the current one.
	if !must(j.t, j.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`((href) => Array.from(document.querySelectorAll('main a[href]'))
		.filter(a => a.href === href && a.closest('nav, thead'))
		.every(a => { const box = a.closest('nav, thead');
			const mark = '[aria-current]:not([aria-current=false]), [aria-sort]';
			return !box.querySelector(mark) || a.closest(mark); }))(%q)`, l.Href))) {
		j.t.Errorf("%s: on the page it leads to, that link is not the current tab or sort", what)
	}
	if l.Rel == "next" {
		j.paging(src)
	}
	return j.where().String()
}

// check asserts that the current page shows what was asked for: every
// parameter as the current choice, and lists that hold what they should.
func (j *journey) check(what string, asked url.Values) {
	j.t.Helper()
	for _, p := range j.unreflected(asked) {
		j.t.Errorf("%s: the page does not show %s as the current choice", what, p)
	}
	if lang := asked.Get("lang"); lang != "" {
		if got := must(j.t, j.ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
			j.t.Errorf("%s: asked for lang=%s, the page is in %q", what, lang, got)
		}
	}
	here := j.where()
	switch here.Path {
	case "/conversations":
		j.checkConversations(what, here)
	case "/gaps":
		j.checkTopics(what, here)
	}
}

// unreflected returns the parameters of asked that the page does not show
// as current: as the value of a form control of that name (a selected
// option, a checked box, a field's value), or in the link of an element of
// the page's content marked current (aria-current, aria-sort) — not the
// header's language switch, which carries every parameter along. The language, the cursor and a
// one-time notice are checked elsewhere.
func (j *journey) unreflected(asked url.Values) []string {
	var params [][2]string
	for k, vs := range asked {
		if k == "lang" || k == "after" || k == "done" {
			continue
		}
		for _, v := range vs {
			if v != "" {
				params = append(params, [2]string{k, v})
			}
		}
	}
	if len(params) == 0 {
		return nil
	}
	b, _ := json.Marshal(params)
	return must(j.t, j.ctx, chromedp.Evaluate[[]string](`((params) => {
		const out = [];
		const current = Array.from(document.querySelectorAll('main [aria-current]:not([aria-current=false]), main [aria-sort]'))
			.map(e => e.getAttribute('href') || e.querySelector('a[href]')?.getAttribute('href')).filter(h => h).map(h => new URL(h, location.href).searchParams);
		for (const [k, v] of params) {
			const want = v.split(',').filter(x => x);
			const ctrls = Array.from(document.querySelectorAll('main [name]')).filter(e => e.name === k && (!e.form || e.form.method === 'get'));
			const shown = want.every(w => ctrls.some(e => {
				if (e.tagName === 'SELECT') return Array.from(e.selectedOptions).some(o => o.value === w);
				if (e.type === 'checkbox' || e.type === 'radio') return e.checked && e.value === w;
				return e.value === v || e.value === w;
			})) || current.some(q => q.getAll(k).join(',') === v || want.every(w => q.getAll(k).flatMap(x => x.split(',')).includes(w)));
			if (!shown) out.push(k + '=' + v);
		}
		return out;
	})(`+string(b)+`)`))
}

// fetch gets a URL from the browser, as the page's own script would.
func (j *journey) fetch(u string) (int, string) {
	j.t.Helper()
	var r struct {
		Status int
		Body   string
	}
	b, _ := json.Marshal(u)
	r = must(j.t, j.ctx, chromedp.Evaluate[struct {
		Status int
		Body   string
	}](`fetch(`+string(b)+`).then(r => r.text().then(t => ({Status: r.status, Body: t})))`, chromedp.EvalAwaitPromise))
	return r.Status, r.Body
}

// data reads the JSON of the data a page shows (at u, from dataURL) into
// v; what names the page. It reports false, with the error, when u does
// not answer.
func (j *journey) data(what, u string, v any) bool {
	j.t.Helper()
	code, body := j.fetch(u)
	if code != 200 {
		j.t.Errorf("%s: its data %s answers %d %s", what, u, code, body)
		return false
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		j.t.Fatal(err)
	}
	return true
}

// dataURL is the API URL of the data a page shows: the same parameters
// under another path (README), less the page's own (language, cursor).
var dataPaths = map[string]string{
	"/reports":         "/api/v1/reports/performance",
	"/conversations":   "/api/v1/conversations",
	"/gaps":            "/api/v1/gaps",
	"/gaps/fixes":      "/api/v1/gaps/fixes",
	"/reports/sources": "/api/v1/reports/sources",
	"/reports/actions": "/api/v1/reports/actions",
}

func dataURL(page *url.URL, extra url.Values) (string, bool) {
	p, ok := dataPaths[page.Path]
	if !ok {
		return "", false
	}
	q := page.Query()
	q.Del("lang")
	q.Del("after")
	for k, v := range extra {
		q[k] = v
	}
	return p + "?" + q.Encode(), true
}

// pageConversations is the ids of the conversations the page lists.
const pageConversations = `Array.from(document.querySelectorAll('table.conversations tbody tr td:first-child a')).map(a => decodeURIComponent(new URL(a.href).pathname.split('/').pop()))`

// checkConversations checks a conversation list: the same rows as the API
// gives for the page's parameters, newest first, each matching the filter.
func (j *journey) checkConversations(what string, here *url.URL) {
	j.t.Helper()
	rows := must(j.t, j.ctx, chromedp.Evaluate[[]string](pageConversations))
	u, _ := dataURL(here, url.Values{"limit": {"50"}})
	if a := here.Query().Get("after"); a != "" {
		u += "&after=" + url.QueryEscape(a)
	}
	var api struct{ Conversations []parley.Conversation }
	if !j.data(what, u, &api) {
		return
	}
	var ids []string
	var mismatch, order []string
	for i, c := range api.Conversations {
		ids = append(ids, c.ConversationID)
		if err := matches(here.Query(), c); err != nil {
			mismatch = append(mismatch, fmt.Sprintf("%s (%v)", c.ConversationID, err))
		}
		if i > 0 && c.StartedAt.After(api.Conversations[i-1].StartedAt) {
			order = append(order, fmt.Sprintf("%s (started %s) after %s (started %s)",
				c.ConversationID, c.StartedAt.Format(time.RFC3339), api.Conversations[i-1].ConversationID, api.Conversations[i-1].StartedAt.Format(time.RFC3339)))
		}
	}
	for _, c := range api.Conversations[:min(3, len(api.Conversations))] {
		if err := j.usesMatch(here.Query(), c.ConversationID); err != nil {
			mismatch = append(mismatch, fmt.Sprintf("%s (%v)", c.ConversationID, err))
		}
	}
	if len(mismatch) > 0 {
		j.t.Errorf("%s: lists %d conversations that do not match the filter, such as %s", what, len(mismatch), mismatch[0])
	}
	if len(order) > 0 {
		j.t.Errorf("%s: not newest first: %d rows out of order, such as %s", what, len(order), order[0])
	}
	if !slices.Equal(rows, ids) {
		j.t.Errorf("%s: the page lists %d conversations %.80v, its data %s gives %d %.80v", what, len(rows), rows, u, len(ids), ids)
	}
}

// usesMatch reports whether the conversation's agent replies cited the
// source and performed the action the filter q names, if it names any, by
// the events the API gives for it.
func (j *journey) usesMatch(q url.Values, id string) error {
	source, action := q.Get("source"), q.Get("action")
	if source == "" && action == "" {
		return nil
	}
	code, body := j.fetch("/api/v1/conversations/" + url.PathEscape(id))
	if code != 200 {
		return fmt.Errorf("its events answer %d", code)
	}
	var d struct{ Events []parley.Event }
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return err
	}
	cited, did := source == "", action == ""
	for _, e := range d.Events {
		if !e.IsAgentReply() {
			continue
		}
		cited = cited || slices.ContainsFunc(e.Sources, func(s parley.Source) bool { return s.ID == source })
		did = did || slices.ContainsFunc(e.Actions, func(a parley.Action) bool { return a.Name == action })
	}
	if !cited {
		return fmt.Errorf("no agent reply cites %s", source)
	}
	if !did {
		return fmt.Errorf("no agent reply performs %s", action)
	}
	return nil
}

// matches reports whether a conversation is one the filter q selects, by
// the README's definition of each parameter.
func matches(q url.Values, c parley.Conversation) error {
	for k, vs := range q {
		v := strings.Join(vs, ",")
		if v == "" {
			continue
		}
		list := strings.Split(v, ",")
		ok := true
		switch k {
		case "lang", "after", "limit", "format", "workspace":
		case "outcome":
			var kinds []string
			for _, o := range list {
				switch o {
				case "handled":
					kinds = append(kinds, "pending", "handed_off", "resolved", "unresolved")
				case "decided":
					kinds = append(kinds, "handed_off", "resolved", "unresolved")
				case "deflected":
					kinds = append(kinds, "resolved", "unresolved")
				default:
					kinds = append(kinds, o)
				}
			}
			ok = slices.Contains(kinds, string(c.Outcome))
		case "resolution":
			ok = string(c.Resolution) == v
		case "reason":
			ok = slices.Contains(c.Reasons, parley.UnresolvedReason(v)) || c.HandoffReason == v
		case "initiator":
			ok = string(c.HandoffInitiator) == v
		case "channel":
			ok = slices.Contains(list, c.Channel)
		case "from":
			ok = c.Day >= v
		case "to":
			ok = c.Day <= v
		case "reopened":
			ok = c.Reopened == (v == "true")
		case "test":
			ok = v == "include" || c.Test == (v == "only")
		case "source", "action":
			// A list row does not carry what the replies cited or did:
			// checkConversations reads the events of the first rows.
		default:
			return fmt.Errorf("the test knows no rule for parameter %s", k)
		}
		if !ok {
			return fmt.Errorf("%s=%s", k, v)
		}
	}
	if q.Get("test") == "" && c.Test {
		return fmt.Errorf("a test conversation, and test traffic is left out by default")
	}
	return nil
}

// checkTopics checks the knowledge-gaps table: the rows of the API for the
// page's parameters, in their order, of the state asked for, sorted as
// asked.
func (j *journey) checkTopics(what string, here *url.URL) {
	j.t.Helper()
	rows := must(j.t, j.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('table.topics tbody tr td:first-child a')).map(a => new URL(a.href).pathname.split('/').pop())`))
	u, _ := dataURL(here, nil)
	var api struct{ Topics []parley.TopicSummary }
	if !j.data(what, u, &api) {
		return
	}
	state := parley.GapState(here.Query().Get("state"))
	if state == "" {
		state = parley.GapOpen
	}
	var ids []string
	for i, tp := range api.Topics {
		ids = append(ids, strconv.FormatInt(tp.ID, 10))
		// A tab lists the topics with questions in its state (a topic
		// with some questions dismissed is on both tabs).
		if i < 10 {
			_, body := j.fetch(fmt.Sprintf("/api/v1/gaps/%d", tp.ID))
			var d struct{ Questions []parley.GapQuestion }
			json.Unmarshal([]byte(body), &d)
			if !slices.ContainsFunc(d.Questions, func(q parley.GapQuestion) bool { return q.State == state }) {
				j.t.Errorf("%s: topic %d has no %s question, and the tab is %s", what, tp.ID, state, state)
			}
		}
		if i == 0 {
			continue
		}
		prev := api.Topics[i-1]
		var sorted bool
		switch here.Query().Get("sort") {
		case "conversations":
			sorted = prev.Conversations >= tp.Conversations
		case "last_asked":
			sorted = !prev.LastAsked.Before(tp.LastAsked)
		case "label":
			sorted = strings.Compare(prev.Title(), tp.Title()) <= 0
		default: // needs attention: recurring (most first), new, the rest
			rp, rt := journeyRank(prev), journeyRank(tp)
			sorted = rp < rt || rp == rt && (rp != 0 || prev.Recurrences >= tp.Recurrences)
		}
		if !sorted {
			j.t.Errorf("%s: topic %d comes after %d, not sorted by %s", what, tp.ID, prev.ID, here.Query().Get("sort"))
		}
	}
	if !slices.Equal(rows, ids) {
		j.t.Errorf("%s: the page lists topics %v, its data %s gives %v", what, rows, u, ids)
	}
}

// journeyRank is a topic's group in the "needs attention" order, as the
// README says it: asked again after it was resolved, first asked in the
// last 7 days, the rest.
func journeyRank(t parley.TopicSummary) int {
	switch {
	case t.Recurrences > 0:
		return 0
	case journeyNow.Sub(t.CreatedAt) < 7*24*time.Hour:
		return 1
	}
	return 2
}

// paging follows "next" links from page 1 (at src) to page 3, checking
// that each page continues the one before, with no row twice, as the whole
// list in the API has them.
func (j *journey) paging(src *url.URL) {
	j.t.Helper()
	if src.Query().Get("after") != "" || src.Path != "/conversations" {
		return
	}
	u, _ := dataURL(src, url.Values{"limit": {"1000"}})
	code, body := j.fetch(u)
	if code != 200 {
		j.t.Errorf("paging from %s: %s answers %d", src, u, code)
		return
	}
	var all struct{ Conversations []parley.Conversation }
	json.Unmarshal([]byte(body), &all)
	var want []string
	for _, c := range all.Conversations {
		want = append(want, c.ConversationID)
	}
	j.open(src.String())
	var got []string
	for n := 1; n <= 3; n++ {
		rows := must(j.t, j.ctx, chromedp.Evaluate[[]string](pageConversations))
		var again []string
		for _, r := range rows {
			if slices.Contains(got, r) {
				again = append(again, r)
			}
		}
		if len(again) > 0 {
			j.t.Errorf("paging from %s: page %d repeats %d rows of the pages before, such as %s", src.RequestURI(), n, len(again), again[0])
		}
		got = append(got, rows...)
		if n == 3 || !must(j.t, j.ctx, chromedp.Evaluate[bool](`!!document.querySelector('a[rel=next]')`)) {
			break
		}
		ctx, cancel := context.WithTimeout(j.ctx, 20*time.Second)
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[rel=next]`)))
		cancel()
		if err != nil || j.status(res) != 200 {
			j.t.Errorf("paging from %s: next page %d: %v", src.RequestURI(), n+1, err)
			return
		}
		j.check(fmt.Sprintf("paging from %s, page %d", src.RequestURI(), n+1), src.Query())
	}
	if len(got) <= 50 {
		j.t.Errorf("paging from %s: only %d rows over the pages", src.RequestURI(), len(got))
	}
	if len(want) < len(got) || !slices.Equal(got, want[:len(got)]) {
		j.t.Errorf("paging from %s: the pages list %d rows that are not the first %d of the whole list (%d)", src.RequestURI(), len(got), len(got), len(want))
	}
}

// checkCSV downloads a CSV link of the page at src and checks it holds
// exactly what the page shows: the data of the page's own parameters, with
// as many rows as the page's table or count.
func (j *journey) checkCSV(src *url.URL, l link) {
	j.t.Helper()
	j.csvs++
	what := fmt.Sprintf("on %s, CSV link %q (%s)", src.RequestURI(), l.Text, l.Href)
	code, got := j.fetch(l.Href)
	if code != 200 {
		j.t.Errorf("%s answers %d %s", what, code, got)
		return
	}
	lu, _ := url.Parse(l.Href)
	extra := url.Values{"format": {"csv"}}
	if c := lu.Query().Get("chart"); c != "" {
		extra.Set("chart", c)
	}
	want, ok := dataURL(src, extra)
	if !ok {
		j.t.Errorf("%s: the test knows no data URL for the page %s", what, src.Path)
		return
	}
	_, wantBody := j.fetch(want)
	if got != wantBody {
		j.t.Errorf("%s downloads other rows than the page's data %s: %d bytes, want %d", what, want, len(got), len(wantBody))
	}
	records, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil || len(records) == 0 {
		j.t.Errorf("%s: not CSV: %v", what, err)
		return
	}
	// As many rows as the table beside the link shows, or the count the
	// page gives of the matching rows.
	shown := must(j.t, j.ctx, chromedp.Evaluate[int](fmt.Sprintf(`(() => {
		const a = document.querySelector('[data-journey="%d"]');
		const box = a.closest('figure, section');
		const t = box && box.querySelector('table');
		if (t) return t.querySelectorAll('tbody tr').length;
		const n = document.querySelector('main [data-count]');
		return n ? Number(n.dataset.count) : -1;
	})()`, l.I)))
	if shown < 0 {
		j.t.Errorf("%s: the page shows neither a table nor a count to compare with", what)
	} else if len(records)-1 != shown {
		j.t.Errorf("%s: %d rows, the page shows %d", what, len(records)-1, shown)
	}
}

// forms submits every GET form of the page at src: once as it is, and once
// for each other choice of each of its menus and boxes, checking that the
// page it leads to shows what was submitted. It returns the pages the
// submissions led to.
func (j *journey) forms(src string) []string {
	j.t.Helper()
	j.open(src)
	type form struct {
		I        int
		Key      string
		Controls []formControl
	}
	forms := must(j.t, j.ctx, chromedp.Evaluate[[]form](`Array.from(document.querySelectorAll('main form')).filter(f => f.method === 'get').map((f, i) => {
		f.dataset.journeyForm = i;
		const cs = Array.from(f.elements).filter(e => e.name && e.type !== 'hidden' && e.type !== 'submit').map(e => ({
			Name: e.name, Type: e.tagName === 'SELECT' ? 'select' : e.type,
			Options: e.tagName === 'SELECT' ? Array.from(e.options).map(o => o.value) : [e.value]}));
		return {I: i, Key: location.pathname.replace(/\/[^/]*\d[^/]*/g, '/*') + ' ' + f.getAttribute('action') + ' ' + cs.map(c => c.Name).join(','), Controls: cs};
	})`))
	var landed []string
	for _, f := range forms {
		if j.done["form "+f.Key] {
			continue
		}
		j.done["form "+f.Key] = true
		// Each variant is a script that changes the form before it is sent.
		variants := []string{""}
		for ci, c := range f.Controls {
			if !j.thorough {
				break
			}
			sel := fmt.Sprintf(`document.querySelector('[data-journey-form="%d"]').querySelectorAll('[name="%s"]')[%d]`, f.I, c.Name, countBefore(f.Controls, ci))
			switch c.Type {
			case "select":
				for _, o := range spread(c.Options, perSelect) {
					ob, _ := json.Marshal(o)
					variants = append(variants, fmt.Sprintf(`%s.value = %s;`, sel, ob))
				}
			case "checkbox", "radio":
				variants = append(variants, fmt.Sprintf(`%s.checked = !%s.checked;`, sel, sel))
			}
		}
		for _, v := range variants {
			j.open(src)
			must(j.t, j.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelectorAll('main form').forEach((f, i) => { if (f.method === 'get') f.dataset.journeyForm = i })`)))
			sent := must(j.t, j.ctx, chromedp.Evaluate[[][2]string](fmt.Sprintf(`(() => { const f = document.querySelector('[data-journey-form="%d"]'); %s
				return Array.from(new FormData(f).entries()); })()`, f.I, v)))
			q := url.Values{}
			for _, kv := range sent {
				q.Add(kv[0], kv[1])
			}
			j.submits++
			what := fmt.Sprintf("on %s, the form %s sent as %s", src, f.Key, q.Encode())
			ctx, cancel := context.WithTimeout(j.ctx, 20*time.Second)
			res, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('[data-journey-form="%d"]').requestSubmit()`, f.I)))
			cancel()
			if err != nil {
				j.t.Errorf("%s: %v", what, err)
				continue
			}
			if status := j.status(res); status < 200 || status > 299 {
				j.t.Errorf("%s: HTTP %d", what, status)
				continue
			}
			j.check(what, q)
			landed = append(landed, j.where().String())
		}
	}
	return landed
}

// perSelect is how many choices of one menu are submitted, spread over its
// options from the first to the last.
const perSelect = 4

// spread picks n values of vs, evenly from the first to the last.
func spread(vs []string, n int) []string {
	if len(vs) <= n {
		return vs
	}
	out := make([]string, n)
	for i := range n {
		out[i] = vs[i*(len(vs)-1)/(n-1)]
	}
	return out
}

// formControl is a named control of a form.
type formControl struct {
	Name, Type string
	Options    []string
}

// countBefore is how many controls before index i share its name, so that
// a variant changes the right one of a group of boxes.
func countBefore(cs []formControl, i int) int {
	n := 0
	for _, c := range cs[:i] {
		if c.Name == cs[i].Name {
			n++
		}
	}
	return n
}
