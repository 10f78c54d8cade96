package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/parleyhq/parley"
)

// Due is a conversation due for evaluation, with its stored events.
type Due struct {
	ConversationID string
	// Version counts the ingests that touched the conversation; an outcome
	// computed from these events may be saved only while it is unchanged.
	Version int64
	// LastSeq is the arrival number of the last event read: the outcome
	// was computed from the conversation's events up to it.
	LastSeq int64
	// Events are in arrival order, each with its Seq.
	Events []parley.Event
	// Err, when set, says why the conversation's events could not be
	// read; Events is then empty, and the conversation is to be set aside
	// (see NewSetAside).
	Err error
	// record, when set, is the conversation's record made from Events, to
	// be saved with the outcome: its stored one was missing or behind.
	record []byte
	// claimed is what the claim read of the conversation's row, on SQLite,
	// where the claim holds nothing (see Evaluation.stampAsClaimed).
	claimed storedOutcome
}

// DueCursor is where a walk over a workspace's due conversations stands;
// the zero value is its start.
type DueCursor struct {
	dueAt time.Time
	id    string
}

// Result is what an evaluation decided for one conversation, with the rows
// it will write already encoded. Results are made by NewResult, whose work
// can then run while another batch holds the write transaction.
type Result struct {
	Outcome parley.Outcome
	// Next is when the outcome may change with the passing of time alone
	// (the decision time of a pending conversation); zero when only a new
	// event can change it.
	Next time.Time
	// LastSeq is Due.LastSeq of the events the outcome was computed from.
	LastSeq int64
	// record is Due.record: saved when set, else the stored one is kept.
	record []byte
	// claimed is Due.claimed.
	claimed storedOutcome

	day           string
	contributions []parley.Contribution
	// encoded is contributions as stored (see encodeContributions).
	encoded string
	signals []gapRow
	// digest is digestOf the result: when the conversation's stored one is
	// the same, saving it changes only when it was evaluated.
	digest []byte
	// failure, when set, is why the evaluation failed: the conversation is
	// set aside with it.
	failure string
}

// NewResult encodes an outcome computed from d's events for saving, with
// local days cut in loc.
func NewResult(d Due, o parley.Outcome, next time.Time, loc *time.Location) Result {
	r := Result{Outcome: o, Next: next, LastSeq: d.LastSeq, record: d.record, claimed: d.claimed,
		day: o.StartedAt.In(loc).Format(parley.DayLayout), contributions: o.Contributions(loc)}
	if !o.Test {
		for _, g := range o.GapSignals {
			r.signals = append(r.signals, gapRow{o.ConversationID, o.Channel, g, g.At.In(loc).Format(parley.DayLayout)})
		}
	}
	// Encoded here, on the goroutine that decides, not on the one that
	// writes.
	r.encoded = encodeContributions(r.contributions)
	r.digest = digestOf(&r)
	return r
}

// Evaluation is a batch of due conversations claimed by one worker, from
// the claim that reads them to the transaction that saves their results.
//
// On PostgreSQL the claim is a transaction that locks the batch's rows
// (FOR UPDATE SKIP LOCKED) before their events are read, and holds them
// until Commit or Rollback: another process claiming at the same time skips
// them and takes the next due ones, so each conversation is read and
// evaluated by one process, and ingest of a new event for one of them
// waits, then marks it due again, so no update is lost. A process that
// dies mid-batch loses nothing: its connection closes, the transaction
// rolls back and the conversations stay due.
//
// SQLite has one writer at a time, and the worker reads a batch while it
// writes the previous one, so there the claim takes no lock: Save checks,
// in the write transaction, that each conversation is still due and has
// gained no event since it was read, and skips the others.
type Evaluation struct {
	db *DB
	tx *sql.Tx
	// conn, on SQLite, is the connection of tx from lock until the batch
	// ends (see release).
	conn        *sql.Conn
	workspaceID int64
	// generation is the workspace's generation whose settings the batch is
	// evaluated with (see SettingsChanged).
	generation int64
	// seed, when not 0, is the generation whose rollups generation began
	// as a copy of (see startGeneration): contributions a conversation
	// added to it are in generation's cells too, and are taken away from
	// them when it is evaluated into generation.
	seed int64
	due  []Due
	// arena holds the events of due decoded from records, until Decided.
	arena *eventArena
	next  DueCursor
	// stored holds what the last evaluation left on each conversation the
	// batch holds; nil until its rows are locked.
	stored map[string]storedOutcome
	// settingsChanged says the workspace's settings changed since the
	// batch's were read: it holds nothing.
	settingsChanged bool
	// rollupsChanged says Commit must bump the workspace's rollup version.
	rollupsChanged bool
	// aside holds, by conversation, why Save set it aside.
	aside map[string]string
	// moved counts the conversations Save moved from an older generation
	// into this one, for the progress of a recompute.
	moved int64
	// unchanged counts the conversations Save found evaluated as they had
	// been, whose rows it only stamped (see Unchanged).
	unchanged int
}

