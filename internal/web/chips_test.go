package web

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// Every outcome and group a conversation filter takes is described in
// words in both languages, never by its parameter value.
func TestChipsNameEveryOutcomeSet(t *testing.T) {
	t.Parallel()
	sets := append([]parley.OutcomeSet{}, parley.OutcomeGroups...)
	for _, k := range parley.OutcomeKinds {
		sets = append(sets, parley.OutcomeSet(k))
	}
	for _, l := range []Lang{English, TraditionalChinese} {
		for _, s := range sets {
			got := chips(l, parley.ConversationFilter{Outcomes: []parley.OutcomeSet{s}})
			if len(got) != 1 || strings.HasPrefix(got[0], "outcome.") || (l == TraditionalChinese && strings.ContainsAny(got[0], "abcdefghijklmnopqrstuvwxyz")) {
				t.Errorf("%s chip for %q: %q", l, s, got)
			}
		}
	}
}
