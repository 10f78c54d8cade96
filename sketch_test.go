package parley_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// durations draws n times to close in milliseconds from one of several
// shapes: the synthetic desk's (uniform from a minute to six hours), a
// log-normal, a heavy tail, a handful of repeated values, and zeros mixed
// with long ones.
func durations(r *rand.Rand, shape, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		var ms float64
		switch shape {
		case 0:
			ms = 60e3 + r.Float64()*(6*3600e3-60e3)
		case 1:
			ms = math.Exp(math.Log(3*3600e3) + 1.2*r.NormFloat64())
		case 2:
			ms = 1e3 / math.Pow(1-r.Float64(), 1.5) // Pareto: days, weeks, now and then a year
		case 3:
			ms = float64([]int64{1000, 1500, 90_000, 7_200_000}[r.IntN(4)])
		case 4:
			if r.IntN(3) == 0 {
				ms = 0
			} else {
				ms = 2 + r.Float64()*30*24*3600e3
			}
		}
		out[i] = int64(ms)
	}
	return out
}

// TestSketchQuantileWithinOnePercent compares the sketch's quantiles with
// the exact nearest-rank ones over many samples, and reports the largest
// relative error seen.
func TestSketchQuantileWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for trial := range 200 {
		shape, n := trial%5, 1+r.IntN(3000)
		values := durations(r, shape, n)
		var s parley.DurationSketch
		var sum int64
		for _, v := range values {
			s.Add(v, 1)
			sum += v
		}
		slices.Sort(values)
		for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1} {
			rank := max(int(math.Ceil(q*float64(n))), 1)
			exact := float64(values[rank-1])
			got := float64(s.Quantile(q)) / float64(time.Millisecond)
			if exact <= 1 {
				if got != 0 {
					t.Errorf("trial %d: q%.2f exact %v ms, got %v ms, want 0", trial, q, exact, got)
				}
				continue
			}
			rel := math.Abs(got-exact) / exact
			worst = max(worst, rel)
			if rel > parley.SketchAccuracy {
				t.Errorf("trial %d (shape %d, %d values): q%.2f got %.1f ms, exact %.0f ms: %.3f%% off", trial, shape, n, q, got, exact, rel*100)
			}
		}
		if s.Count() != int64(n) {
			t.Errorf("trial %d: count %d, want %d", trial, s.Count(), n)
		}
		if want := time.Duration(float64(sum) / float64(n) * float64(time.Millisecond)); s.Mean() != want {
			t.Errorf("trial %d: mean %v, want exactly %v", trial, s.Mean(), want)
		}
	}
	t.Logf("largest relative error of any quantile: %.3f%%", worst*100)
}

// TestSketchMergeAndTakeAway: sketches of parts merged, through their texts
// or directly, equal the sketch of the whole; taking durations away leaves
// the sketch of the rest, byte for byte.
func TestSketchMergeAndTakeAway(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 50 {
		values := durations(r, trial%5, 1+r.IntN(2000))
		var whole, merged, viaText parley.DurationSketch
		cut := r.IntN(len(values) + 1)
		parts := [][]int64{values[:cut], values[cut:]}
		for _, part := range parts {
			var p parley.DurationSketch
			for _, v := range part {
				p.Add(v, 1)
				whole.Add(v, 1)
			}
			merged.Merge(&p)
			if err := viaText.MergeText(p.String()); err != nil {
				t.Fatal(err)
			}
		}
		if merged.String() != whole.String() || viaText.String() != whole.String() {
			t.Fatalf("trial %d: merged %q, via text %q, want %q", trial, merged.String(), viaText.String(), whole.String())
		}
		var rest parley.DurationSketch
		for _, v := range parts[1] {
			rest.Add(v, 1)
		}
		for _, v := range parts[0] {
			whole.Add(v, -1)
		}
		if !whole.Valid() || whole.String() != rest.String() {
			t.Fatalf("trial %d: after taking away the first part %q, want %q", trial, whole.String(), rest.String())
		}
	}
	var s parley.DurationSketch
	s.Add(5000, 1)
	s.Add(5000, -1)
	if !s.Empty() || s.Count() != 0 || s.Quantile(0.5) != 0 || s.Mean() != 0 {
		t.Errorf("a duration added and taken away leaves %q", s.String())
	}
	s.Add(5000, -1)
	if s.Valid() {
		t.Error("a sketch with a negative count is valid")
	}
}

func TestSketchText(t *testing.T) {
	var s parley.DurationSketch
	if got := s.String(); got != "0" {
		t.Errorf("empty sketch: %q, want \"0\"", got)
	}
	s.Add(0, 2)
	s.Add(180_000, 3) // three minutes: bucket ⌈ln 180,000 / ln γ⌉ = 606
	got := s.String()
	// Sum 540,000 ms = 0 + 11·32 + 15·32² + 16·32³; bucket 0 ×2; 605
	// buckets skipped (29 + 18·32), then ×3.
	if want := "ALPg" + "02" + "zi" + "3"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if strings.ContainsAny(got, "|\n") {
		t.Errorf("text %q holds a rollup separator", got)
	}
	back, err := parley.ParseDurationSketch(got)
	if err != nil || back.String() != got {
		t.Errorf("parse(%q) = %q, %v", got, back.String(), err)
	}
	for _, bad := range []string{"", "A", "0A", "00", "0|", "0 1", "0_______________1", "0" + "QQv" + "1"} {
		s := parley.DurationSketch{}
		s.Add(1000, 1)
		before := s.String()
		if err := s.MergeText(bad); err == nil {
			t.Errorf("MergeText(%q) took it", bad)
		}
		if s.String() != before {
			t.Errorf("MergeText(%q) changed the sketch on error: %q", bad, s.String())
		}
	}
}

// FuzzSketchText: any text is merged or refused without a panic, and a
// sketch read from text writes the same text back.
func FuzzSketchText(f *testing.F) {
	f.Add("ALPg02zi3")
	f.Add("0")
	f.Add("vvvvv0")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := parley.ParseDurationSketch(text)
		if err != nil {
			return
		}
		if !s.Valid() {
			t.Fatalf("%q parsed to an invalid sketch", text)
		}
		again, err := parley.ParseDurationSketch(s.String())
		if err != nil || again.String() != s.String() {
			t.Fatalf("%q: written back as %q, read again as %q (%v)", text, s.String(), again.String(), err)
		}
	})
}
