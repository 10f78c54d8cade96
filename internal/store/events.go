package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/ingest"
)

// insertChunk is how many rows one multi-row statement carries: large enough
// to amortise a round trip to PostgreSQL, small enough to stay far below
// both databases' limits on bound parameters.
const insertChunk = 500

// InsertResult says what an acknowledged batch did.
type InsertResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// EventWriter stores validated batches of events in one transaction, so that
// a caller with a large input (a file of many batches) can keep it atomic.
// It is not safe for concurrent use.
type EventWriter struct {
	db          *DB
	tx          *sql.Tx
	workspaceID int64
	res         InsertResult
}

// BeginEvents starts a transaction that stores events of one workspace.
// The caller must end it with Commit or Rollback.
func (db *DB) BeginEvents(ctx context.Context, workspaceID int64) (*EventWriter, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin events: %w", err)
	}
	return &EventWriter{db: db, tx: tx, workspaceID: workspaceID}, nil
}

// InsertEvents stores one batch atomically: every event is inserted, or,
// when any of them conflicts with a stored event, none is.
func (db *DB) InsertEvents(ctx context.Context, workspaceID int64, b ingest.Batch) (InsertResult, error) {
	w, err := db.BeginEvents(ctx, workspaceID)
	if err != nil {
		return InsertResult{}, err
	}
	if err := w.Insert(ctx, b); err != nil {
		w.Rollback()
		return InsertResult{}, err
	}
	return w.Commit()
}

// Insert adds a batch to the transaction. Events already stored with the
// same body count as duplicates; an id stored with a different body is a
// conflict, returned as an invalid-input error listing every such event.
// After an error the transaction must be rolled back.
func (w *EventWriter) Insert(ctx context.Context, b ingest.Batch) error {
	w.res.Duplicates += b.Duplicates
	items := b.Items
	if len(items) == 0 {
		return nil
	}
	d := w.db.dialect

	// Arrival numbers come from the workspace row, whose lock this
	// transaction now holds until it ends: concurrent writers queue here,
	// so arrival order is commit order.
	var last int64
	if err := w.tx.QueryRowContext(ctx, d.rebind(
		`UPDATE workspaces SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq`),
		len(items), w.workspaceID).Scan(&last); err != nil {
		return fmt.Errorf("store: allocate event numbers: %w", err)
	}
	first := last - int64(len(items)) + 1

	var inserted int64
	args := make([]any, 0, insertChunk*7)
	for start := 0; start < len(items); start += insertChunk {
		chunk := items[start:min(start+insertChunk, len(items))]
		args = args[:0]
		for i, it := range chunk {
			e := &it.Event
			args = append(args, w.workspaceID, e.ID, first+int64(start+i), e.ConversationID,
				string(e.Type), d.instant(e.OccurredAt), string(it.Body))
		}
		res, err := w.db.execTx(ctx, w.tx, insertEventsSQL(len(chunk)), args...)
		if err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		inserted += n
	}

	// Usually every event is new, and stored stays nil. Otherwise the
	// stored rows tell which ones this batch stored (by their arrival
	// numbers) and which were there before.
	var stored map[string]bool
	if inserted < int64(len(items)) {
		var dups int
		var err error
		if stored, dups, err = w.checkStored(ctx, items, first); err != nil {
			return err
		}
		w.res.Duplicates += dups
	}

	// Mark each touched conversation due for evaluation at once. One row per
	// conversation: PostgreSQL refuses to upsert the same row twice in
	// one statement.
	due := map[string]int64{}
	var order []string
	for i, it := range items {
		if stored != nil && !stored[it.Event.ID] {
			continue
		}
		c := it.Event.ConversationID
		if _, ok := due[c]; !ok {
			order = append(order, c)
		}
		due[c] = first + int64(i)
	}
	dueNow := d.instant(earliest)
	for start := 0; start < len(order); start += insertChunk {
		chunk := order[start:min(start+insertChunk, len(order))]
		args = args[:0]
		for _, c := range chunk {
			args = append(args, w.workspaceID, c, due[c], dueNow)
		}
		if _, err := w.db.execTx(ctx, w.tx, markDueSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("store: mark conversations due: %w", err)
		}
	}
	w.res.Accepted += int(inserted)
	return nil
}

