package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/synth"
	"github.com/parleyhq/parley/internal/web"
)

// reportNow is a day after the generated stream ends: recent buckets are
// still provisional.
var reportNow = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

// adminCookie signs in as the admin of reportData; the session is in the
// fixture, so the one cookie works in every copy. It is chosen before any
// test runs, so that tests in parallel read it while the fixture is built.
var adminCookie = func() string {
	secret, err := auth.NewSecret("")
	if err != nil {
		panic(err)
	}
	return secret
}()

// hostile is visitor text that must never reach a page unescaped.
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// reportData is what most page and API tests read: 600 generated
// conversations over three weeks evaluated at reportNow, one conversation
// of hostile text, and an admin (adminCookie; client signs in as them).
// It is built once per test run; reportServer serves a copy to each test.
var reportData = storetest.NewFixture("report", func(t testing.TB, dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, reportNow)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := synth.Generate(&buf, synth.Options{Conversations: 600, Days: 21, End: reportNow.Add(-24 * time.Hour), Seed: 5}); err != nil {
		t.Fatal(err)
	}
	evil := []parley.Event{
		{ID: "x1", Type: parley.EventConversationStarted, ConversationID: "evil<b>1", OccurredAt: reportNow.Add(-48 * time.Hour), Channel: "chat", TicketURL: "https://t.example/1?a=<b>"},
		{ID: "x2", Type: parley.EventMessage, ConversationID: "evil<b>1", OccurredAt: reportNow.Add(-47 * time.Hour), Author: parley.AuthorVisitor, Text: hostile},
		{ID: "x3", Type: parley.EventMessage, ConversationID: "evil<b>1", OccurredAt: reportNow.Add(-46 * time.Hour), Author: parley.AuthorCustomerAgent,
			Text: hostile, Sources: []parley.Source{{ID: "kb", Title: hostile, URL: "javascript:alert(1)"}}},
		{ID: "x4", Type: parley.EventMessage, ConversationID: "evil<b>1", OccurredAt: reportNow.Add(-45 * time.Hour), Author: parley.AuthorCustomerAgent,
			Text: "I do not know.", Unanswered: true, Question: hostile},
	}
	// They are stored as they are, not sent through ingest, which now
	// refuses a javascript: link: the pages must stay safe with events
	// stored before it did.
	var raw ingest.Batch
	for i, e := range evil {
		body, err := ingest.Canonical(&e)
		if err != nil {
			t.Fatal(err)
		}
		raw.Items = append(raw.Items, ingest.Item{Index: i, Event: e, Body: body})
	}
	if _, err := db.InsertEvents(ctx, ws.ID, raw); err != nil {
		t.Fatal(err)
	}
	ingestAt(t, db, ws, &buf, reportNow)
	sessionWith(t, db, ws, "admin@example.com", parley.RoleAdmin, reportNow, adminCookie)
})

// reportServer serves a copy of reportData, as of reportNow, until the
// test ends.
func reportServer(t testing.TB) (*httptest.Server, *store.DB, parley.Workspace) {
	t.Helper()
	db := reportData.New(t)
	ws, err := db.Workspace(context.Background(), parley.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	return serveAt(t, db, reportNow), db, ws
}

// newWorkspace is an empty database of the test's own with the default
// workspace, made at at.
func newWorkspace(t testing.TB, at time.Time) (*store.DB, parley.Workspace) {
	t.Helper()
	db := storetest.New(t)
	ws, err := db.EnsureWorkspace(context.Background(), parley.DefaultWorkspace, at)
	if err != nil {
		t.Fatal(err)
	}
	return db, ws
}

// serveAt serves db with the clock stopped at now until the test ends.
func serveAt(t testing.TB, db *store.DB, now time.Time) *httptest.Server {
	t.Helper()
	return serveWith(t, db, web.Options{Now: func() time.Time { return now }})
}

// serveWith serves db with opt until the test ends, logging to quiet
// unless opt names a logger.
func serveWith(t testing.TB, db *store.DB, opt web.Options) *httptest.Server {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = quiet
	}
	srv := httptest.NewServer(web.New(db, opt))
	t.Cleanup(srv.Close)
	return srv
}

