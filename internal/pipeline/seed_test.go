package pipeline_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
	if _, err := w.Rebuild(ctx, ws, nil); err != nil {
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
