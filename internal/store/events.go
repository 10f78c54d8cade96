package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

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
	if err := db.ready(ctx); err != nil {
		return nil, err
	}
	tx, err := db.ingest.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin events: %w", err)
	}
	return &EventWriter{db: db, tx: tx, workspaceID: workspaceID}, nil
}

// InsertEvents stores one batch atomically: every event is inserted, or,
// when any of them conflicts with a stored event, none is. The batch's
// rows are made before the transaction begins: on SQLite every batch waits
// for the one writer, which should spend its turn in the database.
func (db *DB) InsertEvents(ctx context.Context, workspaceID int64, b ingest.Batch) (InsertResult, error) {
	rows := db.eventRows(workspaceID, b)
	w, err := db.BeginEvents(ctx, workspaceID)
	if err != nil {
		return InsertResult{}, err
	}
	if err := w.insert(ctx, rows); err != nil {
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
	return w.insert(ctx, w.db.eventRows(w.workspaceID, b))
}

// eventRows are the arguments of the statements that store a batch.
type eventRows struct {
	batch ingest.Batch
	// conversations holds the mark-due statements' arguments, 4 a
	// conversation, in key order; events the insert's, 7 an event, whose
	// arrival numbers (the third of each) are set once they are allocated.
	conversations, events []any
}

func (db *DB) eventRows(workspaceID int64, b ingest.Batch) eventRows {
	r := eventRows{batch: b}
	convs := make([]string, 0, len(b.Items)/4+1)
	for _, it := range b.Items {
		convs = append(convs, it.Event.ConversationID)
	}
	slices.Sort(convs)
	convs = slices.Compact(convs)
	dueNow := db.dialect.instant(earliest)
	r.conversations = make([]any, 0, 4*len(convs))
	for _, c := range convs {
		r.conversations = append(r.conversations, workspaceID, c, 1, dueNow)
	}
	r.events = make([]any, 0, 7*len(b.Items))
	for _, it := range b.Items {
		e := &it.Event
		r.events = append(r.events, workspaceID, e.ID, nil, e.ConversationID,
			string(e.Type), db.dialect.instant(e.OccurredAt), string(it.Body))
	}
	return r
}

func (w *EventWriter) insert(ctx context.Context, r eventRows) error {
	w.res.Duplicates += r.batch.Duplicates
	items := r.batch.Items
	if len(items) == 0 {
		return nil
	}

	// The rows of the batch's conversations are locked first, and marked
	// due; the arrival numbers are taken only then. Two batches about one
	// conversation therefore number its events in the order they commit,
	// while batches about other conversations never wait for each other.
	// Every conversation of the batch is marked, even one whose events
	// all turn out to be duplicates: evaluating it again changes nothing.
	if err := w.markDue(ctx, r.conversations); err != nil {
		return err
	}
	first, err := w.allocate(ctx, len(items))
	if err != nil {
		return err
	}
	for i := range items {
		r.events[7*i+2] = first + int64(i)
	}

	var inserted int64
	for start := 0; start < len(items); start += insertChunk {
		end := min(start+insertChunk, len(items))
		res, err := w.db.execTx(ctx, w.tx, insertEventsSQL(end-start), r.events[7*start:7*end]...)
		if err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		inserted += n
	}

	// Usually every event is new. Otherwise the stored rows tell which
	// ones this batch stored (by their arrival numbers) and which were
	// there before.
	if inserted < int64(len(items)) {
		dups, err := w.checkStored(ctx, items, first)
		if err != nil {
			return err
		}
		w.res.Duplicates += dups
	}

	w.res.Accepted += int(inserted)
	return nil
}

// markDue marks every conversation of the batch due for evaluation at
// once and bumps its version, which locks its row for the rest of the
// transaction. Rows are written in key order, so that two batches cannot
// deadlock over them; one row per conversation, since PostgreSQL refuses
// to upsert one row twice in a statement.
func (w *EventWriter) markDue(ctx context.Context, args []any) error {
	for start := 0; start < len(args); start += 4 * insertChunk {
		chunk := args[start:min(start+4*insertChunk, len(args))]
		if _, err := w.db.execTx(ctx, w.tx, markDueSQL(len(chunk)/4), chunk...); err != nil {
			return fmt.Errorf("store: mark conversations due: %w", err)
		}
	}
	return nil
}

// eventBlock is how many arrival numbers one block of the PostgreSQL
// sequence stands for (see migration 0008).
const eventBlock = 1 << 20

// allocate hands out n consecutive arrival numbers and returns the first.
// On PostgreSQL they are one block of a sequence, which takes no lock; on
// SQLite, whose one writer runs alone, the next n of the workspace's count.
func (w *EventWriter) allocate(ctx context.Context, n int) (int64, error) {
	if w.db.dialect == Postgres {
		if n > eventBlock {
			return 0, fmt.Errorf("store: %d events in one insert, more than a block of %d arrival numbers", n, eventBlock)
		}
		var block int64
		if err := w.tx.QueryRowContext(ctx, `SELECT nextval('event_blocks')`).Scan(&block); err != nil {
			return 0, fmt.Errorf("store: allocate event numbers: %w", err)
		}
		return block * eventBlock, nil
	}
	var last int64
	if err := w.tx.QueryRowContext(ctx, `UPDATE workspaces SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq`,
		n, w.workspaceID).Scan(&last); err != nil {
		return 0, fmt.Errorf("store: allocate event numbers: %w", err)
	}
	return last - int64(n) + 1, nil
}

// checkStored reads back the stored events of a batch whose events were
// not all inserted, and counts the duplicates. Those numbered from first
// on were stored by this batch; of the others, an equal body is a
// duplicate and another is a conflict.
func (w *EventWriter) checkStored(ctx context.Context, items []ingest.Item, first int64) (int, error) {
	type row struct {
		seq  int64
		body string
	}
	stored := make(map[string]row, len(items))
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Event.ID
	}
	if err := inChunks([]any{w.workspaceID}, ids, insertChunk, func(in string, args []any) error {
		rows, err := w.tx.QueryContext(ctx, w.db.dialect.rebind(
			`SELECT event_id, seq, body FROM events WHERE workspace_id = ? AND event_id IN (`+in+`)`), args...)
		return eachRow(rows, err, "read stored events", func(rs rowScanner) error {
			var (
				id string
				r  row
			)
			err := rs.Scan(&id, &r.seq, &r.body)
			stored[id] = r
			return err
		})
	}); err != nil {
		return 0, err
	}
	dups := 0
	var problems []parley.Problem
	for _, it := range items {
		switch r := stored[it.Event.ID]; {
		case r.seq >= first:
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
		return 0, parley.InvalidInput(problems)
	}
	return dups, nil
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
	events, err := db.conversationEvents(ctx, nil, workspaceID, map[string]int64{conversationID: 0})
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
	err := db.primary.QueryRowContext(ctx, db.dialect.rebind(`
		SELECT (SELECT COUNT(*) FROM events WHERE workspace_id = ?),
		       (SELECT COUNT(*) FROM conversations WHERE workspace_id = ?)`),
		workspaceID, workspaceID).Scan(&c.Events, &c.Conversations)
	if err != nil {
		return c, fmt.Errorf("store: count: %w", err)
	}
	return c, nil
}
