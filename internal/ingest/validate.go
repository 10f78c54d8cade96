package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
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
	// objects that hold the members of an event and of one of its sources
	// or actions (each is done with before the next is split).
	tokens *jsontext.Decoder
	input  bytes.Reader
	// walk reads metadata token by token (see decoder.metadata).
	walk           *jsontext.Decoder
	fields, nested object
}

// object is the members of one JSON object, in the order their names were
// first given. The values are slices of the input, not copies: splitting
// is most of the work of validating an event. A name given more than once
// is kept once, with its last value, and listed in twice, for the caller
// to report: JSON leaves the meaning of a repeated name open, and taking
// one of the values would silently drop the other.
type object struct {
	members []member
	twice   []string
	// byName indexes members once there are more than a few; an event has
	// about ten, and scanning them is faster than hashing each name.
	byName map[string]int
}

// member is one member of an object.
type member struct {
	name  string
	value json.RawMessage
	twice bool
}

// present reports whether the member counts as given: a value of null
// means absent, for every field, and so does one dropped (nil).
func (m *member) present() bool { return m.value != nil && !isNull(m.value) }

// scanMembers is how many members an object has before they are indexed
// by name: beyond it, finding a name by scanning would make an object of
// many members cost the square of their number.
const scanMembers = 16

func (o *object) reset() {
	o.members, o.twice = o.members[:0], o.twice[:0]
	if o.byName != nil {
		clear(o.byName)
	}
}

// index returns the position of the member named name, or -1.
func (o *object) index(name string) int {
	if len(o.members) > scanMembers {
		if i, ok := o.byName[name]; ok {
			return i
		}
		return -1
	}
	for i := range o.members {
		if o.members[i].name == name {
			return i
		}
	}
	return -1
}

func (o *object) add(name string, value []byte) {
	if i := o.index(name); i >= 0 {
		if m := &o.members[i]; !m.twice {
			m.twice = true
			o.twice = append(o.twice, name)
		}
		o.members[i].value = value
		return
	}
	o.members = append(o.members, member{name: name, value: value})
	switch n := len(o.members); {
	case n == scanMembers+1:
		if o.byName == nil {
			o.byName = make(map[string]int)
		}
		for i, m := range o.members {
			o.byName[m.name] = i
		}
	case n > scanMembers+1:
		o.byName[name] = n - 1
	}
}

// get returns the value of the member named name, if it is present.
func (o *object) get(name string) (json.RawMessage, bool) {
	i := o.index(name)
	if i < 0 || !o.members[i].present() {
		return nil, false
	}
	return o.members[i].value, true
}

// drop makes the member named name absent.
func (o *object) drop(name string) {
	if i := o.index(name); i >= 0 {
		o.members[i].value = nil
	}
}

// names returns the names of the members present, sorted.
func (o *object) names() []string {
	var keys []string
	for i := range o.members {
		if o.members[i].present() {
			keys = append(keys, o.members[i].name)
		}
	}
	sort.Strings(keys)
	return keys
}

