package parley

import (
	"encoding/json"
	"fmt"
	"time"
)

// EventType names what an event says about a conversation (SPEC §3).
type EventType string

// The event types a caller may send.
const (
	EventConversationStarted EventType = "conversation.started"
	EventMessage             EventType = "message"
	EventHumanRequested      EventType = "human.requested"
	EventHandoff             EventType = "handoff"
	EventFeedback            EventType = "feedback"
	EventAssigned            EventType = "assigned"
	EventConversationClosed  EventType = "conversation.closed"
	EventCSAT                EventType = "csat"
)

// EventTypes lists every event type, in the order SPEC §3 gives them.
var EventTypes = []EventType{
	EventConversationStarted, EventMessage, EventHumanRequested, EventHandoff,
	EventFeedback, EventAssigned, EventConversationClosed, EventCSAT,
}

// Author is who wrote a message.
type Author string

// The authors of messages.
const (
	AuthorVisitor       Author = "visitor"
	AuthorCustomerAgent Author = "customer_agent"
	AuthorRep           Author = "rep"
)

// Initiator is who or what started a handoff to a human.
type Initiator string

// The initiators of handoffs. InitiatorRep also stands for a rep who joined
// without any handoff event (a manual takeover).
const (
	InitiatorCustomerAgent Initiator = "customer_agent"
	InitiatorRule          Initiator = "rule"
	InitiatorRep           Initiator = "rep"
)

// Rating is a visitor's verdict. On a feedback event it judges one customer
// agent reply, positive or negative; on a csat event it scores the whole
// conversation from 1 to 5, held as the digit ("1" … "5") and written in
// JSON as a number. One type serves both because the event format has one
// "rating" field whose JSON type depends on the event's type.
type Rating string

// The ratings of a reply a visitor can give (feedback).
const (
	RatingPositive Rating = "positive"
	RatingNegative Rating = "negative"
)

// The range of a conversation's satisfaction score (csat), and the lowest
// score that counts as satisfied.
const (
	MinCSAT       = 1
	MaxCSAT       = 5
	SatisfiedCSAT = 4
)

// CSATRating returns the rating of a csat event scoring the conversation
// score, which must lie in [MinCSAT, MaxCSAT].
func CSATRating(score int) Rating { return Rating(rune('0' + score)) }

// Score returns the 1–5 score of a csat rating, and false for any other
// rating (positive, negative or none).
func (r Rating) Score() (int, bool) {
	if len(r) != 1 || r[0] < '0'+MinCSAT || r[0] > '0'+MaxCSAT {
		return 0, false
	}
	return int(r[0] - '0'), true
}

// MarshalJSON writes a csat score as a JSON number, any other rating as a
// string.
func (r Rating) MarshalJSON() ([]byte, error) {
	if _, ok := r.Score(); ok {
		return []byte(r), nil
	}
	return json.Marshal(string(r))
}

// UnmarshalJSON reads what MarshalJSON writes: a string, or a csat score.
func (r *Rating) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = Rating(s)
		return nil
	}
	if _, ok := Rating(b).Score(); ok {
		*r = Rating(b)
		return nil
	}
	return fmt.Errorf("rating: %s is neither a string nor a score from %d to %d", b, MinCSAT, MaxCSAT)
}

// Assignee is who a conversation was assigned to.
type Assignee string

// The assignees of a conversation.
const (
	AssigneeCustomerAgent Assignee = "customer_agent"
	AssigneeRep           Assignee = "rep"
)

// ActionStatus is how an action performed by the customer agent ended.
type ActionStatus string

// The statuses of an action; an action with no status succeeded.
const (
	ActionSucceeded ActionStatus = "succeeded"
	ActionFailed    ActionStatus = "failed"
)

// Handoff reasons that carry meaning for Parley. Callers may send any slug.
const (
	ReasonCannotAnswer = "cannot_answer"
	// ReasonManual is given to a rep message that no handoff preceded.
	ReasonManual = "manual"
)

// ChannelUnknown is the channel of a conversation whose events named none.
const ChannelUnknown = "unknown"

// Source is content the customer agent cited in a reply.
type Source struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Action is something the customer agent did while replying.
type Action struct {
	Name   string       `json:"name"`
	Status ActionStatus `json:"status,omitempty"`
}

// Succeeded reports whether the action succeeded (the default).
func (a Action) Succeeded() bool { return a.Status != ActionFailed }

// Event is one fact about a conversation, as sent by the caller (SPEC §3).
// Fields that belong to one type only are empty on events of other types.
// Its JSON form is the canonical form Parley stores and compares for
// idempotency, so field order and omitempty here are part of the contract.
type Event struct {
	ID             string          `json:"id"`
	Type           EventType       `json:"type"`
	ConversationID string          `json:"conversation_id"`
	OccurredAt     time.Time       `json:"occurred_at"`
	Channel        string          `json:"channel,omitempty"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`

	// conversation.started
	TicketURL string `json:"ticket_url,omitempty"`
	VisitorID string `json:"visitor_id,omitempty"`
	Test      bool   `json:"test,omitempty"`

	// message
	Author     Author   `json:"author,omitempty"`
	Text       string   `json:"text,omitempty"`
	Sources    []Source `json:"sources,omitempty"`
	Actions    []Action `json:"actions,omitempty"`
	Unanswered bool     `json:"unanswered,omitempty"`
	// Question is the visitor question the agent could not answer; on
	// customer_agent messages and on handoffs.
	Question string `json:"question,omitempty"`

	// handoff
	Initiator Initiator `json:"initiator,omitempty"`
	Reason    string    `json:"reason,omitempty"`

	// feedback; Rating and Comment on csat too
	MessageID string `json:"message_id,omitempty"`
	Rating    Rating `json:"rating,omitempty"`
	Comment   string `json:"comment,omitempty"`

	// assigned
	Assignee Assignee `json:"assignee,omitempty"`

	// Seq is the arrival order of the event within its workspace, assigned
	// by the store. It breaks ties between events with equal OccurredAt.
	Seq int64 `json:"-"`
}

// Before reports whether e is placed before f in a conversation's timeline:
// by OccurredAt, ties broken by arrival.
func (e *Event) Before(f *Event) bool {
	if !e.OccurredAt.Equal(f.OccurredAt) {
		return e.OccurredAt.Before(f.OccurredAt)
	}
	return e.Seq < f.Seq
}

// IsAgentReply reports whether e is a message written by the customer agent.
func (e *Event) IsAgentReply() bool {
	return e.Type == EventMessage && e.Author == AuthorCustomerAgent
}

// CitedSourceOrAction reports whether e is an agent reply that cited a source
// or performed an action that succeeded (criterion 1 of the resolution rule).
func (e *Event) CitedSourceOrAction() bool {
	if !e.IsAgentReply() {
		return false
	}
	if len(e.Sources) > 0 {
		return true
	}
	for _, a := range e.Actions {
		if a.Succeeded() {
			return true
		}
	}
	return false
}
