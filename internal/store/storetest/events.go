package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
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
