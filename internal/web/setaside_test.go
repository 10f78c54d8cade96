package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
	"github.com/parleyhq/parley/internal/web"
)

// setAsideServer serves a workspace holding one conversation, "a<b>/1",
// whose stored event has been damaged so that it cannot be decoded, after
// a pass that set it aside; mend stores the event as it was. The admin is
// admin@example.com; wakes counts the times the server woke the worker.
func setAsideServer(t *testing.T) (srv *httptest.Server, db *store.DB, ws parley.Workspace, w *pipeline.Worker, mend func(), wakes *int) {
	t.Helper()
	ctx := context.Background()
	db, dsn := storetest.NewDSN(t)
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, reportNow)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"id":"e1","type":"message","conversation_id":"a<b>/1","occurred_at":"2026-03-19T10:00:00Z","author":"visitor","text":"hello"}`
	ingestAt(t, db, ws, strings.NewReader(good), reportNow)
	raw := storetest.Raw(t, dsn)
	damage := func(body string) {
		if _, err := raw.ExecContext(ctx, storetest.Rebind(`UPDATE events SET body = ?`), body); err != nil {
			t.Fatal(err)
		}
	}
	damage(`{"id":"e1","text":"<script>`)
	// The conversation is due once more (as after a rebuild) and, with the
	// record its first evaluation kept of its events gone (as when a release
	// keeps records another way), its events are read again and fail.
	if err := db.ResetOutcomes(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM conversation_records`); err != nil {
		t.Fatal(err)
	}
	w = pipeline.New(db, pipeline.Options{Now: func() time.Time { return reportNow }})
	if st, err := w.Pass(ctx); err != nil || st.SetAside != 1 {
		t.Fatalf("pass: %+v, %v; want one set aside", st, err)
	}
	wakes = new(int)
	srv = serveWith(t, db, web.Options{Now: func() time.Time { return reportNow }, OnEvents: func() { *wakes++ }})
	session(t, db, ws, "admin@example.com", parley.RoleAdmin, reportNow)
	return srv, db, ws, w, func() { damage(good) }, wakes
}

// TestSetAsidePage: a conversation whose stored event cannot be decoded is
// listed, with its error, on Settings › Set aside and counted in /metrics;
// an admin's retry makes it due again, and once mended it is evaluated
// and leaves the list.
func TestSetAsidePage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, db, ws, w, mend, wakes := setAsideServer(t)
	cl := clientWith(credentials{cookie: session(t, db, ws, "admin2@example.com", parley.RoleAdmin, reportNow)}, true)
	page := func(code int, _ http.Header, body string) string {
		t.Helper()
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		return body
	}
	body := page(getWith(t, cl, srv.URL+"/settings/set-aside?lang=en"))
	for _, want := range []string{`href="/conversations/a%3Cb%3E%2F1"`, "a&lt;b&gt;/1", "stored body of event", "Retry all"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("the error text is not escaped")
	}
	metrics := page(getWith(t, cl, srv.URL+"/metrics"))
	if !strings.Contains(metrics, "parley_conversations_set_aside 1") {
		t.Error("/metrics does not count the conversation set aside")
	}

	mend()
	body = page(postForm(t, cl, srv.URL+"/settings/set-aside", url.Values{"action": {"retry"}, "conversation": {"a<b>/1"}}))
	if !strings.Contains(body, "1 conversations will be evaluated again") || *wakes != 1 {
		t.Errorf("after the retry (woke the worker %d times): %s", *wakes, body)
	}
	if st, err := w.Pass(ctx); err != nil || st.Conversations != 1 || st.SetAside != 0 {
		t.Fatalf("pass after the retry: %+v, %v", st, err)
	}
	if body := page(getWith(t, cl, srv.URL+"/settings/set-aside?lang=zh-TW")); !strings.Contains(body, "沒有暫置的對話。") {
		t.Errorf("the mended conversation is still listed: %s", body)
	}
	if code, _, _ := postForm(t, cl, srv.URL+"/settings/set-aside", url.Values{"action": {"explode"}}); code != http.StatusBadRequest {
		t.Errorf("an unknown action: %d, want 400", code)
	}
}