// storedOutcome is what the last evaluation left on a conversation's row.
type storedOutcome struct {
	version       int64
	contributions string
	setAside      bool
	// generation is the generation of rollups the contributions were added to.
	generation int64
	// digest is the digest of what the last evaluation wrote (see
	// Result.digest); nil when unknown.
	digest []byte
	// stamped says the row took the batch's evaluation stamp as the batch
	// locked it (see Evaluation.stampAsClaimed).
	stamped bool
}

// maxDueCap bounds the room a claim makes for its rows before reading
// them, whatever limit it was given.
const maxDueCap = 10000

// claimChunk bounds the conversations named in one IN list.
const claimChunk = 500

// ClaimDue claims up to limit conversations of a workspace that are due at
// now and come after the cursor in due order, and reads their events, to
// be evaluated with the settings of ws. The caller evaluates Due, then ends
// the batch with Save and Commit, or with Rollback. A walk goes on from
// Next; conversations that become due behind it are found by the next
// walk. If the workspace's settings changed since ws was read, the batch
// holds nothing (see SettingsChanged).
func (db *DB) ClaimDue(ctx context.Context, ws parley.Workspace, now time.Time, after DueCursor, limit int) (*Evaluation, error) {
	ev := &Evaluation{db: db, workspaceID: ws.ID, generation: ws.Generation, next: after}
	// SQLite takes no lock here, and reads the contributions of the rows it
	// writes in full only once they are locked (see lock): here they would
	// be read for nothing.
	// The record is read as text there, which the driver makes a string of
	// in one copy: read as a blob, it was copied twice, once by the driver
	// and once for its strings to outlive the row.
	contributions, record := "''", "CAST(r.record AS TEXT)"
	if db.dialect == Postgres {
		contributions, record = "c.contributions", "r.record"
	}
	q := `SELECT c.conversation_id, c.version, c.due_at, ` + contributions + `, c.set_aside_at IS NOT NULL, c.generation, c.outcome_digest, ` + record + `
		FROM conversations c LEFT JOIN conversation_records r
		  ON r.workspace_id = c.workspace_id AND r.conversation_id = c.conversation_id
		WHERE c.workspace_id = ? AND c.due_at IS NOT NULL AND c.due_at <= ?
		  AND (c.due_at, c.conversation_id) > (?, ?)
		ORDER BY c.due_at, c.conversation_id LIMIT ?`
	var src queryer = db.primary
	if db.dialect == Postgres {
		tx, err := db.evaluation.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("store: begin evaluation: %w", err)
		}
		ev.tx, src = tx, tx
		ev.stored = make(map[string]storedOutcome, limit)
		q += ` FOR UPDATE OF c SKIP LOCKED`
		// A settings change waits for the batches claimed before it and
		// holds back the claims after it (see startGeneration).
		if _, err := tx.ExecContext(ctx, generationLockSQL(true), generationLock, ws.ID); err != nil {
			ev.Rollback()
			return nil, fmt.Errorf("store: claim due conversations: %w", err)
		}
	}
	if err := ev.claim(ctx, src, q, now, limit); err != nil {
		ev.Rollback()
		return nil, err
	}
	return ev, nil
}

