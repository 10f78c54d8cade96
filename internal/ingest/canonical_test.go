package ingest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// FuzzCanonical holds Canonical to its definition: the bytes
// encoding/json's Marshal writes for the same event, metadata normalized.
func FuzzCanonical(f *testing.F) {
	f.Add("e1", "conv <1> & \u2028\u2029", "hello \"world\"\n\t\b\f\x01\x7f", "kb\xff\xe2\x80", "https://x.test/?a=1&b=2", true, int64(1764000000123456789), `{"b":[1,2.50],"a":"<x>"}`)
	f.Add("", "", "", "", "", false, int64(0), "")
	f.Add("s", "c", "4", "", "", false, int64(1764000000), "") // a csat score: a number, not a string
	f.Add("x", "\\", "日本語 ☃ 𝄞", "", "", true, int64(-62135596800000000), `{}`)
	f.Fuzz(func(t *testing.T, id, conv, text, source, url string, flag bool, nanos int64, metadata string) {
		e := parley.Event{
			ID: id, Type: parley.EventMessage, ConversationID: conv,
			OccurredAt: time.Unix(0, nanos).In(time.FixedZone("", int(nanos%(30*3600)))),
			Channel:    source, TicketURL: url, VisitorID: conv, Test: flag, Author: parley.AuthorCustomerAgent, Text: text,
			Unanswered: !flag, Question: text, Initiator: parley.Initiator(id), Reason: source, MessageID: url,
			Rating: parley.Rating(text), Comment: conv, Assignee: parley.Assignee(source),
		}
		if flag {
			e.Sources = []parley.Source{{ID: source, Title: text}, {ID: id, URL: url}}
			e.Actions = []parley.Action{{Name: text, Status: parley.ActionStatus(id)}, {Name: url}}
		}
		want := e
		if strings.HasPrefix(metadata, "{") && json.Valid([]byte(metadata)) {
			e.Metadata = json.RawMessage(metadata)
			m, err := normalizeObject(e.Metadata)
			if err != nil {
				t.Fatalf("valid metadata %q does not normalize: %v", metadata, err)
			}
			want.Metadata = m
		}
		got, err := Canonical(&e)
		wantBytes, wantErr := json.Marshal(&want)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("Canonical error %v, Marshal error %v", err, wantErr)
		}
		if err == nil && !bytes.Equal(got, wantBytes) {
			t.Fatalf("Canonical differs from Marshal:\n got %s\nwant %s", got, wantBytes)
		}
	})
}
