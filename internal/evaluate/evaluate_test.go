package evaluate_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/evaluate"
)

var (
	t0       = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	settings = parley.DefaultSettings() // W = 72h
	w        = settings.Window
)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

const (
	m = time.Minute
	h = time.Hour
)

// Event builders; seq is set from the position in the test's list.
func started(id string, d time.Duration) parley.Event {
	return parley.Event{ID: id, Type: parley.EventConversationStarted, OccurredAt: at(d), Channel: "chat"}
}
func visitor(id string, d time.Duration, text string) parley.Event {
	return parley.Event{ID: id, Type: parley.EventMessage, OccurredAt: at(d), Author: parley.AuthorVisitor, Text: text}
}
func reply(id string, d time.Duration) parley.Event { // cites a source
	return parley.Event{ID: id, Type: parley.EventMessage, OccurredAt: at(d), Author: parley.AuthorCustomerAgent,
		Sources: []parley.Source{{ID: "kb"}}}
}
func bare(id string, d time.Duration) parley.Event { // cites nothing
	return parley.Event{ID: id, Type: parley.EventMessage, OccurredAt: at(d), Author: parley.AuthorCustomerAgent}
}
func action(id string, d time.Duration, status parley.ActionStatus) parley.Event {
	return parley.Event{ID: id, Type: parley.EventMessage, OccurredAt: at(d), Author: parley.AuthorCustomerAgent,
		Actions: []parley.Action{{Name: "refund", Status: status}}}
}
func rep(id string, d time.Duration) parley.Event {
	return parley.Event{ID: id, Type: parley.EventMessage, OccurredAt: at(d), Author: parley.AuthorRep}
}
func handoff(id string, d time.Duration, by parley.Initiator, reason string) parley.Event {
	return parley.Event{ID: id, Type: parley.EventHandoff, OccurredAt: at(d), Initiator: by, Reason: reason}
}
func asks(id string, d time.Duration) parley.Event {
	return parley.Event{ID: id, Type: parley.EventHumanRequested, OccurredAt: at(d)}
}
func rating(id string, d time.Duration, msg string, r parley.Rating) parley.Event {
	return parley.Event{ID: id, Type: parley.EventFeedback, OccurredAt: at(d), MessageID: msg, Rating: r}
}

func seq(events ...parley.Event) []parley.Event {
	for i := range events {
		events[i].Seq = int64(i + 1)
		events[i].ConversationID = "c1"
	}
	return events
}

// want is the part of an outcome a rule decides.
type want struct {
	kind       parley.OutcomeKind
	resolution parley.Resolution
	reasons    []parley.UnresolvedReason
	decided    time.Duration // offset of DecidedAt from t0; -1 for zero
	due        time.Duration // offset of DecisionDueAt; -1 for zero
	initiator  parley.Initiator
	reason     string
	reopened   bool
}

func got(o parley.Outcome) want {
	off := func(t time.Time) time.Duration {
		if t.IsZero() {
			return -1
		}
		return t.Sub(t0)
	}
	return want{o.Kind, o.Resolution, o.Reasons, off(o.DecidedAt), off(o.DecisionDueAt), o.HandoffInitiator, o.HandoffReason, o.Reopened}
}

