package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
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
		switch {
		case strings.HasPrefix(pg.Code, "08"), // connection exception
			strings.HasPrefix(pg.Code, "53"),                           // insufficient resources: disk full, out of memory, too many connections
			pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03", // shutting down, crashed, starting up
			pg.Code == "57014",                     // statement canceled by a timeout
			pg.Code == "25006",                     // a read-only transaction: a standby, or a primary demoted
			pg.Code == "40001", pg.Code == "40P01": // serialization failure, deadlock: try again
			return true
		}
		return false
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

// CheckWrite reports whether the database takes writes now: it opens a
// write transaction and runs an update that changes no row, then rolls
// back. It finds what a ping cannot: a read-only database (a standby, a
// file that cannot be written) and, on SQLite, another process holding
// the write lock. It writes nothing, and holds no row lock.
func (db *DB) CheckWrite(ctx context.Context) error {
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
