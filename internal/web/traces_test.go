package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/parleyhq/parley"
)

// runAgent records one turn of an instrumented agent with the real
// OpenTelemetry SDK and exports it, as an application would, to endpoint
// with the given headers; the exporter reads them as it would read
// OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS.
func runAgent(t *testing.T, endpoint string, headers map[string]string, conversation string, at time.Time, gzipped bool) error {
	t.Helper()
	ctx := context.Background()
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint + "/v1/traces"), otlptracehttp.WithHeaders(headers),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false})}
	if gzipped {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// The batch processor, as applications use: the turn's spans go in
	// one export when it is flushed.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Hour)))
	tr := tp.Tracer("support-agent")
	when := func(s float64) time.Time { return at.Add(time.Duration(s * float64(time.Second))) }
	actx, agent := tr.Start(ctx, "invoke_agent Orders", trace.WithTimestamp(when(0)), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.agent.name", "Orders"),
		attribute.String("gen_ai.conversation.id", conversation),
		attribute.String("parley.channel", "chat"),
		attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Where is order 1182?"}]}]`),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"It left the warehouse today; here is the tracking link."}]}]`),
	))
	_, tool := tr.Start(actx, "execute_tool track_order", trace.WithTimestamp(when(1)), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"), attribute.String("gen_ai.tool.name", "track_order")))
	tool.End(trace.WithTimestamp(when(2)))
	_, refund := tr.Start(actx, "execute_tool refund", trace.WithTimestamp(when(2)), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"), attribute.String("gen_ai.tool.name", "refund")))
	refund.SetStatus(codes.Error, "not allowed")
	refund.End(trace.WithTimestamp(when(2.5)))
	agent.End(trace.WithTimestamp(when(3)))
	err = tp.ForceFlush(ctx)
	tp.Shutdown(ctx)
	return err
}

// TestOTLPWithSDK exports with the OpenTelemetry Go SDK's OTLP/HTTP exporter
// to a live Parley: with an otlp source's token, and with an API token.
func TestOTLPWithSDK(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	src := s.newSource(t, parley.SourceOTLP, "")
	endpoint := src["url"].(string)
	if endpoint != s.srv.URL+"/otlp" || !strings.HasPrefix(src["token"].(string), "ps_") {
		t.Fatalf("created %v", src)
	}
	at := sourcesNow.Add(-time.Hour)
	if err := runAgent(t, endpoint, map[string]string{"Authorization": "Bearer " + src["token"].(string)}, "order-1182", at, true); err != nil {
		t.Fatalf("export: %v", err)
	}
	events, err := s.db.ConversationEvents(context.Background(), s.ws.ID, "order-1182")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("stored %+v", events)
	}
	v, r := events[0], events[1]
	if v.Author != parley.AuthorVisitor || v.Text != "Where is order 1182?" || !v.OccurredAt.Equal(at) || v.Channel != "chat" {
		t.Errorf("visitor message %+v", v)
	}
	if r.Author != parley.AuthorCustomerAgent || !r.OccurredAt.Equal(at.Add(3*time.Second)) || len(r.Actions) != 2 ||
		r.Actions[0] != (parley.Action{Name: "track_order"}) || r.Actions[1] != (parley.Action{Name: "refund", Status: parley.ActionFailed}) {
		t.Errorf("reply %+v", r)
	}
	if got := s.source(t, src["id"]); got.Deliveries != 1 || got.Events != 2 {
		t.Errorf("source counts %+v", got)
	}

	// An API token with the ingest scope works too, without a source.
	tok := token(t, s.db, s.ws, sourcesNow, parley.ScopeIngest)
	if err := runAgent(t, s.srv.URL+"/otlp", map[string]string{"Authorization": "Bearer " + tok}, "order-1183", at, false); err != nil {
		t.Fatalf("export with an API token: %v", err)
	}
	if c := s.counts(t); c.Conversations != 2 || c.Events != 4 {
		t.Errorf("the workspace holds %+v", c)
	}
	// Neither a read token nor none.
	read := token(t, s.db, s.ws, sourcesNow, parley.ScopeRead)
	for _, h := range []map[string]string{{"Authorization": "Bearer " + read}, {}} {
		if err := runAgent(t, s.srv.URL+"/otlp", h, "order-1184", at, false); err == nil {
			t.Errorf("an export with %v went through", h)
		}
	}
	if c := s.counts(t); c.Events != 4 {
		t.Errorf("refused exports stored events: %+v", c)
	}
}

// otlpPost posts a raw body to the receiver and decodes the answer in the
// encoding it came in.
func otlpPost(t *testing.T, s *sourceServer, token, contentType string, body []byte, gz bool) (int, proto.Message) {
	t.Helper()
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		body = b.Bytes()
	}
	req := newRequest(t, "POST", s.url("/otlp/v1/traces"), bytes.NewReader(body), "Content-Type", contentType)
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	code, header, raw := request(t, http.DefaultClient, req)
	var m proto.Message = &coltracepb.ExportTraceServiceResponse{}
	if code != http.StatusOK {
		m = &statuspb.Status{}
	}
	if got := header.Get("Content-Type"); contentType == "application/json" && got != "application/json" || contentType == "application/x-protobuf" && got != "application/x-protobuf" {
		t.Errorf("answered in %q to a request in %q", got, contentType)
	}
	var err error
	if strings.Contains(header.Get("Content-Type"), "json") {
		err = protojson.Unmarshal(raw, m)
	} else {
		err = proto.Unmarshal(raw, m)
	}
	if err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	return code, m
}

