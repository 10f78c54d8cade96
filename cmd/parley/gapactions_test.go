package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
)

// gapSurface applies a gap action one way: through `parley gaps`, the API
// or the topic page's form. It reports whether the action was accepted.
type gapSurface struct {
	name  string
	actor string
	db    *store.DB
	apply func(t *testing.T, a parley.TopicAction) bool
}

// TestGapActionsAgreeAcrossSurfaces applies every kind of gap action to
// three copies of the same data, one through each surface, and checks after
// each that the three hold the same topics, questions, short answers and
// audit rows (only the actor differs: who did it), and that an action one
// refuses the others refuse too, changing nothing.
func TestGapActionsAgreeAcrossSurfaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := func() time.Time { return frozen }
	open := func(dsn string) *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	server := func(dsn string) (*store.DB, http.Handler, string) {
		secret := strings.TrimSpace(mustRun(t, "", "token", "create", "--db", dsn, "--name", "editor", "--scopes", "read,write"))
		db := open(dsn)
		return db, web.New(db, web.Options{Now: clock, Logger: slog.New(slog.DiscardHandler)}), secret
	}
	send := func(h http.Handler, secret, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	cliDSN := evaluatedDB(t)
	cli := gapSurface{name: "cli", actor: cliActor, db: open(cliDSN), apply: func(t *testing.T, a parley.TopicAction) bool {
		args := []string{"gaps", cliName[a.Kind], "--db", cliDSN}
		switch a.Kind {
		case parley.ActResolve:
			args = append(args, "--question", a.Question, "--answer", a.Answer)
		case parley.ActMoveQuestions:
			args = append(args, "--to", strconv.FormatInt(a.To, 10))
		}
		args = append(args, strconv.FormatInt(a.Topic, 10))
		switch a.Kind {
		case parley.ActRename:
			args = append(args, a.Name)
		case parley.ActMerge:
			for _, id := range a.From {
				args = append(args, strconv.FormatInt(id, 10))
			}
		}
		r := runParley(t, "", append(args, a.Questions...)...)
		if r.code != exitOK && r.code != exitFailure {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		return r.code == exitOK
	}}

	apiDB, apiServer, apiSecret := server(evaluatedDB(t))
	api := gapSurface{name: "api", actor: "token editor", db: apiDB, apply: func(t *testing.T, a parley.TopicAction) bool {
		body, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		rec := send(apiServer, apiSecret, "POST", "/api/v1/gaps/"+strconv.FormatInt(a.Topic, 10)+"/"+string(a.Kind), "application/json", body)
		if rec.Code != http.StatusOK && rec.Code/100 != 4 {
			t.Fatalf("API %s: %d %s", a.Kind, rec.Code, rec.Body)
		}
		return rec.Code == http.StatusOK
	}}

	pageDB, pageServer, pageSecret := server(evaluatedDB(t))
	page := gapSurface{name: "page", actor: "token editor", db: pageDB, apply: func(t *testing.T, a parley.TopicAction) bool {
		// As the page sends it once confirmed (a merge or a move asks first).
		form := url.Values{"action": {string(a.Kind)}, "question": {a.Question}, "answer": {a.Answer}, "name": {a.Name}, "q": a.Questions, "confirm": {"yes"}}
		if a.To != 0 {
			form.Set("topic", strconv.FormatInt(a.To, 10))
		}
		for _, id := range a.From {
			form.Add("from", strconv.FormatInt(id, 10))
		}
		rec := send(pageServer, pageSecret, "POST", "/gaps/"+strconv.FormatInt(a.Topic, 10), "application/x-www-form-urlencoded", []byte(form.Encode()))
		if rec.Code != http.StatusSeeOther && rec.Code/100 != 4 {
			t.Fatalf("page %s: %d %s", a.Kind, rec.Code, rec.Body)
		}
		return rec.Code == http.StatusSeeOther
	}}
	surfaces := []gapSurface{cli, api, page}

	// The three databases start the same: the topics of the same stream,
	// grouped the same way.
	ws, err := cli.db.EnsureWorkspace(ctx, parley.DefaultWorkspace, frozen)
	if err != nil {
		t.Fatal(err)
	}
	topics, err := cli.db.Topics(ctx, ws.ID, store.TopicFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(topics) < 4 {
		t.Fatalf("%d open topics, want 4 or more", len(topics))
	}
	t1, t2, t3, t4 := topics[0].ID, topics[1].ID, topics[2].ID, topics[3].ID
	questions := func(id int64) []string {
		qs, err := cli.db.TopicQuestions(ctx, ws.ID, id, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, q := range qs {
			out = append(out, q.EventID)
		}
		return out
	}
	q1, q2 := questions(t1), questions(t2)
	if len(q1) < 3 {
		t.Fatalf("topic %d has %d questions, want 3 or more", t1, len(q1))
	}
	want := gapState(t, cli.db, "")
	for _, s := range surfaces[1:] {
		if diff := cmp.Diff(want, gapState(t, s.db, "")); diff != "" {
			t.Fatalf("%s starts from other data (-cli +%s):\n%s", s.name, s.name, diff)
		}
	}
	// last is the CLI's data as the step before left it, which nothing
	// changes before the next step; nil after a step that stopped early.
	last := &want

	for _, step := range []struct {
		a      parley.TopicAction
		refuse bool
	}{
		{a: parley.TopicAction{Kind: parley.ActRename, Topic: t1, Name: "  Password resets  "}},
		{a: parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: t1, Questions: q1[:2]}},
		{a: parley.TopicAction{Kind: parley.ActRestoreQuestions, Topic: t1, Questions: q1[:1]}},
		{a: parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: t1, Questions: q1[1:3], To: t2}},
		{a: parley.TopicAction{Kind: parley.ActMerge, Topic: t2, From: []int64{t3}}},
		{a: parley.TopicAction{Kind: parley.ActDismiss, Topic: t4}},
		{a: parley.TopicAction{Kind: parley.ActRestore, Topic: t4}},
		{a: parley.TopicAction{Kind: parley.ActResolve, Topic: t2, Question: "How long does a refund take?", Answer: "Five working days."}},
		{a: parley.TopicAction{Kind: parley.ActRename, Topic: t1}}, // back to its label
		// Refused alike: checks the CLI used to skip.
		{a: parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: t1, Questions: q2[:1], To: t4}, refuse: true},    // not t1's question
		{a: parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: t4, Questions: q1[:1]}, refuse: true},         // not t4's question
		{a: parley.TopicAction{Kind: parley.ActMoveQuestions, Topic: t1, Questions: q1[:1], To: 99999}, refuse: true}, // no such target
		{a: parley.TopicAction{Kind: parley.ActMerge, Topic: t1, From: []int64{t4, 99999}}, refuse: true},             // no such topic
		{a: parley.TopicAction{Kind: parley.ActDismiss, Topic: t3}, refuse: true},                                     // merged away
		{a: parley.TopicAction{Kind: parley.ActResolve, Topic: t4, Question: "What?", Answer: "   "}, refuse: true},   // blank answer
		{a: parley.TopicAction{Kind: parley.ActRename, Topic: t4, Name: strings.Repeat("名", 201)}, refuse: true},      // too long
		{a: parley.TopicAction{Kind: parley.ActDismissQuestions, Topic: t2, Questions: q2[:1]}, refuse: true},         // resolved with t2
	} {
		t.Run(string(step.a.Kind), func(t *testing.T) {
			before := last
			if last = nil; before == nil {
				s := gapState(t, cli.db, cli.actor)
				before = &s
			}
			for _, s := range surfaces {
				if ok := s.apply(t, step.a); ok == step.refuse {
					t.Errorf("%s accepted %v, want %v", s.name, ok, !step.refuse)
				}
			}
			want := gapState(t, cli.db, cli.actor)
			last = &want
			for _, s := range surfaces[1:] {
				if diff := cmp.Diff(want, gapState(t, s.db, s.actor)); diff != "" {
					t.Errorf("after %+v (-cli +%s):\n%s", step.a, s.name, diff)
				}
			}
			if changed := !cmp.Equal(*before, want); changed == step.refuse {
				t.Errorf("the action changed the data: %v, want %v", changed, !step.refuse)
			}
		})
	}
	if entries := gapState(t, cli.db, cli.actor).Audit; len(entries) != 9 {
		t.Errorf("%d audit rows, want one per accepted action (9)", len(entries))
	}
}

