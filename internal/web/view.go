package web

import (
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/web/plot"
)

// card is one number of "Impact last week".
type card struct {
	Title, Value, Change, How string
	// Beside is a second number next to the value (the mean beside a
	// median), Note what the change rests on when it is not called, and
	// SoFar the card's number for this week so far.
	Beside, Note, SoFar string
	// Provisional is set while the week's number can still change, and
	// Range when only its range is known.
	Provisional string
	Range       bool
	// Interval is the 95 % interval of the value, and Test the change's
	// test with its z and p, both shown on hover.
	Interval, Test string
	// Trend is "up", "down" or "" and Good says whether that is welcome,
	// for colour only: the text carries the meaning. A change resting on
	// too few conversations, or not significant, has no trend (report.Call).
	Trend string
	Good  bool
	Link  string
}

// chartView is one chart with its numbers.
type chartView struct {
	ID, Title string
	// SVG is the chart as wide screens show it; Narrow the same drawn for
	// a phone's width, so that its text stays 11 px and all its periods
	// fit without scrolling (the style sheet shows one of them).
	SVG, Narrow template.HTML
	Table       report.Table
	CSV         string
	// Note says how the chart is drawn, when a reader needs to know.
	Note string
}

// performanceView is everything the Performance page shows.
type performanceView struct {
	Report *report.Report
	rangeChoice
	channelChoice
	Cards  []card
	Charts []chartView
	// Recompute names the settings being computed, while they are.
	Recompute string
	Query     string // the filter as a query string, for links
}

// TabURL links a tab of the Performance page (the sources or actions
// view) with the report's range and channels.
func (v *performanceView) TabURL(path string) template.URL {
	q, _ := url.ParseQuery(v.Query)
	h := hrefTo(path, q).Del("granularity")
	if v.Preset != "" {
		h = h.Del("from", "to").Set("range", string(v.Preset))
	}
	return h.URL()
}

