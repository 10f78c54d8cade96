package report_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
)

// TestCSAT works conversation satisfaction out by hand from rollup cells:
// the share of ratings of 4 and 5 and the mean, over handled conversations
// (pending ones included) and by outcome group, with the conversations the
// agent never handled apart; cells count on the day the conversation
// started, and the channel filter applies.
func TestCSAT(t *testing.T) {
	t.Parallel()
	cell := func(day, channel string, kind parley.OutcomeKind, score int, n int64) parley.Rollup {
		return parley.Rollup{Day: day, Channel: channel, Metric: parley.MetricCSAT, Label: parley.CSATKey(kind, score), Value: n}
	}
	cells := []parley.Rollup{
		cell("2026-03-02", "chat", parley.OutcomeResolved, 5, 3),
		cell("2026-03-02", "chat", parley.OutcomeResolved, 3, 1),
		cell("2026-03-03", "chat", parley.OutcomeHandedOff, 4, 1),
		cell("2026-03-03", "email", parley.OutcomeHandedOff, 1, 1),
		cell("2026-03-09", "chat", parley.OutcomeUnresolved, 2, 2),
		cell("2026-03-09", "chat", parley.OutcomePending, 5, 1),
		cell("2026-03-10", "chat", parley.OutcomeNotHandled, 4, 2),
		{Day: "2026-03-10", Channel: "chat", Metric: parley.MetricCSAT, Label: "nonsense", Value: 7},
	}
	ws := parley.Workspace{Slug: "acme", Settings: parley.DefaultSettings()}
	p := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		name     string
		channels []string
		want     report.CSAT
	}{
		{"every channel", nil, report.CSAT{
			// 3×5 + 3 + 4 + 1 + 2×2 + 5 = 32 over 9 handled ratings, 5 of them 4 or 5.
			CSATScore:  report.CSATScore{Rated: 9, Satisfied: 5, Rate: p(5.0 / 9), Mean: p(32.0 / 9)},
			Resolved:   report.CSATScore{Rated: 4, Satisfied: 3, Rate: p(0.75), Mean: p(4.5)},
			HandedOff:  report.CSATScore{Rated: 2, Satisfied: 1, Rate: p(0.5), Mean: p(2.5)},
			Unresolved: report.CSATScore{Rated: 2, Satisfied: 0, Rate: p(0), Mean: p(2)},
			NotHandled: report.CSATScore{Rated: 2, Satisfied: 2, Rate: p(1), Mean: p(4)},
		}},
		{"email only", []string{"email"}, report.CSAT{
			CSATScore: report.CSATScore{Rated: 1, Satisfied: 0, Rate: p(0), Mean: p(1)},
			HandedOff: report.CSATScore{Rated: 1, Satisfied: 0, Rate: p(0), Mean: p(1)},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := report.Build(parley.RollupSet{Cells: cells}, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week, Channels: tt.channels}, now)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Totals.CSAT, approx); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			var perWeek report.CSATScore
			for _, b := range r.Series {
				perWeek.Rated += b.CSAT.Rated
				perWeek.Satisfied += b.CSAT.Satisfied
			}
			if perWeek.Rated != tt.want.Rated || perWeek.Satisfied != tt.want.Satisfied {
				t.Errorf("the weeks add up to %d rated, %d satisfied", perWeek.Rated, perWeek.Satisfied)
			}
		})
	}
	r, _ := report.Build(parley.RollupSet{Cells: cells}, ws, report.Request{From: "2026-03-02", To: "2026-03-15", Granularity: report.Week}, now)
	// The second week (the week of now) holds the unresolved and the pending ratings.
	if got := r.ThisWeek.Metrics.CSAT; got.Rated != 3 || got.Unresolved.Rated != 2 || got.Resolved.Rated != 0 {
		t.Errorf("this week %+v", got)
	}
	if got := r.LastWeek.Metrics.CSAT; got.Rated != 6 || *got.Rate != 4.0/6 {
		t.Errorf("last week %+v", got)
	}
	if got := r.Previous.CSAT; got.Rated != 0 || got.Rate != nil || got.Mean != nil {
		t.Errorf("a period with no rating: %+v, want nulls", got)
	}
}
