package report_test

import (
	"math"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
)

// TestWilson checks the Wilson score interval against values worked out by
// hand with z = 1.959964 (z² = 3.841459), from
//
//	centre = (p + z²/2n) / (1 + z²/n)
//	half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)
func TestWilson(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		x, n      int64
		low, high float64
	}{
		// 0 of 10: 1 + z²/n = 1.384146; centre = 0.192073 / 1.384146 =
		// 0.138767; half = 1.416008 · √(0.00960365) = 1.416008 · 0.0979982
		// = 0.138767 → 0 to 0.277534. (p ± 1.96·√(p(1−p)/n) would say 0 to 0.)
		{0, 10, 0, 0.277534},
		// 5 of 10: centre 0.5; half = 1.416008 · √(0.025 + 0.00960365) =
		// 1.416008 · 0.186020 = 0.263406 → 0.236594 to 0.763406.
		{5, 10, 0.236594, 0.763406},
		// 9 of 10: centre = (0.9 + 0.192073) / 1.384146 = 0.788987; half =
		// 1.416008 · √(0.009 + 0.00960365) = 1.416008 · 0.136395 =
		// 0.193136 → 0.595851 to 0.982123.
		{9, 10, 0.595851, 0.982123},
		// 50 of 100: 1 + z²/n = 1.038415; half = 1.887459 · √(0.0025 +
		// 0.0000960365) = 1.887459 · 0.0509512 = 0.096168 → 0.403832 to
		// 0.596168.
		{50, 100, 0.403832, 0.596168},
		// 10 of 10: centre = 1.192073 / 1.384146 = 0.861233; half =
		// 0.138767 → 0.722466 to 1.
		{10, 10, 0.722466, 1},
	} {
		got := report.Wilson(tt.x, tt.n)
		if got == nil || math.Abs(got.Low-tt.low) > 2e-6 || math.Abs(got.High-tt.high) > 2e-6 {
			t.Errorf("Wilson(%d, %d) = %+v, want %.6f to %.6f", tt.x, tt.n, got, tt.low, tt.high)
		}
	}
	if got := report.Wilson(0, 0); got != nil {
		t.Errorf("Wilson(0, 0) = %+v, want nil", got)
	}
}

// TestQuantileInterval checks the order-statistic interval on the
// durations 1, 2, …, 100 minutes, whose k-th smallest is k minutes.
func TestQuantileInterval(t *testing.T) {
	t.Parallel()
	var s parley.DurationSketch
	for k := int64(1); k <= 100; k++ {
		s.Add(k*time.Minute.Milliseconds(), 1)
	}
	for _, tt := range []struct {
		q         float64
		low, high float64 // minutes
	}{
		// Median: nq = 50, √(nq(1−q)) = 5, 1.96 · 5 = 9.8: ranks ⌊40.2⌋ =
		// 40 and ⌈59.8⌉ = 60, so 40 to 60 minutes.
		{0.5, 40, 60},
		// p90: nq = 90, √(100 · 0.9 · 0.1) = 3, 1.96 · 3 = 5.88: ranks
		// ⌊84.12⌋ = 84 and ⌈95.88⌉ = 96.
		{0.9, 84, 96},
	} {
		got := report.QuantileInterval(&s, tt.q)
		// The sketch answers each rank within 1 %.
		near := func(got, want float64) bool { return math.Abs(got-want*60) <= 0.01*want*60 }
		if got == nil || !near(got.Low, tt.low) || !near(got.High, tt.high) {
			t.Errorf("QuantileInterval(q = %v) = %+v s, want %v to %v minutes (±1 %%)", tt.q, got, tt.low, tt.high)
		}
	}
	if got := report.QuantileInterval(&parley.DurationSketch{}, 0.5); got != nil {
		t.Errorf("an empty sketch has the interval %+v, want nil", got)
	}
}

// TestSignificance checks the tests a change is judged by against z
// statistics worked out by hand.
func TestSignificance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name           string
		x1, n1, x2, n2 int64
		z              float64
	}{
		// pooled 105/200 = 0.525; se = √(0.525 · 0.475 · (1/100 + 1/100))
		// = √0.0049875 = 0.0706222; z = 0.15 / 0.0706222 = 2.12398.
		{"60% against 45% of 100", 60, 100, 45, 100, 2.12398},
		// pooled 0.5; se = √(0.25 · 0.02) = 0.0707107; z = 0.1 / 0.0707107.
		{"55% against 45% of 100", 55, 100, 45, 100, 1.41421},
		// pooled 300/1000 = 0.3; se = √(0.3 · 0.7 · (1/400 + 1/600)) =
		// √(0.21 · 0.00416667) = 0.0295804; z = (0.33 − 0.28) / 0.0295804.
		{"132 of 400 against 168 of 600", 132, 400, 168, 600, 1.69031},
	} {
		z, ok := report.TwoProportionZ(tt.x1, tt.n1, tt.x2, tt.n2)
		if !ok || math.Abs(z-tt.z) > 1e-4 {
			t.Errorf("%s: z = %v (%v), want %v", tt.name, z, ok, tt.z)
		}
	}
	if _, ok := report.TwoProportionZ(0, 50, 0, 40); ok {
		t.Error("0 of 50 against 0 of 40 has a z statistic; want none (nothing varies)")
	}
	for _, tt := range []struct {
		x1, x2 int64
		z      float64
	}{
		{130, 100, 1.97814}, // 30 / √230 = 30 / 15.1658
		{125, 100, 1.66667}, // 25 / √225 = 25 / 15
		{90, 110, -1.41421}, // −20 / √200
	} {
		if z, ok := report.PoissonZ(tt.x1, tt.x2); !ok || math.Abs(z-tt.z) > 1e-4 {
			t.Errorf("PoissonZ(%d, %d) = %v, want %v", tt.x1, tt.x2, z, tt.z)
		}
	}
	// Mood's median test. Week a: 70 closes in 10 minutes, 30 in an hour;
	// week b: 30 and 70. Both together: 200, the 100th smallest 10 minutes,
	// the median. Above it: 30 of a, 70 of b; pooled 0.5, se = 0.0707107,
	// z = (0.3 − 0.7) / 0.0707107 = −5.65685: a is shorter.
	sketch := func(short, long int64) *parley.DurationSketch {
		var s parley.DurationSketch
		s.Add(10*time.Minute.Milliseconds(), short)
		s.Add(time.Hour.Milliseconds(), long)
		return &s
	}
	if z, ok := report.MedianZ(sketch(70, 30), sketch(30, 70)); !ok || math.Abs(z+5.65685) > 1e-4 {
		t.Errorf("MedianZ(70/30, 30/70) = %v, want −5.65685", z)
	}
	// 55/45 against 45/55: the 100th smallest of both is again 10 minutes;
	// above it 45 of a and 55 of b: z = −0.1 / 0.0707107 = −1.41421.
	if z, ok := report.MedianZ(sketch(55, 45), sketch(45, 55)); !ok || math.Abs(z+1.41421) > 1e-4 {
		t.Errorf("MedianZ(55/45, 45/55) = %v, want −1.41421", z)
	}
	// The two-sided points of the normal table: 1.644854 → 0.10,
	// 1.959964 → 0.05, 2.575829 → 0.01.
	for _, tt := range []struct{ z, p float64 }{{1.644854, 0.10}, {-1.959964, 0.05}, {2.575829, 0.01}, {0, 1}} {
		if p := report.PValue(tt.z); math.Abs(p-tt.p) > 1e-6 {
			t.Errorf("PValue(%v) = %v, want %v", tt.z, p, tt.p)
		}
	}
}
