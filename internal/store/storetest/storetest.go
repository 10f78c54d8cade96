// Package storetest gives each test a migrated, empty database of the
// dialect under test, so that one suite runs on SQLite and on PostgreSQL.
//
// SQLite is the default. With PARLEY_TEST_DB=postgres every database is a
// fresh schema in the PostgreSQL server named by PARLEY_TEST_POSTGRES
// (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable),
// dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/store"
)

// DefaultPostgres is the server used when PARLEY_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv("PARLEY_TEST_DB") == "postgres" }

// PostgresURL returns the server tests connect to when Postgres() is true.
func PostgresURL() string {
	if u := os.Getenv("PARLEY_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// Citus reports whether PostgreSQL tests run on a Citus coordinator
// (PARLEY_TEST_CITUS=1 beside PARLEY_TEST_DB=postgres): every database is
// then migrated and distributed (store.Distribute, two shards) before the
// test sees it, so that the suite runs on sharded tables.
func Citus() bool { return Postgres() && os.Getenv("PARLEY_TEST_CITUS") == "1" }

// PostgresOnly skips t, saying why, unless tests run against PostgreSQL:
// for a test of what only PostgreSQL does (writers side by side, its
// sessions' settings).
func PostgresOnly(t testing.TB, why string) {
	t.Helper()
	if !Postgres() {
		t.Skip(why)
	}
}

// SQLiteOnly skips t, saying why, when tests run against PostgreSQL: for a
// test of what only the embedded database does (its prepared statements,
// its temporary store).
func SQLiteOnly(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip(why)
	}
}

// CitusOnly skips t unless tests run on a Citus cluster.
func CitusOnly(t testing.TB) {
	t.Helper()
	if !Citus() {
		t.Skip("needs a Citus cluster: PARLEY_TEST_CITUS=1 (see .ci/citus.sh)")
	}
}

// DSN returns the address of a new, empty database for the test, for code
// under test that opens the database itself (the CLI, a child process).
func DSN(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		return "sqlite:" + filepath.Join(t.TempDir(), "parley.db")
	}
	if Citus() {
		return citusDSN(t)
	}
	return PostgresSchema(t, PostgresURL())
}

// UnmigratedDSN is DSN for a test that migrates the database itself, to an
// older version (an upgrade test). DSN's databases on Citus come migrated
// and distributed; this one is a plain schema on the coordinator there.
func UnmigratedDSN(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		return DSN(t)
	}
	return PostgresSchema(t, PostgresURL())
}

// citusSchemas holds distributed test databases that earlier tests of the
// process are done with, emptied for the next: distributing a schema takes
// seconds, emptying one a fraction of a second. They outlive the process;
// the cluster of .ci/citus.sh is thrown away whole.
var citusSchemas struct {
	sync.Mutex
	free []string
}

// citusDSN returns a distributed database for the test, empty but for its
// schema version, and takes it back emptied when the test ends.
func citusDSN(t testing.TB) string {
	t.Helper()
	citusSchemas.Lock()
	var dsn string
	if n := len(citusSchemas.free); n > 0 {
		dsn, citusSchemas.free = citusSchemas.free[n-1], citusSchemas.free[:n-1]
	}
	citusSchemas.Unlock()
	if dsn == "" {
		schema, err := createSchema(PostgresURL())
		if err != nil {
			t.Fatalf("storetest: %v", err)
		}
		dsn = schemaDSN(t, PostgresURL(), schema)
		if err := distribute(dsn); err != nil {
			dropSchema(PostgresURL(), schema)
			t.Fatalf("storetest: %v", err)
		}
	}
	t.Cleanup(func() {
		if err := empty(dsn); err != nil {
			u, _ := url.Parse(dsn)
			if err := dropSchema(PostgresURL(), u.Query().Get("search_path")); err != nil {
				t.Errorf("storetest: %v", err)
			}
			return
		}
		citusSchemas.Lock()
		citusSchemas.free = append(citusSchemas.free, dsn)
		citusSchemas.Unlock()
	})
	return dsn
}

// distribute migrates the database at dsn and places its tables on the
// Citus cluster.
func distribute(dsn string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Distribute(ctx, store.DistributeOptions{Shards: 2})
	return err
}

// empty removes every row a test wrote to the database at dsn and restarts
// its numbering, leaving it as migrated: ids from 1, arrival numbers from
// the first block.
func empty(dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A test that left a transaction open gets its schema dropped instead.
	if _, err := conn.ExecContext(ctx, `SET lock_timeout = '5s'`); err != nil {
		return err
	}
	var tables []string
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `TRUNCATE `+strings.Join(tables, ", ")+` RESTART IDENTITY`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `SELECT setval('event_blocks', 1)`)
	return err
}

// PostgresSchema creates a schema with a random name on the server at base
// and returns a DSN whose connections use it; the schema is dropped when
// the test ends.
func PostgresSchema(t testing.TB, base string) string {
	t.Helper()
	schema, err := createSchema(base)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := dropSchema(base, schema); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return schemaDSN(t, base, schema)
}

// createSchema creates a schema with a random name on the server at base.
func createSchema(base string) (string, error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", base, err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", fmt.Errorf("create schema (is PostgreSQL running at %s?): %w", base, err)
	}
	return schema, nil
}

// dropSchema drops a schema createSchema made, with everything in it.
func dropSchema(base, schema string) error {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return fmt.Errorf("open %s: %w", base, err)
	}
	defer admin.Close()
	if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	return nil
}

// schemaDSN returns a DSN for the server at base whose connections use
// schema.
func schemaDSN(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// New returns a migrated, empty database for the test, closed when it ends.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, _ := NewDSN(t)
	return db
}

