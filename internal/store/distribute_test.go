package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestEveryTableHasAPlacement holds each migration to saying where its
// tables go on Citus: a table with no workspace_id must be named a
// reference or local table, or Distribute refuses the schema.
func TestEveryTableHasAPlacement(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	cols, err := db.Columns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for table, cs := range cols {
		if _, ok := store.PlacementOf(table, slices.Contains(cs, "workspace_id")); !ok {
			t.Errorf("table %s has no workspace_id and is not a reference or local table: it has no place on Citus", table)
		}
	}
	tests := []struct {
		table       string
		workspaceID bool
		want        store.TablePlacement
		ok          bool
	}{
		{"events", true, store.Distributed, true},
		{"memberships", true, store.Reference, true},
		{"workspaces", false, store.Reference, true},
		{"schema_migrations", false, store.Local, true},
		{"something_new", false, "", false},
	}
	for _, tt := range tests {
		if got, ok := store.PlacementOf(tt.table, tt.workspaceID); got != tt.want || ok != tt.ok {
			t.Errorf("PlacementOf(%s, %v) = %q, %v; want %q, %v", tt.table, tt.workspaceID, got, ok, tt.want, tt.ok)
		}
	}
}

// TestDistributeNeedsCitus: SQLite and PostgreSQL without the extension are
// refused with a reason, and nothing changes.
func TestDistributeNeedsCitus(t *testing.T) {
	t.Parallel()
	if storetest.Citus() {
		t.Skip("the test server is Citus")
	}
	db := storetest.New(t)
	_, err := db.Distribute(context.Background(), store.DistributeOptions{})
	if err == nil || !strings.Contains(err.Error(), "citus") {
		t.Errorf("Distribute on %s: %v, want a refusal naming citus", db.Dialect(), err)
	}
}

// TestDistribute places a database that already holds a workspace, a
// token, a source and events: reference tables copied, the others sharded
// by workspace_id in one colocation group, the coordinator's own copies
// emptied, every row still found; run again it changes nothing.
func TestDistribute(t *testing.T) {
	t.Parallel()
	storetest.CitusOnly(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	// A schema migrated but not distributed yet, as a database that ran on
	// one server before.
	dsn := storetest.PostgresSchema(t, storetest.PostgresURL())
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws, err := db.EnsureWorkspace(ctx, "acme", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(ctx, ws.ID, "ci", "token-hash", "pk_…", []parley.Scope{parley.ScopeIngest}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateSource(ctx, ws.ID, parley.NewSource{Kind: parley.SourceChatwoot, Name: "support"}, "source-hash", "…", now); err != nil {
		t.Fatal(err)
	}
	batch, err := ingest.Decode(strings.NewReader(`{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-11-24T08:00:00Z","channel":"chat"}`),
		ingest.FormatNDJSON, now, ingest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertEvents(ctx, ws.ID, batch); err != nil {
		t.Fatal(err)
	}

	placed, err := db.Distribute(ctx, store.DistributeOptions{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	cols, err := db.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(placed) != len(cols)-1 { // all but schema_migrations
		t.Errorf("placed %d tables of %d", len(placed), len(cols))
	}
	raw := storetest.Raw(t, dsn)
	colocations := map[int64]bool{}
	for _, p := range placed {
		if !p.Done {
			t.Errorf("%s was already placed", p.Table)
		}
		var (
			method, column string
			colocation     int64
		)
		err := raw.QueryRow(`SELECT partmethod, COALESCE(column_to_column_name(logicalrelid, partkey), ''), colocationid
			FROM pg_dist_partition WHERE logicalrelid = $1::regclass`, p.Table).Scan(&method, &column, &colocation)
		if err != nil {
			t.Fatalf("%s: %v", p.Table, err)
		}
		switch p.Placement {
		case store.Reference:
			if method != "n" {
				t.Errorf("%s: partition method %q, want a reference table", p.Table, method)
			}
		case store.Distributed:
			if method != "h" || column != "workspace_id" {
				t.Errorf("%s: partition method %q by %q, want hash by workspace_id", p.Table, method, column)
			}
			colocations[colocation] = true
		}
		// The coordinator's own table is empty (a query of it reads the
		// shards): the rows were moved, not copied.
		var size int64
		if err := raw.QueryRow(`SELECT pg_relation_size($1::regclass)`, p.Table).Scan(&size); err != nil {
			t.Fatal(err)
		}
		if size != 0 {
			t.Errorf("%s: %d bytes left in the coordinator's own table", p.Table, size)
		}
	}
	if len(colocations) != 1 {
		t.Errorf("distributed tables in %d colocation groups, want 1", len(colocations))
	}

	if tok, err := db.UseToken(ctx, "token-hash", now); err != nil || tok.WorkspaceID != ws.ID {
		t.Errorf("token after distributing: %+v, %v", tok, err)
	}
	if src, _, err := db.SourceByToken(ctx, "source-hash"); err != nil || src.WorkspaceID != ws.ID {
		t.Errorf("source after distributing: %+v, %v", src, err)
	}
	if got, err := db.Workspace(ctx, "acme"); err != nil || got.ID != ws.ID {
		t.Errorf("workspace after distributing: %+v, %v", got, err)
	}
	if times, err := db.EventTimes(ctx, ws.ID, []string{"e1"}); err != nil || len(times) != 1 {
		t.Errorf("events after distributing: %v, %v", times, err)
	}

	again, err := db.Distribute(ctx, store.DistributeOptions{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range again {
		if p.Done {
			t.Errorf("distributing again placed %s again", p.Table)
		}
	}
}
