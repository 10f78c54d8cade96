package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/clocktest"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestFixEffect resolves a topic, lets its question come back once and be
// answered with the short answer three times, and checks the Fixes view
// against counts made by hand: what the store reads (questions by topic,
// dismissed ones aside; conversations citing the answer, test ones aside;
// their outcomes) on both databases, and the windows either side.
func TestFixEffect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	fixAt := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ws, err := db.EnsureWorkspace(ctx, "default", fixAt.AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(fixAt)
	w := pipeline.New(db, pipeline.Options{Now: clk.Now})
	const question = "How do I export my invoices to CSV?"
	var lines []map[string]any
	conv := func(id string, at time.Time, test bool, body func(ev func(typ string, more map[string]any))) {
		n := 0
		ev := func(typ string, more map[string]any) {
			n++
			e := map[string]any{"id": fmt.Sprintf("%s-%02d", id, n), "type": typ, "conversation_id": id,
				"occurred_at": at.Add(time.Duration(n) * time.Minute).Format(time.RFC3339)}
			for k, v := range more {
				e[k] = v
			}
			lines = append(lines, e)
		}
		started := map[string]any{"channel": "chat"}
		if test {
			started["test"] = true
		}
		ev("conversation.started", started)
		ev("assigned", map[string]any{"assignee": "customer_agent"})
		ev("message", map[string]any{"author": "visitor", "text": question})
		body(ev)
		ev("conversation.closed", nil)
	}
	unanswered := func(handoff bool) func(ev func(string, map[string]any)) {
		return func(ev func(string, map[string]any)) {
			ev("message", map[string]any{"author": "customer_agent", "text": "Sorry, I don't know.", "unanswered": true, "question": question})
			if handoff {
				ev("handoff", map[string]any{"initiator": "customer_agent", "reason": "cannot_answer"})
			}
		}
	}
	send := func() {
		t.Helper()
		var buf bytes.Buffer
		for _, e := range lines {
			b, _ := json.Marshal(e)
			buf.Write(append(b, '\n'))
		}
		lines = nil
		b, err := ingest.Decode(&buf, ingest.FormatNDJSON, clk.Now(), ingest.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		insert(t, db, ws, b.Items)
		pass(t, w)
	}

	day := 24 * time.Hour
	// Before: one question 20 days before the fix (outside the window of
	// 10 days), two handed off and three unresolved within it.
	conv("b0", fixAt.Add(-20*day), false, unanswered(true))
	conv("b1", fixAt.Add(-9*day), false, unanswered(true))
	conv("b2", fixAt.Add(-8*day), false, unanswered(true))
	conv("b3", fixAt.Add(-6*day), false, unanswered(false))
	conv("b4", fixAt.Add(-3*day), false, unanswered(false))
	conv("b5", fixAt.Add(-1*day), false, unanswered(false))
	send()
	topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{AnyState: true})
	if err != nil || len(topics) != 1 || topics[0].Questions != 6 {
		t.Fatalf("topics %+v, %v: want one topic of 6 questions", topics, err)
	}
	topic := topics[0].ID
	sa, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: topic,
		Question: question, Answer: "Invoices › Export › CSV."}, "test", fixAt)
	if err != nil {
		t.Fatal(err)
	}

	// After: the question comes back once (handed off), and three
	// conversations are answered with the short answer; a test
	// conversation citing it and a question dismissed do not count.
	cite := func(ev func(string, map[string]any)) {
		ev("message", map[string]any{"author": "customer_agent", "text": "Invoices › Export › CSV.",
			"sources": []map[string]any{{"id": sa.SourceID(), "title": "Export invoices"}}})
	}
	conv("a1", fixAt.Add(2*day), false, unanswered(true))
	conv("a2", fixAt.Add(3*day), false, cite)
	conv("a3", fixAt.Add(4*day), false, cite)
	conv("a4", fixAt.Add(5*day), false, cite)
	conv("a5", fixAt.Add(6*day), true, cite)
	conv("a6", fixAt.Add(7*day), false, unanswered(false))
	clk.Set(fixAt.Add(10 * day))
	send()
	qs, err := db.TopicQuestions(ctx, ws.ID, topic, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.ConversationID == "a6" {
			if _, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: topic,
				Questions: []string{q.EventID}}, "test", clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}

	f, err := report.FixesView(ctx, db, ws, report.FixRequest{}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 {
		t.Fatalf("%d fixes, want 1", len(f.Rows))
	}
	r := f.Rows[0]
	rate := func(v *float64) string {
		if v == nil {
			return "null"
		}
		return fmt.Sprintf("%.2f", *v)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"topic", r.TopicID, topic},
		{"short answer", r.ShortAnswerID, sa.ID},
		{"fixed at", r.FixedAt.UTC(), fixAt},
		{"window", r.Window, 10.0},
		{"questions before", r.Before.Questions, 5},
		{"per week before", fmt.Sprintf("%.2f", r.Before.PerWeek), "3.50"},
		{"conversations before", r.Before.Conversations, 5},
		{"decided before", r.Before.Decided, 5},
		{"resolution before", rate(r.Before.ResolutionRate), "0.00"},
		{"questions after", r.After.Questions, 1},
		{"per week after", fmt.Sprintf("%.2f", r.After.PerWeek), "0.70"},
		{"conversations after", r.After.Conversations, 4},
		{"cited after", r.After.Cited, 3},
		{"decided after", r.After.Decided, 4},
		{"resolution after", rate(r.After.ResolutionRate), "0.75"},
		{"change", rate(r.Change), "-0.80"},
		{"recurrences", r.Recurrences, 1},
		{"last recurrence", r.LastRecurrence.UTC(), fixAt.Add(2*day + 4*time.Minute)},
		{"verdict", r.Verdict, report.FixWorked},
		{"weeks", len(r.Weeks), 4},
		{"questions by week", fmt.Sprint(r.Weeks[0].Questions, r.Weeks[1].Questions, r.Weeks[2].Questions, r.Weeks[3].Questions), "2 3 1 0"},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got, err := db.Topic(ctx, ws.ID, topic); err != nil || got.Recurrences != 2 {
		t.Errorf("topic's recurrences %d (%v), want 2: the one counted and the one dismissed", got.Recurrences, err)
	}
	one, err := report.FixesView(ctx, db, ws, report.FixRequest{Topic: topic}, clk.Now())
	if err != nil || len(one.Rows) != 1 || one.Rows[0].Recurrences != 1 {
		t.Errorf("the topic's own fix: %+v, %v", one, err)
	}
	if none, err := report.FixesView(ctx, db, ws, report.FixRequest{Topic: topic + 1}, clk.Now()); err != nil || len(none.Rows) != 0 {
		t.Errorf("another topic's fix: %+v, %v", none, err)
	}
}

// BenchmarkFixesView builds the Fixes view of a workspace whose four
// largest topics were resolved half-way through 12 weeks, beside the
// Performance report of the same weeks in the same run, at 2,500 and
// 20,000 conversations (8×): the view reads the questions of the fixed
// topics and the conversations that cited their answers, which grow with
// the conversations, by index.
func BenchmarkFixesView(b *testing.B) {
	for _, n := range []int{2500, 20000} {
		ctx := context.Background()
		db, ws := evaluated(b, n, 84)
		topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{})
		if err != nil || len(topics) < 4 {
			b.Fatalf("%d topics, %v", len(topics), err)
		}
		for _, t := range topics[:4] {
			if _, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: t.ID,
				Question: t.Title(), Answer: "Like this."}, "bench", end.AddDate(0, 0, -42)); err != nil {
				b.Fatal(err)
			}
		}
		from, to := end.AddDate(0, 0, -83).Format(parley.DayLayout), end.Format(parley.DayLayout)
		b.Run(fmt.Sprintf("fixes/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := report.FixesView(ctx, db, ws, report.FixRequest{}, settled); err != nil {
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
