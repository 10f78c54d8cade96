package store_test

// Tests of what only the embedded database does: its prepared statements
// and its temporary store.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestStatementsPreparedOnceWanted: opening a database prepares no
// statement; a batch that writes a full chunk of events parses its
// statement and has it prepared for the next transaction, which uses it.
func TestStatementsPreparedOnceWanted(t *testing.T) {
	storetest.SQLiteOnly(t, "statements are prepared on SQLite only")
	t.Parallel()
	db, ws := acme(t)
	if n := db.Prepared(); n != 0 {
		t.Fatalf("%d statements prepared when opened, want 0", n)
	}
	insert(t, db, ws, msg("e-small", "c-small", 0, "hi"))
	if n := db.Prepared(); n != 0 {
		t.Fatalf("%d statements prepared after a small batch, want 0", n)
	}
	big := make([]parley.Event, 600)
	for i := range big {
		big[i] = msg(fmt.Sprintf("e%d", i), fmt.Sprintf("c%d", i%50), time.Duration(i)*time.Second, "hello")
	}
	insert(t, db, ws, big...)
	insert(t, db, ws, msg("e-after", "c-after", 0, "again"))
	if n := db.Prepared(); n == 0 {
		t.Fatal("no statement prepared after a batch of 600 events")
	}
	big = big[:0]
	for i := range 600 {
		big = append(big, msg(fmt.Sprintf("f%d", i), fmt.Sprintf("c%d", i%50), time.Hour+time.Duration(i)*time.Second, "more"))
	}
	insert(t, db, ws, big...) // through the prepared statements
}

// TestEvaluationStatementsPrepared: the statements with which an
// evaluation batch reads its rows again once it holds the write lock, and
// stamps those evaluated as they were, are prepared in their full-chunk
// form once a batch has wanted them, as the ingest and save statements
// are: parsing them for each chunk was most of the writer's parsing.
func TestEvaluationStatementsPrepared(t *testing.T) {
	storetest.SQLiteOnly(t, "statements are prepared on SQLite only")
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	events := make([]parley.Event, 600)
	for i := range events {
		events[i] = msg(fmt.Sprintf("e%d", i), fmt.Sprintf("c%03d", i), time.Duration(i)*time.Second, "hello")
	}
	insert(t, db, ws, events...)
	now := t0.Add(time.Hour)
	evaluateAll := func() {
		t.Helper()
		ws, err := db.WorkspaceByID(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := db.ClaimDue(ctx, ws, now, store.DueCursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		defer ev.Rollback()
		var results []store.Result
		for _, d := range ev.Due() {
			results = append(results, store.NewResult(d, parley.Outcome{ConversationID: d.ConversationID, Kind: parley.OutcomeNotHandled,
				StartedAt: t0, Channel: "chat"}, time.Time{}, time.UTC))
		}
		if len(results) != len(events) {
			t.Fatalf("claimed %d conversations, want %d", len(results), len(events))
		}
		if err := ev.Save(ctx, results, now); err != nil {
			t.Fatal(err)
		}
		if err := ev.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// Written in full, then twice found as they were and stamped: each
	// batch prepares what the one before it wanted.
	evaluateAll()
	for range 2 {
		if err := db.ResetOutcomes(ctx, ws.ID); err != nil {
			t.Fatal(err)
		}
		evaluateAll()
	}
	if lock, stamp := db.EvaluationStatementsPrepared(); !lock || !stamp {
		t.Errorf("prepared: the lock's read %v, the stamp %v; want both", lock, stamp)
	}
}

// TestBatchGivesBackTempStore: on SQLite an evaluation batch keeps its
// savepoint's journal in memory, and the write connection it used is
// given back with the default temporary store, whether the batch commits
// or rolls back: a later statement that changes every row of a table
// must not journal the table in memory.
func TestBatchGivesBackTempStore(t *testing.T) {
	storetest.SQLiteOnly(t, "the temporary store is SQLite's")
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	check := func(after string) {
		t.Helper()
		n, err := db.TempStore(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("after a batch that %s, temp_store is %d, want 0 (the default)", after, n)
		}
	}
	insert(t, db, ws, msg("e1", "c1", 0, "hi"))
	save(t, db, ws, t0.Add(time.Hour), parley.Outcome{ConversationID: "c1", Kind: parley.OutcomeNotHandled, StartedAt: t0, Channel: "chat"})
	check("committed")
	insert(t, db, ws, msg("e2", "c1", time.Minute, "again"))
	ev, err := db.ClaimDue(ctx, ws, t0.Add(2*time.Hour), store.DueCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	d := ev.Due()
	if len(d) != 1 {
		t.Fatalf("claimed %d conversations, want 1", len(d))
	}
	r := store.NewResult(d[0], parley.Outcome{ConversationID: "c1", Kind: parley.OutcomeNotHandled, StartedAt: t0, Channel: "chat"}, time.Time{}, time.UTC)
	if err := ev.Save(ctx, []store.Result{r}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := ev.Rollback(); err != nil {
		t.Fatal(err)
	}
	check("rolled back")
}
