package pipeline_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"

	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/proc"
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
	ws := ensure(b, db, "acme")
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
	ws := ensure(b, db, "acme")
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

// BenchmarkGapBatch evaluates and groups one batch in one pass. The
// hostile batch is what a sender may post within every ingest limit: 300
// conversations, each an unanswered reply whose question is 32,000
// characters of words (9.7 MB). Grouping reads each question to its first
// gaps.QuestionBudget characters, so the batch should cost about what an
// ordinary batch of the same size does — sample conversations
// (internal/synth) until their events weigh as much ("same-size"), which
// is what bounds the cost a sender can impose per byte sent. "ordinary" is
// 300 conversations of the hostile shape whose questions are six of the
// same words, as long as a usual question: 300 questions that differ only
// in their length from the hostile ones. Run each
// alone: peak-MB is the whole process's.
func BenchmarkGapBatch(b *testing.B) {
	hostile := gapBatch(b, 300, 32000/6)
	for _, tt := range []struct {
		name  string
		items func() []ingest.Item
	}{
		{"ordinary", func() []ingest.Item { return gapBatch(b, 300, 6) }},
		{"hostile", func() []ingest.Item { return hostile }},
		{"same-size", func() []ingest.Item { return sampleOfSize(b, bodySize(hostile)) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			ctx := context.Background()
			items := tt.items()
			var (
				st  pipeline.Stats
				cpu time.Duration
			)
			for b.Loop() {
				b.StopTimer()
				db := storetest.New(b)
				ws := ensure(b, db, "acme")
				insert(b, db, ws, items)
				w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end.Add(time.Hour) }})
				runtime.GC() // the setup's garbage is not the pass's
				b.StartTimer()
				before := proc.CPUTime()
				var err error
				if st, err = w.Pass(ctx); err != nil {
					b.Fatal(err)
				}
				cpu += proc.CPUTime() - before
			}
			if st.Grouped == 0 {
				b.Fatal("grouped no question")
			}
			b.ReportMetric(peakRSS(), "peak-MB")
			// The processor time, which a busy machine does not inflate
			// the way it does the wall clock's.
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(bodySize(items))/1e6, "body-MB")
			b.ReportMetric(float64(st.Conversations), "conversations")
			b.ReportMetric(float64(st.Grouped), "questions")
		})
	}
}

// bodySize is the size of a batch's events as sent.
func bodySize(items []ingest.Item) int {
	n := 0
	for _, it := range items {
		n += len(it.Body)
	}
	return n
}

// sampleOfSize returns the sample desk's conversations, whole, whose
// events weigh at least size bytes: an ordinary batch of that size.
func sampleOfSize(tb testing.TB, size int) []ingest.Item {
	for n := 1000; ; n *= 2 {
		items := generate(tb, n, 28, 1)
		total := 0
		for i, it := range items {
			// Generated conversations come whole, one after another.
			if total >= size && it.Event.ConversationID != items[i-1].Event.ConversationID {
				return items[:i]
			}
			total += len(it.Body)
		}
	}
}

// gapBatch makes n conversations of a visitor message and an unanswered
// reply whose question is that many words drawn from a few dozen ordinary
// questions': about 32,000 characters for 5,333.
func gapBatch(tb testing.TB, n, words int) []ingest.Item {
	ordinary := []string{"can I pay with klarna", "do you ship to iceland", "is gift wrapping available",
		"how do I reset my password", "when will my refund arrive", "can I change my delivery address",
		"do you offer a student discount", "where is my order", "can I return a sale item", "退貨要多久才會退款"}
	r := rand.New(rand.NewPCG(1, 2))
	var vocab []string
	for _, q := range ordinary {
		vocab = append(vocab, strings.Fields(q)...)
	}
	var items []ingest.Item
	for i := range n {
		ws := make([]string, words)
		for j := range ws {
			ws[j] = vocab[r.IntN(len(vocab))]
		}
		q := strings.Join(ws, " ")
		conv := fmt.Sprintf("c%d", i)
		at := end.Add(-time.Duration(n-i) * time.Minute)
		for _, e := range []parley.Event{
			{ID: conv + "-v", Type: parley.EventMessage, ConversationID: conv, OccurredAt: at, Author: parley.AuthorVisitor, Text: "hello"},
			{ID: conv + "-a", Type: parley.EventMessage, ConversationID: conv, OccurredAt: at.Add(time.Second), Author: parley.AuthorCustomerAgent,
				Text: "Sorry.", Unanswered: true, Question: q},
		} {
			body, err := ingest.Canonical(&e)
			if err != nil {
				tb.Fatal(err)
			}
			items = append(items, ingest.Item{Index: len(items), Event: e, Body: body})
		}
	}
	return items
}

// peakRSS is proc.PeakRSS of this process, 0 where Linux does not say.
func peakRSS() float64 {
	mb, _ := proc.PeakRSS(0)
	return mb
}
