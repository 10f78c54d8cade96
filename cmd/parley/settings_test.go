package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// TestSettingsCommands shows and changes settings from the command line:
// show prints what set reads back, a change is numbered and audited as the
// command line, and a bad one names its field and changes nothing.
func TestSettingsCommands(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	const defaults = "time_zone=UTC\nweek_start=monday\nwindow=72h\ncounted_channels=\nresolution_criterion=cited_source_or_action\nfailed_last_action=false\n"
	r := runParley(t, "", "settings", "--db", dsn)
	if r.code != 0 || r.stdout != defaults || r.stderr != "workspace default, settings version 1\n" {
		t.Errorf("settings: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runParley(t, "", "settings", "set", "--db", dsn, "resolution_criterion=any_agent_reply", "window=2d", "counted_channels=chat, email")
	want := "time_zone=UTC\nweek_start=monday\nwindow=48h\ncounted_channels=chat,email\nresolution_criterion=any_agent_reply\nfailed_last_action=false\n"
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, "settings version 2: changed window=48h counted_channels=chat,email resolution_criterion=any_agent_reply") ||
		!strings.Contains(r.stderr, "evaluated again") {
		t.Errorf("settings set: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// What show prints, set takes back: nothing changes.
	r = runParley(t, "", append([]string{"settings", "set", "--db", dsn}, strings.Fields(want)...)...)
	if r.code != 0 || r.stderr != "nothing changed: workspace default, settings version 2\n" {
		t.Errorf("settings set of every key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runParley(t, "", "settings", "set", "--db", dsn, "--format", "json", "week_start=sunday")
	var change store.SettingsChange
	if err := json.Unmarshal([]byte(r.stdout), &change); r.code != 0 || err != nil || change.Version != 3 || change.Recompute || change.Diff != "week_start=sunday" {
		t.Errorf("settings set --format json: exit %d %s (%v)", r.code, r.stdout, err)
	}
	r = runParley(t, "", "settings", "show", "--db", dsn, "--format", "json")
	var shown parley.VersionedSettings
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || shown.Version != 3 || !cmp.Equal(shown.Settings, change.Settings) {
		t.Errorf("settings show --format json: %s (%v)", r.stdout, err)
	}
	if !strings.Contains(r.stdout, `"window":"48h"`) {
		t.Errorf("the window is not a duration in JSON: %s", r.stdout)
	}

	r = runParley(t, "", "settings", "set", "--db", dsn, "window=10m", "failed_last_action=maybe", "colour=red")
	if r.code != exitFailure || !strings.Contains(r.stderr, "  colour: unknown setting") || !strings.Contains(r.stderr, "  window: must be between 1h and 720h") ||
		!strings.Contains(r.stderr, "  failed_last_action: must be true or false") {
		t.Errorf("bad values: exit %d\n%s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"settings", "set"}, {"settings", "set", "window"}, {"settings", "set", "window=1h", "window=2h"}, {"settings", "show", "x"}} {
		if r := runParley(t, "", append(args, "--db", dsn)...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, r.code, exitUsage, r.stderr)
		}
	}

	db, ws := openWorkspace(t, dsn)
	log, err := db.AuditLog(context.Background(), ws.ID, 10)
	if err != nil || len(log) != 2 || log[0].Actor != cliActor || log[0].Detail != "version 3: week_start=sunday" || ws.SettingsVersion != 3 {
		t.Errorf("version %d, audit log %+v (%v)", ws.SettingsVersion, log, err)
	}
}