// NewDSN is New for a test that also opens the database another way (a
// second pool, a raw connection, a child process): it returns the
// database's address beside it.
//
// On SQLite the database is a copy of one migrated once per test binary:
// running every migration again costs a test seconds under -race, writing
// the file a few milliseconds. The migrations themselves are tested from an
// empty database (DSN, UnmigratedDSN).
func NewDSN(t testing.TB) (*store.DB, string) {
	t.Helper()
	dsn := migratedDSN(t)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

// migrated is an SQLite database as the migrations leave it, its files by
// suffix ("" and "-wal"), made by the first test that asks for one.
var migrated struct {
	once  sync.Once
	files map[string][]byte
	err   error
}

// migratedDSN returns the address of a new, migrated, empty database for
// the test: on SQLite a copy of migrated, elsewhere DSN's.
func migratedDSN(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return DSN(t)
	}
	migrated.once.Do(func() { migrated.files, migrated.err = migrateSQLite() })
	if migrated.err != nil {
		t.Fatalf("storetest: migrate a template database: %v", migrated.err)
	}
	path := filepath.Join(t.TempDir(), "parley.db")
	for suffix, b := range migrated.files {
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	return "sqlite:" + path
}

// migrateSQLite migrates a new SQLite database, closes it and returns its
// files.
func migrateSQLite() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "parley-migrated-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "parley.db")
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		files[suffix] = b
	}
	return files, nil
}

// Raw opens the database at dsn (one DSN returned) without the store, for
// a test that damages it the way a bug, a restore or a hand edit could.
// Its queries take ? placeholders through Rebind.
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	raw, err := openRaw(dsn)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", dsn, err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// openRaw opens the database at dsn with its driver alone.
func openRaw(dsn string) (*sql.DB, error) {
	if strings.HasPrefix(dsn, "postgres") {
		return sql.Open("pgx", dsn)
	}
	return sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(10000)")
}

// Rebind turns the ? placeholders of q into PostgreSQL's $1, $2, … when the
// tests run there.
func Rebind(q string) string {
	if !Postgres() {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Snapshot returns every row of every table of the database at dsn, each
// written out as text, sorted, by table: what a test compares before and
// after a request to show that the request wrote nothing. The columns that
// reading moves on (when a token was last used) are left out.
func Snapshot(t testing.TB, dsn string) map[string][]string {
	t.Helper()
	db, err := openRaw(dsn)
	if err != nil {
		t.Fatalf("storetest: snapshot: %v", err)
	}
	defer db.Close()
	return snapshot(t, db, dsn)
}

// Snapshots is Snapshot for a test that takes many: the function it
// returns takes one through a connection opened once, and closed when t
// ends, instead of opening the database for each.
func Snapshots(t testing.TB, dsn string) func(testing.TB) map[string][]string {
	t.Helper()
	db := Raw(t, dsn)
	return func(t testing.TB) map[string][]string {
		t.Helper()
		return snapshot(t, db, dsn)
	}
}

// snapshot reads every table of db, the database at dsn.
func snapshot(t testing.TB, db *sql.DB, dsn string) map[string][]string {
	t.Helper()
	tables := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	if !strings.HasPrefix(dsn, "postgres") {
		tables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	names, err := column[string](db, tables)
	if err != nil {
		t.Fatalf("storetest: snapshot: %v", err)
	}
	out := map[string][]string{}
	for _, table := range names {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("storetest: snapshot %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("storetest: snapshot %s: %v", table, err)
			}
			var b strings.Builder
			for i, c := range cols {
				if c == "last_used_at" {
					continue
				}
				if v, ok := vals[i].([]byte); ok {
					vals[i] = string(v)
				}
				fmt.Fprintf(&b, "%s=%v ", c, vals[i])
			}
			out[table] = append(out[table], b.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatalf("storetest: snapshot %s: %v", table, err)
		}
		slices.Sort(out[table])
	}
	return out
}

// column reads the single column a query returns.
func column[T any](db *sql.DB, q string) ([]T, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReplicaURL returns the streaming standby of the PostgreSQL test server
// named by PARLEY_TEST_REPLICA, or "" when there is none: tests of reading
// from a replica skip then.
func ReplicaURL() string { return os.Getenv("PARLEY_TEST_REPLICA") }

// ReplicaDSN returns, for a DSN of the primary test server (from DSN or a
// Fixture), the DSN of the same database and schema on the replica, once
// the replica has replayed everything the primary has written so far.
func ReplicaDSN(t testing.TB, primary string) string {
	t.Helper()
	p, err := url.Parse(primary)
	if err != nil {
		t.Fatalf("storetest: parse %s: %v", primary, err)
	}
	r, err := url.Parse(ReplicaURL())
	if err != nil {
		t.Fatalf("storetest: parse PARLEY_TEST_REPLICA: %v", err)
	}
	r.Path, r.RawQuery = p.Path, p.RawQuery
	// Asked through the replica's own database: the primary's may be one
	// the replica has yet to create.
	CatchUp(t, primary, ReplicaURL())
	return r.String()
}

// CatchUp waits until the replica at replica has replayed everything the
// primary at primary has written so far, failing the test after a minute.
func CatchUp(t testing.TB, primary, replica string) {
	t.Helper()
	pdb, err := sql.Open("pgx", primary)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	rdb, err := sql.Open("pgx", replica)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	var lsn string
	if err := pdb.QueryRow(`SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatalf("storetest: primary position: %v", err)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		var done bool
		if err := rdb.QueryRow(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			t.Fatalf("storetest: replica position: %v", err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("storetest: the replica did not replay %s within a minute", lsn)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
