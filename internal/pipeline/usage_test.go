package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/report"
)

// TestUsageMatchesConversations builds the sources and actions views from
// the rollups of evaluated conversations and checks every number against
// the conversation list filtered by the same source or action, which reads
// the conversations themselves.
func TestUsageMatchesConversations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := evaluated(t, 400, 14)
	from, to := end.AddDate(0, 0, -10).Format(parley.DayLayout), end.Format(parley.DayLayout)
	count := func(f parley.ConversationFilter) int64 {
		t.Helper()
		f.From, f.To, f.Channels = from, to, []string{"chat", "email"}
		n, err := db.CountConversations(ctx, ws.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	check := func(when string) {
		t.Helper()
		for _, kind := range parley.UseKinds {
			u, err := report.UsageView(ctx, db, ws, report.UsageRequest{Kind: kind, From: from, To: to, Channels: []string{"chat", "email"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(u.Rows) < 3 {
				t.Fatalf("%s: %d rows: the test proves little", kind, len(u.Rows))
			}
			for _, r := range u.Rows {
				f := parley.ConversationFilter{Source: r.Key}
				if kind == parley.UseAction {
					f = parley.ConversationFilter{Action: r.Key}
				}
				with := func(o parley.OutcomeSet) parley.ConversationFilter {
					g := f
					g.Outcomes = []parley.OutcomeSet{o}
					return g
				}
				for name, pair := range map[string][2]int64{
					"conversations": {r.Conversations, count(f)},
					"decided":       {r.Decided, count(with(parley.GroupDecided))},
					"resolved":      {r.Resolved, count(with(parley.OutcomeSet(parley.OutcomeResolved)))},
					"handed off":    {r.HandedOff, count(with(parley.OutcomeSet(parley.OutcomeHandedOff)))},
				} {
					if pair[0] != pair[1] {
						t.Errorf("%s: %s %s: %s %d in the view, %d in the list", when, kind, r.Key, name, pair[0], pair[1])
					}
				}
				if kind == parley.UseSource && (r.Title == "" || r.URL == "") {
					t.Errorf("source %s has no title or URL", r.Key)
				}
				if kind == parley.UseAction && r.Calls < r.Conversations {
					t.Errorf("action %s: %d calls in %d conversations", r.Key, r.Calls, r.Conversations)
				}
			}
		}
	}
	check("at first")
	// A change of definition that changes outcomes (a failed last action
	// leaves the conversation unresolved) recomputes the uses' cells into
	// the next generation with the report's.
	if c, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) {
		return s.ApplyText(map[string]string{"failed_last_action": "true"})
	}, "test", end); err != nil || !c.Recompute {
		t.Fatalf("settings change: %+v, %v", c, err)
	}
	pass(t, pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(5 * 24 * time.Hour) }}))
	check("after a settings change")
	// A rebuild gives the same cells.
	before, _ := db.UsageRollups(ctx, ws.ID, "", "")
	if _, err := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(5 * 24 * time.Hour) }}).Rebuild(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := db.UsageRollups(ctx, ws.ID, "", "")
	if len(before) == 0 || len(before) != len(after) {
		t.Errorf("usage cells: %d before a rebuild, %d after", len(before), len(after))
	}
}

// BenchmarkUsageView builds the sources view of 12 weeks, beside the
// Performance report of the same range read in the same run, at 2,500 and
// 20,000 conversations (8×): both read daily cells, so their cost follows
// the cells, not the conversations.
func BenchmarkUsageView(b *testing.B) {
	for _, n := range []int{2500, 20000} {
		ctx := context.Background()
		db, ws := evaluated(b, n, 84)
		from, to := end.AddDate(0, 0, -83).Format(parley.DayLayout), end.Format(parley.DayLayout)
		b.Run(fmt.Sprintf("sources/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := report.UsageView(ctx, db, ws, report.UsageRequest{Kind: parley.UseSource, From: from, To: to}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("performance/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := report.Performance(ctx, db, ws, report.Request{From: from, To: to, Granularity: report.Week}, end); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
