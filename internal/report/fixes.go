package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// "Did the fix work?": for every topic a short answer closed, how often its
// question was asked before the answer was written and after, how many
// times it came back, and what became of the conversations that asked it.
//
// The two windows are of one length either side of the moment the short
// answer was created: the time since then, at most FixMaxWindow. Equal windows
// make the counts comparable as they are and keep a slow trend months away
// out of the comparison. The conversations that asked the question are
// those with one of the topic's gap questions (dismissed ones aside) in the
// window, and after the fix also those whose agent cited the short answer
// (parley.ShortAnswer.SourceID): the visitors it did help leave no gap
// question, so without their citations only the failures would be seen.

// The rules of the view.
const (
	// FixMaxWindow is the longest window on each side of a fix.
	FixMaxWindow = 28 * 24 * time.Hour
	// FixMinAge is how long a fix must have been in place for a verdict:
	// a week, so that both windows hold every day of the week.
	FixMinAge = 7 * 24 * time.Hour
	// FixMinQuestions is how many questions the window before must hold
	// for a verdict: fewer cannot show a fall.
	FixMinQuestions = 3
	// FixWorkedChange is the change in questions per week at or below
	// which a fix worked: the question is asked at most half as often.
	FixWorkedChange = -0.5
)

// FixVerdict is what the numbers say of a fix.
type FixVerdict string

// The verdicts, best first (the order of the "effect" sort).
const (
	FixWorked   FixVerdict = "worked"    // asked at most half as often
	FixHelped   FixVerdict = "helped"    // asked less often, by less than half
	FixNoEffect FixVerdict = "no_effect" // asked as often or more
	FixTooFew   FixVerdict = "too_few"   // fewer than FixMinQuestions before
	FixTooEarly FixVerdict = "too_early" // in place for less than FixMinAge
)

// FixVerdicts lists them, best first.
var FixVerdicts = []FixVerdict{FixWorked, FixHelped, FixNoEffect, FixTooFew, FixTooEarly}

// FixSort names an order of the view.
type FixSort string

// The orders of the view; the first is the default.
const (
	FixSortEffect      FixSort = "effect"      // by verdict, then the largest fall first
	FixSortRecurrences FixSort = "recurrences" // most recurrences first
	FixSortFixed       FixSort = "fixed"       // newest fix first
	FixSortTopic       FixSort = "topic"       // by the topic's name
)

// FixSorts lists them.
var FixSorts = []FixSort{FixSortEffect, FixSortRecurrences, FixSortFixed, FixSortTopic}

// FixRequest says which fixes to show and in what order.
type FixRequest struct {
	Sort FixSort
	// Topic, when not 0, keeps only that topic (its page).
	Topic int64
}

// Validate names a field that is out of range.
func (r FixRequest) Validate() error {
	if r.Sort != "" && !slices.Contains(FixSorts, r.Sort) {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("sort", "must be one of effect, recurrences, fixed, topic")})
	}
	return nil
}

// Fixes is the Fixes view: every topic a short answer closed, by its effect.
type Fixes struct {
	Workspace string    `json:"workspace"`
	Now       time.Time `json:"now"`
	Sort      FixSort   `json:"sort"`
	Rows      []FixRow  `json:"fixes"`
}

// FixRow is one fixed topic.
type FixRow struct {
	TopicID       int64           `json:"topic_id"`
	Topic         string          `json:"topic"`
	State         parley.GapState `json:"state"`
	ShortAnswerID int64           `json:"short_answer_id"`
	FixedAt       time.Time       `json:"fixed_at"`
	// Window is the length of each window, in days (fractions when the
	// fix is younger than a day or two).
	Window float64   `json:"window_days"`
	Before FixWindow `json:"before"`
	After  FixWindow `json:"after"`
	// Change is the relative change in questions per week, after against
	// before (−0.75: asked a quarter as often); null with none before.
	Change *float64 `json:"change"`
	// Recurrences counts the topic's questions asked since the fix, to
	// now (the window after may end earlier); LastRecurrence is the latest.
	Recurrences    int        `json:"recurrences"`
	LastRecurrence *time.Time `json:"last_recurrence,omitempty"`
	Verdict        FixVerdict `json:"verdict"`
	// Weeks are the questions of each week of the two windows, counted
	// from the fix (the last one after may be cut short by now).
	Weeks []FixWeek `json:"weeks"`
}

