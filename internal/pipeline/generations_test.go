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
		if diff := cmp.Diff(want.Cells, rebuiltCells(t, db, ws, w)); diff != "" {
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

// TestRebuildStartsOverFromMiscountedRollups: a rebuild's generation
// begins as a copy of the complete one only when the copy counts every
// evaluated conversation once. Cells whose conversation counts were
// damaged are not carried forward: the rebuild's cells equal those the
// first evaluation made.
func TestRebuildStartsOverFromMiscountedRollups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, w, want, raw := evaluatedInBatches(t)
	// Every cell of the conversations counted one more, and one cell of
	// resolved conversations one more as well.
	for _, q := range []string{`UPDATE rollups SET value = value + 1 WHERE metric = 'conversations'`,
		`UPDATE rollups SET value = value + 1 WHERE metric = 'resolved' AND day = (SELECT MIN(day) FROM rollups WHERE metric = 'resolved')`} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want.Cells, rebuiltCells(t, db, ws, w)); diff != "" {
		t.Errorf("cells after the rebuild (-first evaluation +rebuild):\n%s", diff)
	}
}

// rebuiltCells rebuilds the workspace with w and returns the cells reports
// read after it.
func rebuiltCells(t *testing.T, db *store.DB, ws parley.Workspace, w *pipeline.Worker) []parley.Rollup {
	t.Helper()
	ctx := context.Background()
	if _, err := w.Rebuild(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return got.Cells
}

// inBatches is a worker that evaluates in batches of 50, an hour after the
// stream.
func inBatches(db *store.DB) *pipeline.Worker {
	return pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) }, Batch: 50})
}

// evaluatedInBatchesDB is a workspace, acme, of 120 generated
// conversations evaluated once by inBatches.
var evaluatedInBatchesDB = storetest.NewDBFixture("evaluated in batches", func(tb testing.TB, db *store.DB) {
	insert(tb, db, ensure(tb, db, "acme"), generate(tb, 120, 7, 5))
	pass(tb, inBatches(db))
})

// evaluatedInBatches returns a copy of evaluatedInBatchesDB: the database,
// the workspace, an inBatches worker, the rollups of that evaluation and
// the database opened with its driver alone.
func evaluatedInBatches(t *testing.T) (*store.DB, parley.Workspace, *pipeline.Worker, parley.RollupSet, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	dsn := evaluatedInBatchesDB.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ws := ensure(t, db, "acme")
	want, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return db, ws, inBatches(db), want, storetest.Raw(t, dsn)
}
