package parley_test

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley"
)

func TestScopesRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []parley.Scope
		ok   bool
	}{
		{"ingest", []parley.Scope{parley.ScopeIngest}, true},
		{" read , write,read", []parley.Scope{parley.ScopeRead, parley.ScopeWrite}, true},
		{"", nil, false},
		{"root", nil, false},
	} {
		got, err := parley.ParseScopes(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("parley.ParseScopes(%q) = %v, %v", tt.in, got, err)
			continue
		}
		if again, _ := parley.ParseScopes(parley.FormatScopes(got)); tt.ok && !slices.Equal(again, got) {
			t.Errorf("parley.FormatScopes(%v) = %q does not read back", got, parley.FormatScopes(got))
		}
	}
}