// claim runs the claiming query q, through src (on PostgreSQL the claim's
// transaction), then reads the claimed conversations' events.
func (ev *Evaluation) claim(ctx context.Context, src queryer, q string, now time.Time, limit int) error {
	d := ev.db.dialect
	rows, err := src.QueryContext(ctx, d.rebind(q),
		ev.workspaceID, d.instant(now), d.instant(ev.next.dueAt), ev.next.id, limit)
	if err != nil {
		return fmt.Errorf("store: claim due conversations: %w", err)
	}
	// after holds, for each claimed conversation whose record misses
	// events, the arrival number its record ends at (0 with no record):
	// only the events after it are read.
	after := map[string]int64{}
	// contributions, digest and rec are the driver's buffers, valid until
	// the next row: the contributions and digest are kept only where the
	// claim holds the rows (PostgreSQL); SQLite reads what it needs of the
	// rows when it locks them.
	var contributions, digest sql.RawBytes
	var rec sql.NullString
	select {
	case ev.arena = <-ev.db.arenas:
	default:
		ev.arena = new(eventArena)
	}
	// Each row is read into its place in due, made once for the batch: as
	// variables of the loop, a row's Due and storedOutcome were allocated
	// apiece, and due grown step by step: 79 MB of the 1,029 MB a rebuild
	// of 100,000 allocated.
	ev.due = make([]Due, 0, min(limit, maxDueCap))
	for rows.Next() {
		ev.due = append(ev.due, Due{})
		c := &ev.due[len(ev.due)-1]
		so := &c.claimed
		if err := rows.Scan(&c.ConversationID, &c.Version, scanInstant(&ev.next.dueAt), &contributions, &so.setAside, &so.generation, &digest, &rec); err != nil {
			rows.Close()
			return fmt.Errorf("store: claim due conversations: %w", err)
		}
		ev.next.id = c.ConversationID
		if r, err := decodeRecord(rec.String, ev.arena); err != nil {
			after[c.ConversationID] = 0
		} else {
			c.Events, c.LastSeq = r.events, r.lastSeq
			if r.version != c.Version {
				after[c.ConversationID] = r.lastSeq
			}
		}
		so.version = c.Version
		if len(digest) > 0 {
			so.digest = bytes.Clone(digest)
		}
		if ev.stored != nil {
			so.contributions = string(contributions)
			ev.stored[c.ConversationID], c.claimed = *so, storedOutcome{}
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: claim due conversations: %w", err)
	}
	if ev.stored != nil {
		if err := ev.checkGeneration(ctx); err != nil || ev.settingsChanged {
			return err
		}
	}
	if len(after) == 0 {
		return nil
	}
	events, err := ev.db.conversationEvents(ctx, ev.tx, ev.workspaceID, after)
	var bad badEvent
	if errors.As(err, &bad) {
		// Some stored event does not decode: read the conversations one by
		// one to find whose, so that only those are set aside.
		events, err = map[string][]parley.Event{}, nil
		for i := range ev.due {
			c := &ev.due[i]
			from, ok := after[c.ConversationID]
			if !ok {
				continue
			}
			one, err := ev.db.conversationEvents(ctx, ev.tx, ev.workspaceID, map[string]int64{c.ConversationID: from})
			if errors.As(err, &bad) {
				c.Events, c.Err = nil, err
				delete(after, c.ConversationID)
				continue
			}
			if err != nil {
				return err
			}
			events[c.ConversationID] = one[c.ConversationID]
		}
	}
	if err != nil {
		return err
	}
	for i := range ev.due {
		c := &ev.due[i]
		if _, ok := after[c.ConversationID]; !ok {
			continue
		}
		// The events read come after those of the record, if any: the
		// record is written again with them (see Result.record).
		if len(c.Events) == 0 {
			c.Events = events[c.ConversationID]
		} else {
			c.Events = append(c.Events[:len(c.Events):len(c.Events)], events[c.ConversationID]...)
		}
		if n := len(c.Events); n > 0 {
			c.LastSeq = c.Events[n-1].Seq
		}
		c.record = encodeRecord(c.Version, c.Events)
	}
	return nil
}

// checkGeneration reads the workspace's generation in the batch's
// transaction, once its rows are locked, and gives the batch up if the
// settings changed since its own were read. A settings change marks every
// conversation due under its lock, so it either waits for this
// transaction, and the batch is saved and then due again, or has
// committed, and is seen here.
func (ev *Evaluation) checkGeneration(ctx context.Context) error {
	var current int64
	if err := ev.tx.QueryRowContext(ctx, ev.db.dialect.rebind(`SELECT generation,
		COALESCE((SELECT seed FROM rollup_versions WHERE workspace_id = ? AND generation <> ?), 0)
		FROM workspaces WHERE id = ?`), ev.workspaceID, ev.generation, ev.workspaceID).Scan(&current, &ev.seed); err != nil {
		return fmt.Errorf("store: claim due conversations: %w", err)
	}
	if current != ev.generation {
		ev.settingsChanged = true
		ev.due = nil
		clear(ev.stored)
	}
	return nil
}

// SettingsChanged reports that the workspace's settings changed after the
// batch's were read, so that it holds nothing: its conversations stay due,
// to be evaluated with the new settings.
func (ev *Evaluation) SettingsChanged() bool { return ev.settingsChanged }

// Due returns the claimed conversations, in due order, with their events.
func (ev *Evaluation) Due() []Due { return ev.due }

// Decided says that the events of Due will not be read again: the memory
// they were decoded into is used again by a later claim, and Due holds no
// events from then on. A batch that is not told so leaves it to the
// collector.
func (ev *Evaluation) Decided() {
	for i := range ev.due {
		ev.due[i].Events = nil
	}
	if ev.arena != nil {
		ev.arena.reset()
		select {
		case ev.db.arenas <- ev.arena:
		default:
		}
		ev.arena = nil
	}
}

// Next returns the cursor after the last claimed conversation.
func (ev *Evaluation) Next() DueCursor { return ev.next }

// lock makes sure the batch's rows are locked by its write transaction.
// On SQLite it begins that transaction and holds each conversation that
// is still due and unchanged since it was read (see Evaluation), with what
// its row holds; the stored contributions only of the rows whose results
// need them (see needsContributions).
func (ev *Evaluation) lock(ctx context.Context, now time.Time, results []Result) error {
	if ev.stored != nil {
		return nil
	}
	d := ev.db.dialect
	// The journal of the batch's savepoint (see saveIsolated) holds the
	// original of every page the batch changes. SQLite keeps it in a
	// temporary file, written a page at a time, which was a third of
	// stamping a rebuild's rows; the batch's size bounds it, so the batch
	// keeps it in memory. The connection goes back to the default after:
	// a statement that changes every row of a table, as ResetOutcomes's
	// does, would keep a journal as large as the table.
	if err := ev.db.ready(ctx); err != nil {
		return err
	}
	conn, err := ev.db.evaluation.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin evaluation: %w", err)
	}
	ev.conn = conn
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		return fmt.Errorf("store: begin evaluation: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin evaluation: %w", err)
	}
	ev.tx = tx
	ev.stored = make(map[string]storedOutcome, len(ev.due))
	// The settings are checked first: a change of them marks every
	// conversation due again, which a stamp would undo.
	if err := ev.checkGeneration(ctx); err != nil || ev.settingsChanged {
		return err
	}
	if err := ev.stampAsClaimed(ctx, now, results); err != nil {
		return err
	}
	want := make(map[string]int64, len(ev.due))
	ids := make([]string, 0, len(ev.due)-len(ev.stored))
	for _, c := range ev.due {
		if _, ok := ev.stored[c.ConversationID]; !ok {
			want[c.ConversationID] = c.Version
			ids = append(ids, c.ConversationID)
		}
	}
	// The rows are found by key; whether each is still due is checked here
	// rather than in SQL, where the planner would rather walk the index of
	// due conversations, all of them at the start of a backfill.
	if err := inChunks([]any{d.instant(now), ev.workspaceID}, ids, claimChunk, func(in string, args []any) error {
		rows, err := ev.db.queryTx(ctx, tx, lockRowsSQL(in), args...)
		return eachRow(rows, err, "claim due conversations", func(r rowScanner) error {
			var (
				id  string
				so  storedOutcome
				due bool
			)
			if err := r.Scan(&id, &so.version, &so.setAside, &so.generation, &so.digest, &due); err != nil {
				return err
			}
			if due && so.version == want[id] {
				ev.stored[id] = so
			}
			return nil
		})
	}); err != nil {
		return err
	}
	// A result whose digest is the stored one has the stored
	// contributions, which the digest covers: only the others' are read.
	// In a rebuild that is a few rows in a hundred.
	var read []string
	for i := range results {
		r := &results[i]
		id := r.Outcome.ConversationID
		if so, ok := ev.stored[id]; ok && !so.stamped {
			if needsContributions(r, so) {
				read = append(read, id)
			} else {
				so.contributions = r.encoded
				ev.stored[id] = so
			}
		}
	}
	if err := inChunks([]any{ev.workspaceID}, read, claimChunk, func(in string, args []any) error {
		rows, err := tx.QueryContext(ctx, d.rebind(`SELECT conversation_id, contributions FROM conversations
			WHERE workspace_id = ? AND conversation_id IN (`+in+`)`), args...)
		return eachRow(rows, err, "claim due conversations", func(r rowScanner) error {
			var id, contributions string
			if err := r.Scan(&id, &contributions); err != nil {
				return err
			}
			if so, ok := ev.stored[id]; ok {
				so.contributions = contributions
				ev.stored[id] = so
			}
			return nil
		})
	}); err != nil {
		return err
	}
	return nil
}

