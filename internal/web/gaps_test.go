package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// call sends a JSON request as the admin of the report's data (client) and
// decodes the reply into out (if not nil).
func call(t *testing.T, method, u string, body any, out any) int {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	code, _ := send(t, client, method, u, string(b), out)
	return code
}

// topicIDs lists the topics of the API's gap table with a query.
func topicIDs(t *testing.T, srv *httptest.Server, query string) []int64 {
	t.Helper()
	var out struct{ Topics []parley.TopicSummary }
	if code := call(t, "GET", srv.URL+"/api/v1/gaps?"+query, nil, &out); code != http.StatusOK {
		t.Fatalf("gaps %s: %d", query, code)
	}
	var ids []int64
	for _, s := range out.Topics {
		ids = append(ids, s.ID)
	}
	return ids
}

// openTopics checks that the generated data has at least n open topics
// and returns the first two, with the first as GET answers it, questions
// included.
func openTopics(t *testing.T, srv *httptest.Server, n int) (first, second int64, detail topicReply) {
	t.Helper()
	open := topicIDs(t, srv, "")
	if len(open) < n {
		t.Fatalf("generated data gives %d open topics", len(open))
	}
	first, second = open[0], open[1]
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, first), nil, &detail); code != http.StatusOK || len(detail.Questions) == 0 {
		t.Fatalf("topic %d: %d %+v", first, code, detail)
	}
	return first, second, detail
}

type topicReply struct {
	Topic       parley.Topic
	Questions   []parley.GapQuestion
	ShortAnswer *parley.ShortAnswer `json:"short_answer"`
}

type errorReply struct {
	Error struct {
		Code     string
		Problems []parley.Problem
	}
}

func TestGapsAPI(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	first, second, _ := openTopics(t, srv, 3)

	// Bad input names the field and changes nothing.
	var bad errorReply
	code := call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/resolve", srv.URL, first), map[string]string{"question": "Q?", "answer": "  "}, &bad)
	if code != http.StatusBadRequest || len(bad.Error.Problems) != 1 || bad.Error.Problems[0].Field != "answer" {
		t.Errorf("blank answer: %d %+v", code, bad)
	}
	if ids := topicIDs(t, srv, ""); ids[0] != first {
		t.Error("a rejected resolve changed the table")
	}
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/resolve", srv.URL, first), map[string]any{"answer": "x", "nonsense": 1}, &bad); code != http.StatusBadRequest || bad.Error.Problems[0].Field != "body" {
		t.Errorf("unknown field: %d %+v", code, bad)
	}

	var resolved topicReply
	code = call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/resolve", srv.URL, first),
		map[string]string{"question": "Where is my refund?", "answer": "Refunds reach your card within 5 working days."}, &resolved)
	if code != http.StatusOK || resolved.Topic.State != parley.GapResolved || resolved.ShortAnswer == nil {
		t.Fatalf("resolve: %d %+v", code, resolved)
	}
	if ids := topicIDs(t, srv, "state=resolved"); !slices.Contains(ids, first) {
		t.Errorf("resolved topic %d not among resolved %v", first, ids)
	}
	if ids := topicIDs(t, srv, ""); slices.Contains(ids, first) {
		t.Errorf("resolved topic %d still open", first)
	}

	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/dismiss", srv.URL, second), nil, nil); code != http.StatusOK {
		t.Fatalf("dismiss: %d", code)
	}
	if ids := topicIDs(t, srv, "state=dismissed"); !slices.Contains(ids, second) {
		t.Errorf("dismissed topic %d not in the dismissed view %v", second, ids)
	}
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/restore", srv.URL, second), nil, nil); code != http.StatusOK {
		t.Fatalf("restore: %d", code)
	}
	if ids := topicIDs(t, srv, ""); !slices.Contains(ids, second) {
		t.Errorf("restored topic %d not open", second)
	}
	if code := call(t, "POST", srv.URL+"/api/v1/gaps/999999/dismiss", nil, &bad); code != http.StatusNotFound {
		t.Errorf("unknown topic: %d", code)
	}
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/explode", srv.URL, second), nil, &bad); code != http.StatusNotFound {
		t.Errorf("unknown action: %d", code)
	}
	if code := call(t, "GET", srv.URL+"/api/v1/gaps?state=lost", nil, &bad); code != http.StatusBadRequest || bad.Error.Problems[0].Field != "state" {
		t.Errorf("bad state: %d %+v", code, bad)
	}

	// The short answer reaches the agent's platform: pull and search.
	var pulled struct {
		ShortAnswers []parley.ShortAnswer `json:"short_answers"`
	}
	if code := call(t, "GET", srv.URL+"/api/v1/short-answers?updated_since="+url.QueryEscape("2026-01-01T00:00:00Z"), nil, &pulled); code != http.StatusOK || len(pulled.ShortAnswers) != 1 {
		t.Errorf("pull: %d %+v", code, pulled)
	}
	var found struct{ Matches []struct{ ID int64 } }
	if code := call(t, "POST", srv.URL+"/api/v1/short-answers/search", map[string]string{"q": "refund to my card"}, &found); code != http.StatusOK || len(found.Matches) != 1 || found.Matches[0].ID != resolved.ShortAnswer.ID {
		t.Errorf("search: %d %+v", code, found)
	}
	if code := call(t, "POST", srv.URL+"/api/v1/short-answers/search", map[string]string{}, &bad); code != http.StatusBadRequest || bad.Error.Problems[0].Field != "q" {
		t.Errorf("empty search: %d %+v", code, bad)
	}
	if code := call(t, "GET", srv.URL+"/api/v1/short-answers?updated_since=yesterday", nil, &bad); code != http.StatusBadRequest || bad.Error.Problems[0].Field != "updated_since" {
		t.Errorf("bad updated_since: %d %+v", code, bad)
	}
}

