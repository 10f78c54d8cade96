package main

import (
	"context"
	"encoding/json"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// webhookKills is how many times the webhook crash test kills the server.
const webhookKills = 8

// TestWebhookCrashSafety kills `parley serve` with SIGKILL again and again
// while it evaluates conversations and delivers outcome.decided to a
// receiver on loopback, restarting it each time, with new events ingested
// between some of the restarts. Then it proves that no delivery was lost:
// every decided conversation's outcome reached the receiver, signed, at
// least once, and the queue holds exactly one delivery per decided
// conversation, each of them succeeded. Deliveries are at least once: the
// count of messages received twice (answered, then killed before the
// answer was recorded) is logged, not refused.
func TestWebhookCrashSafety(t *testing.T) {
	t.Parallel()
	dsn, stream := crashSetup(t, 600, 13)
	// The stream is ingested in parts between restarts, so that evaluation,
	// and with it the queueing of deliveries, is killed too. Each
	// conversation is in one part, so that it is decided once.
	const parts = 4
	var part [parts]strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimSpace(stream)+"\n", "\n") {
		var e struct {
			ConversationID string `json:"conversation_id"`
		}
		if json.Unmarshal([]byte(line), &e) == nil {
			part[crc32.ChecksumIEEE([]byte(e.ConversationID))%parts].WriteString(line)
		}
	}
	ingestPart := func(i int) {
		t.Helper()
		mustRun(t, part[i].String(), "ingest", "--db", dsn, "-")
	}
	ingestPart(0)

	var (
		mu       sync.Mutex
		secret   string
		received = map[string]int{} // message id → times answered 2xx
		convs    = map[string]bool{}
		bad      []string
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err == nil {
			err = wh.Verify(body, r.Header)
		}
		var env struct {
			Type string `json:"type"`
			Data struct {
				ConversationID string `json:"conversation_id"`
			} `json:"data"`
		}
		if err == nil {
			err = json.Unmarshal(body, &env)
		}
		if err != nil || env.Type != "outcome.decided" {
			bad = append(bad, r.Header.Get("webhook-id")+": "+fmt2(err, env.Type))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		// A receiver takes a moment, so that kills find attempts in flight.
		time.Sleep(2 * time.Millisecond)
		received[r.Header.Get("webhook-id")]++
		convs[env.Data.ConversationID] = true
	}))
	defer recv.Close()
	created := mustRun(t, "", "webhook", "create", "--db", dsn, "--url", recv.URL+"/hook", "--events", "outcome.decided", "--webhook-allow-net", "127.0.0.1")
	mu.Lock()
	secret = strings.TrimSpace(created)
	mu.Unlock()

	// The lease of a killed attempt is three times the timeout: 3 s.
	args := []string{"--db", dsn, "--webhook-allow-net", "127.0.0.1", "--webhook-timeout", "1s"}
	rng := rand.New(rand.NewPCG(5, 9))
	cmd, _ := startServe(t, args...)
	for kill := range webhookKills {
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if kill%2 == 1 && kill/2+1 < parts {
			ingestPart(kill/2 + 1)
		}
		cmd, _ = startServe(t, args...)
	}
	for i := webhookKills/2 + 1; i < parts; i++ {
		ingestPart(i)
	}

	// Wait until every decided conversation has its delivery taken.
	db, ws := openWorkspace(t, dsn)
	var (
		decided    []parley.Conversation
		deliveries []parley.Delivery
		err        error
	)
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		decided, err = db.Conversations(context.Background(), ws.ID, store.ConversationQuery{Filter: parley.ConversationFilter{Outcomes: []parley.OutcomeSet{"decided"}}})
		if err != nil {
			t.Fatal(err)
		}
		deliveries, err = db.Deliveries(context.Background(), ws.ID, store.DeliveryFilter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		// Whether any is pending is read from the same list the checks
		// below read, not from a second query a delivery may finish between.
		pending := 0
		for _, d := range deliveries {
			if d.State == parley.DeliveryPending {
				pending++
			}
		}
		all, _ := db.Conversations(context.Background(), ws.ID, store.ConversationQuery{Filter: parley.ConversationFilter{Test: parley.TestInclude}})
		counts, _ := db.Count(context.Background(), ws.ID)
		if pending == 0 && len(deliveries) == len(decided) && int64(len(all)) == counts.Conversations {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, b := range bad {
		t.Errorf("receiver refused a delivery: %s", b)
	}
	if len(decided) < 400 {
		t.Fatalf("only %d conversations decided: the test proves little", len(decided))
	}
	if len(deliveries) != len(decided) {
		t.Errorf("%d deliveries queued for %d decided conversations", len(deliveries), len(decided))
	}
	twice := 0
	for _, d := range deliveries {
		switch n := received[d.MessageID]; {
		case d.State != parley.DeliverySucceeded:
			t.Errorf("delivery %d: %s after %d attempts (%q)", d.ID, d.State, d.Attempts, d.LastError)
		case n == 0:
			t.Errorf("delivery %d is marked succeeded but never reached the receiver", d.ID)
		case n > 1:
			twice++
		}
	}
	lost := 0
	for _, c := range decided {
		if !convs[c.ConversationID] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d decided conversations never reached the receiver", lost, len(decided))
	}
	t.Logf("webhook crash test on %s: %d kills, %d decided conversations, %d deliveries, %d lost, %d received twice",
		map[bool]string{true: "PostgreSQL", false: "SQLite"}[storetest.Postgres()], webhookKills, len(decided), len(deliveries), lost, twice)
}

func fmt2(err error, typ string) string {
	if err != nil {
		return err.Error()
	}
	return "type " + typ
}
