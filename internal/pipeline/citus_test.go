package pipeline_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/clocktest"
	"github.com/parleyhq/parley/internal/pipeline"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestCitusMatchesPostgres runs the same streams in two workspaces through
// ingest, evaluation and grouping on a Citus cluster (tables distributed by
// workspace) and on plain PostgreSQL, and checks that the two workspaces'
// rows live on different workers — read there, from the shards themselves —
// and that every outcome, rollup and topic equals plain PostgreSQL's.
//
// It runs with PARLEY_TEST_CITUS=1 (.ci/citus.sh). Plain PostgreSQL is the
// server PARLEY_TEST_POSTGRES_PLAIN names, or else a schema on the
// coordinator whose tables are left undistributed: there the coordinator
// runs every query alone, as plain PostgreSQL does.
func TestCitusMatchesPostgres(t *testing.T) {
	t.Parallel()
	storetest.CitusOnly(t)
	ctx := context.Background()
	distDSN := storetest.DSN(t)
	dist := open(t, distDSN)
	plainURL := os.Getenv("PARLEY_TEST_POSTGRES_PLAIN")
	if plainURL == "" {
		plainURL = storetest.PostgresURL()
	}
	plain := open(t, storetest.PostgresSchema(t, plainURL))

	// Workspaces are made in the same order in both databases, so they get
	// the same ids, until two of them are on different workers.
	raw := storetest.Raw(t, distDSN)
	var (
		pair  [2]parley.Workspace
		nodes [2]shardPlace
		found int
	)
	for i := 0; found < 2 && i < 8; i++ {
		slug := fmt.Sprintf("tenant-%d", i)
		ws := ensure(t, dist, slug)
		ensure(t, plain, slug)
		p := placeOf(t, raw, "events", ws.ID)
		if found == 0 || p.node != nodes[0].node {
			pair[found], nodes[found] = ws, p
			found++
		}
	}
	if found < 2 {
		t.Fatalf("eight workspaces all on worker %s: the tables are not spread over the workers", nodes[0].node)
	}

	clk := clocktest.New(end.Add(24 * time.Hour))
	for i, ws := range pair {
		items := generate(t, 300, 7, int64(20+i))
		for _, db := range []*store.DB{dist, plain} {
			insert(t, db, ws, items)
		}
		// Each workspace's events are on its worker, in its shard.
		if n := countOnWorker(t, raw, distDSN, nodes[i], "events", ws.ID); n != len(items) {
			t.Errorf("workspace %d: %d events in shard %d on %s, want %d", ws.ID, n, nodes[i].shard, nodes[i].node, len(items))
		}
	}
	for _, db := range []*store.DB{dist, plain} {
		pass(t, pipeline.New(db, pipeline.Options{Now: clk.Now}))
	}
	for i, ws := range pair {
		d, p := snap(t, dist, ws), snap(t, plain, ws)
		if len(d.Conversations) == 0 || len(d.Rollups) == 0 {
			t.Fatalf("workspace %d: nothing evaluated on Citus", ws.ID)
		}
		if diff := cmp.Diff(p, d); diff != "" {
			t.Errorf("workspace %d: Citus differs from PostgreSQL (-postgres +citus):\n%s", ws.ID, diff)
		}
		dt, err := dist.Topics(ctx, ws.ID, store.TopicFilter{AnyState: true})
		if err != nil {
			t.Fatal(err)
		}
		pt, err := plain.Topics(ctx, ws.ID, store.TopicFilter{AnyState: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(dt) == 0 {
			t.Errorf("workspace %d: no topics grouped on Citus", ws.ID)
		}
		if diff := cmp.Diff(pt, dt); diff != "" {
			t.Errorf("workspace %d: topics on Citus differ from PostgreSQL (-postgres +citus):\n%s", ws.ID, diff)
		}
		// Its conversations are on the same worker as its events: the
		// tables are colocated.
		cp := placeOf(t, raw, "conversations", ws.ID)
		if cp.node != nodes[i].node {
			t.Errorf("workspace %d: conversations on %s, events on %s", ws.ID, cp.node, nodes[i].node)
		}
		if n := countOnWorker(t, raw, distDSN, cp, "conversations", ws.ID); n != len(d.Conversations) {
			t.Errorf("workspace %d: %d conversations on %s, want %d", ws.ID, n, cp.node, len(d.Conversations))
		}
	}
}

func open(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// shardPlace is the shard that holds a workspace's rows of a table, and
// the worker that holds the shard.
type shardPlace struct {
	shard int64
	node  string // host:port
}

// placeOf asks the coordinator where the rows of table for workspace live.
func placeOf(t *testing.T, raw *sql.DB, table string, workspaceID int64) shardPlace {
	t.Helper()
	var (
		p    shardPlace
		host string
		port int
	)
	err := raw.QueryRow(`SELECT s.shardid, n.nodename, n.nodeport
		FROM pg_dist_shard s
		JOIN pg_dist_placement pl ON pl.shardid = s.shardid
		JOIN pg_dist_node n ON n.groupid = pl.groupid
		WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::bigint)`, table, workspaceID).Scan(&p.shard, &host, &port)
	if err != nil {
		t.Fatalf("placement of workspace %d in %s: %v", workspaceID, table, err)
	}
	p.node = fmt.Sprintf("%s:%d", host, port)
	return p
}

// countOnWorker counts the workspace's rows of table in its shard, on the
// worker itself.
func countOnWorker(t *testing.T, raw *sql.DB, coordinatorDSN string, p shardPlace, table string, workspaceID int64) int {
	t.Helper()
	var schema string
	if err := raw.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(coordinatorDSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.node
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	worker := storetest.Raw(t, u.String())
	var n int
	shard := fmt.Sprintf("%s.%s_%d", schema, table, p.shard)
	if err := worker.QueryRow(`SELECT COUNT(*) FROM `+shard+` WHERE workspace_id = $1`, workspaceID).Scan(&n); err != nil {
		t.Fatalf("count %s on %s: %v", shard, p.node, err)
	}
	return n
}
