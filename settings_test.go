package parley_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

// TestSettingsValidate checks each setting against its range in SPEC §2:
// every problem names its field, and only those fields.
func TestSettingsValidate(t *testing.T) {
	with := func(f func(*parley.Settings)) parley.Settings {
		s := parley.DefaultSettings()
		f(&s)
		return s
	}
	for _, tt := range []struct {
		name   string
		in     parley.Settings
		fields []string // the fields of the problems, in order; nil when valid
	}{
		{"defaults", parley.DefaultSettings(), nil},
		{"an IANA zone", with(func(s *parley.Settings) { s.TimeZone = "Asia/Taipei" }), nil},
		{"counted channels", with(func(s *parley.Settings) { s.CountedChannels = []string{"chat", "web_chat-2", "unknown"} }), nil},
		{"window at its limits", with(func(s *parley.Settings) { s.Window = parley.MaxWindow }), nil},
		{"no zone", with(func(s *parley.Settings) { s.TimeZone = "" }), []string{"time_zone"}},
		{"the server's zone", with(func(s *parley.Settings) { s.TimeZone = "Local" }), []string{"time_zone"}},
		{"an unknown zone", with(func(s *parley.Settings) { s.TimeZone = "Mars/Olympus" }), []string{"time_zone"}},
		{"a path for a zone", with(func(s *parley.Settings) { s.TimeZone = "../../etc/passwd" }), []string{"time_zone"}},
		{"a channel with a space", with(func(s *parley.Settings) { s.CountedChannels = []string{"chat", "Bad Slug"} }), []string{"counted_channels"}},
		{"a channel with markup", with(func(s *parley.Settings) { s.CountedChannels = []string{"<b>x</b>"} }), []string{"counted_channels"}},
		{"two bad channels", with(func(s *parley.Settings) { s.CountedChannels = []string{"Chat", ""} }), []string{"counted_channels", "counted_channels"}},
		{"a channel too long", with(func(s *parley.Settings) { s.CountedChannels = []string{"a123456789b123456789c123456789d123456789e"} }), []string{"counted_channels"}},
		{"week start", with(func(s *parley.Settings) { s.WeekStart = "friday" }), []string{"week_start"}},
		{"window too short", with(func(s *parley.Settings) { s.Window = 30 * time.Minute }), []string{"window"}},
		{"everything wrong", parley.Settings{TimeZone: "Local", CountedChannels: []string{"a b"}},
			[]string{"time_zone", "week_start", "window", "counted_channels"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if parley.KindOf(err) != parley.KindInvalid {
				t.Fatalf("Validate() = %v, want an invalid-input error", err)
			}
			var got []string
			for _, p := range parley.ProblemsOf(err) {
				got = append(got, p.Field)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSettingsJSON: counted channels are always a JSON array, also when
// none are chosen (every channel counts).
func TestSettingsJSON(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{nil, `"counted_channels":[]`},
		{[]string{}, `"counted_channels":[]`},
		{[]string{"chat", "email"}, `"counted_channels":["chat","email"]`},
	} {
		s := parley.DefaultSettings()
		s.CountedChannels = tt.in
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tt.want) {
			t.Errorf("%q as JSON: %s, want %s in it", tt.in, b, tt.want)
		}
		var back parley.Settings
		if err := json.Unmarshal(b, &back); err != nil || back.TimeZone != s.TimeZone || back.Window != s.Window || len(back.CountedChannels) != len(tt.in) {
			t.Errorf("%s read back as %+v, %v", b, back, err)
		}
	}
}
