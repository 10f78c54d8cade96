package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// batch builds a validated batch the way ingest would.
func batch(t testing.TB, events ...parley.Event) ingest.Batch {
	t.Helper()
	return ingest.Batch{Items: storetest.Items(t, events...)}
}

// insert stores events in ws as one batch.
func insert(t testing.TB, db *store.DB, ws parley.Workspace, events ...parley.Event) {
	t.Helper()
	if _, err := db.InsertEvents(context.Background(), ws.ID, batch(t, events...)); err != nil {
		t.Fatal(err)
	}
}

func msg(id, conv string, at time.Duration, text string) parley.Event {
	return parley.Event{ID: id, Type: parley.EventMessage, ConversationID: conv,
		OccurredAt: t0.Add(at), Author: parley.AuthorVisitor, Text: text}
}

// acme returns a new database holding one workspace, acme.
func acme(t *testing.T) (*store.DB, parley.Workspace) {
	t.Helper()
	db := storetest.New(t)
	return db, workspace(t, db)
}

// acmeAndOther returns a new database holding two workspaces, acme and
// other, for a test that one does not see the other's rows.
func acmeAndOther(t *testing.T) (*store.DB, parley.Workspace, parley.Workspace) {
	t.Helper()
	db, ws := acme(t)
	return db, ws, ensureWorkspace(t, db, "other")
}

// workspace makes the workspace acme in db.
func workspace(t *testing.T, db *store.DB) parley.Workspace {
	t.Helper()
	return ensureWorkspace(t, db, "acme")
}

// ensureWorkspace makes the workspace slug in db, at t0.
func ensureWorkspace(t *testing.T, db *store.DB, slug string) parley.Workspace {
	t.Helper()
	ws, err := db.EnsureWorkspace(context.Background(), slug, t0)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func TestEnsureWorkspace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	a, err := db.EnsureWorkspace(ctx, "acme", t0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(parley.DefaultSettings(), a.Settings); diff != "" {
		t.Errorf("new workspace settings (-want +got):\n%s", diff)
	}
	b, err := db.EnsureWorkspace(ctx, "acme", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("second EnsureWorkspace made a new workspace: %d then %d", a.ID, b.ID)
	}
	other, err := db.EnsureWorkspace(ctx, "globex", t0)
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == a.ID {
		t.Errorf("two slugs share workspace id %d", a.ID)
	}
	for _, bad := range []string{"", "Acme", "a b", "-x", "x/y", string(make([]byte, 41))} {
		if _, err := db.EnsureWorkspace(ctx, bad, t0); parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("EnsureWorkspace(%q) error = %v, want kind invalid", bad, err)
		}
	}
	if _, err := db.Workspace(ctx, "missing"); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("Workspace(missing) error = %v, want kind not_found", err)
	}
}

func TestInsertEventsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	b := batch(t, msg("e1", "c1", 0, "hello"), msg("e2", "c1", time.Minute, "<script>alert(1)</script>"), msg("e3", "c2", 0, "你好"))
	b.Duplicates = 1 // one repeat dropped by the decoder counts too

	res, err := db.InsertEvents(ctx, ws.ID, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.InsertResult{Accepted: 3, Duplicates: 1}); res != want {
		t.Errorf("first insert = %+v, want %+v", res, want)
	}
	b.Duplicates = 0
	res, err = db.InsertEvents(ctx, ws.ID, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.InsertResult{Accepted: 0, Duplicates: 3}); res != want {
		t.Errorf("retry = %+v, want %+v", res, want)
	}
	// A batch mixing a retried event and a new one stores the new one
	// only; the conversations of both are due.
	mixed := batch(t, msg("e3", "c2", 0, "你好"), msg("e4", "c3", time.Hour, "new"))
	res, err = db.InsertEvents(ctx, ws.ID, mixed)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.InsertResult{Accepted: 1, Duplicates: 1}); res != want {
		t.Errorf("mixed batch = %+v, want %+v", res, want)
	}
	d, _ := due(t, db, ws, t0, store.DueCursor{}, 10)
	seqs := map[string]int64{}
	for _, c := range d {
		seqs[c.ConversationID] = c.LastSeq
	}
	if len(seqs) != 3 || seqs["c3"] <= seqs["c1"] || seqs["c2"] >= seqs["c3"] {
		t.Errorf("due conversations and their last events: %v", seqs)
	}
	counts, err := db.Count(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Counts{Events: 4, Conversations: 3}); counts != want {
		t.Errorf("stored %+v, want %+v", counts, want)
	}

	got, err := db.ConversationEvents(ctx, ws.ID, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Seq >= got[1].Seq || got[0].Seq == 0 {
		t.Fatalf("c1 events: %+v, want 2 with increasing Seq", got)
	}
	for i := range got {
		got[i].Seq = 0
	}
	want := []parley.Event{b.Items[0].Event, b.Items[1].Event}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored events differ (-want +got):\n%s", diff)
	}
}

func TestInsertEventsConflictWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	insert(t, db, ws, msg("e1", "c1", 0, "hello"))
	// e1 comes back with other text: a conflict. e2 and e3 are fine, but
	// the batch is atomic, so neither may be stored.
	_, err := db.InsertEvents(ctx, ws.ID, batch(t,
		msg("e2", "c2", 0, "new"), msg("e1", "c1", 0, "changed"), msg("e3", "c1", time.Minute, "new")))
	if parley.KindOf(err) != parley.KindInvalid {
		t.Fatalf("error = %v, want kind invalid", err)
	}
	want := []parley.Problem{{Index: 1, ID: "e1", Field: "id",
		Message: "conflict: an event with this id is already stored with different content"}}
	if diff := cmp.Diff(want, parley.ProblemsOf(err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	counts, err := db.Count(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Counts{Events: 1, Conversations: 1}); counts != want {
		t.Errorf("after rejected batch stored %+v, want %+v", counts, want)
	}
}

func TestEventWriterRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	w, err := db.BeginEvents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := w.Insert(ctx, batch(t, msg(fmt.Sprint("e", i), "c1", time.Duration(i)*time.Second, "x"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Rollback(); err != nil {
		t.Fatal(err)
	}
	counts, err := db.Count(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts != (store.Counts{}) {
		t.Errorf("after rollback stored %+v, want nothing", counts)
	}
}

// TestInsertEventsConcurrent sends overlapping batches from several
// goroutines: every event must be stored once, and the accepted counts of
// all replies must add up to the number of distinct events.
func TestInsertEventsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	const writers, perBatch, distinct = 6, 40, 100
	var (
		mu       sync.Mutex
		accepted int
		wg       sync.WaitGroup
	)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var events []parley.Event
			for i := range perBatch {
				n := (g*perBatch/2 + i) % distinct
				events = append(events, msg(fmt.Sprint("e", n), fmt.Sprint("c", n%7), time.Duration(n)*time.Second, "same"))
			}
			res, err := db.InsertEvents(ctx, ws.ID, batch(t, events...))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			accepted += res.Accepted
			mu.Unlock()
		}()
	}
	wg.Wait()
	counts, err := db.Count(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if int(counts.Events) != accepted {
		t.Errorf("replies accepted %d events, store holds %d", accepted, counts.Events)
	}
	seen := map[int64]string{}
	for c := range 7 {
		events, err := db.ConversationEvents(ctx, ws.ID, fmt.Sprint("c", c))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if prev, ok := seen[e.Seq]; ok {
				t.Errorf("events %s and %s share arrival number %d", prev, e.ID, e.Seq)
			}
			seen[e.Seq] = e.ID
		}
	}
}

func TestOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.DSN(t)
	for range 2 {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		applied, latest, err := db.SchemaVersion(ctx)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if applied != latest || latest < 1 {
			t.Errorf("schema version %d of %d, want all applied", applied, latest)
		}
	}
}

// TestStoredBodyIsCanonicalJSON: an event read back from the store encodes
// to the bytes ingest stored, for every shape of field (metadata, a
// feedback's string rating, a csat's numeric one).
func TestStoredBodyIsCanonicalJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	e := msg("e1", "c1", 0, "hi")
	e.Metadata = json.RawMessage(`{"b":1,"a":[true]}`)
	feedback := parley.Event{ID: "e2", Type: parley.EventFeedback, ConversationID: "c1", OccurredAt: t0.Add(time.Minute),
		MessageID: "e1", Rating: parley.RatingNegative, Comment: "no"}
	csat := parley.Event{ID: "e3", Type: parley.EventCSAT, ConversationID: "c1", OccurredAt: t0.Add(2 * time.Minute),
		Rating: parley.CSATRating(4), Comment: "fine"}
	b := batch(t, e, feedback, csat)
	if _, err := db.InsertEvents(ctx, ws.ID, b); err != nil {
		t.Fatal(err)
	}
	got, err := db.ConversationEvents(ctx, ws.ID, "c1")
	if err != nil || len(got) != len(b.Items) {
		t.Fatalf("events = %v, %v", got, err)
	}
	for i := range got {
		body, err := ingest.Canonical(&got[i])
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != string(b.Items[i].Body) {
			t.Errorf("stored event re-encodes as\n%s\nwant\n%s", body, b.Items[i].Body)
		}
	}
	if got[2].Rating != parley.CSATRating(4) {
		t.Errorf("csat rating read back as %q", got[2].Rating)
	}
}

