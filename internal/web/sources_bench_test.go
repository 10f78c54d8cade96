package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/source"
	"github.com/parleyhq/parley/internal/source/chatwoot"
	"github.com/parleyhq/parley/internal/source/otlp"
	"github.com/parleyhq/parley/internal/web"
)

// delivery is one request a platform sends, and the same conversation's
// events as a client of the events API would post them.
type delivery struct {
	body   []byte   // the platform's
	header []string // the platform's headers, in pairs: Chatwoot's signature
	events []byte   // POST /api/v1/events's: the events the source makes of body
}

// benchServer is a server of its own for one benchmark, with a source of
// each kind and an ingest token.
type benchServer struct {
	h                            http.Handler
	hook, otlpToken, ingestToken string
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	ctx := context.Background()
	db, ws := newWorkspace(b, sourcesNow)
	s := &benchServer{h: web.New(db, web.Options{Now: func() time.Time { return sourcesNow }, Logger: quiet})}
	for _, kind := range parley.SourceKinds {
		token, hash, hint, _ := auth.NewSourceToken()
		if _, err := db.CreateSource(ctx, ws.ID, parley.NewSource{Kind: kind, Name: string(kind), SigningSecret: map[parley.SourceKind]string{parley.SourceChatwoot: benchSecret}[kind]}, hash, hint, sourcesNow); err != nil {
			b.Fatal(err)
		}
		if kind == parley.SourceChatwoot {
			s.hook = parley.SourcePath(kind, token)
		} else {
			s.otlpToken = token
		}
	}
	s.ingestToken = token(b, db, ws, sourcesNow, parley.ScopeIngest)
	return s
}

const benchSecret = "wh_bench_secret"

func (s *benchServer) do(b *testing.B, path, ctype string, body []byte, header ...string) {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
}

// eventsOf is what a client of the events API would post for the same
// conversation: the events the source makes of a delivery, as a JSON array.
func eventsOf(b *testing.B, events []source.Event) []byte {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range events {
		if i > 0 {
			buf.WriteByte(',')
		}
		body, err := ingest.Canonical(&events[i].Event)
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(body)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// chatwootDeliveries makes the deliveries of conversation number k: the
// fixtures' three exchanges, renumbered so that every conversation and
// message is new.
func chatwootDeliveries(b *testing.B, fixtures map[string]map[string]any, k int) []delivery {
	var out []delivery
	for _, name := range slices.Sorted(maps.Keys(fixtures)) {
		m := renumber(fixtures[name], k).(map[string]any)
		body, _ := json.Marshal(m)
		events, err := chatwoot.Map(body, sourcesNow)
		if err != nil {
			b.Fatal(err)
		}
		ts := sourcesNow.Unix()
		header := []string{chatwoot.TimestampHeader, strconv.FormatInt(ts, 10), chatwoot.SignatureHeader, chatwoot.Sign(benchSecret, ts, body)}
		out = append(out, delivery{body: body, header: header, events: eventsOf(b, events)})
	}
	return out
}

// renumber copies a decoded fixture with its conversation and message ids
// moved to conversation k's.
func renumber(v any, k int) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, x := range v {
			if n, ok := x.(float64); ok {
				switch {
				case key == "id" && n >= 9000, key == "message_id":
					x = float64(1_000_000 + k*100 + int(n) - 9000)
				case key == "id" && n >= 41 && n <= 43, key == "conversation_id" && n >= 41 && n <= 43:
					x = float64(100_000 + k*3 + int(n) - 41)
				}
			}
			out[key] = renumber(x, k)
		}
		// A conversation_* body names its conversation at the top.
		if _, ok := v["changed_attributes"]; ok || v["event"] == "conversation_created" {
			if n, ok := v["id"].(float64); ok {
				out["id"] = float64(100_000 + k*3 + int(n) - 41)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = renumber(x, k)
		}
		return out
	}
	return v
}

// BenchmarkSourceIngest measures a delivery through each source against
// posting the same events to POST /api/v1/events, one request each, in the
// same run on the same database: the work a source adds (finding its
// token, checking Chatwoot's signature, decoding the platform's format
// and mapping it) against the ingest both share. ns/op is per request.
// With PARLEY_TEST_DB=postgres it runs on PostgreSQL.
func BenchmarkSourceIngest(b *testing.B) {
	raw := fixtures(b)
	fixtures := map[string]map[string]any{}
	for name, body := range raw {
		var m map[string]any
		json.Unmarshal(body, &m)
		fixtures[name] = m
	}
	b.Run("chatwoot", func(b *testing.B) {
		alternate(b, "webhook", func(from int) []delivery { return chatwootDeliveries(b, fixtures, from/len(fixtures)) },
			func(s *benchServer, d delivery) { s.do(b, s.hook, "application/json", d.body, d.header...) })
	})
	// OTLP: each export holds turns of new conversations, each turn an
	// invoke_agent span with a tool and a retrieval under it.
	for _, turns := range []int{1, 8} {
		b.Run(fmt.Sprintf("otlp/turns=%d", turns), func(b *testing.B) {
			alternate(b, "traces", func(from int) []delivery {
				var out []delivery
				for e := from; e < from+256; e++ {
					req := agentExport(e, turns)
					body, _ := proto.Marshal(req)
					out = append(out, delivery{body: body, events: eventsOf(b, otlp.Map(req).Events)})
				}
				return out
			}, func(s *benchServer, d delivery) {
				s.do(b, "/otlp/v1/traces", "application/x-protobuf", d.body, "Authorization", "Bearer "+s.otlpToken)
			})
		})
	}
}

// alternate sends each delivery both ways, alternately, so that the two
// are measured over the same stretch of time on a shared machine, each
// way to a database of its own, where every event is new: its events to
// POST /api/v1/events, and its body through the source (send). more
// makes the next deliveries, from the given count on, outside the timer.
func alternate(b *testing.B, name string, more func(from int) []delivery, send func(s *benchServer, d delivery)) {
	api, src := newBenchServer(b), newBenchServer(b)
	var (
		ds            []delivery
		byAPI, bySend time.Duration
	)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i >= len(ds) {
			b.StopTimer()
			ds = append(ds, more(len(ds))...)
			b.StartTimer()
		}
		start := time.Now()
		api.do(b, "/api/v1/events", "application/json", ds[i].events, "Authorization", "Bearer "+api.ingestToken)
		byAPI += time.Since(start)
		start = time.Now()
		send(src, ds[i])
		bySend += time.Since(start)
	}
	reportSpeed(b, byAPI, bySend, name)
}

