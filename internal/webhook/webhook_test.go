package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/clocktest"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/synth"
	"github.com/parleyhq/parley/internal/webhook"
)

// end is the last instant of the generated stream: a Tuesday.
var end = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func loopback() parley.WebhookPolicy {
	return parley.WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
}
func ctxb() context.Context { return context.Background() }

// must and must2 stop a test on an error, as a panic that fails it with
// its stack: they take a call's results whole.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSignatureByHand checks Sign against the recipe the README gives a
// receiver, computed with nothing but the standard library, and against
// the Standard Webhooks reference verifier.
func TestSignatureByHand(t *testing.T) {
	t.Parallel()
	secret := must(webhook.NewSecret())
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q: want the whsec_ prefix", secret)
	}
	body := []byte(`{"type":"outcome.decided","data":{"conversation_id":"c-1"}}`)
	at := time.Unix(1795000000, 0)
	got := must(webhook.Sign(secret, "msg_1", at, body))

	// By hand: the key is the base64 after "whsec_"; the signed text is
	// "{webhook-id}.{webhook-timestamp}.{body}"; the header is "v1," and
	// the base64 of the HMAC-SHA256.
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	check(t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_1.1795000000." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got != want {
		t.Fatalf("Sign = %q, by hand %q", got, want)
	}
	wh := must(standardwebhooks.NewWebhook(secret))
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", "1795000000")
	h.Set("webhook-signature", got)
	check(t, wh.VerifyIgnoringTimestamp(body, h))
	if err := wh.VerifyIgnoringTimestamp(append(body, ' '), h); err == nil {
		t.Fatal("a changed body verified")
	}
}

// receiver is a webhook endpoint on loopback whose answers the test
// scripts: each request takes the next behaviour, and the last one
// repeats.
type receiver struct {
	t      *testing.T
	secret func() string
	mu     sync.Mutex
	script []string // "500", "hang", "200"
	got    []received
	srv    *httptest.Server
}

type received struct {
	id, event string
	attempt   int
	answered  int // 0 for a request left hanging
	body      []byte
}

func newReceiver(t *testing.T, script ...string) *receiver {
	rc := &receiver{t: t, script: script}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) setScript(s ...string) { rc.mu.Lock(); rc.script = s; rc.mu.Unlock() }

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if rc.secret != nil {
		wh, err := standardwebhooks.NewWebhook(rc.secret())
		if err == nil {
			err = wh.VerifyIgnoringTimestamp(body, r.Header)
		}
		if err != nil {
			rc.t.Errorf("delivery %s: signature: %v", r.Header.Get("webhook-id"), err)
		}
	}
	rc.mu.Lock()
	next := rc.script[0]
	if len(rc.script) > 1 {
		rc.script = rc.script[1:]
	}
	attempt, _ := strconv.Atoi(r.Header.Get("parley-attempt"))
	rec := received{id: r.Header.Get("webhook-id"), event: r.Header.Get("parley-event"), attempt: attempt, body: body}
	if next != "hang" {
		rec.answered, _ = strconv.Atoi(next)
	}
	rc.got = append(rc.got, rec)
	rc.mu.Unlock()
	if next == "hang" {
		<-r.Context().Done() // until the sender gives up on it
		return
	}
	w.WriteHeader(rec.answered)
	io.WriteString(w, "answer "+next)
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// setup makes a workspace with the generated conversations ingested.
func setup(t *testing.T, conversations int) (*store.DB, parley.Workspace) {
	t.Helper()
	db := storetest.New(t)
	return db, ingestGenerated(t, db, conversations)
}

// ingestGenerated makes the workspace default in db and ingests n
// generated conversations over the 14 days to end into it.
func ingestGenerated(tb testing.TB, db *store.DB, n int) parley.Workspace {
	ws := must(db.EnsureWorkspace(ctxb(), "default", end))
	must(db.InsertEvents(ctxb(), ws.ID, storetest.Synthetic(tb, synth.Options{Conversations: n, Days: 14, End: end, Seed: 3})))
	return ws
}

// ingested300 is setup's database of 300 conversations, which the
// end-to-end and the recurrence tests both start from.
var ingested300 = storetest.NewDBFixture("ingested 300", func(tb testing.TB, db *store.DB) { ingestGenerated(tb, db, 300) })

