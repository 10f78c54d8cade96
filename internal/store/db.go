// Package store is the only package that speaks SQL. One store serves both
// the embedded SQLite default and PostgreSQL: queries are written once in
// the subset the two share, and the few differences live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	_ "modernc.org/sqlite"           // registers the "sqlite" driver

	"github.com/parleyhq/parley"
)

// DB is a Parley database. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	// write takes every statement that changes data. On SQLite it holds a
	// single connection, because SQLite has one writer at a time and
	// queueing in Go is cheaper than retrying on SQLITE_BUSY.
	write *sql.DB
	// read serves queries; on PostgreSQL it is the same pool as write.
	read *sql.DB
	// prepared holds the statements prepare readied, by their text.
	prepared map[string]*sql.Stmt
	// eventRowsRead counts the stored events evaluation has read, so that
	// work repeated across processes shows (see EventRowsRead).
	eventRowsRead atomic.Int64
}

// EventRowsRead returns how many stored event rows this DB has read for
// evaluation since it was opened. Several processes sharing the work of a
// backfill should together read each event about once.
func (db *DB) EventRowsRead() int64 { return db.eventRowsRead.Load() }

// Options tune how a DB connects. DefaultOptions gives the defaults.
type Options struct {
	// LockTimeout, StatementTimeout and IdleInTransactionTimeout bound, on
	// PostgreSQL, how long a statement waits for a lock, how long one runs,
	// and how long a session may sit idle inside a transaction before the
	// server ends it (its transaction is rolled back and its locks freed).
	// So a process that stalls — stopped, swapped out, cut off — holding
	// locks blocks the others for at most IdleInTransactionTimeout, and a
	// healthy one waiting behind it gives up after LockTimeout. Zero turns
	// a limit off; a DSN that sets one itself keeps its own.
	LockTimeout, StatementTimeout, IdleInTransactionTimeout time.Duration
}

// The defaults of Options. A lock is normally held for milliseconds (an
// ingest batch) to a second or two (an evaluation batch, a grouping pass);
// migrations and rebuilds lift the statement limit for themselves.
const (
	DefaultLockTimeout              = 5 * time.Second
	DefaultStatementTimeout         = time.Minute
	DefaultIdleInTransactionTimeout = time.Minute
)

// DefaultOptions returns the options Open uses.
func DefaultOptions() Options {
	return Options{
		LockTimeout:              DefaultLockTimeout,
		StatementTimeout:         DefaultStatementTimeout,
		IdleInTransactionTimeout: DefaultIdleInTransactionTimeout,
	}
}

// Open connects to the database named by dsn with the default options and
// applies any pending migrations. A dsn is "postgres://…" (or
// "postgresql://…") for PostgreSQL, and "sqlite:PATH", "file:PATH" or a
// plain path for SQLite.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, DefaultOptions())
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db, err := open(dsn, opt)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func open(dsn string, opt Options) (*DB, error) {
	if opt.LockTimeout < 0 || opt.StatementTimeout < 0 || opt.IdleInTransactionTimeout < 0 {
		return nil, parley.Errorf(parley.KindInvalid, "db: a timeout must not be negative (0 turns it off)")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, parley.Errorf(parley.KindInvalid, "db: %v", err)
		}
		for name, d := range map[string]time.Duration{
			"lock_timeout":                        opt.LockTimeout,
			"statement_timeout":                   opt.StatementTimeout,
			"idle_in_transaction_session_timeout": opt.IdleInTransactionTimeout,
		} {
			if _, ok := cfg.RuntimeParams[name]; !ok {
				cfg.RuntimeParams[name] = strconv.FormatInt(d.Milliseconds(), 10)
			}
		}
		pool := stdlib.OpenDB(*cfg)
		pool.SetMaxOpenConns(16)
		pool.SetMaxIdleConns(16)
		return &DB{dialect: Postgres, write: pool, read: pool}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if path == "" {
		return nil, parley.Errorf(parley.KindInvalid, "db: empty SQLite path")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &DB{dialect: SQLite, write: write, read: read}, nil
}

// sqliteDSN builds the connection string for one of the two SQLite pools.
// WAL lets readers run beside the writer; synchronous=FULL makes a commit
// durable before it returns, which is what an acknowledged event promises;
// IMMEDIATE transactions take the write lock up front so that a transaction
// never fails half-way on an upgrade from reader to writer.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Dialect reports which database the DB talks to.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes every connection.
func (db *DB) Close() error {
	var err error
	for _, st := range db.prepared {
		err = errors.Join(err, st.Close())
	}
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction, committing if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// longStatements lifts the statement timeout for the rest of a PostgreSQL
// transaction, for work that is long by nature (a migration, the reset of
// every outcome of a workspace) and whose caller waits for it. Waits for
// locks stay bounded.
func longStatements(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("store: lift statement timeout: %w", err)
	}
	return nil
}

// queryer is what both *sql.DB and *sql.Tx offer for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Pools returns the connection pools by name, for their statistics.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}
