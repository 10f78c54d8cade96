package pipeline_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// ingested300 is a workspace, acme, of 300 generated conversations, not
// evaluated yet: each batch size walks a copy.
var ingested300 = storetest.NewDBFixture("ingested 300", func(tb testing.TB, db *store.DB) {
	insert(tb, db, ensure(tb, db, "acme"), generate(tb, 300, 7, 3))
})

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
		db := ingested300.New(t)
		ws := ensure(t, db, "acme")
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
