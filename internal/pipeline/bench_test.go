package pipeline_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
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

// BenchmarkSharedBackfill measures how several processes share a backfill:
// each "process" is a worker with its own connection pool, all passing over
// the same 20,000 conversations at once. It reports the stored event rows
// read in all, per event: 1 when the work is shared, N when every process
// reads everything.
func BenchmarkSharedBackfill(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	dsn := storetest.DSN(b)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ws, err := db.EnsureWorkspace(ctx, "acme", end)
	if err != nil {
		b.Fatal(err)
	}
	items := generate(b, n, 28, 1)
	insert(b, db, ws, items)
	now := func() time.Time { return end.Add(time.Hour) }
	for _, procs := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			dbs := make([]*store.DB, procs)
			for i := range dbs {
				if dbs[i], err = store.Open(ctx, dsn); err != nil {
					b.Fatal(err)
				}
				defer dbs[i].Close()
			}
			var read int64
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				if err := db.ResetOutcomes(ctx, ws.ID); err != nil {
					b.Fatal(err)
				}
				before := int64(0)
				for _, d := range dbs {
					before += d.EventRowsRead()
				}
				b.StartTimer()
				var wg sync.WaitGroup
				counts := make([]int, procs)
				for i, d := range dbs {
					wg.Go(func() {
						st, err := pipeline.New(d, pipeline.Options{Now: now}).Pass(ctx)
						if err != nil {
							b.Error(err)
						}
						counts[i] = st.Conversations
					})
				}
				wg.Wait()
				b.StopTimer()
				total := 0
				for _, c := range counts {
					total += c
				}
				if total != n {
					b.Fatalf("evaluated %d conversations, want %d", total, n)
				}
				for _, d := range dbs {
					read += d.EventRowsRead()
				}
				read -= before
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "conversations/s")
			b.ReportMetric(float64(read)/float64(len(items)*b.N), "rows-read/event")
		})
	}
}
