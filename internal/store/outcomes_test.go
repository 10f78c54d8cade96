package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// due claims what is due at now, up to limit after the cursor, and gives
// it back: what a worker would read.
func due(t *testing.T, db *store.DB, ws parley.Workspace, now time.Time, after store.DueCursor, limit int) ([]store.Due, store.DueCursor) {
	t.Helper()
	ev, err := db.ClaimDue(context.Background(), ws, now, after, limit)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Rollback()
	return ev.Due(), ev.Next()
}

// save claims everything due and stores the given outcomes for it.
func save(t *testing.T, db *store.DB, ws parley.Workspace, now time.Time, outcomes ...parley.Outcome) {
	t.Helper()
	ctx := context.Background()
	ev, err := db.ClaimDue(ctx, ws, now, store.DueCursor{}, max(100, len(outcomes)))
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Rollback()
	byID := map[string]store.Due{}
	for _, d := range ev.Due() {
		byID[d.ConversationID] = d
	}
	results := make([]store.Result, len(outcomes))
	for i, o := range outcomes {
		results[i] = store.NewResult(byID[o.ConversationID], o, time.Time{}, time.UTC)
	}
	if err := ev.Save(ctx, results, now); err != nil {
		t.Fatal(err)
	}
	if err := ev.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestSaveMovesRollupsByDifference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	insert(t, db, ws, msg("e1", "c1", 0, "hi"), msg("e2", "c2", time.Hour, "hello"))
	if d, _ := due(t, db, ws, t0, store.DueCursor{}, 100); len(d) != 2 || len(d[0].Events) != 1 {
		t.Fatalf("read %+v, want c1 and c2 with one event each", d)
	}

	pending := func(id string) parley.Outcome {
		return parley.Outcome{ConversationID: id, Channel: "chat", StartedAt: t0, Kind: parley.OutcomePending, DefinitionVersion: 1}
	}
	save(t, db, ws, t0, pending("c1"), pending("c2"))
	rollups := func() []parley.Rollup {
		set, err := db.Rollups(ctx, ws.ID, "2026-03-02", "2026-03-02")
		if err != nil {
			t.Fatal(err)
		}
		rs := set.Cells
		return rs
	}
	cellAt := func(m parley.Metric, label string, v int64) parley.Rollup {
		return parley.Rollup{Day: "2026-03-02", Channel: "chat", Metric: m, Label: label, Value: v}
	}
	want := []parley.Rollup{cellAt(parley.MetricConversations, "", 2), cellAt(parley.MetricHandled, "", 2), cellAt(parley.MetricPending, "", 2)}
	if diff := cmp.Diff(want, rollups()); diff != "" {
		t.Errorf("two pending (-want +got):\n%s", diff)
	}

	// A new event makes c1 due again; deciding it moves one count from
	// pending to unresolved, and the emptied cells disappear.
	insert(t, db, ws, msg("e3", "c1", 2*time.Hour, "still there?"))
	decided := pending("c1")
	decided.Kind, decided.Reasons = parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonHumanRequested}
	save(t, db, ws, t0, decided)
	want = []parley.Rollup{cellAt(parley.MetricConversations, "", 2), cellAt(parley.MetricHandled, "", 2), cellAt(parley.MetricPending, "", 1),
		cellAt(parley.MetricUnresolved, "", 1), cellAt(parley.MetricUnresolvedReason, "human_requested", 1)}
	if diff := cmp.Diff(want, rollups()); diff != "" {
		t.Errorf("one decided (-want +got):\n%s", diff)
	}

	// The list filters by outcome and reason and pages newest first by
	// (day, start, id).
	type filter = parley.ConversationFilter
	for _, tt := range []struct {
		f    store.ConversationQuery
		want []string
	}{
		{store.ConversationQuery{}, []string{"c2", "c1"}},
		{store.ConversationQuery{Filter: filter{Outcomes: []parley.OutcomeSet{parley.OutcomeSet(parley.OutcomePending)}}}, []string{"c2"}},
		{store.ConversationQuery{Filter: filter{Outcomes: []parley.OutcomeSet{parley.GroupDecided}}}, []string{"c1"}},
		{store.ConversationQuery{Filter: filter{Outcomes: []parley.OutcomeSet{parley.GroupHandled}}}, []string{"c2", "c1"}},
		{store.ConversationQuery{Filter: filter{Outcomes: []parley.OutcomeSet{parley.OutcomeSet(parley.OutcomeNotHandled)}}}, nil},
		{store.ConversationQuery{Filter: filter{Reason: parley.ReasonHumanRequested}}, []string{"c1"}},
		{store.ConversationQuery{Filter: filter{Reason: parley.ReasonNegativeFeedback}}, nil},
		{store.ConversationQuery{Filter: filter{Channels: []string{"email"}}}, nil},
		{store.ConversationQuery{Filter: filter{From: "2026-03-03"}}, nil},
		{store.ConversationQuery{Filter: filter{Test: parley.TestExclude, To: "2026-03-02"}}, []string{"c2", "c1"}},
		{store.ConversationQuery{Filter: filter{Test: parley.TestInclude}}, []string{"c2", "c1"}},
		{store.ConversationQuery{Filter: filter{Test: parley.TestOnly}}, nil},
		{store.ConversationQuery{After: store.Cursor{Day: "2026-03-02", StartedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), ID: "c2"}}, []string{"c1"}},
		{store.ConversationQuery{Limit: 1}, []string{"c2"}},
	} {
		cs, err := db.Conversations(ctx, ws.ID, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ConversationID)
		}
		if diff := cmp.Diff(tt.want, ids); diff != "" {
			t.Errorf("filter %+v (-want +got):\n%s", tt.f, diff)
		}
	}
	// c1's last evaluation read its second event, at t0.
	c1, err := db.ConversationEvents(ctx, ws.ID, "c1")
	if err != nil || len(c1) != 2 {
		t.Fatalf("events of c1: %v, %v", c1, err)
	}
	seq := c1[1].Seq
	last, err := db.LastEvaluation(ctx, ws.ID, "c1", t0)
	if err != nil || last != (store.Evaluated{Seq: seq, At: t0}) {
		t.Errorf("last evaluation of c1: %+v, %v; want seq %d at %v, not due", last, err, seq, t0)
	}
	if _, err := db.LastEvaluation(ctx, ws.ID, "zzz", t0); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("unknown conversation: %v, want not found", err)
	}
	p, err := db.EvaluationProgress(ctx, ws.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p != (store.Progress{Conversations: 2, Due: 0, Pending: 1}) {
		t.Errorf("progress %+v", p)
	}

	// A newer event makes it due; what was last evaluated stays.
	insert(t, db, ws, msg("e5", "c1", 3*time.Hour, "hello?"))
	if last, err := db.LastEvaluation(ctx, ws.ID, "c1", t0); err != nil || last != (store.Evaluated{Seq: seq, At: t0, Due: true}) {
		t.Errorf("after a new event: %+v, %v; want seq %d at %v, due", last, err, seq, t0)
	}
}

