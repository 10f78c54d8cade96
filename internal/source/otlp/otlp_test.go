package otlp_test

// Where the shapes come from: the spans of TestSDK are made and sent by the
// OpenTelemetry Go SDK itself (go.opentelemetry.io/otel/sdk/trace and
// go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp), with
// the attributes of the GenAI semantic conventions
// (github.com/open-telemetry/semantic-conventions: docs/gen-ai/
// gen-ai-spans.md, gen-ai-agent-spans.md, and the message schemas
// docs/gen-ai/gen-ai-input-messages.json, gen-ai-output-messages.json,
// gen-ai-retrieval-documents.json). testdata/agent_run.json is our own
// OTLP/JSON body in the form of the OTLP specification's JSON encoding
// (github.com/open-telemetry/opentelemetry-proto: examples/trace.json:
// lowerCamelCase names, hex trace and span ids, times as decimal strings).

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/source"
	"github.com/parleyhq/parley/internal/source/otlp"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// capture is an OTLP/HTTP endpoint that keeps the bodies it receives.
type capture struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, _ := io.ReadAll(body)
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Write(out)
}

// agentRun records one conversation of two turns with the real SDK, as an
// instrumented agent would, and returns the request the exporter sent.
func agentRun(t *testing.T) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	c := &capture{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tr := tp.Tracer("acme-agent")
	ctx := context.Background()
	at := func(s float64) trace.SpanStartEventOption {
		return trace.WithTimestamp(t0.Add(time.Duration(s * float64(time.Second))))
	}
	end := func(s float64) trace.SpanEndOption {
		return trace.WithTimestamp(t0.Add(time.Duration(s * float64(time.Second))))
	}

	// Turn 1: the agent looks the card up, reads the help centre, answers.
	ctx1, agent := tr.Start(ctx, "invoke_agent Card Helper", at(0), trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.agent.name", "Card Helper"),
		attribute.String("gen_ai.provider.name", "openai"),
		attribute.String("gen_ai.conversation.id", "conv-7781"),
		attribute.String("parley.channel", "web_chat"),
		// Structured values are not yet supported on spans in Go: the
		// conventions ask for the JSON string then.
		attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"My card was swallowed by an ATM, what now?"}]}]`),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"I've frozen the card and ordered a new one; it arrives in 3 to 5 days."}],"finish_reason":"stop"}]`),
	))
	_, chat := tr.Start(ctx1, "chat gpt-4.1", at(0.1), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.request.model", "gpt-4.1"),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"freeze_card","arguments":{"card":"…4821"}}],"finish_reason":"tool_call"}]`),
	))
	chat.End(end(0.9))
	_, ret := tr.Start(ctx1, "retrieval help-centre", at(1), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "retrieval"), attribute.String("gen_ai.data_source.id", "help-centre"),
		attribute.String("gen_ai.retrieval.documents", `[{"id":"kb-204","score":0.91,"title":"Card kept by an ATM","url":"https://help.acme.example/kb/204"},{"id":"kb-17","score":0.55}]`),
	))
	ret.End(end(1.2))
	_, freeze := tr.Start(ctx1, "execute_tool freeze_card", at(1.3), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"), attribute.String("gen_ai.tool.name", "freeze_card"),
		attribute.String("gen_ai.tool.call.id", "call_1"),
	))
	freeze.End(end(1.6))
	_, order := tr.Start(ctx1, "execute_tool order_card", at(1.7), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"), attribute.String("gen_ai.tool.name", "order_card"),
	))
	order.SetStatus(codes.Error, "card service timed out")
	order.End(end(2.2))
	agent.End(end(2.5))

	// Turn 2: the visitor asks for a person; the agent hands off.
	_, agent2 := tr.Start(ctx, "invoke_agent Card Helper", at(60), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.agent.name", "Card Helper"),
		attribute.String("gen_ai.conversation.id", "conv-7781"),
		attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"My card was swallowed by an ATM, what now?"}]},{"role":"assistant","parts":[{"type":"text","content":"I've frozen the card and ordered a new one; it arrives in 3 to 5 days."}]},{"role":"user","parts":[{"type":"text","content":"The new card failed, let me talk to a person"}]}]`),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Connecting you with a colleague."}]}]`),
		attribute.Bool("parley.human_requested", true),
		attribute.Bool("parley.handoff", true),
		attribute.String("parley.handoff.reason", "customer_request"),
	))
	agent2.End(end(61))

	// A span of no conversation: not Parley's.
	_, other := tr.Start(ctx, "GET /healthz", at(70))
	other.End(end(70.01))

	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// WithSyncer sends each span as it ends; gather them into one request.
	req := &coltracepb.ExportTraceServiceRequest{}
	for _, b := range c.bodies {
		part, err := otlp.Decode(b, otlp.Protobuf)
		if err != nil {
			t.Fatal(err)
		}
		req.ResourceSpans = append(req.ResourceSpans, part.ResourceSpans...)
	}
	return req
}

