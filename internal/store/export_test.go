package store

import (
	"context"
	"sort"
)

// OpenAt opens the database at dsn migrated only up to version, as an
// earlier release left it, for tests of the migrations after it.
func OpenAt(ctx context.Context, dsn string, version int) (*DB, error) {
	db, err := open(dsn, Options{})
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx, version); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Upgrade applies the remaining migrations to a database from OpenAt, as
// Open would.
func (db *DB) Upgrade(ctx context.Context) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return db.prepare(ctx)
}

// Columns exposes the schema listing to the external tests.
func (db *DB) Columns(ctx context.Context) (map[string][]string, error) { return db.columns(ctx) }

// columns lists each table's columns, sorted, for schema comparison.
func (db *DB) columns(ctx context.Context) (map[string][]string, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
	      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if db.dialect == Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		out[table] = append(out[table], col)
	}
	for _, cols := range out {
		sort.Strings(cols)
	}
	return out, rows.Err()
}

// Exec runs a statement on the write connection, for tests that must set
// up what the store's own methods never write.
func (db *DB) Exec(ctx context.Context, q string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(q), args...)
	return err
}

// Setting reads a PostgreSQL setting as the given pool's sessions see it.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.write.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}

// Arena identifies the memory the batch's events from records were decoded
// into; nil once Decided gave it up.
func (ev *Evaluation) Arena() any { return ev.arena }