// serveEvents stores the events of r (a JSON array or NDJSON) in ws,
// evaluates them at reportNow, and serves the result until the test ends.
func serveEvents(t testing.TB, db *store.DB, ws parley.Workspace, r io.Reader) *httptest.Server {
	t.Helper()
	ingestAt(t, db, ws, r, reportNow)
	return serveAt(t, db, reportNow)
}

// ingestAt stores the events of r in ws and evaluates them as of now.
func ingestAt(t testing.TB, db *store.DB, ws parley.Workspace, r io.Reader, now time.Time) {
	t.Helper()
	ctx := context.Background()
	lim := ingest.DefaultLimits()
	lim.MaxBytes, lim.MaxEvents = 1<<30, 1<<30
	b, err := ingest.Decode(r, ingest.FormatAuto, now, lim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertEvents(ctx, ws.ID, b); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.New(db, pipeline.Options{Now: func() time.Time { return now }}).Pass(ctx); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, u string, header ...string) (int, http.Header, string) {
	t.Helper()
	return getWith(t, client, u, header...)
}

// getWith GETs u with cl and headers given in pairs.
func getWith(t testing.TB, cl *http.Client, u string, header ...string) (int, http.Header, string) {
	t.Helper()
	code, h, body := request(t, cl, newRequest(t, "GET", u, nil, header...))
	return code, h, string(body)
}

// postForm posts form to u with cl, as a browser submits a form.
func postForm(t testing.TB, cl *http.Client, u string, form url.Values) (int, http.Header, string) {
	t.Helper()
	code, h, body := request(t, cl, newRequest(t, "POST", u, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded"))
	return code, h, string(body)
}

// cookieNamed is the cookie of that name an answer with header h sets,
// or nil.
func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// newRequest makes a request to u with headers given in pairs.
func newRequest(t testing.TB, method, u string, body io.Reader, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// request sends req with cl and returns the answer's status, header and
// whole body.
func request(t testing.TB, cl *http.Client, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	res, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, body
}

func getReport(t *testing.T, srv *httptest.Server, query string) report.Report {
	t.Helper()
	code, _, body := get(t, srv.URL+"/api/v1/reports/performance?"+query)
	if code != http.StatusOK {
		t.Fatalf("report %s: %d %s", query, code, body)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func getConversations(t *testing.T, srv *httptest.Server, query string) []parley.Conversation {
	t.Helper()
	code, _, body := get(t, srv.URL+"/api/v1/conversations?limit=1000&"+query)
	if code != http.StatusOK {
		t.Fatalf("conversations %s: %d %s", query, code, body)
	}
	var page struct {
		Conversations []parley.Conversation
		Next          string
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Next != "" {
		t.Fatalf("conversations %s: more than one page", query)
	}
	return page.Conversations
}

func TestPerformancePage(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	code, h, body := get(t, srv.URL+"/reports")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /reports: %d %s", code, h.Get("Content-Type"))
	}
	if h.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy")
	}
	r := getReport(t, srv, "")
	if len(r.Series) != 12 || r.Granularity != report.Week {
		t.Errorf("default report: %d %s buckets, want 12 weeks", len(r.Series), r.Granularity)
	}
	for _, want := range []string{"Impact last week", "<svg", `id="chart-handled"`, `id="chart-time_to_close"`,
		"Definition version 1", fmt.Sprintf(">%s<", thousands(r.Totals.Handled)), "provisional"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if !r.Provisional {
		t.Error("a day after the stream ends the last week should be provisional")
	}
	// Every chart's CSV has a header and a row per bucket, and says which
	// buckets are provisional.
	for _, chart := range report.Charts {
		code, h, body := get(t, srv.URL+"/api/v1/reports/performance?format=csv&chart="+chart)
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv %s: %d %s", chart, code, h.Get("Content-Type"))
		}
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		rows := len(r.Series)
		if chart == "channels" {
			rows = len(r.ByChannel)
		}
		if len(records) != rows+1 {
			t.Errorf("csv %s: %d records, want %d", chart, len(records), rows+1)
		}
		if chart == "handled" && records[len(records)-1][2] != "true" {
			t.Errorf("csv %s: the last bucket is not marked provisional: %v", chart, records[len(records)-1])
		}
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestFiltersChangeTheNumbers(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	all := getReport(t, srv, "range=last_4_weeks")
	chat := getReport(t, srv, "range=last_4_weeks&channel=chat")
	email := getReport(t, srv, "range=last_4_weeks&channel=email")
	if chat.Totals.Handled == 0 || email.Totals.Handled == 0 || chat.Totals.Handled+email.Totals.Handled >= all.Totals.Handled {
		t.Errorf("handled: all %d, chat %d, email %d", all.Totals.Handled, chat.Totals.Handled, email.Totals.Handled)
	}
	daily := getReport(t, srv, "from=2026-03-01&to=2026-03-14&granularity=day")
	if len(daily.Series) != 14 {
		t.Errorf("daily series: %d buckets, want 14", len(daily.Series))
	}
	_, _, page := get(t, srv.URL+"/reports?range=last_4_weeks&channel=email")
	if !strings.Contains(page, fmt.Sprintf(">%s<", thousands(email.Totals.Handled))) {
		t.Errorf("the filtered page does not show %d handled", email.Totals.Handled)
	}
	code, _, body := get(t, srv.URL+"/api/v1/reports/performance?granularity=hour&from=2026-03-01&to=2026-02-01")
	if code != http.StatusBadRequest || !strings.Contains(body, `"field":"granularity"`) || !strings.Contains(body, `"field":"to"`) {
		t.Errorf("bad request: %d %s", code, body)
	}
	if code, _, body := get(t, srv.URL+"/reports?granularity=hour"); code != http.StatusBadRequest || !strings.Contains(body, "granularity") {
		t.Errorf("bad page request: %d", code)
	}
}

// TestDrillDown follows the links of the page: the conversations behind a
// number are exactly that many, with the outcome the number counts.
func TestDrillDown(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	r := getReport(t, srv, "range=last_4_weeks")
	_, _, page := get(t, srv.URL+"/reports?range=last_4_weeks")
	hrefs := regexp.MustCompile(`href="(/conversations\?[^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(hrefs) < 20 {
		t.Fatalf("only %d drill-down links on the page", len(hrefs))
	}
	byOutcome := map[string]int64{"resolved": r.Totals.Resolved, "handed_off": r.Totals.HandedOff, "unresolved": r.Totals.Unresolved, "handled": r.Totals.Handled, "pending": r.Totals.Pending}
	checked := 0
	for _, h := range hrefs {
		u, err := url.Parse(strings.ReplaceAll(h[1], "&amp;", "&"))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		want, ok := byOutcome[q.Get("outcome")]
		if !ok || q.Get("from") != r.From || q.Get("to") != r.To || len(q) != 3 {
			continue
		}
		got := getConversations(t, srv, u.RawQuery)
		if int64(len(got)) != want {
			t.Errorf("%s: %d conversations, the page says %d", u, len(got), want)
		}
		for _, c := range got {
			if o := q.Get("outcome"); o != "handled" && string(c.Outcome) != o {
				t.Fatalf("%s lists %s, which is %s", u, c.ConversationID, c.Outcome)
			}
		}
		checked++
	}
	if checked < 4 {
		t.Errorf("checked only %d totals links", checked)
	}
	// The list page shows them, and each leads to its conversation.
	code, _, list := get(t, srv.URL+"/conversations?outcome=resolved&from="+r.From+"&to="+r.To)
	if code != http.StatusOK || !strings.Contains(list, `href="/conversations/c-`) {
		t.Fatalf("list page: %d", code)
	}
	id := regexp.MustCompile(`href="/conversations/(c-[0-9]+)"`).FindStringSubmatch(list)[1]
	code, _, detail := get(t, srv.URL+"/conversations/"+id)
	if code != http.StatusOK || !strings.Contains(detail, "Why this outcome") || !strings.Contains(detail, "passed") {
		t.Errorf("conversation page %s: %d", id, code)
	}
}

// TestConversationExplainsStoredOutcome: the explanation is not stored but
// computed again from the events the evaluation read; it must describe the
// outcome that was stored and counted, also once a newer event has arrived
// that no evaluation has read yet.
func TestConversationExplainsStoredOutcome(t *testing.T) {
	t.Parallel()
	srv, db, ws := reportServer(t)
	type conversationDetail struct {
		Outcome           parley.Outcome
		EvaluatedAt       time.Time `json:"evaluated_at"`
		EvaluationPending bool      `json:"evaluation_pending"`
		Events            []parley.Event
	}
	detail := func(id string) conversationDetail {
		t.Helper()
		code, _, body := get(t, srv.URL+"/api/v1/conversations/"+url.PathEscape(id))
		if code != http.StatusOK {
			t.Fatalf("conversation %s: %d %s", id, code, body)
		}
		if !strings.Contains(body, `"reasons":[`) {
			t.Errorf("conversation %s: reasons is not an array: %s", id, body)
		}
		var d conversationDetail
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	agree := func(c parley.Conversation, o parley.Outcome) {
		t.Helper()
		got := parley.Conversation{ConversationID: o.ConversationID, Channel: o.Channel, Outcome: o.Kind,
			Resolution: o.Resolution, Reasons: o.Reasons, Reopened: o.Reopened, Test: o.Test}
		want := parley.Conversation{ConversationID: c.ConversationID, Channel: c.Channel, Outcome: c.Outcome,
			Resolution: c.Resolution, Reasons: c.Reasons, Reopened: c.Reopened, Test: c.Test}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("conversation %s: explained outcome differs from the stored one (-stored +explained):\n%s", c.ConversationID, diff)
		}
		if c.DecidedAt != nil && !c.DecidedAt.Equal(o.DecidedAt) {
			t.Errorf("conversation %s: decided at %v, explained %v", c.ConversationID, c.DecidedAt, o.DecidedAt)
		}
	}
	kinds := map[parley.OutcomeKind]int{}
	var resolved parley.Conversation
	for i, c := range getConversations(t, srv, "test=include") {
		if i%3 != 0 {
			continue
		}
		d := detail(c.ConversationID)
		if d.EvaluationPending {
			t.Errorf("conversation %s: evaluation pending right after a pass", c.ConversationID)
		}
		o := d.Outcome
		agree(c, o)
		if o.Kind == parley.OutcomeResolved || o.Kind == parley.OutcomeUnresolved {
			if len(o.Explanation) != 3 {
				t.Errorf("conversation %s is %s with %d criteria explained, want 3", c.ConversationID, o.Kind, len(o.Explanation))
			}
		}
		if o.Kind == parley.OutcomeResolved {
			resolved = c
		}
		kinds[o.Kind]++
	}
	if len(kinds) < 4 {
		t.Fatalf("checked outcomes of too few kinds: %v", kinds)
	}

	// A rep joins the resolved conversation; until it is evaluated again
	// the page shows the new event but explains the outcome counted.
	late := parley.Event{ID: "late-rep", Type: parley.EventMessage, ConversationID: resolved.ConversationID,
		OccurredAt: resolved.StartedAt.Add(time.Minute), Author: parley.AuthorRep, Text: "Let me take over."}
	body, err := ingest.Canonical(&late)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertEvents(context.Background(), ws.ID, ingest.Batch{Items: []ingest.Item{{Event: late, Body: body}}}); err != nil {
		t.Fatal(err)
	}
	d := detail(resolved.ConversationID)
	agree(resolved, d.Outcome)
	if !slices.ContainsFunc(d.Events, func(e parley.Event) bool { return e.ID == late.ID }) {
		t.Error("the timeline lacks the event that arrived after the evaluation")
	}
	if !d.EvaluationPending || !d.EvaluatedAt.Equal(reportNow) {
		t.Errorf("after a new event: evaluation pending %v, evaluated at %v; want pending, evaluated at %v", d.EvaluationPending, d.EvaluatedAt, reportNow)
	}
	if _, _, page := get(t, srv.URL+"/conversations/"+url.PathEscape(resolved.ConversationID)); !strings.Contains(page, "Waiting to be evaluated again") {
		t.Error("the page does not say the conversation waits to be evaluated again")
	}
}

func TestTraditionalChinese(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	_, _, body := get(t, srv.URL+"/reports", "Accept-Language", "zh-TW,zh;q=0.9,en;q=0.5")
	for _, want := range []string{`lang="zh-TW"`, "上週成效", "已解決", "計算方式"} {
		if !strings.Contains(body, want) {
			t.Errorf("zh-TW page lacks %q", want)
		}
	}
	if strings.Contains(body, "Impact last week") {
		t.Error("zh-TW page still shows English")
	}
	_, _, cn := get(t, srv.URL+"/reports", "Accept-Language", "zh-CN")
	if !strings.Contains(cn, "上週成效") {
		t.Error("a Simplified Chinese reader should get Traditional Chinese, not English")
	}
	// The switch wins over Accept-Language and is remembered.
	_, h, _ := get(t, srv.URL+"/reports?lang=en")
	cookie := cookieNamed(h, "parley_lang")
	if cookie == nil || cookie.Value != "en" || !cookie.HttpOnly {
		t.Fatalf("language cookie: %+v", cookie)
	}
	_, _, en := get(t, srv.URL+"/reports", "Accept-Language", "zh-TW", "Cookie", "parley_lang=en")
	if !strings.Contains(en, "Impact last week") {
		t.Error("the remembered choice did not win over Accept-Language")
	}
}

// TestEveryStringTranslated renders every page template in both languages
// and fails on a message key without text in either, on a key a page uses
// but the catalogue lacks, and on a template in templates/ it never
// rendered: a new page fails it until it is added here. Its hooks are the
// package's, and tests beside it render too: it counts only the templates
// its own two servers rendered, and every key looked up and missing while
// it runs, whoever looked it up — T misses only when a page names a key
// the catalogue lacks (a slug without words of its own goes through word,
// which does not look it up).
func TestEveryStringTranslated(t *testing.T) {
	t.Parallel()
	for key, m := range web.Messages() {
		if m[0] == "" || m[1] == "" {
			t.Errorf("message %q lacks a translation", key)
		}
		if strings.Count(m[0], "%") != strings.Count(m[1], "%") {
			t.Errorf("message %q: the two languages take different arguments", key)
		}
	}
	srv, db, ws := reportServer(t)
	// A topic closed by a short answer, for the Fixes tab and its panel.
	fixedTopic(t, db, ws)
	// A short answer for its page, made through the API so that the audit
	// log has a row to show.
	var answer parley.ShortAnswer
	if code := call(t, "POST", srv.URL+"/api/v1/short-answers", map[string]string{"question": "Can I pay in instalments?", "answer": "Yes, in three."}, &answer); code != http.StatusCreated {
		t.Fatalf("create a short answer: %d", code)
	}
	// A source, and a webhook with a delivery, for the pages that list them.
	if code := call(t, "POST", srv.URL+"/api/v1/sources", map[string]string{"kind": string(parley.SourceChatwoot), "name": "Support inbox"}, nil); code != http.StatusCreated {
		t.Fatalf("create a source: %d", code)
	}
	var hook, delivery struct{ ID int64 }
	if code := call(t, "POST", srv.URL+"/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/parley", "events": []string{"outcome.decided"}}, &hook); code != http.StatusCreated {
		t.Fatalf("create a webhook: %d", code)
	}
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/webhooks/%d/ping", srv.URL, hook.ID), nil, &delivery); code != http.StatusAccepted {
		t.Fatalf("ping the webhook: %d", code)
	}
	// Nobody is in a new database: it offers the setup page.
	empty := serveAt(t, storetest.New(t), reportNow)

	var (
		mu       sync.Mutex
		missing  = map[string]bool{}
		rendered = map[string]map[web.Lang]bool{}
	)
	web.OnMissingMessage(func(key string) {
		mu.Lock()
		defer mu.Unlock()
		missing[key] = true
	})
	defer web.OnMissingMessage(nil)
	ours := map[string]bool{}
	for _, s := range []*httptest.Server{srv, empty} {
		u, err := url.Parse(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		ours[u.Host] = true
	}
	web.OnRender(func(r *http.Request, name string, l web.Lang) {
		if !ours[r.Host] {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if rendered[name] == nil {
			rendered[name] = map[web.Lang]bool{}
		}
		rendered[name][l] = true
	})
	defer web.OnRender(nil)

	list := getConversations(t, srv, "test=include")
	pages := []string{"/reports", "/reports?granularity=day&range=last_4_weeks", "/reports?granularity=month&range=last_52_weeks",
		"/conversations", "/conversations?outcome=unresolved&reason=human_requested", "/nowhere", "/reports?granularity=hour",
		"/gaps", "/gaps?state=resolved", "/gaps?state=dismissed&sort=label", "/gaps?from=nope", "/content", "/content?q=refund",
		fmt.Sprintf("/content/%d", answer.ID), "/settings", "/settings/people", "/settings/tokens", "/settings/sources", "/settings/webhooks",
		fmt.Sprintf("/settings/webhooks/%d", hook.ID), fmt.Sprintf("/settings/webhooks/%d/deliveries/%d", hook.ID, delivery.ID), "/settings/audit", "/settings/set-aside",
		"/reports/sources", "/reports/actions?sort=failure_rate", "/gaps/fixes", "/gaps/fixes?sort=recurrences"}
	for _, id := range topicIDs(t, srv, "") {
		pages = append(pages, fmt.Sprintf("/gaps/%d", id))
	}
	seen := map[parley.OutcomeKind]bool{}
	for _, c := range list {
		if !seen[c.Outcome] {
			seen[c.Outcome] = true
			pages = append(pages, "/conversations/"+url.PathEscape(c.ConversationID))
		}
	}
	anonymous := clientWith(credentials{}, false)
	for _, lang := range []web.Lang{web.English, web.TraditionalChinese} {
		q := url.Values{"lang": {string(lang)}}
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			if code, _, _ := get(t, srv.URL+p+sep+q.Encode()); code >= 500 {
				t.Errorf("%s in %s: %d", p, lang, code)
			}
		}
		for _, u := range []string{srv.URL + "/signin?" + q.Encode(), empty.URL + "/setup?" + q.Encode()} {
			if code, _, _ := getWith(t, anonymous, u); code != http.StatusOK {
				t.Errorf("GET %s: %d", u, code)
			}
		}
		// A refused sign-in shows the form again with its message.
		postForm(t, anonymous, srv.URL+"/signin?"+q.Encode(), url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}})
	}

	if len(missing) > 0 {
		t.Errorf("message keys used but not defined: %v", slices.Sorted(maps.Keys(missing)))
	}
	files, err := fs.Glob(os.DirFS("."), "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates/*.html: %v, %d files", err, len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" { // every page renders inside it
			continue
		}
		for _, lang := range []web.Lang{web.English, web.TraditionalChinese} {
			if !rendered[name][lang] {
				t.Errorf("template %s was never rendered in %s: render it here", f, lang)
			}
		}
	}
}

func TestVisitorTextIsEscaped(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	for _, p := range []string{"/conversations/" + url.PathEscape("evil<b>1"), "/conversations?test=include&from=2026-03-18"} {
		code, _, body := get(t, srv.URL+p)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", p, code)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "evil<b>1", "javascript:alert"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains unescaped %q", p, bad)
			}
		}
	}
	_, _, body := get(t, srv.URL+"/conversations/"+url.PathEscape("evil<b>1"))
	if !strings.Contains(body, "&lt;script&gt;alert") {
		t.Error("the hostile text is not shown escaped")
	}
	code, _, csvBody := get(t, srv.URL+"/api/v1/conversations?format=csv&test=include")
	if code != http.StatusOK || !strings.Contains(csvBody, "evil<b>1") {
		t.Errorf("csv export: %d", code)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	if code, _, body := get(t, srv.URL+"/nowhere"); code != http.StatusNotFound || !strings.Contains(body, "<html") {
		t.Errorf("unknown page: %d", code)
	}
	if code, _, body := get(t, srv.URL+"/api/v1/conversations/nope"); code != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("unknown conversation: %d %s", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/conversations/nope"); code != http.StatusNotFound {
		t.Errorf("unknown conversation page: %d", code)
	}
	if code, _, body := get(t, srv.URL+"/api/v1/conversations?outcome=won"); code != http.StatusBadRequest || !strings.Contains(body, `"field":"outcome"`) {
		t.Errorf("bad outcome: %d %s", code, body)
	}
}

// TestConversationLinksEscapeTheID: a conversation id is any string of the
// caller's, so one holding / ? # % and spaces must still link, from the
// list, from a gap topic and from its own page's language switch, to its
// own page.
func TestConversationLinksEscapeTheID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := newWorkspace(t, reportNow)
	ids := []string{"a/b?c#d %2F", "50% off & <more>", "../x", "tab\there", "é/ü"}
	var events []parley.Event
	for i, id := range ids {
		at := reportNow.Add(-time.Duration(48+i) * time.Hour)
		ev := fmt.Sprintf("e/%d#x?y %%", i)
		events = append(events,
			parley.Event{ID: ev + "s", Type: parley.EventConversationStarted, ConversationID: id, OccurredAt: at, Channel: "chat"},
			parley.Event{ID: ev + "v", Type: parley.EventMessage, ConversationID: id, OccurredAt: at.Add(time.Minute), Author: parley.AuthorVisitor, Text: "Can I pay in instalments?"},
			parley.Event{ID: ev + "a", Type: parley.EventMessage, ConversationID: id, OccurredAt: at.Add(2 * time.Minute), Author: parley.AuthorCustomerAgent,
				Text: "I do not know.", Unanswered: true, Question: "Can I pay in instalments?"},
			parley.Event{ID: ev + "f", Type: parley.EventFeedback, ConversationID: id, OccurredAt: at.Add(3 * time.Minute), MessageID: ev + "a", Rating: parley.RatingNegative},
		)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(events); err != nil {
		t.Fatal(err)
	}
	srv := serveEvents(t, db, ws, &buf)
	cl := clientWith(credentials{cookie: session(t, db, ws, "admin@example.com", parley.RoleAdmin, reportNow)}, false)
	page := func(u string) string {
		t.Helper()
		code, _, body := getWith(t, cl, srv.URL+u)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", u, code)
		}
		return body
	}
	// follow checks that the page at from links to conversation id, and
	// that the link leads to the conversation's page.
	follow := func(from, id string) bool {
		t.Helper()
		href := "/conversations/" + url.PathEscape(id)
		if !strings.Contains(page(from), `href="`+html.EscapeString(href)+`"`) {
			return false
		}
		// A browser reads the href from the HTML as it is: no %XX in it
		// is decoded before the request.
		detail := page(href)
		if !strings.Contains(detail, html.EscapeString(id)) {
			t.Errorf("%s (from %s) is not the page of %q", href, from, id)
		}
		lang := regexp.MustCompile(`href="([^"]*)" lang="zh-TW"`).FindStringSubmatch(detail)
		if lang == nil || !strings.Contains(page(html.UnescapeString(lang[1])), html.EscapeString(id)) {
			t.Errorf("%s: the language switch leaves the conversation: %q", href, lang)
		}
		return true
	}
	for _, id := range ids {
		if !follow("/conversations?test=include&from=2026-03-01", id) {
			t.Errorf("the list has no escaped link to %q", id)
		}
	}
	topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		found := false
		for _, tp := range topics {
			found = found || follow(fmt.Sprintf("/gaps/%d", tp.ID), id)
		}
		if !found {
			t.Errorf("no topic page has an escaped link to %q", id)
		}
	}
}

