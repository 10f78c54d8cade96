package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// TablePlacement is where Citus keeps a table.
type TablePlacement string

// The placements Distribute gives tables.
const (
	// Distributed tables are split into shards by workspace_id, all
	// colocated: a workspace's rows of every table live on one node, so
	// that every query about one workspace runs there whole.
	Distributed TablePlacement = "distributed"
	// Reference tables are small and copied to every node: the rows that
	// are read before the workspace is known, or by every workspace.
	Reference TablePlacement = "reference"
	// Local tables stay on the coordinator.
	Local TablePlacement = "local"
)

// referenceTables are the tables copied to every node, in an order where
// each comes after the tables its foreign keys name. None is written per
// event: workspaces holds settings (PostgreSQL numbers events from the
// sequence event_blocks, not from the workspace row), the others people,
// sessions and the workspace of each token.
var referenceTables = []string{"workspaces", "users", "memberships", "sessions", "token_workspaces"}

// localTables stay on the coordinator, which runs every migration.
var localTables = []string{"schema_migrations"}

// PlacementOf returns where Distribute puts a table with the given
// columns: every table with a workspace_id is distributed by it, unless it
// is one of the few reference tables. A table that is neither has no place,
// and ok is false: a migration that adds one must say where it goes.
func PlacementOf(table string, hasWorkspaceID bool) (p TablePlacement, ok bool) {
	switch {
	case slices.Contains(referenceTables, table):
		return Reference, true
	case slices.Contains(localTables, table):
		return Local, true
	case hasWorkspaceID:
		return Distributed, true
	}
	return "", false
}

// DistributeOptions say how Distribute splits tables.
type DistributeOptions struct {
	// Shards is the number of shards of the distributed tables; 0 takes
	// the server's citus.shard_count (32 unless set). It applies to the
	// first table distributed; the others are colocated with it.
	Shards int
}

// DistributedTable reports what Distribute did to one table.
type DistributedTable struct {
	Table     string
	Placement TablePlacement
	// Done is false for a table that was already in place.
	Done bool
}

