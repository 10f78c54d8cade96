package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
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

// HandoffReason names the reason a handoff gave.
func (l Lang) HandoffReason(slug string) string { return l.word("handoff.", slug) }

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

// Hours writes a duration of whole or part hours: "72 hours", "72 小時".
func (l Lang) Hours(d time.Duration) string {
	h := strconv.FormatFloat(d.Hours(), 'f', -1, 64)
	if d == time.Hour {
		return l.T("unit.hour")
	}
	return l.T("unit.hours", h)
}

// Column names a column of a chart's table (report.Table): its own words
// ("column.<name>"), else words made from its parts — an unresolved
// reason, a handoff reason, a CSAT group and measure — else the name with
// spaces for underscores.
func (l Lang) Column(name string) string {
	if _, ok := messages["column."+name]; ok {
		return l.T("column." + name)
	}
	if reason, ok := strings.CutPrefix(name, "unresolved_"); ok {
		return l.T("column.unresolved_by", l.word("reason.", reason))
	}
	if reason, ok := strings.CutPrefix(name, "handoffs_"); ok {
		return l.T("column.handoffs_by", l.HandoffReason(reason))
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
	return strings.ReplaceAll(name, "_", " ")
}