type brief struct {
	Type       string
	Author     string
	Text       string
	At         float64
	Actions    []parley.Action
	Sources    []parley.Source
	Initiator  string
	Reason     string
	Unanswered bool
	Question   string
	Rating     string
}

func briefOf(res otlp.Result) []brief {
	var out []brief
	for _, e := range res.Events {
		out = append(out, brief{Type: string(e.Type), Author: string(e.Author), Text: e.Text,
			At: e.OccurredAt.Sub(t0).Seconds(), Actions: e.Actions, Sources: e.Sources,
			Initiator: string(e.Initiator), Reason: e.Reason, Unanswered: e.Unanswered, Question: e.Question, Rating: string(e.Rating)})
	}
	return out
}

func TestSDK(t *testing.T) {
	req := agentRun(t)
	res := otlp.Map(req)
	want := []brief{
		{Type: "message", Author: "visitor", Text: "My card was swallowed by an ATM, what now?", At: 0},
		{Type: "message", Author: "customer_agent", Text: "I've frozen the card and ordered a new one; it arrives in 3 to 5 days.", At: 2.5,
			Actions: []parley.Action{{Name: "freeze_card"}, {Name: "order_card", Status: parley.ActionFailed}},
			Sources: []parley.Source{{ID: "kb-204", Title: "Card kept by an ATM", URL: "https://help.acme.example/kb/204"}, {ID: "kb-17"}}},
		{Type: "message", Author: "visitor", Text: "The new card failed, let me talk to a person", At: 60},
		{Type: "message", Author: "customer_agent", Text: "Connecting you with a colleague.", At: 61},
		{Type: "handoff", At: 61, Initiator: "customer_agent", Reason: "customer_request"},
		{Type: "human.requested", At: 61},
	}
	if diff := cmp.Diff(want, briefOf(res)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if res.Spans != 7 || res.GenAI != 6 || len(res.Problems) != 0 {
		t.Errorf("spans %d, GenAI %d, problems %v", res.Spans, res.GenAI, res.Problems)
	}
	for i, e := range res.Events {
		if e.ConversationID != "conv-7781" {
			t.Errorf("event %d in conversation %q", i, e.ConversationID)
		}
		if i < 2 && e.Channel != "web_chat" {
			t.Errorf("event %d on channel %q, want the turn's parley.channel", i, e.Channel)
		}
		if !strings.HasPrefix(e.ID, "otel:") || len(e.ID) < 5+32+1+16 {
			t.Errorf("event id %q", e.ID)
		}
	}
	// The reply's id is otel:TRACE:SPAN of its turn, for ratings sent later.
	if r := res.Events[1]; !strings.HasSuffix(r.ID, ":"+hex.EncodeToString(spanOf(req, "invoke_agent Card Helper", 0).SpanId)) {
		t.Errorf("reply id %s is not of its turn span", r.ID)
	}
	if _, err := source.Validate(res.Events, t0.Add(time.Hour), ingest.DefaultLimits()); err != nil {
		t.Fatalf("the events do not pass ingest: %v %v", err, parley.ProblemsOf(err))
	}
	// Mapping the same request again gives the same events: a retried
	// export is a duplicate.
	if diff := cmp.Diff(res.Events, otlp.Map(req).Events); diff != "" {
		t.Errorf("mapped twice, different events:\n%s", diff)
	}
}

// spanOf finds the n-th span named name.
func spanOf(req *coltracepb.ExportTraceServiceRequest, name string, n int) *tracepb.Span {
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				if s.Name == name {
					if n == 0 {
						return s
					}
					n--
				}
			}
		}
	}
	return nil
}

