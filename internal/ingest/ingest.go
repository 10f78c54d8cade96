// Package ingest decodes and validates batches of events (SPEC §3). It finds
// every problem in a batch at once, so that a caller can fix all of them in
// one go, and it never hands on a partial batch: either every event is valid
// or the batch is rejected whole.
package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"time"

	"github.com/parleyhq/parley"
)

// Format is how a batch is framed.
type Format int

// The framings of a batch.
const (
	// FormatAuto tells the framing from the body: '[' opens a JSON array,
	// a body that is one JSON object spread over several lines is one
	// event (see OneEvent), and anything else is NDJSON.
	FormatAuto Format = iota
	// FormatJSON is one JSON value: an array of events, or a single event
	// object, as webhook senders post one.
	FormatJSON
	FormatNDJSON
)

// FormatForContentType maps an HTTP Content-Type to a Format.
func FormatForContentType(ct string) Format {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return FormatAuto
	}
	switch mt {
	case "application/json":
		return FormatJSON
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return FormatNDJSON
	}
	return FormatAuto
}

// OneEvent reports whether a whole body is a single JSON object spread over
// several lines (as tools pretty-print one), rather than NDJSON. A one-line
// object is NDJSON of one event, which decodes the same.
func OneEvent(body []byte) bool {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	first, _, multiline := bytes.Cut(t, []byte{'\n'})
	return multiline && !json.Valid(first) && json.Valid(t)
}

// Limits bound a batch and its fields.
type Limits struct {
	MaxBytes  int64         // size of the whole body
	MaxEvents int           // events in one batch
	MaxFuture time.Duration // how far after now occurred_at may lie
}

// Field limits of SPEC §3. They are part of the event contract, not tunable.
const (
	maxIDChars       = 200
	maxTextBytes     = 32 << 10
	maxMetadataBytes = 8 << 10
	maxURLBytes      = 2048
	maxNameChars     = 200
)

// DefaultLimits returns the limits of SPEC §3: 10 MiB, 10,000 events, 24 h.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxEvents: 10000, MaxFuture: 24 * time.Hour}
}

// Item is one valid event of a batch.
type Item struct {
	Index int          // position in the input batch (0-based; NDJSON: among non-blank lines)
	Event parley.Event // Seq is left 0: the store assigns it
	Body  []byte       // canonical JSON of Event
}

// Batch is a validated batch of events, unique by id.
type Batch struct {
	Items []Item
	// Duplicates counts events repeated inside the batch with identical
	// content; they are dropped from Items.
	Duplicates int
}

// Decode reads and validates one batch. On any problem it returns a
// *parley.Error: KindInvalid listing every problem, or KindTooLarge when the
// body or the number of events is over the limit.
func Decode(r io.Reader, f Format, now time.Time, lim Limits) (Batch, error) {
	// One byte more than the limit tells a body at the limit from one over it.
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+min(1, math.MaxInt64-lim.MaxBytes)))
	if err != nil {
		var said *parley.Error
		if errors.As(err, &said) { // the reader said what is wrong (a body not gzip)
			return Batch{}, err
		}
		// The cause is kept so that a caller can tell a client that sent
		// too much (http.MaxBytesError) or too slowly from one that
		// broke off.
		return Batch{}, &parley.Error{Kind: parley.KindInvalid, Message: "body: cannot be read", Err: err}
	}
	return DecodeBytes(data, f, now, lim)
}

