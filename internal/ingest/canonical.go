package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// Canonical returns the canonical JSON of a valid event: the form that is
// stored, and whose bytes tell a retried duplicate from a conflict.
//
// The canonical form is defined as what encoding/json's Marshal writes for
// parley.Event (FuzzCanonical holds the two byte for byte), and events
// stored long ago were written by it. It is written here field by field
// because Marshal's reflection took an eighth of the CPU of an ingest.
func Canonical(e *parley.Event) ([]byte, error) {
	metadata := e.Metadata
	if len(metadata) > 0 {
		m, err := normalizeObject(metadata)
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		metadata = m
	}
	return appendCanonical(make([]byte, 0, 256+len(e.Text)+len(metadata)), e, metadata)
}

// appendCanonical appends the canonical JSON of e to b, with the event's
// metadata already normalized, as Decode holds it.
func appendCanonical(b []byte, e *parley.Event, metadata json.RawMessage) ([]byte, error) {
	// Marshal refuses what RFC 3339 cannot express; so does Canonical.
	if y := e.OccurredAt.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("occurred_at: year %d outside [0, 9999]", y)
	}
	if _, offset := e.OccurredAt.Zone(); offset <= -24*3600 || offset >= 24*3600 {
		return nil, fmt.Errorf("occurred_at: zone offset %ds is a day or more", offset)
	}
	b = appendField(b, `{"id":`, e.ID)
	b = appendField(b, `,"type":`, string(e.Type))
	b = appendField(b, `,"conversation_id":`, e.ConversationID)
	b = append(b, `,"occurred_at":"`...)
	b = e.OccurredAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendOptional(b, `,"channel":`, e.Channel)
	if len(metadata) > 0 {
		b = append(b, `,"metadata":`...)
		b = append(b, metadata...)
	}
	b = appendOptional(b, `,"ticket_url":`, e.TicketURL)
	b = appendOptional(b, `,"visitor_id":`, e.VisitorID)
	b = appendTrue(b, `,"test":true`, e.Test)
	b = appendOptional(b, `,"author":`, string(e.Author))
	b = appendOptional(b, `,"text":`, e.Text)
	b = appendArray(b, `,"sources":[`, e.Sources, func(b []byte, s parley.Source) []byte {
		b = appendField(b, `{"id":`, s.ID)
		b = appendOptional(b, `,"title":`, s.Title)
		b = appendOptional(b, `,"url":`, s.URL)
		return append(b, '}')
	})
	b = appendArray(b, `,"actions":[`, e.Actions, func(b []byte, a parley.Action) []byte {
		b = appendField(b, `{"name":`, a.Name)
		b = appendOptional(b, `,"status":`, string(a.Status))
		return append(b, '}')
	})
	b = appendTrue(b, `,"unanswered":true`, e.Unanswered)
	b = appendOptional(b, `,"question":`, e.Question)
	b = appendOptional(b, `,"initiator":`, string(e.Initiator))
	b = appendOptional(b, `,"reason":`, e.Reason)
	b = appendOptional(b, `,"message_id":`, e.MessageID)
	if _, score := e.Rating.Score(); score {
		b = append(append(b, `,"rating":`...), e.Rating...)
	} else {
		b = appendOptional(b, `,"rating":`, string(e.Rating))
	}
	b = appendOptional(b, `,"comment":`, e.Comment)
	b = appendOptional(b, `,"assignee":`, string(e.Assignee))
	return append(b, '}'), nil
}

// SameContent reports whether a stored body and a new canonical body hold
// the same event, for an id whose bodies differ byte for byte. They can
// when the stored one was written before the canonical form last changed:
// since then, times are written in UTC, so an event stored with its
// caller's offset and sent again is still a duplicate.
func SameContent(stored, body []byte) bool {
	var e parley.Event
	if err := json.Unmarshal(stored, &e); err != nil {
		return false
	}
	e.OccurredAt = e.OccurredAt.UTC()
	again, err := Canonical(&e)
	return err == nil && bytes.Equal(again, body)
}

// appendArray appends an array member — its name with what precedes it
// and the bracket, such as `,"sources":[` — writing each item with write;
// nothing when there are no items, as omitempty leaves it out.
func appendArray[T any](b []byte, open string, items []T, write func(b []byte, item T) []byte) []byte {
	if len(items) == 0 {
		return b
	}
	b = append(b, open...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = write(b, it)
	}
	return append(b, ']')
}

// appendField appends a member's name (with what precedes it) and its
// string value.
func appendField(b []byte, name, value string) []byte {
	return appendString(append(b, name...), value)
}

// appendOptional is appendField for an omitempty member.
func appendOptional(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	return appendField(b, name, value)
}

// appendTrue appends member when an omitempty bool is set.
func appendTrue(b []byte, member string, set bool) []byte {
	if !set {
		return b
	}
	return append(b, member...)
}

// appendString appends s as a JSON string the way encoding/json writes it:
// <, > and & escaped for HTML, control characters in their short form where
// one exists, U+2028 and U+2029 escaped for JavaScript, and each byte of
// invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = strconv.AppendInt(b, int64(r-'\u2028'+8), 16)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
