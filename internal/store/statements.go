package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The multi-row statements of ingest and evaluation are long: the insert
// of 500 events binds 3,500 values. SQLite parses a statement on every
// call unless it is prepared, and parsing these took a fifth of the
// writer's time, so their full-chunk forms are prepared once and reused by
// every transaction (see statements). (Partial chunks, the tail of a
// batch, are parsed as before. PostgreSQL's driver keeps prepared
// statements of its own.)

func insertEventsSQL(rows int) string {
	return `INSERT INTO events (workspace_id, event_id, seq, conversation_id, type, occurred_at, body) VALUES ` +
		placeholders(rows, 7) + ` ON CONFLICT (workspace_id, event_id) DO NOTHING`
}

func markDueSQL(rows int) string {
	return `INSERT INTO conversations (workspace_id, conversation_id, version, due_at) VALUES ` +
		placeholders(rows, 4) +
		` ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET due_at = excluded.due_at, version = conversations.version + 1`
}

func eventsOfSQL(conversations int) string {
	return `SELECT seq, conversation_id, body FROM events
		WHERE workspace_id = ? AND seq > ? AND conversation_id IN (` + list(conversations) + `)
		ORDER BY conversation_id, seq`
}

func saveOutcomesSQL(rows int) string {
	set := make([]string, 0, len(conversationColumns))
	for _, c := range conversationColumns[3:] {
		set = append(set, c+" = excluded."+c)
	}
	return `INSERT INTO conversations (` + strings.Join(conversationColumns, ", ") + `) VALUES ` +
		placeholders(rows, len(conversationColumns)) +
		` ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET ` + strings.Join(set, ", ")
}

func addRollupsSQL(rows int) string {
	return `INSERT INTO rollups (workspace_id, generation, day, channel, metric, label, value) VALUES ` +
		placeholders(rows, 7) +
		` ON CONFLICT (workspace_id, generation, day, channel, metric, label) DO UPDATE SET value = rollups.value + excluded.value`
}

// addUsageSQL adds to the cells of usage_rollups, the uses of sources and
// actions.
func addUsageSQL(rows int) string {
	return `INSERT INTO usage_rollups (workspace_id, generation, day, channel, metric, label, value) VALUES ` +
		placeholders(rows, 7) +
		` ON CONFLICT (workspace_id, generation, day, channel, metric, label) DO UPDATE SET value = usage_rollups.value + excluded.value`
}

func saveGapSignalsSQL(rows int) string {
	return `INSERT INTO gap_signals (workspace_id, event_id, conversation_id, kind, occurred_at, day, channel, question) VALUES ` +
		placeholders(rows, 8) +
		` ON CONFLICT (workspace_id, event_id) DO UPDATE SET conversation_id = excluded.conversation_id,
		  kind = excluded.kind, occurred_at = excluded.occurred_at, day = excluded.day,
		  channel = excluded.channel, question = excluded.question`
}

// lockRowsSQL reads again, in an evaluation batch's write transaction on
// SQLite, what the rows of the conversations listed in in hold (see
// Evaluation.lock).
func lockRowsSQL(in string) string {
	return `SELECT conversation_id, version, set_aside_at IS NOT NULL, generation, outcome_digest, due_at IS NOT NULL AND due_at <= ?
		FROM conversations WHERE workspace_id = ? AND conversation_id IN (` + in + `)`
}

// stampSQL gives the conversations listed in in only their evaluation
// stamp: they were evaluated as they had been (see Evaluation.saveHeld).
func stampSQL(in string) string {
	return `UPDATE conversations SET generation = ?, evaluated_at = ?, due_at = NULL
		WHERE workspace_id = ? AND conversation_id IN (` + in + `)`
}

// stampAsClaimedSQL gives each of rows conversations, listed by id and
// then with the version, generation and outcome digest the claim read,
// only the evaluation stamp, if its row is still as read: still due, not
// set aside (see Evaluation.stampAsClaimed). It returns the conversations
// stamped. The rows are found by key, from the list of ids: given the
// conditions on due_at, the planner would rather walk the index of due
// conversations, all of them at the start of a backfill, hence the + that
// keeps them off any index.
func stampAsClaimedSQL(rows int) string {
	return `UPDATE conversations SET generation = ?, evaluated_at = ?, due_at = NULL
		WHERE workspace_id = ? AND conversation_id IN (` + list(rows) + `)
		  AND (conversation_id, version, generation, outcome_digest) IN (VALUES ` + placeholders(rows, 4) + `)
		  AND +due_at IS NOT NULL AND +due_at <= ? AND set_aside_at IS NULL
		RETURNING conversation_id`
}

