package report

import (
	"math"

	"github.com/parleyhq/parley"
)

// The "Impact" cards show the last complete week against the week before
// it, with this week so far beside them. A support lead reviews a week
// once it is over; the current week is never comparable with a whole one,
// and not even with the same days of the last: outcomes are decided only
// when the evaluation window (72 hours by default) has passed since the
// agent's last reply, so the days of this week are mostly pending, while
// the same days of last week are decided. The last complete week is itself
// still provisional for a few days after it ends; its cards say so, with
// the number of conversations still pending.

// MinBasis is the fewest observations — decided conversations for outcome
// counts and rates, rated replies for helpful %, rated conversations for
// CSAT, closed conversations for times to close, conversations for the
// handle rate — that a number must
// rest on for a chart to draw it, and that both numbers of a change must
// rest on for the change to be called up or down. Below 30 a single
// conversation moves a rate by more than three points and the 95 %
// interval of a rate is wider than ±18 points: whatever such a change
// shows, it is mostly chance.
const MinBasis = 30

// MaxPending bounds the share of a period's conversations still pending
// (of decided and pending) with which a rate of its decided conversations
// is drawn. Decisions come in a biased order — handoffs at once,
// resolutions only when the window has passed — so the rate of the few
// conversations decided early in a period is not the period's: with more
// than a tenth still pending, those could move it by more than ten points.
const MaxPending = 0.10

// Drawn reports whether a chart draws a number resting on basis
// observations while pending conversations of its period are undecided.
func Drawn(basis, pending int64) bool {
	return basis >= MinBasis && float64(pending) <= MaxPending*float64(basis+pending)
}

// Observation is one number with what it rests on.
type Observation struct {
	// Value is nil when there is nothing to measure (a rate of nothing).
	Value *float64 `json:"value"`
	// Basis counts the observations the value rests on (see MinBasis).
	Basis int64 `json:"basis"`
	// Pending counts the conversations of the period not decided yet,
	// when the value depends on decisions: it may still change.
	Pending int64 `json:"pending"`
	// Low and High bound the value the number will end at, whatever its
	// pending conversations turn out to be; both are Value when none is.
	Low  *float64 `json:"low"`
	High *float64 `json:"high"`
	// Mean is the mean beside the value: of times to close, in seconds,
	// beside their median; of CSAT ratings (1–5) beside the CSAT.
	Mean *float64 `json:"mean,omitempty"`
	// Interval is the 95 % confidence interval of a rate or a median
	// (see confidence.go); nil for counts, and when there is no value.
	Interval *Interval `json:"interval"`
	// Test names the test a change of the number is judged by:
	// TestProportion, TestCount or TestMedian.
	Test string `json:"test"`
	// Sketch holds the durations of a median, for its test; not part of
	// the JSON form.
	Sketch *parley.DurationSketch `json:"-"`
}

// Provisional reports whether the value may still change.
func (o Observation) Provisional() bool { return o.Pending > 0 }

// Unsettled reports whether so much of the value's period is pending
// that only its range (Low to High) says anything: a rate drawn from the
// decided conversations alone would mislead (see MaxPending).
func (o Observation) Unsettled() bool { return o.Pending > 0 && !Drawn(o.Basis, o.Pending) }

// Why a change is not called up or down.
const (
	// TooFew: one of the numbers rests on fewer than MinBasis.
	TooFew = "too_few"
	// TooPending: the conversations still pending could reverse it.
	TooPending = "too_pending"
	// NotSignificant: the test at 95 % cannot tell it from chance.
	NotSignificant = "not_significant"
)

// Change is how a number moved from one period to the next.
type Change struct {
	// Delta is the change: a fraction of the earlier value for counts and
	// durations, a difference of fractions (points) for rates. It is nil
	// when either value is missing, or the earlier count is zero.
	Delta *float64 `json:"delta"`
	// Points says Delta is a difference of rates.
	Points bool `json:"points"`
	// Direction is "up" or "down" when the change is called (see Call);
	// "" when it is not, or when nothing changed.
	Direction string `json:"direction"`
	// Uncalled says why a change was not called: TooFew, TooPending or
	// NotSignificant; "" when it was, or there was none.
	Uncalled string `json:"uncalled"`
	// Z and PValue are the statistic of the change's test (the
	// observations' Test) on the decided conversations, and its two-sided
	// p-value; nil when the test is undefined. The change is significant
	// at 95 % when PValue < 0.05.
	Z      *float64 `json:"z"`
	PValue *float64 `json:"p_value"`
	// AtLeast, for a change called while conversations are pending, is
	// the smallest change they can leave, in Delta's terms: Delta itself
	// leaves them out.
	AtLeast *float64 `json:"at_least"`
}

