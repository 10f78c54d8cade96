package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// save claims everything due and stores the given outcomes for it.
func save(t *testing.T, db *store.DB, ws parley.Workspace, now time.Time, outcomes ...parley.Outcome) {
	t.Helper()
	ctx := context.Background()
	ev, err := db.ClaimDue(ctx, ws.ID, now, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Rollback()
	results := make([]store.Result, len(outcomes))
	for i, o := range outcomes {
		results[i] = store.Result{Outcome: o}
	}
	if err := ev.Save(ctx, results, time.UTC, now); err != nil {
		t.Fatal(err)
	}
	if err := ev.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestSaveMovesRollupsByDifference(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	ws := workspace(t, db)
	if _, err := db.InsertEvents(ctx, ws.ID, batch(t, msg("e1", "c1", 0, "hi"), msg("e2", "c2", time.Hour, "hello"))); err != nil {
		t.Fatal(err)
	}
	ev, err := db.ClaimDue(ctx, ws.ID, t0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Conversations) != 2 || len(ev.Conversations[0].Events) != 1 {
		t.Fatalf("claimed %+v, want c1 and c2 with one event each", ev.Conversations)
	}
	if err := ev.Save(ctx, []store.Result{{Outcome: parley.Outcome{ConversationID: "nope"}}}, time.UTC, t0); err == nil {
		t.Error("saving an outcome of an unclaimed conversation succeeded")
	}
	ev.Rollback()

	pending := func(id string) parley.Outcome {
		return parley.Outcome{ConversationID: id, Channel: "chat", StartedAt: t0, Kind: parley.OutcomePending, DefinitionVersion: 1}
	}
	save(t, db, ws, t0, pending("c1"), pending("c2"))
	rollups := func() []parley.Rollup {
		rs, err := db.Rollups(ctx, ws.ID, "2026-03-02", "2026-03-02")
		if err != nil {
			t.Fatal(err)
		}
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
	if _, err := db.InsertEvents(ctx, ws.ID, batch(t, msg("e3", "c1", 2*time.Hour, "still there?"))); err != nil {
		t.Fatal(err)
	}
	decided := pending("c1")
	decided.Kind, decided.Reasons = parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonHumanRequested}
	save(t, db, ws, t0, decided)
	want = []parley.Rollup{cellAt(parley.MetricConversations, "", 2), cellAt(parley.MetricHandled, "", 2), cellAt(parley.MetricPending, "", 1),
		cellAt(parley.MetricUnresolved, "", 1), cellAt(parley.MetricUnresolvedReason, "human_requested", 1)}
	if diff := cmp.Diff(want, rollups()); diff != "" {
		t.Errorf("one decided (-want +got):\n%s", diff)
	}

	// The list filters by outcome and reason and pages by (day, id).
	notTest := false
	for _, tt := range []struct {
		f    store.ConversationFilter
		want []string
	}{
		{store.ConversationFilter{}, []string{"c1", "c2"}},
		{store.ConversationFilter{Outcomes: []parley.OutcomeKind{parley.OutcomePending}}, []string{"c2"}},
		{store.ConversationFilter{Reason: parley.ReasonHumanRequested}, []string{"c1"}},
		{store.ConversationFilter{Reason: parley.ReasonNegativeFeedback}, nil},
		{store.ConversationFilter{Channels: []string{"email"}}, nil},
		{store.ConversationFilter{From: "2026-03-03"}, nil},
		{store.ConversationFilter{Test: &notTest, To: "2026-03-02"}, []string{"c1", "c2"}},
		{store.ConversationFilter{AfterDay: "2026-03-02", AfterID: "c1"}, []string{"c2"}},
		{store.ConversationFilter{Limit: 1}, []string{"c1"}},
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
	o, err := db.ConversationOutcome(ctx, ws.ID, "c1")
	if err != nil || o.Kind != parley.OutcomeUnresolved {
		t.Errorf("stored outcome of c1: %v, %v", o.Kind, err)
	}
	if _, err := db.ConversationOutcome(ctx, ws.ID, "zzz"); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("unknown conversation: %v, want not found", err)
	}
	p, err := db.EvaluationProgress(ctx, ws.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p != (store.Progress{Conversations: 2, Due: 0, Pending: 1}) {
		t.Errorf("progress %+v", p)
	}
}
