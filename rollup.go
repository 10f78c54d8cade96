package parley

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Metric names one daily count kept in the rollups. Each metric is counted
// on its own time basis (SPEC §5): conversation metrics on the local date the
// conversation started, feedback on the date of the rating, time to close on
// the date of the close, gap signals on the date of the signal.
type Metric string

// Metrics cohorted by the start of the conversation.
const (
	MetricConversations    Metric = "conversations"      // started, test traffic excluded
	MetricTest             Metric = "test"               // test conversations, counted as excluded
	MetricHandled          Metric = "handled"            // the customer agent took part
	MetricPending          Metric = "pending"            // handled, not yet decided
	MetricHandedOff        Metric = "handed_off"         //
	MetricResolved         Metric = "resolved"           //
	MetricConfirmed        Metric = "resolved_confirmed" // resolved with a positive last rating
	MetricUnresolved       Metric = "unresolved"         //
	MetricReopened         Metric = "reopened"           // resolved, then the visitor wrote again
	MetricUnresolvedReason Metric = "unresolved_reason"  // key: the failed criterion's reason
	MetricHandoffInitiator Metric = "handoff_initiator"  // key: the initiator
	MetricHandoffReason    Metric = "handoff_reason"     // key: the reason slug, "" when none was given
	// MetricCSAT counts rated conversations (a csat event) by the day the
	// conversation started, like its outcome, whenever the rating came;
	// key: the outcome and the rating (CSATKey).
	MetricCSAT Metric = "csat"
)

// CSATKey is the key of a MetricCSAT cell: "resolved:5".
func CSATKey(kind OutcomeKind, rating int) string { return string(kind) + ":" + strconv.Itoa(rating) }

// ParseCSATKey reads a CSATKey.
func ParseCSATKey(key string) (OutcomeKind, int, bool) {
	kind, r, ok := strings.Cut(key, ":")
	n, err := strconv.Atoi(r)
	if !ok || err != nil || n < MinCSAT || n > MaxCSAT || !slices.Contains(OutcomeKinds, OutcomeKind(kind)) {
		return "", 0, false
	}
	return OutcomeKind(kind), n, true
}

// Metrics on other time bases.
const (
	MetricFeedback        Metric = "feedback"          // by rating date; key: positive or negative
	MetricClosed          Metric = "closed"            // by close date: conversations with a time to close
	MetricTimeToCloseMs   Metric = "time_to_close_ms"  // by close date: the sum, for the mean
	MetricTimeToCloseHist Metric = "time_to_close_bin" // by close date; key: a HistogramBin, for percentiles
	MetricGapSignals      Metric = "gap_signals"       // by signal date
)

// Contribution is what one conversation adds to one rollup cell. A
// conversation's contributions are stored with its outcome, so that when it
// is evaluated again the rollups change by exactly new − old.
type Contribution struct {
	Day     string `json:"d"` // local date, YYYY-MM-DD
	Channel string `json:"c"`
	Metric  Metric `json:"m"`
	Key     string `json:"k,omitempty"`
	N       int64  `json:"n"`
}

// Rollup is one cell of the daily rollups: the sum of every conversation's
// contribution to it.
type Rollup struct {
	Day     string `json:"day"`
	Channel string `json:"channel"`
	Metric  Metric `json:"metric"`
	Label   string `json:"label,omitempty"`
	Value   int64  `json:"value"`
}

// DayLayout is how a local date is written everywhere: in rollups, URLs and
// reports.
const DayLayout = "2006-01-02"

