package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// The query parameters of reports and conversation lists are the same on
// the pages and in the API, so that a page's URL and its data's URL differ
// only in their path, and every drill-down link carries its filter along.

// multi returns the values of a parameter given repeatedly or
// comma-separated.
func multi(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// formatProblems checks the format parameter of a report or conversation
// list: JSON (the default) or CSV. Any other value is refused rather than
// answered with JSON, which a caller asking for something else would not
// expect.
func formatProblems(q url.Values) []parley.Problem {
	switch q.Get("format") {
	case "", "json", "csv":
		return nil
	}
	return []parley.Problem{parley.FieldProblem("format", `must be "json" or "csv"`)}
}

// reportRequest reads a report request: range (a preset) or from and to,
// granularity, channel, format. The preset is returned too, "" for a
// custom range.
func reportRequest(q url.Values, ws parley.Workspace, now time.Time) (report.Request, report.Preset, error) {
	req := report.Request{
		From: q.Get("from"), To: q.Get("to"),
		Granularity: report.Granularity(q.Get("granularity")),
		Channels:    multi(q, "channel"),
	}
	if req.Granularity == "" {
		req.Granularity = report.Week
	}
	preset := report.Preset(q.Get("range"))
	if req.From == "" && req.To == "" {
		if preset == "" {
			preset = report.DefaultPreset
		}
		from, to, err := preset.Range(now, ws.Settings)
		if err != nil {
			return req, preset, err
		}
		req.From, req.To = from, to
	} else {
		preset = ""
	}
	err := req.Validate()
	if p := formatProblems(q); p != nil && (err == nil || parley.KindOf(err) == parley.KindInvalid) {
		err = parley.InvalidInput(append(parley.ProblemsOf(err), p...))
	}
	return req, preset, err
}

// conversationFilter reads a conversation list filter. Test traffic is
// left out unless test=include or test=only asks for it, as in reports.
func conversationFilter(q url.Values) (store.ConversationFilter, error) {
	var (
		f        store.ConversationFilter
		problems []parley.Problem
	)
	for _, o := range multi(q, "outcome") {
		switch o {
		case "handled":
			f.Outcomes = append(f.Outcomes, parley.OutcomePending, parley.OutcomeHandedOff, parley.OutcomeResolved, parley.OutcomeUnresolved)
		case "decided":
			f.Outcomes = append(f.Outcomes, parley.OutcomeHandedOff, parley.OutcomeResolved, parley.OutcomeUnresolved)
		case "deflected":
			f.Outcomes = append(f.Outcomes, parley.OutcomeResolved, parley.OutcomeUnresolved)
		default:
			if !slices.Contains(parley.OutcomeKinds, parley.OutcomeKind(o)) {
				problems = append(problems, parley.FieldProblem("outcome", fmt.Sprintf("unknown outcome %q", o)))
			}
			f.Outcomes = append(f.Outcomes, parley.OutcomeKind(o))
		}
	}
	slices.Sort(f.Outcomes)
	f.Outcomes = slices.Compact(f.Outcomes)
	switch v := parley.Resolution(q.Get("resolution")); v {
	case "", parley.ResolutionConfirmed, parley.ResolutionAssumed:
		f.Resolution = v
	default:
		problems = append(problems, parley.FieldProblem("resolution", `must be "confirmed" or "assumed"`))
	}
	switch v := parley.UnresolvedReason(q.Get("reason")); v {
	case "", parley.ReasonNoSourceOrAction, parley.ReasonHumanRequested, parley.ReasonNegativeFeedback:
		f.Reason = v
	default:
		problems = append(problems, parley.FieldProblem("reason", fmt.Sprintf("unknown reason %q", v)))
	}
	switch v := parley.Initiator(q.Get("initiator")); v {
	case "", parley.InitiatorCustomerAgent, parley.InitiatorRule, parley.InitiatorRep:
		f.Initiator = v
	default:
		problems = append(problems, parley.FieldProblem("initiator", fmt.Sprintf("unknown initiator %q", v)))
	}
	f.Channels = multi(q, "channel")
	f.From, f.To = q.Get("from"), q.Get("to")
	for field, day := range map[string]string{"from": f.From, "to": f.To} {
		if _, err := time.Parse(parley.DayLayout, day); day != "" && err != nil {
			problems = append(problems, parley.FieldProblem(field, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", day)))
		}
	}
	switch q.Get("test") {
	case "", "exclude":
		no := false
		f.Test = &no
	case "only":
		yes := true
		f.Test = &yes
	case "include":
	default:
		problems = append(problems, parley.FieldProblem("test", `must be "exclude", "include" or "only"`))
	}
	// The store can select reopened conversations, not their opposite, so
	// reopened=false is refused rather than answered with every one.
	switch q.Get("reopened") {
	case "":
	case "true":
		f.Reopened = true
	default:
		problems = append(problems, parley.FieldProblem("reopened", `must be "true" (only reopened conversations), or left out`))
	}
	problems = append(problems, formatProblems(q)...)
	if after := q.Get("after"); after != "" {
		day, id, ok := strings.Cut(after, "|")
		if !ok {
			problems = append(problems, parley.FieldProblem("after", "must be the cursor of a previous page"))
		}
		f.AfterDay, f.AfterID = day, id
	}
	if len(problems) > 0 {
		slices.SortFunc(problems, func(a, b parley.Problem) int { return strings.Compare(a.Field, b.Field) })
		return f, parley.InvalidInput(problems)
	}
	return f, nil
}
