package report_test

import (
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
)

// TestUsageRules builds the sources view from cells written out by hand.
//
//	kb-good: 20 conversations, 18 decided, 15 resolved (83 %), 2 handed off
//	kb-bad:  12 conversations, 12 decided, 5 resolved — 5/12 < ½: review
//	kb-hated: 4 decided, 4 resolved, but 6 rated replies, 4 negative — 4/6 > ½: review
//	kb-few:  3 decided, 0 resolved — under 10 decided, too few to judge
//	on another channel and another day out of range: counted only in range
func TestUsageRules(t *testing.T) {
	t.Parallel()
	cells := []parley.Rollup{}
	add := func(day, channel, key string, s parley.UseStat, n int64) {
		cells = append(cells, parley.Rollup{Day: day, Channel: channel, Metric: parley.MetricUse,
			Label: parley.UseKey(parley.UseSource, parley.UseHash(parley.UseSource, key), s), Value: n})
	}
	for key, st := range map[string]map[parley.UseStat]int64{
		"kb-good":  {parley.StatConversations: 20, parley.StatDecided: 18, parley.StatResolved: 15, parley.StatHandedOff: 2, parley.StatRated: 4, parley.StatNegative: 1},
		"kb-bad":   {parley.StatConversations: 12, parley.StatDecided: 12, parley.StatResolved: 5, parley.StatHandedOff: 4},
		"kb-hated": {parley.StatConversations: 4, parley.StatDecided: 4, parley.StatResolved: 4, parley.StatRated: 6, parley.StatNegative: 4},
		"kb-few":   {parley.StatConversations: 3, parley.StatDecided: 3},
	} {
		for s, n := range st {
			add("2026-11-10", "chat", key, s, n)
		}
	}
	add("2026-11-11", "email", "kb-good", parley.StatConversations, 100)
	add("2026-10-01", "chat", "kb-good", parley.StatConversations, 100)
	items := map[string]parley.UsageItem{parley.UseHash(parley.UseSource, "kb-good"): {Key: "kb-good", Title: "Good article", URL: "https://help.example.com/good"}}
	for _, k := range []string{"kb-bad", "kb-hated", "kb-few"} {
		items[parley.UseHash(parley.UseSource, k)] = parley.UsageItem{Key: k}
	}
	ws := parley.Workspace{Slug: "default", Settings: parley.DefaultSettings()}
	u := report.BuildUsage(cells, items, ws, report.UsageRequest{Kind: parley.UseSource, From: "2026-11-01", To: "2026-11-30", Channels: []string{"chat"}})
	if len(u.Rows) != 4 {
		t.Fatalf("%d rows", len(u.Rows))
	}
	byKey := map[string]report.UsageRow{}
	order := []string{}
	for _, r := range u.Rows {
		order = append(order, r.Key)
		byKey[r.Key] = r
	}
	// Sorted by conversations, most first.
	if order[0] != "kb-good" || order[1] != "kb-bad" || order[2] != "kb-hated" || order[3] != "kb-few" {
		t.Errorf("order %v", order)
	}
	good := byKey["kb-good"]
	if good.Conversations != 20 || good.Title != "Good article" || *good.ResolutionRate != 15.0/18 || *good.HandoffRate != 2.0/18 || *good.NegativeRate != 0.25 {
		t.Errorf("kb-good %+v", good)
	}
	for key, want := range map[string]bool{"kb-good": false, "kb-bad": true, "kb-hated": true, "kb-few": false} {
		if byKey[key].Review != want {
			t.Errorf("%s: review %t, want %t", key, byKey[key].Review, want)
		}
	}
	if byKey["kb-few"].NegativeRate != nil || byKey["kb-few"].FailureRate != nil {
		t.Error("rates without a denominator are not null")
	}
	if u.Pending != 2 { // kb-good: 20 conversations, 18 decided
		t.Errorf("pending %d, want 2", u.Pending)
	}
	// By resolution rate, lowest first: kb-few (0), kb-bad (5/12), kb-good, kb-hated (1).
	u = report.BuildUsage(cells, items, ws, report.UsageRequest{Kind: parley.UseSource, From: "2026-11-01", To: "2026-11-30", Channels: []string{"chat"}, Sort: report.SortResolutionRate, Asc: true})
	if got := [4]string{u.Rows[0].Key, u.Rows[1].Key, u.Rows[2].Key, u.Rows[3].Key}; got != [4]string{"kb-few", "kb-bad", "kb-good", "kb-hated"} {
		t.Errorf("by resolution rate: %v", got)
	}
	if err := (report.UsageRequest{Kind: "pages", From: "2026-11-01", To: "2026-11-30", Sort: "size"}).Validate(); len(parley.ProblemsOf(err)) != 2 {
		t.Errorf("a bad view and sort: %v", err)
	}
}