// link returns a Conversations URL for the days from..to with extra filters,
// keeping the report's channel filter.
func link(r *report.Report, from, to string, extra ...string) string {
	q := url.Values{}
	q.Set("from", from)
	q.Set("to", to)
	if len(r.Channels) > 0 {
		q.Set("channel", strings.Join(r.Channels, ","))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/conversations?" + q.Encode()
}

// recomputeText names, in words, the settings a recompute is computing
// that differ from those of the numbers on show.
func recomputeText(l Lang, r *report.Report) string {
	if r.Recomputing == nil {
		return ""
	}
	old, next := map[string]string{}, map[string]string{}
	for _, key := range parley.SettingKeys {
		old[key], next[key] = r.Settings.Text(key), r.Recomputing.Settings.Text(key)
	}
	return l.T("recompute.settings", l.SettingChanges(old, next))
}

// changeText describes a card's change: relative for counts and
// durations, in percentage points for rates.
func changeText(l Lang, card report.Card) string {
	c := card.Change
	delta := c.Delta
	switch {
	case delta == nil:
		return l.T("impact.none")
	case c.Uncalled == report.TooPending:
		// The change of the decided conversations alone leaves out
		// those that could reverse it.
		return l.T("impact.not_yet")
	case *delta == 0 && card.Metric == "time_to_close":
		// Two medians in one bucket of the sketch differ by less than
		// its accuracy, not by nothing.
		return l.T("impact.within_accuracy")
	case c.AtLeast != nil:
		delta = c.AtLeast
	}
	text := signed(*delta*100) + "%"
	if c.Points {
		text = l.T("change.pts", signed(*delta*100))
	}
	if c.AtLeast != nil {
		return l.T("impact.at_least", text)
	}
	return text
}

// pValue writes a p-value to two significant digits, "< 0.001" below that.
func pValue(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

func signed(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 1, 64)
	switch {
	case v < 0 && s != "0.0":
		return "−" + s
	case v > 0 && s != "0.0":
		return "+" + s
	}
	return "±" + s
}

// impactCards builds the "Impact last week" cards from the report's.
func impactCards(l Lang, r *report.Report) []card {
	defs := map[string]struct {
		title, how string
		link       []string
	}{
		"resolved":        {"card.resolved", "how.resolved", []string{"outcome", "resolved"}},
		"handled":         {"card.handled", "how.handled", []string{"outcome", "handled"}},
		"time_to_close":   {"card.ttc", "how.ttc", nil},
		"deflection_rate": {"card.deflection", "how.deflection", []string{"outcome", "deflected"}},
		"helpful_rate":    {"card.helpful", "how.helpful", nil},
		"csat":            {"card.csat", "how.csat", nil},
	}
	value := func(metric string, o report.Observation) string {
		switch metric {
		case "resolved", "handled":
			if o.Value == nil {
				return "–"
			}
			return l.Int(int64(*o.Value))
		case "time_to_close":
			return l.Duration(o.Value)
		}
		if o.Unsettled() {
			return l.T("impact.range", l.Percent(o.Low), l.Percent(o.High))
		}
		return l.Percent(o.Value)
	}
	var out []card
	for _, c := range r.Impact {
		d, ok := defs[c.Metric]
		if !ok {
			continue
		}
		k := card{Title: l.T(d.title), Value: value(c.Metric, c.Week), Change: changeText(l, c), How: l.T(d.how),
			Trend: c.Change.Direction, Good: (c.Change.Direction == "up") == c.UpIsGood}
		if d.link != nil {
			k.Link = link(r, r.LastWeek.From, r.LastWeek.To, d.link...)
		}
		switch {
		case c.Metric == "csat":
			// The CSAT card says how many ratings it stands on, and their mean.
			k.How = l.T(d.how, l.Rating(c.Week.Mean), l.Int(c.Week.Basis))
		case c.Week.Mean != nil:
			k.Beside = l.T("impact.mean", l.Duration(c.Week.Mean))
		}
		switch c.Change.Uncalled {
		case report.TooFew:
			k.Note = l.T("impact.too_few", report.MinBasis)
		case report.TooPending:
			k.Note = l.T("impact.too_pending")
		case report.NotSignificant:
			if p := c.Change.PValue; p != nil {
				k.Note = l.T("impact.not_significant", pValue(*p))
			}
		case "":
			if p := c.Change.PValue; p != nil && c.Change.Direction != "" {
				k.Note = l.T("impact.significant", pValue(*p))
			}
		}
		if z, p := c.Change.Z, c.Change.PValue; z != nil && p != nil {
			k.Test = l.T("impact.test."+c.Week.Test, strconv.FormatFloat(*z, 'f', 2, 64), pValue(*p))
		}
		if i := c.Week.Interval; i != nil {
			text := l.RateInterval(i)
			if c.Metric == "time_to_close" {
				text = l.DurationInterval(i)
			}
			k.Interval = l.T("ci.title", text)
		}
		k.Range = c.Change.Points && c.Week.Unsettled()
		if c.Week.Provisional() {
			k.Provisional = l.T("impact.provisional", l.Int(c.Week.Pending))
		}
		k.SoFar = value(c.Metric, c.SoFar)
		if c.Change.Points && c.SoFar.Unsettled() {
			// This week's range is too wide to say anything yet.
			k.SoFar = l.T("impact.not_yet")
		}
		if c.SoFar.Pending > 0 {
			k.SoFar = l.T("impact.so_far_pending", k.SoFar, l.Int(c.SoFar.Pending))
		}
		out = append(out, k)
	}
	return out
}

// bucketLabel names a bucket on a chart axis.
func bucketLabel(l Lang, g report.Granularity, b report.Bucket) string {
	if g == report.Month {
		return l.Month(b.From)
	}
	return l.Short(b.From)
}

// charts builds the charts of the page from the report.
func charts(l Lang, r *report.Report, query string) []chartView {
	n := len(r.Series)
	labels := make([]string, n)
	provisional := make([]bool, n)
	for i, b := range r.Series {
		labels[i] = bucketLabel(l, r.Granularity, b)
		provisional[i] = b.Provisional
	}
	counts := func(f func(m *report.Metrics) int64) []float64 {
		out := make([]float64, n)
		for i := range r.Series {
			out[i] = float64(f(&r.Series[i].Metrics))
		}
		return out
	}
	// rates draws a bucket's value only when it rests on enough
	// (report.Drawn): a rate of the few conversations decided early in a
	// week says nothing yet. pending says whether the value waits for
	// the bucket's pending conversations.
	rates := func(f func(m *report.Metrics) *float64, basis func(m *report.Metrics) int64, pending bool, scale float64) []float64 {
		out := make([]float64, n)
		for i := range r.Series {
			m := &r.Series[i].Metrics
			var p int64
			if pending {
				p = m.Pending
			}
			if v := f(m); v != nil && report.Drawn(basis(m), p) {
				out[i] = *v * scale
			} else {
				out[i] = math.NaN()
			}
		}
		return out
	}
	// notes say, in each tooltip, what the bucket's values rest on.
	notes := func(key string, basis func(m *report.Metrics) int64) []string {
		out := make([]string, n)
		for i := range r.Series {
			m := &r.Series[i].Metrics
			out[i] = l.T(key, l.Int(basis(m)))
			if m.Pending > 0 && key == "chart.note.decided" {
				out[i] += " · " + l.T("chart.note.pending", l.Int(m.Pending))
			}
		}
		return out
	}
	decided := func(m *report.Metrics) int64 { return m.Decided }
	conversations := func(m *report.Metrics) int64 { return m.Conversations }
	links := func(extra ...string) []string {
		out := make([]string, n)
		for i, b := range r.Series {
			out[i] = link(r, b.From, b.To, extra...)
		}
		return out
	}
	series := func(key, class string, values []float64) plot.Series {
		return plot.Series{Name: l.T(key), Class: class, Values: values}
	}
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
	dur := func(v float64) string { return l.Duration(&v) }
	base := func(title string) plot.Chart {
		return plot.Chart{Title: l.T(title), Labels: labels, Provisional: provisional}
	}
	// withInterval adds each bucket's 95 % interval to its note.
	withInterval := func(notes []string, key string, interval func(m *report.Metrics) *report.Interval, format func(*report.Interval) string) []string {
		for i := range r.Series {
			if text := format(interval(&r.Series[i].Metrics)); text != "" {
				notes[i] += " · " + l.T(key, text)
			}
		}
		return notes
	}
	// rateChart draws a rate (the chart and its one line named alike,
	// chart.NAME and series.NAME) over the buckets, each bucket linked
	// to its conversations of the outcome the rate counts.
	rateChart := func(name, class, outcome string, f func(m *report.Metrics) *float64, interval func(m *report.Metrics) *report.Interval,
		basis func(m *report.Metrics) int64, note string) plot.Chart {
		c := base("chart." + name)
		c.Kind, c.Max, c.Format = plot.Lines, 100, pct
		c.Series = []plot.Series{series("series."+name, class, rates(f, basis, note == "chart.note.decided", 100))}
		c.Notes = withInterval(notes(note, basis), "chart.note.ci", interval, l.RateInterval)
		c.Links = links("outcome", outcome)
		return c
	}

	handled := base("chart.handled")
	handled.Series = []plot.Series{
		series("series.resolved", "s-resolved", counts(func(m *report.Metrics) int64 { return m.Resolved })),
		series("series.unresolved", "s-unresolved", counts(func(m *report.Metrics) int64 { return m.Unresolved })),
		series("series.handed_off", "s-handed-off", counts(func(m *report.Metrics) int64 { return m.HandedOff })),
		series("series.pending", "s-pending", counts(func(m *report.Metrics) int64 { return m.Pending })),
	}
	handled.Links = links("outcome", "handled")

	chLabels := make([]string, len(r.ByChannel))
	chValues := make([]float64, len(r.ByChannel))
	chLinks := make([]string, len(r.ByChannel))
	for i, c := range r.ByChannel {
		chLabels[i], chValues[i] = c.Channel, float64(c.Handled)
		q := url.Values{"from": {r.From}, "to": {r.To}, "channel": {c.Channel}, "outcome": {"handled"}}
		chLinks[i] = "/conversations?" + q.Encode()
	}
	byChannel := plot.Chart{Title: l.T("chart.channels"), Labels: chLabels, Links: chLinks,
		Series: []plot.Series{series("series.handled", "s-handled", chValues)}}

	feedback := base("chart.feedback")
	feedback.Series = []plot.Series{
		series("series.positive", "s-positive", counts(func(m *report.Metrics) int64 { return m.FeedbackPositive })),
		series("series.negative", "s-negative", counts(func(m *report.Metrics) int64 { return m.FeedbackNegative })),
	}

	handleRate := rateChart("handle_rate", "s-handled", "handled",
		func(m *report.Metrics) *float64 { return m.HandleRate }, func(m *report.Metrics) *report.Interval { return m.HandleRateInterval },
		conversations, "chart.note.conversations")
	resolutionRate := rateChart("resolution_rate", "s-resolved", "resolved",
		func(m *report.Metrics) *float64 { return m.ResolutionRate }, func(m *report.Metrics) *report.Interval { return m.ResolutionRateInterval },
		decided, "chart.note.decided")

	resolved := base("chart.resolved")
	resolved.Series = []plot.Series{
		series("series.confirmed", "s-confirmed", counts(func(m *report.Metrics) int64 { return m.Confirmed })),
		series("series.assumed", "s-assumed", counts(func(m *report.Metrics) int64 { return m.Assumed })),
	}
	resolved.Links = links("outcome", "resolved")

	handoffs := base("chart.handoffs")
	handoffs.Series = []plot.Series{
		series("series.customer_agent", "s-agent", counts(func(m *report.Metrics) int64 { return m.HandoffsByInitiator["customer_agent"] })),
		series("series.rule", "s-rule", counts(func(m *report.Metrics) int64 { return m.HandoffsByInitiator["rule"] })),
		series("series.rep", "s-rep", counts(func(m *report.Metrics) int64 { return m.HandoffsByInitiator["rep"] })),
	}
	handoffs.Links = links("outcome", "handed_off")

	handoffReasons := base("chart.handoff_reasons")
	handoffReasons.Series = reasonSeries(l, r)
	handoffReasons.Links = links("outcome", "handed_off")

	handoffRate := rateChart("handoff_rate", "s-handed-off", "handed_off",
		func(m *report.Metrics) *float64 { return m.HandoffRate }, func(m *report.Metrics) *report.Interval { return m.HandoffRateInterval },
		decided, "chart.note.decided")

	// Unresolved reasons overlap (a conversation can fail several
	// criteria), so they are lines, not a stack; like rates, a period
	// still mostly pending is left out rather than drawn low.
	unresolvedReasons := base("chart.unresolved_reasons")
	unresolvedReasons.Kind = plot.Lines
	for _, reason := range parley.Reasons {
		values := counts(func(m *report.Metrics) int64 { return m.UnresolvedByReason[string(reason)] })
		for i := range r.Series {
			if m := &r.Series[i].Metrics; !report.Drawn(m.Decided, m.Pending) {
				values[i] = math.NaN()
			}
		}
		unresolvedReasons.Series = append(unresolvedReasons.Series, plot.Series{Name: l.T("reason." + string(reason)), Values: values})
	}
	unresolvedReasons.Notes = notes("chart.note.unresolved", func(m *report.Metrics) int64 { return m.Unresolved })
	unresolvedReasons.Links = links("outcome", "unresolved")

	closed := func(m *report.Metrics) int64 { return m.Closed }
	ttc := durationChart(base("chart.time_to_close"), dur, []plot.Series{
		series("series.median", "s-median", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseMedian }, closed, false, 1)),
		series("series.p90", "s-p90", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseP90 }, closed, false, 1)),
		series("series.mean", "s-mean", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseMean }, closed, false, 1)),
	})
	// The interval in a tooltip is the median's.
	ttc.Notes = withInterval(notes("chart.note.closed", closed), "chart.note.ci_median",
		func(m *report.Metrics) *report.Interval { return m.TimeToCloseMedianInterval }, l.DurationInterval)
	resolvedClosed := func(m *report.Metrics) int64 { return m.TimeToCloseResolved.Closed }
	handedOffClosed := func(m *report.Metrics) int64 { return m.TimeToCloseHandedOff.Closed }
	ttcByOutcome := durationChart(base("chart.time_to_close_by_outcome"), dur, []plot.Series{
		series("series.median_resolved", "s-resolved", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseResolved.Median }, resolvedClosed, false, 1)),
		series("series.median_handed_off", "s-handed-off", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseHandedOff.Median }, handedOffClosed, false, 1)),
	})
	ttcByOutcome.Notes = make([]string, n)
	for i := range r.Series {
		m := &r.Series[i].Metrics
		ttcByOutcome.Notes[i] = l.T("chart.note.closed_by_outcome", l.Int(resolvedClosed(m)), l.Int(handedOffClosed(m)))
	}

	satisfaction := base("chart.csat")
	satisfaction.Kind, satisfaction.Max, satisfaction.Format = plot.Lines, 100, pct
	// Each CSAT line rests on the ratings of its own group.
	csatLine := func(key, class string, g func(m *report.Metrics) *report.CSATScore) plot.Series {
		return series(key, class, rates(func(m *report.Metrics) *float64 { return g(m).Rate },
			func(m *report.Metrics) int64 { return g(m).Rated }, false, 100))
	}
	satisfaction.Series = []plot.Series{
		csatLine("series.csat", "s-handled", func(m *report.Metrics) *report.CSATScore { return &m.CSAT.CSATScore }),
		csatLine("series.resolved", "s-resolved", func(m *report.Metrics) *report.CSATScore { return &m.CSAT.Resolved }),
		csatLine("series.handed_off", "s-handed-off", func(m *report.Metrics) *report.CSATScore { return &m.CSAT.HandedOff }),
		csatLine("series.unresolved", "s-unresolved", func(m *report.Metrics) *report.CSATScore { return &m.CSAT.Unresolved }),
	}
	satisfaction.Notes = withInterval(notes("chart.note.rated", func(m *report.Metrics) int64 { return m.CSAT.Rated }), "chart.note.ci_csat",
		func(m *report.Metrics) *report.Interval { return m.CSAT.RateInterval }, l.RateInterval)

	out := []chartView{}
	for _, c := range []struct {
		id   string
		c    plot.Chart
		note string
	}{
		{"handled", handled, ""}, {"channels", byChannel, ""}, {"feedback", feedback, ""},
		{"handle_rate", handleRate, l.T("chart.rule.conversations", report.MinBasis)},
		{"resolution_rate", resolutionRate, l.T("chart.rule.decided", report.MinBasis)}, {"resolved", resolved, ""},
		{"handoffs", handoffs, ""}, {"handoff_reasons", handoffReasons, ""},
		{"handoff_rate", handoffRate, l.T("chart.rule.decided", report.MinBasis)},
		{"unresolved_reasons", unresolvedReasons, l.T("chart.rule.reasons")},
		{"time_to_close", ttc, l.T("chart.rule.closed", report.MinBasis)},
		{"time_to_close_by_outcome", ttcByOutcome, l.T("chart.rule.closed", report.MinBasis)},
		{"csat", satisfaction, l.T("chart.rule.rated", report.MinBasis)},
	} {
		tbl, _ := r.Table(c.id) // every id here is a chart of the report
		out = append(out, chartView{ID: c.id, Title: c.c.Title, SVG: plot.Render(c.c), Narrow: plot.Render(narrowChart(c.c)), Table: tbl, Note: c.note,
			CSV: "/api/v1/reports/performance?" + query + "&format=csv&chart=" + c.id})
	}
	return out
}

