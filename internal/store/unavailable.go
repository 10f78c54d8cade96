package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Unavailable reports whether err means the database could not be reached
// or written just now — down, restarting, out of connections or disk,
// read-only, locked by another process — rather than that the request or
// the code is wrong. Such a failure passes: the caller may try the same
// request again later, and is told so (HTTP 503 with Retry-After) instead
// of an internal error, which clients retry at once and forever.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Classes 08 (connection exception) and 53 (insufficient
		// resources: disk full, out of memory, too many connections).
		if strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "53") {
			return true
		}
		return slices.Contains(passingStates, pg.Code)
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM:
			return true
		}
		return false
	}
	var (
		connect *pgconn.ConnectError
		netErr  net.Error
	)
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err)
}

// passingStates are the other PostgreSQL error codes of failures that
// pass.
var passingStates = []string{
	"57P01", "57P02", "57P03", // shutting down, crashed, starting up
	"57014", // a statement canceled by its timeout
	"55P03", // a lock not granted within lock_timeout
	"25P03", // a session ended for idling in a transaction
	"25006", // a read-only transaction: a standby, or a primary demoted
	"40001", // a serialization failure: try again
	"40P01", // a deadlock: try again
}

// CheckWrite reports whether the database takes writes now: it opens a
// write transaction and runs an update that changes no row, then rolls
// back. It finds what a ping cannot: a read-only database (a standby, a
// file that cannot be written) and, on SQLite, another process holding
// the write lock. It writes nothing, and holds no row lock. A DB opened
// read-only (Options.ReadOnly, or a standby) is not meant to take writes:
// there is nothing to check.
func (db *DB) CheckWrite(ctx context.Context) error {
	if db.readOnly {
		return nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: check write: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET version = version WHERE 1 = 0`); err != nil {
		return fmt.Errorf("store: check write: %w", err)
	}
	return nil
}
