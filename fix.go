package parley

import (
	"strconv"
	"time"
)

// The facts of "did the fix work?": a topic closed by a short answer, and
// the conversations that asked its question before and after the answer was
// written. The report package turns them into the Fixes view.

// FixedTopic is a topic with the short answer that was written to close
// it; the answer's creation is when the fix was made.
type FixedTopic struct {
	Topic       Topic       `json:"topic"`
	ShortAnswer ShortAnswer `json:"short_answer"`
}

// FixAsk is one conversation asking a fixed topic's question: one of the
// topic's gap questions (At is when it was asked), or a conversation whose
// agent cited the topic's short answer (Cited; At is when the conversation
// started) — the visitors the fix did reach, who leave no gap question.
type FixAsk struct {
	TopicID        int64
	ConversationID string
	At             time.Time
	Outcome        OutcomeKind
	Cited          bool
}

// shortAnswerSource prefixes the source id that names a short answer in an
// agent reply's sources.
const shortAnswerSource = "short-answer:"

// SourceID is the id an agent's reply cites when it answers with the short
// answer ("short-answer:12"), so that the conversations the fix reached
// are counted as asking its topic's question.
func (a ShortAnswer) SourceID() string { return ShortAnswerSourceID(a.ID) }

// ShortAnswerSourceID is ShortAnswer.SourceID for an id.
func ShortAnswerSourceID(id int64) string { return shortAnswerSource + strconv.FormatInt(id, 10) }
