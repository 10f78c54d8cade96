// Package otlp maps OpenTelemetry traces of a customer agent, as the GenAI
// semantic conventions describe them (github.com/open-telemetry/
// semantic-conventions, docs/gen-ai/gen-ai-spans.md and
// gen-ai-agent-spans.md), to Parley events.
//
// A turn of the conversation is an invoke_agent span (the outermost one,
// when agents call agents), or, in a trace with no invoke_agent span, the
// outermost chat (text_completion, generate_content) span. Its conversation
// is gen_ai.conversation.id (or session.id), on the span or on one of its
// ancestors in the same export. A turn gives two events: the visitor's
// message, the last user message of gen_ai.input.messages, at the span's
// start; and the customer agent's reply, the text of
// gen_ai.output.messages, at its end, with an action for each execute_tool
// span under the turn (failed when the span's status is ERROR) and a
// source for each document of its retrieval spans. Where the turn span
// records no messages, those of the chat spans under it are read. Content
// is opt-in in the conventions; without it, the events are there without
// text.
//
// The conventions have no words for what Parley also counts; the parley.*
// attributes below say it, on any span of a conversation:
//
//	parley.channel                 the conversation's channel (a slug)
//	parley.unanswered, parley.question
//	                               the reply did not answer (this question)
//	parley.handoff                 true: the conversation went to a human here;
//	parley.handoff.initiator       customer_agent (default), rule or rep;
//	parley.handoff.reason          a slug, such as cannot_answer
//	parley.human_requested         true: the visitor asked for a human
//	parley.feedback.rating         positive or negative: the visitor's rating
//	parley.feedback.comment        of a reply, that of the span's turn or
//	parley.feedback.message_id     the event id given here
//	parley.csat.rating             1 to 5: the visitor's satisfaction with the
//	parley.csat.comment            whole conversation, and why
//	parley.conversation.closed     true: the conversation was closed here
//
// The reply of a turn has the event id otel:TRACE:SPAN, the trace and span
// ids in hex, so that a rating sent later can name it. An execute_tool or
// retrieval span whose turn is in another export request is a reply of its
// own, without text.
package otlp

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/source"
)

// Attributes Parley reads: those of the GenAI conventions, and its own.
const (
	attrConversation = "gen_ai.conversation.id"
	attrSession      = "session.id"
	attrOperation    = "gen_ai.operation.name"
	attrAgentName    = "gen_ai.agent.name"
	attrInput        = "gen_ai.input.messages"
	attrOutput       = "gen_ai.output.messages"
	attrToolName     = "gen_ai.tool.name"
	attrDocuments    = "gen_ai.retrieval.documents"
	attrDataSource   = "gen_ai.data_source.id"

	attrChannel          = "parley.channel"
	attrUnanswered       = "parley.unanswered"
	attrQuestion         = "parley.question"
	attrHandoff          = "parley.handoff"
	attrHandoffInitiator = "parley.handoff.initiator"
	attrHandoffReason    = "parley.handoff.reason"
	attrHumanRequested   = "parley.human_requested"
	attrFeedbackRating   = "parley.feedback.rating"
	attrFeedbackComment  = "parley.feedback.comment"
	attrFeedbackMessage  = "parley.feedback.message_id"
	attrCSATRating       = "parley.csat.rating"
	attrCSATComment      = "parley.csat.comment"
	attrClosed           = "parley.conversation.closed"
)

// Result is what a request's spans say.
type Result struct {
	Events []source.Event
	// From lists, for each event, the spans it was made from, by their
	// position among the request's spans: if an event is refused, so are
	// they.
	From [][]int
	// Spans counts the spans of the request.
	Spans int
	// Problems are spans the mapping itself refuses, each with its
	// position among the request's spans in Index.
	Problems []parley.Problem
	// GenAI counts the spans that belong to a conversation.
	GenAI int
}

// span is one span of a request, with what the mapping works out about it.
type span struct {
	*tracepb.Span
	index         int
	trace, id     string // hex
	attrs         map[string]*commonpb.AnyValue
	op            string
	parent        *span
	conv, channel string
	turn          *span // the turn it belongs to, nil for none
}

