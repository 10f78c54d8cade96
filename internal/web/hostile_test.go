package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/web"
)

// hostileServer is a server with a little of everything stored — a conversation
// whose agent could not answer (so a topic), a short answer, people and
// tokens — and the credentials to reach every route.
type hostileServer struct {
	dsn                 string
	db                  *store.DB
	srv                 *httptest.Server
	admin               string // a session cookie
	ingest, read, write string // API tokens
	settings            string // an API token with the admin scope
	topic, shortAnswer  int64
	// snapshot is every stored row (storetest.Snapshot), read through one
	// connection for the whole test.
	snapshot func(testing.TB) map[string][]string
}

func newHostile(t *testing.T) *hostileServer {
	t.Helper()
	ctx := context.Background()
	h := &hostileServer{}
	db, dsn := storetest.NewDSN(t)
	h.db, h.dsn = db, dsn
	h.snapshot = storetest.Snapshots(t, h.dsn)
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, now)
	if err != nil {
		t.Fatal(err)
	}
	h.admin = session(t, db, ws, "admin@example.com", parley.RoleAdmin, now)
	h.ingest = token(t, db, ws, now, parley.ScopeIngest)
	h.read = token(t, db, ws, now, parley.ScopeRead)
	h.write = token(t, db, ws, now, parley.ScopeWrite)
	h.settings = token(t, db, ws, now, parley.ScopeAdmin)
	clock := func() time.Time { return now }
	h.srv = serveWith(t, db, web.Options{Now: clock})

	// Two conversations whose agent could not answer the same question:
	// a question with no similar one waits ungrouped, two make a topic.
	var events strings.Builder
	for _, c := range []string{"c1", "c2"} {
		fmt.Fprintf(&events, `{"id":"s-%[1]s","type":"conversation.started","conversation_id":"%[1]s","occurred_at":"2026-02-20T09:00:00Z","channel":"chat"}
{"id":"v-%[1]s","type":"message","conversation_id":"%[1]s","occurred_at":"2026-02-20T09:00:01Z","author":"visitor","text":"Can I pay by cheque?"}
{"id":"a-%[1]s","type":"message","conversation_id":"%[1]s","occurred_at":"2026-02-20T09:00:02Z","author":"customer_agent","text":"I do not know.","unanswered":true,"question":"Can I pay by cheque?"}
`, c)
	}
	if status, body := h.do(t, "POST", "/api/v1/events", "application/x-ndjson", events.String(), bearer(h.ingest)); status != http.StatusOK {
		t.Fatalf("events: %d %s", status, body)
	}
	if _, err := pipeline.New(db, pipeline.Options{Now: clock}).Pass(ctx); err != nil {
		t.Fatal(err)
	}
	var gaps struct{ Topics []parley.TopicSummary }
	if status, body := h.do(t, "GET", "/api/v1/gaps", "", "", bearer(h.read)); status != http.StatusOK || json.Unmarshal([]byte(body), &gaps) != nil || len(gaps.Topics) != 1 {
		t.Fatalf("gaps: %d %s", status, body)
	}
	h.topic = gaps.Topics[0].ID
	var sa parley.ShortAnswer
	if status, body := h.do(t, "POST", "/api/v1/short-answers", "application/json", `{"question":"Opening hours?","answer":"9 to 5."}`, bearer(h.write)); status != http.StatusCreated && status != http.StatusOK || json.Unmarshal([]byte(body), &sa) != nil {
		t.Fatalf("short answer: %d %s", status, body)
	}
	h.shortAnswer = sa.ID
	return h
}

// credential sets what a request signs in with.
type credential func(*http.Request)

func bearer(secret string) credential {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret) }
}

func cookie(secret string) credential {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "parley_session", Value: secret}) }
}

func anonymous(*http.Request) {}

