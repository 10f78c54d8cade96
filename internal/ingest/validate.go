package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/parleyhq/parley"
)

// validator collects the problems of one batch.
type validator struct {
	now      time.Time
	lim      Limits
	problems []parley.Problem
	// tokens splits objects and arrays into their members, reading from
	// input; both are reused for every value of the batch, and so are the
	// maps that hold the members of an event and of one of its sources or
	// actions (each is done with before the next is split).
	tokens         *jsontext.Decoder
	input          bytes.Reader
	fields, nested map[string]json.RawMessage
}

// members splits a JSON object into its members, put in m after clearing
// it, or reports false when raw is not an object. The values are slices of
// raw, not copies: splitting is most of the work of validating an event,
// and this way is three times as fast as decoding into a new map with
// encoding/json.
func (v *validator) members(raw []byte, m map[string]json.RawMessage) bool {
	clear(m)
	return v.each(raw, '{', func(name string, value []byte) { m[name] = value })
}

// elements splits a JSON array into its elements, or reports false when raw
// is not an array.
func (v *validator) elements(raw []byte) ([]json.RawMessage, bool) {
	var out []json.RawMessage
	ok := v.each(raw, '[', func(_ string, value []byte) { out = append(out, value) })
	return out, ok
}

// each calls fn for every member of the object or element of the array
// (kind '{' or '[') that raw holds, with the member's name.
func (v *validator) each(raw []byte, kind jsontext.Kind, fn func(name string, value []byte)) bool {
	v.input.Reset(raw)
	if v.tokens == nil {
		v.tokens = jsontext.NewDecoder(&v.input)
	}
	d := v.tokens
	d.Reset(&v.input, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != kind {
		return false
	}
	for d.PeekKind() != kind+2 { // '}' is '{'+2, and ']' is '['+2
		var name string
		if kind == '{' {
			tok, err := d.ReadToken()
			if err != nil {
				return false
			}
			name = tok.String()
		}
		value, err := d.ReadValue()
		if err != nil {
			return false
		}
		end := int(d.InputOffset())
		fn(name, raw[end-len(value):end:end])
	}
	if _, err := d.ReadToken(); err != nil {
		return false
	}
	// Nothing may follow the value.
	_, err := d.ReadToken()
	return err == io.EOF
}

func (v *validator) problem(index int, id, field, msg string) {
	v.problems = append(v.problems, parley.Problem{Index: index, ID: id, Field: field, Message: msg})
}

// fieldSet says which event types a field belongs to; nil means every type.
type fieldSet map[string][]parley.EventType

var fields = fieldSet{
	"id": nil, "type": nil, "conversation_id": nil, "occurred_at": nil, "channel": nil, "metadata": nil,
	"ticket_url": {parley.EventConversationStarted},
	"visitor_id": {parley.EventConversationStarted},
	"test":       {parley.EventConversationStarted},
	"author":     {parley.EventMessage},
	"text":       {parley.EventMessage},
	"sources":    {parley.EventMessage},
	"actions":    {parley.EventMessage},
	"unanswered": {parley.EventMessage},
	"question":   {parley.EventMessage, parley.EventHandoff},
	"initiator":  {parley.EventHandoff},
	"reason":     {parley.EventHandoff},
	"message_id": {parley.EventFeedback},
	"rating":     {parley.EventFeedback, parley.EventCSAT},
	"comment":    {parley.EventFeedback, parley.EventCSAT},
	"assignee":   {parley.EventAssigned},
}

// agentOnly are the message fields that only a customer_agent message has.
var agentOnly = []string{"sources", "actions", "unanswered", "question"}

// fieldOrder lists fields in the order problems about them are reported.
var fieldOrder = []string{
	"id", "type", "conversation_id", "occurred_at", "channel", "metadata",
	"ticket_url", "visitor_id", "test", "author", "text", "sources", "actions", "unanswered", "question",
	"initiator", "reason", "message_id", "rating", "comment", "assignee",
}

// event validates one raw event. It reports every problem and returns ok
// only if there was none.
func (v *validator) event(index int, raw json.RawMessage) (e parley.Event, ok bool) {
	before := len(v.problems)
	if v.fields == nil {
		v.fields, v.nested = map[string]json.RawMessage{}, map[string]json.RawMessage{}
	}
	m := v.fields
	if !v.members(raw, m) {
		msg := "must be a JSON object"
		if !json.Valid(raw) {
			var value any
			msg = "invalid JSON: " + json.Unmarshal(raw, &value).Error()
		}
		v.problem(index, "", "", msg)
		return e, false
	}
	// Null means absent, for every field.
	for k, r := range m {
		if isNull(r) {
			delete(m, k)
		}
	}
	d := decoder{v: v, index: index, m: m}
	e.ID = d.str("id", true, maxIDChars)
	d.id = e.ID
	e.Type = parley.EventType(d.str("type", true, 0))
	known := e.Type == "" || slices.Contains(parley.EventTypes, e.Type)
	if !known {
		d.fail("type", fmt.Sprintf("unknown event type %q; one of %s", e.Type, quoted(parley.EventTypes)))
	}
	e.ConversationID = d.str("conversation_id", true, maxIDChars)
	e.OccurredAt = d.instant("occurred_at")
	e.Channel = d.slug("channel", e.Type == parley.EventConversationStarted)
	if r, ok := m["metadata"]; ok {
		switch {
		case r[0] != '{':
			d.fail("metadata", "must be a JSON object")
		case len(r) > maxMetadataBytes:
			d.fail("metadata", fmt.Sprintf("must be at most %d bytes", maxMetadataBytes))
		default:
			e.Metadata = r
		}
	}

	// Fields of other types, and fields nobody knows.
	d.strays(func(k string) string {
		types, isField := fields[k]
		switch {
		case !isField:
			return "unknown field"
		case known && e.Type != "" && types != nil && !slices.Contains(types, e.Type):
			return fmt.Sprintf("not allowed on %s events; it belongs to %s", e.Type, quoted(types))
		}
		return ""
	})

	switch e.Type {
	case parley.EventConversationStarted:
		e.TicketURL = d.httpURL("ticket_url")
		e.VisitorID = d.str("visitor_id", false, maxIDChars)
		e.Test = d.boolean("test")
	case parley.EventMessage:
		e.Author = parley.Author(enumOf(&d, "author", true, []parley.Author{parley.AuthorVisitor, parley.AuthorCustomerAgent, parley.AuthorRep}))
		e.Text = d.text("text")
		if e.Author != "" && e.Author != parley.AuthorCustomerAgent {
			for _, k := range agentOnly {
				if _, ok := m[k]; ok {
					d.fail(k, "allowed only on messages whose author is customer_agent")
					delete(m, k)
				}
			}
		}
		e.Sources = d.sources("sources")
		e.Actions = d.actions("actions")
		e.Unanswered = d.boolean("unanswered")
		e.Question = d.text("question")
	case parley.EventHandoff:
		e.Initiator = parley.Initiator(enumOf(&d, "initiator", true, []parley.Initiator{parley.InitiatorCustomerAgent, parley.InitiatorRule, parley.InitiatorRep}))
		e.Reason = d.slug("reason", false)
		e.Question = d.text("question")
	case parley.EventFeedback:
		e.MessageID = d.str("message_id", true, maxIDChars)
		e.Rating = parley.Rating(enumOf(&d, "rating", true, []parley.Rating{parley.RatingPositive, parley.RatingNegative}))
		e.Comment = d.text("comment")
	case parley.EventAssigned:
		e.Assignee = parley.Assignee(enumOf(&d, "assignee", true, []parley.Assignee{parley.AssigneeCustomerAgent, parley.AssigneeRep}))
	case parley.EventCSAT:
		e.Rating = d.score("rating")
		e.Comment = d.text("comment")
	}
	return e, len(v.problems) == before
}

// decoder reads the fields of one event, reporting problems as it goes.
type decoder struct {
	v     *validator
	index int
	id    string
	m     map[string]json.RawMessage
}

func (d *decoder) fail(field, msg string) { d.v.problem(d.index, d.id, field, msg) }

// str reads a string field; max > 0 limits its length in characters.
func (d *decoder) str(field string, required bool, max int) string {
	r, ok := d.m[field]
	if !ok {
		if required {
			d.fail(field, "required")
		}
		return ""
	}
	s, ok := jsonString(r)
	if !ok {
		d.fail(field, "must be a string")
		return ""
	}
	if required && s == "" {
		d.fail(field, "must not be empty")
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		d.fail(field, fmt.Sprintf("must be at most %d characters", max))
	}
	return s
}

// text reads a free-text field of at most 32 KiB.
func (d *decoder) text(field string) string {
	s := d.str(field, false, 0)
	if len(s) > maxTextBytes {
		d.fail(field, fmt.Sprintf("must be at most %d bytes", maxTextBytes))
	}
	return s
}

func (d *decoder) slug(field string, required bool) string {
	s := d.str(field, required, 0)
	if s != "" && !parley.ValidSlug(s) {
		d.fail(field, "must be a slug: 1 to 40 of a-z, 0-9, '_' and '-'")
	}
	return s
}

// enumOf reads a string field that must be one of values.
func enumOf[T ~string](d *decoder, field string, required bool, values []T) string {
	s := d.str(field, required, 0)
	if s != "" && !slices.Contains(values, T(s)) {
		d.fail(field, fmt.Sprintf("must be one of %s", quoted(values)))
	}
	return s
}

// score reads the required 1–5 integer of a csat event. Only the plain
// digit is taken: 4.0, 4e0 and "4" are refused, so that every score has one
// canonical form.
func (d *decoder) score(field string) parley.Rating {
	r, ok := d.m[field]
	if !ok {
		d.fail(field, "required")
		return ""
	}
	if _, ok := parley.Rating(r).Score(); !ok {
		d.fail(field, fmt.Sprintf("must be an integer from %d to %d", parley.MinCSAT, parley.MaxCSAT))
		return ""
	}
	return parley.Rating(r)
}

func (d *decoder) boolean(field string) bool {
	r, ok := d.m[field]
	if !ok {
		return false
	}
	switch string(r) {
	case "true":
		return true
	case "false":
		return false
	}
	d.fail(field, "must be true or false")
	return false
}

func (d *decoder) instant(field string) time.Time {
	s := d.str(field, true, 0)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.fail(field, "must be an RFC 3339 time with an offset, like 2026-11-24T09:30:00Z or 2026-11-24T17:30:00+08:00")
		return time.Time{}
	}
	if limit := d.v.now.Add(d.v.lim.MaxFuture); t.After(limit) {
		d.fail(field, fmt.Sprintf("must not be more than %s in the future", d.v.lim.MaxFuture))
	}
	return t
}

