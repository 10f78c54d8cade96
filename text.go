package parley

import (
	"strings"
	"unicode/utf8"
)

// CheckStorable is the one rule for what text Parley can store, applied to
// everything that enters from outside: event fields at any depth, short
// answers, topic names, people's names and emails, token names, settings,
// and the ids a request looks up. PostgreSQL's text type refuses the NUL
// character and any bytes that are not UTF-8 (a lone UTF-16 surrogate
// written as UTF-8 among them); SQLite would keep both. Refusing them at
// the door makes the same input get the same answer on either database, a
// problem naming the field, instead of a failed write on one of them (or,
// worse, a stored value that fails every later statement that carries it).
func CheckStorable(field, s string) (Problem, bool) {
	if msg := unstorable(s); msg != "" {
		return FieldProblem(field, msg), false
	}
	return Problem{}, true
}

// unstorable says why s cannot be stored as text, or "" when it can.
func unstorable(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain the NUL character (U+0000)"
	case !utf8.ValidString(s):
		return "must be valid UTF-8 text"
	}
	return ""
}
