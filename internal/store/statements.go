package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The multi-row statements of ingest and evaluation are long: the insert
// of 500 events binds 3,500 values. SQLite parses a statement on every
// call unless it is prepared, and parsing these took a fifth of the
// writer's time, so their full-chunk forms are prepared once, when the
// database is opened, and reused by every transaction. (Partial chunks,
// the tail of a batch, are parsed as before. PostgreSQL's driver keeps
// prepared statements of its own.)

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

// prepare readies the full-chunk statements on SQLite. It runs after the
// migrations, since preparing checks the tables.
func (db *DB) prepare(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	db.prepared = map[string]*sql.Stmt{}
	for _, s := range []struct {
		pool  *sql.DB
		query string
	}{
		{db.write, insertEventsSQL(insertChunk)},
		{db.write, markDueSQL(insertChunk)},
		{db.write, saveOutcomesSQL(saveChunk)},
		{db.write, addRollupsSQL(saveChunk)},
		{db.write, addUsageSQL(saveChunk)},
		{db.write, saveGapSignalsSQL(saveChunk)},
		{db.primary, eventsOfSQL(claimChunk)},
	} {
		st, err := s.pool.PrepareContext(ctx, s.query)
		if err != nil {
			return fmt.Errorf("store: prepare statements: %w", err)
		}
		db.prepared[s.query] = st
	}
	return nil
}

// execTx runs a statement in tx, prepared if it is one prepare readied.
func (db *DB) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st, ok := db.prepared[query]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, db.dialect.rebind(query), args...)
}

// queryRead runs a query on the pool reader gives for ctx, prepared if
// prepare readied it there.
func (db *DB) queryRead(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	pool := db.reader(ctx)
	if st, ok := db.prepared[query]; ok && pool == db.primary {
		return st.QueryContext(ctx, args...)
	}
	return pool.QueryContext(ctx, db.dialect.rebind(query), args...)
}