func kvs(pairs ...any) []*commonpb.KeyValue {
	var out []*commonpb.KeyValue
	for i := 0; i+1 < len(pairs); i += 2 {
		v := &commonpb.AnyValue{}
		switch x := pairs[i+1].(type) {
		case string:
			v.Value = &commonpb.AnyValue_StringValue{StringValue: x}
		case bool:
			v.Value = &commonpb.AnyValue_BoolValue{BoolValue: x}
		}
		out = append(out, &commonpb.KeyValue{Key: pairs[i].(string), Value: v})
	}
	return out
}

// TestOTLPAnswers: the receiver answers as OTLP/HTTP says, in the
// request's encoding: a partial success naming the refused spans, and a
// google.rpc.Status with a 4xx for what cannot be taken.
func TestOTLPAnswers(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	tok := s.newSource(t, parley.SourceOTLP, "")["token"].(string)
	at := uint64(sourcesNow.Add(-time.Minute).UnixNano())
	span := func(n byte, attrs []*commonpb.KeyValue) *tracepb.Span {
		return &tracepb.Span{TraceId: bytes.Repeat([]byte{n}, 16), SpanId: bytes.Repeat([]byte{n}, 8), Name: "invoke_agent",
			StartTimeUnixNano: at, EndTimeUnixNano: at + 1e9, Attributes: attrs}
	}
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
		span(1, kvs("gen_ai.operation.name", "invoke_agent", "gen_ai.conversation.id", "conv-good")),
		// A handoff by an initiator Parley does not know: refused.
		span(2, kvs("gen_ai.operation.name", "invoke_agent", "gen_ai.conversation.id", "conv-bad", "parley.handoff", true, "parley.handoff.initiator", "robot")),
		span(3, kvs("http.route", "/healthz")),
	}}}}}}
	pb, _ := proto.Marshal(req)
	status, m := otlpPost(t, s, tok, "application/x-protobuf", pb, true)
	resp := m.(*coltracepb.ExportTraceServiceResponse)
	if status != 200 || resp.PartialSuccess.GetRejectedSpans() != 1 ||
		!strings.Contains(resp.PartialSuccess.GetErrorMessage(), "initiator") || !strings.Contains(resp.PartialSuccess.GetErrorMessage(), hex.EncodeToString(bytes.Repeat([]byte{2}, 8))) {
		t.Fatalf("%d %v", status, resp)
	}
	if c := s.counts(t); c.Conversations != 1 || c.Events != 2 {
		t.Errorf("stored %+v: the good span's two events only", c)
	}
	// Sent again: all duplicates, and still the same partial success.
	if status, m := otlpPost(t, s, tok, "application/x-protobuf", pb, false); status != 200 || m.(*coltracepb.ExportTraceServiceResponse).PartialSuccess.GetRejectedSpans() != 1 {
		t.Errorf("again: %d %v", status, m)
	}
	if c := s.counts(t); c.Events != 2 {
		t.Errorf("a retried export stored again: %+v", c)
	}

	// OTLP/JSON, as the OTLP specification writes it (hex ids).
	body, err := os.ReadFile("../source/otlp/testdata/agent_run.json")
	if err != nil {
		t.Fatal(err)
	}
	if status, m := otlpPost(t, s, tok, "application/json", body, false); status != 200 || m.(*coltracepb.ExportTraceServiceResponse).PartialSuccess != nil {
		t.Errorf("JSON: %d %v", status, m)
	}
	if events, _ := s.db.ConversationEvents(context.Background(), s.ws.ID, "conv-88"); len(events) != 3 {
		t.Errorf("conv-88 holds %d events, want visitor, reply and rating", len(events))
	}

	// Nothing of a conversation: accepted, with a warning saying why.
	only, _ := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{span(3, kvs("http.route", "/"))}}}}}})
	if status, m := otlpPost(t, s, tok, "application/x-protobuf", only, false); status != 200 ||
		m.(*coltracepb.ExportTraceServiceResponse).PartialSuccess.GetRejectedSpans() != 0 ||
		!strings.Contains(m.(*coltracepb.ExportTraceServiceResponse).PartialSuccess.GetErrorMessage(), "gen_ai.conversation.id") {
		t.Errorf("no GenAI spans: %d %v", status, m)
	}

	before := s.counts(t)
	for _, tt := range []struct {
		name, token, ctype string
		body               []byte
		status             int
	}{
		{"no token", "", "application/x-protobuf", pb, 401},
		{"an unknown token", "ps_nothing", "application/x-protobuf", pb, 401},
		{"a read-only API token", token(t, s.db, s.ws, sourcesNow, parley.ScopeRead), "application/json", []byte("{}"), 403},
		{"a body that is no protobuf", tok, "application/x-protobuf", []byte("\xff\xff\xff\xff"), 400},
		{"a body that is no JSON", tok, "application/json", []byte("{"), 400},
		{"another media type", tok, "text/plain", pb, 415},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, m := otlpPost(t, s, tt.token, tt.ctype, tt.body, false)
			st, ok := m.(*statuspb.Status)
			if status != tt.status || !ok || st.Message == "" {
				t.Errorf("%d %v, want %d with a Status", status, m, tt.status)
			}
		})
	}
	if c := s.counts(t); c != before {
		t.Errorf("refused exports stored: %+v, then %+v", before, c)
	}
}
