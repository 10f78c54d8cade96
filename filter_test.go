package parley_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

func TestOutcomeSets(t *testing.T) {
	for _, tt := range []struct {
		set  parley.OutcomeSet
		want []parley.OutcomeKind
		ok   bool
	}{
		{parley.GroupHandled, []parley.OutcomeKind{parley.OutcomePending, parley.OutcomeHandedOff, parley.OutcomeResolved, parley.OutcomeUnresolved}, true},
		{parley.GroupDecided, []parley.OutcomeKind{parley.OutcomeHandedOff, parley.OutcomeResolved, parley.OutcomeUnresolved}, true},
		{parley.GroupDeflected, []parley.OutcomeKind{parley.OutcomeResolved, parley.OutcomeUnresolved}, true},
		{"resolved", []parley.OutcomeKind{parley.OutcomeResolved}, true},
		{"not_handled", []parley.OutcomeKind{parley.OutcomeNotHandled}, true},
		{"won", nil, false},
		{"", nil, false},
	} {
		got, ok := tt.set.Kinds()
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("%q: %v %v, want %v %v", tt.set, got, ok, tt.want, tt.ok)
		}
	}
	// A group holds exactly the outcomes its Outcome method counts.
	rules := map[parley.OutcomeSet]func(*parley.Outcome) bool{
		parley.GroupHandled: (*parley.Outcome).Handled, parley.GroupDecided: (*parley.Outcome).Decided, parley.GroupDeflected: (*parley.Outcome).Deflected,
	}
	for _, g := range parley.OutcomeGroups {
		kinds, _ := g.Kinds()
		for _, k := range parley.OutcomeKinds {
			if in, counted := slices.Contains(kinds, k), rules[g](&parley.Outcome{Kind: k}); in != counted {
				t.Errorf("%s holds %s: %v, but the report counts it: %v", g, k, in, counted)
			}
		}
	}
}

func TestParseConversationFilter(t *testing.T) {
	sets := func(vs ...string) []parley.OutcomeSet {
		out := make([]parley.OutcomeSet, len(vs))
		for i, v := range vs {
			out[i] = parley.OutcomeSet(v)
		}
		return out
	}
	for _, tt := range []struct {
		query    string
		want     parley.ConversationFilter
		problems []string // fields, in order
	}{
		{"", parley.ConversationFilter{}, nil},
		{"lang=zh-TW&workspace=x&after=a|b", parley.ConversationFilter{}, nil}, // not the filter's
		{"outcome=handled", parley.ConversationFilter{Outcomes: sets("handled")}, nil},
		{"outcome=deflected,handed_off&outcome=deflected", parley.ConversationFilter{Outcomes: sets("deflected", "handed_off")}, nil},
		{"outcome=+resolved+,,", parley.ConversationFilter{Outcomes: sets("resolved")}, nil},
		{"outcome=won", parley.ConversationFilter{}, []string{"outcome"}},
		{"outcome=resolved,won,lost", parley.ConversationFilter{}, []string{"outcome", "outcome"}},
		{"resolution=confirmed", parley.ConversationFilter{Resolution: parley.ResolutionConfirmed}, nil},
		{"resolution=sure", parley.ConversationFilter{}, []string{"resolution"}},
		{"reason=human_requested", parley.ConversationFilter{Reason: parley.ReasonHumanRequested}, nil},
		{"reason=tired", parley.ConversationFilter{}, []string{"reason"}},
		{"initiator=rep", parley.ConversationFilter{Initiator: parley.InitiatorRep}, nil},
		{"initiator=boss", parley.ConversationFilter{}, []string{"initiator"}},
		{"channel=chat,email&channel=chat", parley.ConversationFilter{Channels: []string{"chat", "email"}}, nil},
		{"from=2026-03-01&to=2026-03-31", parley.ConversationFilter{From: "2026-03-01", To: "2026-03-31"}, nil},
		{"from=2026-13-01&to=yesterday", parley.ConversationFilter{}, []string{"from", "to"}},
		{"test=exclude", parley.ConversationFilter{}, nil},
		{"test=include", parley.ConversationFilter{Test: parley.TestInclude}, nil},
		{"test=only", parley.ConversationFilter{Test: parley.TestOnly}, nil},
		{"test=sometimes", parley.ConversationFilter{}, []string{"test"}},
		{"reopened=true", parley.ConversationFilter{Reopened: true}, nil},
		{"reopened=false", parley.ConversationFilter{}, []string{"reopened"}},
		{"test=no&reopened=1&outcome=x&from=now", parley.ConversationFilter{}, []string{"from", "outcome", "reopened", "test"}},
	} {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parley.ParseConversationFilter(q)
		var fields []string
		for _, p := range parley.ProblemsOf(err) {
			fields = append(fields, p.Field)
		}
		if diff := cmp.Diff(tt.problems, fields); diff != "" {
			t.Errorf("%q: problems (-want +got):\n%s", tt.query, diff)
		}
		if err != nil {
			if parley.KindOf(err) != parley.KindInvalid {
				t.Errorf("%q: %v, want invalid", tt.query, err)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, f); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.query, diff)
		}
		back, err := parley.ParseConversationFilter(f.Query())
		if err != nil || !cmp.Equal(f, back) {
			t.Errorf("%q: Query %q reads back as %+v, %v", tt.query, f.Query().Encode(), back, err)
		}
	}
	if q := (parley.ConversationFilter{}).Query(); len(q) != 0 {
		t.Errorf("the zero filter's query is %q, want empty", q.Encode())
	}
}