// statements are the full-chunk statements of ingest and evaluation on
// SQLite, each prepared once a transaction has wanted it: preparing all of
// them whenever a database was opened cost more than most uses of a small
// database gain (a sixth of the web tests' processor time under -race).
//
// A statement is never prepared inside a transaction: on SQLite the write
// transaction holds the single write connection, and preparing on the
// pool would wait for that very connection. A transaction that finds its
// statement unprepared parses it, as partial chunks are, and marks it
// wanted; ready prepares what is wanted before the next transaction
// begins.
type statements struct {
	// pools says which statements may be prepared, by their text, and
	// where. Empty but on SQLite; fixed once the database is open.
	pools map[string]*sql.DB
	// wanted says some statement is wanted and not prepared yet.
	wanted atomic.Bool
	mu     sync.Mutex
	// prepared holds the statements ready, by their text; want those a
	// transaction would have used.
	prepared map[string]*sql.Stmt
	want     map[string]bool
}

// prepare names the full-chunk statements that are prepared once wanted.
func (db *DB) prepare(context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	db.stmts.pools = map[string]*sql.DB{
		insertEventsSQL(insertChunk):  db.write,
		markDueSQL(insertChunk):       db.write,
		saveOutcomesSQL(saveChunk):    db.write,
		addRollupsSQL(saveChunk):      db.write,
		addUsageSQL(saveChunk):        db.write,
		saveGapSignalsSQL(saveChunk):  db.write,
		lockRowsSQL(list(claimChunk)): db.write,
		stampSQL(list(claimChunk)):    db.write,
		stampAsClaimedSQL(claimChunk): db.write,
		eventsOfSQL(claimChunk):       db.primary,
	}
	db.stmts.prepared, db.stmts.want = map[string]*sql.Stmt{}, map[string]bool{}
	return nil
}

// stmt returns the prepared form of query, or nil, marking it wanted if it
// is one that is prepared.
func (db *DB) stmt(query string) *sql.Stmt {
	if _, ok := db.stmts.pools[query]; !ok {
		return nil
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	st := db.stmts.prepared[query]
	if st == nil && !db.stmts.want[query] {
		db.stmts.want[query] = true
		db.stmts.wanted.Store(true)
	}
	return st
}

// ready prepares the statements transactions wanted. The caller must hold
// no connection of the database: it is called before a transaction
// begins.
func (db *DB) ready(ctx context.Context) error {
	if !db.stmts.wanted.Load() {
		return nil
	}
	db.stmts.mu.Lock()
	queries := slices.Collect(maps.Keys(db.stmts.want))
	db.stmts.mu.Unlock()
	for _, q := range queries {
		// Prepared without the lock: a batch that holds the write
		// connection may be asking for another statement meanwhile.
		st, err := db.stmts.pools[q].PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: prepare statements: %w", err)
		}
		db.stmts.mu.Lock()
		if db.stmts.prepared[q] == nil {
			db.stmts.prepared[q], st = st, nil
		}
		delete(db.stmts.want, q)
		db.stmts.wanted.Store(len(db.stmts.want) > 0)
		db.stmts.mu.Unlock()
		if st != nil {
			st.Close() // prepared by another caller first
		}
	}
	return nil
}

// closeStatements closes the prepared statements.
func (db *DB) closeStatements() error {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	var err error
	for _, st := range db.stmts.prepared {
		err = errors.Join(err, st.Close())
	}
	return err
}

// execTx runs a statement in tx, prepared if it is ready.
func (db *DB) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := db.stmt(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, db.dialect.rebind(query), args...)
}

// queryTx runs a query in tx, prepared if it is ready.
func (db *DB) queryTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := db.stmt(query); st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, db.dialect.rebind(query), args...)
}

// queryRead runs a query on the pool reader gives for ctx, prepared if it
// is ready there.
func (db *DB) queryRead(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	pool := db.reader(ctx)
	if pool == db.primary {
		if st := db.stmt(query); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return pool.QueryContext(ctx, db.dialect.rebind(query), args...)
}
