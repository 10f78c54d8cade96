package parley_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

// with returns the default settings changed by f.
func with(f func(*parley.Settings)) parley.Settings {
	s := parley.DefaultSettings()
	f(&s)
	return s
}

// TestSettingsValidate checks each setting against its range in SPEC §2:
// every problem names its field, and only those fields.
func TestSettingsValidate(t *testing.T) {
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
		{"any agent reply", with(func(s *parley.Settings) { s.ResolutionCriterion = parley.CriterionAnyAgentReply }), nil},
		{"a criterion that is not criterion 1", with(func(s *parley.Settings) { s.ResolutionCriterion = parley.CriterionNoHumanRequest }), []string{"resolution_criterion"}},
		{"no criterion", with(func(s *parley.Settings) { s.ResolutionCriterion = "" }), []string{"resolution_criterion"}},
		{"everything wrong", parley.Settings{TimeZone: "Local", CountedChannels: []string{"a b"}},
			[]string{"time_zone", "week_start", "window", "counted_channels", "resolution_criterion"}},
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

// TestSettingsJSON: the window is a duration text, counted channels are
// always a JSON array, also when none are chosen (every channel counts),
// and the JSON reads back as written.
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
	s := parley.DefaultSettings()
	s.Window, s.ResolutionCriterion, s.FailedLastAction = 90*time.Minute, parley.CriterionAnyAgentReply, true
	b, _ := json.Marshal(s)
	const want = `{"time_zone":"UTC","week_start":"monday","window":"1h30m","counted_channels":[],"resolution_criterion":"any_agent_reply","failed_last_action":true}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	var back parley.Settings
	if err := json.Unmarshal(b, &back); err != nil || !cmp.Equal(back, s) {
		t.Errorf("read back as %+v, %v; want %+v", back, err, s)
	}
}

func TestWindowText(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		text string
	}{
		{72 * time.Hour, "72h"}, {time.Hour, "1h"}, {90 * time.Minute, "1h30m"}, {45 * time.Minute, "45m"},
		{parley.MaxWindow, "720h"}, {time.Hour + time.Second, "1h0m1s"},
	} {
		if got := parley.FormatWindow(tt.d); got != tt.text {
			t.Errorf("FormatWindow(%v) = %q, want %q", tt.d, got, tt.text)
		}
		if d, err := parley.ParseWindow(tt.text); err != nil || d != tt.d {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", tt.text, d, err, tt.d)
		}
	}
	for text, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, " 2d ": 48 * time.Hour, "0.5h": 30 * time.Minute} {
		if d, err := parley.ParseWindow(text); err != nil || d != want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", text, d, err, want)
		}
	}
	for _, bad := range []string{"", "72", "three days", "1.5d", "-1d", "99999d", "72 hours"} {
		if d, err := parley.ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) = %v, want an error", bad, d)
		}
	}
}

// TestSettingsApply: a change names settings by their keys; each problem
// names its key, and a change with any problem changes nothing.
func TestSettingsApply(t *testing.T) {
	def := parley.DefaultSettings()
	for _, tt := range []struct {
		name   string
		text   map[string]string
		json   string
		want   parley.Settings
		fields []string // of the problems; nil when valid
	}{
		{"nothing", map[string]string{}, `{}`, def, nil},
		{"every setting",
			map[string]string{"time_zone": "Asia/Taipei", "week_start": "sunday", "window": "48h", "counted_channels": "chat, email,chat",
				"resolution_criterion": "any_agent_reply", "failed_last_action": "true"},
			`{"time_zone":"Asia/Taipei","week_start":"sunday","window":"48h","counted_channels":["chat","email","chat"],"resolution_criterion":"any_agent_reply","failed_last_action":true}`,
			parley.Settings{TimeZone: "Asia/Taipei", WeekStart: parley.WeekStartSunday, Window: 48 * time.Hour, CountedChannels: []string{"chat", "email"},
				ResolutionCriterion: parley.CriterionAnyAgentReply, FailedLastAction: true}, nil},
		{"window in days", map[string]string{"window": "2d"}, `{"window":"2d"}`, with(func(s *parley.Settings) { s.Window = 48 * time.Hour }), nil},
		{"every channel again", map[string]string{"counted_channels": ""}, `{"counted_channels":[]}`, def, nil},
		{"switches", map[string]string{"failed_last_action": "on"}, `{"failed_last_action":true}`,
			with(func(s *parley.Settings) { s.FailedLastAction = true }), nil},
		{"unknown keys", map[string]string{"colour": "red", "Window": "1h"}, `{"colour":"red","Window":"1h"}`, def, []string{"Window", "colour"}},
		{"window out of range", map[string]string{"window": "10m"}, `{"window":"10m"}`, def, []string{"window"}},
		{"window not a duration", map[string]string{"window": "72"}, `{"window":"72"}`, def, []string{"window"}},
		{"bad criterion", map[string]string{"resolution_criterion": "no_human_request"}, `{"resolution_criterion":"no_human_request"}`, def, []string{"resolution_criterion"}},
		{"bad switch", map[string]string{"failed_last_action": "maybe"}, `{"failed_last_action":"true"}`, def, []string{"failed_last_action"}},
		{"bad zone and channel", map[string]string{"time_zone": "Local", "counted_channels": "Web Chat"}, `{"time_zone":"Local","counted_channels":["Web Chat"]}`,
			def, []string{"time_zone", "counted_channels"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.json), &raw); err != nil {
				t.Fatal(err)
			}
			for form, apply := range map[string]func() (parley.Settings, error){
				"text": func() (parley.Settings, error) { return def.ApplyText(tt.text) },
				"json": func() (parley.Settings, error) { return def.Apply(raw) },
			} {
				got, err := apply()
				var fields []string
				for _, p := range parley.ProblemsOf(err) {
					fields = append(fields, p.Field)
				}
				if diff := cmp.Diff(tt.fields, fields); diff != "" {
					t.Errorf("%s: problem fields (-want +got):\n%s", form, diff)
				}
				if tt.fields == nil {
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("%s: settings (-want +got):\n%s", form, diff)
					}
				}
			}
		})
	}
	if def.CountedChannels != nil || def.Window != parley.DefaultWindow {
		t.Errorf("Apply changed the settings it was called on: %+v", def)
	}
}

// TestSettingsText: what Text prints, ApplyText reads back; Diff lists
// what changed.
func TestSettingsText(t *testing.T) {
	s := parley.Settings{TimeZone: "Europe/Paris", WeekStart: parley.WeekStartSunday, Window: 90 * time.Minute,
		CountedChannels: []string{"chat", "sms"}, ResolutionCriterion: parley.CriterionAnyAgentReply, FailedLastAction: true}
	text := map[string]string{}
	for _, k := range parley.SettingKeys {
		text[k] = s.Text(k)
	}
	back, err := parley.DefaultSettings().ApplyText(text)
	if err != nil || !cmp.Equal(back, s) {
		t.Errorf("ApplyText(%v) = %+v, %v; want %+v", text, back, err, s)
	}
	if got, want := parley.DefaultSettings().Diff(s), "time_zone=Europe/Paris week_start=sunday window=1h30m counted_channels=chat,sms resolution_criterion=any_agent_reply failed_last_action=true"; got != want {
		t.Errorf("Diff = %q\nwant %q", got, want)
	}
	if got := s.Diff(s); got != "" {
		t.Errorf("Diff of equal settings = %q", got)
	}
}