// DecodeBytes is Decode of a body already read, as a server reads it
// before it waits for its turn to store it. The batch keeps no reference
// to data.
func DecodeBytes(data []byte, f Format, now time.Time, lim Limits) (Batch, error) {
	if int64(len(data)) > lim.MaxBytes {
		return Batch{}, parley.Errorf(parley.KindTooLarge, "body: larger than %d bytes", lim.MaxBytes)
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 {
		// Nothing is not a batch in any framing: a client that sends
		// nothing has lost its events on the way, and should hear so.
		return Batch{}, parley.InvalidInput([]parley.Problem{parley.FieldProblem("body", "is empty: send an event, a JSON array of events or NDJSON")})
	}
	if f == FormatAuto {
		f = FormatNDJSON
		if (len(t) > 0 && t[0] == '[') || OneEvent(t) {
			f = FormatJSON
		}
	}
	var (
		raws     []json.RawMessage
		problems []parley.Problem
	)
	switch {
	case f == FormatJSON && len(t) > 0 && t[0] == '{':
		// One event; its syntax is checked as it is split into members.
		raws = []json.RawMessage{bytes.TrimRight(t, " \t\r\n")}
	case f == FormatJSON:
		raws, problems = splitArray(data)
	default:
		raws = splitLines(data)
	}
	if len(raws) > lim.MaxEvents {
		return Batch{}, parley.Errorf(parley.KindTooLarge, "body: %d events, at most %d in one batch", len(raws), lim.MaxEvents)
	}

	v := validator{now: now, lim: lim}
	b := Batch{Items: make([]Item, 0, len(raws))}
	seen := make(map[string]int, len(raws)) // id → position in b.Items
	var (
		scratch []byte // the canonical body of one event
		bodies  []byte // where the bodies of the batch's events are kept
	)
	for i, raw := range raws {
		if raw == nil { // a syntax problem already reported
			continue
		}
		e, ok := v.event(i, raw)
		if !ok {
			continue
		}
		var err error
		scratch, err = appendCanonical(scratch[:0], &e, e.Metadata)
		if err != nil {
			v.problem(i, e.ID, "", fmt.Sprintf("cannot be encoded: %v", err))
			continue
		}
		// The bodies are copied into shared blocks: a batch's bodies are
		// stored and dropped together, and one allocation for each would
		// cost the collector more than the copy costs.
		if cap(bodies)-len(bodies) < len(scratch) {
			bodies = make([]byte, 0, max(bodyBlock, len(scratch)))
		}
		start := len(bodies)
		bodies = append(bodies, scratch...)
		body := bodies[start:len(bodies):len(bodies)]
		if j, dup := seen[e.ID]; dup {
			if bytes.Equal(b.Items[j].Body, body) {
				b.Duplicates++
			} else {
				v.problem(i, e.ID, "id", fmt.Sprintf("conflict: event %d of this batch has the same id with different content", b.Items[j].Index))
			}
			continue
		}
		seen[e.ID] = len(b.Items)
		b.Items = append(b.Items, Item{Index: i, Event: e, Body: body})
	}
	problems = append(problems, v.problems...)
	if len(problems) > 0 {
		sortProblems(problems)
		return Batch{}, parley.InvalidInput(problems)
	}
	return b, nil
}

// bodyBlock is the size of the blocks Decode keeps canonical bodies in.
const bodyBlock = 64 << 10

// splitArray cuts a JSON array into its elements. On a syntax error it
// reports the index of the element where the syntax breaks.
func splitArray(data []byte) ([]json.RawMessage, []parley.Problem) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err == nil {
		return raws, nil
	}
	// Walk the array with a decoder to find where it breaks.
	dec := json.NewDecoder(bytes.NewReader(data))
	bad := func(i int, err error) ([]json.RawMessage, []parley.Problem) {
		return nil, []parley.Problem{{Index: i, Field: "", Message: "invalid JSON: " + err.Error()}}
	}
	tok, err := dec.Token()
	if err != nil {
		return bad(0, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return bad(0, errors.New("a JSON array of events, or one event object, is expected"))
	}
	i := 0
	for ; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return bad(i, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad(i, err)
	}
	return bad(i, errors.New("unexpected data after the array"))
}

// splitLines cuts NDJSON into its non-blank lines. Their syntax is checked
// as each is split into members (see validator.event), which reports a line
// that is not valid JSON, so the other lines are still checked.
func splitLines(data []byte) []json.RawMessage {
	raws := make([]json.RawMessage, 0, bytes.Count(data, []byte{'\n'})+1)
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		raws = append(raws, json.RawMessage(line))
	}
	return raws
}

// normalizeObject re-encodes a JSON object compactly with sorted keys and
// numbers kept exactly as written.
func normalizeObject(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
