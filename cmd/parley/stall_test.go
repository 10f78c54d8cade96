package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/testio"
)

// TestStalledPeer freezes a process with SIGSTOP in the middle of an ingest
// transaction — `parley ingest -` that has stored the first chunk of its
// input and waits for more, its transaction open and its conversations'
// rows locked — and checks what a healthy `parley serve` on the same
// PostgreSQL database does meanwhile:
//   - a batch about other conversations of the workspace is stored at once,
//     while the frozen peer still holds its transaction;
//   - a batch about a conversation the peer holds is answered, not left
//     hanging, once the healthy process's lock timeout passes;
//   - the server ends the frozen peer's session when it has been idle in its
//     transaction for its timeout: the peer stored nothing, and the batch
//     that had to wait is stored when sent again;
//   - the healthy process evaluated its conversations throughout.
func TestStalledPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("freezes a process and waits out its database session's timeout")
	}
	storetest.PostgresOnly(t, "processes share one database on PostgreSQL; SQLite has one writer")
	dsn := storetest.DSN(t)
	secret := strings.TrimSpace(mustRun(t, "", "token", "create", "--db", dsn, "--name", "stall", "--scopes", "ingest,read"))
	admin, err := sql.Open("pgx", storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	// The peer: events about conversations p-0…p-999, padded so that the
	// 12 MiB written pass the 10 MiB ingest reads ahead to tell NDJSON from
	// one event, and hold one whole chunk (see chunkEvents); then nothing,
	// its standard input left open.
	name := "stalled-peer-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	// Its idle-in-transaction timeout must outlast its own pauses between
	// statements and the healthy server's start and first two batches: the
	// processes are this test binary, under -race when the tests are, on a
	// machine that may be busy.
	peer := parleyProcess(t, "ingest", "--db", dsn+"&application_name="+name, "--db-idle-in-transaction-timeout", "60s", "-")
	stdin, err := peer.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var peerOut testio.Buffer
	peer.Stderr = &peerOut
	if err := peer.Start(); err != nil {
		t.Fatal(err)
	}
	defer peer.Process.Kill()
	defer func() {
		if t.Failed() {
			t.Logf("the peer's standard error: %s", peerOut.String())
		}
	}()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	event := func(id, conv string, i int) string {
		return fmt.Sprintf(`{"id":%q,"type":"conversation.started","conversation_id":%q,"occurred_at":%q,"channel":"chat"}`+"\n"+
			`{"id":%q,"type":"message","conversation_id":%q,"occurred_at":%q,"author":"customer_agent","text":"hello %d"}`+"\n",
			id+"-s", conv, at.Format(time.RFC3339), id+"-m", conv, at.Add(time.Second).Format(time.RFC3339), i)
	}
	pad := strings.Repeat("x", 2000)
	var input strings.Builder
	for i := 0; input.Len() < 12<<20; i++ {
		fmt.Fprintf(&input, `{"id":"pe-%d","type":"message","conversation_id":"p-%d","occurred_at":%q,"author":"visitor","text":"hi","metadata":{"pad":%q}}`+"\n",
			i, i%1000, at.Format(time.RFC3339), pad)
	}
	go io.WriteString(stdin, input.String())
	// peerState is the state of the peer's session that holds a
	// transaction which wrote: "idle in transaction" while it waits for
	// input, "" before it wrote and once the session is gone.
	peerState := func() string {
		var state string
		err := admin.QueryRow(`SELECT state FROM pg_stat_activity
			WHERE application_name = $1 AND backend_xid IS NOT NULL`, name).Scan(&state)
		if err == sql.ErrNoRows {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return state
	}
	waitFor(t, "the peer to store its first chunk", func() bool { return peerState() == "idle in transaction" })
	if err := peer.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	// The healthy server gives up on a lock after a second.
	srv, base := startServe(t, "--db", dsn, "--db-lock-timeout", "1s")
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(body string) (int, string) {
		code, b, err := testio.PostEvents(client, base, secret, strings.NewReader(body))
		if err != nil {
			t.Fatalf("POST /api/v1/events: %v", err)
		}
		return code, string(b)
	}

	// 100 events about other conversations of the same workspace.
	var healthy strings.Builder
	for i := range 50 {
		healthy.WriteString(event(fmt.Sprintf("he-%d", i), fmt.Sprintf("h-%d", i%20), i))
	}
	if code, body := post(healthy.String()); code != http.StatusOK || !strings.Contains(body, `"accepted":100`) {
		t.Fatalf("batch about other conversations: %d %s", code, body)
	}
	if s := peerState(); s != "idle in transaction" {
		t.Fatalf("the healthy batch was stored only after the peer's session ended (now %q)", s)
	}

	// A batch about p-0, whose row the peer holds, is answered after the
	// lock timeout, while the peer still holds it.
	waiting := event("late", "p-0", 0)
	if code, body := post(waiting); code/100 == 2 {
		t.Fatalf("a batch about a conversation the stalled peer holds was stored: %d %s", code, body)
	}
	if s := peerState(); s != "idle in transaction" {
		t.Fatalf("the batch about p-0 was answered only after the peer's session ended (now %q)", s)
	}

	// The server ends the peer's session; the batch goes through.
	waitFor(t, "the server to end the stalled peer's session", func() bool { return peerState() == "" })
	if code, body := post(waiting); code != http.StatusOK {
		t.Fatalf("p-0's batch once the peer's session ended: %d %s", code, body)
	}
	if err := peer.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	if err := peer.Wait(); err == nil {
		t.Errorf("the peer whose session was ended exited 0: %s", peerOut.String())
	}

	db, ws := openWorkspace(t, dsn)
	if c, err := db.Count(context.Background(), ws.ID); err != nil || c.Events != 102 {
		t.Errorf("stored %+v (%v), want the healthy 100 events and p-0's 2, none of the peer's", c, err)
	}
	// The healthy server evaluated its conversations meanwhile.
	waitFor(t, "the healthy server to evaluate its conversations", func() bool {
		req, _ := http.NewRequest("GET", base+"/api/v1/conversations?limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := client.Do(req)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var page struct {
			Conversations []json.RawMessage `json:"conversations"`
		}
		return json.NewDecoder(res.Body).Decode(&page) == nil && len(page.Conversations) == 21
	})
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: the child is this test binary, under -race when the tests
	// are, and the machine may be busy; a condition met returns at once.
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
