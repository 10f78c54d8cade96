package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// assets serves the embedded static files under names that carry a hash of
// their content, so that they can be cached forever and still change with
// each release.
type assets struct {
	fs     fs.FS
	hashed map[string]string // name → name?v=hash
}

func newAssets() *assets {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	a := &assets{fs: sub, hashed: map[string]string{}}
	fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashed[path] = "/static/" + path + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	return a
}

func (a *assets) url(name string) string { return a.hashed[name] }

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.StripPrefix("/static/", http.FileServerFS(a.fs)).ServeHTTP(w, r)
}

// pages holds one parsed template set per page, each with the layout.
type pages map[string]*template.Template

func parsePages(a *assets) pages {
	funcs := template.FuncMap{
		"static":        a.url,
		"cell":          cell,
		"outcomeClass":  outcomeClass,
		"int64":         func(n int) int64 { return int64(n) },
		"weekStarts":    func() []parley.WeekStart { return []parley.WeekStart{parley.WeekStartMonday, parley.WeekStartSunday} },
		"granularities": func() []report.Granularity { return report.Granularities },
		"reasons":       func() []parley.UnresolvedReason { return parley.Reasons },
		"initiators":    func() []parley.Initiator { return parley.Initiators },
		"resolutions": func() []parley.Resolution {
			return []parley.Resolution{parley.ResolutionConfirmed, parley.ResolutionAssumed}
		},
		"testChoices": func() []parley.TestTraffic {
			return []parley.TestTraffic{parley.TestExclude, parley.TestInclude, parley.TestOnly}
		},
		"minBasis": func() int { return report.MinBasis },
		// pathEscape makes a caller's string (a conversation id) one URL
		// path segment: the template's own escaping leaves / ? # % alone
		// in a path (it escapes them only in a query or fragment), so
		// "a/b?c" would link elsewhere.
		"pathEscape": url.PathEscape,
	}
	maps.Copy(funcs, fixFuncs)
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	p := pages{}
	for _, name := range []string{"performance", "usage", "conversations", "conversation", "gaps", "fixes", "topic", "content", "answer",
		"signin", "setup", "settings", "people", "tokens", "sources", "webhooks", "webhook", "delivery", "audit", "setaside", "error"} {
		t := template.Must(layout.Clone())
		p[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return p
}

// page is what every template gets.
type page struct {
	L         Lang
	Title     string
	Nav       string
	Workspace parley.Workspace
	URL       *url.URL
	Data      any
	// Who is the signed-in caller, nil on public pages.
	Who *caller
	// Refresh, if set, has the browser load the page again after that
	// many seconds: while numbers are being recomputed.
	Refresh int
}

// Can reports whether the caller may do what a permission allows, to show
// only the controls that will work.
func (p *page) Can(perm string) bool {
	return p.Who != nil && p.Who.allows(parley.Permission(perm))
}

// LangURL is the current page in another language.
func (p *page) LangURL(l string) template.URL {
	// The path stays escaped, as a conversation id may hold / ? #.
	return hrefTo(p.URL.EscapedPath(), p.URL.Query()).Set("lang", l).URL()
}

// SwitchURL is the Performance page of another workspace.
func (p *page) SwitchURL(slug string) template.URL {
	return hrefTo("/reports", nil).Set("workspace", slug).URL()
}

// rendered, when set (by tests), learns every page template rendered, in
// which language and for which request; atomic, as tests set it while
// others' servers render.
var rendered atomic.Pointer[func(r *http.Request, name string, l Lang)]

// render writes a page, buffered so that a template error never sends half
// a page with a 200: it is returned instead, with nothing written.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	p.URL = r.URL
	if p.Who == nil {
		p.Who = callerOf(r)
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if f := rendered.Load(); f != nil {
		(*f)(r, name, p.L)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// maxSmallForm bounds the body of a sign-in, setup or admin form.
const maxSmallForm = 16 << 10

// parseForm reads a posted form of at most limit bytes into r.PostForm.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || parley.KindOf(err) != parley.KindInternal {
			return err // too large, or too slow: answered as such
		}
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("body", "not a valid form")})
	}
	return formText(r)
}

// errorView is what the error page shows.
type errorView struct {
	Message  string
	Problems []parley.Problem
}

