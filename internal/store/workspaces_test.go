package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
)

// TestChangeSettings has a row per setting: the change is numbered and
// audited, and only a setting the rule reads (zone, window, resolution
// definition) resets outcomes for evaluation to recompute.
func TestChangeSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		key, value string
		recompute  bool
	}{
		{"time_zone", "Asia/Taipei", true},
		{"window", "48h", true},
		{"resolution_criterion", "any_agent_reply", true},
		{"failed_last_action", "true", true},
		{"week_start", "sunday", false},
		{"counted_channels", "chat,email", false},
	} {
		t.Run(tt.key, func(t *testing.T) {
			db, ws := acme(t)
			insert(t, db, ws, msg("e1", "c1", 0, "hi"))
			if _, err := pipeline.New(db, pipeline.Options{Now: func() time.Time { return t0.Add(time.Hour) }}).Pass(ctx); err != nil {
				t.Fatal(err)
			}
			if due := dueCount(t, db, ws.ID); due != 0 {
				t.Fatalf("%d conversations due after a pass", due)
			}
			change, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) {
				return s.ApplyText(map[string]string{tt.key: tt.value})
			}, "admin@example.com", t0)
			if err != nil {
				t.Fatal(err)
			}
			if change.Recompute != tt.recompute || change.Version != 2 || change.Diff != tt.key+"="+tt.value {
				t.Errorf("change %+v, want recompute %v, version 2, diff %s=%s", change, tt.recompute, tt.key, tt.value)
			}
			got, err := db.Workspace(ctx, ws.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if got.Settings.Text(tt.key) != tt.value || got.SettingsVersion != 2 || !cmp.Equal(got.Settings, change.Settings) {
				t.Errorf("stored %+v version %d, want %s=%s version 2", got.Settings, got.SettingsVersion, tt.key, tt.value)
			}
			log, err := db.AuditLog(ctx, ws.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("admin@example.com settings.update acme version 2: %s=%s", tt.key, tt.value)
			if len(log) != 1 || fmt.Sprintf("%s %s %s %s", log[0].Actor, log[0].Action, log[0].Subject, log[0].Detail) != want || !log[0].At.Equal(t0) {
				t.Errorf("audit log %+v, want one entry %q", log, want)
			}
			if due := dueCount(t, db, ws.ID); (due == 1) != tt.recompute {
				t.Errorf("%d conversations due after the change, recompute %v", due, tt.recompute)
			}
		})
	}
}

// dueCount counts the workspace's conversations that evaluation would take
// up now.
func dueCount(t *testing.T, db *store.DB, ws int64) int64 {
	t.Helper()
	p, err := db.EvaluationProgress(context.Background(), ws, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return p.Due
}

// TestChangeSettingsRefusesAndNoOps: a change with a problem, or one that
// changes nothing, writes nothing: no version, no audit entry, no reset.
func TestChangeSettingsRefusesAndNoOps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	for _, change := range []map[string]string{
		{"window": "10m", "week_start": "sunday"},
		{"resolution_criterion": "no_human_request"},
		{"colour": "red"},
	} {
		_, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) { return s.ApplyText(change) }, "a", t0)
		if parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("%v: %v, want invalid", change, err)
		}
	}
	c, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) {
		return s.ApplyText(map[string]string{"window": "3d", "resolution_criterion": "cited_source_or_action"})
	}, "a", t0)
	if err != nil || c.Diff != "" || c.Version != 1 || c.Recompute {
		t.Errorf("a change to the same values: %+v, %v", c, err)
	}
	got, _ := db.Workspace(ctx, ws.Slug)
	log, _ := db.AuditLog(ctx, ws.ID, 10)
	if !cmp.Equal(got.Settings, parley.DefaultSettings()) || got.SettingsVersion != 1 || len(log) != 0 {
		t.Errorf("after refused changes: %+v version %d, audit %+v", got.Settings, got.SettingsVersion, log)
	}
	if _, err := db.ChangeSettings(ctx, 9999, func(s parley.Settings) (parley.Settings, error) { return s, nil }, "a", t0); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("an unknown workspace: %v, want not found", err)
	}
}

// TestChangeSettingsConcurrent: changes of different settings made at once
// all apply, each to what the others wrote, and each gets its own number.
func TestChangeSettingsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	changes := []map[string]string{
		{"time_zone": "Asia/Taipei"}, {"week_start": "sunday"}, {"window": "48h"},
		{"counted_channels": "chat"}, {"resolution_criterion": "any_agent_reply"}, {"failed_last_action": "true"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(changes))
	for _, ch := range changes {
		wg.Go(func() {
			_, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) { return s.ApplyText(ch) }, "a", t0)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.Workspace(ctx, ws.Slug)
	want := parley.Settings{TimeZone: "Asia/Taipei", WeekStart: parley.WeekStartSunday, Window: 48 * time.Hour, CountedChannels: []string{"chat"},
		ResolutionCriterion: parley.CriterionAnyAgentReply, FailedLastAction: true}
	if diff := cmp.Diff(want, got.Settings); diff != "" || got.SettingsVersion != int64(1+len(changes)) {
		t.Errorf("version %d, settings (-want +got):\n%s", got.SettingsVersion, diff)
	}
}
