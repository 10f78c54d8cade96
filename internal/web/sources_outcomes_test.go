package web_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
)

// exportHandoff records, with the real SDK, a turn whose agent cannot
// answer and hands the conversation to a person.
func exportHandoff(t *testing.T, endpoint, token, conversation string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("support-agent").Start(ctx, "invoke_agent Orders", trace.WithTimestamp(at), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.conversation.id", conversation),
		attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Can I pay my invoice in instalments?"}]}]`),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"I can't arrange that; a colleague will help."}]}]`),
		attribute.Bool("parley.unanswered", true),
		attribute.Bool("parley.handoff", true),
		attribute.String("parley.handoff.reason", "cannot_answer"),
	))
	span.End(trace.WithTimestamp(at.Add(2 * time.Second)))
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSourceOutcomes delivers three Chatwoot exchanges (a bot that answers
// and is rated 5 by CSAT, a bot that hands off, people alone) and two
// OpenTelemetry agent runs through the sources, and computes their
// outcomes under each resolution criterion, as the evaluation worker does.
func TestSourceOutcomes(t *testing.T) {
	t.Parallel()
	s := newSourceServer(t)
	hook := s.newSource(t, parley.SourceChatwoot, "")["url"].(string)
	files := fixtures(t)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if status, out := deliver(t, hook, files[name]); status != 200 {
			t.Fatalf("%s: %d %v", name, status, out)
		}
	}
	otlpSrc := s.newSource(t, parley.SourceOTLP, "")
	at := sourcesNow.Add(-2 * time.Hour)
	if err := runAgent(t, otlpSrc["url"].(string), map[string]string{"Authorization": "Bearer " + otlpSrc["token"].(string)}, "order-1182", at, true); err != nil {
		t.Fatal(err)
	}
	exportHandoff(t, otlpSrc["url"].(string), otlpSrc["token"].(string), "invoice-77", at.Add(time.Hour))

	type outcome struct {
		kind       parley.OutcomeKind
		resolution parley.Resolution
		reasons    string
		initiator  parley.Initiator
	}
	want := map[parley.Criterion]map[string]outcome{
		parley.CriterionCitedSourceOrAction: {
			"chatwoot:3:41": {kind: parley.OutcomeUnresolved, reasons: "no_source_or_action"},
			"chatwoot:3:42": {kind: parley.OutcomeHandedOff, initiator: parley.InitiatorCustomerAgent},
			"chatwoot:3:43": {kind: parley.OutcomeNotHandled},
			"order-1182":    {kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed},
			"invoice-77":    {kind: parley.OutcomeHandedOff, initiator: parley.InitiatorCustomerAgent},
		},
		parley.CriterionAnyAgentReply: {
			"chatwoot:3:41": {kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed},
			"chatwoot:3:42": {kind: parley.OutcomeHandedOff, initiator: parley.InitiatorCustomerAgent},
			"chatwoot:3:43": {kind: parley.OutcomeNotHandled},
			"order-1182":    {kind: parley.OutcomeResolved, resolution: parley.ResolutionAssumed},
			"invoice-77":    {kind: parley.OutcomeHandedOff, initiator: parley.InitiatorCustomerAgent},
		},
	}
	ctx := context.Background()
	// Four days on, past every decision time (a 72-hour window).
	later := sourcesNow.Add(96 * time.Hour)
	for _, criterion := range []parley.Criterion{parley.CriterionCitedSourceOrAction, parley.CriterionAnyAgentReply} {
		if _, err := s.db.ChangeSettings(ctx, s.ws.ID, func(st parley.Settings) (parley.Settings, error) {
			st.ResolutionCriterion = criterion
			return st, nil
		}, "test", later); err != nil {
			t.Fatal(err)
		}
		ws, err := s.db.WorkspaceByID(ctx, s.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.New(s.db, pipeline.Options{Now: func() time.Time { return later }}).Rebuild(ctx, ws, nil); err != nil {
			t.Fatal(err)
		}
		convs, err := s.db.Conversations(ctx, s.ws.ID, store.ConversationQuery{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]outcome{}
		var table []string
		for _, c := range convs {
			reasons := make([]string, len(c.Reasons))
			for i, r := range c.Reasons {
				reasons[i] = string(r)
			}
			got[c.ConversationID] = outcome{kind: c.Outcome, resolution: c.Resolution, reasons: strings.Join(reasons, ","), initiator: c.HandoffInitiator}
			table = append(table, fmt.Sprintf("%-14s %-12s %-9s %-20s %s", c.ConversationID, c.Outcome, c.Resolution, strings.Join(reasons, ","), c.HandoffInitiator))
		}
		t.Logf("resolution_criterion=%s:\n%s", criterion, strings.Join(table, "\n"))
		for id, w := range want[criterion] {
			if got[id] != w {
				t.Errorf("%s, %s: %+v, want %+v", criterion, id, got[id], w)
			}
		}
		if len(got) != len(want[criterion]) {
			t.Errorf("%s: %d conversations evaluated, want %d", criterion, len(got), len(want[criterion]))
		}
	}
}
