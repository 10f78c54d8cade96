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
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("POST /api/v1/events", s.postEvents)
	s.mux.HandleFunc("GET /api/v1/reports/performance", s.getPerformance)
	s.mux.HandleFunc("GET /api/v1/conversations", s.getConversations)
	s.mux.HandleFunc("GET /api/v1/conversations/{id}", s.getConversation)
	s.mux.Handle("GET /static/", s.assets)
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/reports", http.StatusFound)
	})
	s.mux.HandleFunc("GET /reports", s.performancePage)
	s.mux.HandleFunc("GET /conversations", s.conversationsPage)
	s.mux.HandleFunc("GET /conversations/{id}", s.conversationPage)
	s.mux.HandleFunc("/", s.notFoundPage)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, parley.Errorf(parley.KindNotFound, "no such API route: %s %s", r.Method, r.URL.Path))
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
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