// durationTicks are the round durations, in seconds, a time axis is
// marked at: from a second to eight weeks.
var durationTicks = []float64{1, 2, 5, 10, 15, 30, 60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 20 * 60, 30 * 60, 45 * 60,
	3600, 5400, 2 * 3600, 3 * 3600, 4 * 3600, 6 * 3600, 8 * 3600, 12 * 3600, 16 * 3600, 86400, 36 * 3600, 2 * 86400,
	3 * 86400, 4 * 86400, 5 * 86400, 7 * 86400, 10 * 86400, 14 * 86400, 21 * 86400, 28 * 86400, 42 * 86400, 56 * 86400}

// durationChart draws times on a logarithmic axis of round durations: a
// day with one conversation closed a week late then sits a little higher
// instead of flattening every other day to the bottom of the chart.
func durationChart(c plot.Chart, format func(float64) string, series []plot.Series) plot.Chart {
	c.Kind, c.Format, c.Series, c.Log = plot.Lines, format, series, true
	var all []float64
	for _, s := range series {
		all = append(all, s.Values...)
	}
	c.Ticks = plot.LogTicks(all, durationTicks)
	return c
}

// maxReasonSeries bounds the handoff reasons a chart stacks; the rest are
// drawn as one "other reasons" series (the table has them all).
const maxReasonSeries = 5

