package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// TestSaveReplacesUses: evaluated again, a conversation cites exactly the
// sources and actions of its new outcome — those it cites no more are
// dropped, new ones added, kept ones still found — and test traffic cites
// none; a conversation of the same batch that cites the same keeps its own.
func TestSaveReplacesUses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := acme(t)
	source := func(key string) parley.Use {
		return parley.Use{Kind: parley.UseSource, Key: key, Title: key, URL: "https://help.example/" + key}
	}
	action := func(key string) parley.Use { return parley.Use{Kind: parley.UseAction, Key: key, Calls: 1} }
	outcome := func(id string, uses ...parley.Use) parley.Outcome {
		return parley.Outcome{ConversationID: id, Channel: "chat", StartedAt: t0, Kind: parley.OutcomeResolved,
			Resolution: parley.ResolutionAssumed, DefinitionVersion: 1, Uses: uses}
	}
	citing := func(f parley.ConversationFilter) []string {
		t.Helper()
		page, err := db.Conversations(ctx, ws.ID, store.ConversationQuery{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range page {
			ids = append(ids, c.ConversationID)
		}
		slices.Sort(ids)
		return ids
	}
	type cited struct {
		f    parley.ConversationFilter
		want []string
	}
	check := func(when string, tests ...cited) {
		t.Helper()
		for _, tt := range tests {
			if got := citing(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %+v cited by %v, want %v", when, tt.f, got, tt.want)
			}
		}
	}
	insert(t, db, ws, msg("e1", "c1", 0, "hi"), msg("e2", "c2", time.Minute, "hello"))
	save(t, db, ws, t0, outcome("c1", source("faq"), source("refunds"), action("lookup")), outcome("c2", source("faq")))
	check("at first",
		cited{parley.ConversationFilter{Source: "faq"}, []string{"c1", "c2"}},
		cited{parley.ConversationFilter{Source: "refunds"}, []string{"c1"}},
		cited{parley.ConversationFilter{Action: "lookup"}, []string{"c1"}},
		cited{parley.ConversationFilter{Source: "shipping"}, nil})

	// c1 cites refunds no more, shipping now, the action twice over; c2 is
	// evaluated again in the same batch with what it had.
	insert(t, db, ws, msg("e3", "c1", 2*time.Minute, "and?"), msg("e4", "c2", 3*time.Minute, "ok"))
	save(t, db, ws, t0, outcome("c1", source("faq"), source("shipping"), action("lookup"), action("lookup")), outcome("c2", source("faq")))
	check("evaluated again",
		cited{parley.ConversationFilter{Source: "faq"}, []string{"c1", "c2"}},
		cited{parley.ConversationFilter{Source: "refunds"}, nil},
		cited{parley.ConversationFilter{Source: "shipping"}, []string{"c1"}},
		cited{parley.ConversationFilter{Action: "lookup"}, []string{"c1"}})

	// Test traffic cites nothing.
	insert(t, db, ws, msg("e5", "c1", 4*time.Minute, "test"))
	test := outcome("c1", source("faq"))
	test.Test = true
	save(t, db, ws, t0, test)
	check("as test traffic",
		cited{parley.ConversationFilter{Source: "faq", Test: parley.TestInclude}, []string{"c2"}},
		cited{parley.ConversationFilter{Source: "shipping", Test: parley.TestInclude}, nil},
		cited{parley.ConversationFilter{Action: "lookup", Test: parley.TestInclude}, nil})
}
