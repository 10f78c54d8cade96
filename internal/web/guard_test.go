package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestContentEncoding: a body is read decompressed when it says gzip, on
// every route; any other encoding is refused with 415, not read as text.
func TestContentEncoding(t *testing.T) {
	t.Parallel()
	h := newHostile(t)
	gz := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	event := `{"id":"z1","type":"conversation.started","conversation_id":"z","occurred_at":"2026-03-02T09:00:00Z","channel":"chat"}`
	for _, enc := range []string{"br", "deflate", "compress", "zstd", "gzip, br"} {
		before := h.snapshot(t)
		status, body := h.do(t, "POST", "/api/v1/events", "application/x-ndjson", event, bearer(h.ingest), "Content-Encoding", enc)
		if status != http.StatusUnsupportedMediaType || !strings.Contains(body, `"unsupported"`) {
			t.Errorf("Content-Encoding %s: %d %s, want 415", enc, status, body)
		}
		if after := h.snapshot(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("Content-Encoding %s changed the database", enc)
		}
	}
	if status, body := h.do(t, "POST", "/api/v1/events", "application/x-ndjson", gz(event), bearer(h.ingest), "Content-Encoding", "GZIP"); status != http.StatusOK {
		t.Errorf("gzip events: %d %s", status, body)
	}
	if status, body := h.do(t, "POST", "/api/v1/short-answers", "application/json", gz(`{"question":"Refunds?","answer":"Within 30 days."}`), bearer(h.write), "Content-Encoding", "gzip"); status != http.StatusCreated {
		t.Errorf("a gzip short answer: %d %s", status, body)
	}
	if status, body := h.do(t, "POST", "/api/v1/events", "application/x-ndjson", "not gzip at all", bearer(h.ingest), "Content-Encoding", "gzip"); status != http.StatusBadRequest || !strings.Contains(body, "gzip") {
		t.Errorf("a body that is not gzip: %d %s, want 400 saying so", status, body)
	}
	if status, body := h.do(t, "POST", "/api/v1/events", "application/x-ndjson", gz(strings.Repeat(" ", 11<<20)), bearer(h.ingest), "Content-Encoding", "gzip"); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a small gzip body of 11 MiB inflated: %d %s, want 413", status, body)
	}
}

// TestNothingIsCached: pages, API answers and CSV exports tell browsers
// and proxies to keep no copy; only the versioned static files are kept.
func TestNothingIsCached(t *testing.T) {
	t.Parallel()
	h := newHostile(t)
	admin := cookie(h.admin)
	for _, path := range []string{"/reports", "/conversations", "/gaps", "/settings", "/signin",
		"/api/v1/conversations", "/api/v1/conversations?format=csv", "/api/v1/reports/performance?format=csv&chart=handled", "/api/v1/gaps", "/no-such-page",
		"/settings/tokens", "/settings/sources", "/settings/webhooks", "/api/v1/sources", "/api/v1/webhooks"} {
		req := newRequest(t, "GET", h.srv.URL+path, nil)
		admin(req)
		code, header, _ := request(t, noRedirects, req)
		if got := header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q, want no-store", path, code, got)
		}
	}
	status, page := h.do(t, "GET", "/signin", "", "", anonymous)
	css := regexp.MustCompile(`/static/[^"]+\?v=[0-9a-f]+`).FindString(page)
	if status != 200 || css == "" {
		t.Fatalf("no versioned static file on the sign-in page (%d)", status)
	}
	_, header, _ := getWith(t, http.DefaultClient, h.srv.URL+html.UnescapeString(css))
	if got := header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("%s: Cache-Control %q, want it kept", css, got)
	}
}
