package web

import (
	"net/url"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// The query parameters of reports and conversation lists are the same on
// the pages and in the API, so that a page's URL and its data's URL differ
// only in their path, and every drill-down link carries its filter along.

// reportParams are the parameters of a report request, and extra.
func reportParams(extra ...string) []string {
	return append([]string{"range", "from", "to", "granularity", "channel"}, extra...)
}

// conversationParams are the parameters of a conversation list: the
// filter's, the cursor, and extra.
func conversationParams(extra ...string) []string {
	var out []string
	for _, p := range parley.ConversationFilterParams {
		out = append(out, p.Name)
	}
	return append(append(out, "after"), extra...)
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
		Channels:    parley.SplitParam(q, "channel"),
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

// conversationQuery reads a conversation list request: the filter
// (parley.ParseConversationFilter, the same for the CLI), the format, and
// the cursor of the page after which to continue.
func conversationQuery(q url.Values) (store.ConversationQuery, error) {
	f, err := parley.ParseConversationFilter(q)
	cq := store.ConversationQuery{Filter: f}
	if err != nil && parley.KindOf(err) != parley.KindInvalid {
		return cq, err
	}
	problems := append(parley.ProblemsOf(err), formatProblems(q)...)
	if after := q.Get("after"); after != "" {
		c, err := store.ParseCursor(after)
		problems = append(problems, parley.ProblemsOf(err)...)
		cq.After = c
	}
	if len(problems) > 0 {
		parley.SortProblems(problems)
		return cq, parley.InvalidInput(problems)
	}
	return cq, nil
}
