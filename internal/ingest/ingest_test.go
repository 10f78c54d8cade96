package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// event returns a valid event of the given type as a JSON object, with
// extra fields merged in (a nil value removes the field).
func event(typ string, extra map[string]any) string {
	m := map[string]any{
		"id": "e1", "type": typ, "conversation_id": "c1", "occurred_at": "2026-11-24T09:00:00Z",
	}
	switch typ {
	case "conversation.started":
		m["channel"] = "chat"
	case "message":
		m["author"] = "visitor"
	case "handoff":
		m["initiator"] = "rule"
	case "feedback":
		m["message_id"] = "e0"
		m["rating"] = "positive"
	case "assigned":
		m["assignee"] = "customer_agent"
	case "csat":
		m["rating"] = 5
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type obj = map[string]any

// replace puts raw JSON text where a placeholder was marshalled, for what
// encoding/json would not write: invalid UTF-8, lone surrogates.
func replace(body, placeholder, raw string) string {
	if !strings.Contains(body, placeholder) {
		panic("no " + placeholder + " in " + body)
	}
	return strings.Replace(body, placeholder, raw, 1)
}

func decode(body string) (ingest.Batch, error) {
	return ingest.Decode(strings.NewReader(body), ingest.FormatAuto, now, ingest.DefaultLimits())
}

// TestRules has one row per rule of SPEC §3: wantField is the field the
// single problem must name ("" for a valid event), wantWord a word its
// message must contain.
func TestRules(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name                string
		body                string
		wantField, wantWord string
	}{
		{"valid started", event("conversation.started", obj{"ticket_url": "https://t.example.com/1", "visitor_id": "v1", "test": true}), "", ""},
		{"valid agent reply", event("message", obj{"author": "customer_agent", "text": "hi", "sources": []obj{{"id": "kb1", "title": "T", "url": "https://k"}},
			"actions": []obj{{"name": "refund", "status": "failed"}}, "unanswered": true, "question": "why?"}), "", ""},
		{"valid handoff", event("handoff", obj{"reason": "cannot_answer", "question": "q"}), "", ""},
		{"valid feedback", event("feedback", obj{"comment": "thanks"}), "", ""},
		{"valid assigned", event("assigned", nil), "", ""},
		{"valid closed", event("conversation.closed", nil), "", ""},
		{"valid csat", event("csat", obj{"rating": 1, "comment": "slow"}), "", ""},
		{"valid csat without comment", event("csat", nil), "", ""},
		{"valid human.requested", event("human.requested", obj{"channel": "sms"}), "", ""},
		{"valid metadata", event("conversation.closed", obj{"metadata": obj{"a": 1}}), "", ""},
		{"offset time", event("conversation.closed", obj{"occurred_at": "2026-11-24T17:00:00+08:00"}), "", ""},
		{"null optional is absent", event("message", obj{"text": nil, "channel": nil}), "", ""},

		{"id required", event("message", obj{"id": nil}), "id", "required"},
		{"id empty", event("message", obj{"id": ""}), "id", "empty"},
		{"id too long", event("message", obj{"id": long}), "id", "200"},
		{"id not a string", event("message", obj{"id": 7}), "id", "string"},
		{"type required", event("message", obj{"type": nil, "author": nil}), "type", "required"},
		{"type unknown", event("message", obj{"type": "message.sent", "author": nil}), "type", "unknown"},
		{"conversation_id required", event("message", obj{"conversation_id": nil}), "conversation_id", "required"},
		{"conversation_id too long", event("message", obj{"conversation_id": long}), "conversation_id", "200"},
		{"occurred_at required", event("message", obj{"occurred_at": nil}), "occurred_at", "required"},
		{"occurred_at without offset", event("message", obj{"occurred_at": "2026-11-24T09:00:00"}), "occurred_at", "offset"},
		{"occurred_at a date", event("message", obj{"occurred_at": "2026-11-24"}), "occurred_at", "RFC 3339"},
		{"occurred_at a number", event("message", obj{"occurred_at": 1764000000}), "occurred_at", "string"},
		{"occurred_at far future", event("message", obj{"occurred_at": "2026-11-25T12:00:01Z"}), "occurred_at", "future"},
		{"channel required on started", event("conversation.started", obj{"channel": nil}), "channel", "required"},
		{"channel not a slug", event("message", obj{"channel": "Web Chat"}), "channel", "slug"},
		{"channel too long", event("message", obj{"channel": strings.Repeat("a", 41)}), "channel", "slug"},
		{"metadata not an object", event("message", obj{"metadata": []int{1}}), "metadata", "object"},
		{"metadata too large", event("message", obj{"metadata": obj{"k": strings.Repeat("m", 8200)}}), "metadata", "8192"},
		{"unknown field", event("message", obj{"colour": "red"}), "colour", "unknown"},
		{"field of another type", event("message", obj{"rating": "positive"}), "rating", "feedback"},
		{"ticket_url not http", event("conversation.started", obj{"ticket_url": "javascript:alert(1)"}), "ticket_url", "http"},
		{"ticket_url relative", event("conversation.started", obj{"ticket_url": "/t/1"}), "ticket_url", "absolute"},
		{"test not a bool", event("conversation.started", obj{"test": "yes"}), "test", "true or false"},
		{"author required", event("message", obj{"author": nil}), "author", "required"},
		{"author unknown", event("message", obj{"author": "bot"}), "author", "customer_agent"},
		{"text too long", event("message", obj{"text": strings.Repeat("字", 11000)}), "text", "32768"},
		{"sources only on agent replies", event("message", obj{"sources": []obj{{"id": "kb"}}}), "sources", "customer_agent"},
		{"unanswered only on agent replies", event("message", obj{"author": "rep", "unanswered": true}), "unanswered", "customer_agent"},
		{"source id required", event("message", obj{"author": "customer_agent", "sources": []obj{{"title": "t"}}}), "sources[0].id", "required"},
		{"source unknown field", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "a", "href": "x"}}}), "sources[0].href", "unknown"},
		{"source url javascript:", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "a", "url": "javascript:alert(1)"}}}), "sources[0].url", "http"},
		{"source url data:", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "a", "url": "data:text/html,<script>alert(1)</script>"}}}), "sources[0].url", "http"},
		{"source url vbscript:", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "a", "url": "VBScript:msgbox(1)"}}}), "sources[0].url", "http"},
		{"source url relative", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "a", "url": "/kb/1"}}}), "sources[0].url", "absolute"},
		{"source url too long", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "a", "url": "https://k/" + strings.Repeat("a", 2048)}}}), "sources[0].url", "2048"},
		{"sources not an array", event("message", obj{"author": "customer_agent", "sources": "kb"}), "sources", "array"},
		{"source not an object", event("message", obj{"author": "customer_agent", "sources": []any{"kb"}}), "sources[0]", "object"},
		{"action name required", event("message", obj{"author": "customer_agent", "actions": []obj{{"status": "failed"}}}), "actions[0].name", "required"},
		{"action status unknown", event("message", obj{"author": "customer_agent", "actions": []obj{{"name": "a", "status": "done"}}}), "actions[0].status", "succeeded"},
		{"unanswered not a bool", event("message", obj{"author": "customer_agent", "unanswered": 1}), "unanswered", "true or false"},
		{"initiator required", event("handoff", obj{"initiator": nil}), "initiator", "required"},
		{"initiator unknown", event("handoff", obj{"initiator": "visitor"}), "initiator", "rule"},
		{"reason not a slug", event("handoff", obj{"reason": "Cannot Answer"}), "reason", "slug"},
		{"message_id required", event("feedback", obj{"message_id": nil}), "message_id", "required"},
		{"rating required", event("feedback", obj{"rating": nil}), "rating", "required"},
		{"rating unknown", event("feedback", obj{"rating": "meh"}), "rating", "positive"},
		{"assignee unknown", event("assigned", obj{"assignee": "bot"}), "assignee", "rep"},
		{"question on feedback", event("feedback", obj{"question": "q"}), "question", "handoff"},
		{"csat rating required", event("csat", obj{"rating": nil}), "rating", "required"},
		{"csat rating 0", event("csat", obj{"rating": 0}), "rating", "integer from 1 to 5"},
		{"csat rating 6", event("csat", obj{"rating": 6}), "rating", "integer from 1 to 5"},
		{"csat rating a fraction", event("csat", obj{"rating": 4.5}), "rating", "integer from 1 to 5"},
		{"csat rating 4.0", `{"id":"e1","type":"csat","conversation_id":"c1","occurred_at":"2026-11-24T09:00:00Z","rating":4.0}`, "rating", "integer"},
		{"csat rating a string", event("csat", obj{"rating": "5"}), "rating", "integer"},
		{"csat rating a feedback word", event("csat", obj{"rating": "positive"}), "rating", "integer"},
		{"feedback rating a score", event("feedback", obj{"rating": 5}), "rating", "string"},
		{"csat comment not a string", event("csat", obj{"comment": 3}), "comment", "string"},
		{"message_id on csat", event("csat", obj{"message_id": "e0"}), "message_id", "feedback"},
		{"not an object", `"hello"`, "", "object"},

		// What a database cannot store is refused in every string field,
		// whatever its depth, and so is input that decoding would change.
		{"NUL in id", event("message", obj{"id": "e\x001"}), "id", "NUL"},
		{"NUL in conversation_id", event("message", obj{"conversation_id": "\x00"}), "conversation_id", "NUL"},
		{"NUL in text", event("message", obj{"text": "hello\x00"}), "text", "NUL"},
		{"NUL in question", event("handoff", obj{"question": "why\x00"}), "question", "NUL"},
		{"NUL in visitor_id", event("conversation.started", obj{"visitor_id": "v\x00"}), "visitor_id", "NUL"},
		{"NUL in ticket_url", event("conversation.started", obj{"ticket_url": "https://t.example/\x00"}), "ticket_url", "NUL"},
		{"NUL in comment", event("feedback", obj{"comment": "\x00"}), "comment", "NUL"},
		{"NUL in message_id", event("feedback", obj{"message_id": "m\x00"}), "message_id", "NUL"},
		{"NUL in channel", event("message", obj{"channel": "chat\x00"}), "channel", "NUL"},
		{"NUL in type", event("message", obj{"type": "message\x00", "author": nil}), "type", "NUL"},
		{"NUL in a source id", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "kb\x00"}}}), "sources[0].id", "NUL"},
		{"NUL in a source title", event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "kb", "title": "\x00"}}}), "sources[0].title", "NUL"},
		{"NUL in an action name", event("message", obj{"author": "customer_agent", "actions": []obj{{"name": "a"}, {"name": "re\x00fund"}}}), "actions[1].name", "NUL"},
		{"NUL in a metadata value", event("message", obj{"metadata": obj{"k": "v\x00"}}), "metadata.k", "NUL"},
		{"NUL in a metadata name", event("message", obj{"metadata": obj{"k\x00": 1}}), "metadata", "NUL"},
		{"NUL deep in metadata", event("message", obj{"metadata": obj{"order": obj{"lines": []any{1, obj{"sku": []any{"a", "\x00"}}}}}}),
			"metadata.order.lines[1].sku[1]", "NUL"},
		{"NUL under an odd metadata name", event("message", obj{"metadata": obj{"a.b": "\x00"}}), `metadata["a.b"]`, "NUL"},
		{"invalid UTF-8 in text", replace(event("message", obj{"text": "@@"}), "@@", "caf\xe9"), "text", "UTF-8"},
		{"invalid UTF-8 in id", replace(event("message", obj{"id": "@@"}), "@@", "\xff"), "id", "UTF-8"},
		{"invalid UTF-8 beside an escape", replace(event("message", obj{"text": "@@"}), "@@", `\n`+"\xc3"), "text", "UTF-8"},
		{"invalid UTF-8 in a source url", replace(event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "kb", "url": "@@"}}}), "@@", "https://k/\xff"),
			"sources[0].url", "UTF-8"},
		{"invalid UTF-8 in metadata", replace(event("message", obj{"metadata": obj{"k": []any{"@@"}}}), "@@", "\xed\xa0\x80"), "metadata.k[0]", "UTF-8"},
		{"a lone high surrogate in text", replace(event("message", obj{"text": "@@"}), "@@", `\ud800`), "text", "surrogate"},
		{"a lone low surrogate in question", replace(event("handoff", obj{"question": "@@"}), "@@", `x\udc00y`), "question", "surrogate"},
		{"reversed surrogates in comment", replace(event("feedback", obj{"comment": "@@"}), "@@", `\udc00\ud800`), "comment", "surrogate"},
		{"a lone surrogate in a source title", replace(event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "kb", "title": "@@"}}}), "@@", `\ud83d`),
			"sources[0].title", "surrogate"},
		{"a lone surrogate in a metadata name", replace(event("message", obj{"metadata": obj{"@@": 1}}), "@@", `\ud800`), "metadata", "surrogate"},
		{"a field given twice", `{"id":"x",` + event("message", nil)[1:], "id", "more than once"},
		{"a field given twice, same value", `{"text":"a","text":"a",` + event("message", nil)[1:], "text", "more than once"},
		{"a source field given twice", replace(event("message", obj{"author": "customer_agent", "sources": []obj{{"id": "kb"}}}), `"id":"kb"`, `"id":"kb","id":"kc"`),
			"sources[0].id", "more than once"},
		{"a metadata name given twice", replace(event("message", obj{"metadata": obj{"a": obj{"b": 1}}}), `"b":1`, `"b":1,"b":2`), "metadata.a.b", "more than once"},
		{"one metadata name in several objects", event("message", obj{"metadata": obj{"a": obj{"b": 1}, "c": obj{"b": 1}, "d": []obj{{"b": 1}, {"b": 2}}}}), "", ""},
		{"a surrogate pair and escapes", replace(event("message", obj{"text": "@@"}), "@@", `\ud83d\ude00 \u00e9 \"`), "", ""},

		// Times as RFC 3339 writes them, within plausible years.
		{"lower-case t and z", event("message", obj{"occurred_at": "2026-11-24t09:00:00z"}), "", ""},
		{"lower-case t with an offset", event("message", obj{"occurred_at": "2026-11-24t09:00:00.5+01:00"}), "", ""},
		{"a space for the T", event("message", obj{"occurred_at": "2026-11-24 09:00:00Z"}), "occurred_at", "RFC 3339"},
		{"year 1999", event("message", obj{"occurred_at": "1999-12-31T23:59:59Z"}), "occurred_at", "2000"},
		{"year 1", event("message", obj{"occurred_at": "0001-01-01T00:00:00Z"}), "occurred_at", "2000"},
		{"year 2000 by its offset", event("message", obj{"occurred_at": "1999-12-31T23:30:00-01:00"}), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := decode(tt.body)
			if tt.wantField == "" && tt.wantWord == "" {
				if err != nil {
					t.Fatalf("valid event rejected: %v %v", err, parley.ProblemsOf(err))
				}
				if len(b.Items) != 1 {
					t.Fatalf("got %d items, want 1", len(b.Items))
				}
				return
			}
			if parley.KindOf(err) != parley.KindInvalid {
				t.Fatalf("error %v, want kind invalid", err)
			}
			ps := parley.ProblemsOf(err)
			if len(ps) != 1 {
				t.Fatalf("problems %+v, want exactly one", ps)
			}
			if ps[0].Field != tt.wantField || !strings.Contains(ps[0].Message, tt.wantWord) {
				t.Errorf("problem %+v, want field %q with message containing %q", ps[0], tt.wantField, tt.wantWord)
			}
			if ps[0].Index != 0 {
				t.Errorf("problem index %d, want 0", ps[0].Index)
			}
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	body := "[" + event("message", obj{"id": "a"}) + "," +
		event("message", obj{"id": "b", "author": "bot", "occurred_at": "soon"}) + "," +
		event("handoff", obj{"id": "c", "initiator": nil}) + "]"
	_, err := decode(body)
	want := []parley.Problem{
		{Index: 1, ID: "b", Field: "occurred_at", Message: "must be an RFC 3339 time with an offset, like 2026-11-24T09:30:00Z or 2026-11-24T17:30:00+08:00"},
		{Index: 1, ID: "b", Field: "author", Message: `must be one of "visitor", "customer_agent", "rep"`},
		{Index: 2, ID: "c", Field: "initiator", Message: "required"},
	}
	if diff := cmp.Diff(want, parley.ProblemsOf(err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestManyMembers holds an object of more members than are found by
// scanning to the rules of a small one: each unknown name reported once,
// in the order of the names, a name given twice reported where it was
// first repeated, and null still absent.
func TestManyMembers(t *testing.T) {
	body := strings.TrimSuffix(event("message", obj{"id": "m"}), "}")
	for i := 19; i >= 0; i-- {
		body += fmt.Sprintf(`,"x%02d":%d`, i, i)
	}
	body += `,"x07":7,"text":null,"id":"m","x03":3,"zz":null}`
	_, err := decode(body)
	want := []parley.Problem{
		{Index: 0, ID: "m", Field: "id", Message: "given more than once; an object may name each field once"},
	}
	for _, k := range []string{"x07", "x03"} {
		want = append(want, parley.Problem{ID: "m", Field: k, Message: "given more than once; an object may name each field once"})
	}
	for i := range 20 {
		want = append(want, parley.Problem{ID: "m", Field: fmt.Sprintf("x%02d", i), Message: "unknown field"})
	}
	if diff := cmp.Diff(want, parley.ProblemsOf(err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestFormats(t *testing.T) {
	a := event("message", obj{"id": "a"})
	b := event("message", obj{"id": "b"})
	tests := []struct {
		name   string
		format ingest.Format
		body   string
	}{
		{"array", ingest.FormatJSON, "[" + a + "," + b + "]"},
		{"array sniffed", ingest.FormatAuto, "\n  [" + a + ",\n" + b + "]\n"},
		{"ndjson", ingest.FormatNDJSON, a + "\n" + b + "\n"},
		{"ndjson blank lines, CRLF, no final newline", ingest.FormatAuto, "\r\n" + a + "\r\n\n  \n" + b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batch, err := ingest.Decode(strings.NewReader(tt.body), tt.format, now, ingest.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			var idx []int
			for _, it := range batch.Items {
				ids = append(ids, it.Event.ID)
				idx = append(idx, it.Index)
			}
			if diff := cmp.Diff([]string{"a", "b"}, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]int{0, 1}, idx); diff != "" {
				t.Errorf("indexes (-want +got):\n%s", diff)
			}
		})
	}
	if b, err := decode("[]"); err != nil || len(b.Items) != 0 {
		t.Errorf("empty array: %v, %v", b, err)
	}
}

// TestOneObject: a single event object is a batch of one, as JSON
// (application/json) and, spread over several lines, when sniffed.
func TestOneObject(t *testing.T) {
	pretty := strings.ReplaceAll(event("csat", obj{"comment": "a, b"}), `,"`, ",\n  \"")
	tests := []struct {
		name      string
		format    ingest.Format
		body      string
		wantItems int
		wantWord  string // in the single problem, when the body is refused
	}{
		{"one object as JSON", ingest.FormatJSON, event("message", nil), 1, ""},
		{"pretty-printed as JSON", ingest.FormatJSON, "\n" + pretty + "\n", 1, ""},
		{"pretty-printed, sniffed", ingest.FormatAuto, pretty, 1, ""},
		{"one line, sniffed", ingest.FormatAuto, event("message", nil), 1, ""},
		{"two objects as JSON", ingest.FormatJSON, event("message", obj{"id": "a"}) + "\n" + event("message", obj{"id": "b"}), 0, "after top-level value"},
		{"a string as JSON", ingest.FormatJSON, `"hello"`, 0, "one event object"},
		{"broken object as JSON", ingest.FormatJSON, `{"id": "a",`, 0, "invalid JSON"},
		{"pretty-printed as NDJSON is NDJSON", ingest.FormatNDJSON, pretty, 0, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ingest.Decode(strings.NewReader(tt.body), tt.format, now, ingest.DefaultLimits())
			if tt.wantWord == "" {
				if err != nil || len(b.Items) != tt.wantItems {
					t.Fatalf("%d items, %v %v; want %d", len(b.Items), err, parley.ProblemsOf(err), tt.wantItems)
				}
				return
			}
			ps := parley.ProblemsOf(err)
			if len(ps) == 0 || ps[0].Index != 0 || !strings.Contains(ps[0].Message, tt.wantWord) {
				t.Errorf("problems %+v, want the first on event 0 containing %q", ps, tt.wantWord)
			}
		})
	}
}

func TestOneEvent(t *testing.T) {
	for body, want := range map[string]bool{
		"{\n  \"id\": \"a\"\n}":          true,
		"  {\"id\":\n\"a\"}\n\n":         true,
		`{"id":"a"}`:                     false, // one line: NDJSON of one
		"{\"id\":\"a\"}\n{\"id\":\"b\"}": false, // NDJSON
		"{\"id\":\n{oops\n":              false, // neither: NDJSON, whose lines are checked
		"[{\n}]":                         false,
		"":                               false,
	} {
		if got := ingest.OneEvent([]byte(body)); got != want {
			t.Errorf("OneEvent(%q) = %v, want %v", body, got, want)
		}
	}
}

// TestEmptyBody: a body without an event is refused in every framing, as
// a problem with the body.
func TestEmptyBody(t *testing.T) {
	for _, f := range []ingest.Format{ingest.FormatAuto, ingest.FormatJSON, ingest.FormatNDJSON} {
		for _, body := range []string{"", " \r\n\t\n"} {
			_, err := ingest.Decode(strings.NewReader(body), f, now, ingest.DefaultLimits())
			ps := parley.ProblemsOf(err)
			if parley.KindOf(err) != parley.KindInvalid || len(ps) != 1 || ps[0].Field != "body" || !strings.Contains(ps[0].Message, "empty") {
				t.Errorf("format %v, body %q: %v %+v, want one problem with an empty body", f, body, err, ps)
			}
		}
	}
}

// TestSameInstantOtherOffset: an event sent again with its time written
// in another offset is the same event, a duplicate; the body holds the
// time in UTC.
func TestSameInstantOtherOffset(t *testing.T) {
	a := event("message", obj{"id": "a", "occurred_at": "2026-11-24T17:00:00+08:00"})
	b := event("message", obj{"id": "a", "occurred_at": "2026-11-24T09:00:00Z"})
	c := event("message", obj{"id": "a", "occurred_at": "2026-11-24t04:00:00.000-05:00"})
	batch, err := decode(a + "\n" + b + "\n" + c)
	if err != nil {
		t.Fatalf("%v %+v", err, parley.ProblemsOf(err))
	}
	if len(batch.Items) != 1 || batch.Duplicates != 2 {
		t.Fatalf("got %d items, %d duplicates; want 1 and 2", len(batch.Items), batch.Duplicates)
	}
	if !bytes.Contains(batch.Items[0].Body, []byte(`"occurred_at":"2026-11-24T09:00:00Z"`)) {
		t.Errorf("body %s, want the time in UTC", batch.Items[0].Body)
	}
	other := event("message", obj{"id": "a", "occurred_at": "2026-11-24T17:00:00+07:00"})
	if _, err := decode(a + "\n" + other); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("another instant under the same id: %v, want a conflict", err)
	}
}

func TestSyntaxErrors(t *testing.T) {
	good := event("message", nil)
	tests := []struct {
		name      string
		body      string
		wantIndex []int
		// syntaxOnly says every problem must be one of syntax.
		syntaxOnly bool
	}{
		{"ndjson bad line, others still checked", good + "\n{oops\n" + event("message", obj{"author": "x"}) + "\n", []int{1, 2}, false},
		{"array breaks at element 2", "[" + good + "," + good + ",{]", []int{2}, true},
		{"array trailing junk", "[" + good + "] x", []int{1}, true},
		{"ndjson line with a second value", good + "\n" + good + " {}\n" + good + " x\n", []int{1, 2}, true},
		{"array not closed", "[" + good, []int{1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode(tt.body)
			var got []int
			for _, p := range parley.ProblemsOf(err) {
				got = append(got, p.Index)
			}
			if diff := cmp.Diff(tt.wantIndex, got); diff != "" {
				t.Errorf("problem indexes (-want +got):\n%s\n%v", diff, parley.ProblemsOf(err))
			}
			for _, p := range parley.ProblemsOf(err) {
				if tt.syntaxOnly && !strings.HasPrefix(p.Message, "invalid JSON: ") {
					t.Errorf("problem %d: %q, want invalid JSON", p.Index, p.Message)
				}
			}
		})
	}
}

func TestLimits(t *testing.T) {
	lim := ingest.DefaultLimits()
	lim.MaxEvents = 2
	lim.MaxBytes = 1000
	three := event("message", obj{"id": "a"}) + "\n" + event("message", obj{"id": "b"}) + "\n" + event("message", obj{"id": "c"})
	if _, err := ingest.Decode(strings.NewReader(three), ingest.FormatAuto, now, lim); parley.KindOf(err) != parley.KindTooLarge {
		t.Errorf("3 events over a limit of 2: %v, want kind too_large", err)
	}
	big := event("message", obj{"text": strings.Repeat("a", 1000)})
	if _, err := ingest.Decode(strings.NewReader(big), ingest.FormatAuto, now, lim); parley.KindOf(err) != parley.KindTooLarge {
		t.Errorf("body over 1000 bytes: %v, want kind too_large", err)
	}
	unlimited := ingest.Limits{MaxBytes: math.MaxInt64, MaxEvents: math.MaxInt, MaxFuture: time.Hour}
	if b, err := ingest.Decode(strings.NewReader(three), ingest.FormatAuto, now, unlimited); err != nil || len(b.Items) != 3 {
		t.Errorf("with the largest limits: %d items, %v", len(b.Items), err)
	}
	exact := event("message", nil)
	lim.MaxBytes = int64(len(exact))
	if _, err := ingest.Decode(strings.NewReader(exact), ingest.FormatAuto, now, lim); err != nil {
		t.Errorf("body of exactly the limit rejected: %v", err)
	}
}

func TestDuplicatesInBatch(t *testing.T) {
	a := event("message", obj{"id": "a", "text": "hi"})
	b := event("message", obj{"id": "b"})
	batch, err := decode(a + "\n" + b + "\n" + a + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Items) != 2 || batch.Duplicates != 1 {
		t.Errorf("got %d items, %d duplicates; want 2 and 1", len(batch.Items), batch.Duplicates)
	}
	_, err = decode(a + "\n" + event("message", obj{"id": "a", "text": "changed"}))
	ps := parley.ProblemsOf(err)
	if len(ps) != 1 || ps[0].Index != 1 || ps[0].Field != "id" || !strings.Contains(ps[0].Message, "conflict") {
		t.Errorf("problems %+v, want one conflict on event 1", ps)
	}
}

func TestCanonicalNormalisesMetadata(t *testing.T) {
	a, err := decode(`{"id":"a","type":"assigned","conversation_id":"c","occurred_at":"2026-11-24T09:00:00Z","assignee":"rep","metadata":{"z": 1, "a": {"y": 2.50, "b": [1, "x"]}}}`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := decode(`{"metadata":{"a":{"b":[1,"x"],"y":2.50},"z":1},"assignee":"rep","occurred_at":"2026-11-24T09:00:00Z","conversation_id":"c","type":"assigned","id":"a"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Items[0].Body, b.Items[0].Body) {
		t.Errorf("same event, different canonical bodies:\n%s\n%s", a.Items[0].Body, b.Items[0].Body)
	}
	if !bytes.Contains(a.Items[0].Body, []byte(`"y":2.50`)) {
		t.Errorf("number not kept as written: %s", a.Items[0].Body)
	}
}

func TestRoundTrip(t *testing.T) {
	body := "[" + strings.Join([]string{
		event("conversation.started", obj{"id": "a", "ticket_url": "https://x.example/t?a=1&b=<2>", "test": true, "metadata": obj{"k": "v"}}),
		event("message", obj{"id": "b", "author": "customer_agent", "text": "<script>alert('x')</script> & 你好 \u2028",
			"sources": []obj{{"id": "kb"}}, "actions": []obj{{"name": "n"}}, "unanswered": true, "question": "q"}),
		event("feedback", obj{"id": "c", "occurred_at": "2026-11-24T17:00:00.123456789+08:00", "comment": "\"quoted\""}),
		event("csat", obj{"id": "d", "rating": 3, "comment": "<ok>"}),
	}, ",") + "]"
	first, err := decode(body)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	for _, it := range first.Items {
		again.Write(it.Body)
		again.WriteByte('\n')
	}
	second, err := decode(again.String())
	if err != nil {
		t.Fatalf("canonical bodies do not decode: %v %v", err, parley.ProblemsOf(err))
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("round trip changed the batch (-first +second):\n%s", diff)
	}
	for _, it := range first.Items {
		var e parley.Event
		if err := json.Unmarshal(it.Body, &e); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(it.Event, e); diff != "" {
			t.Errorf("body of %s does not unmarshal to the event (-event +body):\n%s", it.Event.ID, diff)
		}
	}
}

func TestFormatForContentType(t *testing.T) {
	tests := map[string]ingest.Format{
		"application/json":                ingest.FormatJSON,
		"application/json; charset=utf-8": ingest.FormatJSON,
		"application/x-ndjson":            ingest.FormatNDJSON,
		"application/jsonl":               ingest.FormatNDJSON,
		"":                                ingest.FormatAuto,
		"text/plain":                      ingest.FormatAuto,
	}
	for ct, want := range tests {
		if got := ingest.FormatForContentType(ct); got != want {
			t.Errorf("FormatForContentType(%q) = %v, want %v", ct, got, want)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	const n = 1000
	for i := range n {
		switch i % 4 {
		case 0:
			buf.WriteString(event("message", obj{"id": fmt.Sprint("v", i), "text": "Where is my parcel? It was due on Monday."}))
		case 1:
			buf.WriteString(event("message", obj{"id": fmt.Sprint("a", i), "author": "customer_agent", "channel": "chat",
				"text": "Your parcel is on its way and should arrive tomorrow.", "sources": []obj{{"id": "kb-12", "title": "Delivery times"}}}))
		case 2:
			buf.WriteString(event("feedback", obj{"id": fmt.Sprint("f", i), "message_id": "a1"}))
		case 3:
			buf.WriteString(event("conversation.started", obj{"id": fmt.Sprint("s", i), "visitor_id": "v-1", "ticket_url": "https://support.example.com/t/1"}))
		}
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := ingest.Decode(bytes.NewReader(data), ingest.FormatNDJSON, now, ingest.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}
