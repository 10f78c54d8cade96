package web_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/testio"
	"github.com/parleyhq/parley/internal/web"
)

// TestIngestTakesTurns: with one ingest slot, a batch waits, its body
// read, while another is being stored, and is stored after it; the wait
// shows in /metrics. The first batch is held in the store by an open
// transaction about the same conversation, which only PostgreSQL lets
// another writer run beside.
func TestIngestTakesTurns(t *testing.T) {
	t.Parallel()
	storetest.PostgresOnly(t, "needs a second writer beside an open transaction")
	ctx := context.Background()
	name := "ingest-turns-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	db, err := store.Open(ctx, storetest.DSN(t)+"&application_name="+name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin, err := sql.Open("pgx", storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, at)
	if err != nil {
		t.Fatal(err)
	}
	srv := serveWith(t, db, web.Options{Now: func() time.Time { return at }, IngestConcurrency: 1})
	secret := token(t, db, ws, at, parley.ScopeIngest)

	held, err := db.BeginEvents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	line := func(id, conv string) string {
		return `{"id":"` + id + `","type":"message","conversation_id":"` + conv + `","occurred_at":"2026-03-02T08:00:00Z","author":"visitor","text":"hi"}`
	}
	b, err := ingest.Decode(strings.NewReader(line("h1", "c1")), ingest.FormatNDJSON, at, ingest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if err := held.Insert(ctx, b); err != nil {
		t.Fatal(err)
	}
	post := func(body string, done chan<- int) {
		code, _, err := testio.PostEvents(http.DefaultClient, srv.URL, secret, strings.NewReader(body))
		if err != nil {
			t.Error(err)
		}
		done <- code
	}
	waiting := func() string {
		res, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for l := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "parley_ingest_batches_waiting "); ok {
				return v
			}
		}
		return ""
	}
	first, second := make(chan int, 1), make(chan int, 1)
	go post(line("e1", "c1"), first) // waits in the store for c1's row
	// On Citus the lock is waited for on the worker that holds the row;
	// citus_lock_waits names the coordinator's backend that waits.
	lockWaits := `SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND a.application_name = $1`
	if storetest.Citus() {
		lockWaits = `SELECT COUNT(*) FROM citus_lock_waits w JOIN pg_stat_activity a ON a.pid = citus_pid_for_gpid(w.waiting_gpid)
			WHERE a.application_name = $1`
	}
	waitUntil(t, "the first batch to wait for its conversation", func() bool {
		var n int
		if err := admin.QueryRowContext(ctx, lockWaits, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
	go post(line("e2", "c2"), second) // waits for the slot
	waitUntil(t, "the second batch to wait for a slot", func() bool { return waiting() == "1" })
	if _, err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	if a, b := <-first, <-second; a != http.StatusOK || b != http.StatusOK {
		t.Errorf("statuses %d, %d; want both 200", a, b)
	}
	if w := waiting(); w != "0" {
		t.Errorf("batches still waiting: %s", w)
	}
}

// waitUntil polls cond until it holds, failing the test after a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