// TestRule has a row for each sentence of SPEC §4. Expected values are
// written out by hand from the rule.
func TestRule(t *testing.T) {
	t.Parallel()
	late := at(w + 10*h) // a now well past every decision below
	tests := []struct {
		name   string
		events []parley.Event
		now    time.Time
		want   want
	}{
		{"no agent reply: not_handled", seq(started("s", 0), visitor("v", m, "hi"), rep("r", 2*m)), late,
			want{kind: parley.OutcomeNotHandled, decided: -1, due: -1}},
		{"no events at all: not_handled", nil, late, want{kind: parley.OutcomeNotHandled, decided: -1, due: -1}},
		{"one reply citing a source: resolved, assumed, decided at reply+W", seq(started("s", 0), reply("a", m)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: m + w, due: m + w}},
		{"before E: pending with the expected decision", seq(started("s", 0), reply("a", m)), at(m + w - time.Second),
			want{kind: parley.OutcomePending, decided: -1, due: m + w}},
		{"exactly at E: decided", seq(started("s", 0), reply("a", m)), at(m + w),
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: m + w, due: m + w}},
		{"replies inside the window extend it", seq(reply("a", 0), reply("b", 10*h), reply("c", 70*h)), late.Add(70 * h),
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: 70*h + w, due: 70*h + w}},
		{"a reply exactly W later is within the window", seq(reply("a", 0), reply("b", w)), late.Add(w),
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: 2 * w, due: 2 * w}},
		{"a reply more than W later starts after the decision", seq(reply("a", 0), bare("b", w+time.Second)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w}},
		{"only events up to E count: a human request after E is ignored", seq(reply("a", 0), asks("x", w+m)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w}},
		{"handoff decides at once, before E", seq(reply("a", 0), handoff("h", 5*m, parley.InitiatorCustomerAgent, "customer_request")), at(6 * m),
			want{kind: parley.OutcomeHandedOff, decided: 5 * m, due: w, initiator: parley.InitiatorCustomerAgent, reason: "customer_request"}},
		{"rule handoff", seq(reply("a", 0), handoff("h", 5*m, parley.InitiatorRule, "trigger_phrase")), late,
			want{kind: parley.OutcomeHandedOff, decided: 5 * m, due: w, initiator: parley.InitiatorRule, reason: "trigger_phrase"}},
		{"rep reassignment handoff", seq(reply("a", 0), handoff("h", 5*m, parley.InitiatorRep, "other")), late,
			want{kind: parley.OutcomeHandedOff, decided: 5 * m, due: w, initiator: parley.InitiatorRep, reason: "other"}},
		{"rep message without handoff: manual", seq(reply("a", 0), rep("r", 5*m)), late,
			want{kind: parley.OutcomeHandedOff, decided: 5 * m, due: w, initiator: parley.InitiatorRep, reason: parley.ReasonManual}},
		{"rep message after a handoff: the handoff decides", seq(reply("a", 0), handoff("h", 5*m, parley.InitiatorRule, "capacity_limit"), rep("r", 6*m)), late,
			want{kind: parley.OutcomeHandedOff, decided: 5 * m, due: w, initiator: parley.InitiatorRule, reason: "capacity_limit"}},
		{"handoff before the first reply", seq(started("s", 0), handoff("h", m, parley.InitiatorRule, "agent_paused"), reply("a", 2*m)), late,
			want{kind: parley.OutcomeHandedOff, decided: m, due: 2*m + w, initiator: parley.InitiatorRule, reason: "agent_paused"}},
		{"handoff after E does not count", seq(reply("a", 0), handoff("h", w+m, parley.InitiatorRule, "other")), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w}},
		{"handoff later than now does not count yet", seq(reply("a", 0), handoff("h", 2*h, parley.InitiatorRule, "other")), at(h),
			want{kind: parley.OutcomePending, decided: -1, due: w}},
		{"human request without transfer: unresolved", seq(reply("a", 0), asks("x", m)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonHumanRequested}, decided: w, due: w}},
		{"no source or action: unresolved", seq(bare("a", 0)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNoSourceOrAction}, decided: w, due: w}},
		{"a source in an earlier reply is enough", seq(reply("a", 0), bare("b", m)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: m + w, due: m + w}},
		{"succeeded action counts (status omitted)", seq(action("a", 0, "")), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w}},
		{"failed action only: unresolved", seq(action("a", 0, parley.ActionFailed)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNoSourceOrAction}, decided: w, due: w}},
		{"negative on the last reply: unresolved", seq(reply("a", 0), rating("f", m, "a", parley.RatingNegative)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNegativeFeedback}, decided: w, due: w}},
		{"negative on an earlier reply only: resolved", seq(reply("a", 0), rating("f", m, "a", parley.RatingNegative), reply("b", 2*m)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: 2*m + w, due: 2*m + w}},
		{"positive on the last reply: confirmed", seq(reply("a", 0), rating("f", m, "a", parley.RatingPositive)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionConfirmed, decided: w, due: w}},
		{"negative then positive: the latest counts, confirmed", seq(reply("a", 0), rating("f1", m, "a", parley.RatingNegative), rating("f2", 2*m, "a", parley.RatingPositive)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionConfirmed, decided: w, due: w}},
		{"positive then negative: unresolved", seq(reply("a", 0), rating("f1", m, "a", parley.RatingPositive), rating("f2", 2*m, "a", parley.RatingNegative)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNegativeFeedback}, decided: w, due: w}},
		{"a rating after E does not change the decision", seq(reply("a", 0), rating("f", w+m, "a", parley.RatingNegative)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w}},
		{"ratings at the same instant: the later arrival wins", seq(reply("a", 0), rating("f1", m, "a", parley.RatingPositive), rating("f2", m, "a", parley.RatingNegative)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNegativeFeedback}, decided: w, due: w}},
		{"feedback naming no reply is ignored", seq(reply("a", 0), rating("f", m, "zzz", parley.RatingNegative)), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w}},
		{"every criterion failing lists every reason", seq(bare("a", 0), asks("x", m), rating("f", 2*m, "a", parley.RatingNegative)), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNoSourceOrAction, parley.ReasonHumanRequested, parley.ReasonNegativeFeedback}, decided: w, due: w}},
		{"visitor message after a resolution: reopened", seq(reply("a", 0), visitor("v", w+h, "one more thing")), late,
			want{kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed, decided: w, due: w, reopened: true}},
		{"visitor message after an unresolved decision: not reopened", seq(bare("a", 0), visitor("v", w+h, "?")), late,
			want{kind: parley.OutcomeUnresolved, reasons: []parley.UnresolvedReason{parley.ReasonNoSourceOrAction}, decided: w, due: w}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := evaluate.Outcome(tt.events, settings, tt.now)
			if diff := cmp.Diff(tt.want, got(o), cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if o.DefinitionVersion != parley.DefinitionVersion {
				t.Errorf("definition version %d", o.DefinitionVersion)
			}
		})
	}
}

