package report_test

import (
	"context"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/synth"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// tuesday is a Tuesday morning: last week's last conversations are still
// pending.
var tuesday = time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC)

// deskFrom is the Monday of the week before last week on tuesday: the
// first day the tests read.
var deskFrom = time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)

// desk is a steady desk on tuesday: of 2,000 conversations generated over
// the four weeks up to then, those started from deskFrom on, stored and
// evaluated then; built once, copied for each test that reads it. All four
// weeks are generated, so that the days kept are as busy and grow as
// slowly as in a four-week stream; the first two are not stored, since no
// test reads them and storing and evaluating them was half the fixture's
// cost.
var desk = storetest.NewDBFixture("desk", func(tb testing.TB, db *store.DB) {
	ws, err := db.EnsureWorkspace(context.Background(), "acme", tuesday)
	if err != nil {
		tb.Fatal(err)
	}
	evaluated(tb, db, ws, startedFrom(storetest.Synthetic(tb, synth.Options{Conversations: 2000, Days: 28, End: tuesday, Seed: 9}), deskFrom), tuesday)
})

// startedFrom keeps the conversations of a generated batch that started
// at from or later. A generated stream holds its conversations in start
// order, each one's events together, so they are the batch's tail.
func startedFrom(b ingest.Batch, from time.Time) ingest.Batch {
	i := slices.IndexFunc(b.Items, func(it ingest.Item) bool {
		return it.Event.Type == parley.EventConversationStarted && !it.Event.OccurredAt.Before(from)
	})
	if i < 0 {
		i = len(b.Items)
	}
	b.Items = b.Items[i:]
	return b
}

// steadyDesk returns a copy of desk and its workspace.
func steadyDesk(t *testing.T) (*store.DB, parley.Workspace) {
	t.Helper()
	db := desk.New(t)
	ws, err := db.Workspace(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return db, ws
}

// TestCall covers the rule that calls a change up or down: only when
// both numbers rest on at least report.MinBasis observations, no outcome
// of their pending conversations could reverse it, and its test finds it
// significant at 95 % (|z| ≥ 1.96; the z values are worked out by hand).
func TestCall(t *testing.T) {
	t.Parallel()
	v := func(f float64) *float64 { return &f }
	rate := func(value float64, basis int64) report.Observation {
		return report.Observation{Value: v(value), Basis: basis, Low: v(value), High: v(value), Test: report.TestProportion}
	}
	count := func(value float64, basis int64) report.Observation {
		return report.Observation{Value: v(value), Basis: basis, Low: v(value), High: v(value), Test: report.TestCount}
	}
	pending := func(test string, value, low, high float64, basis, pending int64) report.Observation {
		return report.Observation{Value: v(value), Basis: basis, Pending: pending, Low: v(low), High: v(high), Test: test}
	}
	for _, tt := range []struct {
		name                string
		cur, prev           report.Observation
		direction, uncalled string
	}{
		// 60 of 100 against 45 of 100: pooled 0.525, se = √(0.525 · 0.475
		// · 0.02) = 0.0706; z = 0.15 / 0.0706 = 2.12.
		{"60% against 45% of 100", rate(0.60, 100), rate(0.45, 100), "up", ""},
		{"45% against 60% of 100", rate(0.45, 100), rate(0.60, 100), "down", ""},
		// 55 against 45 of 100: z = 0.1 / 0.0707 = 1.41.
		{"55% against 45% of 100", rate(0.55, 100), rate(0.45, 100), "", report.NotSignificant},
		// 21 of 30 against 19 of 30: pooled 2/3, se = √(2/9 · 2/30) =
		// 0.1217; z = 0.0667 / 0.1217 = 0.55: eight points on 30 are chance.
		{"70% against 63% of 30", rate(0.70, 30), rate(0.6333, 30), "", report.NotSignificant},
		{"no change", rate(0.70, 400), rate(0.70, 400), "", ""},
		{"this one on 29", rate(0.62, 29), rate(0.70, 400), "", report.TooFew},
		{"the earlier on 29", rate(0.62, 400), rate(0.70, 29), "", report.TooFew},
		{"a handful", rate(0, 3), rate(1, 2), "", report.TooFew},
		// 300 resolved of 400 decided with 60 pending can end anywhere
		// from 300 to 360: against 320, that could go either way.
		{"pending could reverse it", pending(report.TestCount, 300, 300, 360, 400, 60), count(320, 450), "", report.TooPending},
		// Against 280 it is up whatever the pending become, but 300
		// against 280 is z = 20 / √580 = 0.83.
		{"pending cannot reverse it, chance", pending(report.TestCount, 300, 300, 360, 400, 60), count(280, 450), "", report.NotSignificant},
		// Against 220: z = 80 / √520 = 3.51.
		{"pending cannot reverse it, significant", pending(report.TestCount, 300, 300, 360, 400, 60), count(220, 450), "up", ""},
		// 90 against 60 of 100: pooled 0.75, se = √(0.1875 · 0.02) =
		// 0.0612; z = 0.3 / 0.0612 = 4.90.
		{"both pending, apart", pending(report.TestProportion, 0.9, 0.85, 0.95, 100, 10), pending(report.TestProportion, 0.6, 0.55, 0.65, 100, 10), "up", ""},
		{"missing", report.Observation{Basis: 100}, rate(0.5, 100), "", ""},
		// A median is tested on its durations, which an observation made
		// by hand does not carry.
		{"median without durations", pending(report.TestMedian, 600, 600, 600, 100, 0), pending(report.TestMedian, 900, 900, 900, 100, 0), "", report.NotSignificant},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, u := report.Call(tt.cur, tt.prev)
			if d != tt.direction || u != tt.uncalled {
				t.Errorf("Call = %q, %q; want %q, %q", d, u, tt.direction, tt.uncalled)
			}
		})
	}
	for _, tt := range []struct {
		basis, pending int64
		drawn          bool
	}{{30, 0, true}, {29, 0, false}, {90, 10, true}, {90, 11, false}, {3000, 400, false}} {
		if got := report.Drawn(tt.basis, tt.pending); got != tt.drawn {
			t.Errorf("Drawn(%d decided, %d pending) = %v, want %v", tt.basis, tt.pending, got, tt.drawn)
		}
	}
}