func TestJSON(t *testing.T) {
	body, err := os.ReadFile("testdata/agent_run.json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := otlp.Decode(body, otlp.JSON)
	if err != nil {
		t.Fatal(err)
	}
	res := otlp.Map(req)
	want := []brief{
		{Type: "message", Author: "visitor", Text: "我可以提高刷卡額度嗎？", At: 0},
		{Type: "message", Author: "customer_agent", Text: "I don't know how to do that yet.", At: 1.5, Unanswered: true, Question: "raise my card limit"},
		{Type: "feedback", At: 1.5, Rating: "negative"},
	}
	if diff := cmp.Diff(want, briefOf(res)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got := res.Events[0].ID; got != "otel:5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174:visitor" {
		t.Errorf("visitor message id %s: the hex ids were not read as hex", got)
	}
	fb := res.Events[2]
	if fb.MessageID != res.Events[1].ID || fb.Rating != parley.RatingNegative || fb.Comment != "not helpful" {
		t.Errorf("feedback %+v", fb.Event)
	}
}

// Helpers that build spans by hand, for the rules.
func kv(k string, v any) *commonpb.KeyValue {
	switch v := v.(type) {
	case string:
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	case bool:
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v}}}
	case *commonpb.AnyValue:
		return &commonpb.KeyValue{Key: k, Value: v}
	}
	panic(v)
}

func id(n byte, size int) []byte { return bytes.Repeat([]byte{n}, size) }

func sp(n, parent byte, start, end float64, attrs ...*commonpb.KeyValue) *tracepb.Span {
	s := &tracepb.Span{TraceId: id(1, 16), SpanId: id(n, 8), Name: "span",
		StartTimeUnixNano: uint64(t0.Add(time.Duration(start * float64(time.Second))).UnixNano()),
		EndTimeUnixNano:   uint64(t0.Add(time.Duration(end * float64(time.Second))).UnixNano()), Attributes: attrs}
	if parent != 0 {
		s.ParentSpanId = id(parent, 8)
	}
	return s
}

func request(spans ...*tracepb.Span) *coltracepb.ExportTraceServiceRequest {
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}}
}

func failed(s *tracepb.Span) *tracepb.Span {
	s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR}
	return s
}

func op(name string) *commonpb.KeyValue { return kv("gen_ai.operation.name", name) }

var conv = kv("gen_ai.conversation.id", "c1")