// insertMeanwhile inserts e while a batch is claimed, and returns what
// waits for the insert to end. On SQLite, where the claim holds no lock,
// it ends at once; on PostgreSQL it waits for the batch that holds the
// conversation, and the returned func is called once that batch ended.
func insertMeanwhile(t *testing.T, db *store.DB, ws parley.Workspace, e parley.Event) (wait func()) {
	t.Helper()
	inserted := make(chan error, 1)
	go func() {
		_, err := db.InsertEvents(context.Background(), ws.ID, batch(t, e))
		inserted <- err
	}()
	wait = func() {
		t.Helper()
		if err := <-inserted; err != nil {
			t.Fatal(err)
		}
	}
	if db.Dialect() == store.SQLite {
		wait()
		return func() {}
	}
	return wait
}

// heldOf returns the conversations of results that ev holds, in order.
func heldOf(ev *store.Evaluation, results []store.Result) []string {
	var held []string
	for _, r := range results {
		if ev.Holds(r.Outcome.ConversationID) {
			held = append(held, r.Outcome.ConversationID)
		}
	}
	return held
}

// TestClaimDue: a walk in batches visits each due conversation once; on
// PostgreSQL a conversation claimed by one worker is skipped by another's
// claim, and comes back when the claiming process dies; an event that
// arrives while a conversation is claimed is never lost — on PostgreSQL
// its ingest waits for the batch to commit, on SQLite the batch's save
// skips the conversation — and only what a batch holds is counted.
func TestClaimDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn := storetest.NewDSN(t)
	ws := workspace(t, db)
	insert(t, db, ws, msg("e1", "c1", 0, "hi"), msg("e2", "c2", 0, "hello"), msg("e3", "c3", 0, "hey"))
	ids := func(ds []store.Due) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ConversationID)
		}
		return out
	}
	var (
		walked []string
		at     store.DueCursor
	)
	for range 5 {
		var d []store.Due
		d, at = due(t, db, ws, t0, at, 2)
		walked = append(walked, ids(d)...)
	}
	if diff := cmp.Diff([]string{"c1", "c2", "c3"}, walked); diff != "" {
		t.Errorf("a walk in batches of 2 (-want +got):\n%s", diff)
	}

	ev, err := db.ClaimDue(ctx, ws, t0, store.DueCursor{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Rollback()
	if diff := cmp.Diff([]string{"c1", "c2"}, ids(ev.Due())); diff != "" {
		t.Errorf("first claim (-want +got):\n%s", diff)
	}
	other := []string{"c1", "c2", "c3"}
	if db.Dialect() == store.Postgres {
		other = []string{"c3"}
	}
	if d, _ := due(t, db, ws, t0, store.DueCursor{}, 10); !cmp.Equal(other, ids(d)) {
		t.Errorf("a second worker's claim meanwhile: %v, want %v", ids(d), other)
	}

	// c1 gains an event while it is claimed.
	inserted := insertMeanwhile(t, db, ws, msg("e4", "c1", time.Minute, "anyone?"))
	results := make([]store.Result, 0, 2)
	for _, d := range ev.Due() {
		o := parley.Outcome{ConversationID: d.ConversationID, Channel: "chat", StartedAt: t0, Kind: parley.OutcomePending, DefinitionVersion: 1}
		results = append(results, store.NewResult(d, o, time.Time{}, time.UTC))
	}
	if err := ev.Save(ctx, results, t0); err != nil {
		t.Fatal(err)
	}
	held := []string{"c1", "c2"}
	if db.Dialect() == store.SQLite {
		held = []string{"c2"}
	}
	got := heldOf(ev, results)
	if !cmp.Equal(held, got) {
		t.Errorf("saved %v, want %v", got, held)
	}
	if err := ev.Commit(); err != nil {
		t.Fatal(err)
	}
	inserted()
	set, err := db.Rollups(ctx, ws.ID, "2026-03-02", "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	rs := set.Cells
	if i := slices.IndexFunc(rs, func(r parley.Rollup) bool { return r.Metric == parley.MetricConversations }); i < 0 || rs[i].Value != int64(len(held)) {
		t.Errorf("rollups count the %d saved conversations once each: %v", len(held), rs)
	}
	d, _ := due(t, db, ws, t0, store.DueCursor{}, 10)
	if !cmp.Equal([]string{"c1", "c3"}, ids(d)) || len(d[0].Events) != 2 {
		t.Errorf("still due: %+v, want c1 with both its events, and c3", d)
	}

	if db.Dialect() != store.Postgres {
		return
	}
	// A process that dies holding a claim loses nothing: its transaction
	// ends with its connection, and the conversations are due for others.
	name := "claim-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	dying, err := store.Open(ctx, dsn+"&application_name="+name)
	if err != nil {
		t.Fatal(err)
	}
	defer dying.Close()
	held2, err := dying.ClaimDue(ctx, ws, t0, store.DueCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer held2.Rollback()
	if n := len(held2.Due()); n != 2 {
		t.Fatalf("the dying process claimed %d conversations, want 2", n)
	}
	if d, _ := due(t, db, ws, t0, store.DueCursor{}, 10); len(d) != 0 {
		t.Fatalf("claimed by a live process, still offered: %v", ids(d))
	}
	admin, err := sql.Open("pgx", storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// The pids are read first and then ended one by one: in a single
	// query the server may call pg_terminate_backend before it filters.
	// The timeout makes it wait until the backend is gone.
	var pids []int64
	rows, err := admin.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, name)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if err := rows.Close(); err != nil || len(pids) == 0 {
		t.Fatalf("backends of the dying process: %v, %v", pids, err)
	}
	for _, pid := range pids {
		if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend($1::integer, 10000)`, pid); err != nil {
			t.Fatal(err)
		}
	}
	if d, _ := due(t, db, ws, t0, store.DueCursor{}, 10); !cmp.Equal([]string{"c1", "c3"}, ids(d)) {
		t.Errorf("after the claiming process died, due: %v, want c1 and c3", ids(d))
	}
}

// TestAnalyze: refreshing the planner's statistics works on a database
// with the tables it names, on both dialects.
func TestAnalyze(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	workspace(t, db)
	if err := db.Analyze(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSaveDropsSignalsFoundNoMore checks that a re-evaluation that finds
// fewer gap signals — a late event showed two were one question — removes
// the ones it no longer finds, and counts the question once in the rollups.
func TestSaveDropsSignalsFoundNoMore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	insert(t, db, ws, msg("e1", "c1", 0, "can I pay with klarna"))
	outcome := func(signals ...string) parley.Outcome {
		o := parley.Outcome{ConversationID: "c1", Channel: "chat", StartedAt: t0, Kind: parley.OutcomeUnresolved, DefinitionVersion: 1}
		for _, id := range signals {
			o.GapSignals = append(o.GapSignals, parley.GapSignal{EventID: id, Kind: parley.GapUnanswered, At: t0, Question: "can I pay with klarna " + id})
		}
		return o
	}
	save(t, db, ws, t0.Add(time.Hour), outcome("h", "a1"))
	if got := pendingIDs(t, db, ws); !cmp.Equal(got, []string{"a1", "h"}) {
		t.Fatalf("first evaluation stored %v", got)
	}
	insert(t, db, ws, msg("e2", "c1", time.Minute, "hello?"))
	save(t, db, ws, t0.Add(2*time.Hour), outcome("a1"))
	if got := pendingIDs(t, db, ws); !cmp.Equal(got, []string{"a1"}) {
		t.Errorf("after re-evaluation: %v, want only a1", got)
	}
	set, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rollups := set.Cells
	var n int64
	for _, r := range rollups {
		if r.Metric == parley.MetricGapSignals {
			n += r.Value
		}
	}
	if n != 1 {
		t.Errorf("rollups count %d gap questions, want 1", n)
	}
}

// TestMigrationDropsSecondGapSignals checks the migration that removes a
// cannot_answer signal stored beside the unanswered one about the same
// question, as evaluation stored them before it counted them once.
func TestMigrationDropsSecondGapSignals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	insert(t, db, ws, msg("e1", "c1", 0, "can I pay with klarna"))
	o := parley.Outcome{ConversationID: "c1", Channel: "chat", StartedAt: t0, Kind: parley.OutcomeHandedOff, DefinitionVersion: 1,
		GapSignals: []parley.GapSignal{
			{EventID: "a1", Kind: parley.GapUnanswered, At: t0.Add(time.Minute), Question: "can I pay with klarna"},
			{EventID: "h1", Kind: parley.GapCannotAnswer, At: t0.Add(2 * time.Minute), Question: "can I pay with klarna"},
			{EventID: "h2", Kind: parley.GapCannotAnswer, At: t0.Add(3 * time.Minute), Question: "and with paypal"},
		}}
	save(t, db, ws, t0.Add(time.Hour), o)
	if err := db.Exec(ctx, `DELETE FROM schema_migrations WHERE name = '0007_one_gap_question.sql'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := pendingIDs(t, db, ws), []string{"a1", "h2"}; !cmp.Equal(got, want) {
		t.Errorf("after the migration: %v, want %v", got, want)
	}
}

// reset makes every conversation of ws due again, as a rebuild does, and
// returns ws as it then is: the reset starts a new generation of the
// workspace, which the claims after it name.
func reset(t *testing.T, db *store.DB, ws parley.Workspace) parley.Workspace {
	t.Helper()
	ctx := context.Background()
	if err := db.ResetOutcomes(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	ws, err := db.WorkspaceByID(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestEvaluatedAgainFromRecord: a conversation evaluated once is claimed
// again — after a reset, as by a rebuild — with the same events and none
// read from the events table; after a new event, only that one is read.
func TestEvaluatedAgainFromRecord(t *testing.T) {
	t.Parallel()
	db, ws := acme(t)
	reply := parley.Event{ID: "e2", Type: parley.EventMessage, ConversationID: "c1", OccurredAt: t0.Add(time.Minute),
		Author: parley.AuthorCustomerAgent, Text: "try this", Sources: []parley.Source{{ID: "kb-1", Title: "Refunds"}},
		Question: "how do I get a refund?", Unanswered: true,
		Metadata: []byte(`{"model":"m-1"}`)}
	late := msg("e3", "c1", 2*time.Minute, "thanks")
	late.OccurredAt = late.OccurredAt.In(time.FixedZone("", -5*3600))
	insert(t, db, ws, msg("e1", "c1", 0, "hi"), reply, msg("f1", "c2", 0, "other"))
	outcome := func(id string) parley.Outcome {
		return parley.Outcome{ConversationID: id, Channel: "chat", StartedAt: t0, Kind: parley.OutcomePending, DefinitionVersion: 1}
	}
	claimed := func() map[string][]parley.Event {
		t.Helper()
		ds, _ := due(t, db, ws, t0.Add(time.Hour), store.DueCursor{}, 100)
		out := map[string][]parley.Event{}
		for _, d := range ds {
			out[d.ConversationID] = d.Events
		}
		return out
	}
	read := db.EventRowsRead()
	first := claimed()
	if n := db.EventRowsRead() - read; n != 3 {
		t.Fatalf("first claim read %d event rows, want 3", n)
	}
	save(t, db, ws, t0.Add(time.Hour), outcome("c1"), outcome("c2"))
	ws = reset(t, db, ws)
	read = db.EventRowsRead()
	again := claimed()
	if n := db.EventRowsRead() - read; n != 0 {
		t.Errorf("claim after a reset read %d event rows, want 0", n)
	}
	// The record keeps every field the rule reads; Metadata it leaves out.
	for _, es := range first {
		for i := range es {
			es[i].Metadata = nil
		}
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("events from the record (-from the events table +from the record):\n%s", diff)
	}

	insert(t, db, ws, late)
	read = db.EventRowsRead()
	grown := claimed()
	if n := db.EventRowsRead() - read; n != 1 {
		t.Errorf("claim after one new event read %d event rows, want 1", n)
	}
	if got := grown["c1"]; len(got) != 3 || got[2].ID != "e3" || got[2].Seq <= got[1].Seq || got[2].OccurredAt.Format(time.RFC3339) != late.OccurredAt.Format(time.RFC3339) {
		t.Errorf("c1 after a new event: %+v", got)
	}
	save(t, db, ws, t0.Add(time.Hour), outcome("c1"), outcome("c2"))
	ws = reset(t, db, ws)
	read = db.EventRowsRead()
	if got := claimed(); len(got["c1"]) != 3 || db.EventRowsRead() != read {
		t.Errorf("after saving the grown record: %d events of c1, %d rows read", len(got["c1"]), db.EventRowsRead()-read)
	}
}

// TestDecidedEventsGoToNextClaim: once a batch is decided, the memory its
// events from records were decoded into is what the next claim decodes
// into, and the batch holds no events any more; the next claim's events
// are read whole, none left of the batch before.
func TestDecidedEventsGoToNextClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	insert(t, db, ws, msg("e1", "c1", 0, "hi"), msg("e2", "c1", time.Minute, "still there?"), msg("f1", "c2", 0, "other"))
	now := t0.Add(time.Hour)
	outcome := func(id string) parley.Outcome {
		return parley.Outcome{ConversationID: id, Channel: "chat", StartedAt: t0, Kind: parley.OutcomePending, DefinitionVersion: 1}
	}
	save(t, db, ws, now, outcome("c1"), outcome("c2"))
	claim := func() *store.Evaluation {
		t.Helper()
		// Due again, they are read from their records.
		ws = reset(t, db, ws)
		ev, err := db.ClaimDue(ctx, ws, now, store.DueCursor{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ev.Rollback() })
		return ev
	}
	events := func(ev *store.Evaluation) map[string][]parley.Event {
		out := map[string][]parley.Event{}
		for _, d := range ev.Due() {
			out[d.ConversationID] = slices.Clone(d.Events)
		}
		return out
	}
	first := claim()
	want, arena := events(first), first.Arena()
	if len(want["c1"]) != 2 || len(want["c2"]) != 1 || arena == nil {
		t.Fatalf("first claim: events %v, arena %v", want, arena)
	}
	first.Decided()
	for _, d := range first.Due() {
		if d.Events != nil {
			t.Errorf("%s still holds %d events once decided", d.ConversationID, len(d.Events))
		}
	}
	first.Rollback()
	read := db.EventRowsRead()
	second := claim()
	if second.Arena() != arena {
		t.Error("the next claim decoded its events into memory of its own, not the decided batch's")
	}
	if diff := cmp.Diff(want, events(second)); diff != "" || db.EventRowsRead() != read {
		t.Errorf("the next claim's events (-first claim +next), %d event rows read:\n%s", db.EventRowsRead()-read, diff)
	}
}

// pendingIDs returns the event IDs of the workspace's gap questions that
// wait for a topic, oldest first, up to ten.
func pendingIDs(t *testing.T, db *store.DB, ws parley.Workspace) []string {
	t.Helper()
	qs, err := db.PendingQuestions(context.Background(), ws.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range qs {
		ids = append(ids, q.EventID)
	}
	return ids
}

// TestStampOnlyRowsStillAsClaimed: conversations evaluated again as they
// had been are only stamped, and on SQLite, where the claim holds no lock,
// the stamp is given as the batch locks its rows, on the condition that
// each row is still as the claim read it. One that gained an event between
// the claim and the save is neither stamped nor held there: it stays due,
// to be evaluated with its new event. (On PostgreSQL the claim's lock holds
// the event back until the batch commits; it then makes the conversation
// due again.)
func TestStampOnlyRowsStillAsClaimed(t *testing.T) {
	t.Parallel()
	// 3 make a chunk of their own; 700 a whole chunk of 500 and a last one
	// of 200, made whole with copies of its last row.
	for _, n := range []int{3, 700} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			stampOnlyRowsStillAsClaimed(t, n)
		})
	}
}

func stampOnlyRowsStillAsClaimed(t *testing.T, n int) {
	ctx := context.Background()
	db, ws := acme(t)
	ids := make([]string, n)
	events := make([]parley.Event, n)
	outcomes := make([]parley.Outcome, n)
	outcome := func(id string) parley.Outcome {
		return parley.Outcome{ConversationID: id, Channel: "chat", StartedAt: t0, Kind: parley.OutcomeNotHandled, DefinitionVersion: 1}
	}
	for i := range ids {
		ids[i] = fmt.Sprintf("c%04d", i+1)
		events[i] = msg(fmt.Sprintf("e%04d", i+1), ids[i], 0, "hi")
		outcomes[i] = outcome(ids[i])
	}
	insert(t, db, ws, events...)
	now := t0.Add(time.Hour)
	save(t, db, ws, now, outcomes...)
	ws = reset(t, db, ws)
	ev, err := db.ClaimDue(ctx, ws, now, store.DueCursor{}, n+10)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Rollback()
	// Meanwhile the first gains an event.
	inserted := insertMeanwhile(t, db, ws, msg("late", ids[0], time.Minute, "anyone?"))
	var results []store.Result
	for _, d := range ev.Due() {
		results = append(results, store.NewResult(d, outcome(d.ConversationID), time.Time{}, time.UTC))
	}
	if err := ev.Save(ctx, results, now); err != nil {
		t.Fatal(err)
	}
	held := ids
	if db.Dialect() == store.SQLite {
		held = ids[1:]
	}
	got := heldOf(ev, results)
	if !cmp.Equal(held, got) {
		t.Errorf("held %d conversations, want %d: %s", len(got), len(held), cmp.Diff(held, got))
	}
	if ev.Unchanged() != len(held) {
		t.Errorf("%d conversations only stamped, want %d", ev.Unchanged(), len(held))
	}
	if err := ev.Commit(); err != nil {
		t.Fatal(err)
	}
	inserted()
	want := ids[:1]
	d, _ := due(t, db, ws, now, store.DueCursor{}, n+10)
	var still []string
	for _, c := range d {
		still = append(still, c.ConversationID)
	}
	if !cmp.Equal(want, still) || len(d[0].Events) != 2 {
		t.Errorf("still due: %v, want %v with both of its events", still, want)
	}
}
