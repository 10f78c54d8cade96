package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// gapsView is what the Knowledge gaps page shows.
type gapsView struct {
	Topics   []parley.TopicSummary
	State    parley.GapState
	States   []parley.GapState
	Sort     string
	Sorts    []string
	From, To string
	channelChoice
	Loc *time.Location
	// Ungrouped are the newest questions, of the filter's dates and
	// channels, that are like no other yet, shown apart on the open tab;
	// UngroupedTotal counts them all.
	Ungrouped      []parley.GapQuestion
	UngroupedTotal int
	Now            time.Time
	// here is this page with every parameter as asked, for its tabs and
	// sort links.
	here href
}

// Tab is the link to the table of topics in another state.
func (v *gapsView) Tab(state parley.GapState) template.URL {
	return v.here.Set("state", string(state)).URL()
}

// SortBy is the link to the table in another order.
func (v *gapsView) SortBy(sort string) template.URL { return v.here.Set("sort", sort).URL() }

// IsNew reports whether a topic is new, as the attention order counts it.
func (v *gapsView) IsNew(t parley.TopicSummary) bool { return isNewTopic(t, v.Now) }

func (s *Server) gapsPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	list, f, sort, err := s.topics(r, ws)
	if err != nil {
		return err
	}
	cc, err := s.channelChoiceOf(r, ws, f.Channels)
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location() // validated when stored
	here := hrefTo("/gaps", nil).Set("state", string(f.State), "sort", sort, "from", f.From, "to", f.To,
		"channel", strings.Join(f.Channels, ","))
	v := &gapsView{Topics: list, State: f.State, States: parley.GapStates, Sort: sort, Sorts: topicSorts,
		From: f.From, To: f.To, channelChoice: cc, Loc: loc, Now: s.now(), here: here}
	if f.State == parley.GapOpen || f.State == "" {
		if v.Ungrouped, v.UngroupedTotal, err = s.db.UngroupedQuestions(r.Context(), ws.ID, f, ungroupedLimit); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "gaps", &page{L: l, Title: l.T("gaps.title"), Nav: "gaps", Workspace: ws, Data: v})
}

// topicView is what a topic's page shows.
type topicView struct {
	topicDetail
	// Others are the live topics a question can move to or be merged from.
	Others []parley.TopicSummary
	// Form holds what the editor typed into the resolve panel, kept when
	// it had to be corrected.
	Form     parley.TopicAction
	Problems []parley.Problem
	Done     string
	Loc      *time.Location
	// Confirm is a merge or move waiting for the editor to confirm it,
	// now that it names its target.
	Confirm *parley.TopicAction
	// Recurring are the questions asked after the topic was resolved.
	Recurring []parley.GapQuestion
	// FixChart draws the questions by week either side of the fix.
	FixChart template.HTML
	// covers are the open questions the resolve form has chosen: all of
	// them, until the editor changes that.
	covers map[string]bool
}

// OpenQuestions are the questions a resolve can cover.
func (v *topicView) OpenQuestions() []parley.GapQuestion {
	var out []parley.GapQuestion
	for _, q := range v.Questions {
		if q.State == parley.GapOpen {
			out = append(out, q)
		}
	}
	return out
}

// Covers reports whether the resolve form has question id chosen.
func (v *topicView) Covers(id string) bool { return v.covers == nil || v.covers[id] }

// title is the name of topic id among the others.
func (v *topicView) title(id int64) string {
	for _, t := range v.Others {
		if t.ID == id {
			return t.Title()
		}
	}
	return "#" + strconv.FormatInt(id, 10)
}

// ConfirmText says what the waiting action will do, naming its target.
func (v *topicView) ConfirmText(l Lang) string {
	a := v.Confirm
	if a.Kind == parley.ActMerge {
		var names []string
		for _, id := range a.From {
			names = append(names, v.title(id))
		}
		return l.T("topic.confirm.merge.text", strings.Join(names, ", "), v.Topic.Title())
	}
	return l.T("topic.confirm.move_questions.text", len(a.Questions), v.Topic.Title(), v.title(a.To))
}

func (s *Server) topicPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderTopic(w, r, ws, l, http.StatusOK, parley.TopicAction{}, nil)
}

