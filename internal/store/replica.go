package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleyhq/parley"
)

// A PostgreSQL database may be read from a streaming standby: as the
// primary connection of a read-only process (a standby is found out when
// the database is opened), or as the replica of Options.ReadDSN beside a
// primary. This file holds what differs then.

// role finds out whether the primary connection is a standby, which makes
// the DB read-only.
func (db *DB) role(ctx context.Context) error {
	if db.dialect != Postgres {
		return nil
	}
	if err := db.primary.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&db.standby); err != nil {
		return fmt.Errorf("store: is the database a standby: %w", err)
	}
	db.readOnly = db.readOnly || db.standby
	return nil
}

// schemaCurrent checks, for a read-only DB, that the schema is the one this
// release expects: a read-only process cannot migrate it.
func (db *DB) schemaCurrent(ctx context.Context) error {
	applied, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied != latest {
		return parley.Errorf(parley.KindInvalid,
			"db: read-only, and its schema is at version %d of %d: run parley migrate against the primary first", applied, latest)
	}
	return nil
}

// ReadOnly reports whether the DB changes nothing: opened read-only, or
// connected to a standby.
func (db *DB) ReadOnly() bool { return db.readOnly }

// Role is what a DB is connected to, for /readyz.
type Role struct {
	// Primary is "primary", or "standby" when the database itself is a
	// standby; ReadOnly says the process writes nothing.
	Primary  string `json:"role"`
	ReadOnly bool   `json:"read_only"`
	// Replica, when reads may come from a replica, is its lag.
	Replica *ReplicaState `json:"replica,omitempty"`
}

// ReplicaState says how far a standby lags behind its primary.
type ReplicaState struct {
	// LagSeconds is how old the last transaction it replayed is, 0 when it
	// has replayed everything it received.
	LagSeconds float64 `json:"lag_seconds"`
}

// Role reports what the DB is connected to, and the lag of the standby it
// reads from, if any.
func (db *DB) Role(ctx context.Context) (Role, error) {
	r := Role{Primary: "primary", ReadOnly: db.readOnly}
	switch {
	case db.standby:
		r.Primary = "standby"
		lag, err := replicaLag(ctx, db.primary)
		if err != nil {
			return r, err
		}
		r.Replica = &lag
	case db.read != db.primary:
		lag, err := replicaLag(ctx, db.read)
		if err != nil {
			return r, err
		}
		r.Replica = &lag
	}
	return r, nil
}

// replicaLag measures a standby's lag: the age of the last transaction it
// replayed, unless it has replayed all it received (an idle primary sends
// nothing new, and its last transaction may be old).
func replicaLag(ctx context.Context, pool *sql.DB) (ReplicaState, error) {
	var lag sql.NullFloat64
	err := pool.QueryRowContext(ctx, `SELECT CASE
		WHEN NOT pg_is_in_recovery() THEN NULL
		WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
		ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END`).Scan(&lag)
	if err != nil {
		return ReplicaState{}, fmt.Errorf("store: replica lag: %w", err)
	}
	if !lag.Valid {
		return ReplicaState{}, parley.Errorf(parley.KindInvalid, "read-db: not a standby (pg_is_in_recovery is false)")
	}
	return ReplicaState{LagSeconds: lag.Float64}, nil
}

// ReadOnlyRefusal reports whether err is a standby refusing to write
// (SQLSTATE 25006), and if so returns the error to answer instead.
func ReadOnlyRefusal(err error) (error, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "25006" {
		return &parley.Error{Kind: parley.KindForbidden, Err: err,
			Message: "this Parley server reads from a standby and changes nothing: make the change on one connected to the primary"}, true
	}
	return err, false
}
