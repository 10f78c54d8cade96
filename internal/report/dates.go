package report

import (
	"fmt"
	"time"

	"github.com/parleyhq/parley"
)

// Local dates are handled as midnight UTC of that date, so that adding days
// never meets a daylight-saving jump; the workspace zone matters only when
// an instant is turned into a date (dayOf).

func parseDay(s string) (time.Time, error) { return time.Parse(parley.DayLayout, s) }

func formatDay(t time.Time) string { return t.Format(parley.DayLayout) }

// dayOf is the local date of an instant in loc.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// weekStart is the first day of the week that holds day.
func weekStart(day time.Time, start parley.WeekStart) time.Time {
	first := time.Monday
	if start == parley.WeekStartSunday {
		first = time.Sunday
	}
	back := (int(day.Weekday()) - int(first) + 7) % 7
	return day.AddDate(0, 0, -back)
}

// bucketsOf cuts from..to into days, weeks or months; the first and last
// buckets are clipped to the range.
func bucketsOf(from, to time.Time, g Granularity, start parley.WeekStart) []Bucket {
	var out []Bucket
	for b := from; !b.After(to); {
		var next time.Time
		switch g {
		case Day:
			next = b.AddDate(0, 0, 1)
		case Week:
			next = weekStart(b, start).AddDate(0, 0, 7)
		default:
			next = time.Date(b.Year(), b.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		}
		end := next.AddDate(0, 0, -1)
		if end.After(to) {
			end = to
		}
		out = append(out, Bucket{From: formatDay(b), To: formatDay(end)})
		b = next
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Preset names a common range.
type Preset string

// The ranges the Performance page offers. "Last N weeks" ends with the
// current week, so that the newest (provisional) numbers are in view.
const (
	ThisWeek    Preset = "this_week"
	Last4Weeks  Preset = "last_4_weeks"
	Last12Weeks Preset = "last_12_weeks"
	Last26Weeks Preset = "last_26_weeks"
	Last52Weeks Preset = "last_52_weeks"
)

// Presets lists them from shortest to longest.
var Presets = []Preset{ThisWeek, Last4Weeks, Last12Weeks, Last26Weeks, Last52Weeks}

// DefaultPreset is the range a report shows when none is asked for.
const DefaultPreset = Last12Weeks

// Range returns the local dates a preset covers when the workspace-local
// date is today.
func (p Preset) Range(now time.Time, s parley.Settings) (from, to string, err error) {
	loc, err := s.Location()
	if err != nil {
		return "", "", err
	}
	weeks := map[Preset]int{ThisWeek: 1, Last4Weeks: 4, Last12Weeks: 12, Last26Weeks: 26, Last52Weeks: 52}[p]
	if weeks == 0 {
		return "", "", parley.InvalidInput([]parley.Problem{parley.FieldProblem("range", fmt.Sprintf("unknown range %q", p))})
	}
	start := weekStart(dayOf(now, loc), s.WeekStart)
	return formatDay(start.AddDate(0, 0, -7*(weeks-1))), formatDay(start.AddDate(0, 0, 6)), nil
}

// LastCompleteWeek returns the local dates of the week before the one that
// holds now: the newest week whose days are all past. The report's
// LastWeek is this week too.
func LastCompleteWeek(now time.Time, s parley.Settings) (from, to string, err error) {
	loc, err := s.Location()
	if err != nil {
		return "", "", err
	}
	last, _ := weeksBefore(dayOf(now, loc), s.WeekStart)
	return formatDay(last), formatDay(last.AddDate(0, 0, 6)), nil
}

// weeksBefore returns the first days of the two weeks before the one that
// holds today.
func weeksBefore(today time.Time, start parley.WeekStart) (last, before time.Time) {
	this := weekStart(today, start)
	return this.AddDate(0, 0, -7), this.AddDate(0, 0, -14)
}