// renderTopic shows a topic, with form values and problems when an action
// on it needs correcting.
func (s *Server) renderTopic(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, form parley.TopicAction, problems []parley.Problem) error {
	id, err := pathID(r, "topic")
	if err != nil {
		return err
	}
	d, err := s.topicDetail(r, ws, id)
	if err != nil {
		return err
	}
	if d.Topic.ID != id { // merged: show the topic it became
		http.Redirect(w, r, "/gaps/"+strconv.FormatInt(d.Topic.ID, 10), http.StatusFound)
		return nil
	}
	// The topics a question can move to or be merged from: every other
	// topic that has questions, open ones first.
	all, err := s.db.Topics(r.Context(), ws.ID, store.TopicFilter{AnyState: true})
	if err != nil {
		return err
	}
	others := slices.DeleteFunc(all, func(t parley.TopicSummary) bool { return t.ID == id })
	slices.SortStableFunc(others, func(a, b parley.TopicSummary) int {
		return slices.Index(parley.GapStates, a.State) - slices.Index(parley.GapStates, b.State)
	})
	if form.Question == "" && len(problems) == 0 {
		form.Question = d.Topic.Title()
		if a := d.ShortAnswer; a != nil {
			form.Question, form.Answer = a.Question, a.Answer
		}
	}
	loc, _ := ws.Settings.Location()
	v := &topicView{topicDetail: d, Others: others, Form: form, Problems: problems, Loc: loc}
	if r.Method == http.MethodGet { // a notice is for the page an action led to
		v.Done = r.URL.Query().Get("done")
	}
	if form.Kind == parley.ActResolve {
		v.covers = map[string]bool{}
		for _, q := range form.Questions {
			v.covers[q] = true
		}
	}
	if form.Kind == parley.ActMerge || form.Kind == parley.ActMoveQuestions {
		if len(problems) == 0 {
			v.Confirm = &form
		}
	}
	for _, q := range d.Questions {
		if q.Recurrence {
			v.Recurring = append(v.Recurring, q)
		}
	}
	if d.Fix != nil {
		v.FixChart = fixChart(l, d.Fix, loc)
	}
	return s.render(w, r, status, "topic", &page{L: l, Title: d.Topic.Title(), Nav: "gaps", Workspace: ws, Data: v})
}

// postTopic performs the action a topic page's form asked for, then shows
// the topic again (post/redirect/get), or the form with its problems.
func (s *Server) postTopic(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	id, err := pathID(r, "topic")
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxActionBody); err != nil {
		return err
	}
	action := r.PostForm.Get("action")
	a := parley.TopicAction{Kind: parley.TopicActionKind(action), Topic: id, Question: r.PostForm.Get("question"),
		Answer: r.PostForm.Get("answer"), Name: r.PostForm.Get("name"), Questions: r.PostForm["q"]}
	if v := r.PostForm.Get("topic"); v != "" {
		a.To, _ = strconv.ParseInt(v, 10, 64)
	}
	for _, v := range r.PostForm["from"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			a.From = append(a.From, n)
		}
	}
	// A merge or a move names its target explicitly and is confirmed
	// with that name on screen before anything changes.
	if (a.Kind == parley.ActMerge || a.Kind == parley.ActMoveQuestions) && r.PostForm.Get("confirm") != "yes" {
		if err := a.Validate(); err != nil {
			return s.renderTopic(w, r, ws, l, http.StatusBadRequest, a, parley.ProblemsOf(err))
		}
		return s.renderTopic(w, r, ws, l, http.StatusOK, a, nil)
	}
	// The resolve form lists the open questions it covers; choosing none
	// of them is a mistake, not a request to cover all.
	if a.Kind == parley.ActResolve && r.PostForm.Get("choose") != "" && len(a.Questions) == 0 {
		return s.renderTopic(w, r, ws, l, http.StatusBadRequest, a,
			[]parley.Problem{parley.FieldProblem("questions", "choose the questions this answer covers")})
	}
	if _, err := s.act(r, ws, a); err != nil {
		if parley.KindOf(err) == parley.KindInvalid {
			return s.renderTopic(w, r, ws, l, http.StatusBadRequest, a, parley.ProblemsOf(err))
		}
		return err
	}
	http.Redirect(w, r, "/gaps/"+strconv.FormatInt(id, 10)+"?done="+url.QueryEscape(action), http.StatusSeeOther)
	return nil
}