// stampAsClaimed gives the evaluation stamp, as the batch locks its rows
// on SQLite, to the conversations evaluated as the claim found them
// stored: the same digest (so the same outcome, contributions and gap
// signals), not set aside, not due again. Each is stamped only if its row
// is still as the claim read it, which the statement checks as it writes:
// a stamped row needs nothing read again, and the batch holds it with
// what the claim read. In a rebuild that is nearly every row, and reading
// them again was a third of the writer's time. The others are read again
// by lock.
func (ev *Evaluation) stampAsClaimed(ctx context.Context, now time.Time, results []Result) error {
	var (
		d       = ev.db.dialect
		claimed = map[string]*Result{}
		args    []any
	)
	flush := func() error {
		n := len(claimed)
		if n == 0 {
			return nil
		}
		// A chunk more than a quarter full is made whole with copies of
		// its last conversation, which change nothing in either list, so
		// that it runs the statement prepared for whole chunks: the last
		// chunk of nearly every batch was parsed anew, a thirtieth of the
		// writer's time.
		size := n
		if n > claimChunk/4 {
			size = claimChunk
		}
		lead := make([]any, 0, 3+5*size+1)
		lead = append(lead, ev.generation, d.instant(now), ev.workspaceID)
		for id := range claimed {
			lead = append(lead, id)
		}
		last := args[len(args)-4:]
		for range size - n {
			lead, args = append(lead, last[0]), append(args, last...)
		}
		rows, err := ev.db.queryTx(ctx, ev.tx, stampAsClaimedSQL(size), append(append(lead, args...), d.instant(now))...)
		err = eachRow(rows, err, "stamp unchanged conversations", func(row rowScanner) error {
			var id string
			if err := row.Scan(&id); err != nil {
				return err
			}
			r := claimed[id]
			so := r.claimed
			so.contributions, so.stamped = r.encoded, true
			ev.stored[id] = so
			return nil
		})
		args = args[:0]
		clear(claimed)
		return err
	}
	for i := range results {
		r := &results[i]
		so := r.claimed
		if r.failure != "" || so.setAside || so.digest == nil || !bytes.Equal(so.digest, r.digest) || !r.Next.IsZero() {
			continue
		}
		claimed[r.Outcome.ConversationID] = r
		args = append(args, r.Outcome.ConversationID, so.version, so.generation, so.digest)
		if len(claimed) == claimChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// needsContributions reports whether saving r needs the contributions its
// conversation's row holds: unless r failed, a digest the same as the
// stored one is of the same contributions (see digestOf).
func needsContributions(r *Result, so storedOutcome) bool {
	return r.failure != "" || so.digest == nil || !bytes.Equal(so.digest, r.digest)
}

// conversationEvents reads the events of several conversations, each list
// in arrival order: of each conversation of after, its events that arrived
// after the number given (0 for all). The lists of one chunk share one
// backing array, capped so that appending to one cannot overwrite the
// next: growing a slice per conversation took a seventh of an evaluation's
// reading.
//
// It reads through tx when one is given, else from the read pool.
func (db *DB) conversationEvents(ctx context.Context, tx *sql.Tx, workspaceID int64, after map[string]int64) (map[string][]parley.Event, error) {
	out := make(map[string][]parley.Event, len(after))
	ids := make([]string, 0, len(after))
	for id := range after {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	args := make([]any, 0, claimChunk+2)
	for start := 0; start < len(ids); start += claimChunk {
		chunk := ids[start:min(start+claimChunk, len(ids))]
		// One bound for the chunk, the lowest; the rows of a conversation
		// its record already holds are passed over below, before decoding.
		from := after[chunk[0]]
		for _, id := range chunk {
			from = min(from, after[id])
		}
		args = append(args[:0], workspaceID, from)
		for _, id := range chunk {
			args = append(args, id)
		}
		var (
			rows *sql.Rows
			err  error
		)
		if tx != nil {
			rows, err = tx.QueryContext(ctx, db.dialect.rebind(eventsOfSQL(len(chunk))), args...)
		} else {
			rows, err = db.queryRead(ctx, eventsOfSQL(len(chunk)), args...)
		}
		if err != nil {
			return nil, fmt.Errorf("store: read events: %w", err)
		}
		var (
			all   = make([]parley.Event, 0, 8*len(chunk))
			convs []string // the conversation of each run of all, in order
			runs  []int    // where each run starts
			conv  sql.RawBytes
			body  sql.RawBytes
			seq   int64
			read  int64
		)
		for rows.Next() {
			// conv and body are the driver's buffers, valid until the next
			// row: the decoder copies what it keeps.
			if err := rows.Scan(&seq, &conv, &body); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: read events: %w", err)
			}
			if read++; seq <= after[string(conv)] {
				continue
			}
			all = append(all, parley.Event{})
			e := &all[len(all)-1]
			// Bodies are the canonical JSON ingest wrote; the v2 decoder
			// reads them three times faster than encoding/json.
			if err := jsonv2.Unmarshal(body, e); err != nil {
				rows.Close()
				return nil, badEvent{fmt.Errorf("store: read events: stored body of event %d: %w", seq, err)}
			}
			e.Seq = seq
			if len(convs) == 0 || convs[len(convs)-1] != e.ConversationID {
				convs, runs = append(convs, e.ConversationID), append(runs, len(all)-1)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("store: read events: %w", err)
		}
		db.eventRowsRead.Add(read)
		for i, c := range convs {
			end := len(all)
			if i+1 < len(runs) {
				end = runs[i+1]
			}
			out[c] = all[runs[i]:end:end]
		}
	}
	return out, nil
}

// conversationColumns are written by Save, in this order.
var conversationColumns = []string{
	"workspace_id", "conversation_id", "version", "evaluated_seq", "started_at", "day", "channel", "test",
	"ticket_url", "outcome", "resolution", "reasons", "decided_at", "decision_due_at",
	"handoff_initiator", "handoff_reason", "reopened", "closed_at", "time_to_close_ms",
	"contributions", "generation", "definition_version", "evaluated_at", "due_at", "outcome_digest",
}

// saveChunk keeps one multi-row statement under both databases' limits on
// bound parameters (25 columns × 500 rows = 12,500; SQLite allows 32,766).
// A batch of the default 1,000 conversations is two full chunks, whose
// statement is prepared once (see statements.go).
const saveChunk = 500

// Save stores the results of the claimed conversations and changes the
// rollups by exactly what their contributions changed. Results of
// conversations the evaluation does not hold are skipped (see Evaluation).
// A failed result (NewSetAside), or one whose outcome the database refuses,
// sets its conversation aside; the others are saved all the same.
func (ev *Evaluation) Save(ctx context.Context, results []Result, now time.Time) error {
	if err := ev.lock(ctx, now, results); err != nil {
		return err
	}
	// Most batches hold all of their results, which are then saved as they
	// are: a copy of each was a twentieth of what a rebuild allocated.
	n := 0
	for i := range results {
		if ev.Holds(results[i].Outcome.ConversationID) {
			n++
		}
	}
	held := results
	if n < len(results) {
		held = make([]Result, 0, n)
		for _, r := range results {
			if ev.Holds(r.Outcome.ConversationID) {
				held = append(held, r)
			}
		}
	}
	return ev.saveIsolated(ctx, held, now)
}

// saveHeld is Save of results the evaluation holds.
func (ev *Evaluation) saveHeld(ctx context.Context, results []Result, now time.Time) error {
	// Queued in the savepoint with the rest, so that a part saved again
	// apart queues its webhooks once.
	if err := ev.queueDecided(ctx, results, now); err != nil {
		return err
	}
	d := ev.db.dialect
	delta := map[cell]int64{}
	sketches := map[cell]*parley.DurationSketch{}
	add := func(c parley.Contribution, sign int64) {
		if !c.Metric.Sketched() {
			delta[cellOf(c)] += sign * c.N
			return
		}
		s := sketches[cellOf(c)]
		if s == nil {
			s = &parley.DurationSketch{}
			sketches[cellOf(c)] = s
		}
		s.Add(c.N, sign)
	}
	subtract := func(stored string) error {
		old, err := decodeContributions(stored)
		for _, c := range old {
			add(c, -1)
		}
		return err
	}
	var (
		args    = make([]any, 0, saveChunk*len(conversationColumns))
		pending int
		signals []gapRow
		tests   []string
		// recheck lists the conversations that had gap signals before:
		// the ones whose signals a re-evaluation may have dropped.
		recheck []string
		// failed are the results to set aside; cleared, the conversations
		// evaluated now that had been set aside.
		failed  []Result
		cleared []string
		// stamped are the conversations evaluated as they had been, not due
		// again: their rows only take the batch's evaluation stamp.
		stamped []string
		// unchanged counts them, with those stamped already.
		unchanged int
		// sameUses holds the conversations whose stored uses stand.
		sameUses = map[string]bool{}
	)
	flush := func() error {
		if pending == 0 {
			return nil
		}
		_, err := ev.db.execTx(ctx, ev.tx, saveOutcomesSQL(pending), args...)
		args, pending = args[:0], 0
		if err != nil {
			return fmt.Errorf("store: save outcomes: %w", err)
		}
		return nil
	}
	for i := range results {
		r := &results[i]
		o := &r.Outcome
		so, ok := ev.stored[o.ConversationID]
		if !ok {
			continue
		}
		// inCells says the stored contributions are in the cells of the
		// batch's generation: added to it, or to the one it was copied from.
		inCells := so.generation == ev.generation || (ev.seed != 0 && so.generation == ev.seed)
		if r.failure != "" {
			// Set aside during a recompute, it leaves the older
			// generation with no contributions (see setAside), so that
			// the recompute does not wait for it.
			if so.generation != ev.generation && so.contributions != "" {
				ev.moved++
				if inCells {
					if err := subtract(so.contributions); err != nil {
						return fmt.Errorf("store: conversation %s: %w", o.ConversationID, err)
					}
				}
			}
			failed = append(failed, *r)
			continue
		}
		if so.setAside {
			cleared = append(cleared, o.ConversationID)
		}
		// Contributions to an older generation stay where they are, with
		// its rollups, until those are dropped: they are decoded only to
		// be taken away from this one's, and not at all when the new ones
		// are the same.
		contributions := r.encoded
		if so.generation != ev.generation && so.contributions != "" {
			ev.moved++
		}
		if contributions == so.contributions && o.Handled() {
			// The uses of a handled conversation are its contributions of
			// parley.MetricUse: the same contributions, the same uses.
			sameUses[o.ConversationID] = true
		}
		if !inCells || contributions != so.contributions {
			if inCells {
				if err := subtract(so.contributions); err != nil {
					return fmt.Errorf("store: conversation %s: %w", o.ConversationID, err)
				}
			}
			for _, c := range r.contributions {
				add(c, 1)
			}
		}
		if so.digest != nil && bytes.Equal(so.digest, r.digest) && !so.setAside && r.Next.IsZero() {
			// The row's outcome columns and the gap signals stored are
			// the ones this result would write.
			unchanged++
			if !so.stamped {
				stamped = append(stamped, o.ConversationID)
			}
			continue
		}
		// The metric is a whole part of a line of contributions (see
		// encodeContributions); a channel or label of the same name only
		// makes the check below look again for nothing.
		hadSignals := strings.Contains(so.contributions, "|"+string(parley.MetricGapSignals)+"|")
		var ttc any
		if !o.ClosedAt.IsZero() {
			ttc = o.TimeToClose.Milliseconds()
		}
		reasons := make([]string, len(o.Reasons))
		for i, r := range o.Reasons {
			reasons[i] = string(r)
		}
		args = append(args, ev.workspaceID, o.ConversationID, so.version, r.LastSeq,
			d.instant(o.StartedAt), r.day, o.Channel, o.Test,
			o.TicketURL, string(o.Kind), string(o.Resolution), strings.Join(reasons, ","),
			d.nullInstant(o.DecidedAt), d.nullInstant(o.DecisionDueAt),
			string(o.HandoffInitiator), o.HandoffReason, o.Reopened, d.nullInstant(o.ClosedAt), ttc,
			contributions, ev.generation, o.DefinitionVersion, d.instant(now), d.nullInstant(r.Next), r.digest)
		if pending++; pending == saveChunk {
			if err := flush(); err != nil {
				return err
			}
		}
		if o.Test {
			tests = append(tests, o.ConversationID)
		} else if hadSignals {
			recheck = append(recheck, o.ConversationID)
		}
		signals = append(signals, r.signals...)
	}
	if err := flush(); err != nil {
		return err
	}
	if err := ev.execIn(ctx, []any{ev.generation, d.instant(now)}, stamped, stampSQL); err != nil {
		return fmt.Errorf("store: save outcomes: %w", err)
	}
	ev.unchanged += unchanged
	if err := ev.saveRecords(ctx, results); err != nil {
		return err
	}
	if err := ev.applyDelta(ctx, delta, sketches); err != nil {
		return err
	}
	if err := ev.saveChannels(ctx, results); err != nil {
		return err
	}
	if err := ev.saveUses(ctx, results, sameUses); err != nil {
		return err
	}
	if err := ev.saveGapSignals(ctx, signals, tests, recheck); err != nil {
		return err
	}
	return ev.setAside(ctx, failed, cleared, now)
}

// saveRecords stores the records made afresh for the results: those of
// conversations that had none, or whose record missed events.
func (ev *Evaluation) saveRecords(ctx context.Context, results []Result) error {
	args := make([]any, 0, 3*saveChunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := ev.tx.ExecContext(ctx, ev.db.dialect.rebind(`INSERT INTO conversation_records (workspace_id, conversation_id, record) VALUES `+
			placeholders(len(args)/3, 3)+` ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET record = excluded.record`), args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("store: save conversation records: %w", err)
		}
		return nil
	}
	for i := range results {
		r := &results[i]
		if r.record == nil || r.failure != "" || !ev.Holds(r.Outcome.ConversationID) {
			continue
		}
		if args = append(args, ev.workspaceID, r.Outcome.ConversationID, r.record); len(args) == 3*saveChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// Unchanged counts the conversations the batch evaluated as they had been:
// their outcome, contributions and gap signals were already stored, so
// their rows only took the new evaluation time (and generation).
func (ev *Evaluation) Unchanged() int { return ev.unchanged }

// Holds reports whether the evaluation claimed the conversation.
func (ev *Evaluation) Holds(conversationID string) bool {
	_, ok := ev.stored[conversationID]
	return ok
}

// saveChannels records the channels of the results.
func (ev *Evaluation) saveChannels(ctx context.Context, results []Result) error {
	seen := map[string]bool{}
	args := []any{}
	for i := range results {
		o := &results[i].Outcome
		if ch := o.Channel; ev.Holds(o.ConversationID) && results[i].failure == "" && !seen[ch] {
			seen[ch] = true
			args = append(args, ev.workspaceID, ch)
		}
	}
	if len(seen) == 0 {
		return nil
	}
	if _, err := ev.tx.ExecContext(ctx, ev.db.dialect.rebind(
		`INSERT INTO channels (workspace_id, channel) VALUES `+placeholders(len(seen), 2)+
			` ON CONFLICT (workspace_id, channel) DO NOTHING`), args...); err != nil {
		return fmt.Errorf("store: save channels: %w", err)
	}
	return nil
}

// gapRow is a gap signal with the conversation facts stored beside it.
type gapRow struct {
	conversationID, channel string
	signal                  parley.GapSignal
	day                     string
}

// saveGapSignals stores the signals found, removes those of conversations
// that turned out to be test traffic, and, of the conversations in recheck,
// those a re-evaluation no longer finds: a late event can show that two
// signals were about one question (see evaluate), and the one kept may be
// the other.
func (ev *Evaluation) saveGapSignals(ctx context.Context, signals []gapRow, tests, recheck []string) error {
	d := ev.db.dialect
	args := make([]any, 0, saveChunk*8)
	for start := 0; start < len(signals); start += saveChunk {
		chunk := signals[start:min(start+saveChunk, len(signals))]
		args = args[:0]
		for _, g := range chunk {
			args = append(args, ev.workspaceID, g.signal.EventID, g.conversationID, string(g.signal.Kind),
				d.instant(g.signal.At), g.day, g.channel, g.signal.Question)
		}
		if _, err := ev.db.execTx(ctx, ev.tx, saveGapSignalsSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("store: save gap signals: %w", err)
		}
	}
	if err := ev.deleteIn(ctx, "gap_signals", "conversation_id", tests); err != nil {
		return fmt.Errorf("store: drop gap signals of test traffic: %w", err)
	}
	if len(recheck) == 0 {
		return nil
	}
	found := map[string]bool{} // event IDs of the signals found
	for _, g := range signals {
		found[g.signal.EventID] = true
	}
	var gone []string
	if err := inChunks([]any{ev.workspaceID}, recheck, claimChunk, func(in string, args []any) error {
		rows, err := ev.tx.QueryContext(ctx, d.rebind(`SELECT event_id FROM gap_signals
			WHERE workspace_id = ? AND conversation_id IN (`+in+`)`), args...)
		return eachRow(rows, err, "gap signals of the batch", func(r rowScanner) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			if !found[id] {
				gone = append(gone, id)
			}
			return nil
		})
	}); err != nil {
		return err
	}
	if err := ev.deleteIn(ctx, "gap_signals", "event_id", gone); err != nil {
		return fmt.Errorf("store: drop gap signals found no more: %w", err)
	}
	return nil
}

// deleteIn deletes the workspace's rows of table whose column holds one of
// values, a chunk of them at a time.
func (ev *Evaluation) deleteIn(ctx context.Context, table, column string, values []string) error {
	return ev.execIn(ctx, nil, values, func(in string) string {
		return `DELETE FROM ` + table + ` WHERE workspace_id = ? AND ` + column + ` IN (` + in + `)`
	})
}

// execIn runs each statement once for every chunk of values, with lead,
// the workspace id and the chunk's values as its arguments; a statement is
// made from the chunk's placeholder list ("?, ?, …"), so that no statement
// binds more variables than a database allows.
func (ev *Evaluation) execIn(ctx context.Context, lead []any, values []string, statements ...func(in string) string) error {
	return inChunks(append(slices.Clip(lead), ev.workspaceID), values, claimChunk, func(in string, args []any) error {
		for _, statement := range statements {
			if _, err := ev.db.execTx(ctx, ev.tx, statement(in), args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Commit makes the batch's outcomes and rollup changes durable together.
// The workspace's rollup version is bumped last, just before the commit:
// that row is shared by every worker of the workspace, and a transaction
// that holds it then waits for nothing else, so workers cannot deadlock
// over it.
func (ev *Evaluation) Commit() error {
	if ev.tx == nil {
		return nil
	}
	if ev.rollupsChanged || ev.moved > 0 {
		if err := ev.commitRollups(context.Background()); err != nil {
			return err
		}
	}
	err := ev.tx.Commit()
	ev.release()
	if err != nil {
		return fmt.Errorf("store: commit evaluation: %w", err)
	}
	return nil
}

// Rollback abandons the batch; its conversations stay due.
func (ev *Evaluation) Rollback() error {
	if ev.tx == nil {
		ev.release()
		return nil
	}
	err := ev.tx.Rollback()
	ev.release()
	if err != nil && err != sql.ErrTxDone {
		return fmt.Errorf("store: rollback evaluation: %w", err)
	}
	return nil
}

// release gives back the SQLite connection lock took, its temporary store
// as it was; a connection that cannot be set back is closed instead.
func (ev *Evaluation) release() {
	if ev.conn == nil {
		return
	}
	if _, err := ev.conn.ExecContext(context.Background(), `PRAGMA temp_store = DEFAULT`); err != nil {
		ev.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	ev.conn.Close()
	ev.conn = nil
}