// Distribute places the schema's tables on a Citus cluster (SPEC §9):
// reference tables copied to every node, the others sharded by
// workspace_id, so that each workspace lives on one worker. It is run on
// the coordinator after migrating, and again after a release that adds
// tables (it skips those already placed). Rows already in a table are
// moved to its shards. PostgreSQL without the citus extension, and SQLite,
// are refused.
func (db *DB) Distribute(ctx context.Context, opt DistributeOptions) ([]DistributedTable, error) {
	if db.dialect != Postgres {
		return nil, fmt.Errorf("store: distribute: only a PostgreSQL database with the citus extension can be distributed")
	}
	var citus sql.NullString
	if err := db.primary.QueryRowContext(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'citus'`).Scan(&citus); err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("store: distribute: %w", err)
	}
	if !citus.Valid {
		return nil, fmt.Errorf("store: distribute: the database has no citus extension (CREATE EXTENSION citus on the coordinator and every worker first)")
	}
	var out []DistributedTable
	err := inTxOn(ctx, db.primary, func(tx *sql.Tx) error {
		var err error
		out, err = distribute(ctx, tx, opt)
		return err
	})
	return out, err
}

// distribute is Distribute in tx: all tables are placed, or none.
func distribute(ctx context.Context, tx *sql.Tx, opt DistributeOptions) ([]DistributedTable, error) {
	// Copying a large table to its shards takes long; another process
	// that migrates waits for it.
	if err := longStatements(ctx, tx); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = 0`); err != nil {
		return nil, fmt.Errorf("store: lift lock timeout: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	// Foreign keys from distributed tables to reference tables made in
	// the same transaction need Citus to use one connection per node.
	if _, err := tx.ExecContext(ctx, `SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`); err != nil {
		return nil, fmt.Errorf("store: distribute: %w", err)
	}
	// Citus would turn every table with a foreign key to a new reference
	// table into a "local" table of its metadata; such a table with an
	// identity column cannot be distributed afterwards. They are
	// distributed straight from plain tables instead.
	if _, err := tx.ExecContext(ctx, `SET LOCAL citus.enable_local_reference_table_foreign_keys TO off`); err != nil {
		return nil, fmt.Errorf("store: distribute: %w", err)
	}
	tables, err := schemaTables(ctx, tx)
	if err != nil {
		return nil, err
	}
	placed, err := placedTables(ctx, tx)
	if err != nil {
		return nil, err
	}
	var ref, dist []string
	for _, t := range tables {
		p, ok := PlacementOf(t.name, t.hasWorkspaceID)
		if !ok {
			return nil, fmt.Errorf("store: distribute: table %s has no workspace_id and is not a reference table: it has no place on Citus", t.name)
		}
		switch p {
		case Reference:
			ref = append(ref, t.name)
		case Distributed:
			dist = append(dist, t.name)
		}
	}
	// Reference tables first, in the order of their foreign keys; then the
	// distributed ones, whose foreign keys name reference tables only.
	slices.SortFunc(ref, func(a, b string) int {
		return slices.Index(referenceTables, a) - slices.Index(referenceTables, b)
	})
	var (
		out    []DistributedTable
		anchor string
		moved  []string
	)
	for _, t := range dist {
		if placed[t] && anchor == "" {
			anchor = t
		}
	}
	for _, t := range ref {
		done := !placed[t]
		if done {
			if _, err := tx.ExecContext(ctx, `SELECT create_reference_table($1)`, t); err != nil {
				return out, fmt.Errorf("store: distribute %s: %w", t, err)
			}
			moved = append(moved, t)
		}
		out = append(out, DistributedTable{Table: t, Placement: Reference, Done: done})
	}
	for _, t := range dist {
		done := !placed[t]
		if done {
			var err error
			switch {
			case anchor != "":
				_, err = tx.ExecContext(ctx, `SELECT create_distributed_table($1, 'workspace_id', colocate_with => $2)`, t, anchor)
			case opt.Shards > 0:
				_, err = tx.ExecContext(ctx, `SELECT create_distributed_table($1, 'workspace_id', shard_count => $2)`, t, opt.Shards)
			default:
				_, err = tx.ExecContext(ctx, `SELECT create_distributed_table($1, 'workspace_id')`, t)
			}
			if err != nil {
				return out, fmt.Errorf("store: distribute %s: %w", t, err)
			}
			if anchor == "" {
				anchor = t
			}
			moved = append(moved, t)
		}
		out = append(out, DistributedTable{Table: t, Placement: Distributed, Done: done})
	}
	// The rows were copied to the shards; the coordinator's own copies go
	// once every table that refers to them is placed too.
	for _, t := range slices.Backward(moved) {
		if _, err := tx.ExecContext(ctx, `SELECT truncate_local_data_after_distributing_table($1)`, t); err != nil {
			return out, fmt.Errorf("store: distribute %s: drop the coordinator's copy: %w", t, err)
		}
	}
	return out, nil
}

// schemaTable is a table of the database's schema.
type schemaTable struct {
	name           string
	hasWorkspaceID bool
}

// schemaTables lists the tables of the current schema, by name.
func schemaTables(ctx context.Context, tx *sql.Tx) ([]schemaTable, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT t.table_name, EXISTS (
			SELECT 1 FROM information_schema.columns c
			WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'workspace_id')
		FROM information_schema.tables t
		WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY t.table_name`)
	return collect(rows, err, "list tables", func(r rowScanner) (t schemaTable, err error) {
		err = r.Scan(&t.name, &t.hasWorkspaceID)
		return t, err
	})
}

// placedTables returns the tables of the current schema Citus already
// distributes or copies.
func placedTables(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT c.relname FROM pg_dist_partition p
		JOIN pg_class c ON c.oid = p.logicalrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema()`)
	return collectSet[string](rows, err, "list distributed tables")
}
