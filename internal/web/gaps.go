package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/gaps"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// Knowledge gaps (SPEC §6): the topic table, a topic's questions, and the
// editor's actions on them; short answers. An action is a
// parley.TopicAction, applied by the store's one ApplyTopicAction, which
// the JSON API, the pages' forms and the CLI all call.

// topicSorts are the orders of the topic table. The first, the default,
// is "needs attention": topics asked again after they were resolved, then
// new topics, then the rest, each by conversations.
var topicSorts = []string{"attention", "conversations", "last_asked", "label"}

// newTopicAge is how long a topic counts as new: a week, the span a
// support lead reviews the gaps in.
const newTopicAge = 7 * 24 * time.Hour

// isNewTopic reports whether a topic started within newTopicAge of now.
func isNewTopic(t parley.TopicSummary, now time.Time) bool {
	return now.Sub(t.CreatedAt) < newTopicAge
}

// attentionRank orders topics for the "needs attention" sort: recurring
// ones first, then new ones, then the others.
func attentionRank(t parley.TopicSummary, now time.Time) int {
	switch {
	case t.Recurrences > 0:
		return 0
	case isNewTopic(t, now):
		return 1
	}
	return 2
}

// topicParams are the parameters of the topic table.
var topicParams = []string{"state", "from", "to", "channel", "sort"}

// topicFilter reads the filter of the topic table: state, from, to,
// channel, sort.
func topicFilter(q url.Values) (store.TopicFilter, string, error) {
	f := store.TopicFilter{From: q.Get("from"), To: q.Get("to"), Channels: parley.SplitParam(q, "channel"),
		State: parley.GapState(q.Get("state"))}
	var problems []parley.Problem
	if f.State == "" {
		f.State = parley.GapOpen
	}
	if !slices.Contains(parley.GapStates, f.State) {
		problems = append(problems, parley.FieldProblem("state", fmt.Sprintf("must be one of %v", parley.GapStates)))
	}
	for _, d := range []struct{ field, v string }{{"from", f.From}, {"to", f.To}} {
		if _, err := time.Parse(parley.DayLayout, d.v); d.v != "" && err != nil {
			problems = append(problems, parley.FieldProblem(d.field, "must be a date YYYY-MM-DD"))
		}
	}
	sort := q.Get("sort")
	if sort == "" {
		sort = topicSorts[0]
	}
	if !slices.Contains(topicSorts, sort) {
		problems = append(problems, parley.FieldProblem("sort", fmt.Sprintf("must be one of %v", topicSorts)))
	}
	if len(problems) > 0 {
		return f, sort, parley.InvalidInput(problems)
	}
	return f, sort, nil
}

// topics lists the topic table, sorted.
func (s *Server) topics(r *http.Request, ws parley.Workspace) ([]parley.TopicSummary, store.TopicFilter, string, error) {
	f, sort, err := topicFilter(r.URL.Query())
	if err != nil {
		return nil, f, sort, err
	}
	list, err := s.db.Topics(r.Context(), ws.ID, f)
	if err != nil {
		return nil, f, sort, err
	}
	sortTopics(list, sort, s.now())
	return list, f, sort, nil
}

// sortTopics puts the topic table in the order sort names: the store's
// (most conversations first) for "conversations", and for the others that
// order within theirs. "attention" puts recurring topics first, the most
// recurrences first, then new ones, then the rest.
func sortTopics(list []parley.TopicSummary, sort string, now time.Time) {
	switch sort {
	case "attention":
		slices.SortStableFunc(list, func(a, b parley.TopicSummary) int {
			if ra, rb := attentionRank(a, now), attentionRank(b, now); ra != rb {
				return ra - rb
			}
			return b.Recurrences - a.Recurrences
		})
	case "last_asked":
		slices.SortStableFunc(list, func(a, b parley.TopicSummary) int { return b.LastAsked.Compare(a.LastAsked) })
	case "label":
		slices.SortStableFunc(list, func(a, b parley.TopicSummary) int { return strings.Compare(a.Title(), b.Title()) })
	}
}

