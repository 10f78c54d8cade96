package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestRebuildStartsOverFromMiscountedRollups: a rebuild's generation
// begins as a copy of the complete one only when the copy counts every
// evaluated conversation once. Cells whose conversation counts were
// damaged are not carried forward: the rebuild's cells equal those the
// first evaluation made.
func TestRebuildStartsOverFromMiscountedRollups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, dsn := newWorkspaceDSN(t, "acme")
	insert(t, db, ws, generate(t, 120, 7, 5))
	now := func() time.Time { return end.Add(time.Hour) }
	pass(t, pipeline.New(db, pipeline.Options{Now: now, Batch: 50}))
	want, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	// Every cell of the conversations counted one more, and one cell of
	// resolved conversations one more as well.
	raw := storetest.Raw(t, dsn)
	for _, q := range []string{`UPDATE rollups SET value = value + 1 WHERE metric = 'conversations'`,
		`UPDATE rollups SET value = value + 1 WHERE metric = 'resolved' AND day = (SELECT MIN(day) FROM rollups WHERE metric = 'resolved')`} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pipeline.New(db, pipeline.Options{Now: now, Batch: 50}).Rebuild(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Rollups(ctx, ws.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Cells, got.Cells); diff != "" {
		t.Errorf("cells after the rebuild (-first evaluation +rebuild):\n%s", diff)
	}
}