// TestSameSchemaBothDialects migrates a SQLite and a PostgreSQL database and
// checks that both end with the same tables and columns. It needs the
// PostgreSQL server of the PostgreSQL test run.
func TestSameSchemaBothDialects(t *testing.T) {
	t.Parallel()
	storetest.PostgresOnly(t, "compares with PostgreSQL; runs with PARLEY_TEST_DB=postgres")
	pg := storetest.PostgresURL()
	ctx := context.Background()
	lite, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pgdb, err := store.Open(ctx, storetest.PostgresSchema(t, pg))
	if err != nil {
		t.Fatal(err)
	}
	defer pgdb.Close()
	a, err := lite.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pgdb.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 {
		t.Fatal("no tables found")
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
}

// TestRetryOfAnEventStoredWithItsOffset: an event stored before times were
// kept in UTC, with its caller's offset in the body, is a duplicate when
// sent again, not a conflict; a real change under its id still conflicts.
func TestRetryOfAnEventStoredWithItsOffset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	old := msg("e1", "c1", 0, "hello")
	old.OccurredAt = old.OccurredAt.In(time.FixedZone("", 8*3600))
	insert(t, db, ws, old)
	body := `{"id":"e1","type":"message","conversation_id":"c1","occurred_at":"2026-03-02T09:00:00Z","author":"visitor","text":"hello"}`
	retry, err := ingest.Decode(strings.NewReader(body), ingest.FormatNDJSON, t0, ingest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.InsertEvents(ctx, ws.ID, retry)
	if err != nil {
		t.Fatalf("retry: %v %+v", err, parley.ProblemsOf(err))
	}
	if want := (store.InsertResult{Duplicates: 1}); res != want {
		t.Errorf("retry = %+v, want %+v", res, want)
	}
	changed, err := ingest.Decode(strings.NewReader(strings.Replace(body, "hello", "hullo", 1)), ingest.FormatNDJSON, t0, ingest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertEvents(ctx, ws.ID, changed); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("changed text under a stored id: %v, want a conflict", err)
	}
}

// TestIngestLocksOnlyItsConversations: an ingest transaction left open
// holds the rows of its own conversations only. Another batch of the same
// workspace about other conversations is stored meanwhile; one about the
// same conversation waits for it, and numbers its events after the
// first's, in commit order. (SQLite has one writer: there the second batch
// always waits.)
func TestIngestLocksOnlyItsConversations(t *testing.T) {
	t.Parallel()
	storetest.PostgresOnly(t, "SQLite runs one write transaction at a time")
	ctx := context.Background()
	db, ws := acme(t)
	w, err := db.BeginEvents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Rollback()
	if err := w.Insert(ctx, batch(t, msg("e1", "c1", 0, "first"))); err != nil {
		t.Fatal(err)
	}
	quick, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := db.InsertEvents(quick, ws.ID, batch(t, msg("e2", "c2", 0, "other"))); err != nil {
		t.Fatalf("a batch about another conversation, while the first is open: %v", err)
	}
	same := make(chan error, 1)
	go func() {
		_, err := db.InsertEvents(ctx, ws.ID, batch(t, msg("e3", "c1", 0, "second")))
		same <- err
	}()
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-same; err != nil {
		t.Fatal(err)
	}
	events, err := db.ConversationEvents(ctx, ws.ID, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].ID != "e1" || events[0].Seq >= events[1].Seq {
		t.Errorf("c1's events in arrival order: %+v", events)
	}
}

// TestSessionTimeouts: the PostgreSQL sessions get the lock, statement and
// idle-in-transaction timeouts of the options, and a DSN that sets one
// keeps its own.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	storetest.PostgresOnly(t, "PostgreSQL settings")
	ctx := context.Background()
	opt := store.Options{LockTimeout: 1500 * time.Millisecond, StatementTimeout: 0, IdleInTransactionTimeout: 42 * time.Second}
	db, err := store.OpenWith(ctx, storetest.DSN(t)+"&statement_timeout=7000", opt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, want := range map[string]string{
		"lock_timeout": "1500ms", "statement_timeout": "7s", "idle_in_transaction_session_timeout": "42s",
	} {
		if got, err := db.Setting(ctx, name); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
}
