package parley

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ConversationFilter selects conversations of a workspace: the one filter
// of the Conversations page, its CSV export, GET /api/v1/conversations and
// `parley conversations`. It lives in the domain, not the store, because
// what it means is a rule the surfaces must agree on — which outcomes
// "handled" covers, that test traffic is left out unless asked — while the
// store only turns it into SQL. All surfaces read it with
// ParseConversationFilter (the CLI by giving its flags the parameters'
// names) and write it back as a link with Query.
//
// The zero value selects every real (non-test) conversation.
type ConversationFilter struct {
	// Outcomes selects conversations whose outcome is in any of these
	// sets, kept in the order asked; empty means any outcome.
	Outcomes   []OutcomeSet
	Resolution Resolution
	Reason     UnresolvedReason
	Initiator  Initiator
	// Channels selects any of these channels; empty means all.
	Channels []string
	// From and To bound the local start date, both inclusive (YYYY-MM-DD);
	// empty means unbounded.
	From, To string
	// Test says what to do with test traffic; "" is TestExclude.
	Test TestTraffic
	// Reopened selects reopened conversations only. Its opposite is not
	// offered: false means every conversation.
	Reopened bool
	// Source and Action select the conversations whose agent replies cited
	// the source with this id, or performed the action with this name.
	Source, Action string
}

// OutcomeSet names a set of outcomes the conversation filter accepts: an
// outcome kind names the set of that outcome alone, and the groups below
// name the sets the reports count together.
type OutcomeSet string

// The groups of outcomes, as the report's series name them.
const (
	GroupHandled   OutcomeSet = "handled"
	GroupDecided   OutcomeSet = "decided"
	GroupDeflected OutcomeSet = "deflected"
)

// OutcomeGroups lists the groups, widest first.
var OutcomeGroups = []OutcomeSet{GroupHandled, GroupDecided, GroupDeflected}

// groupRules are the groups' definitions: the Outcome methods the reports
// count by, so that a group and its count can never disagree.
var groupRules = map[OutcomeSet]func(*Outcome) bool{
	GroupHandled:   (*Outcome).Handled,
	GroupDecided:   (*Outcome).Decided,
	GroupDeflected: (*Outcome).Deflected,
}

// Kinds lists the outcomes in the set, in the order of OutcomeKinds, and
// reports whether the set is known.
func (s OutcomeSet) Kinds() ([]OutcomeKind, bool) {
	if rule, ok := groupRules[s]; ok {
		var out []OutcomeKind
		for _, k := range OutcomeKinds {
			if rule(&Outcome{Kind: k}) {
				out = append(out, k)
			}
		}
		return out, true
	}
	if slices.Contains(OutcomeKinds, OutcomeKind(s)) {
		return []OutcomeKind{OutcomeKind(s)}, true
	}
	return nil, false
}

// TestTraffic says how a filter treats conversations marked test.
type TestTraffic string

// The treatments of test traffic.
const (
	TestExclude TestTraffic = "exclude" // real traffic only, the default
	TestInclude TestTraffic = "include" // both
	TestOnly    TestTraffic = "only"    // test traffic only
)

// Reasons lists every unresolved reason, in the order of the criteria.
var Reasons = []UnresolvedReason{ReasonNoSourceOrAction, ReasonHumanRequested, ReasonNegativeFeedback, ReasonLastActionFailed}

// Initiators lists everyone who can start a handoff.
var Initiators = []Initiator{InitiatorCustomerAgent, InitiatorRule, InitiatorRep}

