package web

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
)

// Content and action performance: the Sources and Actions tabs of the
// Performance page, /api/v1/reports/sources and …/actions, their CSV and
// `parley report --view sources|actions` — one view (report.UsageView).

// usageParams are the parameters of the views: the report's range and
// channels, the sort and its order, and the format.
func usageParams(extra ...string) []string {
	return append([]string{"range", "from", "to", "channel", "sort", "order"}, extra...)
}

// usageRequest reads a view's parameters by the report's rules for the
// range and channels.
func usageRequest(q url.Values, ws parley.Workspace, kind parley.UseKind, s *Server) (report.UsageRequest, report.Preset, error) {
	rq, preset, err := reportRequest(q, ws, s.now())
	req := report.UsageRequest{Kind: kind, From: rq.From, To: rq.To, Channels: rq.Channels, Sort: report.UsageSort(q.Get("sort"))}
	problems := parley.ProblemsOf(err)
	if err != nil && parley.KindOf(err) != parley.KindInvalid {
		return req, preset, err
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		req.Asc = true
	default:
		problems = append(problems, parley.FieldProblem("order", `must be "asc" or "desc"`))
	}
	if err := req.Validate(); err != nil {
		problems = append(problems, parley.ProblemsOf(err)...)
	}
	if len(problems) > 0 {
		parley.SortProblems(problems)
		return req, preset, parley.InvalidInput(problems)
	}
	return req, preset, nil
}

// usageKind is the kind a route's path names.
func usageKind(r *http.Request) parley.UseKind {
	if strings.HasSuffix(r.URL.Path, "/actions") {
		return parley.UseAction
	}
	return parley.UseSource
}

// usage is the view a request asks for: the kind its route's path names,
// over the range, channels and sort of its query. The API and the page
// read it alike.
func (s *Server) usage(r *http.Request, ws parley.Workspace) (*report.Usage, report.UsageRequest, report.Preset, error) {
	req, preset, err := usageRequest(r.URL.Query(), ws, usageKind(r), s)
	if err != nil {
		return nil, req, preset, err
	}
	u, err := report.UsageView(r.Context(), s.db, ws, req)
	return u, req, preset, err
}

func (s *Server) getUsage(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	u, _, _, err := s.usage(r, ws)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		csvHeaders(w, string(u.Kind)+"s-"+u.From+"-"+u.To+".csv")
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(u.UsageCSV(parley.SafeCell)); err != nil {
			s.log.ErrorContext(r.Context(), "usage CSV cut short", "err", err)
		}
		return nil
	}
	return writeJSON(w, http.StatusOK, u)
}

// usageView is what a Sources or Actions tab shows.
type usageView struct {
	Usage *report.Usage
	rangeChoice
	channelChoice
	// SortParam is the sort the request asked for ("" for the default),
	// which the filter form keeps.
	SortParam string
	// self is the view's own link, with its range, channels and sort.
	self href
}

// SortURL links the view sorted by a column: descending first, and the
// other way when it is already sorted by it that way.
func (v *usageView) SortURL(col string) template.URL {
	order := ""
	if string(v.Usage.Sort) == col && !v.Usage.Asc {
		order = "asc"
	}
	return v.self.Set("sort", col, "order", order).URL()
}

// AriaSort marks the column the view is sorted by, for screen readers
// and for the journey test's idea of "current".
func (v *usageView) AriaSort(col string) template.HTMLAttr {
	switch {
	case string(v.Usage.Sort) != col:
		return ""
	case v.Usage.Asc:
		return ` aria-sort="ascending"`
	}
	return ` aria-sort="descending"`
}

// TabURL links another tab of the Performance page with the same range
// and channels.
func (v *usageView) TabURL(path string) template.URL {
	return v.self.At(path).Del("sort", "order").URL()
}

// CSVURL links the view's numbers as CSV.
func (v *usageView) CSVURL() template.URL {
	return v.self.At("/api/v1/reports/"+string(v.Usage.Kind)+"s").Set("format", "csv").URL()
}

// Conversations links the conversations behind a number of a row: those
// that used it in the view's range and channels, with the outcome set
// given ("" for all).
func (v *usageView) Conversations(row report.UsageRow, outcome string) template.URL {
	f := parley.ConversationFilter{From: v.Usage.From, To: v.Usage.To, Channels: v.Usage.Channels}
	if v.Usage.Kind == parley.UseAction {
		f.Action = row.Key
	} else {
		f.Source = row.Key
	}
	if outcome != "" {
		f.Outcomes = []parley.OutcomeSet{parley.OutcomeSet(outcome)}
	}
	q := f.Query()
	if w := v.self.Get("workspace"); w != "" {
		q.Set("workspace", w)
	}
	return hrefTo("/conversations", q).URL()
}

func (s *Server) usagePage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	u, req, preset, err := s.usage(r, ws)
	if err != nil {
		return err
	}
	cc, err := s.channelChoiceOf(r, ws, u.Channels)
	if err != nil {
		return err
	}
	q := url.Values{"from": {u.From}, "to": {u.To}}
	if preset != "" {
		q = url.Values{"range": {string(preset)}}
	}
	if len(u.Channels) > 0 {
		q.Set("channel", strings.Join(u.Channels, ","))
	}
	if ws.Slug != s.opt.Workspace {
		q.Set("workspace", ws.Slug)
	}
	if req.Sort != "" {
		q.Set("sort", string(req.Sort))
	}
	if req.Asc {
		q.Set("order", "asc")
	}
	v := &usageView{Usage: u, rangeChoice: newRangeChoice(preset, u.From, u.To), channelChoice: cc, SortParam: string(req.Sort),
		self: hrefTo(r.URL.EscapedPath(), q)}
	return s.render(w, r, http.StatusOK, "usage", &page{L: l, Title: l.T("usage.title." + string(u.Kind)), Nav: "performance", Workspace: ws, Data: v})
}
