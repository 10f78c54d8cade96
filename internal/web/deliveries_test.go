package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/source/chatwoot"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/testio"
	"github.com/parleyhq/parley/internal/web"
)

// The Chatwoot bodies these tests post are the fixtures of the mapping's
// own tests, in the shapes Chatwoot sends (see the comment at the top of
// internal/source/chatwoot/chatwoot_test.go for where each comes from).
const chatwootFixtures = "../source/chatwoot/testdata"

// sourcesNow is after every fixture's times: deliveries are received then.
var sourcesNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// sourceServer serves Parley with a clock the test may move.
type sourceServer struct {
	db    *store.DB
	srv   *httptest.Server
	ws    parley.Workspace
	clock atomic.Int64 // Unix nanoseconds
	admin *http.Client
}

func newSourceServer(t testing.TB) *sourceServer {
	t.Helper()
	s := &sourceServer{db: storetest.New(t)}
	s.clock.Store(sourcesNow.UnixNano())
	h := web.New(s.db, web.Options{Now: s.now, Logger: quiet})
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	ws, err := s.db.EnsureWorkspace(context.Background(), parley.DefaultWorkspace, sourcesNow)
	if err != nil {
		t.Fatal(err)
	}
	s.ws = ws
	s.admin = clientWith(credentials{cookie: session(t, s.db, ws, "admin@example.com", parley.RoleAdmin, sourcesNow)}, false)
	return s
}

func (s *sourceServer) now() time.Time      { return time.Unix(0, s.clock.Load()).UTC() }
func (s *sourceServer) set(at time.Time)    { s.clock.Store(at.UnixNano()) }
func (s *sourceServer) url(p string) string { return s.srv.URL + p }

// newSource creates a source through the API, as an admin would, and
// returns what the API answered.
func (s *sourceServer) newSource(t testing.TB, kind parley.SourceKind, secret string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"kind": string(kind), "name": string(kind) + " source", "signing_secret": secret})
	res, err := s.admin.Post(s.url("/api/v1/sources"), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("creating a %s source: %d %v", kind, res.StatusCode, out)
	}
	return out
}

// deliver posts a Chatwoot body to url, with headers in pairs.
func deliver(t testing.TB, url string, body []byte, header ...string) (int, map[string]any) {
	t.Helper()
	// What Webhooks::Trigger sends (lib/webhooks/trigger.rb).
	header = append([]string{"Content-Type", "application/json", "Accept", "application/json"}, header...)
	code, _, b := request(t, http.DefaultClient, newRequest(t, "POST", url, bytes.NewReader(body), header...))
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("reply %q is not JSON: %v", b, err)
	}
	return code, out
}

func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(chatwootFixtures, "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

func (s *sourceServer) counts(t testing.TB) store.Counts {
	t.Helper()
	c, err := s.db.Count(context.Background(), s.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *sourceServer) source(t testing.TB, id any) parley.InboundSource {
	t.Helper()
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(jsonText(id), `"`), `"`), 10, 64)
	src, err := s.db.Source(context.Background(), s.ws.ID, n)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestChatwootDeliveries posts three whole exchanges as Chatwoot sends
// them, then posts every body again: the second round stores nothing.
func TestChatwootDeliveries(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	src := s.newSource(t, parley.SourceChatwoot, "")
	hook, _ := src["url"].(string)
	if !strings.HasPrefix(hook, s.srv.URL+"/hooks/chatwoot/ps_") || src["token"] == nil || src["kind"] != "chatwoot" {
		t.Fatalf("created source %v", src)
	}
	files := fixtures(t)
	var stored, ignored int
	for round := range 2 {
		for _, name := range slices.Sorted(maps.Keys(files)) {
			status, out := deliver(t, hook, files[name])
			if status != http.StatusOK {
				t.Fatalf("round %d, %s: %d %v", round, name, status, out)
			}
			if round == 0 {
				stored += int(out["accepted"].(float64))
				if out["ignored"] == true {
					ignored++
				}
			} else if out["accepted"].(float64) != 0 {
				t.Errorf("the redelivery of %s stored %v events", name, out["accepted"])
			}
		}
	}
	// 3 conversations: started, messages (2 + 3 + 2), a handoff, 3 closes,
	// a CSAT answer.
	if want := 3 + 7 + 1 + 3 + 1; stored != want {
		t.Errorf("stored %d events, want %d", stored, want)
	}
	if c := s.counts(t); c.Events != int64(stored) || c.Conversations != 3 {
		t.Errorf("the workspace holds %+v", c)
	}
	got := s.source(t, src["id"])
	n := int64(len(files))
	if got.Deliveries != 2*n || got.Events != int64(stored) || got.Ignored != 2*int64(ignored) || got.Rejected != 0 || got.LastDeliveryAt == nil {
		t.Errorf("source counts %+v after %d deliveries, %d events, %d ignored", got, 2*n, stored, ignored)
	}
	events, err := s.db.ConversationEvents(context.Background(), s.ws.ID, "chatwoot:3:42")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Type)+"/"+string(e.Author))
	}
	want := "conversation.started/ message/visitor message/customer_agent handoff/ message/rep conversation.closed/"
	if strings.Join(kinds, " ") != want {
		t.Errorf("conversation 42 holds %v", kinds)
	}
}