// pageError answers a page request that failed, in the page's language.
// Should the error page itself fail to render, a plain "internal error" is
// all that is left to send.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, l Lang, ws parley.Workspace, err error) {
	err = s.classify(err)
	kind := parley.KindOf(err)
	if kind == parley.KindInternal {
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
	}
	if kind == parley.KindUnavailable {
		s.log.WarnContext(r.Context(), "database unavailable", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", retryUnavailable)
	}
	title := l.T("error.title")
	if kind == parley.KindNotFound {
		title = l.T("error.notfound")
	}
	if err := s.render(w, r, statusOf[kind], "error", &page{L: l, Title: title, Workspace: ws,
		Data: errorView{Message: parley.MessageOf(err), Problems: parley.ProblemsOf(err)}}); err != nil {
		s.log.ErrorContext(r.Context(), "error page failed", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// Link is a Conversations URL for the report's range and channels.
func (v *performanceView) Link(extra ...string) string {
	var kv []string
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] != "" {
			kv = append(kv, extra[i], extra[i+1])
		}
	}
	return link(v.Report, v.Report.From, v.Report.To, kv...)
}

// data is the report's own link under path: its range, granularity and
// channels, as the page was asked for them.
func (v *performanceView) data(path string) href {
	q, _ := url.ParseQuery(v.Query)
	return hrefTo(path, q)
}

// CSV is the download of one chart's numbers, for the page's report.
func (v *performanceView) CSV(chart string) template.URL {
	return v.data("/api/v1/reports/performance").Set("format", "csv", "chart", chart).URL()
}

// GapsLink is the knowledge gaps of the report's range and channels.
func (v *performanceView) GapsLink() template.URL {
	return v.data("/gaps").Del("granularity").URL()
}

// ChannelLink is Link for one channel.
func (v *performanceView) ChannelLink(channel string, extra ...string) string {
	q := url.Values{"from": {v.Report.From}, "to": {v.Report.To}, "channel": {channel}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] != "" {
			q.Set(extra[i], extra[i+1])
		}
	}
	return "/conversations?" + q.Encode()
}

func (s *Server) performancePage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	req, preset, err := reportRequest(r.URL.Query(), ws, s.now())
	if err != nil {
		return err
	}
	rep, err := s.reports.Performance(r.Context(), s.db, ws, req, s.now())
	if err != nil {
		return err
	}
	cc, err := s.channelChoiceOf(r, ws, rep.Channels)
	if err != nil {
		return err
	}
	q := url.Values{"from": {rep.From}, "to": {rep.To}, "granularity": {string(rep.Granularity)}}
	if len(rep.Channels) > 0 {
		q.Set("channel", strings.Join(rep.Channels, ","))
	}
	if ws.Slug != s.opt.Workspace {
		q.Set("workspace", ws.Slug)
	}
	v := &performanceView{Report: rep, rangeChoice: newRangeChoice(preset, rep.From, rep.To), channelChoice: cc, Query: q.Encode()}
	v.Cards, v.Recompute = impactCards(l, rep), recomputeText(l, rep)
	v.Charts = charts(l, rep, v.Query)
	p := &page{L: l, Title: l.T("perf.title"), Nav: "performance", Workspace: ws, Data: v}
	if rep.Recomputing != nil {
		p.Refresh = recomputeRefresh
	}
	return s.render(w, r, http.StatusOK, "performance", p)
}

// recomputeRefresh is how often, in seconds, the Performance page loads
// itself again while new settings are being computed, so that its progress
// moves and it switches to the new numbers without a click.
const recomputeRefresh = 5

// conversationsView is what the Conversations page shows.
type conversationsView struct {
	Page   conversationPage
	Filter parley.ConversationFilter
	// Count is how many conversations the filter selects, on every page.
	Count int64
	Chips []string
	channelChoice
	// After says this is not the first page.
	After bool
	Loc   *time.Location
	// list is /conversations with the filter, and no cursor.
	list href
}

// Next is the page after this one: the same filter, from its last row.
func (v *conversationsView) Next() template.URL {
	return v.list.Set("after", v.Page.Next).URL()
}

// First is the first page of the same filter.
func (v *conversationsView) First() template.URL { return v.list.URL() }

// CSV downloads every conversation of the filter.
func (v *conversationsView) CSV() template.URL {
	return v.list.At("/api/v1/conversations").Set("format", "csv").URL()
}

// OutcomeChoices are the outcome filter's choices: any, each outcome, the
// groups, and the page's own when it names several.
func (v *conversationsView) OutcomeChoices(l Lang) []choice {
	cur := v.list.Get("outcome")
	out := []choice{{Value: "", Key: "convs.any_outcome", Selected: cur == ""}}
	for _, g := range parley.OutcomeGroups {
		out = append(out, choice{Value: string(g), Key: "outcome." + string(g), Selected: cur == string(g)})
	}
	for _, k := range parley.OutcomeKinds {
		out = append(out, choice{Value: string(k), Key: "outcome." + string(k), Selected: cur == string(k)})
	}
	if !slices.ContainsFunc(out, func(c choice) bool { return c.Selected }) {
		var names []string
		for _, o := range v.Filter.Outcomes {
			names = append(names, l.T("outcome."+string(o)))
		}
		out = append(out, choice{Value: cur, Text: strings.Join(names, ", "), Selected: true})
	}
	return out
}