func (s *span) str(key string) string {
	if v := s.attrs[key]; v != nil {
		return anyString(v)
	}
	return ""
}

func (s *span) flag(key string) bool {
	v := s.attrs[key]
	if v == nil {
		return false
	}
	if b, ok := v.Value.(*commonpb.AnyValue_BoolValue); ok {
		return b.BoolValue
	}
	return strings.EqualFold(anyString(v), "true")
}

func (s *span) failed() bool {
	return s.Status != nil && s.Status.Code == tracepb.Status_STATUS_CODE_ERROR
}

func (s *span) start() time.Time { return time.Unix(0, int64(s.StartTimeUnixNano)).UTC() }
func (s *span) end() time.Time {
	if s.EndTimeUnixNano < s.StartTimeUnixNano {
		return s.start()
	}
	return time.Unix(0, int64(s.EndTimeUnixNano)).UTC()
}

func (s *span) eventID(suffix string) string {
	id := "otel:" + s.trace + ":" + s.id
	if suffix != "" {
		id += ":" + suffix
	}
	return id
}

func isAgent(op string) bool { return op == "invoke_agent" }
func isChat(op string) bool {
	return op == "chat" || op == "text_completion" || op == "generate_content"
}

// Map turns the GenAI spans of a request into events. Spans of no
// conversation are left out; so is everything else the conventions say
// that Parley does not count.
func Map(req *coltracepb.ExportTraceServiceRequest) Result {
	var (
		res   Result
		spans []*span
		byID  = map[string]*span{}
	)
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				s := &span{Span: sp, index: len(spans), trace: hex.EncodeToString(sp.TraceId), id: hex.EncodeToString(sp.SpanId),
					attrs: make(map[string]*commonpb.AnyValue, len(sp.Attributes))}
				for _, kv := range sp.Attributes {
					s.attrs[kv.Key] = kv.Value
				}
				s.op = s.str(attrOperation)
				spans = append(spans, s)
				byID[s.trace+s.id] = s
			}
		}
	}
	res.Spans = len(spans)
	agentTraces := map[string]bool{}
	for _, s := range spans {
		if len(s.ParentSpanId) > 0 {
			if p := byID[s.trace+hex.EncodeToString(s.ParentSpanId)]; p != s {
				s.parent = p
			}
		}
		if isAgent(s.op) {
			agentTraces[s.trace] = true
		}
	}
	for _, s := range spans {
		resolve(s, agentTraces)
	}

	inner := map[*span][]*span{} // the spans of each turn, itself excluded
	for _, s := range spans {
		if s.turn != nil && s.turn != s {
			inner[s.turn] = append(inner[s.turn], s)
		}
	}
	m := mapper{res: &res}
	for _, s := range spans {
		if s.conv == "" {
			continue
		}
		res.GenAI++
		if len(s.TraceId) != 16 || len(s.SpanId) != 8 {
			m.problem(s, "span_id", "a span needs a 16-byte trace id and an 8-byte span id")
			continue
		}
		if s.StartTimeUnixNano == 0 {
			m.problem(s, "start_time_unix_nano", "required")
			continue
		}
		if s.turn == s {
			m.turn(s, inner[s])
		} else if s.turn == nil {
			m.orphan(s)
		}
		m.parleyEvents(s)
	}
	return res
}

// resolve works out s's conversation, channel and turn from its ancestors.
// A parent chain that loops, which only a hostile request has, ends where
// it comes back.
func resolve(s *span, agentTraces map[string]bool) {
	var outerAgent, outerChat *span
	seen := map[*span]bool{}
	for a := s; a != nil && !seen[a]; a = a.parent {
		seen[a] = true
		if s.conv == "" {
			if c := a.str(attrConversation); c != "" {
				s.conv = c
			} else if c := a.str(attrSession); c != "" {
				s.conv = c
			}
		}
		if s.channel == "" {
			s.channel = a.str(attrChannel)
		}
		switch {
		case isAgent(a.op):
			outerAgent = a
		case isChat(a.op):
			outerChat = a
		}
	}
	switch {
	case outerAgent != nil:
		s.turn = outerAgent
	case outerChat != nil && !agentTraces[s.trace]:
		s.turn = outerChat
	}
}

