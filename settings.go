package parley

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WeekStart is the first day of a reporting week.
type WeekStart string

// The days a week may start on.
const (
	WeekStartMonday WeekStart = "monday"
	WeekStartSunday WeekStart = "sunday"
)

// Limits of the evaluation window (SPEC §2).
const (
	DefaultWindow = 72 * time.Hour
	MinWindow     = time.Hour
	MaxWindow     = 30 * 24 * time.Hour
)

// Settings are the per-workspace choices that shape every number (SPEC §2).
type Settings struct {
	// TimeZone is an IANA zone name; every day and week bucket is cut in it.
	TimeZone  string    `json:"time_zone"`
	WeekStart WeekStart `json:"week_start"`
	// Window is the evaluation window W of the resolution rule. In JSON it
	// is a duration such as "72h" (see FormatWindow).
	Window time.Duration `json:"window"`
	// CountedChannels limits the channels counted for the handle rate;
	// empty means every channel seen.
	CountedChannels []string `json:"counted_channels"`
	// ResolutionCriterion is criterion 1 of the resolution rule:
	// CriterionCitedSourceOrAction, or CriterionAnyAgentReply for
	// platforms that cannot report what a reply cited.
	ResolutionCriterion Criterion `json:"resolution_criterion"`
	// FailedLastAction adds the criterion CriterionLastActionNotFailed: a
	// conversation whose last agent action failed is unresolved.
	FailedLastAction bool `json:"failed_last_action"`
}

// VersionedSettings are a workspace's settings with their number, as the
// settings API and `parley settings show` give them.
type VersionedSettings struct {
	// Version numbers the settings: 1 for a new workspace's, one more at
	// each change.
	Version  int64    `json:"version"`
	Settings Settings `json:"settings"`
}

// SettingKeys names the settings as the API, the command line and the
// report's settings object do, in the order they are shown.
var SettingKeys = []string{"time_zone", "week_start", "window", "counted_channels", "resolution_criterion", "failed_last_action"}

// ResolutionCriteria are the values criterion 1 of the rule may take.
var ResolutionCriteria = []Criterion{CriterionCitedSourceOrAction, CriterionAnyAgentReply}

// slugPattern is the shape of a channel or handoff reason (SPEC §3).
var slugPattern = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

// ValidSlug reports whether s has the shape of a channel or handoff reason
// slug (SPEC §3). Events are checked against it, and so are the counted
// channels of the settings: a counted channel no event can carry would
// make the handle rate count nothing.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// settingsJSON is the JSON form of Settings: the window as a duration
// text, not nanoseconds.
type settingsJSON struct {
	TimeZone            string    `json:"time_zone"`
	WeekStart           WeekStart `json:"week_start"`
	Window              string    `json:"window"`
	CountedChannels     []string  `json:"counted_channels"`
	ResolutionCriterion Criterion `json:"resolution_criterion"`
	FailedLastAction    bool      `json:"failed_last_action"`
}