// checkStored reads back the stored events of a batch whose events were
// not all inserted. Those numbered from first on were stored by this
// batch; of the others, an equal body is a duplicate and another is a
// conflict.
func (w *EventWriter) checkStored(ctx context.Context, items []ingest.Item, first int64) (map[string]bool, int, error) {
	type row struct {
		seq  int64
		body string
	}
	stored := make(map[string]row, len(items))
	args := make([]any, 0, insertChunk+1)
	for start := 0; start < len(items); start += insertChunk {
		chunk := items[start:min(start+insertChunk, len(items))]
		args = append(args[:0], w.workspaceID)
		for _, it := range chunk {
			args = append(args, it.Event.ID)
		}
		rows, err := w.tx.QueryContext(ctx, w.db.dialect.rebind(
			`SELECT event_id, seq, body FROM events WHERE workspace_id = ? AND event_id IN (`+list(len(chunk))+`)`), args...)
		if err != nil {
			return nil, 0, fmt.Errorf("store: read stored events: %w", err)
		}
		for rows.Next() {
			var (
				id string
				r  row
			)
			if err := rows.Scan(&id, &r.seq, &r.body); err != nil {
				rows.Close()
				return nil, 0, fmt.Errorf("store: read stored events: %w", err)
			}
			stored[id] = r
		}
		if err := rows.Close(); err != nil {
			return nil, 0, fmt.Errorf("store: read stored events: %w", err)
		}
	}
	inserted := make(map[string]bool, len(items))
	dups := 0
	var problems []parley.Problem
	for _, it := range items {
		switch r := stored[it.Event.ID]; {
		case r.seq >= first:
			inserted[it.Event.ID] = true
		case r.body == string(it.Body) || ingest.SameContent([]byte(r.body), it.Body):
			dups++
		default:
			problems = append(problems, parley.Problem{
				Index: it.Index, ID: it.Event.ID, Field: "id",
				Message: "conflict: an event with this id is already stored with different content",
			})
		}
	}
	if len(problems) > 0 {
		return nil, 0, parley.InvalidInput(problems)
	}
	return inserted, dups, nil
}

// Commit makes the stored events durable and reports what was stored.
// Only after Commit returns nil may the caller acknowledge the events.
func (w *EventWriter) Commit() (InsertResult, error) {
	if err := w.tx.Commit(); err != nil {
		return InsertResult{}, fmt.Errorf("store: commit events: %w", err)
	}
	return w.res, nil
}

// Rollback discards everything the writer stored.
func (w *EventWriter) Rollback() error {
	if err := w.tx.Rollback(); err != nil && err != sql.ErrTxDone {
		return fmt.Errorf("store: rollback events: %w", err)
	}
	return nil
}

// ConversationEvents returns the stored events of one conversation in
// arrival order, with Seq set.
func (db *DB) ConversationEvents(ctx context.Context, workspaceID int64, conversationID string) ([]parley.Event, error) {
	events, err := db.conversationEvents(ctx, nil, workspaceID, []string{conversationID})
	if err != nil {
		return nil, err
	}
	return events[conversationID], nil
}

// Counts are totals of one workspace's stored rows.
type Counts struct {
	Events        int64 `json:"events"`
	Conversations int64 `json:"conversations"`
}

// Count returns how many events and conversations a workspace has stored.
func (db *DB) Count(ctx context.Context, workspaceID int64) (Counts, error) {
	var c Counts
	err := db.read.QueryRowContext(ctx, db.dialect.rebind(`
		SELECT (SELECT COUNT(*) FROM events WHERE workspace_id = ?),
		       (SELECT COUNT(*) FROM conversations WHERE workspace_id = ?)`),
		workspaceID, workspaceID).Scan(&c.Events, &c.Conversations)
	if err != nil {
		return c, fmt.Errorf("store: count: %w", err)
	}
	return c, nil
}