// TestChatwootReceiptTimes: a status change from a version that sends no
// updated_at is timed by its receipt; delivered again later, or sent
// again as conversation_updated, it is a duplicate, not a conflict.
func TestChatwootReceiptTimes(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	hook := s.newSource(t, parley.SourceChatwoot, "")["url"].(string)
	old := func(name string, event string) []byte {
		var m map[string]any
		json.Unmarshal(fixtures(t)[name], &m)
		delete(m, "updated_at")
		if event != "" {
			m["event"] = event
		}
		b, _ := json.Marshal(m)
		return b
	}
	first := old("handoff_03_status_changed.json", "")
	if status, out := deliver(t, hook, first); status != 200 || out["accepted"].(float64) != 2 {
		t.Fatalf("first delivery: %d %v", status, out)
	}
	s.set(sourcesNow.Add(3 * time.Minute))
	if status, out := deliver(t, hook, first); status != 200 || out["accepted"].(float64) != 0 || out["duplicates"].(float64) != 2 {
		t.Fatalf("redelivery: %d %v", status, out)
	}
	s.set(sourcesNow.Add(4 * time.Minute))
	if status, out := deliver(t, hook, old("handoff_03_status_changed.json", "conversation_updated")); status != 200 || out["accepted"].(float64) != 0 {
		t.Fatalf("the same change as conversation_updated: %d %v", status, out)
	}
	events, _ := s.db.ConversationEvents(context.Background(), s.ws.ID, "chatwoot:3:42")
	if len(events) != 2 || events[1].Type != parley.EventHandoff || !events[1].OccurredAt.Equal(sourcesNow) {
		t.Errorf("stored %+v, want one handoff at the first receipt, %v", events, sourcesNow)
	}

	// Two deliveries of one receipt-timed event at once: one stores it,
	// the other finds it stored, whichever commits first.
	body := old("handoff_07_resolved.json", "")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = deliver(t, hook, body) })
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("concurrent delivery %d: %d", i, st)
		}
	}
	events, _ = s.db.ConversationEvents(context.Background(), s.ws.ID, "chatwoot:3:42")
	if len(events) != 3 {
		t.Errorf("after concurrent deliveries of one close, %d events", len(events))
	}
}