// MarshalJSON writes the window as a duration ("72h"), and no counted
// channels (every channel counts) as an empty list, not null: the field is
// always an array for API clients.
func (s Settings) MarshalJSON() ([]byte, error) {
	j := settingsJSON{TimeZone: s.TimeZone, WeekStart: s.WeekStart, Window: FormatWindow(s.Window),
		CountedChannels: s.CountedChannels, ResolutionCriterion: s.ResolutionCriterion, FailedLastAction: s.FailedLastAction}
	if j.CountedChannels == nil {
		j.CountedChannels = []string{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes. Settings read whole this way
// are not validated; see Settings.Apply for a change from a caller.
func (s *Settings) UnmarshalJSON(b []byte) error {
	var j settingsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	w, err := ParseWindow(j.Window)
	if err != nil {
		return fmt.Errorf("window: %w", err)
	}
	*s = Settings{TimeZone: j.TimeZone, WeekStart: j.WeekStart, Window: w, CountedChannels: j.CountedChannels,
		ResolutionCriterion: j.ResolutionCriterion, FailedLastAction: j.FailedLastAction}
	if len(s.CountedChannels) == 0 {
		s.CountedChannels = nil
	}
	return nil
}

// FormatWindow writes a window as the shortest Go duration text: "72h",
// "1h30m", "45m".
func FormatWindow(d time.Duration) string {
	t := d.String()
	if strings.HasSuffix(t, "m0s") {
		t = strings.TrimSuffix(t, "0s")
	}
	if strings.HasSuffix(t, "h0m") {
		t = strings.TrimSuffix(t, "0m")
	}
	return t
}

// ParseWindow reads a window written as a Go duration ("72h", "1h30m") or
// a whole number of days ("7d").
func ParseWindow(text string) (time.Duration, error) {
	text = strings.TrimSpace(text)
	if days, ok := strings.CutSuffix(text, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > int(MaxWindow/(24*time.Hour)) {
			return 0, fmt.Errorf("%q is not a number of days", text)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 72h, 1h30m or 7d", text)
	}
	return d, nil
}

// Recomputes reports whether changing the settings from old to s changes
// outcomes, or the days they are counted on, so that every conversation
// must be evaluated again. The week start and the counted channels only
// shape reports, which read them afresh.
func (s Settings) Recomputes(old Settings) bool {
	return s.TimeZone != old.TimeZone || s.Window != old.Window ||
		s.ResolutionCriterion != old.ResolutionCriterion || s.FailedLastAction != old.FailedLastAction
}

// DefaultSettings returns the settings of a new workspace.
func DefaultSettings() Settings {
	return Settings{TimeZone: "UTC", WeekStart: WeekStartMonday, Window: DefaultWindow, ResolutionCriterion: CriterionCitedSourceOrAction}
}

// Location loads the settings' time zone.
func (s Settings) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, Errorf(KindInvalid, "time_zone: unknown time zone %q", s.TimeZone)
	}
	return loc, nil
}

// Validate reports every setting out of its range, as problems naming the field.
func (s Settings) Validate() error {
	var problems []Problem
	// time.LoadLocation also takes "" (UTC) and "Local" (the server's
	// zone, which could change under stored numbers when the server
	// moves): neither is an IANA zone name.
	if _, err := s.Location(); err != nil || s.TimeZone == "" || s.TimeZone == "Local" {
		problems = append(problems, FieldProblem("time_zone", fmt.Sprintf("unknown time zone %q: must be an IANA zone such as UTC or Europe/Paris", s.TimeZone)))
	}
	if s.WeekStart != WeekStartMonday && s.WeekStart != WeekStartSunday {
		problems = append(problems, FieldProblem("week_start", `must be "monday" or "sunday"`))
	}
	if s.Window < MinWindow || s.Window > MaxWindow {
		problems = append(problems, FieldProblem("window", fmt.Sprintf("must be between %s and %s", FormatWindow(MinWindow), FormatWindow(MaxWindow))))
	}
	for _, c := range s.CountedChannels {
		if !ValidSlug(c) {
			problems = append(problems, FieldProblem("counted_channels",
				fmt.Sprintf("%q is not a channel slug: 1 to 40 of a-z, 0-9, '_' and '-'", c)))
		}
	}
	if !slices.Contains(ResolutionCriteria, s.ResolutionCriterion) {
		problems = append(problems, FieldProblem("resolution_criterion", fmt.Sprintf("must be %q or %q", CriterionCitedSourceOrAction, CriterionAnyAgentReply)))
	}
	if len(problems) > 0 {
		return InvalidInput(problems)
	}
	return nil
}

// Apply returns s with some settings changed, each named by its key
// (SettingKeys) and given as its JSON value: a string for the time zone,
// the week start, the window ("72h") and the resolution criterion, an
// array of channel slugs for the counted channels (empty: every channel),
// a boolean for failed_last_action. Settings left out keep their values.
// Every problem names its key: an unknown key, a value of the wrong JSON
// type, or one out of its range (Validate). The page, the API and the
// command line all change settings through Apply or ApplyText.
func (s Settings) Apply(changes map[string]json.RawMessage) (Settings, error) {
	return apply(s, changes, func(s *Settings, key string, raw json.RawMessage) string {
		switch key {
		case "counted_channels":
			var list []string
			if err := json.Unmarshal(raw, &list); err != nil {
				return "must be an array of channel slugs"
			}
			s.CountedChannels = uniqueTrimmed(list)
		case "failed_last_action":
			if err := json.Unmarshal(raw, &s.FailedLastAction); err != nil {
				return "must be true or false"
			}
		default:
			var text string
			if err := json.Unmarshal(raw, &text); err != nil {
				return "must be a string"
			}
			return s.setText(key, text)
		}
		return ""
	})
}

// ApplyText is Apply for values written as text, as on a command line
// (KEY=VALUE) or in a form: the counted channels separated by commas
// (none: every channel), failed_last_action true or false (or on, off).
func (s Settings) ApplyText(changes map[string]string) (Settings, error) {
	return apply(s, changes, func(s *Settings, key, text string) string { return s.setText(key, text) })
}

// apply changes s by set, key by key in the order of SettingKeys, then
// validates the result.
func apply[V any](s Settings, changes map[string]V, set func(s *Settings, key string, value V) string) (Settings, error) {
	var problems []Problem
	var unknown []string
	for key := range changes {
		if !slices.Contains(SettingKeys, key) {
			unknown = append(unknown, key)
		}
	}
	slices.Sort(unknown)
	for _, key := range unknown {
		problems = append(problems, FieldProblem(key, "unknown setting; the settings are "+strings.Join(SettingKeys, ", ")))
	}
	s.CountedChannels = slices.Clone(s.CountedChannels)
	for _, key := range SettingKeys {
		if v, ok := changes[key]; ok {
			if msg := set(&s, key, v); msg != "" {
				problems = append(problems, FieldProblem(key, msg))
			}
		}
	}
	if err := s.Validate(); err != nil {
		problems = append(problems, ProblemsOf(err)...)
	}
	if len(problems) > 0 {
		return s, InvalidInput(problems)
	}
	return s, nil
}

// setText sets one known setting from its text, or says what is wrong
// with the text.
func (s *Settings) setText(key, text string) string {
	text = strings.TrimSpace(text)
	switch key {
	case "time_zone":
		s.TimeZone = text
	case "week_start":
		s.WeekStart = WeekStart(text)
	case "window":
		w, err := ParseWindow(text)
		if err != nil {
			return err.Error()
		}
		s.Window = w
	case "counted_channels":
		s.CountedChannels = SplitList(text)
	case "resolution_criterion":
		s.ResolutionCriterion = Criterion(text)
	case "failed_last_action":
		switch strings.ToLower(text) {
		case "true", "on", "yes", "1":
			s.FailedLastAction = true
		case "false", "off", "no", "0":
			s.FailedLastAction = false
		default:
			return "must be true or false"
		}
	}
	return ""
}

// uniqueTrimmed trims each value, leaving out blanks and repeats, in the
// order given: the rule of a settings' channel list and of a parameter's
// values (SplitParam).
func uniqueTrimmed(list []string) []string {
	var out []string
	for _, c := range list {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Text returns one setting as ApplyText reads it, so that what a command
// prints can be given back to it.
func (s Settings) Text(key string) string {
	switch key {
	case "time_zone":
		return s.TimeZone
	case "week_start":
		return string(s.WeekStart)
	case "window":
		return FormatWindow(s.Window)
	case "counted_channels":
		return strings.Join(s.CountedChannels, ",")
	case "resolution_criterion":
		return string(s.ResolutionCriterion)
	case "failed_last_action":
		return strconv.FormatBool(s.FailedLastAction)
	}
	return ""
}

// Diff lists the settings that differ between s and t, as KEY=VALUE of t,
// in the order of SettingKeys: what a change did, for the audit log.
func (s Settings) Diff(t Settings) string {
	var out []string
	for _, key := range SettingKeys {
		if v := t.Text(key); v != s.Text(key) {
			out = append(out, key+"="+v)
		}
	}
	return strings.Join(out, " ")
}