// topicDetail is a topic with its questions and the short answer that
// resolved it.
type topicDetail struct {
	Topic       parley.Topic         `json:"topic"`
	Questions   []parley.GapQuestion `json:"questions"`
	ShortAnswer *parley.ShortAnswer  `json:"short_answer,omitempty"`
	// Fix says whether the short answer worked (see report.FixesView),
	// for a topic a short answer closed.
	Fix *report.FixRow `json:"fix,omitempty"`
}

func (s *Server) topicDetail(r *http.Request, ws parley.Workspace, id int64) (topicDetail, error) {
	var d topicDetail
	t, err := s.db.Topic(r.Context(), ws.ID, id)
	if err != nil {
		return d, err
	}
	d.Topic = t
	if d.Questions, err = s.db.TopicQuestions(r.Context(), ws.ID, t.ID, ""); err != nil {
		return d, err
	}
	if t.ShortAnswerID != 0 {
		if a, err := s.db.ShortAnswer(r.Context(), ws.ID, t.ShortAnswerID); err == nil {
			d.ShortAnswer = &a
		} else if parley.KindOf(err) != parley.KindNotFound {
			return d, err
		}
	}
	d.Fix, err = s.topicFix(r, ws, t.ID)
	return d, err
}

// act applies an editor's action on a topic as the request's caller: the
// store checks it, applies it and writes its audit row in one transaction.
// It returns the short answer a resolve wrote, if any.
func (s *Server) act(r *http.Request, ws parley.Workspace, a parley.TopicAction) (*parley.ShortAnswer, error) {
	sa, err := s.db.ApplyTopicAction(r.Context(), ws.ID, a, callerOf(r).Actor(), s.now())
	if err != nil || sa.ID == 0 {
		return nil, err
	}
	return &sa, nil
}

// pathID reads the numeric {id} of a path.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, parley.Errorf(parley.KindNotFound, "%s %q not found", what, r.PathValue("id"))
	}
	return id, nil
}

// maxActionBody bounds the JSON body of an editor's request: an answer of
// 5,000 characters in any script, with room to spare.
const maxActionBody = 64 << 10

// decodeJSON reads a request body into v, naming what is wrong with it.
// Its strings are held to the rules of an event's (ingest.CheckJSON):
// storable text, no lone surrogate, no name given twice; decoding would
// otherwise change them without a word.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxActionBody))
	if err != nil {
		return bodyError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if problems := ingest.CheckJSON(body); len(problems) > 0 {
		return parley.InvalidInput(problems)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("body", "not valid JSON for this request: "+err.Error())})
	}
	if dec.More() {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("body", "not valid JSON for this request: more after the object")})
	}
	return nil
}

// API handlers.

func (s *Server) getGaps(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	list, _, _, err := s.topics(r, ws)
	if err != nil {
		return err
	}
	if list == nil {
		list = []parley.TopicSummary{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"topics": list})
}

// ungroupedLimit is how many ungrouped questions the gaps page and the API
// list, newest first.
const ungroupedLimit = 100

// getUngrouped answers the questions that are like no other yet, of the
// dates and channels asked for: the newest ungroupedLimit and how many
// there are.
func (s *Server) getUngrouped(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	f, _, err := topicFilter(r.URL.Query())
	if err != nil {
		return err
	}
	qs, n, err := s.db.UngroupedQuestions(r.Context(), ws.ID, f, ungroupedLimit)
	if err != nil {
		return err
	}
	if qs == nil {
		qs = []parley.GapQuestion{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"questions": qs, "total": n})
}

