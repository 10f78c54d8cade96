package parley_test

import (
	"testing"

	"github.com/parleyhq/parley"
)

// TestCheckStorable holds the one rule for what text can be stored: what
// PostgreSQL's text type refuses is refused, whatever else is kept.
func TestCheckStorable(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"empty", "", true},
		{"plain", "Where is my parcel?", true},
		{"Chinese, emoji, control characters", "退款 🙂 tab\there\r\n\x01\x7f", true},
		{"the replacement character itself", "\ufffd", true},
		{"non-characters PostgreSQL keeps", "\ufffe\uffff\U0010ffff", true},
		{"NUL", "a\x00b", false},
		{"NUL alone", "\x00", false},
		{"a stray continuation byte", "caf\x80", false},
		{"a truncated sequence", "\xe2\x82", false},
		{"a surrogate written as UTF-8", "\xed\xa0\x80", false},
		{"an overlong encoding", "\xc0\xaf", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := parley.CheckStorable("name", tt.in)
			if ok != tt.ok {
				t.Fatalf("CheckStorable(%q) = %v, want %v (%+v)", tt.in, ok, tt.ok, p)
			}
			if !ok && (p.Field != "name" || p.Message == "" || p.Index != -1) {
				t.Errorf("problem %+v, want one naming the field", p)
			}
		})
	}
	// CheckText, the rule for what editors write, includes it.
	if p, ok := parley.CheckText("answer", "see \x00 here", 100); ok || p.Field != "answer" {
		t.Errorf("CheckText kept a NUL: %+v %v", p, ok)
	}
}

// TestTopicActionQuestionsAreText: the event ids an action names are held
// to the rule too, whichever surface sends them (the CLI's arguments may
// be any bytes).
func TestTopicActionQuestionsAreText(t *testing.T) {
	a := parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: 1, Questions: []string{"a1", "a\xff"}}
	ps := parley.ProblemsOf(a.Validate())
	if len(ps) != 1 || ps[0].Field != "questions[1]" {
		t.Errorf("problems %+v, want one naming questions[1]", ps)
	}
}