// TestImpactOnATuesday builds the report on a Tuesday morning, with a
// frozen clock, over the last weeks of a steady desk: the cards compare
// the last complete week with the week before (never the two days of this
// week, which are mostly pending, with a whole week), say how many of last
// week's conversations are still pending, and show this week so far
// beside them with its own pending count.
func TestImpactOnATuesday(t *testing.T) {
	t.Parallel()
	db, ws := steadyDesk(t)
	r := performance(t, db, ws, report.Request{From: "2026-03-02", To: "2026-03-29", Granularity: report.Week}, tuesday)
	if r.LastWeek.From != "2026-03-16" || r.LastWeek.To != "2026-03-22" || r.WeekBefore.From != "2026-03-09" || r.ThisWeek.From != "2026-03-23" {
		t.Fatalf("weeks: last %s..%s, before from %s, this from %s", r.LastWeek.From, r.LastWeek.To, r.WeekBefore.From, r.ThisWeek.From)
	}
	cards := map[string]report.Card{}
	for _, c := range r.Impact {
		cards[c.Metric] = c
	}
	for _, m := range []string{"resolved", "handled", "time_to_close", "deflection_rate", "helpful_rate"} {
		c, ok := cards[m]
		if !ok {
			t.Fatalf("no %s card in %+v", m, r.Impact)
		}
		// A steady desk changes by a few percent from week to week; the
		// first days of a week against a whole one would read −70 % and
		// worse.
		if c.Change.Delta == nil || math.Abs(*c.Change.Delta) > 0.25 || c.Change.Uncalled == report.TooFew {
			t.Errorf("%s: change %+v from %+v to %+v, want one within ±25 %% on enough conversations", m, c.Change, c.Before, c.Week)
		}
		if d, u := report.Call(c.Week, c.Before); d != c.Change.Direction || u != c.Change.Uncalled {
			t.Errorf("%s: change %+v, but Call says %q, %q", m, c.Change, d, u)
		}
		if c.Change.Direction != "" && c.Week.Provisional() {
			if a := c.Change.AtLeast; a == nil || (*a > 0) != (c.Change.Direction == "up") || math.Abs(*a) > math.Abs(*c.Change.Delta) {
				t.Errorf("%s: called %s while %d pending, at least %v of %v", m, c.Change.Direction, c.Week.Pending, c.Change.AtLeast, *c.Change.Delta)
			}
		}
		// What no pending conversation can change is called when its
		// test finds it significant, and only then.
		if c.Change.PValue == nil {
			t.Errorf("%s: a change on %d and %d observations has no test", m, c.Week.Basis, c.Before.Basis)
		} else if significant := *c.Change.PValue < 0.05; c.Week.Pending == 0 && *c.Change.Delta != 0 && significant != (c.Change.Direction != "") {
			t.Errorf("%s: a change of %v with p = %.4f called %q", m, *c.Change.Delta, *c.Change.PValue, c.Change.Direction)
		}
	}
	resolved := cards["resolved"]
	if *resolved.Week.Value != float64(r.LastWeek.Metrics.Resolved) || resolved.Week.Basis != r.LastWeek.Metrics.Decided {
		t.Errorf("resolved card %+v, last week resolved %d of %d decided", resolved.Week, r.LastWeek.Metrics.Resolved, r.LastWeek.Metrics.Decided)
	}
	// Conversations of last Sunday are still inside the 72 h window on
	// Tuesday morning: last week is provisional, and says by how much.
	if resolved.Week.Pending == 0 || resolved.Week.Pending != r.LastWeek.Metrics.Pending || !resolved.Week.Provisional() {
		t.Errorf("last week: %d pending on the card, %d in the week; want the same, above zero", resolved.Week.Pending, r.LastWeek.Metrics.Pending)
	}
	if resolved.Before.Pending != 0 {
		t.Errorf("the week before has %d pending on a Tuesday, want none", resolved.Before.Pending)
	}
	if so := cards["deflection_rate"].SoFar; so.Pending == 0 || so.Pending != r.ThisWeek.Metrics.Pending || so.Basis != r.ThisWeek.Metrics.Decided {
		t.Errorf("this week so far: %+v, want its %d pending and %d decided", so, r.ThisWeek.Metrics.Pending, r.ThisWeek.Metrics.Decided)
	}
	if cards["time_to_close"].Week.Mean == nil || cards["handled"].Week.Pending != 0 {
		t.Errorf("time to close without its mean (%+v), or handled counted as pending (%+v)", cards["time_to_close"].Week, cards["handled"].Week)
	}
}

