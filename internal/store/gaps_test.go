package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
)

// asker adds gap questions the way evaluation finds them: each question is
// an unanswered reply in a conversation of its own.
type asker struct {
	t  *testing.T
	db *store.DB
	ws parley.Workspace
	n  int
}

// newAsker returns an asker of a new database's workspace acme.
func newAsker(t *testing.T) (*asker, *store.DB, parley.Workspace) {
	t.Helper()
	db, ws := acme(t)
	return &asker{t: t, db: db, ws: ws}, db, ws
}

// ask stores questions as gap signals at t0+offset and returns their event IDs.
func (a *asker) ask(offset time.Duration, questions ...string) []string {
	a.t.Helper()
	var events []parley.Event
	var outcomes []parley.Outcome
	var ids []string
	for _, q := range questions {
		a.n++
		conv, id := fmt.Sprintf("c%d", a.n), fmt.Sprintf("gap%d", a.n)
		at := t0.Add(offset + time.Duration(a.n)*time.Second)
		events = append(events, msg(fmt.Sprintf("m%d", a.n), conv, at.Sub(t0), q))
		outcomes = append(outcomes, parley.Outcome{ConversationID: conv, Channel: "chat", StartedAt: at,
			Kind: parley.OutcomeUnresolved, DefinitionVersion: 1,
			GapSignals: []parley.GapSignal{{EventID: id, Kind: parley.GapUnanswered, At: at, Question: q}}})
		ids = append(ids, id)
	}
	insert(a.t, a.db, a.ws, events...)
	save(a.t, a.db, a.ws, t0.Add(offset+time.Hour), outcomes...)
	return ids
}