// members splits a JSON object into its members, put in o after clearing
// it, or reports false when raw is not an object.
func (v *validator) members(raw []byte, o *object) bool {
	o.reset()
	return v.each(raw, '{', o.add)
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
			quoted, err := d.ReadValue() // a name is read as a string value
			if err != nil {
				return false
			}
			name = nameOf(quoted)
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

// nameOf unquotes a member's name. The names of events, sources and
// actions are taken from knownNames without a copy.
func nameOf(quoted []byte) string {
	plain := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(plain, '\\') < 0 && utf8.Valid(plain) {
		if s, ok := knownNames[string(plain)]; ok {
			return s
		}
		return string(plain)
	}
	// Invalid UTF-8 becomes U+FFFD here; the name is still reported.
	b, _ := jsontext.AppendUnquote(nil, quoted)
	return string(b)
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

// knownNames are the names of the members of events, sources and actions,
// each its own key.
var knownNames = func() map[string]string {
	names := map[string]string{"title": "title", "url": "url", "name": "name", "status": "status"}
	for k := range fields {
		names[k] = k
	}
	return names
}()

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
	m := &v.fields
	if !v.members(raw, m) {
		msg := "must be a JSON object"
		if !json.Valid(raw) {
			var value any
			msg = "invalid JSON: " + json.Unmarshal(raw, &value).Error()
		}
		v.problem(index, "", "", msg)
		return e, false
	}
	d := decoder{v: v, index: index, m: m}
	e.ID = d.str("id", true, maxIDChars)
	d.id = e.ID
	d.twice(m.twice)
	e.Type = parley.EventType(d.str("type", true, 0))
	known := e.Type == "" || slices.Contains(parley.EventTypes, e.Type)
	if !known {
		d.fail("type", fmt.Sprintf("unknown event type %q; one of %s", e.Type, quoted(parley.EventTypes)))
	}
	e.ConversationID = d.str("conversation_id", true, maxIDChars)
	e.OccurredAt = d.instant("occurred_at")
	e.Channel = d.slug("channel", e.Type == parley.EventConversationStarted)
	if r, ok := m.get("metadata"); ok {
		switch {
		case r[0] != '{':
			d.fail("metadata", "must be a JSON object")
		case len(r) > maxMetadataBytes:
			d.fail("metadata", fmt.Sprintf("must be at most %d bytes", maxMetadataBytes))
		default:
			d.metadata("metadata", r)
			// The event holds its metadata as it is stored (compact, names
			// sorted), so that it equals the event its stored body decodes
			// to, whatever order or spacing the caller sent.
			if n, err := normalizeObject(r); err != nil {
				d.fail("metadata", fmt.Sprintf("is not valid JSON: %v", err))
			} else {
				e.Metadata = n
			}
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
				if _, ok := m.get(k); ok {
					d.fail(k, "allowed only on messages whose author is customer_agent")
					m.drop(k)
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
	m     *object
}

func (d *decoder) fail(field, msg string) { d.v.problem(d.index, d.id, field, msg) }

// twice reports the names an object gave more than once.
func (d *decoder) twice(names []string) {
	for _, k := range names {
		d.fail(k, "given more than once; an object may name each field once")
	}
}

// str reads a string field; max > 0 limits its length in characters.
// Every string of an event is read by it, or by metadata, and so checked
// for what the database cannot store.
func (d *decoder) str(field string, required bool, max int) string {
	r, ok := d.m.get(field)
	if !ok {
		if required {
			d.fail(field, "required")
		}
		return ""
	}
	s, fault, ok := jsonString(r)
	if !ok {
		d.fail(field, "must be a string")
		return ""
	}
	if fault != "" {
		d.fail(field, fault)
		return ""
	}
	if p, ok := parley.CheckStorable(field, s); !ok {
		d.fail(field, p.Message)
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
	r, ok := d.m.get(field)
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
	r, ok := d.m.get(field)
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

// instant reads an RFC 3339 time. It is kept in UTC: the offset a caller
// wrote says nothing about the instant, so the same instant written with
// another offset is the same event (a retry, not a conflict), and every
// stored body writes its time one way.
func (d *decoder) instant(field string) time.Time {
	s := d.str(field, true, 0)
	if s == "" {
		return time.Time{}
	}
	t, err := parseRFC3339(s)
	if err != nil {
		d.fail(field, "must be an RFC 3339 time with an offset, like 2026-11-24T09:30:00Z or 2026-11-24T17:30:00+08:00")
		return time.Time{}
	}
	switch {
	case t.UTC().Year() < minYear:
		d.fail(field, fmt.Sprintf("must be in %d or later", minYear))
	case t.After(d.v.now.Add(d.v.lim.MaxFuture)):
		d.fail(field, fmt.Sprintf("must not be more than %s in the future", d.v.lim.MaxFuture))
	}
	return t.UTC()
}

// minYear is the earliest year an event may be in (as UTC). Customer
// agents that send events are younger; an earlier time is a bug in the
// caller (a zero time, seconds taken for milliseconds), and stored it
// would stretch every report back to it.
const minYear = 2000

// parseRFC3339 parses an RFC 3339 time. RFC 3339 (section 5.6) allows the
// "T" between date and time and the "Z" of UTC in lower case, which Go's
// layout does not.
func parseRFC3339(s string) (time.Time, error) {
	if len(s) > 10 && (s[10] == 't' || s[len(s)-1] == 'z') {
		b := []byte(s)
		if b[10] == 't' {
			b[10] = 'T'
		}
		if b[len(b)-1] == 'z' {
			b[len(b)-1] = 'Z'
		}
		s = string(b)
	}
	return time.Parse(time.RFC3339Nano, s)
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
	r, ok := d.m.get(field)
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
		m := &d.v.nested
		if !d.v.members(er, m) {
			d.fail(name(), "must be an object")
			continue
		}
		sub := &decoder{v: d.v, index: d.index, id: d.id, m: m}
		before := len(d.v.problems)
		sub.twice(m.twice)
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
			// A source's link is followed by people and by the agent's
			// platform that reads it back: the rule of ticket_url.
			URL: s.httpURL("url"),
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
	for i := range d.m.members {
		if m := &d.m.members[i]; !m.present() || problem(m.name) == "" {
			continue
		}
		for _, k := range d.m.names() {
			if msg := problem(k); msg != "" {
				d.fail(k, msg)
			}
		}
		return
	}
}

// jsonString decodes a JSON string value; ok is false when r is not a
// string. A string that is not text says so in fault: invalid UTF-8 or a
// lone surrogate escape ("\ud800") would otherwise be changed into U+FFFD
// without a word, and the stored event would not be the one sent. Plain
// strings, the common case, are taken without a full decode.
func jsonString(r json.RawMessage) (s, fault string, ok bool) {
	if len(r) < 2 || r[0] != '"' {
		return "", "", false
	}
	if bytes.IndexByte(r, '\\') < 0 && utf8.Valid(r) {
		return string(r[1 : len(r)-1]), "", true
	}
	b, err := jsontext.AppendUnquote(nil, r)
	switch {
	case err == nil:
		return string(b), "", true
	case !utf8.Valid(r):
		p, _ := parley.CheckStorable("", string(r))
		return "", p.Message, true
	case bytes.Contains(r, []byte(`\u`)):
		return "", msgSurrogate, true
	}
	return "", "", false
}

// msgSurrogate is the problem of a string with half of a UTF-16 pair.
const msgSurrogate = `must not hold a lone UTF-16 surrogate (an escape from \ud800 to \udfff outside a pair)`

func isNull(r json.RawMessage) bool { return string(r) == "null" }

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

// metadata checks every name and string value of a metadata object, at
// any depth, by the rules of every other string of an event (see
// checkJSON). Metadata is never interpreted — it is stored with its
// names sorted and its values as sent — but it is still shown and
// returned, so what it holds must survive the trip.
func (d *decoder) metadata(field string, raw []byte) {
	if d.v.walk == nil {
		d.v.walk = jsontext.NewDecoder(&d.v.input)
	}
	d.v.input.Reset(raw)
	checkJSON(d.v.walk, &d.v.input, field, d.fail)
}

// CheckJSON checks a JSON request body by the rules ingest holds every
// string of an event to, for bodies decoded elsewhere (the API's JSON
// bodies): every name and string value, at any depth, is text the
// database can store (parley.CheckStorable), holds no lone surrogate
// escape, and no object names a member twice. Problems name the place,
// as "questions[2]". Syntax errors are left to the caller's decoder.
func CheckJSON(raw []byte) []parley.Problem {
	var (
		in       bytes.Reader
		problems []parley.Problem
	)
	in.Reset(raw)
	checkJSON(jsontext.NewDecoder(&in), &in, "", func(field, msg string) {
		problems = append(problems, parley.FieldProblem(field, msg))
	})
	return problems
}

// checkJSON walks the JSON value dec reads from in, calling fail for each
// string (name or value) that is not storable text, and each name given
// twice in one object, with its place below field:
// "metadata.order.lines[2].sku".
func checkJSON(dec *jsontext.Decoder, in io.Reader, field string, fail func(field, msg string)) {
	dec.Reset(in, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	// path holds, for each open container, its member name (objects) or
	// its next index (arrays); names holds each open object's names.
	type level struct {
		array bool
		named bool // the name of the object's current member is read
		name  string
		index int
		names map[string]bool
	}
	var path []level
	where := func() string {
		var b strings.Builder
		b.WriteString(field)
		for _, l := range path {
			switch {
			case l.array:
				b.WriteString("[" + strconv.Itoa(l.index) + "]")
			case !l.named:
			case memberName.MatchString(l.name):
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(l.name)
			default:
				b.WriteString("[" + strconv.Quote(l.name) + "]")
			}
		}
		return b.String()
	}
	for {
		kind := dec.PeekKind()
		if kind == 0 {
			return // the end, or a syntax error for the caller to report
		}
		var top *level
		if len(path) > 0 {
			top = &path[len(path)-1]
		}
		// A string in an object where a name is due is a name.
		isName := top != nil && !top.array && !top.named && kind == '"'
		if kind == '"' {
			raw, err := dec.ReadValue()
			if err != nil {
				return
			}
			s, fault, _ := jsonString(json.RawMessage(raw))
			if fault == "" {
				if p, ok := parley.CheckStorable("", s); !ok {
					fault = p.Message
				}
			}
			switch {
			case fault != "" && isName: // named by the object that holds it
				fail(where(), "a member's name "+fault)
			case fault != "":
				fail(where(), fault)
			case isName && top.names[s]:
				top.name, top.named = s, true
				fail(where(), "given more than once; an object may name each member once")
			}
			if isName {
				top.name, top.named = s, true
				top.names[s] = true
				continue
			}
		} else if _, err := dec.ReadToken(); err != nil {
			return
		}
		switch kind {
		case '{':
			path = append(path, level{names: map[string]bool{}})
			continue
		case '[':
			path = append(path, level{array: true})
			continue
		case '}', ']':
			path = path[:len(path)-1]
		}
		// A value ended: the container moves on to its next member.
		if len(path) > 0 {
			if l := &path[len(path)-1]; l.array {
				l.index++
			} else {
				l.named = false
			}
		}
	}
}

// memberName is a member name written bare in a problem's field; others
// are quoted.
var memberName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
