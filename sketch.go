package parley

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// SketchAccuracy is the relative accuracy of every quantile a
// DurationSketch answers: the duration it returns is within 1 % of the
// true one of the same rank.
const SketchAccuracy = 0.01

// A sketch bucket i ≥ 1 holds the durations d (in milliseconds) with
// γ^(i−1) < d ≤ γ^i, where γ = (1+α)/(1−α); bucket 0 holds those of at
// most one millisecond. The middle 2γ^i/(γ+1) of a bucket is within α of
// every duration in it. A year fits in about 1,200 buckets.
var (
	sketchGamma    = (1 + SketchAccuracy) / (1 - SketchAccuracy)
	sketchLogGamma = math.Log(sketchGamma)
)

// DurationSketch counts durations in logarithmic buckets (the DDSketch of
// Masson, Rim and Lee, VLDB 2019), so that medians and other quantiles can
// be read within SketchAccuracy from any sum of sketches: the rollups keep
// one per day, channel and outcome, and a report adds up those of its
// days. Counts are whole and may be taken away again, which is how a
// conversation evaluated again moves its duration from one sketch to
// another; a sketch may hold negative counts only as such a change, never
// once stored. The sum of the durations is kept beside them, exactly, for
// the mean.
//
// The zero value is an empty sketch.
type DurationSketch struct {
	sumMs int64
	// counts[i] is the count of bucket lo+i.
	lo     int
	counts []int64
}

// sketchBucket is the bucket of a duration in milliseconds.
func sketchBucket(ms int64) int {
	if ms <= 1 {
		return 0
	}
	return int(math.Ceil(math.Log(float64(ms)) / sketchLogGamma))
}

// sketchValue is the duration, in milliseconds, that bucket i stands for.
func sketchValue(i int) float64 {
	if i <= 0 {
		return 0
	}
	return 2 * math.Pow(sketchGamma, float64(i)) / (sketchGamma + 1)
}

// Add counts n durations of ms milliseconds; a negative n takes them away.
func (s *DurationSketch) Add(ms, n int64) {
	ms = max(ms, 0)
	i := sketchBucket(ms)
	s.grow(i, i)
	s.counts[i-s.lo] += n
	s.sumMs += ms * n
}

// grow makes room for the buckets first..last.
func (s *DurationSketch) grow(first, last int) {
	if len(s.counts) == 0 {
		s.lo = first
		s.counts = make([]int64, last-first+1, max(last-first+1, 16))
		return
	}
	if first < s.lo {
		grown := make([]int64, s.lo-first+len(s.counts), s.lo-first+cap(s.counts))
		copy(grown[s.lo-first:], s.counts)
		s.counts, s.lo = grown, first
	}
	if end := s.lo + len(s.counts); last >= end {
		s.counts = append(s.counts, make([]int64, last-end+1)...)
	}
}

// Merge adds every duration of o.
func (s *DurationSketch) Merge(o *DurationSketch) {
	if len(o.counts) == 0 {
		s.sumMs += o.sumMs
		return
	}
	s.grow(o.lo, o.lo+len(o.counts)-1)
	dst := s.counts[o.lo-s.lo:]
	for i, c := range o.counts {
		dst[i] += c
	}
	s.sumMs += o.sumMs
}

// Equal reports whether two sketches hold the same durations.
func (s *DurationSketch) Equal(o *DurationSketch) bool {
	if s == nil || o == nil {
		return s == o
	}
	return s.String() == o.String()
}

// Count is the number of durations.
func (s *DurationSketch) Count() int64 {
	var n int64
	for _, c := range s.counts {
		n += c
	}
	return n
}

// Empty reports whether the sketch holds nothing, not even a change.
func (s *DurationSketch) Empty() bool {
	if s.sumMs != 0 {
		return false
	}
	for _, c := range s.counts {
		if c != 0 {
			return false
		}
	}
	return true
}

// Valid reports whether no count is negative: a stored sketch always is.
func (s *DurationSketch) Valid() bool {
	for _, c := range s.counts {
		if c < 0 {
			return false
		}
	}
	return s.sumMs >= 0
}