// group groups every pending question as the pipeline decides.
func (a *asker) group() int {
	a.t.Helper()
	n, err := a.db.GroupPending(context.Background(), a.ws.ID, 1000, t0.Add(48*time.Hour), func(g store.Grouping) (store.Placement, error) {
		return pipeline.Place(g, nil), nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

// topicOf returns the topic of a question.
func topicOf(t *testing.T, db *store.DB, ws parley.Workspace, state parley.GapState, eventID string) parley.TopicSummary {
	t.Helper()
	topics, err := db.Topics(context.Background(), ws.ID, store.TopicFilter{State: state})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range topics {
		qs, err := db.TopicQuestions(context.Background(), ws.ID, s.ID, state)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(qs, func(q parley.GapQuestion) bool { return q.EventID == eventID }) {
			return s
		}
	}
	t.Fatalf("question %s is in no %s topic", eventID, state)
	return parley.TopicSummary{}
}

func questionStates(t *testing.T, db *store.DB, ws parley.Workspace, topicID int64) map[string]parley.GapState {
	t.Helper()
	qs, err := db.TopicQuestions(context.Background(), ws.ID, topicID, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]parley.GapState{}
	for _, q := range qs {
		out[q.EventID] = q.State
	}
	return out
}

var (
	passwordQuestions = []string{"how do I reset my password", "I forgot my password, how can I reset it", "password reset link does not work"}
	refundQuestions   = []string{"when will my refund arrive", "refund still not arrived after a week", "where is my refund"}
)

func TestGapWorkflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, ws := newAsker(t)
	now := t0.Add(72 * time.Hour)

	pw := a.ask(0, passwordQuestions...)
	rf := a.ask(0, refundQuestions...)
	zh := a.ask(0, "退貨要多久才會退款", "退货要多久才会退款", "請問退貨多久退款")
	if n := a.group(); n != 9 {
		t.Fatalf("grouped %d questions, want 9", n)
	}
	if n := a.group(); n != 0 {
		t.Fatalf("grouped %d questions again", n)
	}
	open, err := db.Topics(ctx, ws.ID, store.TopicFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 3 {
		t.Fatalf("got %d topics, want 3: %+v", len(open), open)
	}
	for _, ids := range [][]string{pw, rf, zh} {
		want := topicOf(t, db, ws, parley.GapOpen, ids[0])
		for _, id := range ids[1:] {
			if got := topicOf(t, db, ws, parley.GapOpen, id); got.ID != want.ID {
				t.Errorf("question %s in topic %d, want %d (%s)", id, got.ID, want.ID, want.Label)
			}
		}
		if want.Questions != 3 || want.Conversations != 3 {
			t.Errorf("topic %q counts %d questions in %d conversations, want 3 in 3", want.Label, want.Questions, want.Conversations)
		}
	}
	password, refund, chinese := topicOf(t, db, ws, parley.GapOpen, pw[0]), topicOf(t, db, ws, parley.GapOpen, rf[0]), topicOf(t, db, ws, parley.GapOpen, zh[0])

	t.Run("dismissed topic stays dismissed", func(t *testing.T) {
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActDismiss, Topic: password.ID}, now); err != nil {
			t.Fatal(err)
		}
		later := a.ask(24*time.Hour, "how can I reset my password")
		a.group()
		got := topicOf(t, db, ws, parley.GapDismissed, later[0])
		if got.ID != password.ID || got.Questions != 4 {
			t.Errorf("later question in %+v, want dismissed topic %d with 4 questions", got, password.ID)
		}
		topics, _ := db.Topics(ctx, ws.ID, store.TopicFilter{})
		if slices.ContainsFunc(topics, func(s parley.TopicSummary) bool { return s.ID == password.ID }) {
			t.Error("dismissed topic is still in the open table")
		}
	})

	t.Run("resolved topic reopens with a recurrence", func(t *testing.T) {
		sa, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: refund.ID, Question: "When will my refund arrive?", Answer: "Within 5 working days."}, "test", now)
		if err != nil {
			t.Fatal(err)
		}
		if sa.ID == 0 || sa.TopicID != refund.ID {
			t.Errorf("short answer %+v", sa)
		}
		tp, _ := db.Topic(ctx, ws.ID, refund.ID)
		if tp.State != parley.GapResolved || tp.ShortAnswerID != sa.ID || tp.ResolvedAt == nil {
			t.Errorf("resolved topic %+v", tp)
		}
		for id, st := range questionStates(t, db, ws, refund.ID) {
			if st != parley.GapResolved {
				t.Errorf("question %s is %s after resolving", id, st)
			}
		}
		later := a.ask(48*time.Hour, "my refund has not arrived yet")
		a.group()
		got := topicOf(t, db, ws, parley.GapOpen, later[0])
		tp, _ = db.Topic(ctx, ws.ID, refund.ID)
		if got.ID != refund.ID || got.Questions != 1 || tp.State != parley.GapOpen || tp.Recurrences != 1 || tp.ShortAnswerID != sa.ID {
			t.Errorf("after a recurrence: summary %+v, topic %+v", got, tp)
		}
		qs, _ := db.TopicQuestions(ctx, ws.ID, refund.ID, parley.GapOpen)
		if len(qs) != 1 || !qs[0].Recurrence {
			t.Errorf("recurring question %+v", qs)
		}
	})

	t.Run("restore", func(t *testing.T) {
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActRestore, Topic: password.ID}, now); err != nil {
			t.Fatal(err)
		}
		if got := topicOf(t, db, ws, parley.GapOpen, pw[0]); got.Questions != 4 || got.State != parley.GapOpen {
			t.Errorf("restored topic %+v", got)
		}
	})

	t.Run("dismiss and restore questions", func(t *testing.T) {
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: password.ID, Questions: pw[:2]}, now); err != nil {
			t.Fatal(err)
		}
		if got := topicOf(t, db, ws, parley.GapOpen, pw[2]); got.Questions != 2 {
			t.Errorf("open questions after dismissing two: %d, want 2", got.Questions)
		}
		if got := topicOf(t, db, ws, parley.GapDismissed, pw[0]); got.Questions != 2 {
			t.Errorf("dismissed view counts %d, want 2", got.Questions)
		}
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActRestoreQuestions, Topic: password.ID, Questions: pw[:1]}, now); err != nil {
			t.Fatal(err)
		}
		if got := topicOf(t, db, ws, parley.GapOpen, pw[0]); got.Questions != 3 {
			t.Errorf("open questions after restoring one: %d, want 3", got.Questions)
		}
		err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: password.ID, Questions: []string{"nope"}}, now)
		if parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("dismissing an unknown question: %v", err)
		}
	})

	t.Run("rename", func(t *testing.T) {
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActRename, Topic: chinese.ID, Name: "退款時間"}, now); err != nil {
			t.Fatal(err)
		}
		tp, _ := db.Topic(ctx, ws.ID, chinese.ID)
		if tp.Title() != "退款時間" || tp.Label == "" {
			t.Errorf("renamed topic %+v", tp)
		}
		err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActRename, Topic: chinese.ID, Name: strings.Repeat("長", parley.MaxTopicName+1)}, now)
		if parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("too long a name: %v", err)
		}
	})

	t.Run("move a question", func(t *testing.T) {
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: password.ID, Questions: pw[2:3], To: chinese.ID}, now); err != nil {
			t.Fatal(err)
		}
		if got := topicOf(t, db, ws, parley.GapOpen, pw[2]); got.ID != chinese.ID || got.Questions != 4 {
			t.Errorf("moved question is in %+v", got)
		}
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: chinese.ID, Questions: pw[2:3], To: 9999}, now); parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("move to an unknown topic: %v", err)
		}
	})

	t.Run("merge", func(t *testing.T) {
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActMerge, Topic: refund.ID, From: []int64{chinese.ID}}, now); err != nil {
			t.Fatal(err)
		}
		tp, err := db.Topic(ctx, ws.ID, chinese.ID)
		if err != nil || tp.ID != refund.ID {
			t.Errorf("merged topic leads to %+v, %v; want topic %d", tp, err, refund.ID)
		}
		if got := topicOf(t, db, ws, parley.GapOpen, zh[0]); got.ID != refund.ID || got.Questions != 5 {
			t.Errorf("after merge: %+v, want topic %d with 5 open questions", got, refund.ID)
		}
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActDismiss, Topic: chinese.ID}, now); parley.KindOf(err) != parley.KindConflict {
			t.Errorf("acting on a merged topic: %v", err)
		}
		if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActMerge, Topic: refund.ID, From: []int64{refund.ID}}, now); parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("merging a topic into itself: %v", err)
		}
		// A question like the merged topic's now joins the target.
		later := a.ask(60*time.Hour, "退貨多久才會退款")
		a.group()
		if got := topicOf(t, db, ws, parley.GapOpen, later[0]); got.ID != refund.ID {
			t.Errorf("question after merge joined %+v", got)
		}
	})

	t.Run("other workspace sees nothing", func(t *testing.T) {
		other, err := db.EnsureWorkspace(ctx, "other", t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Topic(ctx, other.ID, refund.ID); parley.KindOf(err) != parley.KindNotFound {
			t.Errorf("topic of another workspace: %v", err)
		}
		if err := act(db, other.ID, parley.TopicAction{Kind: parley.ActDismiss, Topic: refund.ID}, now); parley.KindOf(err) != parley.KindNotFound {
			t.Errorf("dismissing a topic of another workspace: %v", err)
		}
		topics, _ := db.Topics(ctx, other.ID, store.TopicFilter{})
		if len(topics) != 0 {
			t.Errorf("other workspace lists %d topics", len(topics))
		}
	})
}