func in(text string) *commonpb.KeyValue {
	return kv("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"`+text+`"}]}]`)
}
func out(text string) *commonpb.KeyValue {
	return kv("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+text+`"}]}]`)
}

// structured is the kvlist/array form of gen_ai.output.messages, as
// languages that support complex attributes record it.
func structured(text string) *commonpb.AnyValue {
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	list := func(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
	}
	arr := func(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
	}
	return arr(list(kv("role", str("assistant")), kv("parts", arr(list(kv("type", str("text")), kv("content", str(text)))))))
}

func TestRules(t *testing.T) {
	tests := []struct {
		name     string
		req      *coltracepb.ExportTraceServiceRequest
		want     []brief
		problems []string // fields
	}{
		{"the conversation id of an ancestor", request(
			sp(1, 0, 0, 3, conv, op("invoke_agent"), in("hi"), out("hello")),
			sp(2, 1, 1, 2, op("execute_tool"), kv("gen_ai.tool.name", "lookup")),
		), []brief{{Type: "message", Author: "visitor", Text: "hi"}, {Type: "message", Author: "customer_agent", Text: "hello", At: 3, Actions: []parley.Action{{Name: "lookup"}}}}, nil},
		{"session.id names the conversation too", request(
			sp(1, 0, 0, 3, kv("session.id", "s9"), op("invoke_agent"), out("hello")),
		), []brief{{Type: "message", Author: "visitor"}, {Type: "message", Author: "customer_agent", Text: "hello", At: 3}}, nil},
		{"spans of no conversation are not Parley's", request(
			sp(1, 0, 0, 3, op("invoke_agent"), out("hello")),
		), nil, nil},
		{"the messages of the chat spans when the agent span has none", request(
			sp(1, 0, 0, 3, conv, op("invoke_agent")),
			sp(2, 1, 0.5, 1, op("chat"), in("first question")),
			sp(3, 1, 1.5, 2, op("chat"), in("first question"), out("the answer")),
		), []brief{{Type: "message", Author: "visitor", Text: "first question"}, {Type: "message", Author: "customer_agent", Text: "the answer", At: 3}}, nil},
		{"chat spans alone make the turns when no agent span is in the trace", request(
			sp(1, 0, 0, 5, conv, kv("http.route", "/chat")),
			sp(2, 1, 1, 2, op("chat"), in("q"), kv("gen_ai.output.messages", structured("a"))),
		), []brief{{Type: "message", Author: "visitor", Text: "q", At: 1}, {Type: "message", Author: "customer_agent", Text: "a", At: 2}}, nil},
		{"a sub-agent is part of the outer agent's turn", request(
			sp(1, 0, 0, 9, conv, op("invoke_agent"), in("q"), out("a")),
			sp(2, 1, 1, 8, op("invoke_agent"), in("inner q"), out("inner a")),
			sp(3, 2, 2, 3, op("execute_tool"), kv("gen_ai.tool.name", "refund")),
		), []brief{{Type: "message", Author: "visitor", Text: "q"}, {Type: "message", Author: "customer_agent", Text: "a", At: 9, Actions: []parley.Action{{Name: "refund"}}}}, nil},
		{"a failed turn with no answer has no reply", request(
			failed(sp(1, 0, 0, 3, conv, op("invoke_agent"), in("q"))),
		), []brief{{Type: "message", Author: "visitor", Text: "q"}}, nil},
		{"a failed retrieval cites nothing", request(
			sp(1, 0, 0, 3, conv, op("invoke_agent"), out("a")),
			failed(sp(2, 1, 1, 2, op("retrieval"), kv("gen_ai.data_source.id", "kb"))),
		), []brief{{Type: "message", Author: "visitor"}, {Type: "message", Author: "customer_agent", Text: "a", At: 3}}, nil},
		{"a retrieval without documents cites its data source", request(
			sp(1, 0, 0, 3, conv, op("invoke_agent"), out("a")),
			sp(2, 1, 1, 2, op("retrieval"), kv("gen_ai.data_source.id", "kb")),
		), []brief{{Type: "message", Author: "visitor"}, {Type: "message", Author: "customer_agent", Text: "a", At: 3, Sources: []parley.Source{{ID: "kb"}}}}, nil},
		{"a tool span whose turn is in another request is a reply of its own", request(
			sp(2, 1, 1, 2, conv, op("execute_tool"), kv("gen_ai.tool.name", "refund")),
		), []brief{{Type: "message", Author: "customer_agent", At: 2, Actions: []parley.Action{{Name: "refund"}}}}, nil},
		{"the older gen_ai.prompt and gen_ai.completion attributes", request(
			sp(1, 0, 0, 3, conv, op("chat"), kv("gen_ai.prompt.0.role", "system"), kv("gen_ai.prompt.0.content", "be nice"),
				kv("gen_ai.prompt.1.role", "user"), kv("gen_ai.prompt.1.content", "where is my parcel"),
				kv("gen_ai.completion.0.role", "assistant"), kv("gen_ai.completion.0.content", "on its way")),
		), []brief{{Type: "message", Author: "visitor", Text: "where is my parcel"}, {Type: "message", Author: "customer_agent", Text: "on its way", At: 3}}, nil},
		{"unanswered on a span inside the turn marks the reply", request(
			sp(1, 0, 0, 3, conv, op("invoke_agent"), out("sorry")),
			sp(2, 1, 1, 2, op("chat"), kv("parley.unanswered", true), kv("parley.question", "can I pay in yen")),
		), []brief{{Type: "message", Author: "visitor"}, {Type: "message", Author: "customer_agent", Text: "sorry", At: 3, Unanswered: true, Question: "can I pay in yen"}}, nil},
		{"a rating outside a turn needs the message it rates", request(
			sp(5, 0, 0, 1, conv, kv("parley.feedback.rating", "positive")),
		), nil, []string{"parley.feedback.message_id"}},
		{"a rating outside a turn naming its message", request(
			sp(5, 0, 0, 1, conv, kv("parley.feedback.rating", "positive"), kv("parley.feedback.message_id", "otel:x:y")),
		), []brief{{Type: "feedback", At: 1, Rating: "positive"}}, nil},
		{"a CSAT score", request(
			sp(5, 0, 0, 1, conv, &commonpb.KeyValue{Key: "parley.csat.rating", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 4}}},
				kv("parley.csat.comment", "quick")),
		), []brief{{Type: "csat", At: 1, Rating: "4"}}, nil},
		{"a CSAT score out of range", request(
			sp(5, 0, 0, 1, conv, kv("parley.csat.rating", "7")),
		), nil, []string{"parley.csat.rating"}},
		{"a closed conversation", request(
			sp(5, 0, 0, 1, conv, kv("parley.conversation.closed", true)),
		), []brief{{Type: "conversation.closed", At: 1}}, nil},
		{"a span without times", request(
			&tracepb.Span{TraceId: id(1, 16), SpanId: id(1, 8), Attributes: []*commonpb.KeyValue{conv, op("invoke_agent")}},
		), nil, []string{"start_time_unix_nano"}},
		{"a span with a short id", request(
			&tracepb.Span{TraceId: id(1, 3), SpanId: id(1, 8), StartTimeUnixNano: 1, Attributes: []*commonpb.KeyValue{conv, op("invoke_agent")}},
		), nil, []string{"span_id"}},
		{"a parent chain that loops ends", request(
			func() *tracepb.Span { s := sp(1, 2, 0, 1, op("chat")); return s }(),
			sp(2, 1, 0, 1, op("chat"), conv),
		), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := otlp.Map(tt.req)
			if diff := cmp.Diff(tt.want, briefOf(res)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			var fields []string
			for _, p := range res.Problems {
				fields = append(fields, p.Field)
			}
			if diff := cmp.Diff(tt.problems, fields); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if len(res.Events) != len(res.From) {
				t.Errorf("%d events, %d sources of events", len(res.Events), len(res.From))
			}
			if len(res.Events) > 0 {
				if _, err := source.Validate(res.Events, t0.Add(time.Hour), ingest.DefaultLimits()); err != nil {
					t.Errorf("the events do not pass ingest: %v %v", err, parley.ProblemsOf(err))
				}
			}
		})
	}
}

func TestDecodeBad(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string
		enc  otlp.Encoding
	}{
		{"protobuf garbage", "\xff\xff\xff", otlp.Protobuf},
		{"JSON garbage", "{", otlp.JSON},
		{"a JSON array", "[]", otlp.JSON},
		{"an id that is no hex", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"00"}]}]}]}`, otlp.JSON},
		{"two objects", `{}{}`, otlp.JSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := otlp.Decode([]byte(tt.body), tt.enc); parley.KindOf(err) != parley.KindInvalid {
				t.Errorf("Decode: %v, want an invalid-kind error", err)
			}
		})
	}
	// Fields of newer versions of OTLP are ignored.
	if _, err := otlp.Decode([]byte(`{"resourceSpans":[],"futureField":1}`), otlp.JSON); err != nil {
		t.Errorf("an unknown field: %v", err)
	}
}

