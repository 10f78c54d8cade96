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
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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

// DSN returns the address of a new, empty database for the test, for code
// under test that opens the database itself (the CLI, a child process).
func DSN(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		return "sqlite:" + filepath.Join(t.TempDir(), "parley.db")
	}
	return PostgresSchema(t, PostgresURL())
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
	driver, src := "pgx", dsn
	if !Postgres() {
		driver, src = "sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")
	}
	raw, err := sql.Open(driver, src)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", dsn, err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
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
