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
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
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
	ctx := context.Background()
	db := storetest.New(b)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, at)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(web.New(db, web.Options{Now: func() time.Time { return at }, Logger: quiet}))
	defer srv.Close()
	secret := token(b, db, ws, at, parley.ScopeIngest)
	items := storetest.BenchEvents(b, b.N, at)
	var bodies [][]byte
	for start := 0; start < len(items); start += storetest.BenchBatch {
		var buf bytes.Buffer
		for _, it := range items[start:min(start+storetest.BenchBatch, len(items))] {
			buf.Write(it.Body)
			buf.WriteByte('\n')
		}
		bodies = append(bodies, buf.Bytes())
	}
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
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-ndjson")
				req.Header.Set("Authorization", "Bearer "+secret)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// reportPercentiles reports the median and the 95th percentile of took.
func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "ms-p95")
}