// OutcomeKinds is the union of the filter's outcome sets, sorted; nil when
// the filter selects any outcome. Unknown sets (refused by the parser)
// add nothing.
func (f ConversationFilter) OutcomeKinds() []OutcomeKind {
	var out []OutcomeKind
	for _, s := range f.Outcomes {
		ks, _ := s.Kinds()
		out = append(out, ks...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FilterParam is one parameter of the conversation filter: its name in a
// URL (and, with two dashes, on the command line) and what it takes.
type FilterParam struct {
	Name, Usage string
}

// ConversationFilterParams are the parameters ParseConversationFilter
// reads, so that the CLI offers a flag for every one the API takes.
var ConversationFilterParams = []FilterParam{
	{"outcome", fmt.Sprintf("only these outcomes, comma-separated: %s, or the groups %s", join(OutcomeKinds), join(OutcomeGroups))},
	{"resolution", fmt.Sprintf("only conversations resolved this way: %s or %s", ResolutionConfirmed, ResolutionAssumed)},
	{"reason", "only unresolved conversations with this reason: " + join(Reasons)},
	{"initiator", "only handoffs started by: " + join(Initiators)},
	{"channel", "only these channels, comma-separated"},
	{"from", "first local start date, YYYY-MM-DD"},
	{"to", "last local start date, YYYY-MM-DD"},
	{"test", fmt.Sprintf("test traffic: %s (the default), %s or %s", TestExclude, TestInclude, TestOnly)},
	{"reopened", `"true": only reopened conversations`},
	{"source", "only conversations whose agent replies cited the source with this id"},
	{"action", "only conversations whose agent replies performed the action with this name"},
}

func join[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// ParseConversationFilter reads a conversation filter from URL parameters
// (or command-line flags by the same names; see ConversationFilterParams).
// Every bad value is a problem naming its parameter, sorted by name; other
// parameters are left for the caller.
func ParseConversationFilter(q url.Values) (ConversationFilter, error) {
	var (
		f        ConversationFilter
		problems []Problem
	)
	for _, o := range SplitParam(q, "outcome") {
		if _, ok := OutcomeSet(o).Kinds(); !ok {
			problems = append(problems, FieldProblem("outcome", fmt.Sprintf("unknown outcome %q", o)))
		}
		f.Outcomes = append(f.Outcomes, OutcomeSet(o))
	}
	switch v := Resolution(q.Get("resolution")); v {
	case "", ResolutionConfirmed, ResolutionAssumed:
		f.Resolution = v
	default:
		problems = append(problems, FieldProblem("resolution", `must be "confirmed" or "assumed"`))
	}
	if v := UnresolvedReason(q.Get("reason")); v == "" || slices.Contains(Reasons, v) {
		f.Reason = v
	} else {
		problems = append(problems, FieldProblem("reason", fmt.Sprintf("unknown reason %q", v)))
	}
	if v := Initiator(q.Get("initiator")); v == "" || slices.Contains(Initiators, v) {
		f.Initiator = v
	} else {
		problems = append(problems, FieldProblem("initiator", fmt.Sprintf("unknown initiator %q", v)))
	}
	f.Channels = SplitParam(q, "channel")
	f.From, f.To = q.Get("from"), q.Get("to")
	for _, d := range []struct{ field, day string }{{"from", f.From}, {"to", f.To}} {
		if _, err := time.Parse(DayLayout, d.day); d.day != "" && err != nil {
			problems = append(problems, FieldProblem(d.field, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", d.day)))
		}
	}
	switch v := TestTraffic(q.Get("test")); v {
	case "", TestExclude:
	case TestInclude, TestOnly:
		f.Test = v
	default:
		problems = append(problems, FieldProblem("test", `must be "exclude", "include" or "only"`))
	}
	// The store can select reopened conversations, not their opposite, so
	// reopened=false is refused rather than answered with every one.
	switch q.Get("reopened") {
	case "":
	case "true":
		f.Reopened = true
	default:
		problems = append(problems, FieldProblem("reopened", `must be "true" (only reopened conversations), or left out`))
	}
	f.Source, f.Action = q.Get("source"), q.Get("action")
	for _, p := range []struct{ field, v string }{{"source", f.Source}, {"action", f.Action}} {
		if prob, ok := CheckStorable(p.field, p.v); !ok {
			problems = append(problems, prob)
		}
	}
	if len(problems) > 0 {
		SortProblems(problems)
		return f, InvalidInput(problems)
	}
	return f, nil
}

// Query is the filter as URL parameters, the inverse of
// ParseConversationFilter: defaults are left out, so the zero filter is
// an empty query. Build links from it (add to it, then Encode).
func (f ConversationFilter) Query() url.Values {
	q := url.Values{}
	if len(f.Outcomes) > 0 {
		q.Set("outcome", join(f.Outcomes))
	}
	set := func(key, v string) {
		if v != "" {
			q.Set(key, v)
		}
	}
	set("resolution", string(f.Resolution))
	set("reason", string(f.Reason))
	set("initiator", string(f.Initiator))
	set("channel", strings.Join(f.Channels, ","))
	set("from", f.From)
	set("to", f.To)
	if f.Test != TestExclude {
		set("test", string(f.Test))
	}
	if f.Reopened {
		q.Set("reopened", "true")
	}
	set("source", f.Source)
	set("action", f.Action)
	return q
}

// SplitParam returns the values of a parameter given repeatedly or
// comma-separated, trimmed, without empty or repeated ones.
func SplitParam(q url.Values, key string) []string { return SplitList(strings.Join(q[key], ",")) }

// SplitList reads a comma-separated list (a command's --channel) by the
// rule of SplitParam: trimmed, without empty or repeated values.
func SplitList(s string) []string { return uniqueTrimmed(strings.Split(s, ",")) }

// SortProblems orders problems by field, so that an answer lists them the
// same way every time.
func SortProblems(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
}