func TestShortAnswersAPI(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	var a parley.ShortAnswer
	if code := call(t, "POST", srv.URL+"/api/v1/short-answers", map[string]string{"question": "營業時間？", "answer": "週一至週五 9:00–18:00。"}, &a); code != http.StatusCreated || a.ID == 0 {
		t.Fatalf("create: %d %+v", code, a)
	}
	u := fmt.Sprintf("%s/api/v1/short-answers/%d", srv.URL, a.ID)
	var got parley.ShortAnswer
	if code := call(t, "PUT", u, map[string]string{"question": "營業時間？", "answer": "週一至週六 9:00–18:00。"}, &got); code != http.StatusOK || !strings.Contains(got.Answer, "週六") {
		t.Errorf("update: %d %+v", code, got)
	}
	var found struct{ Matches []struct{ ID int64 } }
	if code := call(t, "POST", srv.URL+"/api/v1/short-answers/search", map[string]string{"q": "营业时间"}, &found); code != http.StatusOK || len(found.Matches) != 1 {
		t.Errorf("search in Simplified for a Traditional answer: %d %+v", code, found)
	}
	if code := call(t, "DELETE", u, nil, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code := call(t, "GET", u, nil, nil); code != http.StatusNotFound {
		t.Errorf("get after delete: %d", code)
	}
	var bad errorReply
	if code := call(t, "POST", srv.URL+"/api/v1/short-answers", map[string]string{"question": strings.Repeat("問", 501), "answer": "x"}, &bad); code != http.StatusBadRequest || bad.Error.Problems[0].Field != "question" {
		t.Errorf("too long: %d %+v", code, bad)
	}
}

func TestGapForms(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	noRedirect := clientWith(credentials{cookie: adminCookie}, false)
	id := topicIDs(t, srv, "")[0]
	topicURL := fmt.Sprintf("%s/gaps/%d", srv.URL, id)

	code, _, body := postForm(t, noRedirect, topicURL, url.Values{"action": {"resolve"}, "question": {"Q"}, "answer": {""}})
	if code != http.StatusBadRequest || !strings.Contains(body, "<code>answer</code>") || !strings.Contains(body, ">Q</textarea>") {
		t.Errorf("invalid resolve form: %d; want the form again with the problem and the typed question", code)
	}

	if code, h, _ := postForm(t, noRedirect, topicURL, url.Values{"action": {"resolve"}, "question": {"Q"}, "answer": {"A"}}); code != http.StatusSeeOther || h.Get("Location") != fmt.Sprintf("/gaps/%d?done=resolve", id) {
		t.Errorf("resolve form: %d → %q", code, h.Get("Location"))
	}

	// A form posted from another site is refused before it does anything.
	req := newRequest(t, "POST", topicURL, strings.NewReader("action=dismiss"),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if code, _, _ := request(t, noRedirect, req); code != http.StatusForbidden {
		t.Errorf("cross-site form: %d, want 403", code)
	}
	var detail topicReply
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, id), nil, &detail)
	if detail.Topic.State != parley.GapResolved {
		t.Errorf("topic is %s after the refused dismiss, want resolved", detail.Topic.State)
	}

	// Another topic's page offers the resolved one to move questions to
	// or merge from, and not itself.
	other := topicIDs(t, srv, "")[0]
	_, _, body = getWith(t, noRedirect, fmt.Sprintf("%s/gaps/%d", srv.URL, other))
	if option := `<option value="%d">`; !strings.Contains(body, fmt.Sprintf(option, id)) || strings.Contains(body, fmt.Sprintf(option, other)) {
		t.Errorf("topic %d's page: the resolved topic %d should be offered, the topic itself not", other, id)
	}

	if code, _, _ := postForm(t, noRedirect, srv.URL+"/content", url.Values{"question": {""}, "answer": {"A"}}); code != http.StatusBadRequest {
		t.Errorf("invalid content form: %d", code)
	}
}

