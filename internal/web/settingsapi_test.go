package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

// TestSettingsAPI reads and changes settings with an admin token: a change
// names only what it changes, is numbered and audited as the token, and a
// bad one gets a 400 naming each field and writes nothing.
func TestSettingsAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, ingest.Limits{})
	ctx := context.Background()
	ws, err := f.db.Workspace(ctx, parley.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	cl := clientWith(credentials{bearer: token(t, f.db, ws, now, parley.ScopeAdmin)}, false)
	call := func(method, body string) (int, string) {
		t.Helper()
		code, _, b := request(t, cl, newRequest(t, method, f.srv.URL+"/api/v1/settings", strings.NewReader(body), "Content-Type", "application/json"))
		return code, string(b)
	}
	const defaults = `{"version":1,"settings":{"time_zone":"UTC","week_start":"monday","window":"72h","counted_channels":[],"resolution_criterion":"cited_source_or_action","failed_last_action":false}}` + "\n"
	if code, body := call("GET", ""); code != http.StatusOK || body != defaults {
		t.Errorf("GET: %d %s\nwant %s", code, body, defaults)
	}
	code, body := call("PUT", `{"resolution_criterion": "any_agent_reply", "window": "2d", "counted_channels": ["chat"]}`)
	const changed = `{"version":2,"settings":{"time_zone":"UTC","week_start":"monday","window":"48h","counted_channels":["chat"],"resolution_criterion":"any_agent_reply","failed_last_action":false},` +
		`"changed":"window=48h counted_channels=chat resolution_criterion=any_agent_reply","recompute":true}` + "\n"
	if code != http.StatusOK || body != changed {
		t.Errorf("PUT: %d %s\nwant %s", code, body, changed)
	}
	if code, body := call("PUT", `{"week_start": "sunday"}`); code != http.StatusOK || !strings.Contains(body, `"recompute":false`) || !strings.Contains(body, `"version":3`) {
		t.Errorf("PUT week_start: %d %s, want version 3 and no recompute", code, body)
	}

	for _, tt := range []struct {
		body   string
		fields []string
	}{
		{`{"window": 259200000000000}`, []string{"window"}}, // nanoseconds, as the JSON once said
		{`{"window": "10m", "time_zone": "Mars/Olympus"}`, []string{"time_zone", "window"}},
		{`{"failed_last_action": "yes", "resolution_criterion": "anything"}`, []string{"failed_last_action", "resolution_criterion"}},
		{`{"counted_channels": "chat"}`, []string{"counted_channels"}},
		{`{"colour": "red"}`, []string{"colour"}},
		{`["window"]`, []string{"body"}},
		{``, []string{"body"}},
		{`null`, []string{"body"}},
	} {
		code, body := call("PUT", tt.body)
		var reply struct {
			Error struct{ Problems []parley.Problem }
		}
		json.Unmarshal([]byte(body), &reply)
		var fields []string
		for _, p := range reply.Error.Problems {
			fields = append(fields, p.Field)
		}
		if code != http.StatusBadRequest || !cmp.Equal(fields, tt.fields) {
			t.Errorf("PUT %s: %d %s, want 400 naming %v", tt.body, code, body, tt.fields)
		}
	}
	got, _ := f.db.Workspace(ctx, ws.Slug)
	if got.SettingsVersion != 3 || got.Settings.Window.Hours() != 48 || got.Settings.WeekStart != parley.WeekStartSunday {
		t.Errorf("after the refused changes: version %d, %+v", got.SettingsVersion, got.Settings)
	}
	// Every number says which settings made it.
	reader := clientWith(credentials{bearer: token(t, f.db, ws, now, parley.ScopeRead)}, false)
	var rep struct {
		Settings        map[string]any
		SettingsVersion int64 `json:"settings_version"`
	}
	send(t, reader, "GET", f.srv.URL+"/api/v1/reports/performance", "", &rep)
	if rep.SettingsVersion != 3 || rep.Settings["window"] != "48h" || rep.Settings["resolution_criterion"] != "any_agent_reply" {
		t.Errorf("the report was made with settings %v version %d", rep.Settings, rep.SettingsVersion)
	}
	log, _ := f.db.AuditLog(ctx, ws.ID, 10)
	if len(log) != 2 || log[1].Actor != "token [admin]" || log[1].Detail != "version 2: window=48h counted_channels=chat resolution_criterion=any_agent_reply" {
		t.Errorf("audit log %+v", log)
	}
}
