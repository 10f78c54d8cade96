package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// BenchmarkBackfill measures evaluation of stored conversations from
// scratch: each iteration resets a workspace of 20,000 generated
// conversations and evaluates all of them.
func BenchmarkBackfill(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	db := storetest.New(b)
	ws, err := db.EnsureWorkspace(ctx, "acme", end)
	if err != nil {
		b.Fatal(err)
	}
	insert(b, db, ws, generate(b, n, 28, 1))
	w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) }})
	b.ResetTimer()
	for b.Loop() {
		st, err := w.Rebuild(ctx, ws, nil)
		if err != nil || st.Conversations != n {
			b.Fatalf("evaluated %d of %d: %v", st.Conversations, n, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "conversations/s")
}