// cliName is each action's subcommand of `parley gaps`.
var cliName = map[parley.TopicActionKind]string{
	parley.ActResolve: "resolve", parley.ActDismiss: "dismiss", parley.ActRestore: "restore", parley.ActRename: "rename",
	parley.ActMerge: "merge", parley.ActMoveQuestions: "move", parley.ActDismissQuestions: "dismiss-questions",
	parley.ActRestoreQuestions: "restore-questions",
}

// storedGaps is everything a gap action can change, as the store reads it.
type storedGaps struct {
	Topics       []parley.TopicSummary
	Questions    map[int64][]parley.GapQuestion
	ShortAnswers []parley.ShortAnswer
	Audit        []parley.AuditEntry
}

// gapState reads a database's topics, their questions, the short answers
// and the gap actions' audit rows, which must all be by actor; the actor
// is then left out, for comparing surfaces.
func gapState(t *testing.T, db *store.DB, actor string) storedGaps {
	t.Helper()
	ctx := context.Background()
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, frozen)
	if err != nil {
		t.Fatal(err)
	}
	var s storedGaps
	if s.Topics, err = db.Topics(ctx, ws.ID, store.TopicFilter{AnyState: true}); err != nil {
		t.Fatal(err)
	}
	s.Questions = map[int64][]parley.GapQuestion{}
	for _, tp := range s.Topics {
		if s.Questions[tp.ID], err = db.TopicQuestions(ctx, ws.ID, tp.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if s.ShortAnswers, err = db.ShortAnswers(ctx, ws.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	entries, err := db.AuditLog(ctx, ws.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Action, "gap.") {
			continue
		}
		if e.Actor != actor {
			t.Errorf("audit row %+v, want actor %q", e, actor)
		}
		e.ID, e.Actor = 0, ""
		s.Audit = append(s.Audit, e)
	}
	return s
}