// contentView is what the Content (short answers) page shows.
type contentView struct {
	Answers  []parley.ShortAnswer
	Q        string
	Searched bool
	Form     parley.ShortAnswer
	Problems []parley.Problem
	Done     string
	Loc      *time.Location
}

func (s *Server) contentPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	return s.renderContent(w, r, ws, l, http.StatusOK, parley.ShortAnswer{}, nil)
}

func (s *Server) renderContent(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang, status int, form parley.ShortAnswer, problems []parley.Problem) error {
	loc, _ := ws.Settings.Location()
	v := &contentView{Q: strings.TrimSpace(r.URL.Query().Get("q")), Form: form, Problems: problems, Done: r.URL.Query().Get("done"), Loc: loc}
	if v.Q != "" {
		v.Searched = true
		res, err := s.searchShortAnswers(r, ws, v.Q, 50)
		if err != nil {
			return err
		}
		for _, m := range res {
			v.Answers = append(v.Answers, m.ShortAnswer)
		}
	} else {
		list, err := s.db.ShortAnswers(r.Context(), ws.ID, time.Time{})
		if err != nil {
			return err
		}
		v.Answers = list
	}
	return s.render(w, r, status, "content", &page{L: l, Title: l.T("content.title"), Nav: "content", Workspace: ws, Data: v})
}

// postContent creates a short answer from the Content page's form.
func (s *Server) postContent(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	if err := parseForm(w, r, maxActionBody); err != nil {
		return err
	}
	a := parley.ShortAnswer{Question: r.PostForm.Get("question"), Answer: r.PostForm.Get("answer")}
	created, err := s.db.CreateShortAnswer(r.Context(), ws.ID, a, s.now())
	if err != nil {
		if parley.KindOf(err) == parley.KindInvalid {
			return s.renderContent(w, r, ws, l, http.StatusBadRequest, a, parley.ProblemsOf(err))
		}
		return err
	}
	s.auditAnswer(r, ws, "create", created)
	http.Redirect(w, r, "/content?done=created", http.StatusSeeOther)
	return nil
}

// answerView is what a short answer's edit page shows.
type answerView struct {
	Answer   parley.ShortAnswer
	Problems []parley.Problem
	Loc      *time.Location
}

func (s *Server) answerPage(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	a, err := s.answerOf(r, ws)
	if err != nil {
		return err
	}
	loc, _ := ws.Settings.Location()
	return s.render(w, r, http.StatusOK, "answer", &page{L: l, Title: l.T("answer.title"), Nav: "content", Workspace: ws, Data: &answerView{Answer: a, Loc: loc}})
}

// postAnswer saves or deletes a short answer from its edit page.
func (s *Server) postAnswer(w http.ResponseWriter, r *http.Request, ws parley.Workspace, l Lang) error {
	id, err := pathID(r, "short answer")
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxActionBody); err != nil {
		return err
	}
	if r.PostForm.Get("action") == "delete" {
		if err := s.db.DeleteShortAnswer(r.Context(), ws.ID, id, s.now()); err != nil {
			return err
		}
		s.auditAnswer(r, ws, "delete", parley.ShortAnswer{ID: id})
		http.Redirect(w, r, "/content?done=deleted", http.StatusSeeOther)
		return nil
	}
	a := parley.ShortAnswer{ID: id, Question: r.PostForm.Get("question"), Answer: r.PostForm.Get("answer")}
	if _, err := s.db.UpdateShortAnswer(r.Context(), ws.ID, a, s.now()); err != nil {
		if parley.KindOf(err) == parley.KindInvalid {
			loc, _ := ws.Settings.Location()
			return s.render(w, r, http.StatusBadRequest, "answer", &page{L: l, Title: l.T("answer.title"), Nav: "content", Workspace: ws,
				Data: &answerView{Answer: a, Problems: parley.ProblemsOf(err), Loc: loc}})
		}
		return err
	}
	s.auditAnswer(r, ws, "update", a)
	http.Redirect(w, r, "/content?done=saved", http.StatusSeeOther)
	return nil
}