// setup300 is setup(t, 300), from a copy of ingested300.
func setup300(t *testing.T) (*store.DB, parley.Workspace) {
	t.Helper()
	db := ingested300.New(t)
	return db, must(db.Workspace(ctxb(), "default"))
}

func worker(db *store.DB, c *clocktest.Clock) *pipeline.Worker {
	return pipeline.New(db, pipeline.Options{Now: c.Now, AfterEvaluate: func(ctx context.Context, ws parley.Workspace, now time.Time) error {
		_, err := webhook.QueueWeekly(ctx, db, ws, now)
		return err
	}})
}

func decidedCount(t *testing.T, db *store.DB, ws parley.Workspace) int {
	t.Helper()
	cs := must(db.Conversations(ctxb(), ws.ID, store.ConversationQuery{Filter: parley.ConversationFilter{Outcomes: []parley.OutcomeSet{"decided"}}}))
	return len(cs)
}

func allDeliveries(t *testing.T, db *store.DB, ws parley.Workspace, f store.DeliveryFilter) []parley.Delivery {
	t.Helper()
	f.Limit = 100000
	return must(db.Deliveries(ctxb(), ws.ID, f))
}

// TestDeliveryEndToEnd evaluates real conversations with a webhook
// subscribed, and delivers to a receiver on loopback that first fails,
// then leaves requests hanging past the timeout, then recovers: every
// decided conversation reaches it once with a 2xx, signed, and the log
// shows each attempt with its status.
func TestDeliveryEndToEnd(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, 300)
	c := clocktest.New(end.Add(7 * 24 * time.Hour)) // a week on: every conversation decided
	rc := newReceiver(t, "500", "500", "hang", "hang", "503", "200")
	hook := must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{
		URL: rc.srv.URL + "/hooks/parley", Events: []parley.WebhookEvent{parley.WebhookOutcomeDecided, parley.WebhookReportWeekly, parley.WebhookTopicCreated},
	}, "test", c.Now()))
	rc.secret = func() string { return hook.Secret }

	w := worker(db, c)
	if _, err := w.Pass(ctxb()); err != nil {
		t.Fatal(err)
	}
	decided := decidedCount(t, db, ws)
	if decided == 0 {
		t.Fatal("no conversation decided: the test proves nothing")
	}
	queued := allDeliveries(t, db, ws, store.DeliveryFilter{Event: parley.WebhookOutcomeDecided})
	if len(queued) != decided {
		t.Fatalf("%d outcome.decided deliveries queued for %d decided conversations", len(queued), decided)
	}
	if n := len(allDeliveries(t, db, ws, store.DeliveryFilter{Event: parley.WebhookReportWeekly})); n != 1 {
		t.Fatalf("%d report.weekly deliveries, want 1", n)
	}
	if n := len(allDeliveries(t, db, ws, store.DeliveryFilter{Event: parley.WebhookTopicCreated})); n == 0 {
		t.Fatal("no topic.created delivery after grouping")
	}

	s := webhook.New(db, webhook.Options{Now: c.Now, Policy: loopback(), Timeout: 300 * time.Millisecond, Concurrency: 4})
	for round := 0; round < 40; round++ {
		if _, err := s.Once(ctxb()); err != nil {
			t.Fatal(err)
		}
		if len(allDeliveries(t, db, ws, store.DeliveryFilter{State: parley.DeliveryPending})) == 0 {
			break
		}
		c.Add(5 * time.Minute) // past the next retry, and past any lease
	}
	all := allDeliveries(t, db, ws, store.DeliveryFilter{})
	for _, d := range all {
		if d.State != parley.DeliverySucceeded {
			t.Errorf("delivery %d (%s): %s after %d attempts, last %d %q", d.ID, d.Event, d.State, d.Attempts, d.LastStatus, d.LastError)
		}
	}
	ok := map[string]int{}
	for _, r := range rc.received() {
		if r.answered/100 == 2 {
			ok[r.id]++
		}
	}
	for _, d := range all {
		if ok[d.MessageID] != 1 {
			t.Errorf("delivery %d (message %s) taken %d times, want once", d.ID, d.MessageID, ok[d.MessageID])
		}
	}
	// The first deliveries met the failures: their log says so.
	seen := map[string]bool{}
	for _, d := range all {
		_, attempts := must2(db.Delivery(ctxb(), ws.ID, d.ID))
		for _, a := range attempts {
			switch {
			case a.Status == 500 || a.Status == 503:
				seen["5xx"] = true
			case a.Status == 0 && a.Error == "timed out":
				seen["timeout"] = true
			case a.Status == 200 && strings.HasPrefix(a.Response, "answer 200"):
				seen["200"] = true
			}
		}
	}
	for _, k := range []string{"5xx", "timeout", "200"} {
		if !seen[k] {
			t.Errorf("no attempt in the log with %s", k)
		}
	}
	// The payload is the documented envelope.
	var env struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Workspace string          `json:"workspace"`
		Data      json.RawMessage `json:"data"`
	}
	d, _ := must2(db.Delivery(ctxb(), ws.ID, queued[0].ID))
	check(t, json.Unmarshal([]byte(d.Payload), &env))
	var od store.OutcomeDecided
	check(t, json.Unmarshal(env.Data, &od))
	if env.Type != "outcome.decided" || env.Workspace != "default" || od.ConversationID == "" || od.Outcome == "" {
		t.Errorf("payload %s", d.Payload)
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// TestRetriesStopAfterADay keeps a receiver failing: the attempts follow
// the backoff schedule, stop once a day has passed, and a replay sends the
// same message again when the receiver is back.
func TestRetriesStopAfterADay(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	c := clocktest.New(end)
	ws := must(db.EnsureWorkspace(ctxb(), "default", end))
	rc := newReceiver(t, "500")
	hook := must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{URL: rc.srv.URL, Events: []parley.WebhookEvent{parley.WebhookReportWeekly}}, "test", c.Now()))
	first := must(db.PingWebhook(ctxb(), ws.ID, hook.ID, c.Now()))
	s := webhook.New(db, webhook.Options{Now: c.Now, Policy: loopback(), Timeout: time.Second})
	for range 100 {
		must(s.Once(ctxb()))
		d, _ := must2(db.Delivery(ctxb(), ws.ID, first.ID))
		if d.NextAttemptAt == nil {
			break
		}
		c.Set(*d.NextAttemptAt) // the moment the next attempt is due
	}
	d, attempts := must2(db.Delivery(ctxb(), ws.ID, first.ID))
	if d.State != parley.DeliveryFailed {
		t.Fatalf("state %s after a day of failures", d.State)
	}
	// 30 s, 1, 2, 4, 8, 16, 32 min, 64 min, then every 2 h until 24 h:
	// the sum of the first 8 delays is 127.5 min, then ⌊(1440 − 127.5) / 120⌋ = 10 more.
	if want := 1 + 8 + 10; len(attempts) != want {
		t.Errorf("%d attempts, want %d", len(attempts), want)
	}
	for i := 1; i < len(attempts); i++ {
		gap := attempts[i].At.Sub(attempts[i-1].At)
		want := min(30*time.Second<<(i-1), 2*time.Hour)
		if gap != want {
			t.Errorf("attempt %d came %v after the one before, want %v", i+1, gap, want)
		}
	}
	rc.setScript("200")
	check(t, db.ReplayDelivery(ctxb(), ws.ID, d.ID, parley.AuditEntry{Actor: "test", Action: "webhook.replay", At: c.Now()}))
	must(s.Once(ctxb()))
	d, _ = must2(db.Delivery(ctxb(), ws.ID, first.ID))
	got := rc.received()
	if d.State != parley.DeliverySucceeded || got[len(got)-1].id != got[0].id {
		t.Errorf("after replay: %s, message %s then %s", d.State, got[0].id, got[len(got)-1].id)
	}
}

