package report

import (
	"math"

	"github.com/parleyhq/parley"
)

// How sure each number is. Every rate of the report carries its 95 %
// confidence interval, and a change from one week to the next is called
// up or down only when a test at 95 % says it is not chance.
//
//   - Rates (a share of conversations, replies or ratings) take the Wilson
//     score interval: unlike the textbook p ± 1.96·√(p(1−p)/n), it stays
//     inside 0–100 % and keeps its coverage at 0 %, 100 % and on small n,
//     which a week of one channel often is.
//   - Medians and p90 of times to close take the distribution-free
//     order-statistic interval: the number of durations below the true
//     q-quantile is binomial (n, q), so with ranks r = ⌊nq − 1.96·√(nq(1−q))⌋
//     and s = ⌈nq + 1.96·√(nq(1−q))⌉ the r-th and s-th smallest durations
//     bound it at 95 %. The sketch answers any rank within 1 %, so the
//     interval comes from the rollups alone, the same on every load. A
//     bootstrap would need every duration (or thousands of resamples of
//     every sketch on every page view) and would give other bounds on
//     each run.
//   - A change of a rate is tested with the two-proportion z-test (pooled);
//     of a count (resolved, handled: two weeks of the same length) with
//     the conditional test of two Poisson counts, x₁ of x₁+x₂ against one
//     half; of a median with Mood's median test, the two-proportion z-test
//     of the shares above the median of both weeks together.

// z95 is the two-sided 95 % point of the standard normal distribution.
const z95 = 1.959963984540054

// Interval is a 95 % confidence interval: of a rate, in fractions; of a
// duration, in seconds.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Wilson is the Wilson score interval of x successes in n trials; nil
// when n is zero.
func Wilson(x, n int64) *Interval {
	if n <= 0 {
		return nil
	}
	nf, z2 := float64(n), z95*z95
	p := float64(x) / nf
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return &Interval{Low: max(0, centre-half), High: min(1, centre+half)}
}

// QuantileInterval is the order-statistic interval of the q-quantile of
// the durations of s, in seconds; nil when there are too few durations
// for one (a rank before the first or past the last: fewer than 6 for the
// median, 35 for the p90).
func QuantileInterval(s *parley.DurationSketch, q float64) *Interval {
	n := s.Count()
	nf := float64(n)
	spread := z95 * math.Sqrt(nf*q*(1-q))
	r, t := int64(math.Floor(nf*q-spread)), int64(math.Ceil(nf*q+spread))
	if n <= 0 || r < 1 || t > n {
		return nil
	}
	return &Interval{Low: s.Rank(r).Seconds(), High: s.Rank(t).Seconds()}
}

// TwoProportionZ is the pooled two-proportion z statistic of x1 of n1
// against x2 of n2; ok is false when it is undefined (an empty side, or
// both all or nothing).
func TwoProportionZ(x1, n1, x2, n2 int64) (z float64, ok bool) {
	if n1 <= 0 || n2 <= 0 {
		return 0, false
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pooled := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 0, false
	}
	return (p1 - p2) / se, true
}

// PoissonZ compares two counts over spans of the same length: given
// their sum, the first is binomial (x1+x2, ½) when both come from one
// rate.
func PoissonZ(x1, x2 int64) (z float64, ok bool) {
	if x1+x2 <= 0 {
		return 0, false
	}
	return float64(x1-x2) / math.Sqrt(float64(x1+x2)), true
}

// MedianZ is Mood's median test of two sets of durations: the
// two-proportion z statistic of their shares above the median of both.
func MedianZ(a, b *parley.DurationSketch) (z float64, ok bool) {
	var both parley.DurationSketch
	both.Merge(a)
	both.Merge(b)
	m := both.Quantile(0.5)
	na, nb := a.Count(), b.Count()
	return TwoProportionZ(na-a.CountAtMost(m), na, nb-b.CountAtMost(m), nb)
}

// PValue is the two-sided p-value of a z statistic.
func PValue(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// The tests an Observation's change is judged by.
const (
	TestProportion = "two_proportion"
	TestCount      = "poisson"
	TestMedian     = "median"
)

// significance is the z statistic of the move from prev to cur by the
// test of cur.
func significance(cur, prev Observation) (z float64, ok bool) {
	switch cur.Test {
	case TestProportion:
		successes := func(o Observation) int64 { return int64(math.Round(*o.Value * float64(o.Basis))) }
		return TwoProportionZ(successes(cur), cur.Basis, successes(prev), prev.Basis)
	case TestCount:
		return PoissonZ(int64(math.Round(*cur.Value)), int64(math.Round(*prev.Value)))
	case TestMedian:
		if cur.Sketch == nil || prev.Sketch == nil {
			return 0, false
		}
		return MedianZ(cur.Sketch, prev.Sketch)
	}
	return 0, false
}