// TestDefinition has a row for each setting of the resolution definition
// (SPEC §2): criterion 1 any_agent_reply or cited_source_or_action, and
// failed_last_action. Each row gives the outcome and the explanation.
func TestDefinition(t *testing.T) {
	t.Parallel()
	late := at(w + 10*h)
	anyReply := settings
	anyReply.ResolutionCriterion = parley.CriterionAnyAgentReply
	failedLast := settings
	failedLast.FailedLastAction = true
	both := anyReply
	both.FailedLastAction = true
	actions := func(id string, d time.Duration, as ...parley.Action) parley.Event {
		e := bare(id, d)
		e.Actions = as
		return e
	}
	ok := func(name string) parley.Action { return parley.Action{Name: name} }
	failed := func(name string) parley.Action { return parley.Action{Name: name, Status: parley.ActionFailed} }
	type crit = parley.CriterionResult
	var (
		citedNone = crit{Criterion: parley.CriterionCitedSourceOrAction}
		noHuman   = crit{Criterion: parley.CriterionNoHumanRequest, Passed: true}
		notNeg    = crit{Criterion: parley.CriterionLastReplyNotNegative, Passed: true}
	)
	tests := []struct {
		name     string
		settings parley.Settings
		events   []parley.Event
		kind     parley.OutcomeKind
		reasons  []parley.UnresolvedReason
		explain  []parley.CriterionResult
	}{
		{"default: a reply citing nothing is unresolved", settings, seq(bare("a", 0)),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonNoSourceOrAction},
			[]crit{citedNone, noHuman, notNeg}},
		{"any_agent_reply: a reply citing nothing resolves", anyReply, seq(bare("a", 0), bare("b", m)),
			parley.OutcomeResolved, nil,
			[]crit{{Criterion: parley.CriterionAnyAgentReply, Passed: true, EventIDs: []string{"a", "b"}}, noHuman, notNeg}},
		{"any_agent_reply: a human request still fails", anyReply, seq(bare("a", 0), asks("x", m)),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonHumanRequested},
			[]crit{{Criterion: parley.CriterionAnyAgentReply, Passed: true, EventIDs: []string{"a"}},
				{Criterion: parley.CriterionNoHumanRequest, EventIDs: []string{"x"}}, notNeg}},
		{"any_agent_reply: a negative last rating still fails", anyReply, seq(bare("a", 0), rating("f", m, "a", parley.RatingNegative)),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonNegativeFeedback},
			[]crit{{Criterion: parley.CriterionAnyAgentReply, Passed: true, EventIDs: []string{"a"}}, noHuman,
				{Criterion: parley.CriterionLastReplyNotNegative, EventIDs: []string{"f"}}}},
		{"any_agent_reply: a rep reply is still a handoff", anyReply, seq(bare("a", 0), rep("r", m)),
			parley.OutcomeHandedOff, nil, nil},
		{"failed_last_action off: a source earlier, the last action failed: resolved", settings,
			seq(reply("a", 0), actions("b", m, failed("book"))),
			parley.OutcomeResolved, nil,
			[]crit{{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"a"}}, noHuman, notNeg}},
		{"failed_last_action: a source earlier, the last action failed: unresolved", failedLast,
			seq(reply("a", 0), actions("b", m, failed("book"))),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonLastActionFailed},
			[]crit{{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"a"}}, noHuman, notNeg,
				{Criterion: parley.CriterionLastActionNotFailed, EventIDs: []string{"b"}}}},
		{"failed_last_action: a failed action retried with success: resolved", failedLast,
			seq(actions("a", 0, failed("book")), bare("b", m), actions("c", 2*m, ok("book"))),
			parley.OutcomeResolved, nil,
			[]crit{{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"c"}}, noHuman, notNeg,
				{Criterion: parley.CriterionLastActionNotFailed, Passed: true, EventIDs: []string{"c"}}}},
		{"failed_last_action: the last of one reply's actions failed", failedLast,
			seq(actions("a", 0, ok("search"), failed("book"))),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonLastActionFailed},
			[]crit{{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"a"}}, noHuman, notNeg,
				{Criterion: parley.CriterionLastActionNotFailed, EventIDs: []string{"a"}}}},
		{"failed_last_action: no action at all passes", failedLast, seq(reply("a", 0)),
			parley.OutcomeResolved, nil,
			[]crit{{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"a"}}, noHuman, notNeg,
				{Criterion: parley.CriterionLastActionNotFailed, Passed: true}}},
		{"failed_last_action: an action after the decision does not count", failedLast,
			seq(actions("a", 0, ok("book")), actions("b", w+m, failed("book"))),
			parley.OutcomeResolved, nil,
			[]crit{{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"a"}}, noHuman, notNeg,
				{Criterion: parley.CriterionLastActionNotFailed, Passed: true, EventIDs: []string{"a"}}}},
		{"failed_last_action: only a failed action fails both", failedLast, seq(actions("a", 0, failed("refund"))),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonNoSourceOrAction, parley.ReasonLastActionFailed},
			[]crit{citedNone, noHuman, notNeg, {Criterion: parley.CriterionLastActionNotFailed, EventIDs: []string{"a"}}}},
		{"both settings: a failed action fails only the last-action criterion", both, seq(actions("a", 0, failed("refund"))),
			parley.OutcomeUnresolved, []parley.UnresolvedReason{parley.ReasonLastActionFailed},
			[]crit{{Criterion: parley.CriterionAnyAgentReply, Passed: true, EventIDs: []string{"a"}}, noHuman, notNeg,
				{Criterion: parley.CriterionLastActionNotFailed, EventIDs: []string{"a"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := evaluate.Outcome(tt.events, tt.settings, late)
			if o.Kind != tt.kind || !cmp.Equal(o.Reasons, tt.reasons) {
				t.Errorf("outcome %s %v, want %s %v", o.Kind, o.Reasons, tt.kind, tt.reasons)
			}
			if diff := cmp.Diff(tt.explain, o.Explanation); diff != "" {
				t.Errorf("explanation (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCSAT: the latest csat event of the conversation is its satisfaction,
// at any time, on any outcome.
func TestCSAT(t *testing.T) {
	t.Parallel()
	score := func(id string, d time.Duration, n int, comment string) parley.Event {
		return parley.Event{ID: id, Type: parley.EventCSAT, OccurredAt: at(d), Rating: parley.CSATRating(n), Comment: comment}
	}
	late := at(w + 100*h)
	for _, tt := range []struct {
		name   string
		events []parley.Event
		want   *parley.CSATFact
	}{
		{"none", seq(reply("a", 0)), nil},
		{"one", seq(reply("a", 0), score("s", h, 4, "ok")), &parley.CSATFact{EventID: "s", Rating: 4, Comment: "ok", At: at(h)}},
		{"a later one replaces an earlier one", seq(reply("a", 0), score("s2", 2*h, 2, ""), score("s1", h, 5, "great")),
			&parley.CSATFact{EventID: "s2", Rating: 2, At: at(2 * h)}},
		{"at the same instant, the later arrival", seq(reply("a", 0), score("s1", h, 5, ""), score("s2", h, 1, "")),
			&parley.CSATFact{EventID: "s2", Rating: 1, At: at(h)}},
		{"long after the decision", seq(reply("a", 0), score("s", w+50*h, 3, "")), &parley.CSATFact{EventID: "s", Rating: 3, At: at(w + 50*h)}},
		{"a conversation the agent never took part in", seq(visitor("v", 0, "hi"), rep("r", m), score("s", h, 5, "")),
			&parley.CSATFact{EventID: "s", Rating: 5, At: at(h)}},
		{"a handed-off one", seq(reply("a", 0), handoff("h", m, parley.InitiatorRule, "other"), score("s", h, 2, "")),
			&parley.CSATFact{EventID: "s", Rating: 2, At: at(h)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, evaluate.Outcome(tt.events, settings, late).CSAT); diff != "" {
				t.Errorf("csat (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCSATNeverChangesTheOutcome adds csat events, at random times and
// scores, to random conversations: everything but the CSAT stays.
func TestCSATNeverChangesTheOutcome(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		events := randomConversation(r)
		now := at(time.Duration(r.IntN(300)) * h)
		without := evaluate.Outcome(events, settings, now)
		// Surveys come after the conversation has begun (an earlier event
		// would be its start, by SPEC §3), at any time after.
		first := slices.MinFunc(events, func(a, b parley.Event) int { return a.OccurredAt.Compare(b.OccurredAt) }).OccurredAt
		for range 1 + r.IntN(3) {
			events = append(events, parley.Event{ID: fmt.Sprint("s", len(events)), Type: parley.EventCSAT, ConversationID: "c1",
				OccurredAt: first.Add(time.Duration(r.IntN(300)) * h), Rating: parley.CSATRating(1 + r.IntN(5)), Seq: int64(len(events) + 1)})
		}
		with := evaluate.Outcome(events, settings, now)
		if with.CSAT == nil {
			t.Fatalf("case %d: no csat", i)
		}
		with.CSAT = nil
		equalOrFatal(t, i, "csat changed the outcome", without, with, cmpopts.EquateEmpty())
	}
}

func TestLateEventReEvaluates(t *testing.T) {
	t.Parallel()
	events := seq(reply("a", 0), reply("c", 80*h))
	before := evaluate.Outcome(events, settings, at(200*h))
	if before.Kind != parley.OutcomeResolved || !before.DecidedAt.Equal(at(w)) {
		t.Fatalf("before the late event: %s at %v", before.Kind, before.DecidedAt)
	}
	// A reply that occurred at 40h arrives late: the window now runs on to c.
	withLate := append(events, reply("b", 40*h))
	withLate[2].Seq = 3
	after := evaluate.Outcome(withLate, settings, at(200*h))
	if !after.DecidedAt.Equal(at(80*h + w)) {
		t.Errorf("after the late event decided at %v, want %v", after.DecidedAt, at(80*h+w))
	}
	// A late handoff that occurred before the decision changes it too.
	withHandoff := append(seq(reply("a", 0)), handoff("h", h, parley.InitiatorRule, "other"))
	withHandoff[1].Seq = 99
	if o := evaluate.Outcome(withHandoff, settings, at(200*h)); o.Kind != parley.OutcomeHandedOff {
		t.Errorf("late handoff before E: %s, want handed_off", o.Kind)
	}
}

func TestTiesBrokenByArrival(t *testing.T) {
	t.Parallel()
	// A handoff and a rep message at the same instant: the first to arrive decides.
	a := seq(reply("a", 0), handoff("h", m, parley.InitiatorRule, "other"), rep("r", m))
	if o := evaluate.Outcome(a, settings, at(w+h)); o.HandoffEventID != "h" {
		t.Errorf("handoff arrived first, but %s decided", o.HandoffEventID)
	}
	b := seq(reply("a", 0), rep("r", m), handoff("h", m, parley.InitiatorRule, "other"))
	if o := evaluate.Outcome(b, settings, at(w+h)); o.HandoffEventID != "r" || o.HandoffReason != parley.ReasonManual {
		t.Errorf("rep message arrived first, but %s (%s) decided", o.HandoffEventID, o.HandoffReason)
	}
}

func TestDescriptionAndExplanation(t *testing.T) {
	t.Parallel()
	events := seq(
		parley.Event{ID: "x", Type: parley.EventMessage, OccurredAt: at(-m), Author: parley.AuthorVisitor, Channel: "email", Text: "early"},
		parley.Event{ID: "s", Type: parley.EventConversationStarted, OccurredAt: at(0), Channel: "chat", Test: true, TicketURL: "https://t/1", VisitorID: "v9"},
		parley.Event{ID: "as", Type: parley.EventAssigned, OccurredAt: at(m), Assignee: parley.AssigneeCustomerAgent},
		reply("a", 2*m), asks("q", 3*m), rating("f", 4*m, "a", parley.RatingPositive),
		parley.Event{ID: "c1", Type: parley.EventConversationClosed, OccurredAt: at(10 * m)},
		parley.Event{ID: "c2", Type: parley.EventConversationClosed, OccurredAt: at(30 * m)},
	)
	o := evaluate.Outcome(events, settings, at(w+h))
	if o.Channel != "email" || !o.StartedAt.Equal(at(0)) || !o.Test || o.TicketURL != "https://t/1" || o.VisitorID != "v9" {
		t.Errorf("description: channel %q started %v test %v ticket %q visitor %q", o.Channel, o.StartedAt, o.Test, o.TicketURL, o.VisitorID)
	}
	if o.TimeToClose != 29*m {
		t.Errorf("time to close %v, want 29m (assignment to the last close)", o.TimeToClose)
	}
	wantExpl := []parley.CriterionResult{
		{Criterion: parley.CriterionCitedSourceOrAction, Passed: true, EventIDs: []string{"a"}},
		{Criterion: parley.CriterionNoHumanRequest, Passed: false, EventIDs: []string{"q"}},
		{Criterion: parley.CriterionLastReplyNotNegative, Passed: true, EventIDs: []string{"f"}},
	}
	if diff := cmp.Diff(wantExpl, o.Explanation); diff != "" {
		t.Errorf("explanation (-want +got):\n%s", diff)
	}
	wantRatings := []parley.RatingFact{{MessageID: "a", EventID: "f", Rating: parley.RatingPositive, At: at(4 * m)}}
	if diff := cmp.Diff(wantRatings, o.Ratings); diff != "" {
		t.Errorf("ratings (-want +got):\n%s", diff)
	}
	// Without an assignment, time to close runs from the first reply.
	o = evaluate.Outcome(seq(reply("a", 5*m), parley.Event{ID: "c", Type: parley.EventConversationClosed, OccurredAt: at(20 * m)}), settings, at(w+h))
	if o.TimeToClose != 15*m {
		t.Errorf("time to close from first reply %v, want 15m", o.TimeToClose)
	}
}

func TestGapSignals(t *testing.T) {
	t.Parallel()
	events := seq(
		visitor("v1", 0, "Do you ship to Japan?"),
		unanswered("a1", m, ""),
		visitor("v2", 2*m, "And to Korea?"),
		unanswered("a2", 3*m, "Shipping to Korea"),
		handoff("h", 4*m, parley.InitiatorCustomerAgent, parley.ReasonCannotAnswer),
		handoff("h2", 5*m, parley.InitiatorRule, "other"),
	)
	o := evaluate.Outcome(events, settings, at(w+h))
	// The handoff is about the question a2 could not answer: one question.
	wantSignals := []parley.GapSignal{
		{EventID: "a1", Kind: parley.GapUnanswered, At: at(m), Question: "Do you ship to Japan?"},
		{EventID: "a2", Kind: parley.GapUnanswered, At: at(3 * m), Question: "Shipping to Korea"},
	}
	if diff := cmp.Diff(wantSignals, o.GapSignals); diff != "" {
		t.Errorf("gap signals (-want +got):\n%s", diff)
	}
	// No visitor message and no question: counted, with no text.
	o = evaluate.Outcome(seq(unanswered("a", 0, "")), settings, at(0))
	if len(o.GapSignals) != 1 || o.GapSignals[0].Question != "" {
		t.Errorf("signal without text: %+v", o.GapSignals)
	}
}

// unanswered is an agent reply that could not answer, with the question
// it names ("" for none).
func unanswered(id string, d time.Duration, question string) parley.Event {
	return parley.Event{ID: id, Type: parley.EventMessage, OccurredAt: at(d), Author: parley.AuthorCustomerAgent,
		Unanswered: true, Question: question}
}

// TestGapQuestions runs realistic conversations, in English and Chinese in
// both scripts, through the rule that finds their gap questions: one per
// question, and the question the visitor asked rather than what they said
// last.
func TestGapQuestions(t *testing.T) {
	t.Parallel()
	cannot := func(id string, d time.Duration, question string) parley.Event {
		e := handoff(id, d, parley.InitiatorCustomerAgent, parley.ReasonCannotAnswer)
		e.Question = question
		return e
	}
	for _, tt := range []struct {
		name   string
		events []parley.Event
		want   []string // "event: question"
	}{
		{"unanswered, then handed off for it", []parley.Event{
			visitor("v1", 0, "Can I pay with Klarna?"), unanswered("a1", m, ""),
			cannot("h", 2*m, ""),
		}, []string{"a1: Can I pay with Klarna?"}},
		{"the handoff names the question the reply did not", []parley.Event{
			visitor("v1", 0, "Can I pay with Klarna?"), unanswered("a1", m, ""),
			cannot("h", 2*m, "Paying with Klarna"),
		}, []string{"a1: Paying with Klarna"}},
		{"both name the same question", []parley.Event{
			visitor("v1", 0, "hi"), visitor("v2", 10*time.Second, "is gift wrapping available?"),
			unanswered("a1", m, "Is gift wrapping available?"), cannot("h", 2*m, "is gift wrapping available"),
		}, []string{"a1: Is gift wrapping available?"}},
		{"an acknowledgement after the question", []parley.Event{
			visitor("v1", 0, "Do you deliver to Hong Kong?"), visitor("v2", 20*time.Second, "thanks!"),
			unanswered("a1", m, ""),
		}, []string{"a1: Do you deliver to Hong Kong?"}},
		{"a follow-up after an answer", []parley.Event{
			visitor("v1", 0, "Where is my order 1234?"), reply("a1", m),
			visitor("v2", 2*m, "ok. anything else?"), visitor("v3", 3*m, "Can I change the delivery address?"),
			unanswered("a2", 4*m, ""), visitor("v4", 5*m, "Find something else"), cannot("h", 6*m, ""),
		}, []string{"a2: Can I change the delivery address?"}},
		{"two questions, two gaps", []parley.Event{
			visitor("v1", 0, "Do you sell gift cards?"), unanswered("a1", m, ""),
			visitor("v2", 2*m, "What about wholesale prices?"), unanswered("a2", 3*m, ""), cannot("h", 4*m, ""),
		}, []string{"a1: Do you sell gift cards?", "a2: What about wholesale prices?"}},
		{"one message, two named questions", []parley.Event{
			visitor("v1", 0, "Do you ship to Canada, and can I pay in CAD?"),
			unanswered("a1", m, "Shipping to Canada"), unanswered("a2", m+time.Second, "Paying in CAD"),
		}, []string{"a1: Shipping to Canada", "a2: Paying in CAD"}},
		{"the same question asked again later", []parley.Event{
			visitor("v1", 0, "Is there a student discount?"), unanswered("a1", m, ""),
			visitor("v2", 2*m, "is there a student discount"), unanswered("a2", 3*m, ""),
		}, []string{"a1: Is there a student discount?"}},
		{"only a greeting: counted, with no question to list", []parley.Event{
			visitor("v1", 0, "hello"), unanswered("a1", m, ""),
		}, []string{"a1: "}},
		{"Simplified: acknowledgement and follow-up skipped", []parley.Event{
			visitor("v1", 0, "你们可以开增值税发票吗？"), visitor("v2", 10*time.Second, "好的谢谢"),
			unanswered("a1", m, ""), visitor("v3", 2*m, "还有别的吗"), cannot("h", 3*m, ""),
		}, []string{"a1: 你们可以开增值税发票吗？"}},
		{"Traditional: follow-up skipped", []parley.Event{
			visitor("v1", 0, "請問可以寄到香港嗎？"), reply("a1", m), visitor("v2", 2*m, "還有嗎？"),
			unanswered("a2", 3*m, ""),
		}, []string{"a2: 請問可以寄到香港嗎？"}},
		{"Traditional handoff names the question in Simplified", []parley.Event{
			visitor("v1", 0, "退貨要多久才會退款"), unanswered("a1", m, "退貨要多久才會退款"),
			cannot("h", 2*m, "退货要多久才会退款"),
		}, []string{"a1: 退貨要多久才會退款"}},
		{"a follow-up with content of its own is a question", []parley.Event{
			visitor("v1", 0, "Do you ship to Japan?"), reply("a1", m),
			visitor("v2", 2*m, "anything else for Canada?"), unanswered("a2", 3*m, ""),
		}, []string{"a2: anything else for Canada?"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := evaluate.Outcome(seq(tt.events...), settings, at(w+h))
			var got []string
			for _, g := range o.GapSignals {
				got = append(got, g.EventID+": "+g.Question)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("gap questions (-want +got):\n%s", diff)
			}
		})
	}
}

// randomConversation draws a conversation from a small vocabulary of events
// so that random ones hit every branch of the rule.
func randomConversation(r *rand.Rand) []parley.Event {
	n := 1 + r.IntN(12)
	var events []parley.Event
	var replies []string
	for i := range n {
		id := fmt.Sprint("e", i)
		d := time.Duration(r.IntN(200)) * h / 2
		if r.IntN(4) == 0 {
			d = time.Duration(r.IntN(4)) * h // ties happen
		}
		var e parley.Event
		switch r.IntN(9) {
		case 0, 1, 2:
			e = reply(id, d)
			if r.IntN(3) == 0 {
				e = bare(id, d)
			}
			replies = append(replies, id)
		case 3:
			e = visitor(id, d, "q")
		case 4:
			e = asks(id, d)
		case 5:
			e = handoff(id, d, parley.InitiatorRule, "other")
		case 6:
			e = rep(id, d)
		default:
			target := "none"
			if len(replies) > 0 {
				target = replies[r.IntN(len(replies))]
			}
			e = rating(id, d, target, []parley.Rating{parley.RatingPositive, parley.RatingNegative}[r.IntN(2)])
		}
		events = append(events, e)
	}
	return seq(events...)
}

// TestProperties checks, on random conversations, that the outcome does not
// depend on input order, is the same when evaluated twice, leaves the input
// alone, is never pending once now ≥ E, and that a handoff decides no later
// than E. Under -short it tries a tenth as many. The conversations come
// from two random streams checked side by side.
func TestProperties(t *testing.T) {
	t.Parallel()
	n := 3000
	if testing.Short() {
		n = 300
	}
	for stream := range uint64(2) {
		t.Run(fmt.Sprint("stream ", stream), func(t *testing.T) {
			t.Parallel()
			checkProperties(t, rand.New(rand.NewPCG(1+2*stream, 2+2*stream)), n/2)
		})
	}
}

// checkProperties checks TestProperties' properties on n conversations
// drawn from r.
func checkProperties(t *testing.T, r *rand.Rand, n int) {
	for i := range n {
		events := randomConversation(r)
		now := at(time.Duration(r.IntN(300)) * h)
		orig := append([]parley.Event(nil), events...)
		a := evaluate.Outcome(events, settings, now)
		equalOrFatal(t, i, "input modified", orig, events)
		equalOrFatal(t, i, "two evaluations differ", a, evaluate.Outcome(events, settings, now))
		shuffled := append([]parley.Event(nil), events...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		equalOrFatal(t, i, "order changed the outcome", a, evaluate.Outcome(shuffled, settings, now), cmpopts.EquateEmpty())
		if !a.DecisionDueAt.IsZero() && !now.Before(a.DecisionDueAt) && a.Kind == parley.OutcomePending {
			t.Fatalf("case %d: pending at %v although E = %v", i, now, a.DecisionDueAt)
		}
		if a.Kind == parley.OutcomeHandedOff && (a.DecidedAt.After(a.DecisionDueAt) || a.DecidedAt.After(now)) {
			t.Fatalf("case %d: handed off at %v, after E %v or now %v", i, a.DecidedAt, a.DecisionDueAt, now)
		}
	}
}

// equalOrFatal stops the test when random case i's got differs from want
// under opts (cmp.Equal), saying what that means and showing the
// difference. Values that are deeply equal are equal under any options,
// and reflect.DeepEqual finds that many times faster than cmp.Equal, which
// was most of the time of the random cases; cmp answers the rest.
func equalOrFatal(t *testing.T, i int, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if !reflect.DeepEqual(want, got) && !cmp.Equal(want, got, opts...) {
		t.Fatalf("case %d: %s:\n%s", i, what, cmp.Diff(want, got, opts...))
	}
}

func BenchmarkOutcome(b *testing.B) {
	events := seq(started("s", 0), visitor("v", m, "hi"), reply("a", 2*m), visitor("v2", 3*m, "and?"),
		reply("b", 4*m), visitor("v3", 5*m, "thanks"), reply("c", 6*m), rating("f", 7*m, "c", parley.RatingPositive),
		parley.Event{ID: "as", Type: parley.EventAssigned, OccurredAt: at(0), Assignee: parley.AssigneeCustomerAgent},
		parley.Event{ID: "cl", Type: parley.EventConversationClosed, OccurredAt: at(20 * m)})
	now := at(w + h)
	b.ReportAllocs()
	for b.Loop() {
		evaluate.Outcome(events, settings, now)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conversations/s")
}

// TestNext checks when an outcome asks to be evaluated again.
func TestNext(t *testing.T) {
	t.Parallel()
	w := parley.DefaultWindow
	s := parley.DefaultSettings()
	tests := []struct {
		name   string
		events []parley.Event
		now    time.Duration
		want   time.Duration // offset from t0; -1 for never
	}{
		{"pending waits for its decision time", seq(reply("a", 0)), h, w},
		{"a handoff stamped ahead of now is due sooner", seq(reply("a", 0), handoff("x", 2*h, parley.InitiatorRule, "other")), h, 2 * h},
		{"decided: only new events matter", seq(reply("a", 0)), w + h, -1},
		{"handed off: final", seq(reply("a", 0), rep("r", m)), h, -1},
		{"not handled: final", seq(started("s", 0)), h, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := at(tt.now)
			next := evaluate.Next(evaluate.Outcome(tt.events, s, now), tt.events, now)
			got := time.Duration(-1)
			if !next.IsZero() {
				got = next.Sub(t0)
			}
			if got != tt.want {
				t.Errorf("next at %v, want %v", got, tt.want)
			}
		})
	}
}

// TestUses checks what a conversation's uses count, by hand: two replies
// cite kb-1 (the second also kb-2, twice), one performs refund twice, once
// failed; the first reply is rated negative, then positive (the latest
// counts), the third negative.
func TestUses(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ev := func(i int, e parley.Event) parley.Event {
		e.ID, e.ConversationID, e.OccurredAt, e.Seq = fmt.Sprintf("e%d", i), "c", at.Add(time.Duration(i)*time.Minute), int64(i)
		return e
	}
	reply := func(i int, srcs []parley.Source, acts []parley.Action) parley.Event {
		return ev(i, parley.Event{Type: parley.EventMessage, Author: parley.AuthorCustomerAgent, Text: "x", Sources: srcs, Actions: acts})
	}
	events := []parley.Event{
		ev(0, parley.Event{Type: parley.EventConversationStarted, Channel: "chat"}),
		ev(1, parley.Event{Type: parley.EventMessage, Author: parley.AuthorVisitor, Text: "help"}),
		reply(2, []parley.Source{{ID: "kb-1", Title: "Old title"}}, nil),
		reply(3, []parley.Source{{ID: "kb-1", Title: "New title", URL: "https://help.example.com/1"}, {ID: "kb-2"}, {ID: "kb-2"}}, nil),
		reply(4, nil, []parley.Action{{Name: "refund", Status: parley.ActionFailed}, {Name: "refund"}}),
		ev(5, parley.Event{Type: parley.EventFeedback, MessageID: "e2", Rating: parley.RatingNegative}),
		ev(6, parley.Event{Type: parley.EventFeedback, MessageID: "e2", Rating: parley.RatingPositive}),
		ev(7, parley.Event{Type: parley.EventFeedback, MessageID: "e4", Rating: parley.RatingNegative}),
	}
	o := evaluate.Outcome(events, parley.DefaultSettings(), at.Add(30*24*time.Hour))
	want := []parley.Use{
		{Kind: parley.UseSource, Key: "kb-1", Title: "New title", URL: "https://help.example.com/1", Replies: 2, Rated: 1, Negative: 0},
		{Kind: parley.UseSource, Key: "kb-2", Replies: 1},
		{Kind: parley.UseAction, Key: "refund", Replies: 1, Rated: 1, Negative: 1, Calls: 2, Failed: 1},
	}
	if diff := cmp.Diff(want, o.Uses); diff != "" {
		t.Errorf("uses (-want +got):\n%s", diff)
	}
	// The rollups count each once per conversation, by its start day.
	got := map[string]int64{}
	for _, c := range o.Contributions(time.UTC) {
		if c.Metric == parley.MetricUse {
			got[c.Key] += c.N
		}
	}
	h := parley.UseHash(parley.UseAction, "refund")
	for stat, n := range map[parley.UseStat]int64{parley.StatConversations: 1, parley.StatDecided: 1, parley.StatRated: 1, parley.StatNegative: 1, parley.StatCalls: 2, parley.StatFailed: 1} {
		if k := parley.UseKey(parley.UseAction, h, stat); got[k] != n {
			t.Errorf("%s = %d, want %d", k, got[k], n)
		}
	}
}
