package parley

import (
	"fmt"
	"strings"
	"time"
)

// GapState is where a topic, or one of its questions, stands in the
// knowledge-gap workflow (SPEC §6).
type GapState string

// The states of topics and questions. A question's state follows its
// topic's when the topic is resolved, dismissed or restored, and can be
// changed on its own by dismissing or restoring it.
const (
	GapOpen      GapState = "open"      // waiting for an answer
	GapResolved  GapState = "resolved"  // covered by a short answer
	GapDismissed GapState = "dismissed" // not worth an answer; later questions stay dismissed
)

// GapStates lists the states in display order.
var GapStates = []GapState{GapOpen, GapResolved, GapDismissed}

// Topic is a group of questions the customer agent could not answer.
type Topic struct {
	ID int64 `json:"id"`
	// Label is the readable name grouping gave the topic: its most central
	// question. Name, when set, is a name an editor chose instead.
	Label string   `json:"label"`
	Name  string   `json:"name,omitempty"`
	State GapState `json:"state"`
	// ShortAnswerID is the short answer that resolved the topic, if any.
	ShortAnswerID int64 `json:"short_answer_id,omitempty"`
	// Recurrences counts questions that joined the topic after it was
	// resolved: each one is a visitor the short answer should have helped.
	Recurrences int        `json:"recurrences"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Title is what a topic is called on screen.
func (t Topic) Title() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Label
}

// TopicSummary is a row of the knowledge-gaps table: a topic with the
// counts of its questions that match the table's filter.
type TopicSummary struct {
	Topic
	// Conversations counts the distinct conversations among the questions.
	Conversations int       `json:"conversations"`
	Questions     int       `json:"questions"`
	LastAsked     time.Time `json:"last_asked"`
}

// GapQuestion is one gap signal with text, as listed under its topic.
type GapQuestion struct {
	EventID        string    `json:"event_id"`
	ConversationID string    `json:"conversation_id"`
	TopicID        int64     `json:"topic_id"`
	Kind           GapKind   `json:"kind"`
	Question       string    `json:"question"`
	At             time.Time `json:"at"`
	Day            string    `json:"day"`
	Channel        string    `json:"channel"`
	TicketURL      string    `json:"ticket_url,omitempty"`
	State          GapState  `json:"state"`
	// Recurrence marks a question that reopened a resolved topic.
	Recurrence bool `json:"recurrence"`
}

// ShortAnswer is a short, direct answer an editor wrote for questions the
// agent could not answer; the agent's platform pulls and searches them.
type ShortAnswer struct {
	ID       int64  `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	// TopicID is the topic the answer was written to resolve, if any.
	TopicID   int64     `json:"topic_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Deleted is set on the tombstones that a listing by updated_since
	// returns, so that a platform syncing answers learns of deletions.
	Deleted bool `json:"deleted,omitempty"`
}

// Limits on what editors write, checked before anything is stored.
const (
	MaxShortQuestion = 500
	MaxShortAnswer   = 5000
	MaxTopicName     = 200
)

// Validate checks a short answer an editor wrote.
func (a ShortAnswer) Validate() error {
	var problems []Problem
	check := func(field, v string, limit int) {
		if p, ok := CheckText(field, v, limit); !ok {
			problems = append(problems, p)
		}
	}
	check("question", a.Question, MaxShortQuestion)
	check("answer", a.Answer, MaxShortAnswer)
	if len(problems) > 0 {
		return InvalidInput(problems)
	}
	return nil
}

// CheckText checks a required text an editor wrote: storable (see
// CheckStorable), not blank, at most limit characters.
func CheckText(field, v string, limit int) (Problem, bool) {
	if p, ok := CheckStorable(field, v); !ok {
		return p, false
	}
	switch n := len([]rune(v)); {
	case strings.TrimSpace(v) == "":
		return FieldProblem(field, "is required"), false
	case n > limit:
		return FieldProblem(field, fmt.Sprintf("must be at most %d characters", limit)), false
	}
	return Problem{}, true
}