func TestGapPagesEscapeVisitorText(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	var hostileTopic int64
	for _, id := range topicIDs(t, srv, "") {
		var d topicReply
		call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, id), nil, &d)
		for _, q := range d.Questions {
			if q.Question == hostile {
				hostileTopic = id
			}
		}
	}
	pages := []string{"/gaps"}
	if hostileTopic != 0 {
		pages = append(pages, fmt.Sprintf("/gaps/%d", hostileTopic))
	} else {
		// Like no other question, it waits ungrouped, shown on /gaps.
		var u struct{ Questions []parley.GapQuestion }
		call(t, "GET", srv.URL+"/api/v1/gaps/ungrouped", nil, &u)
		if !slices.ContainsFunc(u.Questions, func(q parley.GapQuestion) bool { return q.Question == hostile }) {
			t.Fatal("the hostile question is in no topic and not ungrouped")
		}
		if _, _, body := get(t, srv.URL+"/gaps"); !strings.Contains(body, template.HTMLEscapeString(hostile)) {
			t.Error("/gaps does not show the ungrouped hostile question, escaped")
		}
	}
	for _, p := range pages {
		code, _, body := get(t, srv.URL+p)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", p, code)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "evil<b>1"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains unescaped %q", p, bad)
			}
		}
	}
}

// TestBadParametersNameTheField sends requests with one bad query parameter
// or body field each: every one is answered 400 naming it, and nothing is
// written. A topic named in a body that does not exist is such a field,
// not a missing topic in the path (404).
func TestBadParametersNameTheField(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	first, second, before := openTopics(t, srv, 2)
	question := before.Questions[0].EventID
	for _, tt := range []struct {
		method, path string
		body         any
		status       int
		field        string
	}{
		{"GET", "/api/v1/conversations?reopened=x", nil, http.StatusBadRequest, "reopened"},
		{"GET", "/api/v1/conversations?reopened=false", nil, http.StatusBadRequest, "reopened"},
		{"GET", "/api/v1/conversations?format=xml", nil, http.StatusBadRequest, "format"},
		{"GET", "/api/v1/conversations?format=xml&outcome=won", nil, http.StatusBadRequest, "format"},
		{"GET", "/api/v1/reports/performance?format=xml", nil, http.StatusBadRequest, "format"},
		{"GET", "/api/v1/reports/performance?format=xml&from=2026-03-01&to=2026-02-01", nil, http.StatusBadRequest, "format"},
		{"POST", fmt.Sprintf("/api/v1/gaps/%d/merge", first), map[string]any{"from": []int64{99999}}, http.StatusBadRequest, "from"},
		{"POST", fmt.Sprintf("/api/v1/gaps/%d/merge", first), map[string]any{"from": []int64{second, 99999}}, http.StatusBadRequest, "from"},
		{"POST", fmt.Sprintf("/api/v1/gaps/%d/move_questions", first), map[string]any{"questions": []string{question}, "topic": 99999}, http.StatusBadRequest, "topic"},
		{"POST", "/api/v1/gaps/99999/merge", map[string]any{"from": []int64{first}}, http.StatusNotFound, ""},
	} {
		var reply errorReply
		code := call(t, tt.method, srv.URL+tt.path, tt.body, &reply)
		var fields []string
		for _, p := range reply.Error.Problems {
			fields = append(fields, p.Field)
		}
		if code != tt.status || (tt.field != "" && !slices.Contains(fields, tt.field)) {
			t.Errorf("%s %s %v: %d naming %v, want %d naming %q", tt.method, tt.path, tt.body, code, fields, tt.status, tt.field)
		}
	}
	var after topicReply
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, first), nil, &after)
	if len(after.Questions) != len(before.Questions) || after.Topic.ID != first {
		t.Errorf("topic %d has %d questions after refused requests, had %d", first, len(after.Questions), len(before.Questions))
	}
	if ids := topicIDs(t, srv, ""); !slices.Contains(ids, second) {
		t.Errorf("topic %d left the table after a refused merge", second)
	}
}

