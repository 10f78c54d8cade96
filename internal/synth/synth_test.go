package synth_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/synth"
)

var end = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func generate(t *testing.T, opt synth.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	st, err := synth.Generate(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversations != opt.Conversations || st.Events != bytes.Count(buf.Bytes(), []byte("\n")) {
		t.Errorf("stats %+v do not match the output", st)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	opt := synth.Options{Conversations: 200, Days: 14, End: end, Seed: 5}
	a, b := generate(t, opt), generate(t, opt)
	if !bytes.Equal(a, b) {
		t.Error("the same options gave different bytes")
	}
	opt.Seed = 6
	if bytes.Equal(a, generate(t, opt)) {
		t.Error("different seeds gave the same bytes")
	}
}

// TestStreamIsValidAndRealistic decodes a stream with the real validator and
// checks the shape of the sample desk: valid events, times inside the
// period, per-conversation time order, unique ids, and plausible shares.
func TestStreamIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	const n = 3000
	opt := synth.Options{Conversations: n, Days: 28, End: end, Seed: 1}
	batch := decodeBatch(t, generate(t, opt))
	if batch.Duplicates != 0 {
		t.Errorf("%d duplicate ids", batch.Duplicates)
	}

	type facts struct {
		agent, handoff, feedback, unanswered, test, human, rep bool
		last                                                   time.Time
		replies                                                map[string]bool
	}
	convs := map[string]*facts{}
	var order []string
	langZh := 0
	periodStart := end.Add(-28 * 24 * time.Hour)
	for _, it := range batch.Items {
		e := it.Event
		f := convs[e.ConversationID]
		if f == nil {
			f = &facts{replies: map[string]bool{}}
			convs[e.ConversationID] = f
			order = append(order, e.ConversationID)
			if e.Type != parley.EventConversationStarted {
				t.Fatalf("conversation %s starts with %s", e.ConversationID, e.Type)
			}
		}
		if e.OccurredAt.Before(periodStart) || e.OccurredAt.After(end) {
			t.Errorf("event %s at %v outside [%v, %v]", e.ID, e.OccurredAt, periodStart, end)
		}
		if e.OccurredAt.Before(f.last) {
			t.Errorf("event %s is out of time order", e.ID)
		}
		f.last = e.OccurredAt
		switch {
		case e.Type == parley.EventConversationStarted:
			f.test = e.Test
		case e.IsAgentReply():
			f.agent = true
			f.replies[e.ID] = true
			f.unanswered = f.unanswered || e.Unanswered
		case e.Type == parley.EventHandoff:
			f.handoff = true
		case e.Type == parley.EventFeedback:
			f.feedback = true
			if !f.replies[e.MessageID] {
				t.Errorf("feedback %s names %s, not an earlier agent reply of its conversation", e.ID, e.MessageID)
			}
		case e.Type == parley.EventHumanRequested:
			f.human = true
		case e.Type == parley.EventMessage && e.Author == parley.AuthorRep:
			f.rep = true
		case e.Type == parley.EventMessage && e.Author == parley.AuthorVisitor && strings.ContainsFunc(e.Text, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }):
			langZh++
		}
	}
	if len(convs) != n {
		t.Fatalf("%d conversations, want %d", len(convs), n)
	}
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			t.Fatalf("conversations out of start order: %s after %s", order[i], order[i-1])
		}
	}
	share := func(pred func(*facts) bool) float64 {
		k := 0
		for _, f := range convs {
			if pred(f) {
				k++
			}
		}
		return float64(k) / n
	}
	checks := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"not handled by the agent", share(func(f *facts) bool { return !f.agent }), 0.07, 0.13},
		{"with a handoff or a rep", share(func(f *facts) bool { return f.agent && (f.handoff || f.rep) }), 0.18, 0.32},
		{"with feedback", share(func(f *facts) bool { return f.feedback }), 0.15, 0.35},
		{"with an unanswered question", share(func(f *facts) bool { return f.unanswered }), 0.09, 0.16},
		{"test traffic", share(func(f *facts) bool { return f.test }), 0.002, 0.025},
		{"asking for a human", share(func(f *facts) bool { return f.human }), 0.05, 0.2},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("share %s = %.3f, want in [%.2f, %.2f]", c.name, c.got, c.lo, c.hi)
		}
	}
	if langZh == 0 {
		t.Error("no Chinese visitor messages")
	}
}

func TestBankHasBothScripts(t *testing.T) {
	t.Parallel()
	for _, in := range synth.GapIntents {
		if len(in.EN) < 4 || len(in.ZhTW) < 2 || len(in.ZhCN) < 1 {
			t.Errorf("intent %s has too few phrasings: %d en, %d zh-TW, %d zh-CN", in.Name, len(in.EN), len(in.ZhTW), len(in.ZhCN))
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	opt := synth.Options{Conversations: b.N, Days: 84, End: end, Seed: 1}
	var buf countingWriter
	b.ResetTimer()
	st, err := synth.Generate(&buf, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conversations/s")
	b.ReportMetric(float64(st.Events)/b.Elapsed().Seconds(), "events/s")
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// TestFixes checks that a fix answers its intent's questions in the
// conversations started after it, citing it, and changes nothing else. It
// compares the generators' conversations as Generate writes them, and
// decodes the stream with the fix with the real validator, which must find
// it valid.
func TestFixes(t *testing.T) {
	t.Parallel()
	opt := synth.Options{Conversations: 3000, Days: 28, End: end, Seed: 3}
	from := end.Add(-14 * 24 * time.Hour)
	in := synth.GapIntents[0]
	fixed := opt
	fixed.Fixes = []synth.Fix{{Intent: in.Name, From: from, Share: 100, SourceID: "short-answer:1", Answer: "Here is how."}}
	decodeBatch(t, generate(t, fixed))
	plain, withFix := synth.New(opt), synth.New(fixed)
	asks := map[string]bool{}
	for _, q := range slices.Concat(in.EN, in.ZhTW, in.ZhCN) {
		asks[q] = true
	}
	changed, cited := 0, 0
	for i := range opt.Conversations {
		evs := withFix.Conversation(i, nil)
		id := evs[0].ConversationID
		after := !evs[0].OccurredAt.Before(from)
		asked := slices.ContainsFunc(evs, func(e parley.Event) bool { return e.Author == parley.AuthorVisitor && asks[e.Text] })
		if !reflect.DeepEqual(evs, plain.Conversation(i, nil)) {
			changed++
			if !after || !asked {
				t.Errorf("%s changed, started %v, asking %v", id, evs[0].OccurredAt, asked)
			}
		}
		for _, e := range evs {
			if slices.ContainsFunc(e.Sources, func(s parley.Source) bool { return s.ID == "short-answer:1" }) {
				cited++
			}
			if after && asked && e.Unanswered {
				t.Errorf("%s asked after the fix and went unanswered", id)
			}
		}
	}
	t.Logf("%d conversations changed, %d cite the fix", changed, cited)
	if cited == 0 || cited != changed {
		t.Errorf("%d conversations changed, %d cite the fix", changed, cited)
	}
}

// decodeBatch reads a generated stream with the real validator, which
// must find it valid.
func decodeBatch(t *testing.T, data []byte) ingest.Batch {
	t.Helper()
	lim := ingest.DefaultLimits()
	lim.MaxEvents, lim.MaxBytes = 1<<30, 1<<40
	batch, err := ingest.Decode(bytes.NewReader(data), ingest.FormatNDJSON, end, lim)
	if err != nil {
		ps := parley.ProblemsOf(err)
		t.Fatalf("stream is not valid: %v %v", err, ps[:min(len(ps), 5)])
	}
	return batch
}
