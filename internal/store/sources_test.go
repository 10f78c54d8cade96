package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
	"github.com/parleyhq/parley/internal/store"
)

func TestSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws, other := acmeAndOther(t)

	for _, in := range []parley.NewSource{
		{Kind: "zendesk", Name: "z"},
		{Kind: parley.SourceChatwoot, Name: " "},
		{Kind: parley.SourceChatwoot, Name: "c", SigningSecret: "has a space"},
		{Kind: parley.SourceOTLP, Name: "o", SigningSecret: "abc"},
	} {
		if _, err := db.CreateSource(ctx, ws.ID, in, "h-"+in.Name, "ps_h", t0); parley.KindOf(err) != parley.KindInvalid {
			t.Errorf("%+v: %v, want invalid", in, err)
		}
	}
	cw, err := db.CreateSource(ctx, ws.ID, parley.NewSource{Kind: parley.SourceChatwoot, Name: "Chatwoot", SigningSecret: "s3cret"}, "hash-cw", "ps_cw", t0)
	if err != nil || !cw.Signed || cw.ID == 0 {
		t.Fatalf("create: %+v %v", cw, err)
	}
	got, secret, err := db.SourceByToken(ctx, "hash-cw")
	if err != nil || got.ID != cw.ID || secret != "s3cret" || got.Kind != parley.SourceChatwoot {
		t.Errorf("by token: %+v %q %v", got, secret, err)
	}
	if _, _, err := db.SourceByToken(ctx, "hash-nobody"); parley.KindOf(err) != parley.KindUnauthorized {
		t.Errorf("an unknown token: %v", err)
	}
	if _, err := db.Source(ctx, other.ID, cw.ID); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("another workspace's source: %v", err)
	}
	if s, err := db.SetSourceSecret(ctx, ws.ID, cw.ID, ""); err != nil || s.Signed {
		t.Errorf("removing the secret: %+v %v", s, err)
	}
	if _, secret, _ := db.SourceByToken(ctx, "hash-cw"); secret != "" {
		t.Errorf("the secret is still %q", secret)
	}
	ot, err := db.CreateSource(ctx, ws.ID, parley.NewSource{Kind: parley.SourceOTLP, Name: "Traces"}, "hash-ot", "ps_ot", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetSourceSecret(ctx, ws.ID, ot.ID, "abc"); parley.KindOf(err) != parley.KindInvalid {
		t.Errorf("a secret for an otlp source: %v", err)
	}

	// A delivery counts on its source in the transaction that stores it.
	e := parley.Event{ID: "e1", Type: parley.EventMessage, ConversationID: "c1", OccurredAt: t0.Add(123456789 * time.Nanosecond),
		Author: parley.AuthorVisitor, Text: "hi"}
	body, _ := ingest.Canonical(&e)
	batch := ingest.Batch{Items: []ingest.Item{{Event: e, Body: body}}}
	for range 2 {
		if _, err := db.InsertDelivery(ctx, ws.ID, store.Delivery{Source: cw.ID, Batch: batch, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.InsertDelivery(ctx, ws.ID, store.Delivery{Source: cw.ID, Ignored: true, At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := db.RejectDelivery(ctx, ws.ID, cw.ID, "body: not a Chatwoot webhook", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	s, _ := db.Source(ctx, ws.ID, cw.ID)
	if s.Deliveries != 3 || s.Events != 1 || s.Duplicates != 1 || s.Ignored != 1 || s.Rejected != 1 ||
		s.LastError != "body: not a Chatwoot webhook" || s.LastDeliveryAt == nil || !s.LastDeliveryAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("counts %+v", s)
	}
	times, err := db.EventTimes(ctx, ws.ID, []string{"e1", "nope"})
	if err != nil || len(times) != 1 || !times["e1"].Equal(e.OccurredAt) {
		t.Errorf("event times %v %v", times, err)
	}

	if err := db.RevokeSource(ctx, ws.ID, cw.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeSource(ctx, ws.ID, cw.ID, t0); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("revoking twice: %v", err)
	}
	if got, _, err := db.SourceByToken(ctx, "hash-cw"); err != nil || got.Live() {
		t.Errorf("a revoked source: %+v %v", got, err)
	}
	if _, err := db.SetSourceSecret(ctx, ws.ID, cw.ID, "x"); parley.KindOf(err) != parley.KindNotFound {
		t.Errorf("a secret for a revoked source: %v", err)
	}
	list, err := db.Sources(ctx, ws.ID)
	if err != nil || len(list) != 2 || list[0].ID != ot.ID || list[1].RevokedAt == nil {
		t.Errorf("list %+v %v", list, err)
	}
	if list, _ := db.Sources(ctx, other.ID); len(list) != 0 {
		t.Errorf("another workspace lists %+v", list)
	}
}
