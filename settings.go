package parley

import (
	"fmt"
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
	if _, err := s.Location(); err != nil || s.TimeZone == "" {
		problems = append(problems, FieldProblem("time_zone", fmt.Sprintf("unknown time zone %q", s.TimeZone)))
	}
	if s.WeekStart != WeekStartMonday && s.WeekStart != WeekStartSunday {
		problems = append(problems, FieldProblem("week_start", `must be "monday" or "sunday"`))
	}
	if s.Window < MinWindow || s.Window > MaxWindow {
		problems = append(problems, FieldProblem("window", fmt.Sprintf("must be between %s and %s", MinWindow, MaxWindow)))
	}
	if len(problems) > 0 {
		return InvalidInput(problems)
	}
	return nil
}