// ConversationFilterParams, from which the CLI makes its flags and the
// OpenAPI test knows what the API reads, are exactly what the parser reads.
func TestConversationFilterParams(t *testing.T) {
	sample := map[string]string{"outcome": "handled", "resolution": "assumed", "reason": "negative_feedback", "initiator": "rule",
		"channel": "chat", "from": "2026-01-01", "to": "2026-01-31", "test": "only", "reopened": "true",
		"source": "kb-1|pin", "action": "refund"}
	for _, p := range parley.ConversationFilterParams {
		v, ok := sample[p.Name]
		if !ok {
			t.Errorf("parameter %q has no sample value here", p.Name)
			continue
		}
		delete(sample, p.Name)
		f, err := parley.ParseConversationFilter(url.Values{p.Name: {v}})
		if err != nil || cmp.Equal(f, parley.ConversationFilter{}) {
			t.Errorf("%s=%s: %+v, %v; want a filter that differs from the default", p.Name, v, f, err)
		}
		if p.Usage == "" {
			t.Errorf("parameter %q has no usage", p.Name)
		}
	}
	for name, v := range sample {
		if f, _ := parley.ParseConversationFilter(url.Values{name: {v}}); !cmp.Equal(f, parley.ConversationFilter{}) {
			t.Errorf("the parser reads %q, which ConversationFilterParams lacks", name)
		}
	}
}

// Every filter the parser accepts is written back by Query as parameters
// that read as the same filter.
func FuzzParseConversationFilter(f *testing.F) {
	for _, s := range []string{"", "outcome=handled,resolved&test=only", "channel=a,b&from=2026-01-02&to=2026-02-03&reopened=true",
		"reason=human_requested&initiator=rule&resolution=assumed", "outcome=%20deflected%20,,deflected"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		cf, err := parley.ParseConversationFilter(q)
		if err != nil {
			if len(parley.ProblemsOf(err)) == 0 {
				t.Fatalf("%q: refused without naming a parameter: %v", raw, err)
			}
			return
		}
		back, err := parley.ParseConversationFilter(cf.Query())
		if err != nil || !cmp.Equal(cf, back) {
			t.Fatalf("%q: %+v written as %q reads back as %+v, %v", raw, cf, cf.Query().Encode(), back, err)
		}
	})
}
