package store

import (
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

// TestContributionsEncoding: the stored text of contributions is one line
// each, day|channel|metric|key|count, counts in decimal whatever their size
// or sign, and it reads back as written. Rows already stored hold this text,
// and a digest covers it: the encoding must not change.
func TestContributionsEncoding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cs   []parley.Contribution
		want string
	}{
		{"none", nil, ""},
		{"one", []parley.Contribution{{Day: "2026-03-02", Channel: "chat", Metric: parley.MetricConversations, N: 1}},
			"2026-03-02|chat|conversations||1"},
		{"counts of every size", []parley.Contribution{
			{Day: "2026-03-02", Channel: "chat", Metric: parley.MetricTimeToClose, Key: "resolved", N: 86400000},
			{Day: "2026-03-03", Channel: "", Metric: parley.MetricFeedback, Key: "negative", N: 0},
			{Day: "2026-03-04", Channel: "email", Metric: parley.MetricUse, Key: "k", N: -12345},
			{Day: "2026-03-05", Channel: "chat", Metric: parley.MetricUse, Key: "max", N: math.MaxInt64},
			{Day: "2026-03-06", Channel: "chat", Metric: parley.MetricUse, Key: "min", N: math.MinInt64},
		}, "2026-03-02|chat|time_to_close|resolved|86400000\n2026-03-03||feedback|negative|0\n2026-03-04|email|use|k|-12345\n" +
			"2026-03-05|chat|use|max|9223372036854775807\n2026-03-06|chat|use|min|-9223372036854775808"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := encodeContributions(tt.cs)
			if got != tt.want {
				t.Fatalf("encoded\n%q\nwant\n%q", got, tt.want)
			}
			back, err := decodeContributions(got)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.cs, back); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecimalLen: the length encodeContributions sizes a count by is the
// length strconv writes, at every boundary of a digit and of the sign.
func TestDecimalLen(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, 1, 9, 10, 99, 100, 86400000, -1, -9, -10, -12345, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		if got, want := decimalLen(n), len(strconv.FormatInt(n, 10)); got != want {
			t.Errorf("decimalLen(%d) = %d, want %d", n, got, want)
		}
	}
}
