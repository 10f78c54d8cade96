package ingest_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

// FuzzDecode checks the decoder's promises on arbitrary input: it never
// panics; it returns a batch or an invalid/too-large error; problem indexes
// lie within the batch; and every accepted event's canonical body decodes
// back to the same event.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("[" + event("message", nil) + "]"))
	f.Add([]byte(event("conversation.started", obj{"metadata": obj{"b": 1, "a": []any{nil, 2.5}}}) + "\n" + event("handoff", obj{"id": "h"})))
	f.Add([]byte(event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "x"}}, "actions": []obj{{"name": "y", "status": "failed"}}})))
	f.Add([]byte(`[{"id":1},"x",null,[]]`))
	f.Add([]byte(`{"id":"o","type":"conversation.started","conversation_id":"c","occurred_at":"2026-11-24T09:00:00Z","channel":"web","metadata":{ "0":[],"":0 }}`))
	f.Add([]byte("{\"id\":\"\\u00e9\\ud800\",\"type\":\"message\"}\n{oops"))
	f.Add([]byte(`[{"id":"a","type":"feedback","conversation_id":"c","occurred_at":"2026-11-24T09:00:00+14:00","message_id":"m","rating":"negative"}]`))
	f.Add([]byte(`{"id":"s","type":"csat","conversation_id":"c","occurred_at":"2026-11-24T09:00:00Z","rating":4,"comment":"fine"}`))
	f.Add([]byte("{\n  \"id\": \"p\",\n  \"type\": \"conversation.closed\",\n  \"conversation_id\": \"c\",\n  \"occurred_at\": \"2026-11-24T09:00:00Z\"\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := ingest.DefaultLimits()
		lim.MaxEvents = 50
		b, err := ingest.Decode(bytes.NewReader(data), ingest.FormatAuto, now, lim)
		if err != nil {
			kind := parley.KindOf(err)
			if kind != parley.KindInvalid && kind != parley.KindTooLarge {
				t.Fatalf("error of kind %s: %v", kind, err)
			}
			n := strings.Count(string(data), "\n") + len(data) // a generous bound on the number of items
			for _, p := range parley.ProblemsOf(err) {
				if p.Index == -1 && p.Field == "body" {
					continue // a problem with the whole body
				}
				if p.Index < 0 || p.Index > n {
					t.Fatalf("problem index %d out of range: %+v", p.Index, p)
				}
			}
			return
		}
		for _, it := range b.Items {
			again, err := ingest.Decode(bytes.NewReader(it.Body), ingest.FormatNDJSON, now, lim)
			if err != nil {
				t.Fatalf("canonical body %s does not decode: %v %v", it.Body, err, parley.ProblemsOf(err))
			}
			if len(again.Items) != 1 {
				t.Fatalf("canonical body %s decodes to %d items", it.Body, len(again.Items))
			}
			if diff := cmp.Diff(it.Event, again.Items[0].Event); diff != "" {
				t.Fatalf("round trip changed the event (-first +again):\n%s", diff)
			}
			if !bytes.Equal(it.Body, again.Items[0].Body) {
				t.Fatalf("canonical body is not stable:\n%s\n%s", it.Body, again.Items[0].Body)
			}
		}
	})
}
