// Package store is the only package that speaks SQL. One store serves both
// the embedded SQLite default and PostgreSQL: queries are written once in
// the subset the two share, and the few differences live in dialect.go.
package store

import (
	"cmp"
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
	// The pools, by the work they serve, so that one kind of work cannot
	// take every connection from the others: a burst of ingest leaves the
	// pages their own connections. ingest stores events; evaluation claims
	// and saves outcomes and groups questions; write takes every other
	// change (people, settings, gap actions); primary serves the reads that
	// must see the latest writes (sign-in, tokens, workspaces); read serves
	// reports, conversation lists and gaps, and may lag behind (see
	// MayLag). On SQLite, which has one writer at a time, ingest,
	// evaluation and write are one single connection — queueing in Go is
	// cheaper than retrying on SQLITE_BUSY — and primary and read one pool
	// of readers.
	ingest, evaluation, write *sql.DB
	primary, read             *sql.DB
	// stmts are the statements prepared once wanted (see statements).
	stmts statements
	// eventRowsRead counts the stored events evaluation has read, so that
	// work repeated across processes shows (see EventRowsRead).
	eventRowsRead atomic.Int64
	// arenas keeps the event arena of the last batch decided for the next
	// claim (see Evaluation.Decided): a walk claims its batches one after
	// another, so one is enough. It holds as many events as that batch
	// read from records, a few megabytes. (A sync.Pool missed one claim in
	// five: it keeps an arena put back for the processor that put it, and
	// the walk's goroutine moves between processors.)
	arenas chan *eventArena
	// readOnly says the DB changes nothing (Options.ReadOnly); standby, that
	// its primary connection is a PostgreSQL standby, which cannot write at
	// all.
	readOnly, standby bool
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
	// IngestConns, EvaluationConns and ReadConns cap the PostgreSQL
	// connections of each pool: ingest, evaluation, and the pages' and
	// API's own (reads and their small writes). On SQLite ReadConns caps
	// the readers. Zero takes the default.
	IngestConns, EvaluationConns, ReadConns int
	// ReadDSN, when set, names a PostgreSQL replica (a streaming standby of
	// the database) that serves the reads which may lag (see MayLag):
	// reports, conversation lists, gaps. Everything else stays on the
	// primary.
	ReadDSN string
	// ReadOnly opens the database without changing it: no migrations (its
	// schema must be current already) and no workspace created. A
	// PostgreSQL standby is opened so whatever ReadOnly says.
	ReadOnly bool
}

// The defaults of Options. A lock is normally held for milliseconds (an
// ingest batch) to a second or two (an evaluation batch, a grouping pass);
// migrations and rebuilds lift the statement limit for themselves.
const (
	DefaultLockTimeout              = 10 * time.Second
	DefaultStatementTimeout         = time.Minute
	DefaultIdleInTransactionTimeout = time.Minute
)

// The default pool sizes: a process holds at most 4 + 4 + 16 connections
// to PostgreSQL. Evaluation needs two per worker (one batch is saved while
// the next is read) and uses a third, when it has one, for a batch read
// further ahead; ingest is bounded by the database's writes, not by
// connections, past a few, and the server stores as many batches at once
// as it has ingest connections.
const (
	DefaultIngestConns     = 4
	DefaultEvaluationConns = 4
	DefaultReadConns       = 16
)

// DefaultOptions returns the options Open uses.
func DefaultOptions() Options {
	return Options{
		LockTimeout:              DefaultLockTimeout,
		StatementTimeout:         DefaultStatementTimeout,
		IdleInTransactionTimeout: DefaultIdleInTransactionTimeout,
		IngestConns:              DefaultIngestConns,
		EvaluationConns:          DefaultEvaluationConns,
		ReadConns:                DefaultReadConns,
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
	if err := db.role(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.readOnly {
		err = db.schemaCurrent(ctx)
	} else {
		err = db.Migrate(ctx)
	}
	if err != nil {
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
	def := DefaultOptions()
	opt.IngestConns = cmp.Or(opt.IngestConns, def.IngestConns)
	opt.EvaluationConns = cmp.Or(opt.EvaluationConns, def.EvaluationConns)
	opt.ReadConns = cmp.Or(opt.ReadConns, def.ReadConns)
	if opt.IngestConns < 1 || opt.EvaluationConns < 2 || opt.ReadConns < 1 {
		return nil, parley.Errorf(parley.KindInvalid, "db: pools need at least 1 ingest, 2 evaluation and 1 read connection")
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
		pool := func(n int) *sql.DB {
			p := stdlib.OpenDB(*cfg)
			p.SetMaxOpenConns(n)
			p.SetMaxIdleConns(n)
			return p
		}
		web := pool(opt.ReadConns)
		db := &DB{dialect: Postgres, arenas: make(chan *eventArena, 1), ingest: pool(opt.IngestConns), evaluation: pool(opt.EvaluationConns),
			write: web, primary: web, read: web, readOnly: opt.ReadOnly}
		if opt.ReadDSN != "" {
			rcfg, err := pgx.ParseConfig(opt.ReadDSN)
			if err != nil {
				db.Close()
				return nil, parley.Errorf(parley.KindInvalid, "read-db: %v", err)
			}
			for name, v := range cfg.RuntimeParams {
				if _, ok := rcfg.RuntimeParams[name]; !ok {
					rcfg.RuntimeParams[name] = v
				}
			}
			db.read = stdlib.OpenDB(*rcfg)
			db.read.SetMaxOpenConns(opt.ReadConns)
			db.read.SetMaxIdleConns(opt.ReadConns)
		}
		return db, nil
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
	read.SetMaxOpenConns(opt.ReadConns)
	read.SetMaxIdleConns(opt.ReadConns)
	if opt.ReadDSN != "" {
		write.Close()
		read.Close()
		return nil, parley.Errorf(parley.KindInvalid, "read-db: a replica serves PostgreSQL only")
	}
	return &DB{dialect: SQLite, arenas: make(chan *eventArena, 1), ingest: write, evaluation: write, write: write, primary: read, read: read, readOnly: opt.ReadOnly}, nil
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
	err := db.closeStatements()
	for _, p := range db.Pools() {
		err = errors.Join(err, p.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.primary.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction, committing if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return inTxOn(ctx, db.write, fn)
}

// inTxOn is inTx on the given pool.
func inTxOn(ctx context.Context, pool *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := pool.BeginTx(ctx, nil)
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

// Pools returns the distinct connection pools by name, for their
// statistics.
func (db *DB) Pools() map[string]*sql.DB {
	if db.dialect == SQLite {
		return map[string]*sql.DB{"write": db.write, "read": db.primary}
	}
	out := map[string]*sql.DB{"ingest": db.ingest, "evaluation": db.evaluation, "web": db.write}
	if db.read != db.primary {
		out["replica"] = db.read
	}
	return out
}

// mayLag marks a context whose reads may come from a replica.
type mayLag struct{}

// MayLag returns a context in which reports, conversation lists and gaps
// may be read from a replica that lags a little behind the primary. Pages
// and API reads (GET) use it; an action that reads what it just wrote must
// not.
func MayLag(ctx context.Context) context.Context { return context.WithValue(ctx, mayLag{}, true) }

// reader is the pool for a read that may lag behind in ctx.
func (db *DB) reader(ctx context.Context) *sql.DB {
	if ctx.Value(mayLag{}) != nil {
		return db.read
	}
	return db.primary
}
