// Package source is what the platform mappings share. Its subpackages
// (chatwoot, otlp) translate what a real platform sends into Parley
// events; they are pure, a payload in and events out, with no SQL and no
// HTTP. The web layer authenticates a delivery, calls the mapping, and
// hands the events to Validate and then to the store, the same path as
// events posted to /api/v1/events: the same validation, atomic, idempotent
// and durable before the reply.
package source

import (
	"bytes"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

// Event is one event mapped from a platform's payload.
type Event struct {
	parley.Event
	// ReceiptTimed reports that the payload carried no time for it, so
	// that OccurredAt is the time the payload was received. A platform
	// that delivers the same payload again gives the event the same id
	// and a later time of receipt; the caller keeps the time stored on
	// the first receipt (see AdoptStoredTimes), so that the redelivery is a
	// duplicate rather than a conflict.
	ReceiptTimed bool
}

// MaxText is the most bytes of text ingest takes in one field (SPEC §3:
// 32 KiB). A platform cannot shorten what a visitor wrote, so mappings
// clip longer text instead of failing the delivery; TestMaxTextIsIngests
// holds this to ingest's own limit.
const MaxText = 32 << 10

// Clip cuts s to at most MaxText bytes at a character boundary, and
// reports whether it cut.
func Clip(s string) (string, bool) {
	if len(s) <= MaxText {
		return s, false
	}
	cut := MaxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

// Validate passes mapped events through ingest's validation, exactly as if
// a client had posted them to /api/v1/events: a problem is reported with
// the index of its event in events.
func Validate(events []Event, now time.Time, lim ingest.Limits) (ingest.Batch, error) {
	if len(events) == 0 {
		// A delivery that says nothing Parley counts is no empty body.
		return ingest.Batch{}, nil
	}
	var buf bytes.Buffer
	for i := range events {
		body, err := ingest.Canonical(&events[i].Event)
		if err != nil {
			return ingest.Batch{}, parley.InvalidInput([]parley.Problem{{Index: i, ID: events[i].ID, Message: "cannot be encoded: " + err.Error()}})
		}
		buf.Write(body)
		buf.WriteByte('\n')
	}
	return ingest.Decode(&buf, ingest.FormatNDJSON, now, lim)
}

// AdoptStoredTimes gives each receipt-timed event the time of the stored
// event with its id, if there is one. stored maps event ids to the times
// they were stored with.
func AdoptStoredTimes(events []Event, stored map[string]time.Time) {
	for i := range events {
		if t, ok := stored[events[i].ID]; ok && events[i].ReceiptTimed {
			events[i].OccurredAt = t
		}
	}
}

// ReceiptTimedIDs lists the ids of the receipt-timed events, whose stored
// times the caller looks up before storing them.
func ReceiptTimedIDs(events []Event) []string {
	var ids []string
	for _, e := range events {
		if e.ReceiptTimed {
			ids = append(ids, e.ID)
		}
	}
	return ids
}
