package source_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/source"
)

var now = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func message(text string) source.Event {
	return source.Event{Event: parley.Event{ID: "m", Type: parley.EventMessage, ConversationID: "c",
		OccurredAt: now, Author: parley.AuthorVisitor, Text: text}}
}

// TestMaxTextIsIngests holds MaxText to ingest's limit on text: text of
// MaxText bytes passes, one byte more does not.
func TestMaxTextIsIngests(t *testing.T) {
	if _, err := source.Validate([]source.Event{message(strings.Repeat("a", source.MaxText))}, now, ingest.DefaultLimits()); err != nil {
		t.Errorf("MaxText bytes are refused: %v", err)
	}
	_, err := source.Validate([]source.Event{message(strings.Repeat("a", source.MaxText+1))}, now, ingest.DefaultLimits())
	if ps := parley.ProblemsOf(err); len(ps) != 1 || ps[0].Field != "text" {
		t.Errorf("MaxText+1 bytes: %v %+v, want a problem with text", err, ps)
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    int
		clipped bool
	}{
		{"short", 5, false},
		{strings.Repeat("a", source.MaxText), source.MaxText, false},
		{strings.Repeat("a", source.MaxText+1), source.MaxText, true},
		// 3-byte characters: 32768 is not a boundary, 32766 is.
		{strings.Repeat("退", source.MaxText), source.MaxText - 2, true},
	} {
		got, clipped := source.Clip(tt.in)
		if len(got) != tt.want || clipped != tt.clipped || !strings.HasPrefix(tt.in, got) {
			t.Errorf("Clip of %d bytes: %d bytes, clipped %v; want %d, %v", len(tt.in), len(got), clipped, tt.want, tt.clipped)
		}
	}
}

// TestValidate: problems name the mapped event by its index.
func TestValidate(t *testing.T) {
	good := message("hello")
	bad := message("")
	bad.ID, bad.Author = "m2", "robot"
	_, err := source.Validate([]source.Event{good, bad}, now, ingest.DefaultLimits())
	ps := parley.ProblemsOf(err)
	if len(ps) != 1 || ps[0].Index != 1 || ps[0].ID != "m2" || ps[0].Field != "author" {
		t.Fatalf("problems %+v", ps)
	}
	b, err := source.Validate([]source.Event{good}, now, ingest.DefaultLimits())
	if err != nil || len(b.Items) != 1 || b.Items[0].Event.Text != "hello" {
		t.Fatalf("batch %+v, %v", b, err)
	}
}

func TestAdoptStoredTimes(t *testing.T) {
	first := now.Add(-time.Hour)
	events := []source.Event{message("a"), message("b")}
	events[0].ID, events[0].ReceiptTimed = "timed-by-receipt", true
	events[1].ID = "timed-by-payload"
	if got := source.ReceiptTimedIDs(events); len(got) != 1 || got[0] != "timed-by-receipt" {
		t.Fatalf("ReceiptTimedIDs = %v", got)
	}
	source.AdoptStoredTimes(events, map[string]time.Time{"timed-by-receipt": first, "timed-by-payload": first})
	if !events[0].OccurredAt.Equal(first) {
		t.Errorf("the receipt-timed event kept %v", events[0].OccurredAt)
	}
	if !events[1].OccurredAt.Equal(now) {
		t.Errorf("the payload-timed event took the stored time %v", events[1].OccurredAt)
	}
}
