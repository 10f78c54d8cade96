package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
)

// Slugs are the stable names of things in events, settings, CSV and JSON
// (customer_request, whatsapp, 72h). A person reads them as words: these
// give each its words in the page's language, and any slug without words
// of its own (a channel a caller made up) as it is.

// word returns the message for prefix+slug, or the slug when there is none.
func (l Lang) word(prefix, slug string) string {
	if _, ok := messages[prefix+slug]; !ok {
		return slug
	}
	return l.T(prefix + slug)
}

// Channel names a channel: the known ones in words, others as sent.
func (l Lang) Channel(slug string) string { return l.word("channel.", slug) }

// HandoffReason names the reason a handoff gave: the usual ones in
// words, report.NoReason as "no reason given", a caller's own as sent.
func (l Lang) HandoffReason(slug string) string {
	if slug == report.NoReason {
		slug = "none"
	}
	return l.word("handoff_reason.", slug)
}

// Window writes an evaluation window in hours, as support teams speak of
// it ("72 hours", "1.5 hours"), and whole weeks and longer in days.
func (l Lang) Window(d time.Duration) string {
	if day := 24 * time.Hour; d >= 7*day && d%day == 0 {
		return l.T("unit.days", int64(d/day))
	}
	return l.Hours(d)
}

// SettingValue writes a setting's value (as parley.Settings.Text writes
// it) in words.
func (l Lang) SettingValue(key, value string) string {
	switch key {
	case "week_start":
		return l.word("meta.", value)
	case "window":
		if d, err := parley.ParseWindow(value); err == nil {
			return l.Window(d)
		}
	case "counted_channels":
		if value == "" {
			return l.T("filter.all")
		}
		var names []string
		for c := range strings.SplitSeq(value, ",") {
			names = append(names, l.Channel(c))
		}
		return strings.Join(names, l.T("list.sep"))
	case "resolution_criterion":
		return l.word("setting.criterion.", value)
	case "failed_last_action":
		return l.word("setting.onoff.", value)
	}
	return value
}

// SettingChanges says, in words, each setting whose value differs between
// old and next (KEY → value as parley.Settings.Text writes it), in the
// order of parley.SettingKeys: "evaluation window 72 hours → 48 hours"; a
// setting missing from old reads "time zone → Asia/Taipei".
func (l Lang) SettingChanges(old, next map[string]string) string {
	var parts []string
	for _, k := range parley.SettingKeys {
		v, ok := next[k]
		o, had := old[k]
		if !ok || had && o == v {
			continue
		}
		name := l.T("setting." + k)
		if had {
			parts = append(parts, name+" "+l.SettingValue(k, o)+" → "+l.SettingValue(k, v))
		} else {
			parts = append(parts, name+" → "+l.SettingValue(k, v))
		}
	}
	return strings.Join(parts, l.T("list.sep"))
}

// Hours writes a duration of whole or part hours: "72 hours", "72 小時".
func (l Lang) Hours(d time.Duration) string {
	h := strconv.FormatFloat(d.Hours(), 'f', -1, 64)
	if d == time.Hour {
		return l.T("unit.hour")
	}
	return l.T("unit.hours", h)
}

// Column names a column of a chart's table (report.Table): its own words
// ("column.<name>"); an unresolved reason or a handoff reason (the columns
// of the reason charts) in words; a CSAT group and measure; else, a
// caller's handoff reason, as it is.
func (l Lang) Column(name string) string {
	if of, high, ok := report.Bound(name); ok {
		if high {
			return l.T("column.bound_high", l.Column(of))
		}
		return l.T("column.bound_low", l.Column(of))
	}
	if _, ok := messages["column."+name]; ok {
		return l.T("column." + name)
	}
	if _, ok := messages["reason."+name]; ok {
		return l.T("reason." + name)
	}
	if reason, ok := strings.CutPrefix(name, "unresolved_"); ok {
		if _, ok := messages["reason."+reason]; ok {
			return l.T("column.unresolved_by", l.T("reason."+reason))
		}
	}
	if rest, ok := strings.CutPrefix(name, "csat"); ok {
		for _, m := range []string{"_satisfied", "_rated", "_rate", "_mean"} {
			if group, ok := strings.CutSuffix(rest, m); ok {
				g := l.T("column.csat")
				if group != "" {
					g = l.T("column.csat_of", l.word("outcome.", strings.TrimPrefix(group, "_")))
				}
				return g + " · " + l.T("column.csat"+m)
			}
		}
	}
	return l.HandoffReason(name)
}