// FixWindow is one side of a fix. The resolution rate is of the decided
// conversations among those that asked, as in the Performance report.
type FixWindow struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Questions int       `json:"questions"`
	PerWeek   float64   `json:"questions_per_week"`
	// Conversations asked the question in the window: with a gap question,
	// or (after) citing the short answer — Cited of them.
	Conversations  int      `json:"conversations"`
	Cited          int      `json:"cited"`
	Decided        int      `json:"decided"`
	Resolved       int      `json:"resolved"`
	ResolutionRate *float64 `json:"resolution_rate"`
}

// FixWeek is a week of questions either side of a fix.
type FixWeek struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	After     bool      `json:"after"`
	Questions int       `json:"questions"`
}

// FixSource reads the facts of the view; *store.DB is one.
type FixSource interface {
	FixFacts(ctx context.Context, workspaceID, topicID int64) ([]parley.FixedTopic, []parley.FixAsk, error)
}

// FixesView builds the view as of now.
func FixesView(ctx context.Context, src FixSource, ws parley.Workspace, req FixRequest, now time.Time) (*Fixes, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	topics, asks, err := src.FixFacts(ctx, ws.ID, req.Topic)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return BuildFixes(topics, asks, ws, req, now), nil
}

// BuildFixes makes the view from its facts. It is a pure function.
func BuildFixes(topics []parley.FixedTopic, asks []parley.FixAsk, ws parley.Workspace, req FixRequest, now time.Time) *Fixes {
	if req.Sort == "" {
		req.Sort = FixSortEffect
	}
	byTopic := map[int64][]parley.FixAsk{}
	for _, a := range asks {
		byTopic[a.TopicID] = append(byTopic[a.TopicID], a)
	}
	f := &Fixes{Workspace: ws.Slug, Now: now, Sort: req.Sort, Rows: []FixRow{}}
	for _, t := range topics {
		f.Rows = append(f.Rows, buildFix(t, byTopic[t.Topic.ID], now))
	}
	slices.SortFunc(f.Rows, func(a, b FixRow) int {
		var c int
		switch req.Sort {
		case FixSortEffect:
			c = cmp.Or(cmp.Compare(slices.Index(FixVerdicts, a.Verdict), slices.Index(FixVerdicts, b.Verdict)),
				compareChange(a.Change, b.Change), cmp.Compare(b.Before.Questions, a.Before.Questions))
		case FixSortRecurrences:
			c = cmp.Compare(b.Recurrences, a.Recurrences)
		case FixSortFixed:
			c = b.FixedAt.Compare(a.FixedAt)
		case FixSortTopic:
			c = strings.Compare(strings.ToLower(a.Topic), strings.ToLower(b.Topic))
		}
		return cmp.Or(c, cmp.Compare(a.TopicID, b.TopicID))
	})
	return f
}

// compareChange orders changes, the largest fall first, none last.
func compareChange(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}

