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

// card is one number of "Impact this week".
type card struct {
	Title, Value, Change, How string
	// Trend is "up", "down" or "" and Good says whether that is welcome,
	// for colour only: the text carries the meaning.
	Trend string
	Good  bool
	Link  string
}

// chartView is one chart with its numbers.
type chartView struct {
	ID, Title string
	SVG       template.HTML
	Table     report.Table
	CSV       string
}

// performanceView is everything the Performance page shows.
type performanceView struct {
	Report   *report.Report
	Preset   report.Preset
	Presets  []report.Preset
	Channels []string // every channel the workspace has seen
	Selected map[string]bool
	Cards    []card
	Charts   []chartView
	Query    string // the filter as a query string, for links
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

// change describes cur against prev: relative for counts and durations,
// in percentage points for rates.
func change(l Lang, cur, prev *float64, rate bool) (text, trend string) {
	if cur == nil || prev == nil {
		return l.T("impact.none"), ""
	}
	d := *cur - *prev
	switch {
	case d > 1e-12:
		trend = "up"
	case d < -1e-12:
		trend = "down"
	}
	if rate {
		return l.T("change.pts", signed(d*100)), trend
	}
	if *prev == 0 {
		return l.T("impact.none"), trend
	}
	return signed(d/(*prev)*100) + "%", trend
}

func signed(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 1, 64)
	if v < 0 {
		return "−" + s
	}
	return "+" + s
}

func f64(n int64) *float64 { v := float64(n); return &v }

// impactCards builds the "Impact this week" cards.
func impactCards(l Lang, r *report.Report) []card {
	cur, prev := &r.ThisWeek.Metrics, &r.LastWeek.Metrics
	mk := func(title, how string, value string, c, p *float64, rate, upIsGood bool, href string) card {
		text, trend := change(l, c, p, rate)
		return card{Title: l.T(title), Value: value, Change: text, How: l.T(how), Trend: trend,
			Good: (trend == "up") == upIsGood, Link: href}
	}
	from, to := r.ThisWeek.From, r.ThisWeek.To
	return []card{
		mk("card.resolved", "how.resolved", l.Int(cur.Resolved), f64(cur.Resolved), f64(prev.Resolved), false, true,
			link(r, from, to, "outcome", "resolved")),
		mk("card.handled", "how.handled", l.Int(cur.Handled), f64(cur.Handled), f64(prev.Handled), false, true,
			link(r, from, to, "outcome", "handled")),
		mk("card.ttc", "how.ttc", l.Duration(cur.TimeToCloseMedian), cur.TimeToCloseMedian, prev.TimeToCloseMedian, false, false, ""),
		mk("card.deflection", "how.deflection", l.Percent(cur.DeflectionRate), cur.DeflectionRate, prev.DeflectionRate, true, true,
			link(r, from, to, "outcome", "deflected")),
		mk("card.helpful", "how.helpful", l.Percent(cur.HelpfulRate), cur.HelpfulRate, prev.HelpfulRate, true, true, ""),
		csatCard(l, mk("card.csat", "how.csat", l.Percent(cur.CSAT.Rate), cur.CSAT.Rate, prev.CSAT.Rate, true, true, ""), cur.CSAT.CSATScore),
	}
}

// csatCard says how many ratings the CSAT card stands on, and their mean.
func csatCard(l Lang, c card, s report.CSATScore) card {
	c.How = l.T("how.csat", l.Rating(s.Mean), l.Int(s.Rated))
	return c
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
	rates := func(f func(m *report.Metrics) *float64, scale float64) []float64 {
		out := make([]float64, n)
		for i := range r.Series {
			if v := f(&r.Series[i].Metrics); v != nil {
				out[i] = *v * scale
			} else {
				out[i] = math.NaN()
			}
		}
		return out
	}
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

	handleRate := base("chart.handle_rate")
	handleRate.Kind, handleRate.Max, handleRate.Format = plot.Lines, 100, pct
	handleRate.Series = []plot.Series{series("series.handle_rate", "s-handled", rates(func(m *report.Metrics) *float64 { return m.HandleRate }, 100))}
	handleRate.Links = links("outcome", "handled")

	resolutionRate := base("chart.resolution_rate")
	resolutionRate.Kind, resolutionRate.Max, resolutionRate.Format = plot.Lines, 100, pct
	resolutionRate.Series = []plot.Series{series("series.resolution_rate", "s-resolved", rates(func(m *report.Metrics) *float64 { return m.ResolutionRate }, 100))}
	resolutionRate.Links = links("outcome", "resolved")

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

	handoffRate := base("chart.handoff_rate")
	handoffRate.Kind, handoffRate.Max, handoffRate.Format = plot.Lines, 100, pct
	handoffRate.Series = []plot.Series{series("series.handoff_rate", "s-handed-off", rates(func(m *report.Metrics) *float64 { return m.HandoffRate }, 100))}
	handoffRate.Links = links("outcome", "handed_off")

	ttc := base("chart.time_to_close")
	ttc.Kind, ttc.Format = plot.Lines, dur
	ttc.Series = []plot.Series{
		series("series.median", "s-median", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseMedian }, 1)),
		series("series.p90", "s-p90", rates(func(m *report.Metrics) *float64 { return m.TimeToCloseP90 }, 1)),
	}

	satisfaction := base("chart.csat")
	satisfaction.Kind, satisfaction.Max, satisfaction.Format = plot.Lines, 100, pct
	satisfaction.Series = []plot.Series{
		series("series.csat", "s-handled", rates(func(m *report.Metrics) *float64 { return m.CSAT.Rate }, 100)),
		series("series.resolved", "s-resolved", rates(func(m *report.Metrics) *float64 { return m.CSAT.Resolved.Rate }, 100)),
		series("series.handed_off", "s-handed-off", rates(func(m *report.Metrics) *float64 { return m.CSAT.HandedOff.Rate }, 100)),
		series("series.unresolved", "s-unresolved", rates(func(m *report.Metrics) *float64 { return m.CSAT.Unresolved.Rate }, 100)),
	}

	out := []chartView{}
	for _, c := range []struct {
		id string
		c  plot.Chart
	}{
		{"handled", handled}, {"channels", byChannel}, {"feedback", feedback}, {"handle_rate", handleRate},
		{"resolution_rate", resolutionRate}, {"resolved", resolved}, {"handoffs", handoffs},
		{"handoff_rate", handoffRate}, {"time_to_close", ttc}, {"csat", satisfaction},
	} {
		tbl, _ := r.Table(c.id) // every id here is a chart of the report
		out = append(out, chartView{ID: c.id, Title: c.c.Title, SVG: plot.Render(c.c), Table: tbl,
			CSV: "/api/v1/reports/performance?" + query + "&format=csv&chart=" + c.id})
	}
	return out
}

// cell formats one value of a chart's table for the page: rates as
// percentages and durations in units; counts and dates as they are.
func cell(l Lang, column, value string) string {
	if value == "" {
		return "–"
	}
	v, err := strconv.ParseFloat(value, 64)
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