// TestGroupPendingWritesDecision checks that the store writes what the
// grouping pass decided, as given, and nothing when the decision fails.
func TestGroupPendingWritesDecision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, ws := newAsker(t)
	ids := a.ask(0, "first", "second", "third", "alone")
	now := t0.Add(48 * time.Hour)

	boom := errors.New("boom")
	if _, err := db.GroupPending(ctx, ws.ID, 10, now, func(store.Grouping) (store.Placement, error) {
		return store.Placement{Topics: []store.TopicChange{{Label: "lost", Size: 1, Questions: ids[:1]}}}, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failed decision: %v", err)
	}
	var seen store.Grouping
	n, err := db.GroupPending(ctx, ws.ID, 10, now, func(g store.Grouping) (store.Placement, error) {
		seen = g
		return store.Placement{Topics: []store.TopicChange{
			{Label: "new", Size: 2, Terms: map[string]int{"wfirst": 1, "wsecond": 1}, Questions: ids[:2]},
			{Label: "dismissed at once", State: parley.GapDismissed, Size: 1, Questions: ids[2:3], QuestionState: parley.GapDismissed},
		}, Ungrouped: ids[3:]}, nil
	})
	if err != nil || n != 4 {
		t.Fatalf("grouped %d: %v", n, err)
	}
	var pending []string
	for _, p := range seen.Pending {
		pending = append(pending, p.EventID)
	}
	if diff := cmp.Diff(ids, pending); diff != "" || len(seen.Topics) != 0 {
		t.Errorf("decide saw pending (-want +got):\n%s and %d topics (the failed pass wrote one?)", diff, len(seen.Topics))
	}
	first := topicOf(t, db, ws, parley.GapOpen, ids[0])
	if first.Label != "new" || first.Questions != 2 {
		t.Errorf("new topic %+v", first)
	}
	if got := topicOf(t, db, ws, parley.GapDismissed, ids[2]); got.State != parley.GapDismissed {
		t.Errorf("dismissed topic %+v", got)
	}

	waiting, total, err := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{}, 10)
	if err != nil || total != 1 || len(waiting) != 1 || waiting[0].EventID != ids[3] || waiting[0].Question != "alone" {
		t.Errorf("ungrouped questions %+v (%d in all), %v; want the one left alone", waiting, total, err)
	}

	// A later pass sees the topics with their terms and the questions left
	// ungrouped, and a change to a topic replaces its size and terms, adds
	// recurrences and sets its state.
	later := a.ask(time.Hour, "fourth")
	_, err = db.GroupPending(ctx, ws.ID, 10, now, func(g store.Grouping) (store.Placement, error) {
		seen = g
		return store.Placement{Topics: []store.TopicChange{{ID: first.ID, State: parley.GapResolved, Recurrences: 2, Size: 3,
			Terms: map[string]int{"wfourth": 1}, Questions: append(later, ids[3]), QuestionState: parley.GapResolved, Recurrence: true}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.GroupingTopic{
		{ID: first.ID, State: parley.GapOpen, Size: 2, Terms: map[string]int{"wfirst": 1, "wsecond": 1}},
		{ID: topicOf(t, db, ws, parley.GapDismissed, ids[2]).ID, State: parley.GapDismissed, Size: 1, Terms: map[string]int{}},
	}
	if diff := cmp.Diff(want, seen.Topics); diff != "" {
		t.Errorf("topics given to decide (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]store.PendingQuestion{{EventID: ids[3], Question: "alone"}}, seen.Ungrouped); diff != "" || len(seen.Pending) != 1 {
		t.Errorf("ungrouped given to decide (-want +got):\n%s; pending %+v", diff, seen.Pending)
	}
	tp, err := db.Topic(ctx, ws.ID, first.ID)
	if err != nil || tp.State != parley.GapResolved || tp.Recurrences != 2 {
		t.Errorf("changed topic %+v, %v", tp, err)
	}
	qs, _ := db.TopicQuestions(ctx, ws.ID, first.ID, parley.GapResolved)
	if len(qs) != 2 || qs[0].EventID != later[0] || !qs[0].Recurrence {
		t.Errorf("questions put in the changed topic: %+v", qs)
	}
	if _, total, _ := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{}, 10); total != 0 {
		t.Errorf("%d questions still ungrouped after joining a topic", total)
	}
	if n, err := db.GroupPending(ctx, ws.ID, 10, now, func(store.Grouping) (store.Placement, error) {
		t.Error("decide called with nothing pending")
		return store.Placement{}, nil
	}); n != 0 || err != nil {
		t.Errorf("nothing pending: %d, %v", n, err)
	}
}

func TestTopicFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, ws := newAsker(t)
	a.ask(0, passwordQuestions...)                       // 2026-03-02
	later := a.ask(3*24*time.Hour, passwordQuestions...) // 2026-03-05
	a.group()
	if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: topicOf(t, db, ws, parley.GapOpen, later[0]).ID, Questions: later[:1]}, t0); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		f    store.TopicFilter
		want int
	}{
		{store.TopicFilter{}, 5},
		{store.TopicFilter{From: "2026-03-03"}, 2},
		{store.TopicFilter{To: "2026-03-02"}, 3},
		{store.TopicFilter{Channels: []string{"chat"}}, 5},
		{store.TopicFilter{Channels: []string{"email"}}, 0},
		{store.TopicFilter{State: parley.GapResolved}, 0},
		{store.TopicFilter{State: parley.GapDismissed}, 1},
		{store.TopicFilter{AnyState: true}, 6},
		{store.TopicFilter{AnyState: true, State: parley.GapResolved}, 6},
	} {
		topics, err := db.Topics(ctx, ws.ID, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, s := range topics {
			got += s.Questions
		}
		if got != tt.want {
			t.Errorf("%+v: %d questions, want %d", tt.f, got, tt.want)
		}
	}
}

func TestShortAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	_, err := db.CreateShortAnswer(ctx, ws.ID, parley.ShortAnswer{Question: " ", Answer: "x"}, t0)
	if p := problemFields(err); !cmp.Equal(p, []string{"question"}) {
		t.Errorf("blank question: %v (fields %v)", err, p)
	}
	a, err := db.CreateShortAnswer(ctx, ws.ID, parley.ShortAnswer{Question: "Opening hours?", Answer: "9 to 5."}, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateShortAnswer(ctx, ws.ID, parley.ShortAnswer{Question: "營業時間？", Answer: "早上九點到下午五點。"}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	a.Answer = "9 to 6."
	a, err = db.UpdateShortAnswer(ctx, ws.ID, a, t0.Add(2*time.Minute))
	if err != nil || a.Answer != "9 to 6." || !a.UpdatedAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("update: %+v, %v", a, err)
	}
	list, err := db.ShortAnswers(ctx, ws.ID, time.Time{})
	if err != nil || len(list) != 2 || list[0].ID != a.ID {
		t.Fatalf("list: %+v, %v (want the updated one first)", list, err)
	}
	if err := db.DeleteShortAnswer(ctx, ws.ID, b.ID, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteShortAnswer(ctx, ws.ID, b.ID, t0.Add(3*time.Minute)); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := db.ShortAnswer(ctx, ws.ID, b.ID); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("reading a deleted answer: %v", err)
	}
	changes, err := db.ShortAnswers(ctx, ws.ID, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%d deleted=%v %q", c.ID, c.Deleted, c.Answer))
	}
	want := []string{fmt.Sprintf("%d deleted=false %q", a.ID, "9 to 6."), fmt.Sprintf("%d deleted=true %q", b.ID, "")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes since (-want +got):\n%s", diff)
	}
	other := ensureWorkspace(t, db, "other")
	if _, err := db.ShortAnswer(ctx, other.ID, a.ID); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("another workspace's answer: %v", err)
	}
}