// do sends one request without following redirects and returns the status
// and the body.
func (h *hostileServer) do(t *testing.T, method, path, contentType, body string, cred credential, header ...string) (int, string) {
	t.Helper()
	if contentType != "" {
		header = append([]string{"Content-Type", contentType}, header...)
	}
	req := newRequest(t, method, h.srv.URL+path, strings.NewReader(body), header...)
	cred(req)
	code, _, b := request(t, noRedirects, req)
	return code, string(b)
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// problemFields are the fields an answer's problems name: from the API's
// error shape, or from the problem list of an HTML page.
func problemFields(body string) []string {
	var apiErr struct {
		Error struct{ Problems []parley.Problem }
	}
	var fields []string
	if json.Unmarshal([]byte(body), &apiErr) == nil {
		for _, p := range apiErr.Error.Problems {
			fields = append(fields, p.Field)
		}
		return fields
	}
	for _, m := range htmlProblem.FindAllStringSubmatch(body, -1) {
		fields = append(fields, html.UnescapeString(m[1]))
	}
	return fields
}

var htmlProblem = regexp.MustCompile(`<li><code>(.*?)</code>:`)

// form encodes form fields given as name, value pairs.
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// TestHostileInput is the battery of hostile input: events, forms, JSON
// bodies, paths and query parameters carrying what no database can store
// (NUL, bytes that are not UTF-8), what decoding would silently change
// (lone surrogates, names given twice) and what must not be passed on
// (script links). Each is refused with its status, naming the field, and
// the database is left exactly as it was — on SQLite and PostgreSQL alike.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	h := newHostile(t)
	const (
		js    = "application/json"
		nd    = "application/x-ndjson"
		fm    = "application/x-www-form-urlencoded"
		start = `"type":"conversation.started","conversation_id":"c9","occurred_at":"2026-03-02T09:00:00Z","channel":"chat"`
		msg   = `"type":"message","conversation_id":"c9","occurred_at":"2026-03-02T09:00:00Z"`
		agent = msg + `,"author":"customer_agent"`
	)
	good := `{"id":"g1",` + start + `}`
	topic := fmt.Sprintf("/api/v1/gaps/%d", h.topic)
	topicPage := fmt.Sprintf("/gaps/%d", h.topic)
	answer := fmt.Sprintf("/api/v1/short-answers/%d", h.shortAnswer)
	answerPage := fmt.Sprintf("/content/%d", h.shortAnswer)
	type tc struct {
		name                   string
		method, path, ct, body string
		cred                   credential
		wantStatus             int
		wantField              string
		header                 []string
	}
	ingest, read, write, admin := bearer(h.ingest), bearer(h.read), bearer(h.write), cookie(h.admin)
	event := func(name, body, field string) tc {
		return tc{name: "event: " + name, method: "POST", path: "/api/v1/events", ct: nd, body: body, cred: ingest, wantStatus: 400, wantField: field}
	}
	cases := []tc{
		event("NUL in id", `{"id":"e\u0000",`+start+`}`, "id"),
		event("NUL in conversation_id", `{"id":"e1","type":"conversation.closed","conversation_id":"c\u0000","occurred_at":"2026-03-02T09:00:00Z"}`, "conversation_id"),
		event("NUL in text", `{"id":"e1",`+msg+`,"author":"visitor","text":"hi\u0000"}`, "text"),
		event("NUL in an unanswered question", `{"id":"e1",`+agent+`,"unanswered":true,"question":"why\u0000?"}`, "question"),
		event("NUL in a handoff's question", `{"id":"e1","type":"handoff","conversation_id":"c9","occurred_at":"2026-03-02T09:00:00Z","initiator":"rule","question":"\u0000"}`, "question"),
		event("NUL in visitor_id", `{"id":"e1",`+start+`,"visitor_id":"v\u0000"}`, "visitor_id"),
		event("NUL in a comment", `{"id":"e1","type":"feedback","conversation_id":"c9","occurred_at":"2026-03-02T09:00:00Z","message_id":"a1","rating":"positive","comment":"\u0000"}`, "comment"),
		event("NUL in message_id", `{"id":"e1","type":"feedback","conversation_id":"c9","occurred_at":"2026-03-02T09:00:00Z","message_id":"a\u0000","rating":"positive"}`, "message_id"),
		event("NUL in a source title", `{"id":"e1",`+agent+`,"sources":[{"id":"kb","title":"\u0000"}]}`, "sources[0].title"),
		event("NUL in an action name", `{"id":"e1",`+agent+`,"actions":[{"name":"refund\u0000"}]}`, "actions[0].name"),
		event("NUL in a channel", `{"id":"e1",`+msg+`,"author":"visitor","channel":"chat\u0000"}`, "channel"),
		event("NUL in a handoff reason", `{"id":"e1","type":"handoff","conversation_id":"c9","occurred_at":"2026-03-02T09:00:00Z","initiator":"rule","reason":"x\u0000"}`, "reason"),
		event("NUL deep in metadata", `{"id":"e1",`+start+`,"metadata":{"a":{"b":["ok","\u0000"]}}}`, "metadata.a.b[1]"),
		event("NUL in a metadata name", `{"id":"e1",`+start+`,"metadata":{"k\u0000":1}}`, "metadata"),
		event("invalid UTF-8 in text", `{"id":"e1",`+msg+`,"author":"visitor","text":"caf`+"\xe9"+`"}`, "text"),
		event("invalid UTF-8 in id", `{"id":"`+"\xff\xfe"+`",`+start+`}`, "id"),
		event("invalid UTF-8 in metadata", `{"id":"e1",`+start+`,"metadata":{"k":"`+"\xc3"+`"}}`, "metadata.k"),
		event("a lone surrogate in text", `{"id":"e1",`+msg+`,"author":"visitor","text":"\ud800"}`, "text"),
		event("a lone surrogate in metadata", `{"id":"e1",`+start+`,"metadata":{"k":"\udfff"}}`, "metadata.k"),
		event("a field given twice", `{"id":"e1",`+msg+`,"author":"visitor","text":"a","text":"b"}`, "text"),
		event("a metadata name given twice", `{"id":"e1",`+start+`,"metadata":{"a":{"x":1,"x":1}}}`, "metadata.a.x"),
		event("a source field given twice", `{"id":"e1",`+agent+`,"sources":[{"id":"a","id":"b"}]}`, "sources[0].id"),
		event("a javascript: source", `{"id":"e1",`+agent+`,"sources":[{"id":"kb","url":"javascript:alert(1)"}]}`, "sources[0].url"),
		event("a data: source", `{"id":"e1",`+agent+`,"sources":[{"id":"kb","url":"data:text/html;base64,PHNjcmlwdD4="}]}`, "sources[0].url"),
		event("a vbscript: ticket", `{"id":"e1",`+start+`,"ticket_url":"vbscript:msgbox"}`, "ticket_url"),
		event("the year 1999", `{"id":"e1","type":"conversation.closed","conversation_id":"c9","occurred_at":"1999-12-31T23:59:59Z"}`, "occurred_at"),
		event("two days ahead", `{"id":"e1","type":"conversation.closed","conversation_id":"c9","occurred_at":"2026-03-04T13:00:00Z"}`, "occurred_at"),
		event("an empty NDJSON body", "", "body"),
		event("a blank NDJSON body", "\n \r\n", "body"),
		{name: "event: an empty JSON body", method: "POST", path: "/api/v1/events", ct: js, body: "", cred: ingest, wantStatus: 400, wantField: "body"},
		event("one bad line among good ones", good+"\n"+`{"id":"e2",`+msg+`,"author":"visitor","text":"\u0000"}`+"\n"+`{"id":"g3",`+msg+`,"author":"visitor"}`, "text"),

		// Forms, signed in as an admin (sign-in itself anonymous).
		{name: "form: sign-in email with NUL", method: "POST", path: "/signin", ct: fm, body: form("email", "admin@example.com\x00", "password", "x"), cred: anonymous, wantStatus: 400, wantField: "email"},
		{name: "form: sign-in password not UTF-8", method: "POST", path: "/signin", ct: fm, body: form("email", "admin@example.com", "password", "\xff"), cred: anonymous, wantStatus: 400, wantField: "password"},
		{name: "form: sign-in next with NUL", method: "POST", path: "/signin", ct: fm, body: form("email", "a@example.com", "password", "x", "next", "/reports\x00"), cred: anonymous, wantStatus: 400, wantField: "next"},
		{name: "form: a field name with NUL", method: "POST", path: "/signin", ct: fm, body: form("email\x00", "a@example.com"), cred: anonymous, wantStatus: 400, wantField: "body"},
		{name: "form: setup on a database with an admin", method: "POST", path: "/setup", ct: fm, body: form("email", "b@example.com", "password", testPassword), cred: anonymous, wantStatus: 403},
		{name: "form: time zone with NUL", method: "POST", path: "/settings", ct: fm, body: form("time_zone", "UTC\x00", "week_start", "monday", "window_hours", "72"), cred: admin, wantStatus: 400, wantField: "time_zone"},
		{name: "form: counted channels not UTF-8", method: "POST", path: "/settings", ct: fm, body: form("time_zone", "UTC", "week_start", "monday", "window_hours", "72", "counted_channels", "chat,\xff"), cred: admin, wantStatus: 400, wantField: "counted_channels"},
		{name: "form: a person's name with NUL", method: "POST", path: "/settings/people", ct: fm, body: form("action", "add", "email", "new@example.com", "name", "Ne\x00w", "password", testPassword, "role", "viewer"), cred: admin, wantStatus: 400, wantField: "name"},
		{name: "form: a person's email not UTF-8", method: "POST", path: "/settings/people", ct: fm, body: form("action", "add", "email", "n\xe9w@example.com", "password", testPassword, "role", "viewer"), cred: admin, wantStatus: 400, wantField: "email"},
		{name: "form: a token name with NUL", method: "POST", path: "/settings/tokens", ct: fm, body: form("name", "ci\x00", "scopes", "read"), cred: admin, wantStatus: 400, wantField: "name"},
		{name: "form: a short answer's question with NUL", method: "POST", path: "/content", ct: fm, body: form("question", "Q\x00", "answer", "A"), cred: admin, wantStatus: 400, wantField: "question"},
		{name: "form: a short answer's answer not UTF-8", method: "POST", path: "/content", ct: fm, body: form("question", "Q", "answer", "\xc3\x28"), cred: admin, wantStatus: 400, wantField: "answer"},
		{name: "form: an edited answer with NUL", method: "POST", path: answerPage, ct: fm, body: form("question", "Q", "answer", "\x00"), cred: admin, wantStatus: 400, wantField: "answer"},
		{name: "form: resolving with an answer with NUL", method: "POST", path: topicPage, ct: fm, body: form("action", "resolve", "question", "Q", "answer", "A\x00"), cred: admin, wantStatus: 400, wantField: "answer"},
		{name: "form: renaming a topic with NUL", method: "POST", path: topicPage, ct: fm, body: form("action", "rename", "name", "\x00"), cred: admin, wantStatus: 400, wantField: "name"},
		{name: "form: a short answer over 64 KiB", method: "POST", path: "/content", ct: fm, body: form("question", "Q", "answer", strings.Repeat("a", 70<<10)), cred: admin, wantStatus: 413},
		{name: "form: a sign-in over 16 KiB", method: "POST", path: "/signin", ct: fm, body: form("email", strings.Repeat("a", 17<<10)+"@example.com", "password", "x"), cred: anonymous, wantStatus: 413},
		{name: "form: dismissing a question id with NUL", method: "POST", path: topicPage, ct: fm, body: form("action", "dismiss_questions", "q", "a-c1\x00"), cred: admin, wantStatus: 400, wantField: "q"},

		// JSON bodies of the API.
		{name: "api: a short answer's question with NUL", method: "POST", path: "/api/v1/short-answers", ct: js, body: `{"question":"Q\u0000","answer":"A"}`, cred: write, wantStatus: 400, wantField: "question"},
		{name: "api: a short answer with a lone surrogate", method: "POST", path: "/api/v1/short-answers", ct: js, body: `{"question":"Q","answer":"\ud83d"}`, cred: write, wantStatus: 400, wantField: "answer"},
		{name: "api: a short answer not UTF-8", method: "POST", path: "/api/v1/short-answers", ct: js, body: `{"question":"Q","answer":"` + "\xf0\x28\x8c\x28" + `"}`, cred: write, wantStatus: 400, wantField: "answer"},
		{name: "api: a short answer's field given twice", method: "POST", path: "/api/v1/short-answers", ct: js, body: `{"question":"Q","question":"R","answer":"A"}`, cred: write, wantStatus: 400, wantField: "question"},
		{name: "api: a short answer's unknown field", method: "POST", path: "/api/v1/short-answers", ct: js, body: `{"question":"Q","answer":"A","html":"<b>"}`, cred: write, wantStatus: 400, wantField: "body"},
		{name: "api: two objects in one body", method: "POST", path: "/api/v1/short-answers", ct: js, body: `{"question":"Q","answer":"A"} {"question":"R","answer":"B"}`, cred: write, wantStatus: 400, wantField: "body"},
		{name: "api: an edited answer with NUL", method: "PUT", path: answer, ct: js, body: `{"question":"Q","answer":"\u0000"}`, cred: write, wantStatus: 400, wantField: "answer"},
		{name: "api: resolving with an answer with NUL", method: "POST", path: topic + "/resolve", ct: js, body: `{"question":"Q","answer":"A\u0000"}`, cred: write, wantStatus: 400, wantField: "answer"},
		{name: "api: renaming with NUL", method: "POST", path: topic + "/rename", ct: js, body: `{"name":"x\u0000"}`, cred: write, wantStatus: 400, wantField: "name"},
		{name: "api: renaming with a name given twice", method: "POST", path: topic + "/rename", ct: js, body: `{"name":"a","name":"b"}`, cred: write, wantStatus: 400, wantField: "name"},
		{name: "api: dismissing a question id with NUL", method: "POST", path: topic + "/dismiss_questions", ct: js, body: `{"questions":["a-c1","a\u0000"]}`, cred: write, wantStatus: 400, wantField: "questions[1]"},
		{name: "api: moving a question id not UTF-8", method: "POST", path: topic + "/move_questions", ct: js, body: `{"questions":["` + "\xff" + `"],"topic":1}`, cred: write, wantStatus: 400, wantField: "questions[0]"},
		{name: "api: searching for NUL", method: "POST", path: "/api/v1/short-answers/search", ct: js, body: `{"q":"\u0000"}`, cred: read, wantStatus: 400, wantField: "q"},
		{name: "api: searching with a lone surrogate", method: "POST", path: "/api/v1/short-answers/search", ct: js, body: `{"q":"hours \udc00"}`, cred: read, wantStatus: 400, wantField: "q"},

		{name: "api: a setting given twice", method: "PUT", path: "/api/v1/settings", ct: js, body: `{"time_zone":"UTC","time_zone":"Asia/Taipei"}`, cred: bearer(h.settings), wantStatus: 400, wantField: "time_zone"},
		{name: "api: a time zone with NUL", method: "PUT", path: "/api/v1/settings", ct: js, body: `{"time_zone":"UTC\u0000"}`, cred: bearer(h.settings), wantStatus: 400, wantField: "time_zone"},
		{name: "api: a counted channel with a lone surrogate", method: "PUT", path: "/api/v1/settings", ct: js, body: `{"counted_channels":["chat","\udc00"]}`, cred: bearer(h.settings), wantStatus: 400, wantField: "counted_channels[1]"},

		// Paths and query parameters.
		{name: "query: a conversation id with NUL", method: "GET", path: "/api/v1/conversations/c%00", cred: read, wantStatus: 400, wantField: "path"},
		{name: "query: a conversation id not UTF-8", method: "GET", path: "/api/v1/conversations/%FF", cred: read, wantStatus: 400, wantField: "path"},
		{name: "query: a conversation page with NUL", method: "GET", path: "/conversations/c%00", cred: admin, wantStatus: 400, wantField: "path"},
		{name: "query: a channel with NUL", method: "GET", path: "/api/v1/conversations?channel=chat%00", cred: read, wantStatus: 400, wantField: "channel"},
		{name: "query: a cursor with NUL", method: "GET", path: "/api/v1/conversations?after=2026-03-01%7Cc%00", cred: read, wantStatus: 400, wantField: "after"},
		{name: "query: a gap channel not UTF-8", method: "GET", path: "/api/v1/gaps?channel=%C3", cred: read, wantStatus: 400, wantField: "channel"},
		{name: "query: a gaps page channel with NUL", method: "GET", path: "/gaps?channel=%00", cred: admin, wantStatus: 400, wantField: "channel"},
		{name: "query: a report channel with NUL", method: "GET", path: "/api/v1/reports/performance?channel=%00", cred: read, wantStatus: 400, wantField: "channel"},
		{name: "query: updated_since with NUL", method: "GET", path: "/api/v1/short-answers?updated_since=%00", cred: read, wantStatus: 400, wantField: "updated_since"},
		{name: "query: a parameter name not UTF-8", method: "GET", path: "/api/v1/conversations?%FF=1", cred: read, wantStatus: 400, wantField: "query"},
		{name: "query: a content search with NUL", method: "GET", path: "/content?q=%00", cred: admin, wantStatus: 400, wantField: "q"},
	}
	if len(cases) < 60 {
		t.Fatalf("the battery has %d cases; keep it at 60 or more", len(cases))
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := h.snapshot(t)
			status, body := h.do(t, tt.method, tt.path, tt.ct, tt.body, tt.cred, tt.header...)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.300s", status, tt.wantStatus, body)
			}
			if tt.wantField != "" {
				if fields := problemFields(body); !slices.Contains(fields, tt.wantField) {
					t.Errorf("problems name %q, want %q: %.300s", fields, tt.wantField, body)
				}
			}
			if diff := cmp.Diff(before, h.snapshot(t)); diff != "" {
				t.Errorf("the database changed (-before +after):\n%s", diff)
			}
		})
	}
}