// TestReportSettingsJSON: a workspace that counts every channel reports its
// counted channels as [], the array the OpenAPI document promises.
func TestReportSettingsJSON(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	code, _, body := get(t, srv.URL+"/api/v1/reports/performance?range=last_4_weeks")
	if code != http.StatusOK || !strings.Contains(body, `"counted_channels":[]`) {
		t.Errorf("report: %d, settings %s", code, regexp.MustCompile(`"settings":\{[^}]*\}`).FindString(body))
	}
}

// TestDates: the date formats of both languages, and what is not a date
// shown as it came.
func TestDates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang              web.Lang
		day, short, month string
	}{
		{web.English, "Mar 2, 2026", "Mar 2", "Mar 2026"},
		{web.TraditionalChinese, "2026年3月2日", "3/2", "2026年3月"},
	} {
		if got := [3]string{tt.lang.Day("2026-03-02"), tt.lang.Short("2026-03-02"), tt.lang.Month("2026-03-02")}; got != [3]string{tt.day, tt.short, tt.month} {
			t.Errorf("%s: got %q, want %q %q %q", tt.lang, got, tt.day, tt.short, tt.month)
		}
		if got := tt.lang.Day("someday"); got != "someday" {
			t.Errorf("%s: Day(someday) = %q", tt.lang, got)
		}
	}
}
