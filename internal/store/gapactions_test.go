package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// act applies an editor's action as the tests' editor.
func act(db *store.DB, workspaceID int64, a parley.TopicAction, now time.Time) error {
	_, err := db.ApplyTopicAction(context.Background(), workspaceID, a, "editor@example.com", now)
	return err
}

// An action is applied whole with its audit row, or not at all: a refused
// action, however far it got, leaves every question, topic and the audit
// log as they were.
func TestTopicActionIsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, ws := newAsker(t)
	pw := a.ask(0, passwordQuestions...)
	rf := a.ask(0, refundQuestions...)
	a.group()
	password, refund := topicOf(t, db, ws, parley.GapOpen, pw[0]), topicOf(t, db, ws, parley.GapOpen, rf[0])
	now := t0.Add(72 * time.Hour)

	type state struct {
		Password, Refund map[string]parley.GapState
		Topics           []parley.TopicSummary
		Audit            []parley.AuditEntry
	}
	snapshot := func() state {
		topics, err := db.Topics(ctx, ws.ID, store.TopicFilter{AnyState: true})
		if err != nil {
			t.Fatal(err)
		}
		audit, err := db.AuditLog(ctx, ws.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		return state{questionStates(t, db, ws, password.ID), questionStates(t, db, ws, refund.ID), topics, audit}
	}
	// A resolved question, for the dismissal below to trip over after it
	// changed the questions before it.
	if _, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: refund.ID,
		Question: "When will my refund arrive?", Answer: "Within 5 working days."}, "editor@example.com", now); err != nil {
		t.Fatal(err)
	}
	later := a.ask(time.Hour, "my refund has not arrived yet")
	a.group()
	before := snapshot()
	if len(before.Audit) != 1 || before.Audit[0].Action != "gap.resolve" || before.Audit[0].Actor != "editor@example.com" {
		t.Fatalf("audit after a resolve: %+v", before.Audit)
	}

	for _, tt := range []struct {
		name string
		a    parley.TopicAction
		kind parley.ErrorKind
	}{
		{"dismiss questions, the last resolved", parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: refund.ID, Questions: append(later, rf[0])}, parley.KindConflict},
		{"move questions, the last not in the topic", parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: password.ID, Questions: []string{pw[0], pw[1], rf[1]}, To: refund.ID}, parley.KindInvalid},
		{"move to a topic that is not there", parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: password.ID, Questions: pw, To: 9999}, parley.KindInvalid},
		{"merge a topic that is not there", parley.TopicAction{Kind: parley.ActMerge, Topic: password.ID, From: []int64{refund.ID, 9999}}, parley.KindInvalid},
		{"resolve without an answer", parley.TopicAction{Kind: parley.ActResolve, Topic: password.ID, Question: "How do I reset my password?"}, parley.KindInvalid},
		{"an action on a topic that is not there", parley.TopicAction{Kind: parley.ActDismiss, Topic: 9999}, parley.KindNotFound},
		{"an unknown action", parley.TopicAction{Kind: "archive", Topic: password.ID}, parley.KindNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := act(db, ws.ID, tt.a, now.Add(time.Hour))
			if parley.KindOf(err) != tt.kind {
				t.Errorf("%v, want %s", err, tt.kind)
			}
			if diff := cmp.Diff(before, snapshot()); diff != "" {
				t.Errorf("a refused action changed something (-before +after):\n%s", diff)
			}
		})
	}

	// Accepted, a move of several questions takes them all, and its one
	// audit row says so.
	if err := act(db, ws.ID, parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: password.ID, Questions: pw[:2], To: refund.ID}, now); err != nil {
		t.Fatal(err)
	}
	moved := questionStates(t, db, ws, refund.ID)
	if moved[pw[0]] != parley.GapOpen || moved[pw[1]] != parley.GapOpen {
		t.Errorf("moved questions: %v", moved)
	}
	audit, _ := db.AuditLog(ctx, ws.ID, 100)
	want := parley.AuditEntry{Actor: "editor@example.com", Action: "gap.move_questions", Subject: fmt.Sprintf("topic %d", password.ID),
		Detail: fmt.Sprintf("questions [%s %s] to topic %d", pw[0], pw[1], refund.ID), At: now,
		TopicID: password.ID, New: fmt.Sprint(refund.ID)}
	if len(audit) != 2 || !cmp.Equal(want, audit[0], cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "ID" }, cmp.Ignore())) {
		t.Errorf("audit after the move: %+v, want %+v first", audit, want)
	}
}

// A resolve covers the questions chosen (else every open one), and a topic
// resolved before keeps its one short answer, edited.
func TestResolveCoversChosenQuestionsAndKeepsOneAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, db, ws := newAsker(t)
	rf := a.ask(0, refundQuestions...)
	a.group()
	refund := topicOf(t, db, ws, parley.GapOpen, rf[0])
	now := t0.Add(72 * time.Hour)
	resolve := func(question string, qs ...string) parley.ShortAnswer {
		t.Helper()
		sa, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: refund.ID,
			Question: question, Answer: "Within 5 working days.", Questions: qs}, "editor@example.com", now)
		if err != nil {
			t.Fatal(err)
		}
		return sa
	}
	first := resolve("When will my refund arrive?", rf[0])
	want := map[string]parley.GapState{}
	for _, id := range rf {
		want[id] = parley.GapOpen
	}
	want[rf[0]] = parley.GapResolved
	if diff := cmp.Diff(want, questionStates(t, db, ws, refund.ID)); diff != "" {
		t.Errorf("resolving one question (-want +got):\n%s", diff)
	}
	// A question already resolved cannot be chosen again; one of another
	// topic is refused too, naming the field.
	_, err := db.ApplyTopicAction(ctx, ws.ID, parley.TopicAction{Kind: parley.ActResolve, Topic: refund.ID,
		Question: "q", Answer: "a", Questions: []string{rf[0]}}, "editor@example.com", now)
	if p := parley.ProblemsOf(err); len(p) != 1 || p[0].Field != "questions" {
		t.Errorf("resolving a resolved question: %v", err)
	}
	// Resolving again, with no choice, covers the rest and edits the same
	// short answer.
	second := resolve("How long does a refund take?")
	for _, id := range rf {
		want[id] = parley.GapResolved
	}
	if diff := cmp.Diff(want, questionStates(t, db, ws, refund.ID)); diff != "" {
		t.Errorf("resolving the rest (-want +got):\n%s", diff)
	}
	if second.ID != first.ID || second.Question != "How long does a refund take?" {
		t.Errorf("resolving again made short answer %+v, the first was %+v", second, first)
	}
	if all, _ := db.ShortAnswers(ctx, ws.ID, time.Time{}); len(all) != 1 {
		t.Errorf("%d short answers after resolving one topic twice, want 1", len(all))
	}
}
