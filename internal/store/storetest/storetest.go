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
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// DSN returns the address of a new, empty database for the test, for code
// under test that opens the database itself (the CLI, a child process).
func DSN(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		return "sqlite:" + filepath.Join(t.TempDir(), "parley.db")
	}
	dsn := PostgresSchema(t, PostgresURL())
	if Citus() {
		distribute(t, dsn)
	}
	return dsn
}

// distribute migrates the database at dsn and places its tables on the
// Citus cluster.
func distribute(t testing.TB, dsn string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	if _, err := db.Distribute(ctx, store.DistributeOptions{Shards: 2}); err != nil {
		t.Fatalf("storetest: %v", err)
	}
}

// PostgresSchema creates a schema with a random name on the server at base
// and returns a DSN whose connections use it; the schema is dropped when
// the test ends.
func PostgresSchema(t testing.TB, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", base, err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("storetest: create schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
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
	db, err := store.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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
	tables := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	if !strings.HasPrefix(dsn, "postgres") {
		tables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	db, err := openRaw(dsn)
	if err != nil {
		t.Fatalf("storetest: snapshot: %v", err)
	}
	defer db.Close()
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

// ReplicaDSN returns, for a DSN of the primary test server (from DSN), the
// DSN of the same schema on the replica, once the replica has replayed
// everything the primary has written so far.
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
	r.RawQuery = p.RawQuery
	CatchUp(t, primary, r.String())
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