func (d *decoder) httpURL(field string) string {
	s := d.str(field, false, 0)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case len(s) > maxURLBytes:
		d.fail(field, fmt.Sprintf("must be at most %d bytes", maxURLBytes))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		d.fail(field, "must be an absolute http or https URL")
	}
	return s
}

// objects reads an array of objects, calling each for every element with
// its own decoder, whose problems name the element ("sources[2].id").
func (d *decoder) objects(field string, each func(sub *decoder)) int {
	r, ok := d.m[field]
	if !ok {
		return 0
	}
	elems, ok := d.v.elements(r)
	if !ok {
		d.fail(field, "must be an array of objects")
		return 0
	}
	for i, er := range elems {
		name := func() string { return field + "[" + strconv.Itoa(i) + "]" }
		m := d.v.nested
		if !d.v.members(er, m) {
			d.fail(name(), "must be an object")
			continue
		}
		for k, r := range m {
			if isNull(r) {
				delete(m, k)
			}
		}
		sub := &decoder{v: d.v, index: d.index, id: d.id, m: m}
		before := len(d.v.problems)
		each(sub)
		for j := before; j < len(d.v.problems); j++ {
			d.v.problems[j].Field = name() + "." + d.v.problems[j].Field
		}
	}
	return len(elems)
}