// Contributions returns what the outcome adds to the daily rollups when days
// are cut in loc. Test conversations add only to MetricTest.
func (o *Outcome) Contributions(loc *time.Location) []Contribution {
	startDay := o.StartedAt.In(loc).Format(DayLayout)
	var out []Contribution
	add := func(day string, m Metric, key string, n int64) {
		out = append(out, Contribution{Day: day, Channel: o.Channel, Metric: m, Key: key, N: n})
	}
	if o.Test {
		add(startDay, MetricTest, "", 1)
		return out
	}
	add(startDay, MetricConversations, "", 1)
	if o.CSAT != nil {
		add(startDay, MetricCSAT, CSATKey(o.Kind, o.CSAT.Rating), 1)
	}
	if !o.Handled() {
		return out
	}
	add(startDay, MetricHandled, "", 1)
	switch o.Kind {
	case OutcomePending:
		add(startDay, MetricPending, "", 1)
	case OutcomeHandedOff:
		add(startDay, MetricHandedOff, "", 1)
		add(startDay, MetricHandoffInitiator, string(o.HandoffInitiator), 1)
		add(startDay, MetricHandoffReason, o.HandoffReason, 1)
	case OutcomeResolved:
		add(startDay, MetricResolved, "", 1)
		if o.Resolution == ResolutionConfirmed {
			add(startDay, MetricConfirmed, "", 1)
		}
		if o.Reopened {
			add(startDay, MetricReopened, "", 1)
		}
	case OutcomeUnresolved:
		add(startDay, MetricUnresolved, "", 1)
		for _, r := range o.Reasons {
			add(startDay, MetricUnresolvedReason, string(r), 1)
		}
	}
	for _, r := range o.Ratings {
		add(r.At.In(loc).Format(DayLayout), MetricFeedback, string(r.Rating), 1)
	}
	if !o.ClosedAt.IsZero() && (!o.AssignedToAgentAt.IsZero() || !o.FirstReplyAt.IsZero()) {
		day := o.ClosedAt.In(loc).Format(DayLayout)
		add(day, MetricClosed, "", 1)
		add(day, MetricTimeToCloseMs, "", o.TimeToClose.Milliseconds())
		add(day, MetricTimeToCloseHist, strconv.Itoa(HistogramBin(o.TimeToClose)), 1)
	}
	for _, g := range o.GapSignals {
		add(g.At.In(loc).Format(DayLayout), MetricGapSignals, "", 1)
	}
	return out
}

// binsPerDoubling sets the resolution of the time-to-close histogram: with
// 8 bins per doubling a bin spans a factor of 2^(1/8) ≈ 1.09, so a
// percentile read from the bin's geometric middle is within ±4.4% of the
// true value, while a year of durations needs fewer than 200 bins.
const binsPerDoubling = 8

// HistogramBin returns the bin of a duration: 0 for anything under a
// second, else ⌈8·log₂(seconds)⌉ + 1, so that bins grow geometrically.
func HistogramBin(d time.Duration) int {
	s := d.Seconds()
	if s < 1 {
		return 0
	}
	return int(math.Ceil(binsPerDoubling*math.Log2(s))) + 1
}

// HistogramBinValue returns the duration a bin stands for: its geometric
// middle, which keeps the relative error symmetric.
func HistogramBinValue(bin int) time.Duration {
	if bin <= 0 {
		return 0
	}
	if bin == 1 {
		return time.Second // bin 1 holds exactly one second
	}
	exp := (float64(bin-1) - 0.5) / binsPerDoubling
	return time.Duration(math.Exp2(exp) * float64(time.Second))
}

// Histogram counts durations per HistogramBin. Summed over any set of days
// and channels it still answers percentiles, which sums and means cannot.
type Histogram map[int]int64

// Add counts n durations in bin.
func (h Histogram) Add(bin int, n int64) { h[bin] += n }

// Count is the number of durations counted.
func (h Histogram) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank method:
// the value of the ⌈q·n⌉-th smallest duration's bin. It is zero when the
// histogram is empty.
func (h Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	bins := make([]int, 0, len(h))
	for b, c := range h {
		if c > 0 {
			bins = append(bins, b)
		}
	}
	slices.Sort(bins)
	var seen int64
	for _, b := range bins {
		seen += h[b]
		if seen >= rank {
			return HistogramBinValue(b)
		}
	}
	return HistogramBinValue(bins[len(bins)-1])
}