type mapper struct{ res *Result }

func (m *mapper) problem(s *span, field, msg string) {
	m.res.Problems = append(m.res.Problems, parley.Problem{Index: s.index, ID: s.eventID(""), Field: field, Message: msg})
}

// event adds an event made from the spans from (the first one names it).
func (m *mapper) event(s *span, typ parley.EventType, id string, at time.Time, from []int, clipped bool) *parley.Event {
	meta := map[string]any{"otel": map[string]string{"trace_id": s.trace, "span_id": s.id}}
	if name := s.str(attrAgentName); name != "" {
		meta["agent"] = name
	}
	if clipped {
		meta["text_clipped"] = true
	}
	e := source.Event{Event: parley.Event{ID: id, Type: typ, ConversationID: s.conv, OccurredAt: at, Channel: s.channel}}
	e.Metadata, _ = json.Marshal(meta) // strings and bools always encode
	m.res.Events = append(m.res.Events, e)
	m.res.From = append(m.res.From, from)
	return &m.res.Events[len(m.res.Events)-1].Event
}

// turn adds the visitor's message and the agent's reply of turn t, whose
// other spans are inner.
func (m *mapper) turn(t *span, inner []*span) {
	sort.SliceStable(inner, func(i, j int) bool { return inner[i].StartTimeUnixNano < inner[j].StartTimeUnixNano })

	said, answer := lastUserText(t), outputText(t)
	for _, s := range inner {
		if said == "" && isChat(s.op) {
			said = lastUserText(s)
		}
	}
	for i := len(inner) - 1; i >= 0 && answer == ""; i-- {
		if isChat(inner[i].op) {
			answer = outputText(inner[i])
		}
	}
	text, clipped := source.Clip(said)
	v := m.event(t, parley.EventMessage, t.eventID("visitor"), t.start(), []int{t.index}, clipped)
	v.Author, v.Text = parley.AuthorVisitor, text

	if t.failed() && answer == "" {
		// The agent broke off before it replied.
		return
	}
	from := []int{t.index}
	reply := parley.Event{}
	for _, s := range inner {
		if acts, srcs := work(s); len(acts)+len(srcs) > 0 {
			reply.Actions = append(reply.Actions, acts...)
			reply.Sources = appendSources(reply.Sources, srcs)
			from = append(from, s.index)
		}
		if s.flag(attrUnanswered) {
			reply.Unanswered = true
			from = append(from, s.index)
		}
		if q := s.str(attrQuestion); q != "" && reply.Question == "" {
			reply.Question = q
		}
	}
	if t.flag(attrUnanswered) {
		reply.Unanswered = true
	}
	if q := t.str(attrQuestion); q != "" {
		reply.Question = q
	}
	text, clipped = source.Clip(answer)
	q, qClipped := source.Clip(reply.Question)
	r := m.event(t, parley.EventMessage, t.eventID(""), t.end(), slices.Compact(from), clipped || qClipped)
	r.Author, r.Text = parley.AuthorCustomerAgent, text
	r.Actions, r.Sources, r.Unanswered, r.Question = reply.Actions, reply.Sources, reply.Unanswered, q
}

// orphan adds, for a span whose turn is not in this request, a reply of
// its own with what it did.
func (m *mapper) orphan(s *span) {
	acts, srcs := work(s)
	unanswered := s.flag(attrUnanswered)
	if len(acts)+len(srcs) == 0 && !unanswered {
		return
	}
	q, clipped := source.Clip(s.str(attrQuestion))
	r := m.event(s, parley.EventMessage, s.eventID(""), s.end(), []int{s.index}, clipped)
	r.Author, r.Actions, r.Sources, r.Unanswered, r.Question = parley.AuthorCustomerAgent, acts, srcs, unanswered, q
}

