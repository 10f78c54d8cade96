package pipeline_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestRecomputesKeepTwoGenerations: the switch to a recomputed generation
// leaves the replaced generation's cells in place, unread, and the next
// recompute's start drops them, so that however many rebuilds follow, the
// rollup tables hold the cells of the complete generation and of at most
// the one before it, and reports read the complete one alone.
func TestRecomputesKeepTwoGenerations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, w, want, raw := evaluatedInBatches(t)
	for rebuild := 1; rebuild <= 3; rebuild++ {
		if _, err := w.Rebuild(ctx, ws, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.Rollups(ctx, ws.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Cells, got.Cells); diff != "" {
			t.Errorf("rebuild %d: cells (-first evaluation +rebuild):\n%s", rebuild, diff)
		}
		for _, table := range []string{"rollups", "usage_rollups"} {
			var generations int
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(DISTINCT generation) FROM `+table).Scan(&generations); err != nil {
				t.Fatal(err)
			}
			if generations > 2 {
				t.Errorf("after rebuild %d, %s holds the cells of %d generations, want the complete one and the one it replaced", rebuild, table, generations)
			}
		}
	}
}

// evaluatedInBatches makes a workspace of 120 generated conversations and
// evaluates it once, in batches of 50, an hour after the stream; it returns
// the database, the workspace, the worker, the rollups of that evaluation
// and the database opened with its driver alone.
func evaluatedInBatches(t *testing.T) (*store.DB, parley.Workspace, *pipeline.Worker, parley.RollupSet, *sql.DB) {
	t.Helper()
	db, ws, dsn := newWorkspaceDSN(t, "acme")
	insert(t, db, ws, generate(t, 120, 7, 5))
	w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) }, Batch: 50})
	pass(t, w)
	want, err := db.Rollups(context.Background(), ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return db, ws, w, want, storetest.Raw(t, dsn)
}
