package report

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
)

// A Table is the numbers behind one chart: rows of buckets (or channels)
// and named columns. The page shows it as an HTML table, the CSV download
// and `parley report --format csv` write it; all take it from here, so the
// three never disagree.
type Table struct {
	Chart   string     `json:"chart"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// column is one metric column of a chart.
type column struct {
	name  string
	value func(m *Metrics) string
}

func count(f func(m *Metrics) int64) func(m *Metrics) string {
	return func(m *Metrics) string { return strconv.FormatInt(f(m), 10) }
}

func number(f func(m *Metrics) *float64) func(m *Metrics) string {
	return func(m *Metrics) string {
		if v := f(m); v != nil {
			return strconv.FormatFloat(*v, 'f', -1, 64)
		}
		return ""
	}
}

// Charts are the charts of the Performance page, by id, with their columns.
// Rates are fractions (0.25, not 25%); durations are seconds. The columns
// of a rate say what it rests on (decided and pending conversations), so
// that a reader can apply the rule the page draws by (see MinBasis), and
// each rate and median is followed by its 95 % interval (see intervals).
var Charts = []string{
	"handled", "channels", "feedback", "handle_rate", "resolution_rate", "resolved",
	"handoffs", "handoff_reasons", "handoff_rate", "unresolved_reasons", "time_to_close", "time_to_close_by_outcome", "csat", "all",
}

// csatColumns are the columns of one CSAT group, named after prefix.
func csatColumns(prefix string, group func(m *Metrics) *CSATScore, all bool) []column {
	cols := []column{
		{prefix + "_rated", count(func(m *Metrics) int64 { return group(m).Rated })},
		{prefix + "_rate", number(func(m *Metrics) *float64 { return group(m).Rate })},
		{prefix + "_mean", number(func(m *Metrics) *float64 { return group(m).Mean })},
	}
	if all {
		cols = slices.Insert(cols, 1, column{prefix + "_satisfied", count(func(m *Metrics) int64 { return group(m).Satisfied })})
	}
	return cols
}

// NoReason is the column, and the series, of handoffs given no reason:
// a name no reason slug can take.
const NoReason = "(none)"

var chartColumns = map[string][]column{
	"handled": {
		{"handled", count(func(m *Metrics) int64 { return m.Handled })},
		{"resolved", count(func(m *Metrics) int64 { return m.Resolved })},
		{"unresolved", count(func(m *Metrics) int64 { return m.Unresolved })},
		{"human_handoffs", count(func(m *Metrics) int64 { return m.HandedOff })},
		{"pending", count(func(m *Metrics) int64 { return m.Pending })},
	},
	"feedback": {
		{"feedback_positive", count(func(m *Metrics) int64 { return m.FeedbackPositive })},
		{"feedback_negative", count(func(m *Metrics) int64 { return m.FeedbackNegative })},
		{"helpful_rate", number(func(m *Metrics) *float64 { return m.HelpfulRate })},
	},
	"handle_rate": {
		{"conversations", count(func(m *Metrics) int64 { return m.Conversations })},
		{"handled", count(func(m *Metrics) int64 { return m.Handled })},
		{"handle_rate", number(func(m *Metrics) *float64 { return m.HandleRate })},
	},
	"resolution_rate": {
		{"decided", count(func(m *Metrics) int64 { return m.Decided })},
		{"pending", count(func(m *Metrics) int64 { return m.Pending })},
		{"resolved", count(func(m *Metrics) int64 { return m.Resolved })},
		{"resolution_rate", number(func(m *Metrics) *float64 { return m.ResolutionRate })},
		{"deflection_rate", number(func(m *Metrics) *float64 { return m.DeflectionRate })},
		{"automation_rate", number(func(m *Metrics) *float64 { return m.AutomationRate })},
	},
	"resolved": {
		{"resolved", count(func(m *Metrics) int64 { return m.Resolved })},
		{"resolved_confirmed", count(func(m *Metrics) int64 { return m.Confirmed })},
		{"resolved_assumed", count(func(m *Metrics) int64 { return m.Assumed })},
		{"reopened", count(func(m *Metrics) int64 { return m.Reopened })},
	},
	"handoffs": {
		{"human_handoffs", count(func(m *Metrics) int64 { return m.HandedOff })},
		{"customer_agent", count(func(m *Metrics) int64 { return m.HandoffsByInitiator["customer_agent"] })},
		{"rule", count(func(m *Metrics) int64 { return m.HandoffsByInitiator["rule"] })},
		{"rep", count(func(m *Metrics) int64 { return m.HandoffsByInitiator["rep"] })},
	},
	"handoff_rate": {
		{"decided", count(func(m *Metrics) int64 { return m.Decided })},
		{"pending", count(func(m *Metrics) int64 { return m.Pending })},
		{"human_handoffs", count(func(m *Metrics) int64 { return m.HandedOff })},
		{"handoff_rate", number(func(m *Metrics) *float64 { return m.HandoffRate })},
	},
	"unresolved_reasons": {
		{"unresolved", count(func(m *Metrics) int64 { return m.Unresolved })},
		{"no_source_or_action", count(func(m *Metrics) int64 { return m.UnresolvedByReason["no_source_or_action"] })},
		{"human_requested", count(func(m *Metrics) int64 { return m.UnresolvedByReason["human_requested"] })},
		{"negative_feedback", count(func(m *Metrics) int64 { return m.UnresolvedByReason["negative_feedback"] })},
	},
	"time_to_close": {
		{"closed", count(func(m *Metrics) int64 { return m.Closed })},
		{"time_to_close_mean", number(func(m *Metrics) *float64 { return m.TimeToCloseMean })},
		{"time_to_close_median", number(func(m *Metrics) *float64 { return m.TimeToCloseMedian })},
		{"time_to_close_p90", number(func(m *Metrics) *float64 { return m.TimeToCloseP90 })},
	},
	"time_to_close_by_outcome": {
		{"closed_resolved", count(func(m *Metrics) int64 { return m.TimeToCloseResolved.Closed })},
		{"time_to_close_resolved_mean", number(func(m *Metrics) *float64 { return m.TimeToCloseResolved.Mean })},
		{"time_to_close_resolved_median", number(func(m *Metrics) *float64 { return m.TimeToCloseResolved.Median })},
		{"time_to_close_resolved_p90", number(func(m *Metrics) *float64 { return m.TimeToCloseResolved.P90 })},
		{"closed_handed_off", count(func(m *Metrics) int64 { return m.TimeToCloseHandedOff.Closed })},
		{"time_to_close_handed_off_mean", number(func(m *Metrics) *float64 { return m.TimeToCloseHandedOff.Mean })},
		{"time_to_close_handed_off_median", number(func(m *Metrics) *float64 { return m.TimeToCloseHandedOff.Median })},
		{"time_to_close_handed_off_p90", number(func(m *Metrics) *float64 { return m.TimeToCloseHandedOff.P90 })},
	},
}

// intervals are the 95 % intervals of the columns that have one: each
// such column is followed by its bounds, NAME_low and NAME_high.
var intervals = map[string]func(m *Metrics) *Interval{
	"handle_rate":                     func(m *Metrics) *Interval { return m.HandleRateInterval },
	"resolution_rate":                 func(m *Metrics) *Interval { return m.ResolutionRateInterval },
	"deflection_rate":                 func(m *Metrics) *Interval { return m.DeflectionRateInterval },
	"automation_rate":                 func(m *Metrics) *Interval { return m.AutomationRateInterval },
	"handoff_rate":                    func(m *Metrics) *Interval { return m.HandoffRateInterval },
	"reopen_rate":                     func(m *Metrics) *Interval { return m.ReopenRateInterval },
	"helpful_rate":                    func(m *Metrics) *Interval { return m.HelpfulRateInterval },
	"time_to_close_median":            func(m *Metrics) *Interval { return m.TimeToCloseMedianInterval },
	"time_to_close_p90":               func(m *Metrics) *Interval { return m.TimeToCloseP90Interval },
	"time_to_close_resolved_median":   func(m *Metrics) *Interval { return m.TimeToCloseResolved.MedianInterval },
	"time_to_close_resolved_p90":      func(m *Metrics) *Interval { return m.TimeToCloseResolved.P90Interval },
	"time_to_close_handed_off_median": func(m *Metrics) *Interval { return m.TimeToCloseHandedOff.MedianInterval },
	"time_to_close_handed_off_p90":    func(m *Metrics) *Interval { return m.TimeToCloseHandedOff.P90Interval },
	"csat_rate":                       func(m *Metrics) *Interval { return m.CSAT.RateInterval },
	"csat_resolved_rate":              func(m *Metrics) *Interval { return m.CSAT.Resolved.RateInterval },
	"csat_handed_off_rate":            func(m *Metrics) *Interval { return m.CSAT.HandedOff.RateInterval },
	"csat_unresolved_rate":            func(m *Metrics) *Interval { return m.CSAT.Unresolved.RateInterval },
	"csat_not_handled_rate":           func(m *Metrics) *Interval { return m.CSAT.NotHandled.RateInterval },
}

// Bound reports whether a table column is the low or high bound of the
// 95 % interval of another, and which.
func Bound(column string) (of string, high, ok bool) {
	for _, b := range []struct {
		suffix string
		high   bool
	}{{"_low", false}, {"_high", true}} {
		if of, found := strings.CutSuffix(column, b.suffix); found && intervals[of] != nil {
			return of, b.high, true
		}
	}
	return "", false, false
}

// withIntervals puts the bounds of each interval after its column.
func withIntervals(cols []column) []column {
	var out []column
	for _, c := range cols {
		out = append(out, c)
		if f := intervals[c.name]; f != nil {
			bound := func(high bool) func(m *Metrics) *float64 {
				return func(m *Metrics) *float64 {
					i := f(m)
					switch {
					case i == nil:
						return nil
					case high:
						return &i.High
					}
					return &i.Low
				}
			}
			out = append(out, column{c.name + "_low", number(bound(false))}, column{c.name + "_high", number(bound(true))})
		}
	}
	return out
}

func init() {
	chartColumns["csat"] = slices.Concat(
		csatColumns("csat", func(m *Metrics) *CSATScore { return &m.CSAT.CSATScore }, true),
		csatColumns("csat_resolved", func(m *Metrics) *CSATScore { return &m.CSAT.Resolved }, false),
		csatColumns("csat_handed_off", func(m *Metrics) *CSATScore { return &m.CSAT.HandedOff }, false),
		csatColumns("csat_unresolved", func(m *Metrics) *CSATScore { return &m.CSAT.Unresolved }, false),
		csatColumns("csat_not_handled", func(m *Metrics) *CSATScore { return &m.CSAT.NotHandled }, false),
	)
	for id, cols := range chartColumns {
		chartColumns[id] = withIntervals(cols)
	}
	// "channels" and "all" carry every column of the others, once, but
	// for the handoff reasons, whose columns depend on the data; the
	// unresolved reasons are named apart from other counts there.
	var all []column
	seen := map[string]bool{}
	for _, id := range Charts {
		if id == "unresolved_reasons" {
			continue
		}
		for _, c := range chartColumns[id] {
			if !seen[c.name] {
				seen[c.name] = true
				all = append(all, c)
			}
		}
	}
	all = append(all,
		column{"test_excluded", count(func(m *Metrics) int64 { return m.Test })},
		column{"deflected", count(func(m *Metrics) int64 { return m.Deflected })},
		column{"unresolved_no_source_or_action", count(func(m *Metrics) int64 { return m.UnresolvedByReason["no_source_or_action"] })},
		column{"unresolved_human_requested", count(func(m *Metrics) int64 { return m.UnresolvedByReason["human_requested"] })},
		column{"unresolved_negative_feedback", count(func(m *Metrics) int64 { return m.UnresolvedByReason["negative_feedback"] })},
		column{"unresolved_last_action_failed", count(func(m *Metrics) int64 { return m.UnresolvedByReason["last_action_failed"] })},
	)
	all = append(all, withIntervals([]column{{"reopen_rate", number(func(m *Metrics) *float64 { return m.ReopenRate })}})...)
	all = append(all,
		column{"new_gap_questions", count(func(m *Metrics) int64 { return m.GapSignals })},
	)
	chartColumns["all"] = all
	chartColumns["channels"] = all
}

// Table returns the numbers of one chart: per bucket for the charts over
// time, per channel for "channels". Each bucket row says whether it is
// provisional.
func (r *Report) Table(chart string) (Table, error) {
	cols, ok := chartColumns[chart]
	if chart == "handoff_reasons" {
		cols, ok = r.handoffReasonColumns(), true
	}
	if !ok {
		return Table{}, fmt.Errorf("report: unknown chart %q (one of %v)", chart, Charts)
	}
	t := Table{Chart: chart}
	if chart == "channels" {
		t.Columns = append(t.Columns, "channel")
	} else {
		t.Columns = append(t.Columns, "from", "to", "provisional")
	}
	for _, c := range cols {
		t.Columns = append(t.Columns, c.name)
	}
	row := func(lead []string, m *Metrics) {
		out := slices.Clone(lead)
		for _, c := range cols {
			out = append(out, c.value(m))
		}
		t.Rows = append(t.Rows, out)
	}
	if chart == "channels" {
		for i := range r.ByChannel {
			row([]string{r.ByChannel[i].Channel}, &r.ByChannel[i].Metrics)
		}
		return t, nil
	}
	for i := range r.Series {
		b := &r.Series[i]
		row([]string{b.From, b.To, strconv.FormatBool(b.Provisional)}, &b.Metrics)
	}
	return t, nil
}

// HandoffReasons lists the reasons of the range's human handoffs, most
// frequent first (ties by name), NoReason for those given none.
func (r *Report) HandoffReasons() []string {
	reasons := slices.Collect(maps.Keys(r.Totals.HandoffsByReason))
	slices.SortFunc(reasons, func(a, b string) int {
		return cmp.Or(cmp.Compare(r.Totals.HandoffsByReason[b], r.Totals.HandoffsByReason[a]), cmp.Compare(a, b))
	})
	for i, reason := range reasons {
		if reason == "" {
			reasons[i] = NoReason
		}
	}
	return reasons
}

// handoffReasonColumns are the columns of the handoff_reasons chart: the
// handoffs, then one column per reason of the range.
func (r *Report) handoffReasonColumns() []column {
	cols := []column{{"human_handoffs", count(func(m *Metrics) int64 { return m.HandedOff })}}
	for _, reason := range r.HandoffReasons() {
		key := reason
		if key == NoReason {
			key = ""
		}
		cols = append(cols, column{reason, count(func(m *Metrics) int64 { return m.HandoffsByReason[key] })})
	}
	return cols
}

// WriteCSV writes the table with a header row. Channel names and handoff
// reasons (the columns of handoff_reasons) come from callers, so they are
// made safe for spreadsheets (parley.SafeCell); every other cell is a date
// or a number of Parley's own, and a negative number must stay a number.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = parley.SafeCell(c)
	}
	cw.Write(header)
	channel := slices.Index(t.Columns, "channel")
	for _, row := range t.Rows {
		if channel >= 0 && channel < len(row) {
			row = slices.Clone(row)
			row[channel] = parley.SafeCell(row[channel])
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
}
