package parley

import (
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
	MetricFeedback   Metric = "feedback"    // by rating date; key: positive or negative
	MetricGapSignals Metric = "gap_signals" // by signal date
	// MetricTimeToClose is counted by close date; key: the conversation's
	// outcome. Its cells are sketches of durations (Rollup.Sketch), and a
	// contribution's N is not a count but one duration, in milliseconds.
	MetricTimeToClose Metric = "time_to_close"
)

// Sketched reports whether the metric's cells are DurationSketches rather
// than counts.
func (m Metric) Sketched() bool { return m == MetricTimeToClose }

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
// contribution to it. The cell of a Sketched metric holds the text of a
// DurationSketch of its durations, and Value counts them.
type Rollup struct {
	Day     string `json:"day"`
	Channel string `json:"channel"`
	Metric  Metric `json:"metric"`
	Label   string `json:"label,omitempty"`
	Value   int64  `json:"value"`
	Sketch  string `json:"sketch,omitempty"`
}

// DayLayout is how a local date is written everywhere: in rollups, URLs and
// reports.
const DayLayout = "2006-01-02"

// Contributions returns what the outcome adds to the daily rollups when days
// are cut in loc. Test conversations add only to MetricTest.
func (o *Outcome) Contributions(loc *time.Location) []Contribution {
	startDay := o.StartedAt.In(loc).Format(DayLayout)
	// Room for every contribution the outcome can make, so that the slice
	// is made once rather than grown step by step: every conversation is
	// evaluated again on each settings change or rebuild.
	out := make([]Contribution, 0, o.contributionsBound())
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
		add(o.ClosedAt.In(loc).Format(DayLayout), MetricTimeToClose, string(o.Kind), o.TimeToClose.Milliseconds())
	}
	for _, g := range o.GapSignals {
		add(g.At.In(loc).Format(DayLayout), MetricGapSignals, "", 1)
	}
	o.useContributions(func(m Metric, key string, n int64) { add(startDay, m, key, n) })
	return out
}

// contributionsBound is at least the number of contributions Contributions
// returns: conversations, CSAT, handled, the three of a handoff (the most of
// any kind), time to close, one per reason, rating and gap signal, and
// useStats per use.
func (o *Outcome) contributionsBound() int {
	return 7 + len(o.Reasons) + len(o.Ratings) + len(o.GapSignals) + useStats*len(o.Uses)
}

// RollupSet is what a report reads: the cells of a workspace's last
// complete generation of rollups (see Workspace.Generation), with what a
// report must say about them.
type RollupSet struct {
	// Version changes whenever the rollups do.
	Version int64
	// Settings, while a newer generation is computed, are the settings the
	// cells were computed with, and their version; nil when they are the
	// workspace's own.
	Settings *VersionedSettings
	// Recompute, while a settings change (or a rebuild) is being
	// computed, says how far it has come; the cells are then the previous
	// numbers, still on show.
	Recompute *Recompute
	Cells     []Rollup
}

// Recompute is the progress of a new generation of rollups: of the
// conversations that were evaluated when it started, Done have been
// evaluated again with the new settings. Conversations that arrive
// meanwhile are counted in the new generation only.
type Recompute struct {
	Done  int64 `json:"conversations_done"`
	Total int64 `json:"conversations_total"`
}