// reportSpeed gives the time per request of each way, and how fast the source
// is against the events API (1 is as fast, 0.5 half as fast).
func reportSpeed(b *testing.B, api, src time.Duration, name string) {
	n := float64(b.N)
	b.ReportMetric(float64(api.Nanoseconds())/n, "ns/events_api")
	b.ReportMetric(float64(src.Nanoseconds())/n, "ns/"+name)
	b.ReportMetric(float64(api)/float64(src), "speed_vs_api")
}

// agentExport is export number e, of turns turns of new conversations.
func agentExport(e, turns int) *coltracepb.ExportTraceServiceRequest {
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	at := uint64(sourcesNow.Add(-time.Hour).UnixNano())
	var spans []*tracepb.Span
	for t := range turns {
		trace := make([]byte, 16)
		copy(trace, fmt.Sprintf("%08d%08d", e, t))
		id := func(n byte) []byte { return []byte{byte(e >> 16), byte(e >> 8), byte(e), byte(t), 0, 0, 0, n} }
		conv := fmt.Sprintf("bench-%d-%d", e, t)
		spans = append(spans,
			&tracepb.Span{TraceId: trace, SpanId: id(1), Name: "invoke_agent Orders", StartTimeUnixNano: at, EndTimeUnixNano: at + 3e9,
				Attributes: []*commonpb.KeyValue{str("gen_ai.operation.name", "invoke_agent"), str("gen_ai.conversation.id", conv),
					str("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Where is order 1182?"}]}]`),
					str("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"It left the warehouse today; here is the tracking link."}]}]`)}},
			&tracepb.Span{TraceId: trace, SpanId: id(2), ParentSpanId: id(1), Name: "execute_tool track_order", StartTimeUnixNano: at + 1e9, EndTimeUnixNano: at + 2e9,
				Attributes: []*commonpb.KeyValue{str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "track_order")}},
			&tracepb.Span{TraceId: trace, SpanId: id(3), ParentSpanId: id(1), Name: "retrieval help-centre", StartTimeUnixNano: at + 2e9, EndTimeUnixNano: at + 25e8,
				Attributes: []*commonpb.KeyValue{str("gen_ai.operation.name", "retrieval"), str("gen_ai.data_source.id", "help-centre"),
					str("gen_ai.retrieval.documents", `[{"id":"kb-204","score":0.91}]`)}},
		)
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}}
}
