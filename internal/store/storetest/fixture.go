package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/internal/store"
)

// A Fixture is a database filled once per test binary and copied for each
// test that asks for it: tests that need the same data set pay for building
// it once, and each still gets a database of its own to change.
//
// The copy is a file copy on SQLite and CREATE DATABASE … TEMPLATE on
// PostgreSQL, both far cheaper than generating, ingesting and evaluating
// the data again. On Citus, where a new database would be neither
// distributed nor known to the workers, each test builds the fixture in a
// database of DSN instead. A package whose tests use fixtures runs them
// through Main, which removes the fixtures when the tests end.
type Fixture struct {
	name  string
	build func(tb testing.TB, dsn string)

	once sync.Once
	// err is why the fixture is unusable: set before build runs and
	// cleared once it returns, so a build that fails (its t.Fatal leaves
	// once.Do early) fails every later test too, naming the first.
	err error
	// src is the built database: an SQLite file, or the name of a
	// PostgreSQL database used as a template.
	src string
}

// NewFixture declares a fixture; build fills the empty, migrated database
// at dsn (see DSN) and must close every connection it opened before it
// returns. It runs in the first test that asks for the fixture, with that
// test's tb, so it may use the package's test helpers; it must not register
// cleanups on tb that the fixture's later copies would need.
func NewFixture(name string, build func(tb testing.TB, dsn string)) *Fixture {
	return &Fixture{name: name, build: build}
}

// NewDBFixture is NewFixture for a build that fills the database through
// the store: build gets it open, and it is closed when build returns.
func NewDBFixture(name string, build func(tb testing.TB, db *store.DB)) *Fixture {
	return NewFixture(name, func(tb testing.TB, dsn string) {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			tb.Fatalf("storetest: fixture %s: %v", name, err)
		}
		defer db.Close()
		build(tb, db)
	})
}

// mainRunning is set by Main: fixtures are built only under it, as only it
// removes them.
var mainRunning atomic.Bool

// built holds what Main removes when the tests end.
var built struct {
	sync.Mutex
	dirs      []string // SQLite fixtures' directories
	databases []string // PostgreSQL template databases
}

// Main runs a package's tests and then removes the databases its fixtures
// built. Use it as the package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
func Main(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()
	built.Lock()
	defer built.Unlock()
	for _, d := range built.dirs {
		os.RemoveAll(d)
	}
	if len(built.databases) > 0 {
		if err := dropDatabases(built.databases); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// DSN returns the address of a new copy of the fixture's database for t,
// removed when t ends: for code under test that opens the database itself
// (the CLI, a child process).
func (f *Fixture) DSN(t testing.TB) string {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatalf("storetest: fixture %s needs the package's TestMain to call storetest.Main", f.name)
	}
	if Citus() {
		dsn := DSN(t)
		f.build(t, dsn)
		return dsn
	}
	f.once.Do(func() { f.make(t) })
	if f.err != nil {
		t.Fatal(f.err)
	}
	if !Postgres() {
		dst := filepath.Join(t.TempDir(), "parley.db")
		if err := copySQLite(f.src, dst); err != nil {
			t.Fatalf("storetest: copy fixture %s: %v", f.name, err)
		}
		return "sqlite:" + dst
	}
	name := databaseName("test")
	if err := exec(PostgresURL(), "CREATE DATABASE "+name+" TEMPLATE "+f.src); err != nil {
		t.Fatalf("storetest: copy fixture %s: %v", f.name, err)
	}
	t.Cleanup(func() {
		if err := dropDatabases([]string{name}); err != nil {
			t.Error(err)
		}
	})
	dsn, err := databaseDSN(name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// New returns a new copy of the fixture's database for t, open and closed
// when t ends.
func (f *Fixture) New(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), f.DSN(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// make builds the fixture's database once, in the first test that needs it.
func (f *Fixture) make(t testing.TB) {
	t.Helper()
	f.err = fmt.Errorf("storetest: fixture %s could not be built (see %s)", f.name, t.Name())
	var dsn string
	if !Postgres() {
		dir, err := os.MkdirTemp("", "parley-fixture-")
		if err != nil {
			t.Fatal(err)
		}
		built.Lock()
		built.dirs = append(built.dirs, dir)
		built.Unlock()
		f.src = filepath.Join(dir, "parley.db")
		dsn = "sqlite:" + f.src
	} else {
		f.src = databaseName("fixture")
		if err := exec(PostgresURL(), "CREATE DATABASE "+f.src); err != nil {
			t.Fatalf("storetest: fixture %s (is PostgreSQL running at %s?): %v", f.name, PostgresURL(), err)
		}
		built.Lock()
		built.databases = append(built.databases, f.src)
		built.Unlock()
		var err error
		if dsn, err = databaseDSN(f.src); err != nil {
			t.Fatal(err)
		}
	}
	// Migrated first, as every test database is.
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("storetest: fixture %s: %v", f.name, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("storetest: fixture %s: %v", f.name, err)
	}
	f.build(t, dsn)
	f.err = nil
}

// databaseName is a new random PostgreSQL database name.
func databaseName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return "parley_" + prefix + "_" + hex.EncodeToString(b[:])
}

// databaseDSN is the server's DSN with another database.
func databaseDSN(name string) (string, error) {
	u, err := url.Parse(PostgresURL())
	if err != nil {
		return "", fmt.Errorf("PARLEY_TEST_POSTGRES: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// exec runs one statement on the server at base.
func exec(base, stmt string) error {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}

// dropDatabases drops the databases, ending any session still in one.
func dropDatabases(names []string) error {
	var errs []error
	for _, n := range names {
		if err := exec(PostgresURL(), "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)"); err != nil {
			errs = append(errs, fmt.Errorf("drop database %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// copySQLite copies a closed SQLite database, with its write-ahead log if
// one was left.
func copySQLite(src, dst string) error {
	for _, suffix := range []string{"", "-wal"} {
		err := copyFile(src+suffix, dst+suffix)
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
