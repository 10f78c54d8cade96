package parley_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

func TestHistogramQuantileWithinBinError(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := 1 + r.IntN(2000)
		h := parley.Histogram{}
		values := make([]time.Duration, n)
		for i := range values {
			// Log-uniform from 1 s to about 12 days, like times to close.
			values[i] = time.Duration(math.Exp(r.Float64()*math.Log(1e6))) * time.Second
			h.Add(parley.HistogramBin(values[i]), 1)
		}
		slices.Sort(values)
		for _, q := range []float64{0.5, 0.9, 0.99, 1} {
			rank := max(int(math.Ceil(q*float64(n))), 1)
			exact := values[rank-1]
			got := h.Quantile(q)
			if rel := math.Abs(got.Seconds()-exact.Seconds()) / exact.Seconds(); rel > 0.045 {
				t.Errorf("trial %d: q%.2f of %d values: got %v, exact %v (%.1f%% off)", trial, q, n, got, exact, rel*100)
			}
		}
	}
}

func TestHistogramEdges(t *testing.T) {
	h := parley.Histogram{}
	if h.Quantile(0.5) != 0 {
		t.Error("empty histogram: want 0")
	}
	h.Add(parley.HistogramBin(0), 1)
	h.Add(parley.HistogramBin(time.Second), 1)
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("median of {0s, 1s}: got %v, want 0", got)
	}
	if got := h.Quantile(1); got != time.Second {
		t.Errorf("max of {0s, 1s}: got %v, want 1s", got)
	}
	// Bins grow with the duration and never skip backwards.
	prev := -1
	for s := 0.0; s < 1e7; s = s*1.01 + 0.5 {
		b := parley.HistogramBin(time.Duration(s * float64(time.Second)))
		if b < prev {
			t.Fatalf("bin of %vs = %d is below the previous %d", s, b, prev)
		}
		prev = b
	}
}

func TestContributions(t *testing.T) {
	taipei, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	// 20:00 UTC on the 1st is 04:00 on the 2nd in Taipei.
	start := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	c := func(day string, m parley.Metric, key string, n int64) parley.Contribution {
		return parley.Contribution{Day: day, Channel: "chat", Metric: m, Key: key, N: n}
	}
	tests := []struct {
		name string
		o    parley.Outcome
		loc  *time.Location
		want []parley.Contribution
	}{
		{"test traffic counts only as excluded", parley.Outcome{Channel: "chat", StartedAt: start, Test: true, Kind: parley.OutcomeResolved}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricTest, "", 1)}},
		{"not handled", parley.Outcome{Channel: "chat", StartedAt: start, Kind: parley.OutcomeNotHandled}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricConversations, "", 1)}},
		{"the start day is local", parley.Outcome{Channel: "chat", StartedAt: start, Kind: parley.OutcomePending}, taipei,
			[]parley.Contribution{c("2026-03-02", parley.MetricConversations, "", 1), c("2026-03-02", parley.MetricHandled, "", 1), c("2026-03-02", parley.MetricPending, "", 1)}},
		{"handed off", parley.Outcome{Channel: "chat", StartedAt: start, Kind: parley.OutcomeHandedOff, HandoffInitiator: parley.InitiatorRule, HandoffReason: "capacity_limit"}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricConversations, "", 1), c("2026-03-01", parley.MetricHandled, "", 1), c("2026-03-01", parley.MetricHandedOff, "", 1),
				c("2026-03-01", parley.MetricHandoffInitiator, "rule", 1), c("2026-03-01", parley.MetricHandoffReason, "capacity_limit", 1)}},
		{"resolved, confirmed, reopened", parley.Outcome{Channel: "chat", StartedAt: start, Kind: parley.OutcomeResolved, Resolution: parley.ResolutionConfirmed, Reopened: true}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricConversations, "", 1), c("2026-03-01", parley.MetricHandled, "", 1), c("2026-03-01", parley.MetricResolved, "", 1),
				c("2026-03-01", parley.MetricConfirmed, "", 1), c("2026-03-01", parley.MetricReopened, "", 1)}},
		{"a rated conversation counts on its start day, by outcome and rating", parley.Outcome{Channel: "chat", StartedAt: start, Kind: parley.OutcomeResolved,
			Resolution: parley.ResolutionAssumed, CSAT: &parley.CSATFact{Rating: 5, At: start.Add(72 * time.Hour)}}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricConversations, "", 1), c("2026-03-01", parley.MetricCSAT, "resolved:5", 1),
				c("2026-03-01", parley.MetricHandled, "", 1), c("2026-03-01", parley.MetricResolved, "", 1)}},
		{"a rated conversation the agent never took part in", parley.Outcome{Channel: "chat", StartedAt: start, Kind: parley.OutcomeNotHandled,
			CSAT: &parley.CSATFact{Rating: 2, At: start.Add(time.Hour)}}, taipei,
			[]parley.Contribution{c("2026-03-02", parley.MetricConversations, "", 1), c("2026-03-02", parley.MetricCSAT, "not_handled:2", 1)}},
		{"a rated test conversation counts only as excluded", parley.Outcome{Channel: "chat", StartedAt: start, Test: true, Kind: parley.OutcomeResolved,
			CSAT: &parley.CSATFact{Rating: 1}}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricTest, "", 1)}},
		{"unresolved with reasons, feedback and close on their own days", parley.Outcome{
			Channel: "chat", StartedAt: start, Kind: parley.OutcomeUnresolved,
			Reasons:      []parley.UnresolvedReason{parley.ReasonNoSourceOrAction, parley.ReasonNegativeFeedback},
			Ratings:      []parley.RatingFact{{Rating: parley.RatingNegative, At: start.Add(30 * time.Hour)}},
			FirstReplyAt: start, ClosedAt: start.Add(50 * time.Hour), TimeToClose: 50 * time.Hour,
			GapSignals: []parley.GapSignal{{At: start.Add(time.Minute)}},
		}, time.UTC,
			[]parley.Contribution{c("2026-03-01", parley.MetricConversations, "", 1), c("2026-03-01", parley.MetricHandled, "", 1), c("2026-03-01", parley.MetricUnresolved, "", 1),
				c("2026-03-01", parley.MetricUnresolvedReason, "no_source_or_action", 1), c("2026-03-01", parley.MetricUnresolvedReason, "negative_feedback", 1),
				c("2026-03-03", parley.MetricFeedback, "negative", 1),
				c("2026-03-03", parley.MetricClosed, "", 1), c("2026-03-03", parley.MetricTimeToCloseMs, "", (50 * time.Hour).Milliseconds()),
				c("2026-03-03", parley.MetricTimeToCloseHist, "141", 1), // ⌈8·log₂(180000 s)⌉ + 1
				c("2026-03-01", parley.MetricGapSignals, "", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.o.Contributions(tt.loc)); diff != "" {
				t.Errorf("contributions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSATKey(t *testing.T) {
	for _, kind := range parley.OutcomeKinds {
		for n := parley.MinCSAT; n <= parley.MaxCSAT; n++ {
			k, m, ok := parley.ParseCSATKey(parley.CSATKey(kind, n))
			if !ok || k != kind || m != n {
				t.Errorf("ParseCSATKey(CSATKey(%s, %d)) = %s, %d, %v", kind, n, k, m, ok)
			}
		}
	}
	for _, bad := range []string{"", "resolved", "resolved:", "resolved:0", "resolved:6", "solved:5", ":5", "resolved:5:1"} {
		if _, _, ok := parley.ParseCSATKey(bad); ok {
			t.Errorf("ParseCSATKey(%q) accepted", bad)
		}
	}
}
