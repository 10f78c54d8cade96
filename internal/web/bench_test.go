package web_test

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
)

// BenchmarkPerformancePage measures the server time of the full
// Performance page (and of its JSON) for the last twelve weeks. With
// PARLEY_BENCH_DB it reads that database (see BenchmarkRawGroupBy in the
// store package for the baseline over raw events, and PARLEY_BENCH_NOW for
// the clock); without, a small generated one.
func BenchmarkPerformancePage(b *testing.B) {
	var (
		h      http.Handler
		now    time.Time
		cookie string
	)
	if dsn := os.Getenv("PARLEY_BENCH_DB"); dsn != "" {
		var err error
		now, err = time.Parse(time.RFC3339, cmp.Or(os.Getenv("PARLEY_BENCH_NOW"), "2026-11-24T00:00:00Z"))
		if err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		ws, err := db.EnsureWorkspace(context.Background(), parley.DefaultWorkspace, now)
		if err != nil {
			b.Fatal(err)
		}
		cookie = session(b, db, ws, "bench@example.com", parley.RoleViewer, now)
		h = web.New(db, web.Options{Now: func() time.Time { return now }, Logger: quiet})
	} else {
		srv, _, _ := reportServer(b)
		h, cookie = srv.Config.Handler, adminCookie
	}
	for _, path := range []string{"/reports?range=last_12_weeks", "/api/v1/reports/performance?range=last_12_weeks"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: "parley_session", Value: cookie})
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
			}
		})
	}
}