// FuzzMap: any body, in either encoding, decodes or is refused as invalid;
// a decoded one maps without panicking, to events each from spans of the
// request, that pass ingest or are refused only for what ingest checks.
func FuzzMap(f *testing.F) {
	body, _ := os.ReadFile("testdata/agent_run.json")
	f.Add(body, true)
	pb, _ := proto.Marshal(request(sp(1, 0, 0, 3, conv, op("invoke_agent"), in("hi"), out("hello")),
		sp(2, 1, 1, 2, op("execute_tool"), kv("parley.handoff", true), kv("parley.handoff.initiator", "bogus"))))
	f.Add(pb, false)
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		enc := otlp.Protobuf
		if isJSON {
			enc = otlp.JSON
		}
		req, err := otlp.Decode(body, enc)
		if err != nil {
			if parley.KindOf(err) != parley.KindInvalid {
				t.Fatalf("error of kind %s", parley.KindOf(err))
			}
			return
		}
		res := otlp.Map(req)
		if len(res.From) != len(res.Events) {
			t.Fatalf("%d events, %d sources", len(res.Events), len(res.From))
		}
		for _, from := range res.From {
			for _, i := range from {
				if i < 0 || i >= res.Spans {
					t.Fatalf("an event from span %d of %d", i, res.Spans)
				}
			}
		}
		for _, p := range res.Problems {
			if p.Index < 0 || p.Index >= res.Spans {
				t.Fatalf("a problem with span %d of %d", p.Index, res.Spans)
			}
		}
		if len(res.Events) > 0 {
			source.Validate(res.Events, t0, ingest.DefaultLimits()) // must not panic
		}
	})
}