func (s *Server) getGap(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "topic")
	if err != nil {
		return err
	}
	d, err := s.topicDetail(r, ws, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) postGapAction(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "topic")
	if err != nil {
		return err
	}
	var a parley.TopicAction
	if err := decodeJSON(w, r, &a); err != nil {
		return err
	}
	a.Kind, a.Topic = parley.TopicActionKind(r.PathValue("action")), id
	sa, err := s.act(r, ws, a)
	if err != nil {
		return err
	}
	d, err := s.topicDetail(r, ws, id)
	if err != nil {
		return err
	}
	if sa != nil {
		d.ShortAnswer = sa
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) getShortAnswers(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	var since time.Time
	if v := r.URL.Query().Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return parley.InvalidInput([]parley.Problem{parley.FieldProblem("updated_since", "must be an RFC 3339 time")})
		}
		since = t
	}
	list, err := s.db.ShortAnswers(r.Context(), ws.ID, since)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"short_answers": list})
}

// answerOf returns the short answer in the path, for the API and the
// answer's edit page alike.
func (s *Server) answerOf(r *http.Request, ws parley.Workspace) (parley.ShortAnswer, error) {
	id, err := pathID(r, "short answer")
	if err != nil {
		return parley.ShortAnswer{}, err
	}
	return s.db.ShortAnswer(r.Context(), ws.ID, id)
}

func (s *Server) getShortAnswer(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	a, err := s.answerOf(r, ws)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) postShortAnswer(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	var a parley.ShortAnswer
	if err := decodeJSON(w, r, &a); err != nil {
		return err
	}
	a, err := s.db.CreateShortAnswer(r.Context(), ws.ID, a, s.now())
	if err != nil {
		return err
	}
	s.auditAnswer(r, ws, "create", a)
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) putShortAnswer(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "short answer")
	if err != nil {
		return err
	}
	var a parley.ShortAnswer
	if err := decodeJSON(w, r, &a); err != nil {
		return err
	}
	a.ID = id
	if a, err = s.db.UpdateShortAnswer(r.Context(), ws.ID, a, s.now()); err != nil {
		return err
	}
	s.auditAnswer(r, ws, "update", a)
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) deleteShortAnswer(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	id, err := pathID(r, "short answer")
	if err != nil {
		return err
	}
	if err := s.db.DeleteShortAnswer(r.Context(), ws.ID, id, s.now()); err != nil {
		return err
	}
	s.auditAnswer(r, ws, "delete", parley.ShortAnswer{ID: id})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// searchResult is one match of a short-answer search.
type searchResult struct {
	parley.ShortAnswer
	Score float64 `json:"score"`
}

// searchShortAnswers ranks a workspace's short answers for a query.
func (s *Server) searchShortAnswers(r *http.Request, ws parley.Workspace, q string, limit int) ([]searchResult, error) {
	list, err := s.db.ShortAnswers(r.Context(), ws.ID, time.Time{})
	if err != nil {
		return nil, err
	}
	docs := make([]string, len(list))
	for i, a := range list {
		docs[i] = a.Question + "\n" + a.Answer
	}
	out := []searchResult{}
	for _, m := range gaps.Search(q, docs, limit) {
		out = append(out, searchResult{list[m.Index], m.Score})
	}
	return out, nil
}

func (s *Server) postShortAnswerSearch(w http.ResponseWriter, r *http.Request, ws parley.Workspace) error {
	var req struct {
		Q     string `json:"q"`
		Limit int    `json:"limit"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Q) == "" {
		return parley.InvalidInput([]parley.Problem{parley.FieldProblem("q", "is required")})
	}
	if req.Limit <= 0 || req.Limit > 100 {
		req.Limit = 10
	}
	res, err := s.searchShortAnswers(r, ws, req.Q, req.Limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"matches": res})
}

// auditAnswer records a change to a short answer.
func (s *Server) auditAnswer(r *http.Request, ws parley.Workspace, change string, a parley.ShortAnswer) {
	s.audit(r, ws, "short_answer."+change, fmt.Sprintf("short answer %d", a.ID), a.Question)
}
