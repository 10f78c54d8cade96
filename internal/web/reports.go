package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/evaluate"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// pageSize is how many conversations a list page shows.
const pageSize = 50

// csvPage is how many conversations a CSV export reads per query.
const csvPage = 5000

// getPerformance answers GET /api/v1/reports/performance: the report model
// as JSON, or one chart's numbers as CSV with format=csv&chart=….
func (s *Server) getPerformance(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	rep, err := s.performance(r, ws)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "csv" {
		return writeJSON(w, http.StatusOK, rep)
	}
	chart := r.URL.Query().Get("chart")
	if chart == "" {
		chart = "all"
	}
	tbl, err := rep.Table(chart)
	if err != nil {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("chart", err.Error())})
	}
	csvHeaders(w, fmt.Sprintf("parley-%s-%s-%s-%s.csv", ws.Slug, chart, rep.From, rep.To))
	if err := tbl.WriteCSV(w); err != nil {
		s.log.WarnContext(r.Context(), "writing csv failed", "err", err)
	}
	return nil
}

// performance builds the report a request asks for.
func (s *Server) performance(r *http.Request, ws parley.Workspace) (*report.Report, error) {
	req, _, err := reportRequest(r.URL.Query(), ws, s.now())
	if err != nil {
		return nil, err
	}
	return s.reports.Performance(r.Context(), s.db, ws, req, s.now())
}

func csvHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// conversationPage is one page of a conversation list.
type conversationPage struct {
	Conversations []parley.Conversation `json:"conversations"`
	// Next is the cursor of the next page (pass it as after=…); empty on
	// the last page.
	Next string `json:"next"`
}

// listConversations reads one page of conversations.
func (s *Server) listConversations(r *http.Request, ws parley.Workspace, f store.ConversationQuery) (conversationPage, error) {
	f.Limit = pageSize + 1
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return conversationPage{}, parley.InvalidInput([]parley.Problem{parley.FieldProblem("limit", "must be a number from 1 to 1000")})
		}
		f.Limit = n + 1
	}
	cs, err := s.db.Conversations(r.Context(), ws.ID, f)
	if err != nil {
		return conversationPage{}, err
	}
	page := conversationPage{Conversations: cs}
	if len(cs) == f.Limit {
		page.Conversations = cs[:f.Limit-1]
		last := page.Conversations[len(page.Conversations)-1]
		page.Next = store.CursorAt(last).String()
	}
	if page.Conversations == nil {
		page.Conversations = []parley.Conversation{}
	}
	return page, nil
}

// getConversations answers GET /api/v1/conversations: a page of JSON, or
// with format=csv every matching conversation.
func (s *Server) getConversations(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	f, err := conversationQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		return s.conversationsCSV(w, r, ws, f)
	}
	page, err := s.listConversations(r, ws, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

// conversationsCSV streams every conversation f selects, page by page. An
// error on the first page is returned; one after the header is sent can
// only end the body short, and is logged.
func (s *Server) conversationsCSV(w http.ResponseWriter, r *http.Request, ws parley.Workspace, f store.ConversationQuery) error {
	f.Limit = csvPage
	first, err := s.db.Conversations(r.Context(), ws.ID, f)
	if err != nil {
		return err
	}
	csvHeaders(w, "parley-"+ws.Slug+"-conversations.csv")
	cw := csv.NewWriter(w)
	cw.Write(parley.ConversationColumns)
	page := first
	for {
		for _, c := range page {
			cw.Write(parley.ConversationRecord(c, parley.SafeCell))
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.After = store.CursorAt(last)
		if page, err = s.db.Conversations(r.Context(), ws.ID, f); err != nil {
			// The header is sent; all that is left is to end the body
			// short and say why in the log.
			s.log.ErrorContext(r.Context(), "conversation export failed", "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

// conversationDetail is a conversation with its outcome and timeline.
type conversationDetail struct {
	Outcome parley.Outcome `json:"outcome"`
	// EvaluatedAt is when the outcome was last evaluated.
	EvaluatedAt time.Time `json:"evaluated_at"`
	// EvaluationPending says the outcome is about to be evaluated again:
	// events arrived since, its decision time passed, or the settings
	// changed. Outcome is the one counted until then.
	EvaluationPending bool           `json:"evaluation_pending"`
	Events            []parley.Event `json:"events"`
}

// conversationDetail evaluates again the events the last evaluation read,
// at the instant it read them: the same outcome, with the explanation that
// is not stored. Events that arrived since are in the timeline but not in
// the outcome until the worker evaluates them.
func (s *Server) conversationDetail(r *http.Request, ws parley.Workspace, id string) (conversationDetail, error) {
	last, err := s.db.LastEvaluation(r.Context(), ws.ID, id, s.now())
	if err != nil {
		return conversationDetail{}, err
	}
	events, err := s.db.ConversationEvents(r.Context(), ws.ID, id)
	if err != nil {
		return conversationDetail{}, err
	}
	read := events
	if i := slices.IndexFunc(events, func(e parley.Event) bool { return e.Seq > last.Seq }); i >= 0 {
		read = events[:i]
	}
	o := evaluate.Outcome(read, ws.Settings, last.At)
	if o.Reasons == nil {
		// Always an array for API clients, as in the conversation list.
		o.Reasons = []parley.UnresolvedReason{}
	}
	sortTimeline(events)
	return conversationDetail{Outcome: o, EvaluatedAt: last.At, EvaluationPending: last.Due, Events: events}, nil
}

// getConversation answers GET /api/v1/conversations/{id}.
func (s *Server) getConversation(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	d, err := s.conversationDetail(r, ws, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// sortTimeline orders events as the rule reads them: by time, then arrival.
func sortTimeline(events []parley.Event) {
	slices.SortStableFunc(events, func(a, b parley.Event) int {
		switch {
		case a.Before(&b):
			return -1
		case b.Before(&a):
			return 1
		}
		return 0
	})
}

// jsonString is v as indented JSON, for showing metadata on a page.
func jsonString(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}
