package store

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/parleyhq/parley"
)

// A conversation's record (conversation_records, migration 0018) keeps what
// the rule reads from its events, in a compact binary form, so that a
// conversation evaluated again — when its decision time comes, after a
// change of definition, in a rebuild — is decided from one row, read with
// its claim, instead of reading every event row again and decoding every
// JSON body. Evaluation writes it, with the outcome, from
// the events it read; a conversation that gained events since (its version
// moved on) reads only the events after the record's last one.
//
// The record holds every field of the events but Metadata, which the rule
// never reads. A change of what it holds changes recordFormat: a record of
// another format is not used, and the next evaluation writes a new one.

// recordFormat numbers the layout of records; see appendEvent.
const recordFormat = 1

// errRecord is a record that cannot be read: too short, or of another
// format. Evaluation reads the events instead.
var errRecord = errors.New("store: conversation record unreadable")

// record is a decoded conversation record.
type record struct {
	// version is the conversation's version the record was made at: it
	// holds every event while the row's version is still that.
	version int64
	// lastSeq is the arrival number of its last event.
	lastSeq int64
	events  []parley.Event
}

// encodeRecord makes the record of a conversation at version from all of
// its events, in arrival order.
func encodeRecord(version int64, events []parley.Event) []byte {
	b := make([]byte, 0, 64+96*len(events))
	b = append(b, recordFormat)
	b = binary.AppendVarint(b, version)
	b = binary.AppendUvarint(b, uint64(len(events)))
	for i := range events {
		b = appendEvent(b, &events[i])
	}
	return b
}

// appendEvent appends one event: its fields in declaration order, strings
// as a length and bytes, times in time.Time's binary form (the instant and
// its zone offset), flags as one byte, lists as a count and their items.
func appendEvent(b []byte, e *parley.Event) []byte {
	b = binary.AppendVarint(b, e.Seq)
	b = appendString(b, e.ID)
	b = appendString(b, string(e.Type))
	b = appendString(b, e.ConversationID)
	b, _ = e.OccurredAt.AppendBinary(b) // fails only for offsets not in whole minutes, which RFC 3339 cannot write
	b = appendString(b, e.Channel)
	b = appendString(b, e.TicketURL)
	b = appendString(b, e.VisitorID)
	b = appendString(b, string(e.Author))
	b = appendString(b, e.Text)
	b = binary.AppendUvarint(b, uint64(len(e.Sources)))
	for _, s := range e.Sources {
		b = appendString(b, s.ID)
		b = appendString(b, s.Title)
		b = appendString(b, s.URL)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Actions)))
	for _, a := range e.Actions {
		b = appendString(b, a.Name)
		b = appendString(b, string(a.Status))
	}
	var flags byte
	if e.Test {
		flags |= 1
	}
	if e.Unanswered {
		flags |= 2
	}
	b = append(b, flags)
	b = appendString(b, e.Question)
	b = appendString(b, string(e.Initiator))
	b = appendString(b, e.Reason)
	b = appendString(b, e.MessageID)
	b = appendString(b, string(e.Rating))
	b = appendString(b, e.Comment)
	b = appendString(b, string(e.Assignee))
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeRecord reads a record. Its strings share s, so that decoding a
// conversation allocates only its events, which come from a (a new slice
// when a is nil).
func decodeRecord(s string, a *eventArena) (record, error) {
	if len(s) == 0 || s[0] != recordFormat {
		return record{}, errRecord
	}
	r := recordReader{s: s[1:]}
	rec := record{version: r.varint()}
	n := r.uvarint()
	// Every event takes more than a byte: a count beyond what is left is
	// refused before anything is allocated for it.
	if r.err != nil || n > uint64(len(r.s)) {
		return record{}, errRecord
	}
	rec.events = a.take(int(n))
	for i := range rec.events {
		r.event(&rec.events[i])
	}
	if r.err != nil || len(r.s) != 0 {
		return record{}, errRecord
	}
	if n > 0 {
		rec.lastSeq = rec.events[n-1].Seq
	}
	return rec, nil
}

