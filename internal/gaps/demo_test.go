package gaps_test

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/evaluate"
	"github.com/parleyhq/parley/internal/gaps"
	"github.com/parleyhq/parley/internal/synth"
)

// TestDemoTopicsOneNeedEach groups the gap questions of the sample data
// `parley demo` starts with — its conversations, evaluated by the rule the
// pipeline runs, in the order the pipeline reads them — and checks each
// topic against the need the sample desk's question bank asked it for: a
// topic that mixes needs is what a support lead sees first and trusts
// least. A topic reads as one need when that need is at least three in four
// of its questions (a stray question is moved in one click; a grab-bag is
// not one answer). It also checks that purity does not come from leaving
// questions apart: most of them are in topics of five questions or more.
func TestDemoTopicsOneNeedEach(t *testing.T) {
	const conversations, days = synth.DemoConversations, synth.DemoDays
	end := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	need := map[string]string{}
	for _, in := range synth.GapIntents {
		for _, q := range slices.Concat(in.EN, in.ZhTW, in.ZhCN) {
			need[q] = in.Name
		}
	}
	type asked struct {
		at       time.Time
		id, text string
	}
	var qs []asked
	g := synth.New(synth.Options{Conversations: conversations, Days: days, End: end, Seed: 1})
	var events []parley.Event
	for i := range conversations {
		events = g.Conversation(i, events[:0])
		for j := range events {
			events[j].Seq = int64(j + 1)
		}
		for _, s := range evaluate.Outcome(events, parley.DefaultSettings(), end).GapSignals {
			if s.Question != "" {
				qs = append(qs, asked{s.At, s.EventID, s.Question})
			}
		}
	}
	slices.SortFunc(qs, func(a, b asked) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id)) })
	texts := make([]string, len(qs))
	for i, q := range qs {
		if _, ok := need[q.text]; !ok {
			t.Fatalf("gap question %q is not in the question bank", q.text)
		}
		texts[i] = q.text
	}

	got := gaps.Group(texts)
	members := map[int][]string{}
	for i, topic := range got {
		members[topic] = append(members[topic], texts[i])
	}
	inBig, mixed := 0, 0
	for topic, ms := range members {
		if topic == gaps.Ungrouped {
			continue
		}
		if len(ms) >= 5 {
			inBig += len(ms)
		}
		byNeed := map[string]int{}
		for _, q := range ms {
			byNeed[need[q]]++
		}
		if len(byNeed) == 1 {
			continue
		}
		mixed++
		top := 0
		for _, n := range byNeed {
			top = max(top, n)
		}
		if 4*top < 3*len(ms) {
			t.Errorf("topic %d of %d questions mixes needs %v: %q", topic, len(ms), byNeed, ms)
		}
	}
	ungrouped := len(members[gaps.Ungrouped])
	delete(members, gaps.Ungrouped)
	t.Logf("%d gap questions: %d topics (%d with a question of another need), %d questions in topics of five or more, %d ungrouped",
		len(texts), len(members), mixed, inBig, ungrouped)
	if share := float64(inBig) / float64(len(texts)); share < 0.8 {
		t.Errorf("only %.0f%% of the questions are in topics of five or more", 100*share)
	}
}