// buildFix measures one fix.
func buildFix(t parley.FixedTopic, asks []parley.FixAsk, now time.Time) FixRow {
	at := t.ShortAnswer.CreatedAt
	span := max(min(now.Sub(at), FixMaxWindow), 0)
	r := FixRow{TopicID: t.Topic.ID, Topic: t.Topic.Title(), State: t.Topic.State, ShortAnswerID: t.ShortAnswer.ID,
		FixedAt: at, Window: span.Hours() / 24,
		Before: FixWindow{From: at.Add(-span), To: at}, After: FixWindow{From: at, To: at.Add(span)}, Weeks: []FixWeek{}}
	weeks := int(math.Ceil(span.Hours() / (7 * 24)))
	for i := -weeks; i < weeks; i++ {
		w := FixWeek{From: at.Add(time.Duration(i) * 7 * 24 * time.Hour), After: i >= 0}
		if w.To = w.From.Add(7 * 24 * time.Hour); w.To.After(r.After.To) {
			w.To = r.After.To
		}
		if w.From.Before(r.Before.From) {
			w.From = r.Before.From
		}
		r.Weeks = append(r.Weeks, w)
	}
	type seen struct{ before, after bool }
	convs := map[string]*seen{}
	count := func(w *FixWindow, a parley.FixAsk) {
		w.Conversations++
		if a.Cited {
			w.Cited++
		}
		switch a.Outcome {
		case parley.OutcomeResolved:
			w.Resolved++
			w.Decided++
		case parley.OutcomeHandedOff, parley.OutcomeUnresolved:
			w.Decided++
		}
	}
	// Cited conversations are counted after the gap questions, so that a
	// conversation that asked and also got the answer counts as asking.
	slices.SortStableFunc(asks, func(a, b parley.FixAsk) int {
		if a.Cited == b.Cited {
			return 0
		}
		if a.Cited {
			return 1
		}
		return -1
	})
	for _, a := range asks {
		if !a.Cited && !a.At.Before(at) {
			r.Recurrences++
			if r.LastRecurrence == nil || a.At.After(*r.LastRecurrence) {
				r.LastRecurrence = &a.At
			}
		}
		var w *FixWindow
		after := !a.At.Before(at)
		switch {
		case after && a.At.Before(r.After.To):
			w = &r.After
		case !after && !a.At.Before(r.Before.From):
			w = &r.Before
		default:
			continue
		}
		if !a.Cited {
			w.Questions++
			for i := range r.Weeks {
				if wk := &r.Weeks[i]; !a.At.Before(wk.From) && a.At.Before(wk.To) {
					wk.Questions++
				}
			}
		}
		s := convs[a.ConversationID]
		if s == nil {
			s = &seen{}
			convs[a.ConversationID] = s
		}
		if after && !s.after {
			s.after = true
			count(w, a)
		} else if !after && !s.before {
			s.before = true
			count(w, a)
		}
	}
	for _, w := range []*FixWindow{&r.Before, &r.After} {
		if span > 0 {
			w.PerWeek = float64(w.Questions) / (span.Hours() / (7 * 24))
		}
		w.ResolutionRate = ratio(int64(w.Resolved), int64(w.Decided))
	}
	if r.Before.Questions > 0 {
		c := r.After.PerWeek/r.Before.PerWeek - 1
		r.Change = &c
	}
	switch {
	case span < FixMinAge:
		r.Verdict = FixTooEarly
	case r.Before.Questions < FixMinQuestions:
		r.Verdict = FixTooFew
	case *r.Change <= FixWorkedChange:
		r.Verdict = FixWorked
	case *r.Change < 0:
		r.Verdict = FixHelped
	default:
		r.Verdict = FixNoEffect
	}
	return r
}

// FixesCSV is the view as CSV rows, a header first; cell defuses caller
// text (parley.SafeCell). Rates are fractions, times RFC 3339.
func (f *Fixes) FixesCSV(cell func(string) string) [][]string {
	out := [][]string{{"topic_id", "topic", "state", "short_answer_id", "fixed_at", "verdict", "window_days",
		"questions_before", "questions_per_week_before", "questions_after", "questions_per_week_after", "change",
		"recurrences", "last_recurrence",
		"conversations_before", "decided_before", "resolved_before", "resolution_rate_before",
		"conversations_after", "cited_after", "decided_after", "resolved_after", "resolution_rate_after"}}
	num := func(n int) string { return fmt.Sprint(n) }
	last := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, r := range f.Rows {
		out = append(out, []string{num(int(r.TopicID)), cell(r.Topic), string(r.State), num(int(r.ShortAnswerID)),
			r.FixedAt.UTC().Format(time.RFC3339), string(r.Verdict), csvDecimal(r.Window),
			num(r.Before.Questions), csvDecimal(r.Before.PerWeek), num(r.After.Questions), csvDecimal(r.After.PerWeek), csvRate(r.Change),
			num(r.Recurrences), last(r.LastRecurrence),
			num(r.Before.Conversations), num(r.Before.Decided), num(r.Before.Resolved), csvRate(r.Before.ResolutionRate),
			num(r.After.Conversations), num(r.After.Cited), num(r.After.Decided), num(r.After.Resolved), csvRate(r.After.ResolutionRate)})
	}
	return out
}