// TestClaimsAreExclusive has two databases handles, as two processes, claim
// the same queue at once: each attempt is claimed by one of them.
func TestClaimsAreExclusive(t *testing.T) {
	t.Parallel()
	a, dsn := storetest.NewDSN(t)
	b := must(store.Open(ctxb(), dsn))
	defer b.Close()
	ws := must(a.EnsureWorkspace(ctxb(), "default", end))
	hook := must(webhook.Create(ctxb(), a, ws.ID, loopback(), parley.WebhookInput{URL: "http://127.0.0.1:1/x", Events: []parley.WebhookEvent{parley.WebhookReportWeekly}}, "test", end))
	const n = 200
	for i := range n {
		must(a.Enqueue(ctxb(), ws.ID, parley.WebhookReportWeekly, []store.Message{{Data: i, DedupeKey: strconv.Itoa(i)}}, end))
	}
	_ = hook
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		wg      sync.WaitGroup
	)
	for _, db := range []*store.DB{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cs, err := db.ClaimDeliveries(ctxb(), ws.ID, end, time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					claimed[c.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("%d deliveries claimed, want %d", len(claimed), n)
	}
	// Every one is due again when its claim lapses.
	if due := must(b.NextDeliveryDue(ctxb(), ws.ID)); !due.Equal(end.Add(time.Minute)) {
		t.Errorf("next delivery due at %v, want the end of the leases, %v", due, end.Add(time.Minute))
	}
	for id, k := range claimed {
		if k != 1 {
			t.Errorf("delivery %d claimed %d times", id, k)
		}
	}
	// Within the lease nobody takes them again; after it, they are due.
	if cs := must(b.ClaimDeliveries(ctxb(), ws.ID, end.Add(59*time.Second), time.Minute, 1000)); len(cs) != 0 {
		t.Errorf("%d deliveries claimed again within the lease", len(cs))
	}
	// A claim may skip rows another transaction holds for a moment, so the
	// queue is claimed until it answers none, as the sender does.
	var cs []store.Claim
	for range 10 {
		more := must(b.ClaimDeliveries(ctxb(), ws.ID, end.Add(61*time.Second), time.Minute, 1000))
		if len(more) == 0 {
			break
		}
		cs = append(cs, more...)
	}
	if len(cs) != n || cs[0].Attempts != 2 {
		t.Errorf("after the lease: %d claimed (attempt %d), want %d at attempt 2", len(cs), cs[0].Attempts, n)
		left := must(b.Deliveries(ctxb(), ws.ID, store.DeliveryFilter{Limit: 1000}))
		for _, d := range left {
			if d.Attempts != 2 {
				t.Logf("delivery %d: %s, %d attempts, next %v", d.ID, d.State, d.Attempts, d.NextAttemptAt)
			}
		}
	}
	// A result written by the first claim, whose lease ran out, changes
	// nothing the second claim owns.
	stale := store.Claim{Delivery: parley.Delivery{ID: cs[0].ID, Attempts: 1, GiveUpAt: cs[0].GiveUpAt}}
	check(t, a.RecordAttempt(ctxb(), ws.ID, stale, store.AttemptResult{At: end.Add(62 * time.Second), Status: 200}))
	d, _ := must2(a.Delivery(ctxb(), ws.ID, cs[0].ID))
	if d.State != parley.DeliveryPending {
		t.Errorf("a stale claim's result settled the delivery: %s", d.State)
	}
}

// TestSenderWakesWhenAClaimLapses: a delivery claimed by a sender that
// stopped before it recorded the attempt (killed) is sent by a running
// sender as soon as the claim lapses, not at its next interval, an hour
// here. The sender's timer runs on the machine's clock, so this test does.
func TestSenderWakesWhenAClaimLapses(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	at := time.Now()
	ws := must(db.EnsureWorkspace(ctxb(), "default", at))
	rc := newReceiver(t, "200")
	must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{URL: rc.srv.URL + "/hook", Events: []parley.WebhookEvent{parley.WebhookReportWeekly}}, "test", at))
	must(db.Enqueue(ctxb(), ws.ID, parley.WebhookReportWeekly, []store.Message{{Data: 1, DedupeKey: "w"}}, at))
	if cs := must(db.ClaimDeliveries(ctxb(), ws.ID, time.Now(), 300*time.Millisecond, 1)); len(cs) != 1 {
		t.Fatalf("%d claims, want 1", len(cs))
	}

	s := webhook.New(db, webhook.Options{Now: time.Now, Policy: loopback(), Timeout: time.Second, Interval: time.Hour})
	ctx, cancel := context.WithCancel(ctxb())
	ran := make(chan struct{})
	go func() { s.Run(ctx); close(ran) }()
	defer func() { cancel(); <-ran }()
	// Far longer than the lease, far shorter than the interval.
	for deadline := time.Now().Add(time.Minute); len(rc.received()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the delivery was not sent a minute after its claim lapsed")
		}
	}
}