// TestUngroupedQuestionsApart: the questions like no other are listed apart
// on the open tab of the gaps page and by the API, the same ones, and not
// on the other tabs.
func TestUngroupedQuestionsApart(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	var u struct {
		Questions []parley.GapQuestion
		Total     int
	}
	call(t, "GET", srv.URL+"/api/v1/gaps/ungrouped", nil, &u)
	if u.Total == 0 || len(u.Questions) == 0 || len(u.Questions) > u.Total {
		t.Fatalf("ungrouped: %d listed of %d; the fixture should leave some question like no other", len(u.Questions), u.Total)
	}
	for _, q := range u.Questions {
		if q.TopicID != 0 {
			t.Errorf("ungrouped question %s is in topic %d", q.EventID, q.TopicID)
		}
	}
	_, _, open := get(t, srv.URL+"/gaps?lang=en")
	if !strings.Contains(open, fmt.Sprintf("Ungrouped questions (%d)", u.Total)) || !strings.Contains(open, template.HTMLEscapeString(u.Questions[0].Question)) {
		t.Errorf("the open tab does not list the %d ungrouped questions", u.Total)
	}
	if _, _, resolved := get(t, srv.URL+"/gaps?lang=en&state=resolved"); strings.Contains(resolved, "Ungrouped questions") {
		t.Error("the resolved tab lists ungrouped questions")
	}
	var none struct{ Total int }
	call(t, "GET", srv.URL+"/api/v1/gaps/ungrouped?channel=nosuchchannel", nil, &none)
	if none.Total != 0 {
		t.Errorf("a channel no question came from has %d ungrouped", none.Total)
	}
}

