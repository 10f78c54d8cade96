package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// fixFacts is a topic fixed at at, with a question asked at each offset
// from it.
func fixFacts(id int64, at time.Time, asked ...time.Duration) (parley.FixedTopic, []parley.FixAsk) {
	t := parley.FixedTopic{Topic: parley.Topic{ID: id, Label: fmt.Sprintf("topic %d", id), State: parley.GapResolved},
		ShortAnswer: parley.ShortAnswer{ID: id * 10, CreatedAt: at}}
	var asks []parley.FixAsk
	for i, d := range asked {
		asks = append(asks, parley.FixAsk{TopicID: id, ConversationID: fmt.Sprintf("t%d-c%d", id, i), At: at.Add(d), Outcome: parley.OutcomeUnresolved})
	}
	return t, asks
}

func TestFixVerdicts(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	now := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC) // a Tuesday
	for _, c := range []struct {
		name    string
		age     time.Duration // of the fix
		asked   []time.Duration
		window  float64
		before  int
		after   int
		recur   int
		change  string
		verdict FixVerdict
	}{
		{"halved", 14 * day, []time.Duration{-13 * day, -10 * day, -5 * day, -1 * day, 3 * day, 9 * day}, 14, 4, 2, 2, "-0.50", FixWorked},
		{"a quarter fewer", 14 * day, []time.Duration{-13 * day, -10 * day, -5 * day, -1 * day, 3 * day, 5 * day, 9 * day}, 14, 4, 3, 3, "-0.25", FixHelped},
		{"as often", 14 * day, []time.Duration{-13 * day, -10 * day, -5 * day, 1 * day, 2 * day, 9 * day}, 14, 3, 3, 3, "0.00", FixNoEffect},
		// A fix two months old: 28 days either side; a question 40 days
		// before and one 35 days after are outside, but the late one is a
		// recurrence all the same.
		{"old fix", 60 * day, []time.Duration{-40 * day, -27 * day, -20 * day, -2 * day, -1 * day, 35 * day}, 28, 4, 0, 1, "-1.00", FixWorked},
		{"too few before", 14 * day, []time.Duration{-13 * day, -10 * day}, 14, 2, 0, 0, "-1.00", FixTooFew},
		{"none before", 14 * day, []time.Duration{3 * day}, 14, 0, 1, 1, "null", FixTooFew},
		{"too early", 3 * day, []time.Duration{-2 * day, -2 * day, -1 * day, -1 * day}, 3, 4, 0, 0, "-1.00", FixTooEarly},
		{"just made", 0, []time.Duration{-1 * day}, 0, 0, 0, 0, "null", FixTooEarly},
	} {
		t.Run(c.name, func(t *testing.T) {
			topic, asks := fixFacts(1, now.Add(-c.age), c.asked...)
			f := BuildFixes([]parley.FixedTopic{topic}, asks, parley.Workspace{Slug: "default"}, FixRequest{}, now)
			r := f.Rows[0]
			change := "null"
			if r.Change != nil {
				change = fmt.Sprintf("%.2f", *r.Change)
			}
			got := fmt.Sprint(r.Window, r.Before.Questions, r.After.Questions, r.Recurrences, change, r.Verdict)
			want := fmt.Sprint(c.window, c.before, c.after, c.recur, c.change, c.verdict)
			if got != want {
				t.Errorf("window, before, after, recurrences, change, verdict = %s, want %s", got, want)
			}
			sum := 0
			for _, w := range r.Weeks {
				sum += w.Questions
			}
			if sum != r.Before.Questions+r.After.Questions {
				t.Errorf("weeks hold %d questions, the windows %d", sum, r.Before.Questions+r.After.Questions)
			}
		})
	}
}

func TestFixesSortByEffect(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	now := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
	var topics []parley.FixedTopic
	var asks []parley.FixAsk
	add := func(id int64, age time.Duration, asked ...time.Duration) {
		tp, a := fixFacts(id, now.Add(-age), asked...)
		topics, asks = append(topics, tp), append(asks, a...)
	}
	add(1, 2*day, -day)                                             // too early
	add(2, 14*day, -day, day, 2*day, 3*day)                         // too few
	add(3, 14*day, -day, -2*day, -3*day, -4*day, day)               // worked, −75 %
	add(4, 14*day, -day, -2*day, -3*day, day, 2*day, 3*day)         // no effect
	add(5, 14*day, -day, -2*day, -3*day, -4*day, day, 2*day)        // worked, −50 %
	add(6, 14*day, -day, -2*day, -3*day, -4*day, day, 2*day, 3*day) // helped
	f := BuildFixes(topics, asks, parley.Workspace{}, FixRequest{}, now)
	var got []int64
	for _, r := range f.Rows {
		got = append(got, r.TopicID)
	}
	if fmt.Sprint(got) != "[3 5 6 4 2 1]" {
		t.Errorf("by effect: %v, want [3 5 6 4 2 1]", got)
	}
	f = BuildFixes(topics, asks, parley.Workspace{}, FixRequest{Sort: FixSortRecurrences}, now)
	if f.Rows[0].TopicID != 2 && f.Rows[0].TopicID != 4 && f.Rows[0].TopicID != 6 {
		t.Errorf("by recurrences, first %d: want one with 3", f.Rows[0].TopicID)
	}
	if err := (FixRequest{Sort: "best"}).Validate(); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("sort=best: %v, want invalid input", err)
	}
}

// TestFixConversationCountedOnce checks that a conversation that asked and
// was also answered with the short answer counts once, as asking.
func TestFixConversationCountedOnce(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	now := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
	topic, asks := fixFacts(1, now.Add(-14*day), -day, day)
	asks = append(asks, parley.FixAsk{TopicID: 1, ConversationID: asks[1].ConversationID, At: now.Add(-13 * day), Outcome: parley.OutcomeUnresolved, Cited: true},
		parley.FixAsk{TopicID: 1, ConversationID: "other", At: now.Add(-12 * day), Outcome: parley.OutcomeResolved, Cited: true})
	r := BuildFixes([]parley.FixedTopic{topic}, asks, parley.Workspace{}, FixRequest{}, now).Rows[0]
	if got := fmt.Sprint(r.After.Conversations, r.After.Cited, r.After.Decided, r.After.Resolved); got != "2 1 2 1" {
		t.Errorf("after: conversations, cited, decided, resolved = %s, want 2 1 2 1", got)
	}
}