// TestPolicyBlocksInternalAddresses sends to loopback with a policy that
// does not allow it: the attempt is refused before connecting, and the log
// says why.
func TestPolicyBlocksInternalAddresses(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ws := must(db.EnsureWorkspace(ctxb(), "default", end))
	rc := newReceiver(t, "200")
	hook := must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{URL: rc.srv.URL, Events: []parley.WebhookEvent{parley.WebhookReportWeekly}}, "test", end))
	// Created while loopback was allowed; the server now runs without.
	if _, err := webhook.Create(ctxb(), db, ws.ID, parley.WebhookPolicy{}, parley.WebhookInput{URL: rc.srv.URL, Events: []parley.WebhookEvent{parley.WebhookReportWeekly}}, "test", end); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("a loopback URL without the policy's leave: %v", err)
	}
	d := must(db.PingWebhook(ctxb(), ws.ID, hook.ID, end))
	s := webhook.New(db, webhook.Options{Now: func() time.Time { return end }, Timeout: time.Second})
	must(s.Once(ctxb()))
	d, attempts := must2(db.Delivery(ctxb(), ws.ID, d.ID))
	if len(rc.received()) != 0 {
		t.Fatal("the receiver on loopback was reached")
	}
	if len(attempts) != 1 || attempts[0].Status != 0 || !strings.Contains(attempts[0].Error, "loopback") {
		t.Errorf("attempts %+v", attempts)
	}
}