// work is what a span under a turn did: an execute_tool span performs an
// action; a retrieval span (or a tool reading a data source) cites its
// documents, or its data source when it names no documents.
func work(s *span) ([]parley.Action, []parley.Source) {
	var (
		acts []parley.Action
		srcs []parley.Source
	)
	if s.op == "execute_tool" {
		name := s.str(attrToolName)
		if name == "" {
			name = strings.TrimSpace(strings.TrimPrefix(s.Name, "execute_tool"))
		}
		if name == "" {
			name = "tool"
		}
		a := parley.Action{Name: clipName(name)}
		if s.failed() {
			a.Status = parley.ActionFailed
		}
		acts = append(acts, a)
	}
	if (s.op == "retrieval" || s.op == "execute_tool") && !s.failed() {
		srcs = documents(s)
		if ds := s.str(attrDataSource); len(srcs) == 0 && ds != "" && s.op == "retrieval" {
			srcs = append(srcs, parley.Source{ID: ds})
		}
	}
	return acts, srcs
}

// documents reads gen_ai.retrieval.documents: [{id, score, …}], kept
// structured or as a JSON string. A title and url, which the schema
// allows as additional properties, are kept too.
func documents(s *span) []parley.Source {
	v := s.attrs[attrDocuments]
	if v == nil {
		return nil
	}
	var docs []struct {
		ID    any    `json:"id"`
		Title string `json:"title"`
		URL   string `json:"url"`
	}
	if !decodeStructured(v, &docs) {
		return nil
	}
	var out []parley.Source
	for _, d := range docs {
		id := fmt.Sprint(d.ID)
		if d.ID == nil || id == "" {
			continue
		}
		src := parley.Source{ID: id, Title: d.Title}
		if strings.HasPrefix(d.URL, "http://") || strings.HasPrefix(d.URL, "https://") {
			src.URL = d.URL
		}
		out = appendSources(out, []parley.Source{src})
	}
	return out
}

// appendSources adds srcs to list, each id once.
func appendSources(list, srcs []parley.Source) []parley.Source {
	for _, s := range srcs {
		if !slices.ContainsFunc(list, func(x parley.Source) bool { return x.ID == s.ID }) {
			list = append(list, s)
		}
	}
	return list
}

// clipName keeps an action's name within what ingest takes (200
// characters), as a tool's name is the platform's to choose.
func clipName(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200])
	}
	return s
}

// parleyEvents adds what the parley.* attributes of s say.
func (m *mapper) parleyEvents(s *span) {
	from := []int{s.index}
	if s.flag(attrHandoff) {
		q, clipped := source.Clip(s.str(attrQuestion))
		e := m.event(s, parley.EventHandoff, s.eventID("handoff"), s.end(), from, clipped)
		e.Initiator = parley.Initiator(s.str(attrHandoffInitiator))
		if e.Initiator == "" {
			e.Initiator = parley.InitiatorCustomerAgent
		}
		e.Reason, e.Question = s.str(attrHandoffReason), q
	}
	if s.flag(attrHumanRequested) {
		m.event(s, parley.EventHumanRequested, s.eventID("human_requested"), s.end(), from, false)
	}
	if rating := s.str(attrFeedbackRating); rating != "" {
		target := s.str(attrFeedbackMessage)
		if target == "" && s.turn != nil {
			target = s.turn.eventID("")
		}
		if target == "" {
			m.problem(s, attrFeedbackMessage, "required on a span outside an agent turn: the event id of the rated reply")
		} else {
			c, clipped := source.Clip(s.str(attrFeedbackComment))
			e := m.event(s, parley.EventFeedback, s.eventID("feedback"), s.end(), from, clipped)
			e.MessageID, e.Rating, e.Comment = target, parley.Rating(rating), c
		}
	}
	if v := s.str(attrCSATRating); v != "" {
		rating, err := strconv.Atoi(v)
		if err != nil || rating < parley.MinCSAT || rating > parley.MaxCSAT {
			m.problem(s, attrCSATRating, fmt.Sprintf("must be a whole number from %d to %d", parley.MinCSAT, parley.MaxCSAT))
		} else {
			c, clipped := source.Clip(s.str(attrCSATComment))
			e := m.event(s, parley.EventCSAT, s.eventID("csat"), s.end(), from, clipped)
			e.Rating, e.Comment = parley.CSATRating(rating), c
		}
	}
	if s.flag(attrClosed) {
		m.event(s, parley.EventConversationClosed, s.eventID("closed"), s.end(), from, false)
	}
}