// reasonSeries are the handoffs of each bucket by reason, the most
// frequent of the range first.
func reasonSeries(l Lang, r *report.Report) []plot.Series {
	reasons := r.HandoffReasons()
	var out []plot.Series
	for i, reason := range reasons {
		key := reason
		if key == report.NoReason {
			key = ""
		}
		values := make([]float64, len(r.Series))
		for j := range r.Series {
			values[j] = float64(r.Series[j].HandoffsByReason[key])
		}
		if i < maxReasonSeries || len(reasons) == maxReasonSeries+1 {
			out = append(out, plot.Series{Name: l.HandoffReason(reason), Values: values})
			continue
		}
		if i == maxReasonSeries {
			out = append(out, plot.Series{Name: l.T("chart.other_reasons"), Values: values})
			continue
		}
		for j, v := range values {
			out[maxReasonSeries].Values[j] += v
		}
	}
	return out
}

// narrowWidth is the view-box width of a chart on a phone: a figure's
// inner width at 390 px, so that 11-unit text is drawn 11 px high there.
const narrowWidth = 340

// narrowChart is c drawn for a phone.
func narrowChart(c plot.Chart) plot.Chart {
	c.Width, c.Height = narrowWidth, 260
	return c
}

// bothWidths draws c for wide screens and, narrow units wide, for phones,
// the style sheet showing one, for a chart a template places whole (the
// Performance page's charts place their two drawings themselves). narrow is
// the inner width at 390 px of the box the chart is in, so that its text
// is drawn 11 px high there.
func bothWidths(c plot.Chart, narrow int) template.HTML {
	n := narrowChart(c)
	n.Width = narrow
	return `<div class="plot-wide">` + plot.Render(c) + `</div><div class="plot-narrow">` + plot.Render(n) + `</div>`
}

// cell formats one value of a chart's table for the page: rates as
// percentages and durations in units; counts and dates as they are.
func cell(l Lang, column, value string) string {
	if value == "" {
		return "–"
	}
	v, err := strconv.ParseFloat(value, 64)
	// The bounds of an interval are formatted as what they bound.
	if of, _, ok := report.Bound(column); ok {
		column = of
	}
	switch {
	case err != nil:
		if column == "from" || column == "to" {
			return l.Day(value)
		}
		if column == "provisional" {
			if value == "true" {
				return l.T("provisional")
			}
			return ""
		}
		return value
	case strings.HasSuffix(column, "_rate"):
		return l.Percent(&v)
	case strings.HasPrefix(column, "csat") && strings.HasSuffix(column, "_mean"):
		return l.Rating(&v)
	case strings.HasPrefix(column, "time_to_close_"):
		return l.Duration(&v)
	}
	return l.Int(int64(v))
}

// outcomeClass is the CSS class of an outcome badge.
func outcomeClass(o parley.OutcomeKind) string { return "o-" + strings.ReplaceAll(string(o), "_", "-") }
