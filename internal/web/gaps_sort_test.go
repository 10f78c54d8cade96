package web

import (
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// The topic table's orders, each over the store's order (most
// conversations first): "needs attention" puts recurring topics first (the
// most recurrences first), then those first asked in the last 7 days, then
// the rest, each group keeping the store's order.
func TestSortTopics(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 17, 10, 0, 0, 0, time.UTC)
	old, recent := now.Add(-30*24*time.Hour), now.Add(-2*24*time.Hour)
	topic := func(id int64, conversations, recurrences int, created, last time.Time, label string) parley.TopicSummary {
		return parley.TopicSummary{Topic: parley.Topic{ID: id, Recurrences: recurrences, CreatedAt: created, Label: label}, Conversations: conversations, LastAsked: last}
	}
	// In the store's order: most conversations first.
	store := []parley.TopicSummary{
		topic(1, 90, 0, old, now.Add(-5*time.Hour), "Refunds"),
		topic(2, 60, 0, recent, now.Add(-1*time.Hour), "Card PIN"),
		topic(3, 40, 1, old, now.Add(-3*time.Hour), "Shipping"),
		topic(4, 30, 0, old, now.Add(-2*time.Hour), "Address change"),
		topic(5, 20, 4, old, now.Add(-9*time.Hour), "Invoices"),
		topic(6, 10, 0, now.Add(-6*24*time.Hour-23*time.Hour), now.Add(-4*time.Hour), "Bonus points"),
		topic(7, 5, 0, now.Add(-7*24*time.Hour), now.Add(-8*time.Hour), "Vouchers"),
	}
	for _, tt := range []struct {
		sort string
		want []int64
	}{
		{"attention", []int64{5, 3, 2, 6, 1, 4, 7}},
		{"conversations", []int64{1, 2, 3, 4, 5, 6, 7}},
		{"last_asked", []int64{2, 4, 3, 6, 1, 7, 5}},
		{"label", []int64{4, 6, 2, 5, 1, 3, 7}},
	} {
		list := slices.Clone(store)
		sortTopics(list, tt.sort, now)
		var got []int64
		for _, tp := range list {
			got = append(got, tp.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("sort %s: %v, want %v", tt.sort, got, tt.want)
		}
	}
}
