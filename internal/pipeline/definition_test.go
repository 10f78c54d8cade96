package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestDefinitionChangeRecomputes: changing the resolution definition
// recomputes stored outcomes and rollups from the raw events, as a change
// of time zone does, and changing it back gives the first numbers again.
func TestDefinitionChangeRecomputes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	start := end.Add(-10 * 24 * time.Hour)
	ev := func(id, conv string, at time.Duration, e parley.Event) parley.Event {
		e.ID, e.ConversationID, e.OccurredAt = id, conv, start.Add(at)
		return e
	}
	agent := func(e parley.Event) parley.Event {
		e.Type, e.Author = parley.EventMessage, parley.AuthorCustomerAgent
		return e
	}
	insert(t, db, ws, storetest.Items(t,
		// A bot that cannot report citations answers; the visitor is pleased.
		ev("a1", "bot", 0, parley.Event{Type: parley.EventConversationStarted, Channel: "chat"}),
		ev("a2", "bot", time.Minute, agent(parley.Event{Text: "Here is how."})),
		ev("a3", "bot", time.Hour, parley.Event{Type: parley.EventCSAT, Rating: parley.CSATRating(5)}),
		// A search cites a source, then the booking fails.
		ev("b1", "booking", 0, parley.Event{Type: parley.EventConversationStarted, Channel: "chat"}),
		ev("b2", "booking", time.Minute, agent(parley.Event{Sources: []parley.Source{{ID: "kb-1"}}})),
		ev("b3", "booking", 2*time.Minute, agent(parley.Event{Actions: []parley.Action{{Name: "book", Status: parley.ActionFailed}}})),
	))
	w := pipeline.New(db, pipeline.Options{Now: func() time.Time { return end }})
	outcomes := func() map[string]string {
		pass(t, w)
		cs, err := db.Conversations(ctx, ws.ID, store.ConversationQuery{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, c := range cs {
			out[c.ConversationID] = string(c.Outcome) + " " + fmt.Sprint(c.Reasons)
		}
		return out
	}
	before := outcomes()
	if diff := cmp.Diff(map[string]string{"bot": "unresolved [no_source_or_action]", "booking": "resolved []"}, before); diff != "" {
		t.Errorf("under the default definition (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		change map[string]string
		want   map[string]string
	}{
		{map[string]string{"resolution_criterion": "any_agent_reply"}, map[string]string{"bot": "resolved []", "booking": "resolved []"}},
		{map[string]string{"failed_last_action": "true"}, map[string]string{"bot": "resolved []", "booking": "unresolved [last_action_failed]"}},
		{map[string]string{"resolution_criterion": "cited_source_or_action", "failed_last_action": "false"}, before},
	} {
		c, err := db.ChangeSettings(ctx, ws.ID, func(s parley.Settings) (parley.Settings, error) { return s.ApplyText(tt.change) }, "test", end)
		if err != nil || !c.Recompute {
			t.Fatalf("%v: %+v, %v", tt.change, c, err)
		}
		if diff := cmp.Diff(tt.want, outcomes()); diff != "" {
			t.Errorf("after %v (-want +got):\n%s", tt.change, diff)
		}
	}
}
