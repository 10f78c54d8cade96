package parley_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

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
				c("2026-03-03", parley.MetricTimeToClose, "unresolved", (50 * time.Hour).Milliseconds()), // one duration, in ms
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
