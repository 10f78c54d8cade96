package web_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/testio"
	"github.com/parleyhq/parley/internal/web"
)

func TestObservability(t *testing.T) {
	t.Parallel()
	db, ws := newWorkspace(t, now)
	var logs testio.Buffer
	log := slog.New(web.ContextHandler{Handler: slog.NewJSONHandler(&logs, nil)})
	srv := serveWith(t, db, web.Options{Now: func() time.Time { return now }, Logger: log})
	ingestToken := token(t, db, ws, now, parley.ScopeIngest)
	cl := clientWith(credentials{bearer: ingestToken}, false)

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _, body := getWith(t, http.DefaultClient, srv.URL+path); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	code, h, _ := request(t, cl, newRequest(t, "POST", srv.URL+"/api/v1/events", strings.NewReader("["+started+","+reply+"]"),
		"Content-Type", "application/json", "X-Request-Id", "trace-42"))
	if code != 200 || h.Get("X-Request-Id") != "trace-42" {
		t.Errorf("ingest: %d, request id %q", code, h.Get("X-Request-Id"))
	}
	_, h, _ = request(t, cl, newRequest(t, "POST", srv.URL+"/api/v1/events", strings.NewReader(`[{"id":"bad"}]`)))
	if id := h.Get("X-Request-Id"); len(id) != 16 {
		t.Errorf("a generated request id: %q", id)
	}
	// Visitor text in a query never reaches the log.
	hostileQuery := "/api/v1/conversations?channel=" + url.QueryEscape("<script>secret</script>")
	getWith(t, http.DefaultClient, srv.URL+hostileQuery)

	_, _, metrics := getWith(t, http.DefaultClient, srv.URL+"/metrics")
	for _, want := range []string{
		"parley_events_accepted_total 2",
		"parley_event_batches_rejected_total 1",
		`parley_http_request_seconds_count{method="POST",route="POST /api/v1/events",status="200"} 1`,
		`parley_http_request_seconds_count{method="POST",route="POST /api/v1/events",status="400"} 1`,
		"parley_ingest_batch_seconds_count 1",
		"parley_conversations_due 1",
		"parley_evaluation_lag_seconds",
		"go_goroutines",
		"go_sql_open_connections",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"request_id":"trace-42"`) || !strings.Contains(out, `"route":"POST /api/v1/events"`) {
		t.Errorf("no request line with its id in the log:\n%s", out)
	}
	if strings.Contains(out, "secret") || strings.Contains(out, ingestToken) {
		t.Errorf("the log holds visitor text or a token:\n%s", out)
	}
}

// TestMethodLabelsAreBounded: a request with a method of its own making
// adds no series of its own to /metrics.
func TestMethodLabelsAreBounded(t *testing.T) {
	t.Parallel()
	h := newHostile(t)
	for i := range 3 {
		request(t, http.DefaultClient, newRequest(t, fmt.Sprintf("BREW%d", i), h.srv.URL+"/coffee", nil))
	}
	_, metrics := h.do(t, "GET", "/metrics", "", "", anonymous)
	if strings.Contains(metrics, "BREW") || !strings.Contains(metrics, `method="other"`) {
		t.Errorf("methods made up by clients are labels of their own:\n%s", grepLines(metrics, "parley_http_request_seconds_count"))
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