// choice is one option of a filter's menu: a translated Key, or Text.
type choice struct {
	Value, Key, Text string
	Selected         bool
}

// channelChoice is the channel boxes of a page's filter (the "channels"
// template): every channel the workspace has seen, and those the filter
// names.
type channelChoice struct {
	Channels []string
	Selected map[string]bool
}

// channelChoiceOf reads the workspace's channels and marks those selected.
func (s *Server) channelChoiceOf(r *http.Request, ws parley.Workspace, selected []string) (channelChoice, error) {
	channels, err := s.db.Channels(r.Context(), ws.ID)
	if err != nil {
		return channelChoice{}, err
	}
	c := channelChoice{Channels: channels, Selected: map[string]bool{}}
	for _, ch := range selected {
		c.Selected[ch] = true
	}
	return c, nil
}

// rangeChoice is the range menu of a report page's filter (the "range"
// template): the presets offered, the one chosen ("" when the visitor gave
// dates) and the report's dates, which the date fields show for a range
// of the visitor's own.
type rangeChoice struct {
	Preset   report.Preset
	Presets  []report.Preset
	From, To string
}

func newRangeChoice(preset report.Preset, from, to string) rangeChoice {
	return rangeChoice{Preset: preset, Presets: report.Presets, From: from, To: to}
}

func (s *Server) conversationsPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	cq, err := conversationQuery(r.URL.Query())
	if err != nil {
		return err
	}
	pg, err := s.listConversations(r, ws, cq)
	if err != nil {
		return err
	}
	count, err := s.db.CountConversations(r.Context(), ws.ID, cq.Filter)
	if err != nil {
		return err
	}
	cc, err := s.channelChoiceOf(r, ws, cq.Filter.Channels)
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location() // validated when stored
	v := &conversationsView{Page: pg, Filter: cq.Filter, Count: count, After: cq.After.ID != "", Loc: loc,
		Chips: chips(l, cq.Filter), channelChoice: cc, list: hrefTo("/conversations", cq.Filter.Query())}
	return s.render(w, r, http.StatusOK, "conversations", &page{L: l, Title: l.T("convs.title"), Nav: "conversations", Workspace: ws, Data: v})
}

// chips describes a conversation filter in words.
func chips(l Lang, f parley.ConversationFilter) []string {
	var out []string
	if f.From != "" || f.To != "" {
		out = append(out, l.T("meta.range", l.Day(f.From), l.Day(f.To)))
	}
	for _, o := range f.Outcomes { // every outcome and group has its name
		out = append(out, l.T("outcome."+string(o)))
	}
	if f.Resolution != "" {
		out = append(out, l.T("resolution."+string(f.Resolution)))
	}
	if f.Reason != "" {
		out = append(out, l.T("reason."+string(f.Reason)))
	}
	if f.Initiator != "" {
		out = append(out, l.T("series."+string(f.Initiator)))
	}
	for _, c := range f.Channels {
		out = append(out, l.Channel(c))
	}
	if f.Reopened {
		out = append(out, l.T("conv.reopened"))
	}
	if f.Test == parley.TestOnly {
		out = append(out, l.T("metric.test"))
	}
	return out
}

// conversationView is what the conversation page shows.
type conversationView struct {
	Detail conversationDetail
	Why    string
	TTC    *float64
	Loc    *time.Location
}

// AfterDecision reports whether an event came after the decision, where it
// no longer counts.
func (v *conversationView) AfterDecision(e parley.Event) bool {
	d := v.Detail.Outcome.DecidedAt
	return !d.IsZero() && e.OccurredAt.After(d)
}

func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	d, err := s.conversationDetail(r, ws, r.PathValue("id"))
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location()
	v := &conversationView{Detail: d, Loc: loc}
	o := d.Outcome
	if o.TimeToClose > 0 {
		secs := o.TimeToClose.Seconds()
		v.TTC = &secs
	}
	switch o.Kind {
	case parley.OutcomeNotHandled:
		v.Why = l.T("conv.not_handled")
	case parley.OutcomePending:
		v.Why = l.T("conv.pending", l.Instant(o.DecisionDueAt, loc))
	case parley.OutcomeHandedOff:
		reason := l.HandoffReason(o.HandoffReason)
		if reason == "" {
			reason = l.T("none")
		}
		v.Why = l.T("conv.handed_off", l.Instant(o.DecidedAt, loc), l.T("series."+string(o.HandoffInitiator)), reason)
	default:
		v.Why = l.T("conv.decided_at", l.Instant(o.DecidedAt, loc))
	}
	return s.render(w, r, http.StatusOK, "conversation", &page{L: l, Title: l.T("conv.title", o.ConversationID), Nav: "conversations", Workspace: ws, Data: v})
}

// ensure the store satisfies the report's source.
var _ report.Source = (*store.DB)(nil)
