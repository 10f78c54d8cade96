package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
)

// TestConversationFilterSurfacesAgree asks the same filter of every surface
// that lists conversations — `parley conversations`, GET
// /api/v1/conversations as JSON and as CSV, and the Conversations page —
// and checks that they select the same conversations, test traffic left
// out by the same default.
func TestConversationFilterSurfacesAgree(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	secret := strings.TrimSpace(mustRun(t, "", "token", "create", "--db", dsn, "--name", "filters", "--scopes", "read"))
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := web.New(db, web.Options{Now: func() time.Time { return frozen }, Logger: slog.New(slog.DiscardHandler)})
	get := func(path string, q url.Values) string {
		t.Helper()
		req := httptest.NewRequest("GET", path+"?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), rec.Code, rec.Body)
		}
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	detail := regexp.MustCompile(`href="/conversations/([^"?]+)"`)

	all := map[string]int{}
	for _, query := range []string{
		"",
		"test=include",
		"test=only",
		"outcome=handled",
		"outcome=decided",
		"outcome=deflected",
		"outcome=deflected,handed_off",
		"outcome=not_handled,pending",
		"resolution=confirmed",
		"reason=human_requested",
		"initiator=customer_agent",
		"channel=chat,email",
		"from=2026-11-15&to=2026-11-17",
		"reopened=true&test=include",
		"outcome=unresolved&reason=no_source_or_action&channel=chat&from=2026-11-12",
	} {
		t.Run(query, func(t *testing.T) {
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"conversations", "--db", dsn, "--format", "json"}
			for k, vs := range q {
				args = append(args, "--"+k, vs[0])
			}
			cli := runParley(t, "", args...)
			if cli.code != 0 {
				t.Fatalf("%v: exit %d: %s", args, cli.code, cli.stderr)
			}
			var fromCLI []string
			for _, c := range readJSONLines[parley.Conversation](t, cli.stdout) {
				fromCLI = append(fromCLI, c.ConversationID)
			}

			api := url.Values{"limit": {"1000"}}
			for k, vs := range q {
				api[k] = vs
			}
			var page struct {
				Conversations []parley.Conversation `json:"conversations"`
				Next          string                `json:"next"`
			}
			if err := json.Unmarshal([]byte(get("/api/v1/conversations", api)), &page); err != nil {
				t.Fatal(err)
			}
			if page.Next != "" {
				t.Fatal("more than one API page; raise the limit")
			}
			var fromAPI []string
			for _, c := range page.Conversations {
				fromAPI = append(fromAPI, c.ConversationID)
			}

			csvQ := url.Values{"format": {"csv"}}
			for k, vs := range q {
				csvQ[k] = vs
			}
			records, err := csv.NewReader(strings.NewReader(get("/api/v1/conversations", csvQ))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var fromCSV []string
			for _, r := range records[1:] {
				fromCSV = append(fromCSV, r[0])
			}

			var fromPage []string
			for _, m := range detail.FindAllStringSubmatch(get("/conversations", q), -1) {
				if id, err := url.PathUnescape(m[1]); err == nil && !slices.Contains(fromPage, id) {
					fromPage = append(fromPage, id)
				}
			}
			firstPage := fromAPI[:min(len(fromAPI), 50)]

			if !slices.Equal(fromCLI, fromAPI) || !slices.Equal(fromCSV, fromAPI) || !slices.Equal(fromPage, firstPage) {
				t.Errorf("CLI %d, API %d, CSV %d, page %d conversations; want the same", len(fromCLI), len(fromAPI), len(fromCSV), len(fromPage))
			}
			all[query] = len(fromAPI)
			t.Logf("%d conversations", len(fromAPI))
		})
	}
	// The cases select something, and the test-traffic default is real.
	if all[""] == 0 || all["test=only"] == 0 || all["test=include"] != all[""]+all["test=only"] {
		t.Errorf("real %d, test %d, both %d: want both = real + test, none empty", all[""], all["test=only"], all["test=include"])
	}
	for _, query := range []string{"outcome=deflected", "resolution=confirmed", "reason=human_requested", "initiator=customer_agent", "from=2026-11-15&to=2026-11-17"} {
		if all[query] == 0 || all[query] >= all[""] {
			t.Errorf("%s selects %d of %d conversations: want some, not all", query, all[query], all[""])
		}
	}
}

// TestChannelListsTrimmed: --channel of `parley report` and `parley gaps
// list` reads a comma-separated list by the rule the web's channel
// parameter and the settings' channel list follow (trimmed, no blanks or
// repeats), so " email , email," asks for what "email" does.
func TestChannelListsTrimmed(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	for _, args := range [][]string{
		{"report", "--db", dsn, "--now", "2026-11-21T00:00:00Z", "--from", "2026-11-16", "--to", "2026-11-20", "--channel"},
		{"gaps", "list", "--db", dsn, "--format", "json", "--channel"},
	} {
		want := mustRun(t, "", append(args, "email")...)
		if got := mustRun(t, "", append(args, " email , email,")...); got != want {
			t.Errorf("%v with a spaced, repeated list printed\n%s\nwant what \"email\" prints:\n%s", args[:2], got, want)
		}
	}
}
