package store

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// digestFormat is part of every digest: a release that changes how a
// column covered by the digest is stored changes it, so that every
// conversation's row is written in full once more.
const digestFormat = 1

// digestSize is how much of the SHA-256 is kept: 128 bits, so that two
// different results with one digest are not to be expected in any number
// of conversations.
const digestSize = 16

// digestOf returns the digest of what saving r writes beside the row's
// evaluation stamp (version, generation, evaluated_at, due_at): its
// conversation row's outcome columns, as Save writes them, and its gap
// signals. The contributions are r's encoded ones. Every field is written
// with its length or a fixed size, so that no two results give the same
// bytes.
func digestOf(r *Result) []byte {
	o := &r.Outcome
	b := make([]byte, 0, 256+len(r.encoded))
	str := func(s string) []byte {
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	num := func(n int64) []byte { return binary.AppendVarint(b, n) }
	flag := func(v bool) []byte {
		if v {
			return append(b, 1)
		}
		return append(b, 0)
	}
	instant := func(t time.Time) []byte {
		if b = flag(t.IsZero()); t.IsZero() {
			return b
		}
		b = num(t.Unix())
		return num(int64(t.Nanosecond()))
	}
	b = num(digestFormat)
	b = num(r.LastSeq)
	b = instant(o.StartedAt)
	b = str(r.day)
	b = str(o.Channel)
	b = flag(o.Test)
	b = str(o.TicketURL)
	b = str(string(o.Kind))
	b = str(string(o.Resolution))
	b = num(int64(len(o.Reasons)))
	for _, reason := range o.Reasons {
		b = str(string(reason))
	}
	b = instant(o.DecidedAt)
	b = instant(o.DecisionDueAt)
	b = str(string(o.HandoffInitiator))
	b = str(o.HandoffReason)
	b = flag(o.Reopened)
	b = instant(o.ClosedAt)
	if !o.ClosedAt.IsZero() {
		b = num(o.TimeToClose.Milliseconds())
	}
	b = str(r.encoded)
	b = num(int64(o.DefinitionVersion))
	b = num(int64(len(r.signals)))
	for _, g := range r.signals {
		b = str(g.signal.EventID)
		b = str(string(g.signal.Kind))
		b = instant(g.signal.At)
		b = str(g.day)
		b = str(g.channel)
		b = str(g.signal.Question)
	}
	sum := sha256.Sum256(b)
	return sum[:digestSize]
}