// TestOutcomeDecidedOnChangeOnly evaluates again after a settings change
// that recomputes every outcome: only the conversations whose decision
// changed are sent again, with the outcome they had.
func TestOutcomeDecidedOnChangeOnly(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, 80)
	c := clocktest.New(end.Add(7 * 24 * time.Hour))
	must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{URL: "http://127.0.0.1:1/", Events: []parley.WebhookEvent{parley.WebhookOutcomeDecided}}, "test", c.Now()))
	w := worker(db, c)
	must(w.Pass(ctxb()))
	// A decision is the outcome, its resolution and its reasons.
	decision := func(cv parley.Conversation) string {
		return fmt.Sprint(cv.Outcome, cv.Resolution, cv.Reasons)
	}
	before := map[string]string{}
	for _, cv := range must(db.Conversations(ctxb(), ws.ID, store.ConversationQuery{})) {
		before[cv.ConversationID] = decision(cv)
	}
	first := len(allDeliveries(t, db, ws, store.DeliveryFilter{}))

	// The same settings again: every conversation is evaluated, none changes.
	must(w.Rebuild(ctxb(), ws, nil))
	if n := len(allDeliveries(t, db, ws, store.DeliveryFilter{})); n != first {
		t.Fatalf("a rebuild that changed nothing queued %d more deliveries", n-first)
	}
	// Any agent reply resolves: conversations unresolved for want of a
	// source change, and only they are sent.
	must(db.ChangeSettings(ctxb(), ws.ID, func(s parley.Settings) (parley.Settings, error) {
		return s.ApplyText(map[string]string{"resolution_criterion": "any_agent_reply"})
	}, "test", c.Now()))
	must(w.Pass(ctxb()))
	changed := 0
	for _, cv := range must(db.Conversations(ctxb(), ws.ID, store.ConversationQuery{})) {
		if before[cv.ConversationID] != decision(cv) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("the new definition changed no outcome: the test proves nothing")
	}
	if n := len(allDeliveries(t, db, ws, store.DeliveryFilter{})) - first; n != changed {
		t.Errorf("%d deliveries for %d changed outcomes", n, changed)
	}
	latest := allDeliveries(t, db, ws, store.DeliveryFilter{})[0]
	d, _ := must2(db.Delivery(ctxb(), ws.ID, latest.ID))
	var env struct{ Data store.OutcomeDecided }
	check(t, json.Unmarshal([]byte(d.Payload), &env))
	if env.Data.Previous == "" || env.Data.Previous == env.Data.Outcome && env.Data.Previous != parley.OutcomeUnresolved {
		t.Errorf("a changed decision says previous %q, now %q", env.Data.Previous, env.Data.Outcome)
	}
}

