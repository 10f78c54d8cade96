package parley

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrorKind classifies an error so that each surface can answer it the same
// way: the web layer maps kinds to status codes, the CLI to exit messages.
type ErrorKind string

// The kinds of error. Values read the same in JSON, logs and code.
const (
	KindInvalid      ErrorKind = "invalid"
	KindNotFound     ErrorKind = "not_found"
	KindConflict     ErrorKind = "conflict"
	KindUnauthorized ErrorKind = "unauthorized"
	KindForbidden    ErrorKind = "forbidden"
	KindTooLarge     ErrorKind = "too_large"
	// KindUnsupported is a request in a form Parley does not read, such
	// as a body in an unknown Content-Encoding.
	KindUnsupported ErrorKind = "unsupported"
	// KindTimeout is a request that did not arrive in time.
	KindTimeout ErrorKind = "timeout"
	// KindUnavailable is a failure that is no one's mistake and passes:
	// the database cannot be reached or written just now. Try again.
	KindUnavailable ErrorKind = "unavailable"
	KindInternal    ErrorKind = "internal"
)

// Problem is one thing wrong with one input item. Index is the position of
// the item in its batch (0-based); ID is the item's own id when it had one.
type Problem struct {
	// Index is the event's position in its batch; -1 for a problem with
	// a request parameter or setting rather than an event, and then it
	// is left out of JSON.
	Index   int    `json:"index"`
	ID      string `json:"id,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// FieldProblem is a problem with a parameter or setting, not an event.
func FieldProblem(field, message string) Problem {
	return Problem{Index: -1, Field: field, Message: message}
}

// MarshalJSON leaves out the index of a problem that is not an event's.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	if p.Index >= 0 {
		return json.Marshal(plain(p))
	}
	return json.Marshal(struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	}{p.Field, p.Message})
}

// Error is the one error type of the domain. Message is safe to show to a
// user; Err, when set, is the internal cause and is only ever logged.
type Error struct {
	Kind     ErrorKind
	Message  string
	Problems []Problem
	Err      error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return e.Message + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted, user-safe message.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// InvalidInput returns an invalid-kind error that carries every problem found.
func InvalidInput(problems []Problem) *Error {
	msg := "1 problem in the input"
	if len(problems) != 1 {
		msg = fmt.Sprintf("%d problems in the input", len(problems))
	}
	return &Error{Kind: KindInvalid, Message: msg, Problems: problems}
}

// KindOf reports the kind of err: the kind of the first *Error in its chain,
// else KindInternal (an error we did not classify is our fault, not the caller's).
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ProblemsOf returns the problems carried by the first *Error in err's chain.
func ProblemsOf(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}

// MessageOf returns the user-safe message of err: the message of the first
// *Error in its chain, or a generic text for anything unclassified.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal && e.Message != "" {
		return e.Message
	}
	return "internal error"
}
