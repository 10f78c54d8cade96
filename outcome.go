package parley

import "time"

// DefinitionVersion identifies the resolution rule and metric definitions
// that produced an outcome. It is stored with every outcome and reported
// with every number; bump it whenever a rule changes, so that numbers made
// under different definitions are never silently mixed.
const DefinitionVersion = 1

// OutcomeKind is what became of a conversation (SPEC §4).
type OutcomeKind string

// The outcomes of a conversation.
const (
	OutcomeNotHandled OutcomeKind = "not_handled"
	OutcomePending    OutcomeKind = "pending"
	OutcomeHandedOff  OutcomeKind = "handed_off"
	OutcomeResolved   OutcomeKind = "resolved"
	OutcomeUnresolved OutcomeKind = "unresolved"
)

// OutcomeKinds lists every outcome.
var OutcomeKinds = []OutcomeKind{OutcomeNotHandled, OutcomePending, OutcomeHandedOff, OutcomeResolved, OutcomeUnresolved}

// Resolution says how sure a resolution is.
type Resolution string

// The kinds of resolution: confirmed by a positive rating of the last
// agent reply, or assumed for want of any.
const (
	ResolutionConfirmed Resolution = "confirmed"
	ResolutionAssumed   Resolution = "assumed"
)

// Criterion is one of the three tests a conversation must pass to be resolved.
type Criterion string

// The criteria of a resolution, in the order SPEC §4 gives them. Criterion
// 1 is CriterionCitedSourceOrAction or, by the workspace's setting,
// CriterionAnyAgentReply; CriterionLastActionNotFailed applies only when
// the setting failed_last_action is on.
const (
	CriterionCitedSourceOrAction  Criterion = "cited_source_or_action"
	CriterionAnyAgentReply        Criterion = "any_agent_reply"
	CriterionNoHumanRequest       Criterion = "no_human_request"
	CriterionLastReplyNotNegative Criterion = "last_reply_not_negative"
	CriterionLastActionNotFailed  Criterion = "last_action_not_failed"
)

// UnresolvedReason names a failed criterion.
type UnresolvedReason string

// The reasons a conversation is unresolved, one per criterion that can fail.
const (
	ReasonNoSourceOrAction UnresolvedReason = "no_source_or_action"
	ReasonHumanRequested   UnresolvedReason = "human_requested"
	ReasonNegativeFeedback UnresolvedReason = "negative_feedback"
	ReasonLastActionFailed UnresolvedReason = "last_action_failed"
)

// ReasonOf returns the reason an unresolved conversation gives for a failed
// criterion; "" for CriterionAnyAgentReply, which every conversation that
// reaches a decision passes.
func (c Criterion) ReasonOf() UnresolvedReason {
	switch c {
	case CriterionCitedSourceOrAction:
		return ReasonNoSourceOrAction
	case CriterionNoHumanRequest:
		return ReasonHumanRequested
	case CriterionLastReplyNotNegative:
		return ReasonNegativeFeedback
	case CriterionLastActionNotFailed:
		return ReasonLastActionFailed
	}
	return ""
}

// CriterionResult explains one criterion: whether it passed, and the events
// that decided it.
type CriterionResult struct {
	Criterion Criterion `json:"criterion"`
	Passed    bool      `json:"passed"`
	EventIDs  []string  `json:"event_ids,omitempty"`
}

// RatingFact is the latest rating of one customer agent reply. Feedback is
// counted by the time of the rating, so each carries its own time.
type RatingFact struct {
	MessageID string    `json:"message_id"`
	EventID   string    `json:"event_id"`
	Rating    Rating    `json:"rating"`
	At        time.Time `json:"at"`
}

