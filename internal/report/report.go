// Package report builds the report model of SPEC §5 — one model that the
// Performance page, the JSON API, CSV downloads and `parley report` all
// render — from the daily rollups alone, never from raw events, so that a
// report costs the same at a thousand conversations as at a million.
package report

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/parleyhq/parley"
)

// Granularity is the size of a report's buckets.
type Granularity string

// The granularities a report offers; weeks are the default.
const (
	Day   Granularity = "day"
	Week  Granularity = "week"
	Month Granularity = "month"
)

// Granularities lists them in order of size.
var Granularities = []Granularity{Day, Week, Month}

// MaxDays bounds a report's range: ten years of daily rollups is already
// more than any chart can show.
const MaxDays = 3660

// Request says which report to build.
type Request struct {
	// From and To are workspace-local dates, both inclusive (YYYY-MM-DD).
	From, To    string
	Granularity Granularity
	// Channels filters the report; empty means every channel.
	Channels []string
}

// Validate reports every field of the request that is out of range, as
// problems naming the field.
func (r Request) Validate() error {
	var problems []parley.Problem
	from, errFrom := parseDay(r.From)
	if errFrom != nil {
		problems = append(problems, parley.FieldProblem("from", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", r.From)))
	}
	to, errTo := parseDay(r.To)
	if errTo != nil {
		problems = append(problems, parley.FieldProblem("to", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", r.To)))
	}
	if errFrom == nil && errTo == nil {
		switch days := int(to.Sub(from).Hours()/24) + 1; {
		case days < 1:
			problems = append(problems, parley.FieldProblem("to", "must not be before from"))
		case days > MaxDays:
			problems = append(problems, parley.FieldProblem("to", fmt.Sprintf("a report covers at most %d days", MaxDays)))
		}
	}
	if !slices.Contains(Granularities, r.Granularity) {
		problems = append(problems, parley.FieldProblem("granularity", `must be "day", "week" or "month"`))
	}
	if len(problems) > 0 {
		return parley.InvalidInput(problems)
	}
	return nil
}

// Report is the model of SPEC §5 for one range and channel filter.
type Report struct {
	Workspace   string      `json:"workspace"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	Granularity Granularity `json:"granularity"`
	Channels    []string    `json:"channels"`
	// Settings, their version and DefinitionVersion say what produced
	// every number.
	Settings          parley.Settings `json:"settings"`
	SettingsVersion   int64           `json:"settings_version"`
	DefinitionVersion int             `json:"definition_version"`
	// Recomputing is set while a settings change (or a rebuild) is being
	// computed: every number is then still the previous one, made with
	// Settings, until the new ones are complete.
	Recomputing *Recomputing `json:"recomputing"`
	// Today is the workspace-local date the report was made on.
	Today string `json:"today"`

	Totals Metrics `json:"totals"`
	// Previous covers the same number of days just before From, for the
	// change against the previous period.
	PreviousFrom string  `json:"previous_from"`
	PreviousTo   string  `json:"previous_to"`
	Previous     Metrics `json:"previous"`

	Series    []Bucket         `json:"series"`
	ByChannel []ChannelMetrics `json:"by_channel"`
	// Provisional is true when any bucket is.
	Provisional bool `json:"provisional"`

	// ThisWeek and LastWeek are the week that holds Today and the one
	// before, whatever the range; WeekBefore is the week before that.
	ThisWeek   Period `json:"this_week"`
	LastWeek   Period `json:"last_week"`
	WeekBefore Period `json:"week_before"`
	// Impact is the cards of "Impact last week" (see impact.go).
	Impact []Card `json:"impact"`
}

// Recomputing is the progress of the settings the numbers will be made
// with once every conversation has been evaluated with them.
type Recomputing struct {
	parley.Recompute
	Settings        parley.Settings `json:"settings"`
	SettingsVersion int64           `json:"settings_version"`
}

// Bucket is one day, week or month of a series. The first and last buckets
// may be cut short by the range.
type Bucket struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Provisional is true while any conversation of the bucket is pending:
	// its numbers will still change.
	Provisional bool `json:"provisional"`
	Metrics
}

// ChannelMetrics are the totals of one channel.
type ChannelMetrics struct {
	Channel string `json:"channel"`
	Metrics
}

// Period is a named span with its totals.
type Period struct {
	From    string  `json:"from"`
	To      string  `json:"to"`
	Metrics Metrics `json:"metrics"`
}

// Metrics are the numbers of SPEC §5 for one span of days. Rates are null
// when their denominator is zero; durations are in seconds.
type Metrics struct {
	Conversations  int64    `json:"conversations"`
	Test           int64    `json:"test_excluded"`
	Handled        int64    `json:"handled"`
	HandleRate     *float64 `json:"handle_rate"`
	Pending        int64    `json:"pending"`
	Decided        int64    `json:"decided"`
	Resolved       int64    `json:"resolved"`
	Confirmed      int64    `json:"resolved_confirmed"`
	Assumed        int64    `json:"resolved_assumed"`
	ResolutionRate *float64 `json:"resolution_rate"`
	Deflected      int64    `json:"deflected"`
	DeflectionRate *float64 `json:"deflection_rate"`
	HandedOff      int64    `json:"human_handoffs"`
	HandoffRate    *float64 `json:"handoff_rate"`
	// Each rate's 95 % interval (Wilson score; see confidence.go), null
	// with the rate. Rates of decided conversations leave the pending out.
	HandleRateInterval     *Interval `json:"handle_rate_interval"`
	ResolutionRateInterval *Interval `json:"resolution_rate_interval"`
	DeflectionRateInterval *Interval `json:"deflection_rate_interval"`
	HandoffRateInterval    *Interval `json:"handoff_rate_interval"`
	AutomationRateInterval *Interval `json:"automation_rate_interval"`
	ReopenRateInterval     *Interval `json:"reopen_rate_interval"`
	HelpfulRateInterval    *Interval `json:"helpful_rate_interval"`
	// HandoffsByInitiator and HandoffsByReason break human handoffs down;
	// a handoff with no reason counts under "".
	HandoffsByInitiator map[string]int64 `json:"handoffs_by_initiator"`
	HandoffsByReason    map[string]int64 `json:"handoffs_by_reason"`
	Unresolved          int64            `json:"unresolved"`
	UnresolvedByReason  map[string]int64 `json:"unresolved_by_reason"`
	AutomationRate      *float64         `json:"automation_rate"`
	Reopened            int64            `json:"reopened"`
	ReopenRate          *float64         `json:"reopen_rate"`

	FeedbackPositive int64    `json:"feedback_positive"`
	FeedbackNegative int64    `json:"feedback_negative"`
	Rated            int64    `json:"rated"`
	HelpfulRate      *float64 `json:"helpful_rate"`

	// Closed counts the conversations with a time to close (from the
	// assignment to the customer agent, else its first reply, to the last
	// close), by close date; the mean is exact, the median and p90 within
	// 1 % (parley.SketchAccuracy).
	Closed            int64    `json:"closed"`
	TimeToCloseMean   *float64 `json:"time_to_close_mean"`
	TimeToCloseMedian *float64 `json:"time_to_close_median"`
	TimeToCloseP90    *float64 `json:"time_to_close_p90"`
	// The order-statistic 95 % intervals of the median and the p90.
	TimeToCloseMedianInterval *Interval `json:"time_to_close_median_interval"`
	TimeToCloseP90Interval    *Interval `json:"time_to_close_p90_interval"`
	// The same for resolved and for handed-off conversations apart.
	TimeToCloseResolved  Durations `json:"time_to_close_resolved"`
	TimeToCloseHandedOff Durations `json:"time_to_close_handed_off"`

	GapSignals int64 `json:"new_gap_questions"`

	// CSAT is the visitors' rating of whole conversations (csat events),
	// counted with the conversations, by the day they started.
	CSAT CSAT `json:"csat"`

	// Durations holds every time to close, for the test of a median's
	// change; not part of the JSON form.
	Durations *parley.DurationSketch `json:"-"`
}

// CSAT is conversation satisfaction: over the conversations the customer
// agent handled, and by outcome group. It never enters the resolution
// rule; it shows whether the rule's outcomes match what visitors felt.
type CSAT struct {
	// CSATScore covers every handled conversation that was rated, pending
	// ones included.
	CSATScore
	Resolved   CSATScore `json:"resolved"`
	HandedOff  CSATScore `json:"handed_off"`
	Unresolved CSATScore `json:"unresolved"`
	// NotHandled covers conversations the customer agent never took part
	// in: the team's own satisfaction, for comparison.
	NotHandled CSATScore `json:"not_handled"`
}

// CSATScore sums up the ratings (1–5) of one group of conversations.
type CSATScore struct {
	Rated int64 `json:"rated"`
	// Satisfied counts ratings of 4 or 5.
	Satisfied int64 `json:"satisfied"`
	// Rate is the CSAT: satisfied ÷ rated; null when none was rated.
	Rate *float64 `json:"rate"`
	// RateInterval is its 95 % interval (Wilson score).
	RateInterval *Interval `json:"rate_interval"`
	// Mean is the mean rating; null when none was rated.
	Mean *float64 `json:"mean"`
}

// csatOf sums the MetricCSAT cells, keyed by CSATKey.
func csatOf(cells map[string]int64) CSAT {
	var c CSAT
	groups := map[parley.OutcomeKind][]*CSATScore{
		parley.OutcomeResolved:   {&c.CSATScore, &c.Resolved},
		parley.OutcomeHandedOff:  {&c.CSATScore, &c.HandedOff},
		parley.OutcomeUnresolved: {&c.CSATScore, &c.Unresolved},
		parley.OutcomePending:    {&c.CSATScore},
		parley.OutcomeNotHandled: {&c.NotHandled},
	}
	sums := map[*CSATScore]int64{}
	for key, n := range cells {
		kind, score, ok := parley.ParseCSATKey(key)
		if !ok {
			continue
		}
		for _, g := range groups[kind] {
			g.Rated += n
			sums[g] += int64(score) * n
			if score >= parley.SatisfiedCSAT {
				g.Satisfied += n
			}
		}
	}
	for _, g := range []*CSATScore{&c.CSATScore, &c.Resolved, &c.HandedOff, &c.Unresolved, &c.NotHandled} {
		g.Rate, g.RateInterval = rate(g.Satisfied, g.Rated)
		g.Mean = ratio(sums[g], g.Rated)
	}
	return c
}

// Durations summarise times to close, in seconds; null when there are none.
type Durations struct {
	Closed int64    `json:"closed"`
	Mean   *float64 `json:"mean"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
	// The order-statistic 95 % intervals of the median and the p90.
	MedianInterval *Interval `json:"median_interval"`
	P90Interval    *Interval `json:"p90_interval"`
}

func durationsOf(s *parley.DurationSketch) Durations {
	d := Durations{Closed: s.Count()}
	if d.Closed > 0 {
		d.Mean, d.Median, d.P90 = seconds(s.Mean()), seconds(s.Quantile(0.5)), seconds(s.Quantile(0.9))
		d.MedianInterval, d.P90Interval = QuantileInterval(s, 0.5), QuantileInterval(s, 0.9)
	}
	return d
}

// sums accumulates rollup cells before the rates are worked out.
type sums struct {
	m map[parley.Metric]int64
	// counted holds the metrics of channels counted for the handle rate.
	counted map[parley.Metric]int64
	labels  map[parley.Metric]map[string]int64
	// closed holds the times to close, by outcome.
	closed map[string]*parley.DurationSketch
}

func newSums() *sums {
	return &sums{m: map[parley.Metric]int64{}, counted: map[parley.Metric]int64{}, labels: map[parley.Metric]map[string]int64{},
		closed: map[string]*parley.DurationSketch{}}
}

// add counts a cell; sk is the cell's sketch, read once by the caller,
// for a cell of a sketched metric.
func (s *sums) add(c *parley.Rollup, counted bool, sk *parley.DurationSketch) {
	switch c.Metric {
	case parley.MetricUnresolvedReason, parley.MetricHandoffInitiator, parley.MetricHandoffReason, parley.MetricFeedback, parley.MetricCSAT:
		if s.labels[c.Metric] == nil {
			s.labels[c.Metric] = map[string]int64{}
		}
		s.labels[c.Metric][c.Label] += c.Value
	case parley.MetricTimeToClose:
		if sk == nil {
			return
		}
		t := s.closed[c.Label]
		if t == nil {
			t = &parley.DurationSketch{}
			s.closed[c.Label] = t
		}
		t.Merge(sk)
	default:
		s.m[c.Metric] += c.Value
		if counted {
			s.counted[c.Metric] += c.Value
		}
	}
}

// rate is x of n with its 95 % interval; both nil when n is zero.
func rate(x, n int64) (*float64, *Interval) { return ratio(x, n), Wilson(x, n) }

func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

func seconds(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// metrics works out the numbers of SPEC §5 from the sums.
func (s *sums) metrics() Metrics {
	m := Metrics{
		Conversations:       s.counted[parley.MetricConversations],
		Test:                s.m[parley.MetricTest],
		Handled:             s.m[parley.MetricHandled],
		Pending:             s.m[parley.MetricPending],
		Resolved:            s.m[parley.MetricResolved],
		Confirmed:           s.m[parley.MetricConfirmed],
		HandedOff:           s.m[parley.MetricHandedOff],
		Unresolved:          s.m[parley.MetricUnresolved],
		Reopened:            s.m[parley.MetricReopened],
		HandoffsByInitiator: nonNil(s.labels[parley.MetricHandoffInitiator]),
		HandoffsByReason:    nonNil(s.labels[parley.MetricHandoffReason]),
		UnresolvedByReason:  nonNil(s.labels[parley.MetricUnresolvedReason]),
		FeedbackPositive:    s.labels[parley.MetricFeedback][string(parley.RatingPositive)],
		FeedbackNegative:    s.labels[parley.MetricFeedback][string(parley.RatingNegative)],
		GapSignals:          s.m[parley.MetricGapSignals],
		CSAT:                csatOf(s.labels[parley.MetricCSAT]),
	}
	m.Assumed = m.Resolved - m.Confirmed
	m.Decided = m.HandedOff + m.Resolved + m.Unresolved
	m.Deflected = m.Resolved + m.Unresolved
	m.HandleRate, m.HandleRateInterval = rate(s.counted[parley.MetricHandled], m.Conversations)
	m.AutomationRate, m.AutomationRateInterval = rate(s.counted[parley.MetricResolved], m.Conversations)
	m.ResolutionRate, m.ResolutionRateInterval = rate(m.Resolved, m.Decided)
	m.DeflectionRate, m.DeflectionRateInterval = rate(m.Deflected, m.Decided)
	m.HandoffRate, m.HandoffRateInterval = rate(m.HandedOff, m.Decided)
	m.ReopenRate, m.ReopenRateInterval = rate(m.Reopened, m.Resolved)
	m.Rated = m.FeedbackPositive + m.FeedbackNegative
	m.HelpfulRate, m.HelpfulRateInterval = rate(m.FeedbackPositive, m.Rated)
	all := &parley.DurationSketch{}
	for _, sk := range s.closed {
		all.Merge(sk)
	}
	d := durationsOf(all)
	m.Closed, m.TimeToCloseMean, m.TimeToCloseMedian, m.TimeToCloseP90 = d.Closed, d.Mean, d.Median, d.P90
	m.TimeToCloseMedianInterval, m.TimeToCloseP90Interval, m.Durations = d.MedianInterval, d.P90Interval, all
	for kind, dst := range map[parley.OutcomeKind]*Durations{parley.OutcomeResolved: &m.TimeToCloseResolved, parley.OutcomeHandedOff: &m.TimeToCloseHandedOff} {
		if sk := s.closed[string(kind)]; sk != nil {
			*dst = durationsOf(sk)
		}
	}
	return m
}

// Source reads daily rollups; *store.DB is one.
type Source interface {
	Rollups(ctx context.Context, workspaceID int64, from, to string) (parley.RollupSet, error)
}

// Performance reads the rollups a report needs and builds it.
func Performance(ctx context.Context, src Source, ws parley.Workspace, req Request, now time.Time) (*Report, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	// The range of the cells needs the settings they were made with,
	// which come with them; the current ones tell within a day, and a
	// day more on each side covers any difference of zones.
	lo, hi, err := span(ws.Settings, req, now)
	if err != nil {
		return nil, err
	}
	set, err := src.Rollups(ctx, ws.ID, formatDay(lo.AddDate(0, 0, -1)), formatDay(hi.AddDate(0, 0, 1)))
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return Build(set, ws, req, now)
}

// span is the first and last day a report reads: the range, the previous
// period and the three weeks up to the current one.
func span(s parley.Settings, req Request, now time.Time) (lo, hi time.Time, err error) {
	loc, err := s.Location()
	if err != nil {
		return lo, hi, err
	}
	from, _ := parseDay(req.From)
	to, _ := parseDay(req.To)
	prevFrom := from.AddDate(0, 0, -int(to.Sub(from).Hours()/24)-1)
	thisWeek := weekStart(dayOf(now, loc), s.WeekStart)
	return minTime(prevFrom, thisWeek.AddDate(0, 0, -14)), maxTime(to, thisWeek.AddDate(0, 0, 6)), nil
}

// Build makes the report from the rollups of a workspace, which must cover
// the range, the previous period and the last three weeks. It is a pure
// function. The numbers are cut with the settings the rollups were made
// with: the workspace's own, unless a recompute is under way.
func Build(set parley.RollupSet, ws parley.Workspace, req Request, now time.Time) (*Report, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	settings, version := ws.Settings, ws.SettingsVersion
	if set.Settings != nil {
		settings, version = set.Settings.Settings, set.Settings.Version
	}
	loc, err := settings.Location()
	if err != nil {
		return nil, err
	}
	from, _ := parseDay(req.From)
	to, _ := parseDay(req.To)
	today := dayOf(now, loc)
	days := int(to.Sub(from).Hours()/24) + 1
	prevTo := from.AddDate(0, 0, -1)
	prevFrom := prevTo.AddDate(0, 0, -days+1)
	thisWeek := weekStart(today, settings.WeekStart)
	lastWeek, weekBefore := weeksBefore(today, settings.WeekStart)

	r := &Report{
		Workspace: ws.Slug, From: formatDay(from), To: formatDay(to), Granularity: req.Granularity,
		Channels: slices.Clone(req.Channels), Settings: settings, SettingsVersion: version, DefinitionVersion: parley.DefinitionVersion,
		Today: formatDay(today), PreviousFrom: formatDay(prevFrom), PreviousTo: formatDay(prevTo),
	}
	if set.Recompute != nil {
		r.Recomputing = &Recomputing{Recompute: *set.Recompute, Settings: ws.Settings, SettingsVersion: ws.SettingsVersion}
	}
	if r.Channels == nil {
		r.Channels = []string{}
	}
	buckets := bucketsOf(from, to, req.Granularity, settings.WeekStart)
	bucketSums := make([]*sums, len(buckets))
	for i := range bucketSums {
		bucketSums[i] = newSums()
	}
	total, prev, this, last, before := newSums(), newSums(), newSums(), newSums(), newSums()
	byChannel := map[string]*sums{}
	selected := channelSet(req.Channels)
	counted := channelSet(settings.CountedChannels)

	fromS, toS, prevFromS := r.From, r.To, r.PreviousFrom
	thisS, thisEndS := formatDay(thisWeek), formatDay(thisWeek.AddDate(0, 0, 6))
	lastS, beforeS := formatDay(lastWeek), formatDay(weekBefore)
	var sk parley.DurationSketch
	for i := range set.Cells {
		c := &set.Cells[i]
		if selected != nil && !selected[c.Channel] {
			continue
		}
		var cellSketch *parley.DurationSketch
		if c.Metric.Sketched() {
			sk = parley.DurationSketch{}
			if err := sk.MergeText(c.Sketch); err != nil {
				return nil, fmt.Errorf("report: rollup %s %s %s %s: %w", c.Day, c.Channel, c.Metric, c.Label, err)
			}
			cellSketch = &sk
		}
		isCounted := counted == nil || counted[c.Channel]
		switch {
		case c.Day >= beforeS && c.Day < lastS:
			before.add(c, isCounted, cellSketch)
		case c.Day >= lastS && c.Day < thisS:
			last.add(c, isCounted, cellSketch)
		case c.Day >= thisS && c.Day <= thisEndS:
			this.add(c, isCounted, cellSketch)
		}
		if c.Day >= prevFromS && c.Day < fromS {
			prev.add(c, isCounted, cellSketch)
		}
		if c.Day < fromS || c.Day > toS {
			continue
		}
		total.add(c, isCounted, cellSketch)
		cs := byChannel[c.Channel]
		if cs == nil {
			cs = newSums()
			byChannel[c.Channel] = cs
		}
		cs.add(c, isCounted, cellSketch)
		i, _ := slices.BinarySearchFunc(buckets, c.Day, func(b Bucket, day string) int {
			switch {
			case b.To < day:
				return -1
			case b.From > day:
				return 1
			}
			return 0
		})
		bucketSums[i].add(c, isCounted, cellSketch)
	}
	r.Totals, r.Previous = total.metrics(), prev.metrics()
	r.ThisWeek = Period{From: thisS, To: thisEndS, Metrics: this.metrics()}
	r.LastWeek = Period{From: lastS, To: formatDay(lastWeek.AddDate(0, 0, 6)), Metrics: last.metrics()}
	r.WeekBefore = Period{From: beforeS, To: formatDay(weekBefore.AddDate(0, 0, 6)), Metrics: before.metrics()}
	r.Impact = impact(&r.LastWeek.Metrics, &r.WeekBefore.Metrics, &r.ThisWeek.Metrics)
	for i := range buckets {
		buckets[i].Metrics = bucketSums[i].metrics()
		buckets[i].Provisional = buckets[i].Pending > 0
		r.Provisional = r.Provisional || buckets[i].Provisional
	}
	r.Series = buckets
	for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
		r.ByChannel = append(r.ByChannel, ChannelMetrics{Channel: ch, Metrics: byChannel[ch].metrics()})
	}
	if r.ByChannel == nil {
		r.ByChannel = []ChannelMetrics{}
	}
	return r, nil
}

func channelSet(chs []string) map[string]bool {
	if len(chs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(chs))
	for _, c := range chs {
		m[c] = true
	}
	return m
}
