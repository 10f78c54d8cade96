package storetest_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestSnapshotsSeeEveryWrite: a snapshot taken through the connection
// Snapshots keeps open reads what the store wrote since the last one, and
// equals the one Snapshot opens the database for.
func TestSnapshotsSeeEveryWrite(t *testing.T) {
	t.Parallel()
	db, dsn := storetest.NewDSN(t)
	snap := storetest.Snapshots(t, dsn)
	before := snap(t)
	if diff := cmp.Diff(storetest.Snapshot(t, dsn), before); diff != "" {
		t.Errorf("Snapshots and Snapshot differ (-Snapshot +Snapshots):\n%s", diff)
	}
	if _, err := db.EnsureWorkspace(context.Background(), "acme", at); err != nil {
		t.Fatal(err)
	}
	after := snap(t)
	if len(after["workspaces"]) != len(before["workspaces"])+1 {
		t.Errorf("workspaces: %d rows before, %d after one was made", len(before["workspaces"]), len(after["workspaces"]))
	}
	if diff := cmp.Diff(storetest.Snapshot(t, dsn), after); diff != "" {
		t.Errorf("after the write, Snapshots and Snapshot differ (-Snapshot +Snapshots):\n%s", diff)
	}
}
