package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
)

var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

type fixture struct {
	db  *store.DB
	srv *httptest.Server
	// token may send events to the default workspace.
	token string
}

func newFixture(t *testing.T, lim ingest.Limits) *fixture {
	t.Helper()
	db, ws := newWorkspace(t, now)
	srv := serveWith(t, db, web.Options{Now: func() time.Time { return now }, Limits: lim})
	return &fixture{db: db, srv: srv, token: token(t, db, ws, now, parley.ScopeIngest)}
}

// post sends body to the ingest API with the fixture's token, as deliver
// sends a platform's webhook.
func (f *fixture) post(t *testing.T, path, contentType string, body []byte, header ...string) (int, map[string]any) {
	t.Helper()
	return deliver(t, f.srv.URL+path, body, append([]string{"Content-Type", contentType, "Authorization", "Bearer " + f.token}, header...)...)
}

func (f *fixture) count(t *testing.T, slug string) store.Counts {
	t.Helper()
	ctx := context.Background()
	ws, err := f.db.EnsureWorkspace(ctx, slug, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.db.Count(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const started = `{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-03-02T09:00:00Z","channel":"chat"}`
const reply = `{"id":"e2","type":"message","conversation_id":"c1","occurred_at":"2026-03-02T09:00:05+08:00","author":"customer_agent","text":"Hi","sources":[{"id":"kb-1"}]}`

func TestPostEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		want                    map[string]any
	}{
		{"json array", "application/json", "[" + started + "," + reply + "]",
			200, map[string]any{"accepted": 2.0, "duplicates": 0.0}},
		{"retry is a duplicate", "application/json", "[" + started + "," + reply + "]",
			200, map[string]any{"accepted": 0.0, "duplicates": 2.0}},
		{"ndjson", "application/x-ndjson",
			strings.ReplaceAll(started, `"e1"`, `"e3"`) + "\n" + strings.ReplaceAll(reply, `"e2"`, `"e4"`) + "\n",
			200, map[string]any{"accepted": 2.0, "duplicates": 0.0}},
		{"no content type is sniffed", "", "[" + strings.ReplaceAll(started, `"e1"`, `"e5"`) + "]",
			200, map[string]any{"accepted": 1.0, "duplicates": 0.0}},
		{"one object, as a webhook posts it", "application/json", strings.ReplaceAll(strings.ReplaceAll(started, `"e1"`, `"e6"`), ",", ",\n  "),
			200, map[string]any{"accepted": 1.0, "duplicates": 0.0}},
		{"one object over several lines, sniffed", "", strings.ReplaceAll(strings.ReplaceAll(started, `"e1"`, `"e7"`), ",", ",\n  "),
			200, map[string]any{"accepted": 1.0, "duplicates": 0.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := f.post(t, "/api/v1/events", tt.contentType, []byte(tt.body))
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d (%v)", status, tt.wantStatus, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
	if got, want := f.count(t, parley.DefaultWorkspace), (store.Counts{Events: 7, Conversations: 1}); got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
}

func TestPostEventsInvalidWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	bad := `{"id":"e9","type":"message","conversation_id":"c1","occurred_at":"yesterday","author":"visitor"}`
	status, got := f.post(t, "/api/v1/events", "application/json", []byte("["+started+","+bad+"]"))
	if status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 (%v)", status, got)
	}
	e, _ := got["error"].(map[string]any)
	problems, _ := e["problems"].([]any)
	if e["code"] != "invalid" || len(problems) != 1 {
		t.Fatalf("error = %v, want code invalid with one problem", got)
	}
	p := problems[0].(map[string]any)
	if p["index"] != 1.0 || p["id"] != "e9" || p["field"] != "occurred_at" {
		t.Errorf("problem = %v, want index 1, id e9, field occurred_at", p)
	}
	if c := f.count(t, parley.DefaultWorkspace); c.Events != 0 {
		t.Errorf("a rejected batch stored %d events", c.Events)
	}
}

func TestPostEventsConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	if status, got := f.post(t, "/api/v1/events", "application/json", []byte("["+started+"]")); status != 200 {
		t.Fatalf("status %d: %v", status, got)
	}
	changed := strings.Replace(started, `"chat"`, `"email"`, 1)
	status, got := f.post(t, "/api/v1/events", "application/json", []byte("["+changed+"]"))
	if status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 (%v)", status, got)
	}
	if !strings.Contains(fmt.Sprint(got), "conflict") {
		t.Errorf("reply %v does not mention the conflict", got)
	}
}

func TestPostEventsLimits(t *testing.T) {
	t.Parallel()
	lim := ingest.DefaultLimits()
	lim.MaxBytes = 2048
	lim.MaxEvents = 3
	f := newFixture(t, lim)
	many := "[" + strings.Repeat(started+",", 3) + started + "]"
	if status, got := f.post(t, "/api/v1/events", "application/json", []byte(many)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("4 events over a limit of 3: status %d, want 413 (%v)", status, got)
	}
	big := `[{"id":"x","type":"message","conversation_id":"c","occurred_at":"2026-03-02T09:00:00Z","author":"visitor","text":"` +
		strings.Repeat("a", 4096) + `"}]`
	if status, got := f.post(t, "/api/v1/events", "application/json", []byte(big)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("4 KiB body over a limit of 2 KiB: status %d, want 413 (%v)", status, got)
	}
	if c := f.count(t, parley.DefaultWorkspace); c.Events != 0 {
		t.Errorf("rejected bodies stored %d events", c.Events)
	}
}

func TestPostEventsGzipAndWorkspace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("[" + started + "]"))
	zw.Close()
	if status, got := f.post(t, "/api/v1/events?workspace=globex", "application/json", buf.Bytes(), "Content-Encoding", "gzip"); status != http.StatusNotFound {
		t.Fatalf("a default-workspace token sending to globex: status %d, %v", status, got)
	}
	globex, err := f.db.EnsureWorkspace(context.Background(), "globex", now)
	if err != nil {
		t.Fatal(err)
	}
	status, got := f.post(t, "/api/v1/events", "application/json", buf.Bytes(), "Content-Encoding", "gzip",
		"Authorization", "Bearer "+token(t, f.db, globex, now, parley.ScopeIngest))
	if status != 200 || got["accepted"] != 1.0 {
		t.Fatalf("gzip body: status %d, %v", status, got)
	}
	if c := f.count(t, "globex"); c.Events != 1 {
		t.Errorf("globex holds %d events, want 1", c.Events)
	}
	if c := f.count(t, parley.DefaultWorkspace); c.Events != 0 {
		t.Errorf("default workspace holds %d events, want 0", c.Events)
	}
}

func TestHealthzAndUnknownRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	if code, _, _ := getWith(t, http.DefaultClient, f.srv.URL+"/healthz"); code != 200 {
		t.Errorf("/healthz status %d", code)
	}
	var body map[string]map[string]any
	if code, _ := send(t, http.DefaultClient, "GET", f.srv.URL+"/api/v1/nope", "", &body); code != 404 || body["error"]["code"] != "not_found" {
		t.Errorf("unknown route: status %d, body %v", code, body)
	}
}