// eventArena hands out the event slices a batch's records decode into,
// from a few large blocks that the next batch uses again (see
// Evaluation.Decided). Decoded one slice each, the events of a rebuild's
// records were a third of everything it allocated, and the collector's work
// followed.
type eventArena struct {
	blocks [][]parley.Event
	// cur is the block take tries first: those before it are full.
	cur int
}

// arenaBlock is how many events a block holds: a batch of a thousand
// conversations of a few events each takes one or two.
const arenaBlock = 4096

// take returns n zeroed events that no other slice of the arena shares,
// with no room to grow: an append to them copies them out.
func (a *eventArena) take(n int) []parley.Event {
	if a == nil {
		return make([]parley.Event, n)
	}
	for ; a.cur < len(a.blocks); a.cur++ {
		if b := a.blocks[a.cur]; cap(b)-len(b) >= n {
			a.blocks[a.cur] = b[:len(b)+n]
			return b[len(b) : len(b)+n : len(b)+n]
		}
	}
	b := make([]parley.Event, n, max(n, arenaBlock))
	a.blocks = append(a.blocks, b)
	return b[:n:n]
}

// reset makes every event of the arena free again, zeroed, so that it
// keeps no string of the records it held alive. A block made larger than
// arenaBlock, for one long conversation, is let go.
func (a *eventArena) reset() {
	a.blocks = slices.DeleteFunc(a.blocks, func(b []parley.Event) bool { return cap(b) > arenaBlock })
	for i, b := range a.blocks {
		clear(b)
		a.blocks[i] = b[:0]
	}
	a.cur = 0
}

// recordReader reads a record's fields from s, noting the first failure.
type recordReader struct {
	s   string
	err error
}

func (r *recordReader) event(e *parley.Event) {
	e.Seq = r.varint()
	e.ID = r.string()
	e.Type = parley.EventType(r.string())
	e.ConversationID = r.string()
	e.OccurredAt = r.time()
	e.Channel = r.string()
	e.TicketURL = r.string()
	e.VisitorID = r.string()
	e.Author = parley.Author(r.string())
	e.Text = r.string()
	if n := r.count(); n > 0 {
		e.Sources = make([]parley.Source, n)
		for i := range e.Sources {
			e.Sources[i] = parley.Source{ID: r.string(), Title: r.string(), URL: r.string()}
		}
	}
	if n := r.count(); n > 0 {
		e.Actions = make([]parley.Action, n)
		for i := range e.Actions {
			e.Actions[i] = parley.Action{Name: r.string(), Status: parley.ActionStatus(r.string())}
		}
	}
	flags := r.byte()
	e.Test, e.Unanswered = flags&1 != 0, flags&2 != 0
	e.Question = r.string()
	e.Initiator = parley.Initiator(r.string())
	e.Reason = r.string()
	e.MessageID = r.string()
	e.Rating = parley.Rating(r.string())
	e.Comment = r.string()
	e.Assignee = parley.Assignee(r.string())
}

func (r *recordReader) fail() { r.err, r.s = errRecord, "" }

// varint reads what binary.AppendVarint wrote: a zig-zag uvarint.
func (r *recordReader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *recordReader) uvarint() uint64 {
	// Most lengths are one byte: read those without the conversion.
	if len(r.s) > 0 && r.s[0] < 0x80 {
		v := uint64(r.s[0])
		r.s = r.s[1:]
		return v
	}
	v, n := binary.Uvarint([]byte(r.s[:min(len(r.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		r.fail()
		return 0
	}
	r.s = r.s[n:]
	return v
}

// count reads the length of a list, which cannot be longer than what is left.
func (r *recordReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *recordReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.fail()
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *recordReader) byte() byte {
	if len(r.s) == 0 {
		r.fail()
		return 0
	}
	c := r.s[0]
	r.s = r.s[1:]
	return c
}

// time reads a time.Time's binary form: a version byte, then 8 bytes of
// seconds, 4 of nanoseconds and 2 of zone offset, and 1 more for version 2.
func (r *recordReader) time() time.Time {
	if len(r.s) == 0 {
		r.fail()
		return time.Time{}
	}
	n := 15
	if r.s[0] == 2 {
		n = 16
	}
	if len(r.s) < n {
		r.fail()
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary([]byte(r.s[:n])); err != nil {
		r.fail()
		return time.Time{}
	}
	r.s = r.s[n:]
	return t
}
