package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/parleyhq/parley/internal/embeddings"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/web"
	"github.com/parleyhq/parley/internal/webhook"
)

func (a *app) serveCmd() *ffcli.Command {
	fs := a.flags("serve")
	addr := fs.String("addr", "localhost:8080", "address to listen on (env PARLEY_ADDR)")
	fs.BoolVar(&a.secureCookies, "secure-cookies", false, "mark cookies Secure even on plain HTTP, behind a proxy that terminates TLS (env PARLEY_SECURE_COOKIES)")
	a.serveWebhookFlags(fs)
	fs.StringVar(&a.trustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDR networks of reverse proxies whose X-Forwarded-For names the client (env PARLEY_TRUSTED_PROXIES)")
	t := a.timeouts // the defaults (web.DefaultTimeouts); 0 is no limit
	fs.DurationVar(&a.timeouts.ReadHeader, "read-header-timeout", t.ReadHeader, "time a client has to send a request's headers (env PARLEY_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&a.timeouts.ReadBody, "read-body-timeout", t.ReadBody, "time a client has to send a request's body, after its headers (env PARLEY_READ_BODY_TIMEOUT)")
	fs.DurationVar(&a.timeouts.Write, "write-timeout", t.Write, "longest an answer may stall: before it starts, and between its parts (env PARLEY_WRITE_TIMEOUT)")
	fs.DurationVar(&a.timeouts.Idle, "idle-timeout", t.Idle, "time a kept-alive connection may wait for its next request (env PARLEY_IDLE_TIMEOUT)")
	embedder := a.embeddingFlags(fs)
	a.poolFlags(fs)
	fs.StringVar(&a.dbOpt.ReadDSN, "read-db", "", "PostgreSQL replica (a streaming standby) for reports, conversation lists and gaps; the rest stays on --db (env PARLEY_READ_DB)")
	fs.BoolVar(&a.dbOpt.ReadOnly, "read-only", false, "change no schema, create no workspace, evaluate and deliver nothing: a process that serves reads; found by itself when --db is a standby (env PARLEY_READ_ONLY)")
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "parley serve [--addr HOST:PORT] [--db DSN]",
		ShortHelp:  "Serve the web UI and the API.",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			return a.serve(ctx, *addr, embedder)
		},
	}
}

// poolFlags adds the sizes of the database pools to a serving command's
// flags; they take their defaults from flags, which must come first.
func (a *app) poolFlags(fs *flag.FlagSet) {
	fs.IntVar(&a.dbOpt.IngestConns, "db-ingest-conns", a.dbOpt.IngestConns, "event batches decoded and stored at once, and the PostgreSQL connections for them (env PARLEY_DB_INGEST_CONNS)")
	fs.IntVar(&a.dbOpt.EvaluationConns, "db-evaluation-conns", a.dbOpt.EvaluationConns, "PostgreSQL connections for evaluation, at least 2 (env PARLEY_DB_EVALUATION_CONNS)")
	fs.IntVar(&a.dbOpt.ReadConns, "db-read-conns", a.dbOpt.ReadConns, "connections for the pages and the read API (env PARLEY_DB_READ_CONNS)")
}

// serveWebhookFlags adds the flags of the webhook sender.
func (a *app) serveWebhookFlags(fs *flag.FlagSet) {
	a.webhookFlags(fs)
	fs.DurationVar(&a.webhookTimeout, "webhook-timeout", webhook.DefaultTimeout, "longest a webhook delivery attempt may take (env PARLEY_WEBHOOK_TIMEOUT)")
}

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 10 * time.Second

// serve runs the HTTP server until ctx is done, then shuts down gracefully.
func (a *app) serve(ctx context.Context, addr string, embedder func() (*embeddings.Client, error)) error {
	proxies, err := web.ParseTrustedProxies(a.trustedProxies)
	if err != nil {
		return fmt.Errorf("%w: --%v", errUsage, err)
	}
	db, ws, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	m := metrics.New(db, a.now)
	worker, err := a.worker(db, a.now, embedder)
	if err != nil {
		return err
	}
	worker.SetMetrics(m)
	policy, err := a.webhookPolicy()
	if err != nil {
		return err
	}
	sender := webhook.New(db, webhook.Options{Now: a.now, Policy: policy, Timeout: a.webhookTimeout, Logger: a.log})
	handler := web.New(db, web.Options{IngestConcurrency: a.dbOpt.IngestConns, Workspace: ws.Slug, Now: a.now, Logger: a.log, OnEvents: worker.Wake, SecureCookies: a.secureCookies, Metrics: m,
		WebhookPolicy: policy, OnWebhook: sender.Wake, Timeouts: a.timeouts, TrustedProxies: proxies})
	wctx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	// After a pass that evaluated something the rollups changed: the
	// reports people looked at last are built again now, not when the
	// next person asks, and the deliveries it queued go out.
	worker.SetOnPass(func(st pipeline.Stats, err error) {
		if err != nil || st.Conversations == 0 && st.Grouped == 0 {
			return
		}
		sender.Wake()
		if st.Conversations == 0 {
			return
		}
		if err := handler.WarmReports(wctx); err != nil && wctx.Err() == nil {
			a.log.Warn("could not build reports ahead", "err", err)
		}
	})
	// A read-only process evaluates and delivers nothing: the processes on
	// the primary do.
	background := func(run func(context.Context) error) chan struct{} {
		done := make(chan struct{})
		if db.ReadOnly() {
			close(done)
			return done
		}
		go func() {
			defer close(done)
			run(wctx)
		}()
		return done
	}
	workerDone := background(worker.Run)
	// The sender stops with the worker. An attempt it cuts short is not
	// recorded: its claim lapses and it is sent again after a restart.
	senderDone := background(sender.Run)
	// The worker stops after the HTTP server: the batch in flight
	// finishes and commits, and no new one starts. If that outlasts the
	// grace period, the process exits anyway: the batch's transaction is
	// rolled back and its conversations stay due for the next start.
	defer func() {
		stopWorker()
		select {
		case <-workerDone:
		case <-time.After(shutdownGrace):
			a.log.Warn("evaluation batch still running at the shutdown deadline; it will be redone on the next start")
		}
		<-senderDone
		a.log.Info("stopped")
	}()
	srv := handler.HTTPServer()
	role, err := db.Role(ctx)
	if err != nil {
		return err
	}
	a.log.Info("serving", "url", "http://"+ln.Addr().String(), "db", string(db.Dialect()), "workspace", ws.Slug,
		"role", role.Primary, "read_only", role.ReadOnly, "replica", a.dbOpt.ReadDSN != "")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if a.listening != nil {
		a.listening(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
