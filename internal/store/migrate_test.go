package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/evaluate"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestUpgradeToSketchesKeepsTheNumbers upgrades a database whose rollups
// kept times to close as histogram bins (migration 14): reports go on
// showing its numbers, without the bins, as a recompute of every evaluated
// conversation, which evaluation then completes with sketches.
func TestUpgradeToSketchesKeepsTheNumbers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.OpenAt(ctx, storetest.UnmigratedDSN(t), 14)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO workspaces (slug, name, created_at) VALUES ('acme', 'acme', ?)`, t0.Format(time.RFC3339))
	reply := parley.Event{ID: "e2", Type: parley.EventMessage, ConversationID: "c1", OccurredAt: t0.Add(time.Minute),
		Author: parley.AuthorCustomerAgent, Text: "Here is how.", Sources: []parley.Source{{ID: "kb-1"}}}
	events := []parley.Event{
		{ID: "e1", Type: parley.EventConversationStarted, ConversationID: "c1", OccurredAt: t0, Channel: "chat"},
		reply,
		{ID: "e3", Type: parley.EventConversationClosed, ConversationID: "c1", OccurredAt: t0.Add(31 * time.Minute)},
	}
	if _, err := db.InsertEvents(ctx, 1, batch(t, events...)); err != nil {
		t.Fatal(err)
	}
	// What evaluation under migration 14 left: the conversation pending,
	// its contributions, the rollups and their version.
	old := []struct {
		metric, label string
		n             int64
	}{
		{"conversations", "", 1}, {"handled", "", 1}, {"pending", "", 1},
		{"closed", "", 1}, {"time_to_close_ms", "", 1_800_000}, {"time_to_close_bin", "90", 1},
	}
	contributions := ""
	for i, c := range old {
		if i > 0 {
			contributions += "\n"
		}
		contributions += "2026-03-02|chat|" + c.metric + "|" + c.label + "|" + strconv.FormatInt(c.n, 10)
		exec(`INSERT INTO rollups (workspace_id, day, channel, metric, label, value) VALUES (1, '2026-03-02', 'chat', ?, ?, ?)`, c.metric, c.label, c.n)
	}
	exec(`UPDATE conversations SET contributions = ?, evaluated_seq = 3, outcome = 'pending', due_at = NULL`, contributions)
	exec(`INSERT INTO rollup_versions (workspace_id, version) VALUES (1, 5)`)

	if err := db.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	cells := func(set parley.RollupSet) []string {
		var out []string
		for _, c := range set.Cells {
			out = append(out, string(c.Metric)+" "+c.Label+" "+strconv.FormatInt(c.Value, 10))
		}
		return out
	}
	set, err := db.Rollups(ctx, 1, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"conversations  1", "handled  1", "pending  1"}, cells(set)); diff != "" {
		t.Errorf("after the upgrade, reports read (-want +got):\n%s", diff)
	}
	if set.Recompute == nil || *set.Recompute != (parley.Recompute{Done: 0, Total: 1}) || set.Version != 6 || set.Settings != nil {
		t.Errorf("after the upgrade: progress %+v, version %d, settings %+v; want 0 of 1, version 6, the workspace's", set.Recompute, set.Version, set.Settings)
	}

	ws, err := db.Workspace(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(5 * 24 * time.Hour)
	ev, err := db.ClaimDue(ctx, ws, now, store.DueCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Rollback()
	due := ev.Due()
	if len(due) != 1 {
		t.Fatalf("due after the upgrade: %v; want c1", due)
	}
	o := evaluate.Outcome(due[0].Events, ws.Settings, now)
	results := []store.Result{store.NewResult(due[0], o, evaluate.Next(o, due[0].Events, now), time.UTC)}
	if err := ev.Save(ctx, results, now); err != nil {
		t.Fatal(err)
	}
	if err := ev.Commit(); err != nil {
		t.Fatal(err)
	}
	if set, err = db.Rollups(ctx, 1, "", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"conversations  1", "handled  1", "resolved  1", "time_to_close resolved 1"}, cells(set)); diff != "" {
		t.Errorf("once evaluated again (-want +got):\n%s", diff)
	}
	if set.Recompute != nil {
		t.Errorf("once evaluated again, still recomputing: %+v", set.Recompute)
	}
	sk, err := parley.ParseDurationSketch(set.Cells[len(set.Cells)-1].Sketch)
	if err != nil || sk.Count() != 1 || sk.Mean() != 30*time.Minute {
		t.Errorf("sketch %q: %d durations, mean %v (%v); want one of 30m", set.Cells[len(set.Cells)-1].Sketch, sk.Count(), sk.Mean(), err)
	}
}