// problemFields lists the fields an invalid-input error names.
func problemFields(err error) []string {
	var e *parley.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, p := range e.Problems {
		out = append(out, p.Field)
	}
	return out
}

// TestUngroupedWaitsForItsMatch: a question like no other is in no topic,
// and listed as ungrouped, until a similar one arrives; then the two form
// a topic.
func TestUngroupedWaitsForItsMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, ws := newAsker(t)
	a.ask(0, passwordQuestions...)
	iceland := a.ask(0, "do you ship to Iceland")
	a.group()
	waiting, n, err := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{}, 10)
	if err != nil || n != 1 || waiting[0].EventID != iceland[0] {
		t.Fatalf("ungrouped %+v (%d), %v; want the Iceland question", waiting, n, err)
	}
	if _, n, _ := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{Channels: []string{"email"}}, 10); n != 0 {
		t.Errorf("the channel filter lets %d ungrouped chat questions through", n)
	}
	a.ask(time.Hour, "how do I reset my password again")
	a.group()
	if _, n, _ := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{}, 10); n != 1 {
		t.Errorf("an unrelated question took the waiting one along: %d ungrouped", n)
	}
	later := a.ask(2*time.Hour, "is shipping to Iceland possible?")
	a.group()
	got, want := topicOf(t, db, ws, parley.GapOpen, later[0]), topicOf(t, db, ws, parley.GapOpen, iceland[0])
	if got.ID != want.ID || got.Questions != 2 {
		t.Errorf("the match is in %+v, the waiting question in %+v; want one topic of 2", got, want)
	}
	if _, n, _ := db.UngroupedQuestions(ctx, ws.ID, store.TopicFilter{}, 10); n != 0 {
		t.Errorf("%d questions still ungrouped", n)
	}
}