// CSATFact is the visitor's latest rating of the whole conversation (a csat
// event). It never changes the outcome.
type CSATFact struct {
	EventID string    `json:"event_id"`
	Rating  int       `json:"rating"` // 1 to 5
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Satisfied reports whether the rating counts as satisfied: 4 or 5.
func (c CSATFact) Satisfied() bool { return c.Rating >= SatisfiedCSAT }

// GapKind is how a gap signal was raised.
type GapKind string

// The kinds of gap signal (SPEC §6).
const (
	GapUnanswered   GapKind = "unanswered"    // an agent reply marked unanswered
	GapCannotAnswer GapKind = "cannot_answer" // a handoff for that reason
)

// GapSignal is a question the customer agent could not answer.
type GapSignal struct {
	EventID string    `json:"event_id"`
	Kind    GapKind   `json:"kind"`
	At      time.Time `json:"at"`
	// Question is the event's own question, else the visitor message it
	// responds to, acknowledgements and follow-ups skipped; empty when
	// there is neither.
	Question string `json:"question,omitempty"`
}

// Outcome is the result of the resolution rule for one conversation, with
// everything the reports and the conversation page need to explain it.
type Outcome struct {
	ConversationID string    `json:"conversation_id"`
	Channel        string    `json:"channel"`
	StartedAt      time.Time `json:"started_at"`
	Test           bool      `json:"test"`
	TicketURL      string    `json:"ticket_url,omitempty"`
	VisitorID      string    `json:"visitor_id,omitempty"`

	Kind       OutcomeKind        `json:"outcome"`
	Resolution Resolution         `json:"resolution,omitempty"`
	Reasons    []UnresolvedReason `json:"reasons"`
	// DecidedAt is when the outcome was decided; zero while pending or
	// when the agent never took part.
	DecidedAt time.Time `json:"decided_at,omitzero"`
	// DecisionDueAt is the decision time E: when a pending conversation
	// will be decided unless a human steps in first.
	DecisionDueAt    time.Time `json:"decision_due_at,omitzero"`
	HandoffInitiator Initiator `json:"handoff_initiator,omitempty"`
	HandoffReason    string    `json:"handoff_reason,omitempty"`
	// HandoffEventID is the event of the human involvement behind a
	// handed_off outcome: a handoff, or a rep message.
	HandoffEventID string    `json:"handoff_event_id,omitempty"`
	Reopened       bool      `json:"reopened"`
	ReopenedAt     time.Time `json:"reopened_at,omitzero"`

	FirstReplyAt      time.Time `json:"first_reply_at,omitzero"`
	LastReplyID       string    `json:"last_reply_id,omitempty"`
	AssignedToAgentAt time.Time `json:"assigned_to_agent_at,omitzero"`
	ClosedAt          time.Time `json:"closed_at,omitzero"`
	// TimeToClose runs from the assignment to the customer agent (else
	// its first reply) to the last close; zero when either is missing.
	TimeToClose time.Duration `json:"time_to_close,omitempty"`

	Explanation []CriterionResult `json:"explanation,omitempty"`
	Ratings     []RatingFact      `json:"ratings,omitempty"`
	// CSAT is the visitor's latest rating of the whole conversation, nil
	// when there is none.
	CSAT       *CSATFact   `json:"csat,omitempty"`
	GapSignals []GapSignal `json:"gap_signals,omitempty"`
	// Uses are the sources the agent's replies cited and the actions they
	// performed, each once, sources first, in the order first used.
	Uses []Use `json:"uses,omitempty"`

	DefinitionVersion int `json:"definition_version"`
}

// Handled reports whether the customer agent took part.
func (o *Outcome) Handled() bool { return o.Kind != OutcomeNotHandled && o.Kind != "" }

// Decided reports whether a handled conversation has its final outcome.
func (o *Outcome) Decided() bool {
	return o.Kind == OutcomeHandedOff || o.Kind == OutcomeResolved || o.Kind == OutcomeUnresolved
}

// Deflected reports whether the conversation was decided with no human involved.
func (o *Outcome) Deflected() bool { return o.Kind == OutcomeResolved || o.Kind == OutcomeUnresolved }

// Conversation is one row of a conversation list: what a conversation is and
// what became of it, without the explanation (see Outcome for that). Empty
// strings stand for "none"; times are null until they happen.
type Conversation struct {
	ConversationID   string             `json:"conversation_id"`
	Channel          string             `json:"channel"`
	StartedAt        time.Time          `json:"started_at"`
	Day              string             `json:"day"`
	Outcome          OutcomeKind        `json:"outcome"`
	Resolution       Resolution         `json:"resolution"`
	Reasons          []UnresolvedReason `json:"reasons"`
	DecidedAt        *time.Time         `json:"decided_at"`
	DecisionDueAt    *time.Time         `json:"decision_due_at"`
	HandoffInitiator Initiator          `json:"handoff_initiator"`
	HandoffReason    string             `json:"handoff_reason"`
	Reopened         bool               `json:"reopened"`
	Test             bool               `json:"test"`
	TicketURL        string             `json:"ticket_url"`
	ClosedAt         *time.Time         `json:"closed_at"`
	// TimeToCloseSeconds is null when the conversation has no time to close.
	TimeToCloseSeconds *float64 `json:"time_to_close_seconds"`
	DefinitionVersion  int      `json:"definition_version"`
}
