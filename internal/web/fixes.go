package web

import (
	"encoding/csv"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/web/plot"
)

// "Did the fix work?": the Fixes tab of the Knowledge gaps page, a fixed
// topic's own numbers on its page, /api/v1/gaps/fixes with its CSV and
// `parley gaps fixes` — one view (report.FixesView).

// fixes builds the view in the order the request's sort asks for.
func (s *Server) fixes(r *http.Request, ws parley.Workspace) (*report.Fixes, error) {
	req := report.FixRequest{Sort: report.FixSort(r.URL.Query().Get("sort"))}
	return report.FixesView(r.Context(), s.db, ws, req, s.now())
}

func (s *Server) getFixes(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	f, err := s.fixes(r, ws)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		csvHeaders(w, "fixes-"+f.Now.In(location(ws)).Format(parley.DayLayout)+".csv")
		if err := csv.NewWriter(w).WriteAll(f.FixesCSV(parley.SafeCell)); err != nil {
			s.log.ErrorContext(r.Context(), "fixes CSV cut short", "err", err)
		}
		return nil
	}
	return writeJSON(w, http.StatusOK, f)
}

// topicFix is a topic's row of the view, or nil when no short answer
// closed it.
func (s *Server) topicFix(r *http.Request, ws parley.Workspace, topic int64) (*report.FixRow, error) {
	f, err := report.FixesView(r.Context(), s.db, ws, report.FixRequest{Topic: topic}, s.now())
	if err != nil || len(f.Rows) == 0 {
		return nil, err
	}
	return &f.Rows[0], nil
}

// location is the workspace's time zone (validated when stored).
func location(ws parley.Workspace) *time.Location {
	loc, _ := ws.Settings.Location()
	return loc
}

// fixesView is what the Fixes tab shows.
type fixesView struct {
	Fixes  *report.Fixes
	Sorts  []report.FixSort
	States []parley.GapState
	Loc    *time.Location
	here   href
}

// SortBy links the view in another order.
func (v *fixesView) SortBy(sort report.FixSort) template.URL {
	return v.here.Set("sort", string(sort)).URL()
}

// Tab links the topic table of a state.
func (v *fixesView) Tab(state parley.GapState) template.URL {
	return v.here.At("/gaps").Del("sort").Set("state", string(state)).URL()
}

// CSVURL links the view as CSV.
func (v *fixesView) CSVURL() template.URL {
	return v.here.At("/api/v1/gaps/fixes").Set("format", "csv").URL()
}

// Cited links the conversations whose agent cited a fix's short answer.
func (v *fixesView) Cited(row report.FixRow) template.URL { return citedURL(v.here, row) }

func citedURL(here href, row report.FixRow) template.URL {
	f := parley.ConversationFilter{Source: parley.ShortAnswerSourceID(row.ShortAnswerID)}
	q := f.Query()
	if w := here.Get("workspace"); w != "" {
		q.Set("workspace", w)
	}
	return hrefTo("/conversations", q).URL()
}

func (s *Server) fixesPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	f, err := s.fixes(r, ws)
	if err != nil {
		return err
	}
	here := hrefTo("/gaps/fixes", nil).Set("sort", r.URL.Query().Get("sort"))
	if ws.Slug != s.opt.Workspace {
		here = here.Set("workspace", ws.Slug)
	}
	v := &fixesView{Fixes: f, Sorts: report.FixSorts, States: parley.GapStates, Loc: location(ws), here: here}
	return s.render(w, r, http.StatusOK, "fixes", &page{L: l, Title: l.T("fixes.title"), Nav: "gaps", Workspace: ws, Data: v})
}

// fixFuncs are the template functions of the view and of a topic's own
// numbers.
var fixFuncs = template.FuncMap{
	// perWeek formats questions per week with one decimal.
	"perWeek": func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	// change formats a relative change as a signed percentage.
	"change": func(v *float64) string {
		if v == nil {
			return "–"
		}
		p := math.Round(*v * 100)
		switch {
		case p > 0:
			return "+" + strconv.FormatFloat(p, 'f', 0, 64) + "%"
		case p < 0:
			return "−" + strconv.FormatFloat(-p, 'f', 0, 64) + "%"
		}
		return "0%"
	},
	// days formats a window's length: whole days, or one decimal below two.
	"days": func(v float64) string {
		if v < 2 {
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return strconv.FormatFloat(math.Floor(v), 'f', 0, 64)
	},
}

// fixChart draws a fix's questions by week, before the fix and after it.
func fixChart(l Lang, row *report.FixRow, loc *time.Location) template.HTML {
	c := plot.Chart{Title: l.T("fix.chart"), Kind: plot.Bars, Width: 480, Height: 220}
	before := plot.Series{Name: l.T("fix.before"), Class: "s-unresolved"}
	after := plot.Series{Name: l.T("fix.after"), Class: "s-resolved"}
	for _, w := range row.Weeks {
		c.Labels = append(c.Labels, l.Short(w.From.In(loc).Format(parley.DayLayout)))
		b, a := float64(w.Questions), math.NaN()
		if w.After {
			b, a = math.NaN(), b
		}
		before.Values, after.Values = append(before.Values, b), append(after.Values, a)
		// The first week before may be cut short by the window, the last
		// one after by now.
		c.Provisional = append(c.Provisional, w.To.Sub(w.From) < 7*24*time.Hour)
	}
	c.Series = []plot.Series{before, after}
	// The chart sits in the topic page's fix panel, about 309 px wide inside
	// on a phone (the Performance page's figures are 340).
	return bothWidths(c, 300)
}
