package parley

import (
	"encoding/json"
	"fmt"
	"regexp"
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
	// Window is the evaluation window W of the resolution rule.
	Window time.Duration `json:"window"`
	// CountedChannels limits the channels counted for the handle rate;
	// empty means every channel seen.
	CountedChannels []string `json:"counted_channels"`
}

// slugPattern is the shape of a channel or handoff reason (SPEC §3).
var slugPattern = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

// ValidSlug reports whether s has the shape of a channel or handoff reason
// slug (SPEC §3). Events are checked against it, and so are the counted
// channels of the settings: a counted channel no event can carry would
// make the handle rate count nothing.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// MarshalJSON writes no counted channels (every channel counts) as an
// empty list, not null: the field is always an array for API clients.
func (s Settings) MarshalJSON() ([]byte, error) {
	type plain Settings
	if s.CountedChannels == nil {
		s.CountedChannels = []string{}
	}
	return json.Marshal(plain(s))
}

// DefaultSettings returns the settings of a new workspace.
func DefaultSettings() Settings {
	return Settings{TimeZone: "UTC", WeekStart: WeekStartMonday, Window: DefaultWindow}
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
		problems = append(problems, FieldProblem("window", fmt.Sprintf("must be between %s and %s", MinWindow, MaxWindow)))
	}
	for _, c := range s.CountedChannels {
		if !ValidSlug(c) {
			problems = append(problems, FieldProblem("counted_channels",
				fmt.Sprintf("%q is not a channel slug: 1 to 40 of a-z, 0-9, '_' and '-'", c)))
		}
	}
	if len(problems) > 0 {
		return InvalidInput(problems)
	}
	return nil
}
