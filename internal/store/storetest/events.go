package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/synth"
)

// BenchBatch is how many events one benchmark batch carries, like a
// typical API request.
const BenchBatch = 1000

// BenchEvents makes n realistic agent replies with canonical bodies, eight
// per conversation, one second apart going back from at (never in the
// future, which ingest would refuse): the rows every ingest
// benchmark writes, so that their numbers compare.
func BenchEvents(tb testing.TB, n int, at time.Time) []ingest.Item {
	tb.Helper()
	items := make([]ingest.Item, n)
	for i := range items {
		e := parley.Event{
			ID: fmt.Sprintf("ev-%09d", i), Type: parley.EventMessage,
			ConversationID: fmt.Sprintf("c-%07d", i/8), OccurredAt: at.Add(-time.Duration(i) * time.Second),
			Channel: "chat", Author: parley.AuthorCustomerAgent,
			Text:    "You can change the delivery address from your account page under Orders › Edit.",
			Sources: []parley.Source{{ID: "kb-12", Title: "Change your delivery address"}},
		}
		body, err := ingest.Canonical(&e)
		if err != nil {
			tb.Fatal(err)
		}
		items[i] = ingest.Item{Index: i % BenchBatch, Event: e, Body: body}
	}
	return items
}

// Synthetic returns the validated events of a generated stream (see
// synth), as ingest would store them; they arrive by the stream's end.
func Synthetic(tb testing.TB, opt synth.Options) ingest.Batch {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := synth.Generate(&buf, opt); err != nil {
		tb.Fatal(err)
	}
	lim := ingest.DefaultLimits()
	lim.MaxBytes, lim.MaxEvents = 1<<30, 1<<30
	b, err := ingest.Decode(&buf, ingest.FormatNDJSON, opt.End, lim)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Items returns events as ingest would store them: each with its canonical
// body, indexed in the order given, as one batch.
func Items(tb testing.TB, events ...parley.Event) []ingest.Item {
	tb.Helper()
	items := make([]ingest.Item, len(events))
	for i, e := range events {
		body, err := ingest.Canonical(&e)
		if err != nil {
			tb.Fatal(err)
		}
		items[i] = ingest.Item{Index: i, Event: e, Body: body}
	}
	return items
}
