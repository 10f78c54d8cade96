package web_test

import (
	"net/http"
	"testing"

	"github.com/parleyhq/parley/internal/golden"
)

// TestReportGolden: the performance report of reportData as the API sends
// it, by week over the default range and by day for one channel, is the
// one in testdata/ — every number, name and bucket, on SQLite and on
// PostgreSQL alike. A change to the rule, the rollups or the JSON shows
// here as a change of the file (-update rewrites it).
func TestReportGolden(t *testing.T) {
	t.Parallel()
	srv, _, _ := reportServer(t)
	for name, query := range map[string]string{
		"report-weeks.json":     "",
		"report-days-chat.json": "from=2026-03-09&to=2026-03-20&granularity=day&channel=chat",
	} {
		code, _, body := get(t, srv.URL+"/api/v1/reports/performance?"+query)
		if code != http.StatusOK {
			t.Fatalf("report %s: %d %s", query, code, body)
		}
		golden.JSON(t, name, []byte(body))
	}
}