// The topic page's resolve covers the questions the editor chose and then
// shows its short answer for editing; merge and move name their target
// and wait for a confirmation that names it.
func TestTopicPageChoosesAndConfirms(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	noRedirect := clientWith(credentials{cookie: adminCookie}, false)
	first, second, detail := openTopics(t, srv, 2)
	topicURL := fmt.Sprintf("%s/gaps/%d", srv.URL, first)
	post := func(form url.Values) (int, string) {
		t.Helper()
		code, _, body := postForm(t, noRedirect, topicURL, form)
		return code, body
	}
	var secondDetail topicReply
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, second), nil, &secondDetail)

	// Merge: no target is a problem naming it; a target is shown for
	// confirmation and nothing changes until it is confirmed.
	if code, body := post(url.Values{"action": {"merge"}, "from": {""}}); code != http.StatusBadRequest || !strings.Contains(body, "<code>from</code>") {
		t.Errorf("merge without a target: %d", code)
	}
	code, body := post(url.Values{"action": {"merge"}, "from": {fmt.Sprint(second)}})
	if code != http.StatusOK || !strings.Contains(body, html.EscapeString(secondDetail.Topic.Title())) || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Errorf("merge asks no confirmation naming %q: %d", secondDetail.Topic.Title(), code)
	}
	if ids := topicIDs(t, srv, ""); !slices.Contains(ids, second) {
		t.Fatalf("topic %d was merged before the confirmation", second)
	}
	if code, _ := post(url.Values{"action": {"merge"}, "from": {fmt.Sprint(second)}, "confirm": {"yes"}}); code != http.StatusSeeOther {
		t.Errorf("confirmed merge: %d", code)
	}
	if ids := topicIDs(t, srv, ""); slices.Contains(ids, second) {
		t.Errorf("topic %d is still listed after the confirmed merge", second)
	}

	// Resolve: choosing none is refused; choosing one resolves that one.
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, first), nil, &detail)
	var open []string
	for _, q := range detail.Questions {
		if q.State == parley.GapOpen {
			open = append(open, q.EventID)
		}
	}
	if len(open) < 2 {
		t.Fatalf("topic %d has %d open questions", first, len(open))
	}
	answer := url.Values{"action": {"resolve"}, "question": {"Where is my refund?"}, "answer": {"Within 5 days."}, "choose": {"1"}}
	if code, body := post(answer); code != http.StatusBadRequest || !strings.Contains(body, "<code>questions</code>") {
		t.Errorf("resolve covering nothing: %d", code)
	}
	answer["q"] = open[:1]
	if code, _ := post(answer); code != http.StatusSeeOther {
		t.Errorf("resolve covering one question: %d", code)
	}
	call(t, "GET", fmt.Sprintf("%s/api/v1/gaps/%d", srv.URL, first), nil, &detail)
	for _, q := range detail.Questions {
		if want := map[bool]parley.GapState{true: parley.GapResolved, false: parley.GapOpen}[q.EventID == open[0]]; slices.Contains(open, q.EventID) && q.State != want {
			t.Errorf("question %s is %s after resolving %s alone", q.EventID, q.State, open[0])
		}
	}
	// The page then shows the short answer, ready to edit, with the other
	// open questions to cover.
	_, _, page := getWith(t, noRedirect, topicURL)
	if !strings.Contains(page, ">Within 5 days.</textarea>") || !strings.Contains(page, fmt.Sprintf(`name="q" value="%s" checked`, open[1])) ||
		strings.Contains(page, fmt.Sprintf(`name="q" value="%s" checked`, open[0])) {
		t.Errorf("the resolved topic's page does not offer its short answer with the open questions chosen")
	}
}

// The audit log says each change as a sentence in the reader's language:
// who, what (the topic linked), from which value to which, and when, in
// the workspace's time zone, which it names.
func TestAuditLogReadsAsSentences(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	first, _, detail := openTopics(t, srv, 2)
	old := detail.Topic.Title()
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/gaps/%d/rename", srv.URL, first), map[string]string{"name": "Card PIN"}, nil); code != http.StatusOK {
		t.Fatalf("rename: %d", code)
	}
	if code := call(t, "PUT", srv.URL+"/api/v1/settings", map[string]any{"window": "48h", "time_zone": "Asia/Taipei"}, nil); code != http.StatusOK {
		t.Fatalf("settings: %d", code)
	}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"en", []string{
			fmt.Sprintf(`renamed <a href="/gaps/%d">Card PIN</a>: “%s” → “Card PIN”.`, first, html.EscapeString(old)),
			"changed the settings: time zone UTC → Asia/Taipei, evaluation window 72 hours → 48 hours.",
			"Times are in Asia/Taipei, the workspace&#39;s time zone.",
		}},
		{"zh-TW", []string{
			fmt.Sprintf(`將 <a href="/gaps/%d">Card PIN</a> 重新命名：「%s」→「Card PIN」。`, first, html.EscapeString(old)),
			"變更了設定：時區 UTC → Asia/Taipei、評估時間窗 72 小時 → 48 小時。",
			"時間以工作區時區 Asia/Taipei 顯示。",
		}},
	} {
		code, _, body := get(t, srv.URL+"/settings/audit?lang="+tt.lang)
		if code != http.StatusOK {
			t.Fatalf("audit page: %d", code)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("the %s audit log lacks %q", tt.lang, w)
			}
		}
		for _, slug := range []string{"gap.rename", "settings.update", "window=48h"} {
			if strings.Contains(body, slug) {
				t.Errorf("the %s audit log shows the slug %q", tt.lang, slug)
			}
		}
	}
}
