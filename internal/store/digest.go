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
	// Most results fit a buffer on the stack: the bytes are only hashed.
	var buf [1024]byte
	b := buf[:0]
	if need := 256 + len(r.encoded); need > len(buf) {
		b = make([]byte, 0, need)
	}
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { b = binary.AppendVarint(b, n) }
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	instant := func(t time.Time) {
		flag(t.IsZero())
		if !t.IsZero() {
			num(t.Unix())
			num(int64(t.Nanosecond()))
		}
	}
	num(digestFormat)
	num(r.LastSeq)
	instant(o.StartedAt)
	str(r.day)
	str(o.Channel)
	flag(o.Test)
	str(o.TicketURL)
	str(string(o.Kind))
	str(string(o.Resolution))
	num(int64(len(o.Reasons)))
	for _, reason := range o.Reasons {
		str(string(reason))
	}
	instant(o.DecidedAt)
	instant(o.DecisionDueAt)
	str(string(o.HandoffInitiator))
	str(o.HandoffReason)
	flag(o.Reopened)
	instant(o.ClosedAt)
	if !o.ClosedAt.IsZero() {
		num(o.TimeToClose.Milliseconds())
	}
	str(r.encoded)
	num(int64(o.DefinitionVersion))
	num(int64(len(r.signals)))
	for _, g := range r.signals {
		str(g.signal.EventID)
		str(string(g.signal.Kind))
		instant(g.signal.At)
		str(g.day)
		str(g.channel)
		str(g.signal.Question)
	}
	sum := sha256.Sum256(b)
	return sum[:digestSize]
}