// chatMessage is one message of gen_ai.input.messages or
// gen_ai.output.messages (docs/gen-ai/gen-ai-input-messages.json and
// gen-ai-output-messages.json): a role and parts, of which Parley reads the
// text ones. Content as a plain string is read too, as some
// instrumentations write it.
type chatMessage struct {
	Role    string `json:"role"`
	Parts   []part `json:"parts"`
	Content any    `json:"content"`
}

type part struct {
	Type    string `json:"type"`
	Content any    `json:"content"`
}

func (m chatMessage) text() string {
	var texts []string
	if s, ok := m.Content.(string); ok && s != "" {
		texts = append(texts, s)
	}
	for _, p := range m.Parts {
		if s, ok := p.Content.(string); ok && (p.Type == "text" || p.Type == "") && s != "" {
			texts = append(texts, s)
		}
	}
	return strings.Join(texts, "\n")
}

func messages(s *span, key string) []chatMessage {
	v := s.attrs[key]
	if v == nil {
		return nil
	}
	var ms []chatMessage
	if !decodeStructured(v, &ms) {
		return nil
	}
	return ms
}

// lastUserText is the text of the last user message given to the model:
// what the visitor just said; the messages before it are the history.
// Instrumentations that predate gen_ai.input.messages write
// gen_ai.prompt.N.role and gen_ai.prompt.N.content, which are read too.
func lastUserText(s *span) string {
	ms := messages(s, attrInput)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Role == "user" {
			return ms[i].text()
		}
	}
	if len(ms) > 0 {
		return ""
	}
	for i := len(s.Attributes); i >= 0; i-- {
		if s.str(fmt.Sprintf("gen_ai.prompt.%d.role", i)) == "user" {
			return s.str(fmt.Sprintf("gen_ai.prompt.%d.content", i))
		}
	}
	return ""
}

// outputText is the text of the model's (first) answer; the older
// gen_ai.completion.0.content is read too.
func outputText(s *span) string {
	for _, m := range messages(s, attrOutput) {
		if m.Role == "assistant" || m.Role == "" {
			if t := m.text(); t != "" {
				return t
			}
		}
	}
	return s.str("gen_ai.completion.0.content")
}

// decodeStructured reads an attribute that the conventions record
// structured where a language can, and as a JSON string where it cannot.
func decodeStructured(v *commonpb.AnyValue, out any) bool {
	var raw []byte
	if sv, ok := v.Value.(*commonpb.AnyValue_StringValue); ok {
		raw = []byte(sv.StringValue)
	} else {
		x, ok := plain(v, 0)
		if !ok {
			return false
		}
		var err error
		if raw, err = json.Marshal(x); err != nil {
			return false
		}
	}
	return json.Unmarshal(raw, out) == nil
}

// plain converts an attribute value into the values encoding/json makes.
func plain(v *commonpb.AnyValue, depth int) (any, bool) {
	if depth > maxDepth || v == nil {
		return nil, depth <= maxDepth
	}
	switch x := v.Value.(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue, true
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue, true
	case *commonpb.AnyValue_IntValue:
		return x.IntValue, true
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue, true
	case *commonpb.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			p, ok := plain(e, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, p)
		}
		return out, true
	case *commonpb.AnyValue_KvlistValue:
		out := make(map[string]any, len(x.KvlistValue.GetValues()))
		for _, kv := range x.KvlistValue.GetValues() {
			p, ok := plain(kv.Value, depth+1)
			if !ok {
				return nil, false
			}
			out[kv.Key] = p
		}
		return out, true
	}
	return nil, true
}

// anyString is a scalar attribute as text.
func anyString(v *commonpb.AnyValue) string {
	switch x := v.Value.(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	}
	return ""
}
