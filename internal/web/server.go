// Package web serves Parley over HTTP: the pages, the JSON API under
// /api/v1 and the health endpoint. Handlers translate between HTTP and the
// domain; they hold no business rules of their own, and every route states
// the permission it needs in one table, checked in one place (access.go).
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
)

// Options configure a Server.
type Options struct {
	// Workspace is the slug a signed-in person lands in when they name none
	// and belong to it.
	Workspace string
	// Limits bound an ingest request; zero means ingest.DefaultLimits().
	Limits ingest.Limits
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnEvents, if set, is called after a batch of events is committed,
	// and after a settings change that has every conversation evaluated
	// again, to wake the evaluation worker.
	OnEvents func()
	// SecureCookies marks cookies Secure even on plain HTTP requests, for
	// a server behind a proxy that terminates TLS. Requests that arrive
	// over TLS always get Secure cookies.
	SecureCookies bool
	// Metrics receives the server's measurements and serves /metrics; nil
	// makes a registry of the server's own.
	Metrics *metrics.Metrics
	// IngestConcurrency is how many event batches are decoded and stored
	// at once; the others wait their turn with their bodies read. Decoding
	// is most of ingest's CPU, and forty batches decoded at once on two
	// cores left a page read its 1/40th of the processor. Zero means
	// DefaultIngestConcurrency.
	IngestConcurrency int
	// WebhookPolicy says where webhooks may point.
	WebhookPolicy parley.WebhookPolicy
	// OnWebhook, if set, is called when a delivery was queued to go at
	// once (a test delivery, a replay), to wake the sender.
	OnWebhook func()
	// Timeouts bound slow clients (see HTTPServer); each zero one is no
	// limit. `parley serve` starts from DefaultTimeouts.
	Timeouts Timeouts
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: a request from one of them counts as coming from the
	// address the header names (see clientAddr). Empty: none is.
	TrustedProxies []netip.Prefix
}

// DefaultIngestConcurrency is Options.IngestConcurrency's default: enough
// to keep the database's writes busy (more adds no throughput on a small
// machine), few enough to leave the pages their share of the CPU.
const DefaultIngestConcurrency = 4

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
	// routes lists every route with the permission it needs, for the
	// authorization matrix test.
	routes []Route
	// signins limits sign-in attempts.
	signins *limiter
	metrics *metrics.Metrics
	// ingestSlots holds a token for each batch being decoded and stored.
	ingestSlots chan struct{}
	// reports keeps built reports until the rollups change.
	reports *report.Cache
	// refusals are the unauthenticated deliveries refused, per source.
	refusals refusals
}

// WarmReports builds again the reports people looked at last, once the
// rollups changed, so that the next look finds them ready. The evaluation
// worker calls it after a pass that evaluated something.
func (s *Server) WarmReports(ctx context.Context) error {
	return s.reports.Warm(ctx, s.db, s.now(), s.db.WorkspaceByID)
}

// reportCacheSize is how many reports a server keeps: every filter a few
// people look at, in every workspace, is a few dozen.
const reportCacheSize = 256

// Route is one registered route and what it needs.
type Route struct {
	Pattern string
	Perm    parley.Permission // "" for a public route
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
	if s.opt.IngestConcurrency <= 0 {
		s.opt.IngestConcurrency = DefaultIngestConcurrency
	}
	s.ingestSlots = make(chan struct{}, s.opt.IngestConcurrency)
	s.signins = newLimiter()
	s.reports = report.NewCache(reportCacheSize)
	s.metrics = opt.Metrics
	if s.metrics == nil {
		s.metrics = metrics.New(db, s.now)
	}
	s.assets = newAssets()
	s.pages = parsePages(s.assets)
	s.register()
	s.handler = s.observe(s.guard(http.NewCrossOriginProtection().Handler(s.mux)))
	return s
}

