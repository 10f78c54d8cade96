// Package web serves Parley over HTTP: the JSON API under /api/v1 and the
// health endpoints. Handlers translate between HTTP and the domain; they hold
// no business rules of their own.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
)

// Options configure a Server.
type Options struct {
	// Workspace is the slug API requests use when they name none.
	Workspace string
	// Limits bound an ingest request; zero means ingest.DefaultLimits().
	Limits ingest.Limits
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnEvents, if set, is called after a batch of events is committed,
	// to wake the evaluation worker.
	OnEvents func()
}

// Server is Parley's HTTP handler.
type Server struct {
	db   *store.DB
	opt  Options
	log  *slog.Logger
	mux  *http.ServeMux
	now  func() time.Time
	lims ingest.Limits
	// pages are the parsed HTML templates, assets the embedded static files.
	pages  pages
	assets *assets
	// handler is mux behind cross-origin protection.
	handler http.Handler
}

// New returns a Server backed by db.
func New(db *store.DB, opt Options) *Server {
	s := &Server{db: db, opt: opt, log: opt.Logger, now: opt.Now, lims: opt.Limits, mux: http.NewServeMux()}
	if s.opt.Workspace == "" {
		s.opt.Workspace = parley.DefaultWorkspace
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.lims == (ingest.Limits{}) {
		s.lims = ingest.DefaultLimits()
	}
	s.assets = newAssets()
	s.pages = parsePages(s.assets)
	s.routes()
	s.handler = http.NewCrossOriginProtection().Handler(s.mux)
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("POST /api/v1/events", s.postEvents)
	s.mux.HandleFunc("GET /api/v1/reports/performance", s.getPerformance)
	s.mux.HandleFunc("GET /api/v1/conversations", s.getConversations)
	s.mux.HandleFunc("GET /api/v1/conversations/{id}", s.getConversation)
	s.api("GET /api/v1/gaps", permRead, s.getGaps)
	s.api("GET /api/v1/gaps/{id}", permRead, s.getGap)
	s.api("POST /api/v1/gaps/{id}/{action}", permEdit, s.postGapAction)
	s.api("GET /api/v1/short-answers", permRead, s.getShortAnswers)
	s.api("POST /api/v1/short-answers", permEdit, s.postShortAnswer)
	s.api("POST /api/v1/short-answers/search", permRead, s.postShortAnswerSearch)
	s.api("GET /api/v1/short-answers/{id}", permRead, s.getShortAnswer)
	s.api("PUT /api/v1/short-answers/{id}", permEdit, s.putShortAnswer)
	s.api("DELETE /api/v1/short-answers/{id}", permEdit, s.deleteShortAnswer)
	s.mux.Handle("GET /static/", s.assets)
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/reports", http.StatusFound)
	})
	s.mux.HandleFunc("GET /reports", s.performancePage)
	s.mux.HandleFunc("GET /conversations", s.conversationsPage)
	s.mux.HandleFunc("GET /conversations/{id}", s.conversationPage)
	s.page("GET /gaps", permRead, s.gapsPage)
	s.page("GET /gaps/{id}", permRead, s.topicPage)
	s.page("POST /gaps/{id}", permEdit, s.postTopic)
	s.page("GET /content", permRead, s.contentPage)
	s.page("POST /content", permEdit, s.postContent)
	s.page("GET /content/{id}", permRead, s.answerPage)
	s.page("POST /content/{id}", permEdit, s.postAnswer)
	s.mux.HandleFunc("/", s.notFoundPage)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, parley.Errorf(parley.KindNotFound, "no such API route: %s %s", r.Method, r.URL.Path))
	})
}

// perm is what a route needs of whoever calls it.
type perm string

// The permissions of SPEC §7: reading reports, gaps and short answers, and
// the editor's changes to gaps and short answers.
const (
	permRead perm = "read"
	permEdit perm = "write"
)

// authorize is the one place that decides whether a request may do what a
// route needs in a workspace. Until people and roles exist (SPEC §7),
// Parley runs as a single-team tool and every request may read and edit;
// roles and tokens plug in here without touching a handler.
func (s *Server) authorize(r *http.Request, ws parley.Workspace, p perm) error {
	return nil
}

// api registers a JSON route that acts on the request's workspace after
// authorize allows it.
func (s *Server) api(pattern string, p perm, h func(http.ResponseWriter, *http.Request, parley.Workspace)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ws, err := s.workspace(r.Context(), r)
		if err == nil {
			err = s.authorize(r, ws, p)
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		h(w, r, ws)
	})
}

// page registers an HTML route like api, answering errors with a page in
// the visitor's language.
func (s *Server) page(pattern string, p perm, h func(http.ResponseWriter, *http.Request, parley.Workspace, Lang)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		l := langOf(w, r)
		ws, err := s.workspace(r.Context(), r)
		if err == nil {
			err = s.authorize(r, ws, p)
		}
		if err != nil {
			s.pageError(w, r, l, ws, err)
			return
		}
		h(w, r, ws, l)
	})
}

// ServeHTTP implements http.Handler. Cross-origin browser requests that
// change state are refused before any handler runs, so no form can be
// submitted from another site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// workspace resolves the workspace a request acts on: the `workspace`
// query parameter, else the server's default; created on first use.
func (s *Server) workspace(ctx context.Context, r *http.Request) (parley.Workspace, error) {
	slug := r.URL.Query().Get("workspace")
	if slug == "" {
		slug = s.opt.Workspace
	}
	return s.db.EnsureWorkspace(ctx, slug, s.now())
}
