package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// beside returns a new database of the primary with its workspace acme,
// and the database's address, for a test that reads it from the streaming
// standby too; without one the test is skipped.
func beside(t *testing.T) (*store.DB, string, parley.Workspace) {
	t.Helper()
	if storetest.ReplicaURL() == "" {
		t.Skip("no streaming replica (PARLEY_TEST_REPLICA)")
	}
	db, dsn := storetest.NewDSN(t)
	return db, dsn, workspace(t, db)
}

// TestReadReplica runs against a real streaming standby of the test server
// (PARLEY_TEST_REPLICA, as .ci/run sets up with pg_basebackup -R). Beside a
// primary, the reads that may lag come from the replica: with its replay
// paused, they do not see a new conversation the primary does, and /readyz's
// role shows the replica's lag; once it replays, they do.
func TestReadReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn, ws := beside(t)
	save(t, db, ws, t0)
	replica := storetest.ReplicaDSN(t, dsn)
	opt := store.DefaultOptions()
	opt.ReadDSN = replica
	both, err := store.OpenWith(ctx, dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer both.Close()
	if _, ok := both.Pools()["replica"]; !ok {
		t.Errorf("pools %v have no replica", both.Pools())
	}

	rdb, err := sql.Open("pgx", replica)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if _, err := rdb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	defer rdb.Exec(`SELECT pg_wal_replay_resume()`)
	if _, err := both.InsertEvents(ctx, ws.ID, batch(t, msg("e1", "c1", 0, "hello"))); err != nil {
		t.Fatal(err)
	}
	save(t, both, ws, t0, parley.Outcome{ConversationID: "c1", Channel: "chat", StartedAt: t0, Kind: parley.OutcomePending, DefinitionVersion: 1})
	count := func(ctx context.Context) int {
		cs, err := both.Conversations(ctx, ws.ID, store.ConversationQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	if n := count(ctx); n != 1 {
		t.Errorf("from the primary: %d conversations, want 1", n)
	}
	if n := count(store.MayLag(ctx)); n != 0 {
		t.Errorf("from the paused replica: %d conversations, want 0 (not replayed yet)", n)
	}
	role, err := both.Role(ctx)
	if err != nil || role.Primary != "primary" || role.ReadOnly || role.Replica == nil || role.Replica.LagSeconds <= 0 {
		t.Errorf("role with a paused replica: %+v %+v, %v", role, role.Replica, err)
	}
	if _, err := rdb.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	storetest.CatchUp(t, dsn, replica)
	if n := count(store.MayLag(ctx)); n != 1 {
		t.Errorf("from the replica once replayed: %d conversations, want 1", n)
	}
}

// TestOpenStandby opens the standby itself, as `parley serve --db STANDBY`
// and `parley report --db STANDBY` do: it is found to be one, nothing is
// migrated or created, tokens work without noting their use, and a write
// is refused with an error that says why.
func TestOpenStandby(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn, ws := beside(t)
	if _, err := db.CreateToken(ctx, ws.ID, "reader", "hash-1", "pk_1", []parley.Scope{parley.ScopeRead}, t0); err != nil {
		t.Fatal(err)
	}
	sdb, err := store.Open(ctx, storetest.ReplicaDSN(t, dsn))
	if err != nil {
		t.Fatalf("open the standby: %v", err)
	}
	defer sdb.Close()
	role, err := sdb.Role(ctx)
	if err != nil || !sdb.ReadOnly() || role.Primary != "standby" || role.Replica == nil {
		t.Errorf("standby: read-only %v, role %+v, %v", sdb.ReadOnly(), role, err)
	}
	if _, err := sdb.EnsureWorkspace(ctx, "acme", t0); err != nil {
		t.Errorf("an existing workspace on the standby: %v", err)
	}
	if _, err := sdb.EnsureWorkspace(ctx, "other", t0); parley.KindOf(err) != parley.KindNotFound || !strings.Contains(err.Error(), "primary") {
		t.Errorf("a new workspace on the standby: %v, want not found, naming the primary", err)
	}
	if tok, err := sdb.UseToken(ctx, "hash-1", t0.Add(time.Hour)); err != nil || tok.LastUsedAt != nil {
		t.Errorf("a token on the standby: %+v, %v; want it found, its use not written", tok, err)
	}
	_, err = sdb.InsertEvents(ctx, ws.ID, batch(t, msg("e1", "c1", 0, "hello")))
	if refusal, ok := store.ReadOnlyRefusal(err); !ok || parley.KindOf(refusal) != parley.KindForbidden {
		t.Errorf("a write on the standby: %v", err)
	}
}