// TestChatwootBadDeliveries: every bad delivery gets a clear 4xx and writes
// no event; those that pass authentication are counted as rejected.
func TestChatwootBadDeliveries(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	const secret = "wh_9f2kQ7xLm3"
	created := s.newSource(t, parley.SourceChatwoot, secret)
	hook := created["url"].(string)
	revoked := s.newSource(t, parley.SourceChatwoot, "")
	req, _ := http.NewRequest("DELETE", s.url("/api/v1/sources/"+jsonText(revoked["id"])), nil)
	if res, err := s.admin.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("revoking: %v %v", res, err)
	}
	otlpSource := s.newSource(t, parley.SourceOTLP, "")

	body := fixtures(t)["bot_answer_02_visitor_message.json"]
	ts := sourcesNow.Unix()
	signed := func(b []byte, at int64, key string) []string {
		return []string{chatwoot.TimestampHeader, strconv.FormatInt(at, 10), chatwoot.SignatureHeader, chatwoot.Sign(key, at, b),
			chatwoot.DeliveryHeader, "5f8d7c3e-0b1a-4c2d-9e8f-7a6b5c4d3e2f"}
	}
	tests := []struct {
		name   string
		url    string
		body   []byte
		header []string
		status int
		says   string // in the error message
		counts bool   // counted as rejected on the source
	}{
		{"no signature", hook, body, nil, 401, chatwoot.SignatureHeader, false},
		{"a bad signature", hook, body, signed(body, ts, "guess"), 401, "does not match", false},
		{"a changed body", hook, append(body, ' '), signed(body, ts, secret), 401, "does not match", false},
		{"a stale timestamp", hook, body, signed(body, ts-6*60, secret), 401, chatwoot.TimestampHeader, false},
		{"a revoked token", revoked["url"].(string), body, nil, 401, "revoked", false},
		{"an unknown token", s.url("/hooks/chatwoot/ps_nobodyhasthisone"), body, nil, 401, "unknown", false},
		{"an otlp source's token", s.url("/hooks/chatwoot/" + otlpSource["token"].(string)), body, nil, 401, "otlp", false},
		{"a malformed body", hook, []byte(`{"event":"message_created",`), signed([]byte(`{"event":"message_created",`), ts, secret), 400, "not a Chatwoot webhook", true},
		{"a JSON array", hook, []byte(`[]`), signed([]byte(`[]`), ts, secret), 400, "one per request", true},
		{"a message without its account", hook, noAccount(t, body), signed(noAccount(t, body), ts, secret), 400, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.source(t, created["id"])
			status, out := deliver(t, tt.url, tt.body, tt.header...)
			e, _ := out["error"].(map[string]any)
			if status != tt.status || e == nil || !strings.Contains(jsonText(e), tt.says) {
				t.Fatalf("%d %v, want %d saying %q", status, out, tt.status, tt.says)
			}
			if c := s.counts(t); c.Events != 0 {
				t.Fatalf("a refused delivery stored %d events", c.Events)
			}
			after := s.source(t, created["id"])
			if rejected := after.Rejected - before.Rejected; (rejected == 1) != tt.counts || after.Deliveries != 0 {
				t.Errorf("rejected %d → %d, deliveries %d", before.Rejected, after.Rejected, after.Deliveries)
			}
			if tt.counts && after.LastError == "" {
				t.Errorf("no last error recorded")
			}
		})
	}
	// Signed as Chatwoot signs, it goes through.
	if status, out := deliver(t, hook, body, signed(body, ts-60, secret)...); status != 200 || out["accepted"].(float64) != 2 {
		t.Fatalf("a good delivery: %d %v", status, out)
	}
	// The admin sees what was refused before authentication.
	var got struct {
		Refused *struct {
			Count  int    `json:"count"`
			Reason string `json:"reason"`
		} `json:"refused"`
		Deliveries int    `json:"deliveries"`
		Rejected   int    `json:"rejected"`
		LastError  string `json:"last_error"`
		URL        string `json:"url"`
	}
	send(t, s.admin, "GET", s.url("/api/v1/sources/"+jsonText(created["id"])), "", &got)
	if got.Refused == nil || got.Refused.Count != 4 || got.Deliveries != 1 || got.Rejected != 3 || got.LastError == "" || got.URL != "" {
		t.Errorf("the source as the API shows it: %+v %+v", got, got.Refused)
	}
}

func noAccount(t testing.TB, body []byte) []byte {
	var m map[string]any
	json.Unmarshal(body, &m)
	delete(m, "account")
	delete(m["conversation"].(map[string]any), "messages")
	b, _ := json.Marshal(m)
	return b
}

// TestSourceTokenNotLogged: a webhook URL's token never reaches the log.
func TestSourceTokenNotLogged(t *testing.T) {
	t.Parallel()
	var logs testio.Buffer
	db := storetest.New(t)
	ws, _ := db.EnsureWorkspace(context.Background(), parley.DefaultWorkspace, sourcesNow)
	srv := serveWith(t, db, web.Options{Now: func() time.Time { return sourcesNow }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	token, hash, hint, _ := auth.NewSourceToken()
	if _, err := db.CreateSource(context.Background(), ws.ID, parley.NewSource{Kind: parley.SourceChatwoot, Name: "c"}, hash, hint, sourcesNow); err != nil {
		t.Fatal(err)
	}
	deliver(t, srv.URL+"/hooks/chatwoot/"+token, fixtures(t)["bot_answer_02_visitor_message.json"])
	deliver(t, srv.URL+"/hooks/chatwoot/"+token, []byte("{"))
	if strings.Contains(logs.String(), token) || !strings.Contains(logs.String(), hint) {
		t.Errorf("log:\n%s", logs.String())
	}
}

// TestSourcesPageNotices: the page the Sources forms come back to says
// what was done.
func TestSourcesPageNotices(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	for done, says := range map[string]string{"secret": "Signing secret set", "unsign": "Signing secret removed", "revoke": "Source revoked"} {
		if code, _, body := getWith(t, s.admin, s.url("/settings/sources?lang=en&done="+done)); code != http.StatusOK || !strings.Contains(body, says) {
			t.Errorf("done=%s: %d, want a page saying %q", done, code, says)
		}
	}
}
