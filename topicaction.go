package parley

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TopicActionKind names an editor's action on a topic or on some of its
// questions, as the API path (POST /api/v1/gaps/{id}/{action}), the topic
// page's forms and the audit log name it.
type TopicActionKind string

// The actions on topics and questions.
const (
	ActResolve          TopicActionKind = "resolve"           // write a short answer; the topic and its open questions are resolved
	ActDismiss          TopicActionKind = "dismiss"           // the topic and its open questions, and later ones, are dismissed
	ActRestore          TopicActionKind = "restore"           // a dismissed topic and its dismissed questions are open again
	ActRename           TopicActionKind = "rename"            // an editor's name; empty goes back to the label
	ActMerge            TopicActionKind = "merge"             // the topics From join this one
	ActMoveQuestions    TopicActionKind = "move_questions"    // Questions move to topic To
	ActDismissQuestions TopicActionKind = "dismiss_questions" // single questions are dismissed
	ActRestoreQuestions TopicActionKind = "restore_questions" // single questions are open again
)

// TopicActionKinds lists every action.
var TopicActionKinds = []TopicActionKind{ActResolve, ActDismiss, ActRestore, ActRename, ActMerge,
	ActMoveQuestions, ActDismissQuestions, ActRestoreQuestions}

// TopicAction is an editor's action on topic Topic: the one operation the
// topic page, the API and `parley gaps` all build and hand to the store,
// which checks it, applies it and records it in the audit log in one
// transaction. The JSON fields are those of the API's request body; Kind
// and Topic come from its path.
type TopicAction struct {
	Kind  TopicActionKind `json:"-"`
	Topic int64           `json:"-"`
	// Question and Answer are the short answer a resolve writes.
	Question string `json:"question,omitempty"`
	Answer   string `json:"answer,omitempty"`
	// Name is a rename's new name.
	Name string `json:"name,omitempty"`
	// From are the topics a merge folds into Topic.
	From []int64 `json:"from,omitempty"`
	// Questions are the event ids of the questions of Topic that a
	// question action is about.
	Questions []string `json:"questions,omitempty"`
	// To is the topic a move sends Questions to.
	To int64 `json:"topic,omitempty"`
}

// Validate checks what can be checked of an action without the database,
// naming the field of each problem as the API's body names it. An unknown
// kind is not found, as the API path naming it would be. Whether the
// topics and questions named exist is checked where they are read, in the
// same transaction that changes them.
func (a TopicAction) Validate() error {
	if !slices.Contains(TopicActionKinds, a.Kind) {
		return Errorf(KindNotFound, "no action %q", a.Kind)
	}
	var problems []Problem
	switch a.Kind {
	case ActResolve:
		problems = ProblemsOf(ShortAnswer{Question: a.Question, Answer: a.Answer}.Validate())
	case ActRename:
		if name := a.TopicName(); name != "" {
			if p, ok := CheckText("name", name, MaxTopicName); !ok {
				problems = append(problems, p)
			}
		}
	case ActMerge:
		if len(a.From) == 0 {
			problems = append(problems, FieldProblem("from", "name at least one topic to merge"))
		}
		if slices.Contains(a.From, a.Topic) {
			problems = append(problems, FieldProblem("from", "cannot merge a topic into itself"))
		}
	case ActMoveQuestions, ActDismissQuestions, ActRestoreQuestions:
		if len(a.Questions) == 0 {
			problems = append(problems, FieldProblem("questions", "select at least one question"))
		}
		for i, q := range a.Questions {
			if p, ok := CheckStorable(fmt.Sprintf("questions[%d]", i), q); !ok {
				problems = append(problems, p) // no question has such an id
			}
		}
		if a.Kind == ActMoveQuestions && a.To == 0 {
			problems = append(problems, FieldProblem("topic", "choose the topic to move to"))
		}
	}
	if len(problems) > 0 {
		return InvalidInput(problems)
	}
	return nil
}

// TopicName is a rename's name as stored: without surrounding space.
func (a TopicAction) TopicName() string { return strings.TrimSpace(a.Name) }

// AuditEntry is the audit log's record of the action, done by actor at
// at; shortAnswerID is the short answer a resolve wrote. This is the one
// place the audit text of a gap action is written, whichever surface
// the action came from.
func (a TopicAction) AuditEntry(actor string, shortAnswerID int64, at time.Time) AuditEntry {
	var detail string
	switch a.Kind {
	case ActResolve:
		detail = fmt.Sprintf("short answer %d: %s", shortAnswerID, a.Question)
	case ActRename:
		detail = a.TopicName()
	case ActMerge:
		detail = fmt.Sprintf("merged topics %v", a.From)
	case ActMoveQuestions:
		detail = fmt.Sprintf("questions %v to topic %d", a.Questions, a.To)
	case ActDismissQuestions, ActRestoreQuestions:
		detail = fmt.Sprintf("questions %v", a.Questions)
	}
	e := AuditEntry{Actor: actor, Action: "gap." + string(a.Kind), Subject: fmt.Sprintf("topic %d", a.Topic), Detail: detail, At: at, TopicID: a.Topic}
	switch a.Kind {
	case ActRename:
		e.New = a.TopicName()
	case ActMerge:
		ids := make([]string, len(a.From))
		for i, id := range a.From {
			ids[i] = strconv.FormatInt(id, 10)
		}
		e.Old = strings.Join(ids, ",")
	case ActMoveQuestions:
		e.New = strconv.FormatInt(a.To, 10)
	}
	return e
}
