package web_test

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/testio"
	"github.com/parleyhq/parley/internal/web"
)

// BenchmarkPerformancePage measures the server time of the full
// Performance page (and of its JSON) for the last twelve weeks, as served
// between evaluation passes (the report kept, see report.Cache), and the
// time to build the report model after the rollups changed. With
// PARLEY_BENCH_DB it reads that database (see BenchmarkRawGroupBy in the
// store package for the baseline over raw events, and PARLEY_BENCH_NOW for
// the clock); without, a small generated one.
func BenchmarkPerformancePage(b *testing.B) {
	var (
		h      http.Handler
		now    time.Time
		cookie string
		db     *store.DB
		ws     parley.Workspace
	)
	if dsn := os.Getenv("PARLEY_BENCH_DB"); dsn != "" {
		var err error
		now, err = time.Parse(time.RFC3339, cmp.Or(os.Getenv("PARLEY_BENCH_NOW"), "2026-11-24T00:00:00Z"))
		if err != nil {
			b.Fatal(err)
		}
		if db, err = store.Open(context.Background(), dsn); err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if ws, err = db.EnsureWorkspace(context.Background(), parley.DefaultWorkspace, now); err != nil {
			b.Fatal(err)
		}
		cookie = session(b, db, ws, "bench@example.com", parley.RoleViewer, now)
		h = web.New(db, web.Options{Now: func() time.Time { return now }, Logger: quiet})
	} else {
		var srv *httptest.Server
		srv, db, ws = reportServer(b)
		h, cookie, now = srv.Config.Handler, adminCookie, reportNow
	}
	b.Run("model after a change", func(b *testing.B) {
		req := report.Request{Granularity: report.Week}
		var err error
		if req.From, req.To, err = report.Preset("last_12_weeks").Range(now, ws.Settings); err != nil {
			b.Fatal(err)
		}
		var took []time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := report.Performance(context.Background(), db, ws, req, now); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		reportPercentiles(b, took)
	})
	for _, path := range []string{"/reports?range=last_12_weeks", "/api/v1/reports/performance?range=last_12_weeks"} {
		b.Run(path, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: "parley_session", Value: cookie})
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
				took = append(took, time.Since(start))
			}
			reportPercentiles(b, took)
		})
	}
}

// BenchmarkHTTPIngest measures POST /api/v1/events over loopback: batches
// of storetest.BenchBatch events as NDJSON from four concurrent clients,
// each reply sent after its batch is durable. Compare with the store's
// BenchmarkDriverInsert, the same rows by a plain INSERT loop.
func BenchmarkHTTPIngest(b *testing.B) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db, ws := newWorkspace(b, at)
	srv := serveAt(b, db, at)
	secret := token(b, db, ws, at, parley.ScopeIngest)
	items := storetest.BenchEvents(b, b.N, at)
	bodies := ndjsonBatches(items)
	next := make(chan []byte, len(bodies))
	for _, body := range bodies {
		next <- body
	}
	close(next)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range next {
				code, _, err := testio.PostEvents(http.DefaultClient, srv.URL, secret, bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				if code != http.StatusOK {
					b.Errorf("status %d", code)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReadsUnderIngest measures what a person reading the pages and
// an API client see while the server stores events as fast as forty
// clients can send them (batches of 1,000) and evaluates them, against the
// same reads on an idle server, in one run: the conversation list (API)
// and the Performance page, each read in turn by one client.
func BenchmarkReadsUnderIngest(b *testing.B) {
	srv, db, ws := reportServer(b)
	secret := token(b, db, ws, reportNow, parley.ScopeIngest, parley.ScopeRead)
	items := storetest.BenchEvents(b, 100*storetest.BenchBatch, reportNow)
	bodies := ndjsonBatches(items)
	do := func(req *http.Request) int {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Error(err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	reads := map[string]func() *http.Request{
		"conversations API": func() *http.Request {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/conversations?limit=50", nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			return req
		},
		"Performance page": func() *http.Request {
			req, _ := http.NewRequest("GET", srv.URL+"/reports?range=last_12_weeks", nil)
			req.AddCookie(&http.Cookie{Name: "parley_session", Value: adminCookie})
			return req
		},
	}
	// load sends batches from forty clients and evaluates, until stop.
	load := func(stop chan struct{}) *sync.WaitGroup {
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 40 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					code, _, err := testio.PostEvents(http.DefaultClient, srv.URL, secret, bytes.NewReader(bodies[next.Add(1)%int64(len(bodies))]))
					if err != nil || code != http.StatusOK {
						b.Errorf("ingest: status %d, %v", code, err)
						return
					}
				}
			})
		}
		w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return reportNow }, Interval: time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		wg.Go(func() { w.Run(ctx) })
		wg.Go(func() { <-stop; cancel() })
		return &wg
	}
	for _, loaded := range []bool{false, true} {
		for _, name := range []string{"conversations API", "Performance page"} {
			label := name + "/idle"
			if loaded {
				label = name + "/under ingest"
			}
			b.Run(label, func(b *testing.B) {
				if loaded {
					stop := make(chan struct{})
					wg := load(stop)
					defer func() { close(stop); wg.Wait() }()
					time.Sleep(time.Second) // let the load build up
				}
				var took []time.Duration
				for b.Loop() {
					start := time.Now()
					if code := do(reads[name]()); code != http.StatusOK {
						b.Fatalf("%s: status %d", name, code)
					}
					took = append(took, time.Since(start))
				}
				reportPercentiles(b, took)
			})
		}
	}
}

// reportPercentiles reports the median, the 95th and the 99th percentile
// of took.
func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "ms-p95")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "ms-p99")
}

// ndjsonBatches cuts items into NDJSON bodies of storetest.BenchBatch
// events, as a platform posts them.
func ndjsonBatches(items []ingest.Item) [][]byte {
	var bodies [][]byte
	for start := 0; start < len(items); start += storetest.BenchBatch {
		var buf bytes.Buffer
		for _, it := range items[start:min(start+storetest.BenchBatch, len(items))] {
			buf.Write(it.Body)
			buf.WriteByte('\n')
		}
		bodies = append(bodies, buf.Bytes())
	}
	return bodies
}