// Mean is the exact mean duration; zero when empty.
func (s *DurationSketch) Mean() time.Duration {
	n := s.Count()
	if n <= 0 {
		return 0
	}
	return time.Duration(float64(s.sumMs) / float64(n) * float64(time.Millisecond))
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank method:
// the ⌈q·n⌉-th smallest duration, within SketchAccuracy. It is zero when
// the sketch is empty.
func (s *DurationSketch) Quantile(q float64) time.Duration {
	n := s.Count()
	if n <= 0 {
		return 0
	}
	return s.Rank(max(int64(math.Ceil(q*float64(n))), 1))
}

// Rank returns the rank-th smallest duration (1 ≤ rank ≤ Count), within
// SketchAccuracy: an order statistic, for the interval of a quantile. It
// is zero when the sketch is empty; a rank past the end is the largest.
func (s *DurationSketch) Rank(rank int64) time.Duration {
	var seen int64
	last := 0
	for i, c := range s.counts {
		if c <= 0 {
			continue
		}
		seen += c
		last = s.lo + i
		if seen >= rank {
			break
		}
	}
	return time.Duration(math.Round(sketchValue(last) * float64(time.Millisecond)))
}

// CountAtMost counts the durations of at most d, as the sketch tells them
// apart: those in d's bucket count as at most d.
func (s *DurationSketch) CountAtMost(d time.Duration) int64 {
	last := sketchBucket(int64(math.Round(float64(d) / float64(time.Millisecond))))
	var n int64
	for i, c := range s.counts {
		if s.lo+i > last {
			break
		}
		n += c
	}
	return n
}

// The text form of a sketch is the sum of its durations in milliseconds,
// then, for each bucket with a count, the gap since the previous one
// (buckets skipped) and the count, every number a little-endian base-32
// varint: continuation digits come from sketchMore, the last from
// sketchLast. No character is a separator of the rollup lines ('|', a
// newline), and a day's sketch of a thousand durations takes a few hundred
// bytes. Buckets with no count are left out, so equal sketches have equal
// texts.
const (
	sketchLast = "0123456789abcdefghijklmnopqrstuv"
	sketchMore = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_"
)

// sketchDigit maps a character of the text to its digit, +32 for a
// continuation digit, or -1.
var sketchDigit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range 32 {
		t[sketchLast[i]] = int8(i)
		t[sketchMore[i]] = int8(32 + i)
	}
	return t
}()

func appendSketchVarint(b []byte, v uint64) []byte {
	for v >= 32 {
		b = append(b, sketchMore[v&31])
		v >>= 5
	}
	return append(b, sketchLast[v])
}

// AppendText appends the sketch's text form to b. It panics on a sketch
// that is not Valid, which is never stored.
func (s *DurationSketch) AppendText(b []byte) []byte {
	if !s.Valid() {
		panic("parley: encoding a sketch with negative counts")
	}
	b = appendSketchVarint(b, uint64(s.sumMs))
	prev := -1
	for i, c := range s.counts {
		if c == 0 {
			continue
		}
		b = appendSketchVarint(b, uint64(s.lo+i-prev-1))
		b = appendSketchVarint(b, uint64(c))
		prev = s.lo + i
	}
	return b
}

// String is the text form.
func (s *DurationSketch) String() string { return string(s.AppendText(nil)) }

// errSketchText is the error of text that is not a sketch.
var errSketchText = errors.New("not a duration sketch")

// maxSketchBucket bounds the buckets a text may name: beyond it lie
// durations longer than the age of the universe.
const maxSketchBucket = 1 << 12

// MergeText adds the durations of a sketch's text form, as Merge would;
// on malformed text it returns an error and leaves s unchanged.
func (s *DurationSketch) MergeText(text string) error {
	var (
		nums [2]uint64
		in   int // numbers read of the current pair
		pos  int
	)
	next := func() (uint64, error) {
		var v uint64
		for shift := uint(0); pos < len(text); shift += 5 {
			d := sketchDigit[text[pos]]
			pos++
			if d < 0 || shift > 60 {
				return 0, fmt.Errorf("%w: %q", errSketchText, text)
			}
			v |= uint64(d&31) << shift
			if d < 32 {
				return v, nil
			}
		}
		return 0, fmt.Errorf("%w: %q ends inside a number", errSketchText, text)
	}
	sum, err := next()
	if err != nil {
		return err
	}
	if sum > math.MaxInt64/2 {
		return fmt.Errorf("%w: sum out of range in %q", errSketchText, text)
	}
	// A first pass checks the text and finds its range, so that s grows
	// once and stays unchanged on error.
	start, first, last, prev := pos, -1, -1, -1
	for pos < len(text) {
		if nums[in], err = next(); err != nil {
			return err
		}
		if in++; in < 2 {
			continue
		}
		in = 0
		if nums[0] > maxSketchBucket || nums[1] == 0 || nums[1] > math.MaxInt64/2 {
			return fmt.Errorf("%w: bucket out of range in %q", errSketchText, text)
		}
		prev += int(nums[0]) + 1
		if prev > maxSketchBucket {
			return fmt.Errorf("%w: bucket out of range in %q", errSketchText, text)
		}
		if first < 0 {
			first = prev
		}
		last = prev
	}
	if in != 0 {
		return fmt.Errorf("%w: %q ends inside a bucket", errSketchText, text)
	}
	if first >= 0 {
		s.grow(first, last)
	}
	pos, prev = start, -1
	for pos < len(text) {
		gap, _ := next()
		n, _ := next()
		prev += int(gap) + 1
		s.counts[prev-s.lo] += int64(n)
	}
	s.sumMs += int64(sum)
	return nil
}

// ParseDurationSketch reads a sketch's text form.
func ParseDurationSketch(text string) (DurationSketch, error) {
	var s DurationSketch
	err := s.MergeText(text)
	return s, err
}
