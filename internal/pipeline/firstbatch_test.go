package pipeline_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/pipeline"
)

// TestFirstBatchIsSmall: a walk's first batch is an eighth of the batch
// size, so that writing starts while the next batch is read and decided;
// the batches after it are whole. With batches too small for an eighth to
// be worth a goroutine of deciding, the first batch is whole too.
func TestFirstBatchIsSmall(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		batch int
		want  []int // conversations evaluated after each batch
	}{
		{800, []int{100, 300}},
		{400, []int{300}},
	} {
		db, ws := acme(t)
		insert(t, db, ws, generate(t, 300, 7, 3))
		w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) }, Batch: c.batch})
		var got []int
		var st pipeline.Stats
		if err := w.Workspace(context.Background(), ws, &st, func(st pipeline.Stats) { got = append(got, st.Conversations) }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("batch %d: conversations evaluated after each batch %v, want %v", c.batch, got, c.want)
		}
	}
}
