package store

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// TestDigestCoversWhatSaveWrites changes each column Save writes for a
// conversation, and each part of a gap signal, one at a time, and checks
// that the digest changes with it: a result whose digest equals the stored
// one is saved by stamping its row alone, so a column the digest missed
// would keep its old value. The columns are those of conversationColumns,
// so a column added there and not here fails the test.
func TestDigestCoversWhatSaveWrites(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)
	base := func() Result {
		r := Result{LastSeq: 7, day: "2026-03-02", encoded: "2026-03-02|chat|resolved||1", Outcome: parley.Outcome{
			ConversationID: "c-1", StartedAt: at, Channel: "chat", TicketURL: "https://t.example/1",
			Kind: parley.OutcomeUnresolved, Resolution: parley.ResolutionAssumed,
			Reasons:   []parley.UnresolvedReason{parley.ReasonHumanRequested},
			DecidedAt: at.Add(time.Hour), DecisionDueAt: at.Add(2 * time.Hour),
			HandoffInitiator: "visitor", HandoffReason: "asked", ClosedAt: at.Add(3 * time.Hour),
			TimeToClose: 3 * time.Hour, DefinitionVersion: 1,
		}}
		r.signals = []gapRow{{"c-1", "chat", parley.GapSignal{EventID: "e-1", Kind: "unanswered", At: at, Question: "where?"}, "2026-03-02"}}
		return r
	}
	// The stamp: what saving an unchanged result writes all the same, and
	// the key.
	stamp := []string{"workspace_id", "conversation_id", "version", "generation", "evaluated_at", "due_at", "outcome_digest"}
	changes := map[string]func(r *Result){
		"evaluated_seq":      func(r *Result) { r.LastSeq++ },
		"started_at":         func(r *Result) { r.Outcome.StartedAt = r.Outcome.StartedAt.Add(time.Nanosecond) },
		"day":                func(r *Result) { r.day = "2026-03-03" },
		"channel":            func(r *Result) { r.Outcome.Channel = "email" },
		"test":               func(r *Result) { r.Outcome.Test = true },
		"ticket_url":         func(r *Result) { r.Outcome.TicketURL = "" },
		"outcome":            func(r *Result) { r.Outcome.Kind = parley.OutcomeResolved },
		"resolution":         func(r *Result) { r.Outcome.Resolution = parley.ResolutionConfirmed },
		"reasons":            func(r *Result) { r.Outcome.Reasons = append(r.Outcome.Reasons, parley.ReasonNegativeFeedback) },
		"decided_at":         func(r *Result) { r.Outcome.DecidedAt = time.Time{} },
		"decision_due_at":    func(r *Result) { r.Outcome.DecisionDueAt = r.Outcome.DecisionDueAt.Add(time.Second) },
		"handoff_initiator":  func(r *Result) { r.Outcome.HandoffInitiator = "agent" },
		"handoff_reason":     func(r *Result) { r.Outcome.HandoffReason = "asked!" },
		"reopened":           func(r *Result) { r.Outcome.Reopened = true },
		"closed_at":          func(r *Result) { r.Outcome.ClosedAt = time.Time{} },
		"time_to_close_ms":   func(r *Result) { r.Outcome.TimeToClose += time.Millisecond },
		"contributions":      func(r *Result) { r.encoded += "\n2026-03-02|chat|handled||1" },
		"definition_version": func(r *Result) { r.Outcome.DefinitionVersion++ },
	}
	var covered []string
	for _, c := range conversationColumns {
		if !slices.Contains(stamp, c) {
			covered = append(covered, c)
		}
	}
	for _, c := range covered {
		if changes[c] == nil {
			t.Errorf("column %s is written by Save and not changed here", c)
		}
	}
	signals := map[string]func(g *gapRow){
		"event_id":    func(g *gapRow) { g.signal.EventID = "e-2" },
		"kind":        func(g *gapRow) { g.signal.Kind = "unhelpful" },
		"occurred_at": func(g *gapRow) { g.signal.At = g.signal.At.Add(time.Microsecond) },
		"day":         func(g *gapRow) { g.day = "2026-03-01" },
		"channel":     func(g *gapRow) { g.channel = "email" },
		"question":    func(g *gapRow) { g.signal.Question = "where." },
	}
	b := base()
	want := digestOf(&b)
	if again := base(); !bytes.Equal(digestOf(&again), want) {
		t.Fatal("two equal results have different digests")
	}
	check := func(what string, r Result) {
		if bytes.Equal(digestOf(&r), want) {
			t.Errorf("changing %s leaves the digest as it was", what)
		}
	}
	for c, change := range changes {
		r := base()
		change(&r)
		check("column "+c, r)
	}
	for part, change := range signals {
		r := base()
		change(&r.signals[0])
		check("gap signal "+part, r)
	}
	r := base()
	r.signals = nil
	check("the gap signals", r)
	// Fields are written with their lengths: moving text from one to the
	// next is a change.
	r = base()
	r.Outcome.HandoffInitiator, r.Outcome.HandoffReason = "visitora", "sked"
	check("where one text ends", r)
}
