package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
)

// filled returns an event with every field set to a value of its own, by
// reflection, so that a field added to parley.Event and not to the record
// fails TestRecordRoundTrip. Metadata, which the record leaves out, stays
// empty.
func filled(n int) parley.Event {
	var e parley.Event
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case name == "Metadata":
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(time.Date(2026, 3, 2, 9, i, n, 123456789, time.FixedZone("", 8*3600+30*60))))
		case f.Kind() == reflect.String:
			f.SetString(name + " " + string(rune('a'+n)) + " 問題")
		case f.Kind() == reflect.Bool:
			f.SetBool((i+n)%2 == 0)
		case f.Kind() == reflect.Int64:
			f.SetInt(int64(1<<40 + i + n))
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			s := reflect.MakeSlice(f.Type(), n+1, n+1)
			for j := range s.Len() {
				item := s.Index(j)
				for k := range item.NumField() {
					item.Field(k).SetString(item.Type().Field(k).Name + string(rune('0'+j)))
				}
			}
			f.Set(s)
		default:
			panic("filled: no value for parley.Event." + name + " (" + f.Type().String() + "): add it to the record, then here")
		}
	}
	return e
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	for _, events := range [][]parley.Event{
		nil,
		{filled(0)},
		{filled(0), filled(1), {ID: "bare", OccurredAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, filled(2)},
	} {
		b := encodeRecord(42, events)
		rec, err := decodeRecord(string(b), nil)
		if err != nil {
			t.Fatalf("%d events: %v", len(events), err)
		}
		if rec.version != 42 {
			t.Errorf("version %d, want 42", rec.version)
		}
		if n := len(events); n > 0 && rec.lastSeq != events[n-1].Seq {
			t.Errorf("last seq %d, want %d", rec.lastSeq, events[n-1].Seq)
		}
		if diff := cmp.Diff(events, rec.events, cmp.Comparer(func(a, b time.Time) bool {
			// The same instant, written the same way: the zone offset kept.
			return a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
		})); len(events) > 0 && diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		// Every shorter prefix is refused, not misread.
		for n := range len(b) {
			if _, err := decodeRecord(string(b[:n]), nil); err == nil {
				t.Errorf("%d events: a record cut to %d of %d bytes was read", len(events), n, len(b))
			}
		}
	}
	if _, err := decodeRecord(string(append([]byte{recordFormat + 1}, encodeRecord(1, nil)[1:]...)), nil); err == nil {
		t.Error("a record of another format was read")
	}
}

// FuzzRecord: whatever bytes a record column holds, decoding them fails or
// succeeds without panicking, and a record made of events reads back.
func FuzzRecord(f *testing.F) {
	f.Add(encodeRecord(3, []parley.Event{filled(0), filled(1)}), "text", int64(7))
	f.Add([]byte{recordFormat, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f}, "", int64(-1))
	f.Fuzz(func(t *testing.T, b []byte, text string, seq int64) {
		decodeRecord(string(b), nil)
		e := filled(1)
		e.Text, e.Seq = text, seq
		rec, err := decodeRecord(string(encodeRecord(seq, []parley.Event{e})), nil)
		if err != nil || rec.version != seq || len(rec.events) != 1 || rec.events[0].Text != text || rec.events[0].Seq != seq {
			t.Fatalf("round trip of text %q, seq %d: %+v, %v", text, seq, rec, err)
		}
	})
}

// TestEventArena: the slices an arena hands out never share memory and
// cannot grow into each other; after a reset the same memory comes back
// zeroed, but for a block made for one long conversation, which is let go.
func TestEventArena(t *testing.T) {
	t.Parallel()
	var a eventArena
	first, second := a.take(3), a.take(arenaBlock-3)
	if len(first) != 3 || cap(first) != 3 || len(second) != arenaBlock-3 || &first[0] == &second[0] {
		t.Fatalf("take(3), take(%d): len %d cap %d, len %d", arenaBlock-3, len(first), cap(first), len(second))
	}
	first[0].ID, second[0].ID = "one", "two"
	if grown := append(first, parley.Event{ID: "grown"}); &grown[0] == &first[0] || second[0].ID != "two" {
		t.Error("an append to one slice wrote into the arena")
	}
	long := a.take(arenaBlock + 1)
	if len(long) != arenaBlock+1 || len(a.blocks) != 2 {
		t.Fatalf("a take larger than a block: len %d, %d blocks", len(long), len(a.blocks))
	}
	a.reset()
	again := a.take(3)
	if &again[0] != &first[0] || first[0].ID != "" || second[0].ID != "" {
		t.Errorf("after reset: same memory %v, events kept %q %q", &again[0] == &first[0], first[0].ID, second[0].ID)
	}
	if len(a.blocks) != 1 {
		t.Errorf("after reset the arena keeps %d blocks, want the one of arenaBlock", len(a.blocks))
	}
	if none := (*eventArena)(nil); len(none.take(2)) != 2 {
		t.Error("a nil arena gives no events")
	}
}
