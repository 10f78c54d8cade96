package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parleyhq/parley"
)

// The content and action performance views: for every source the agent
// cited and every action it performed, over the report's range and channel
// filter, the conversations that used it and what became of them. Like the
// Performance report they are read from daily cells (the store's UsageRollups),
// never from raw events: the cost grows with the days of the range and the
// distinct sources or actions used on each day and channel, not with the
// number of conversations.

// UsageRequest says which view to build.
type UsageRequest struct {
	Kind parley.UseKind
	// From and To are workspace-local dates, both inclusive; Channels
	// filters (empty: every channel).
	From, To string
	Channels []string
	// Sort names the column rows are ordered by (UsageSorts); Asc turns
	// the order, which is descending by default.
	Sort UsageSort
	Asc  bool
}

// UsageSort names a column of the views.
type UsageSort string

// The columns the views sort by.
const (
	SortConversations  UsageSort = "conversations"
	SortResolutionRate UsageSort = "resolution_rate"
	SortHandoffRate    UsageSort = "handoff_rate"
	SortNegativeRate   UsageSort = "negative_rate"
	SortFailureRate    UsageSort = "failure_rate"
	SortName           UsageSort = "name"
)

// UsageSorts lists them.
var UsageSorts = []UsageSort{SortConversations, SortResolutionRate, SortHandoffRate, SortNegativeRate, SortFailureRate, SortName}

// Validate names every field of the request that is out of range.
func (r UsageRequest) Validate() error {
	problems := parley.ProblemsOf(Request{From: r.From, To: r.To, Granularity: Week}.Validate())
	if !slices.Contains(parley.UseKinds, r.Kind) {
		problems = append(problems, parley.FieldProblem("view", `must be "sources" or "actions"`))
	}
	if r.Sort != "" && !slices.Contains(UsageSorts, r.Sort) {
		problems = append(problems, parley.FieldProblem("sort", "must be one of conversations, resolution_rate, handoff_rate, negative_rate, failure_rate, name"))
	}
	if len(problems) > 0 {
		parley.SortProblems(problems)
		return parley.InvalidInput(problems)
	}
	return nil
}

// The rule that flags a source for review: it appears mostly in
// conversations that were not resolved, or in replies rated negative —
// more than half of at least ReviewMinDecided decided conversations were
// not resolved, or more than half of at least ReviewMinRated rated replies
// that cited it were rated negative.
const (
	ReviewMinDecided = 10
	ReviewMinRated   = 5
)