// register declares every route with its permission.
func (s *Server) register() {
	s.publicAPI("GET /healthz", s.healthz)
	s.publicAPI("GET /readyz", s.readyz)
	s.public("GET /metrics", s.metrics.Handler())
	s.publicAPI("GET /api/openapi.json", serveOpenAPI)
	s.public("GET /static/", s.assets)
	s.publicPage("GET /{$}", func(w http.ResponseWriter, r *http.Request, l Lang) error {
		http.Redirect(w, r, "/reports", http.StatusFound)
		return nil
	})
	s.publicPage("GET /signin", s.signinPage)
	s.publicPage("POST /signin", s.postSignin)
	s.publicPage("POST /signout", s.postSignout)
	s.publicPage("GET /setup", s.setupPage)
	s.publicPage("POST /setup", s.postSetup)

	s.api("POST /api/v1/events", parley.PermIngest, s.postEvents)
	// Sources authenticate their deliveries themselves: Chatwoot by the
	// token in the URL and its signature, OTLP by a Bearer token.
	s.publicAPI("POST "+parley.ChatwootHookPath+"{token}", s.postChatwoot)
	s.publicAPI("POST "+parley.OTLPPath+"/v1/traces", s.postTraces)
	s.api("GET /api/v1/sources", parley.PermAdmin, s.getSources)
	s.api("POST /api/v1/sources", parley.PermAdmin, s.postSource)
	s.api("GET /api/v1/sources/{id}", parley.PermAdmin, s.getSource)
	s.api("PATCH /api/v1/sources/{id}", parley.PermAdmin, s.patchSource)
	s.api("DELETE /api/v1/sources/{id}", parley.PermAdmin, s.deleteSource)
	s.api("GET /api/v1/reports/performance", parley.PermRead, s.getPerformance, reportParams("format", "chart")...)
	s.api("GET /api/v1/reports/sources", parley.PermRead, s.getUsage, usageParams("format")...)
	s.api("GET /api/v1/reports/actions", parley.PermRead, s.getUsage, usageParams("format")...)
	s.api("GET /api/v1/conversations", parley.PermRead, s.getConversations, conversationParams("limit", "format")...)
	s.api("GET /api/v1/conversations/{id}", parley.PermRead, s.getConversation)
	s.api("GET /api/v1/gaps", parley.PermRead, s.getGaps, topicParams...)
	s.api("GET /api/v1/gaps/ungrouped", parley.PermRead, s.getUngrouped, "from", "to", "channel")
	s.api("GET /api/v1/gaps/fixes", parley.PermRead, s.getFixes, "sort", "format")
	s.api("GET /api/v1/gaps/{id}", parley.PermRead, s.getGap)
	s.api("POST /api/v1/gaps/{id}/{action}", parley.PermWrite, s.postGapAction)
	s.api("GET /api/v1/short-answers", parley.PermRead, s.getShortAnswers, "updated_since")
	s.api("POST /api/v1/short-answers", parley.PermWrite, s.postShortAnswer)
	s.api("POST /api/v1/short-answers/search", parley.PermRead, s.postShortAnswerSearch)
	s.api("GET /api/v1/short-answers/{id}", parley.PermRead, s.getShortAnswer)
	s.api("PUT /api/v1/short-answers/{id}", parley.PermWrite, s.putShortAnswer)
	s.api("DELETE /api/v1/short-answers/{id}", parley.PermWrite, s.deleteShortAnswer)
	s.api("GET /api/v1/settings", parley.PermAdmin, s.getSettings)
	s.api("PUT /api/v1/settings", parley.PermAdmin, s.putSettings)
	s.api("GET /api/v1/webhooks", parley.PermAdmin, s.getWebhooks)
	s.api("POST /api/v1/webhooks", parley.PermAdmin, s.postWebhook)
	s.api("GET /api/v1/webhooks/{id}", parley.PermAdmin, s.getWebhook)
	s.api("PUT /api/v1/webhooks/{id}", parley.PermAdmin, s.putWebhook)
	s.api("DELETE /api/v1/webhooks/{id}", parley.PermAdmin, s.deleteWebhook)
	s.api("POST /api/v1/webhooks/{id}/{action}", parley.PermAdmin, s.postWebhookAction)
	s.api("GET /api/v1/webhooks/{id}/deliveries", parley.PermAdmin, s.getDeliveries, "state", "event", "before", "limit")
	s.api("GET /api/v1/webhooks/{id}/deliveries/{delivery}", parley.PermAdmin, s.getDelivery)
	s.api("POST /api/v1/webhooks/{id}/deliveries/{delivery}/replay", parley.PermAdmin, s.postReplay)

	s.page("GET /reports", parley.PermRead, s.performancePage, reportParams()...)
	s.page("GET /reports/sources", parley.PermRead, s.usagePage, usageParams()...)
	s.page("GET /reports/actions", parley.PermRead, s.usagePage, usageParams()...)
	s.page("GET /conversations", parley.PermRead, s.conversationsPage, conversationParams()...)
	s.page("GET /conversations/{id}", parley.PermRead, s.conversationPage)
	s.page("GET /gaps", parley.PermRead, s.gapsPage, topicParams...)
	s.page("GET /gaps/fixes", parley.PermRead, s.fixesPage, "sort")
	s.page("GET /gaps/{id}", parley.PermRead, s.topicPage, "done")
	s.page("POST /gaps/{id}", parley.PermWrite, s.postTopic)
	s.page("GET /content", parley.PermRead, s.contentPage, "q", "done")
	s.page("POST /content", parley.PermWrite, s.postContent)
	s.page("GET /content/{id}", parley.PermRead, s.answerPage)
	s.page("POST /content/{id}", parley.PermWrite, s.postAnswer)
	s.page("GET /settings", parley.PermAdmin, s.settingsPage, "done")
	s.page("POST /settings", parley.PermAdmin, s.postSettings)
	s.page("GET /settings/people", parley.PermAdmin, s.peoplePage, "done")
	s.page("POST /settings/people", parley.PermAdmin, s.postPeople)
	s.page("GET /settings/tokens", parley.PermAdmin, s.tokensPage)
	s.page("POST /settings/tokens", parley.PermAdmin, s.postTokens)
	s.page("GET /settings/sources", parley.PermAdmin, s.sourcesPage, "done")
	s.page("POST /settings/sources", parley.PermAdmin, s.postSources)
	s.page("GET /settings/webhooks", parley.PermAdmin, s.webhooksPage)
	s.page("POST /settings/webhooks", parley.PermAdmin, s.postWebhooks)
	s.page("GET /settings/webhooks/{id}", parley.PermAdmin, s.webhookPage, "state", "event", "before", "done")
	s.page("POST /settings/webhooks/{id}", parley.PermAdmin, s.postWebhookPage)
	s.page("GET /settings/webhooks/{id}/deliveries/{delivery}", parley.PermAdmin, s.deliveryPage, "done")
	s.page("GET /settings/audit", parley.PermAdmin, s.auditPage)
	s.page("GET /settings/set-aside", parley.PermAdmin, s.setAsidePage)
	s.page("POST /settings/set-aside", parley.PermAdmin, s.postSetAside)

	s.publicPage("/", func(w http.ResponseWriter, r *http.Request, l Lang) error {
		return parley.Errorf(parley.KindNotFound, "no page at %s", r.URL.Path)
	})
	s.publicAPI("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return parley.Errorf(parley.KindNotFound, "no such API route: %s %s", r.Method, r.URL.Path)
	})
}

// Routes lists every route and the permission it needs.
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP implements http.Handler. Cross-origin browser requests that
// change state are refused before any handler runs, so no form can be
// submitted from another site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// healthz answers as long as the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers, takes writes (unless the
// process is read-only) and has its schema current, so that a load balancer
// sends traffic only to a server that can use it; it says whether the
// database is the primary or a standby, whether the process writes, and the
// lag of the replica it reads from, if any.
// Its 503 answers say what is missing in a body of its own, not the error
// shape: load balancers and people read them, not API clients.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		w.Header().Set("Retry-After", retryUnavailable)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	if err := s.db.CheckWrite(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		w.Header().Set("Retry-After", retryUnavailable)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database not writable"})
	}
	applied, latest, err := s.db.SchemaVersion(ctx)
	if err != nil || applied != latest {
		return writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "applied": applied, "latest": latest})
	}
	role, err := s.db.Role(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "replica unreachable"})
	}
	ready := map[string]any{"status": "ok", "schema_version": applied, "role": role.Primary, "read_only": role.ReadOnly}
	if role.Replica != nil {
		ready["replica"] = role.Replica
	}
	return writeJSON(w, http.StatusOK, ready)
}
