package parley

import (
	"testing"
	"time"
)

// TestContributionsBound checks that contributionsBound, the room
// Contributions makes up front, holds every contribution of each kind of
// outcome, and is reached by the fullest one (so a new contribution that is
// not counted shows here).
func TestContributionsBound(t *testing.T) {
	at := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	uses := []Use{
		{Kind: UseAction, Key: "lookup", Replies: 1, Rated: 1, Negative: 1, Calls: 1, Failed: 1},
		{Kind: UseAction, Key: "refund", Replies: 1, Rated: 1, Negative: 1, Calls: 3, Failed: 1},
	}
	full := func(o Outcome) Outcome {
		o.ConversationID, o.Channel, o.StartedAt = "c1", "chat", at
		o.CSAT = &CSATFact{Rating: 4, At: at}
		o.Ratings = []RatingFact{{Rating: RatingPositive, At: at}, {Rating: RatingNegative, At: at.Add(48 * time.Hour)}}
		o.GapSignals = []GapSignal{{Kind: GapUnanswered, At: at}, {Kind: GapUnanswered, At: at}}
		o.AssignedToAgentAt, o.FirstReplyAt, o.ClosedAt = at, at, at.Add(time.Hour)
		o.TimeToClose = time.Hour
		o.Uses = uses
		return o
	}
	tests := []struct {
		name string
		o    Outcome
		// fullest is set where the outcome (its action uses) makes as many contributions
		// as the bound allows.
		fullest bool
	}{
		{"test", Outcome{Test: true, Channel: "chat", StartedAt: at}, false},
		{"not handled", full(Outcome{Kind: OutcomeNotHandled}), false},
		{"pending", full(Outcome{Kind: OutcomePending}), false},
		{"handed off", full(Outcome{Kind: OutcomeHandedOff, HandoffInitiator: InitiatorRule, HandoffReason: "asked"}), false},
		{"unresolved", full(Outcome{Kind: OutcomeUnresolved, Reasons: []UnresolvedReason{ReasonNegativeFeedback, ReasonLastActionFailed}}), false},
		{"resolved, confirmed and reopened", full(Outcome{Kind: OutcomeResolved, Resolution: ResolutionConfirmed, Reopened: true}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, bound := len(tt.o.Contributions(time.UTC)), tt.o.contributionsBound()
			if n > bound {
				t.Fatalf("%d contributions, bound %d", n, bound)
			}
			if tt.fullest && n != bound {
				t.Fatalf("fullest outcome makes %d contributions, bound %d", n, bound)
			}
		})
	}
}