// TestWeeklyOnceDecided queues the weekly report only once the last
// complete week has nothing pending, and once.
func TestWeeklyOnceDecided(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, 60)
	must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{URL: "http://127.0.0.1:1/", Events: []parley.WebhookEvent{parley.WebhookReportWeekly}}, "test", end))
	// Tuesday 24 November, the day the stream ends: last week's latest
	// conversations are still within their 72 h window.
	c := clocktest.New(end)
	w := worker(db, c)
	must(w.Pass(ctxb()))
	if n := len(allDeliveries(t, db, ws, store.DeliveryFilter{})); n != 0 {
		t.Fatalf("%d weekly reports queued while last week has pending conversations", n)
	}
	c.Add(4 * 24 * time.Hour) // Saturday: decided
	must(w.Pass(ctxb()))
	must(w.Pass(ctxb()))
	ds := allDeliveries(t, db, ws, store.DeliveryFilter{})
	if len(ds) != 1 {
		t.Fatalf("%d weekly reports, want 1", len(ds))
	}
	d, _ := must2(db.Delivery(ctxb(), ws.ID, ds[0].ID))
	var env struct{ Data webhook.Weekly }
	check(t, json.Unmarshal([]byte(d.Payload), &env))
	if env.Data.Week != (webhook.Span{From: "2026-11-16", To: "2026-11-22"}) || env.Data.PreviousWeek.From != "2026-11-09" ||
		env.Data.Metrics.Pending != 0 || env.Data.Metrics.Handled == 0 {
		t.Errorf("weekly payload %s", d.Payload)
	}
}

// TestTopicRecurred resolves a topic, then lets the same question come
// again: grouping reopens the topic and queues topic.recurred with the
// question that came back, in its own transaction.
func TestTopicRecurred(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, 300)
	c := clocktest.New(end.Add(7 * 24 * time.Hour))
	w := worker(db, c)
	must(w.Pass(ctxb()))
	topics := must(db.Topics(ctxb(), ws.ID, store.TopicFilter{}))
	if len(topics) == 0 {
		t.Fatal("no topic: the test proves nothing")
	}
	top := topics[0]
	qs := must(db.TopicQuestions(ctxb(), ws.ID, top.ID, parley.GapOpen))
	must(db.ApplyTopicAction(ctxb(), ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: top.ID, Question: qs[0].Question, Answer: "Like this."}, "test", c.Now()))
	must(webhook.Create(ctxb(), db, ws.ID, loopback(), parley.WebhookInput{URL: "http://127.0.0.1:1/", Events: []parley.WebhookEvent{parley.WebhookTopicRecurred}}, "test", c.Now()))

	at := c.Now().Add(-time.Hour)
	again := []parley.Event{
		{ID: "again-1", Type: parley.EventConversationStarted, ConversationID: "again", OccurredAt: at, Channel: "chat"},
		{ID: "again-2", Type: parley.EventMessage, ConversationID: "again", OccurredAt: at.Add(time.Second), Author: parley.AuthorVisitor, Text: qs[0].Question},
		{ID: "again-3", Type: parley.EventMessage, ConversationID: "again", OccurredAt: at.Add(2 * time.Second), Author: parley.AuthorCustomerAgent, Text: "I am not sure.", Unanswered: true},
	}
	must(db.InsertEvents(ctxb(), ws.ID, ingest.Batch{Items: storetest.Items(t, again...)}))
	must(w.Pass(ctxb()))
	ds := allDeliveries(t, db, ws, store.DeliveryFilter{Event: parley.WebhookTopicRecurred})
	if len(ds) != 1 {
		t.Fatalf("%d topic.recurred deliveries, want 1", len(ds))
	}
	d, _ := must2(db.Delivery(ctxb(), ws.ID, ds[0].ID))
	var env struct{ Data store.TopicEvent }
	check(t, json.Unmarshal([]byte(d.Payload), &env))
	if env.Data.Topic.ID != top.ID || env.Data.Topic.ShortAnswerID == nil || len(env.Data.QuestionsSeen) != 1 ||
		env.Data.QuestionsSeen[0].ConversationID != "again" || env.Data.Topic.Recurrences != 1 {
		t.Errorf("payload %s", d.Payload)
	}
}
