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

// TestNewUserInputValidate names each bad field of a new person, text
// the database cannot store included.
func TestNewUserInputValidate(t *testing.T) {
	good := parley.NewUserInput{Email: " Ana@Example.com ", Name: "Ana", Password: "correct horse", Role: parley.RoleEditor}
	with := func(f func(*parley.NewUserInput)) parley.NewUserInput { in := good; f(&in); return in }
	for _, tt := range []struct {
		name   string
		in     parley.NewUserInput
		fields []string
	}{
		{"valid", good, nil},
		{"not an email", with(func(in *parley.NewUserInput) { in.Email = "ana" }), []string{"email"}},
		{"NUL in the email", with(func(in *parley.NewUserInput) { in.Email = "ana\x00@example.com" }), []string{"email"}},
		{"bad UTF-8 in the email", with(func(in *parley.NewUserInput) { in.Email = "an\xffa@example.com" }), []string{"email"}},
		{"NUL in the name", with(func(in *parley.NewUserInput) { in.Name = "Ana\x00" }), []string{"name"}},
		{"bad UTF-8 in the name", with(func(in *parley.NewUserInput) { in.Name = "An\xe2\x82a" }), []string{"name"}},
		{"short password", with(func(in *parley.NewUserInput) { in.Password = "short" }), []string{"password"}},
		{"unknown role", with(func(in *parley.NewUserInput) { in.Role = "owner" }), []string{"role"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			email, err := tt.in.Validate()
			var fields []string
			for _, p := range parley.ProblemsOf(err) {
				fields = append(fields, p.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("problems %v, want fields %v", parley.ProblemsOf(err), tt.fields)
			}
			if err == nil && email != "ana@example.com" {
				t.Errorf("email %q, want it trimmed and in lower case", email)
			}
		})
	}
}