// Call decides whether the move from prev to cur may be called up or
// down: when both rest on at least MinBasis observations (below that the
// tests' normal approximation does not hold), no outcome of the
// conversations still pending in either could reverse it (their Low–High
// ranges do not overlap), and the observations' test finds the change
// significant at 95 % (two-sided). It returns the direction, or why there
// is none. It is the one place that rule lives.
func Call(cur, prev Observation) (direction, uncalled string) {
	if cur.Value == nil || prev.Value == nil || *cur.Value == *prev.Value {
		return "", ""
	}
	if cur.Basis < MinBasis || prev.Basis < MinBasis {
		return "", TooFew
	}
	switch {
	case *cur.Low > *prev.High:
		direction = "up"
	case *cur.High < *prev.Low:
		direction = "down"
	default:
		return "", TooPending
	}
	if z, ok := significance(cur, prev); !ok || math.Abs(z) < z95 || (z > 0) != (direction == "up") {
		return "", NotSignificant
	}
	return direction, ""
}

// compare works out the change from prev to cur.
func compare(cur, prev Observation, points bool) Change {
	c := Change{Points: points}
	c.Direction, c.Uncalled = Call(cur, prev)
	if cur.Value != nil && prev.Value != nil {
		if z, ok := significance(cur, prev); ok {
			p := PValue(z)
			c.Z, c.PValue = &z, &p
		}
	}
	if cur.Value == nil || prev.Value == nil {
		return c
	}
	d := *cur.Value - *prev.Value
	if !points {
		if *prev.Value == 0 {
			return c
		}
		d /= *prev.Value
	}
	if math.Abs(d) < 1e-12 {
		d = 0
	}
	c.Delta = &d
	if c.Direction != "" && (cur.Provisional() || prev.Provisional()) {
		least := *cur.Low - *prev.High
		if c.Direction == "down" {
			least = *cur.High - *prev.Low
		}
		if !points {
			least /= *prev.Value
		}
		c.AtLeast = &least
	}
	return c
}

// Card is one number of the "Impact" cards.
type Card struct {
	// Metric names the number: resolved, handled, time_to_close (the
	// median, with the mean beside it), deflection_rate, helpful_rate,
	// csat (satisfied of rated conversations, with the mean rating).
	Metric string `json:"metric"`
	// Week is the last complete week, Before the week before it, SoFar
	// the current week up to now.
	Week   Observation `json:"last_week"`
	Before Observation `json:"week_before"`
	SoFar  Observation `json:"this_week_so_far"`
	Change Change      `json:"change"`
	// UpIsGood says whether a rise is welcome (a shorter time to close is).
	UpIsGood bool `json:"up_is_good"`
}

// settled is an observation nothing pending can change.
func settled(v *float64, basis int64, test string, interval *Interval) Observation {
	return Observation{Value: v, Basis: basis, Low: v, High: v, Test: test, Interval: interval}
}

// impact builds the cards from the three weeks' numbers.
func impact(week, before, soFar *Metrics) []Card {
	type def struct {
		metric   string
		points   bool
		upIsGood bool
		observe  func(m *Metrics) Observation
	}
	f := func(n int64) *float64 { v := float64(n); return &v }
	defs := []def{
		// The resolved of a week can only grow, by at most its pending.
		{"resolved", false, true, func(m *Metrics) Observation {
			return Observation{Value: f(m.Resolved), Basis: m.Decided, Pending: m.Pending, Low: f(m.Resolved), High: f(m.Resolved + m.Pending),
				Test: TestCount}
		}},
		{"handled", false, true, func(m *Metrics) Observation { return settled(f(m.Handled), m.Handled, TestCount, nil) }},
		{"time_to_close", false, false, func(m *Metrics) Observation {
			o := settled(m.TimeToCloseMedian, m.Closed, TestMedian, m.TimeToCloseMedianInterval)
			o.Mean, o.Sketch = m.TimeToCloseMean, m.Durations
			return o
		}},
		// A deflection rate ends between all pending handed off and all
		// deflected.
		{"deflection_rate", true, true, func(m *Metrics) Observation {
			o := Observation{Value: m.DeflectionRate, Basis: m.Decided, Pending: m.Pending, Low: m.DeflectionRate, High: m.DeflectionRate,
				Test: TestProportion, Interval: m.DeflectionRateInterval}
			if all := m.Decided + m.Pending; m.Pending > 0 {
				o.Low, o.High = ratio(m.Deflected, all), ratio(m.Deflected+m.Pending, all)
			}
			return o
		}},
		{"helpful_rate", true, true, func(m *Metrics) Observation {
			return settled(m.HelpfulRate, m.Rated, TestProportion, m.HelpfulRateInterval)
		}},
		// A rating can come late, but does not wait for a decision.
		{"csat", true, true, func(m *Metrics) Observation {
			o := settled(m.CSAT.Rate, m.CSAT.Rated, TestProportion, m.CSAT.RateInterval)
			o.Mean = m.CSAT.Mean
			return o
		}},
	}
	cards := make([]Card, len(defs))
	for i, d := range defs {
		c := Card{Metric: d.metric, Week: d.observe(week), Before: d.observe(before), SoFar: d.observe(soFar), UpIsGood: d.upIsGood}
		c.Change = compare(c.Week, c.Before, d.points)
		cards[i] = c
	}
	return cards
}
