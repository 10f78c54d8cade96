// Package metrics exposes Parley's Prometheus metrics: ingest, HTTP,
// evaluation, the database pools and the Go runtime. It owns its registry,
// so tests and several servers in one process never collide.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Source is what the evaluation gauges read at scrape time; *store.DB is one.
type Source interface {
	OldestDue(ctx context.Context, now time.Time) (time.Time, error)
	DueCount(ctx context.Context, now time.Time) (int64, error)
	SetAsideCount(ctx context.Context) (int64, error)
	Pools() map[string]*sql.DB
}

// Metrics holds the collectors the server and the worker update.
type Metrics struct {
	reg *prometheus.Registry

	EventsAccepted  prometheus.Counter
	EventsDuplicate prometheus.Counter
	BatchesRejected prometheus.Counter
	IngestDuration  prometheus.Histogram
	// IngestWaiting counts the batches read and waiting for their turn to
	// be decoded and stored.
	IngestWaiting prometheus.Gauge
	HTTPDuration  *prometheus.HistogramVec
	// BatchDuration is the time of one evaluation batch's transaction:
	// outcomes saved and rollups refreshed. (The next batch is read and
	// decided meanwhile, so that time is not in it.)
	BatchDuration prometheus.Histogram
	Grouped       prometheus.Counter
}

// New registers every metric; src feeds the gauges read at scrape time,
// now is the clock.
func New(src Source, now func() time.Time) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		EventsAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_events_accepted_total", Help: "Events stored."}),
		EventsDuplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_events_duplicate_total", Help: "Events received again with the same content, not stored twice."}),
		BatchesRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_event_batches_rejected_total", Help: "Event batches refused whole (invalid, conflicting or too large)."}),
		IngestDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_ingest_batch_seconds", Help: "Time to decode, validate and durably store one batch of events.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		IngestWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_ingest_batches_waiting", Help: "Event batches received and waiting for their turn to be decoded and stored."}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_seconds", Help: "HTTP request duration by route and status.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route", "method", "status"}),
		BatchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_evaluation_batch_seconds", Help: "Time to save one batch of evaluated conversations and refresh their rollups, in one transaction.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		Grouped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gap_questions_grouped_total", Help: "Knowledge-gap questions placed in topics."}),
	}
	scrape := func(f func(ctx context.Context) (float64, error)) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			v, err := f(ctx)
			if err != nil {
				return -1
			}
			return v
		}
	}
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_evaluation_lag_seconds",
		Help: "How long the oldest passed decision time has waited for evaluation (0 when none waits; -1 if unreadable).",
	}, scrape(func(ctx context.Context) (float64, error) {
		n := now()
		t, err := src.OldestDue(ctx, n)
		if err != nil || t.IsZero() {
			return 0, err
		}
		return n.Sub(t).Seconds(), nil
	}))
	due := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_conversations_due", Help: "Conversations waiting to be evaluated (-1 if unreadable).",
	}, scrape(func(ctx context.Context) (float64, error) {
		n, err := src.DueCount(ctx, now())
		return float64(n), err
	}))
	aside := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_conversations_set_aside",
		Help: "Conversations whose evaluation failed, set aside until new events, a retry, a rebuild or another release (-1 if unreadable).",
	}, scrape(func(ctx context.Context) (float64, error) {
		n, err := src.SetAsideCount(ctx)
		return float64(n), err
	}))
	reg.MustRegister(aside)
	reg.MustRegister(m.EventsAccepted, m.EventsDuplicate, m.BatchesRejected, m.IngestDuration, m.IngestWaiting, m.HTTPDuration,
		m.BatchDuration, m.Grouped, lag, due,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, pool := range src.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveHTTP records one request. Its labels take few values whatever
// clients send: a method outside HTTP's own is "other", since each new
// label value is a series kept for the life of the process.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE":
	default:
		method = "other"
	}
	m.HTTPDuration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}