// TestImpactOnFewConversations: the fixture's weeks rest on a handful of
// conversations; every change is left uncalled, and says why.
func TestImpactOnFewConversations(t *testing.T) {
	t.Parallel()
	db, ws := setup(t, nil)
	monday := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	r := performance(t, db, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week}, monday)
	for _, c := range r.Impact {
		if c.Change.Direction != "" || (c.Change.Delta != nil && *c.Change.Delta != 0 && c.Change.Uncalled != report.TooFew) {
			t.Errorf("%s: %+v on %d and %d observations", c.Metric, c.Change, c.Week.Basis, c.Before.Basis)
		}
	}
	// From one resolved conversation to none: −100 %, on 4 and 1
	// decided conversations.
	if c := r.Impact[0]; c.Metric != "resolved" || c.Change.Delta == nil || *c.Change.Delta != -1 || c.Change.Uncalled != report.TooFew {
		t.Errorf("resolved: %+v; want −100 %%, too few to call", c)
	}
}

// TestTimeToCloseWithinOnePercent compares the report's times to close,
// per week and outcome, with the exact ones worked out from every
// conversation's own: the counts and means are equal, the medians and p90
// within 1 %.
func TestTimeToCloseWithinOnePercent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := steadyDesk(t)
	r := performance(t, db, ws, report.Request{From: deskFrom.Format(parley.DayLayout), To: "2026-03-29", Granularity: report.Week}, tuesday)
	convs, err := db.Conversations(ctx, ws.ID, store.ConversationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// exact[bucket][outcome] holds the times to close, in seconds, of
	// the conversations closed in the bucket; "" holds them all.
	exact := make([]map[parley.OutcomeKind][]float64, len(r.Series))
	for i := range exact {
		exact[i] = map[parley.OutcomeKind][]float64{}
	}
	for _, c := range convs {
		if c.TimeToCloseSeconds == nil || c.Outcome == parley.OutcomeNotHandled {
			continue
		}
		day := c.ClosedAt.UTC().Format(parley.DayLayout)
		for i, b := range r.Series {
			if day >= b.From && day <= b.To {
				exact[i][""] = append(exact[i][""], *c.TimeToCloseSeconds)
				exact[i][c.Outcome] = append(exact[i][c.Outcome], *c.TimeToCloseSeconds)
			}
		}
	}
	worst := 0.0
	check := func(what string, got report.Durations, values []float64) {
		t.Helper()
		if got.Closed != int64(len(values)) {
			t.Errorf("%s: %d closed, exactly %d", what, got.Closed, len(values))
			return
		}
		if len(values) == 0 {
			return
		}
		slices.Sort(values)
		rank := func(q float64) float64 { return values[max(int(math.Ceil(q*float64(len(values)))), 1)-1] }
		var sum float64
		for _, v := range values {
			sum += v
		}
		if mean := sum / float64(len(values)); math.Abs(*got.Mean-mean) > 1e-6*mean {
			t.Errorf("%s: mean %v, exactly %v", what, *got.Mean, mean)
		}
		for _, q := range []struct {
			name string
			got  *float64
			want float64
		}{{"median", got.Median, rank(0.5)}, {"p90", got.P90, rank(0.9)}} {
			rel := math.Abs(*q.got-q.want) / q.want
			worst = max(worst, rel)
			if rel > parley.SketchAccuracy {
				t.Errorf("%s: %s %v, exactly %v (%.2f%% off)", what, q.name, *q.got, q.want, rel*100)
			}
		}
	}
	for i, b := range r.Series {
		m := &b.Metrics
		check(b.From+" all", report.Durations{Closed: m.Closed, Mean: m.TimeToCloseMean, Median: m.TimeToCloseMedian, P90: m.TimeToCloseP90}, exact[i][""])
		check(b.From+" resolved", m.TimeToCloseResolved, exact[i][parley.OutcomeResolved])
		check(b.From+" handed off", m.TimeToCloseHandedOff, exact[i][parley.OutcomeHandedOff])
	}
	t.Logf("largest relative error of a weekly median or p90: %.2f%%", worst*100)
}