func (d *decoder) sources(field string) []parley.Source {
	var out []parley.Source
	d.objects(field, func(s *decoder) {
		src := parley.Source{
			ID:    s.str("id", true, maxIDChars),
			Title: s.str("title", false, maxNameChars*5),
			URL:   s.str("url", false, 0),
		}
		if len(src.URL) > maxURLBytes {
			s.fail("url", fmt.Sprintf("must be at most %d bytes", maxURLBytes))
		}
		s.unknown("id", "title", "url")
		out = append(out, src)
	})
	return out
}

func (d *decoder) actions(field string) []parley.Action {
	var out []parley.Action
	d.objects(field, func(s *decoder) {
		a := parley.Action{
			Name:   s.str("name", true, maxNameChars),
			Status: parley.ActionStatus(enumOf(s, "status", false, []parley.ActionStatus{parley.ActionSucceeded, parley.ActionFailed})),
		}
		s.unknown("name", "status")
		out = append(out, a)
	})
	return out
}

// unknown reports every key of the object other than the allowed ones.
func (d *decoder) unknown(allowed ...string) {
	d.strays(func(k string) string {
		if !slices.Contains(allowed, k) {
			return "unknown field"
		}
		return ""
	})
}

// strays reports the keys of the object for which problem says what is
// wrong, in the order of their names. Most objects have none, and they
// are found without sorting the keys.
func (d *decoder) strays(problem func(key string) string) {
	for k := range d.m {
		if problem(k) == "" {
			continue
		}
		for _, k := range sortedKeys(d.m) {
			if msg := problem(k); msg != "" {
				d.fail(k, msg)
			}
		}
		return
	}
}

// jsonString decodes a JSON string value. Plain strings, the common case,
// are taken without a full decode.
func jsonString(r json.RawMessage) (string, bool) {
	if len(r) < 2 || r[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(r, '\\') < 0 && utf8.Valid(r) {
		return string(r[1 : len(r)-1]), true
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return "", false
	}
	return s, true
}

func isNull(r json.RawMessage) bool { return string(r) == "null" }

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quoted[T ~string](values []T) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = `"` + string(v) + `"`
	}
	return strings.Join(q, ", ")
}

// sortProblems orders problems by event, then by the field order of SPEC §3.
func sortProblems(ps []parley.Problem) {
	rank := func(field string) int {
		base, _, _ := strings.Cut(field, "[")
		base, _, _ = strings.Cut(base, ".")
		if i := slices.Index(fieldOrder, base); i >= 0 {
			return i
		}
		return len(fieldOrder)
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Index != ps[j].Index {
			return ps[i].Index < ps[j].Index
		}
		return rank(ps[i].Field) < rank(ps[j].Field)
	})
}