// Usage is a content (sources) or action performance view.
type Usage struct {
	Workspace string         `json:"workspace"`
	Kind      parley.UseKind `json:"kind"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Channels  []string       `json:"channels"`
	Sort      UsageSort      `json:"sort"`
	Asc       bool           `json:"asc"`
	// Settings and DefinitionVersion say what produced the outcomes.
	Settings          parley.Settings `json:"settings"`
	DefinitionVersion int             `json:"definition_version"`
	// Pending counts the conversations in the rows still pending: their
	// outcomes, and so the rates, may still change.
	Pending int64      `json:"pending"`
	Rows    []UsageRow `json:"rows"`
}

// UsageRow is one source or action. Rates are null when their denominator
// is zero: resolution and handoff rates are of decided conversations (as
// in the Performance report), the negative rate of rated replies that used
// it, the failure rate of its performances.
type UsageRow struct {
	Key            string   `json:"key"`
	Title          string   `json:"title,omitempty"`
	URL            string   `json:"url,omitempty"`
	Conversations  int64    `json:"conversations"`
	Decided        int64    `json:"decided"`
	Resolved       int64    `json:"resolved"`
	ResolutionRate *float64 `json:"resolution_rate"`
	HandedOff      int64    `json:"human_handoffs"`
	HandoffRate    *float64 `json:"handoff_rate"`
	Rated          int64    `json:"rated_replies"`
	Negative       int64    `json:"negative_replies"`
	NegativeRate   *float64 `json:"negative_rate"`
	Calls          int64    `json:"calls,omitempty"`
	Failed         int64    `json:"failed,omitempty"`
	FailureRate    *float64 `json:"failure_rate,omitempty"`
	// Review is set on a source that appears mostly in unresolved or
	// negatively rated conversations (see ReviewMinDecided).
	Review bool `json:"review"`
}

// UsageSource reads what the views are built from; *store.DB is one.
type UsageSource interface {
	UsageRollups(ctx context.Context, workspaceID int64, from, to string) ([]parley.Rollup, error)
	UsageItems(ctx context.Context, workspaceID int64, kind parley.UseKind) (map[string]parley.UsageItem, error)
}

// UsageView builds a content or action performance view.
func UsageView(ctx context.Context, src UsageSource, ws parley.Workspace, req UsageRequest) (*Usage, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	cells, err := src.UsageRollups(ctx, ws.ID, req.From, req.To)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	items, err := src.UsageItems(ctx, ws.ID, req.Kind)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return BuildUsage(cells, items, ws, req), nil
}

// BuildUsage makes a view from usage cells and the items they name. It is
// a pure function.
func BuildUsage(cells []parley.Rollup, items map[string]parley.UsageItem, ws parley.Workspace, req UsageRequest) *Usage {
	if req.Sort == "" {
		req.Sort = SortConversations
	}
	u := &Usage{Workspace: ws.Slug, Kind: req.Kind, From: req.From, To: req.To, Channels: slices.Clone(req.Channels),
		Sort: req.Sort, Asc: req.Asc, Settings: ws.Settings, DefinitionVersion: parley.DefinitionVersion, Rows: []UsageRow{}}
	if u.Channels == nil {
		u.Channels = []string{}
	}
	selected := channelSet(req.Channels)
	rows := map[string]*UsageRow{}
	for _, c := range cells {
		if c.Metric != parley.MetricUse || c.Day < req.From || c.Day > req.To || selected != nil && !selected[c.Channel] {
			continue
		}
		kind, hash, stat, ok := parley.ParseUseKey(c.Label)
		if !ok || kind != req.Kind {
			continue
		}
		r := rows[hash]
		if r == nil {
			r = &UsageRow{Key: hash}
			if it, ok := items[hash]; ok {
				r.Key, r.Title, r.URL = it.Key, it.Title, it.URL
			}
			rows[hash] = r
		}
		switch stat {
		case parley.StatConversations:
			r.Conversations += c.Value
		case parley.StatDecided:
			r.Decided += c.Value
		case parley.StatResolved:
			r.Resolved += c.Value
		case parley.StatHandedOff:
			r.HandedOff += c.Value
		case parley.StatRated:
			r.Rated += c.Value
		case parley.StatNegative:
			r.Negative += c.Value
		case parley.StatCalls:
			r.Calls += c.Value
		case parley.StatFailed:
			r.Failed += c.Value
		}
	}
	for _, r := range rows {
		r.ResolutionRate, r.HandoffRate = ratio(r.Resolved, r.Decided), ratio(r.HandedOff, r.Decided)
		r.NegativeRate = ratio(r.Negative, r.Rated)
		if req.Kind == parley.UseAction {
			r.FailureRate = ratio(r.Failed, r.Calls)
		}
		r.Review = req.Kind == parley.UseSource &&
			(r.Decided >= ReviewMinDecided && 2*r.Resolved < r.Decided || r.Rated >= ReviewMinRated && 2*r.Negative > r.Rated)
		u.Pending += r.Conversations - r.Decided
		u.Rows = append(u.Rows, *r)
	}
	slices.SortFunc(u.Rows, func(a, b UsageRow) int {
		c := compareBy(req.Sort, a, b)
		if !req.Asc {
			c = -c
		}
		// Ties: more conversations first, then by name, whatever the order.
		return cmp.Or(c, cmp.Compare(b.Conversations, a.Conversations), strings.Compare(a.Key, b.Key))
	})
	return u
}

// compareBy orders two rows by a column, ascending; a rate that is null
// comes before any number.
func compareBy(s UsageSort, a, b UsageRow) int {
	rate := func(x, y *float64) int {
		switch {
		case x == nil && y == nil:
			return 0
		case x == nil:
			return -1
		case y == nil:
			return 1
		}
		return cmp.Compare(*x, *y)
	}
	switch s {
	case SortResolutionRate:
		return rate(a.ResolutionRate, b.ResolutionRate)
	case SortHandoffRate:
		return rate(a.HandoffRate, b.HandoffRate)
	case SortNegativeRate:
		return rate(a.NegativeRate, b.NegativeRate)
	case SortFailureRate:
		return rate(a.FailureRate, b.FailureRate)
	case SortName:
		return strings.Compare(strings.ToLower(a.Title+a.Key), strings.ToLower(b.Title+b.Key))
	}
	return cmp.Compare(a.Conversations, b.Conversations)
}

// UsageCSV is the view as CSV rows, a header first; cell defuses caller
// text (parley.SafeCell).
func (u *Usage) UsageCSV(cell func(string) string) [][]string {
	head := []string{"key", "title", "url", "conversations", "decided", "resolved", "resolution_rate", "human_handoffs", "handoff_rate",
		"rated_replies", "negative_replies", "negative_rate"}
	if u.Kind == parley.UseAction {
		head = append(head[:1], head[3:]...)
		head = append(head, "calls", "failed", "failure_rate")
	} else {
		head = append(head, "review")
	}
	out := [][]string{head}
	num := func(n int64) string { return fmt.Sprint(n) }
	for _, r := range u.Rows {
		row := []string{cell(r.Key)}
		if u.Kind == parley.UseSource {
			row = append(row, cell(r.Title), cell(r.URL))
		}
		row = append(row, num(r.Conversations), num(r.Decided), num(r.Resolved), csvRate(r.ResolutionRate), num(r.HandedOff),
			csvRate(r.HandoffRate), num(r.Rated), num(r.Negative), csvRate(r.NegativeRate))
		if u.Kind == parley.UseAction {
			row = append(row, num(r.Calls), num(r.Failed), csvRate(r.FailureRate))
		} else {
			row = append(row, fmt.Sprint(r.Review))
		}
		out = append(out, row)
	}
	return out
}

// csvRate and csvDecimal write a fraction in the CSV exports of the views
// (sources, actions, fixes): four decimals, and a rate without a
// denominator as an empty cell.
func csvRate(v *float64) string {
	if v == nil {
		return ""
	}
	return csvDecimal(*v)
}

func csvDecimal(v float64) string { return fmt.Sprintf("%.4f", v) }
