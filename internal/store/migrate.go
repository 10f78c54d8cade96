package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
)

// migrationLock keys the PostgreSQL advisory lock held while migrating
// ("parley" in ASCII).
const migrationLock int64 = 0x7061726c6579

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Files are named
// NNNN_name.sql; the number is the version.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number and '_'", base)
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies every embedded migration not yet applied, all in one
// transaction: a migration that fails leaves the schema as it was, with none
// of the others applied either. On PostgreSQL an advisory lock keeps several
// processes that start together from applying the same migration twice.
func (db *DB) Migrate(ctx context.Context) error { return db.migrate(ctx, math.MaxInt) }

// migrate applies the migrations up to version.
func (db *DB) migrate(ctx context.Context, version int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			// A migration may rewrite a large table, and a process that
			// starts beside one that migrates waits for it to finish.
			if err := longStatements(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = 0`); err != nil {
				return fmt.Errorf("store: lift lock timeout: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
				return fmt.Errorf("store: migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, schemaWords[db.dialect].Replace(
			`CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at {{instant}} NOT NULL)`)); err != nil {
			return fmt.Errorf("store: create schema_migrations: %w", err)
		}
		rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
		applied, err := collectSet[int](rows, err, "read schema_migrations")
		if err != nil {
			return err
		}
		for _, m := range ms {
			if applied[m.version] || m.version > version {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.dialect.migrationSQL(m.sql)); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)`),
				m.version, m.name); err != nil {
				return fmt.Errorf("store: record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// SchemaVersion returns the highest applied migration and the highest
// embedded one; they differ when the database needs `parley migrate`.
func (db *DB) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	var v sql.NullInt64
	if err := db.primary.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, latest, fmt.Errorf("store: schema version: %w", err)
	}
	return int(v.Int64), latest, nil
}
