package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// ConversationQuery asks for one page of a conversation list: the
// conversations Filter selects (parley.ConversationFilter: the one filter
// every surface parses), after a cursor, at most Limit of them.
type ConversationQuery struct {
	Filter parley.ConversationFilter
	// After continues a listing after the given conversation, in the
	// list's order; the zero cursor starts at the top.
	After Cursor
	// Limit caps the rows returned; 0 means no cap.
	Limit int
}

// Cursor is a place in a conversation list: the conversation a page ended
// with. The list is newest first — by local start date, then start time,
// then id, all descending — so the cursor holds all three, and the date
// lets the list's index skip to it.
type Cursor struct {
	Day       string
	StartedAt time.Time
	ID        string
}

// CursorAt is the cursor after conversation c.
func CursorAt(c parley.Conversation) Cursor {
	return Cursor{Day: c.Day, StartedAt: c.StartedAt, ID: c.ConversationID}
}

// String writes the cursor as one URL parameter value: day|start|id.
func (c Cursor) String() string {
	if c.ID == "" {
		return ""
	}
	return c.Day + "|" + c.StartedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID
}

// ParseCursor reads a cursor that String wrote.
func ParseCursor(s string) (Cursor, error) {
	day, rest, ok1 := strings.Cut(s, "|")
	start, id, ok2 := strings.Cut(rest, "|")
	t, err := time.Parse(time.RFC3339Nano, start)
	if _, derr := time.Parse(parley.DayLayout, day); !ok1 || !ok2 || err != nil || derr != nil || id == "" {
		return Cursor{}, parley.InvalidInput([]parley.Problem{parley.FieldProblem("after", "must be the cursor of a previous page")})
	}
	return Cursor{Day: day, StartedAt: t.UTC(), ID: id}, nil
}

// Conversations lists evaluated conversations newest first: by local start
// date, start time and id, descending. Conversations not evaluated yet are
// left out: they have no outcome.
func (db *DB) Conversations(ctx context.Context, workspaceID int64, cq ConversationQuery) ([]parley.Conversation, error) {
	where, args := conversationWhere(workspaceID, cq.Filter)
	if c := cq.After; c.ID != "" {
		where = append(where, "(day < ? OR (day = ? AND (started_at < ? OR (started_at = ? AND conversation_id < ?))))")
		at := db.dialect.instant(c.StartedAt)
		args = append(args, c.Day, c.Day, at, at, c.ID)
	}
	q := `SELECT conversation_id, channel, started_at, day, outcome, resolution, reasons, decided_at,
		decision_due_at, handoff_initiator, handoff_reason, reopened, test, ticket_url, closed_at,
		time_to_close_ms, definition_version
		FROM conversations WHERE ` + strings.Join(where, " AND ") + ` ORDER BY day DESC, started_at DESC, conversation_id DESC`
	if cq.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, cq.Limit)
	}
	rows, err := db.reader(ctx).QueryContext(ctx, db.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list conversations: %w", err)
	}
	defer rows.Close()
	var out []parley.Conversation
	for rows.Next() {
		var (
			c                    parley.Conversation
			outcome, resolution  string
			reasons, initiator   string
			decided, due, closed time.Time
			ttc                  sql.NullInt64
		)
		if err := rows.Scan(&c.ConversationID, &c.Channel, scanInstant(&c.StartedAt), &c.Day, &outcome, &resolution,
			&reasons, scanInstant(&decided), scanInstant(&due), &initiator, &c.HandoffReason, &c.Reopened,
			&c.Test, &c.TicketURL, scanInstant(&closed), &ttc, &c.DefinitionVersion); err != nil {
			return nil, fmt.Errorf("store: list conversations: %w", err)
		}
		c.Outcome, c.Resolution, c.HandoffInitiator = parley.OutcomeKind(outcome), parley.Resolution(resolution), parley.Initiator(initiator)
		c.Reasons = []parley.UnresolvedReason{}
		if reasons != "" {
			for r := range strings.SplitSeq(reasons, ",") {
				c.Reasons = append(c.Reasons, parley.UnresolvedReason(r))
			}
		}
		c.DecidedAt, c.DecisionDueAt, c.ClosedAt = instantPtr(decided), instantPtr(due), instantPtr(closed)
		if ttc.Valid {
			s := float64(ttc.Int64) / 1000
			c.TimeToCloseSeconds = &s
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountConversations counts the conversations a filter selects, for the
// list's "N conversations".
func (db *DB) CountConversations(ctx context.Context, workspaceID int64, f parley.ConversationFilter) (int64, error) {
	where, args := conversationWhere(workspaceID, f)
	var n int64
	err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM conversations WHERE `+strings.Join(where, " AND ")), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count conversations: %w", err)
	}
	return n, nil
}

// conversationWhere is the WHERE clause of a filter, as conditions to join
// with AND and their arguments.
func conversationWhere(workspaceID int64, f parley.ConversationFilter) ([]string, []any) {
	where := []string{"workspace_id = ?", "outcome <> ''"}
	args := []any{workspaceID}
	add := func(cond string, vals ...any) {
		where = append(where, cond)
		args = append(args, vals...)
	}
	if kinds := f.OutcomeKinds(); len(f.Outcomes) > 0 {
		vals := make([]any, len(kinds))
		for i, o := range kinds {
			vals[i] = string(o)
		}
		if len(vals) == 0 { // only unknown sets, which the parser refuses
			add("1 = 0")
		} else {
			add("outcome IN ("+list(len(vals))+")", vals...)
		}
	}
	if f.Resolution != "" {
		add("resolution = ?", string(f.Resolution))
	}
	if f.Reason != "" {
		add("(',' || reasons || ',') LIKE ?", "%,"+string(f.Reason)+",%")
	}
	if f.Initiator != "" {
		add("handoff_initiator = ?", string(f.Initiator))
	}
	if len(f.Channels) > 0 {
		vals := make([]any, len(f.Channels))
		for i, c := range f.Channels {
			vals[i] = c
		}
		add("channel IN ("+list(len(vals))+")", vals...)
	}
	if f.From != "" {
		add("day >= ?", f.From)
	}
	if f.To != "" {
		add("day <= ?", f.To)
	}
	switch f.Test {
	case parley.TestInclude:
	case parley.TestOnly:
		add("test = ?", true)
	default:
		add("test = ?", false)
	}
	if f.Reopened {
		add("reopened = ?", true)
	}
	for _, u := range []struct {
		kind parley.UseKind
		key  string
	}{{parley.UseSource, f.Source}, {parley.UseAction, f.Action}} {
		if u.key != "" {
			add(`conversation_id IN (SELECT conversation_id FROM conversation_uses WHERE workspace_id = ? AND kind = ? AND hash = ?)`,
				workspaceID, string(u.kind), parley.UseHash(u.kind, u.key))
		}
	}
	return where, args
}

func instantPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Evaluated says what the last evaluation of a conversation read: its
// events up to arrival number Seq, at the instant At. The outcome is not
// stored whole; since the rule is a pure function of the events, the
// settings and the time, evaluating those events at At again gives it,
// explanation included (see evaluate.Outcome).
type Evaluated struct {
	Seq int64
	At  time.Time
	// Due says the conversation waits to be evaluated again at now: events
	// arrived since, its decision time passed, or the settings changed.
	Due bool
}

// LastEvaluation returns what the last evaluation of a conversation read,
// and whether it is due again at now.
func (db *DB) LastEvaluation(ctx context.Context, workspaceID int64, conversationID string, now time.Time) (Evaluated, error) {
	var e Evaluated
	err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(
		`SELECT evaluated_seq, evaluated_at, due_at IS NOT NULL AND due_at <= ? FROM conversations
		WHERE workspace_id = ? AND conversation_id = ?`),
		db.dialect.instant(now), workspaceID, conversationID).Scan(&e.Seq, scanInstant(&e.At), &e.Due)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && e.At.IsZero()) {
		return e, parley.Errorf(parley.KindNotFound, "conversation %q not found or not evaluated yet", conversationID)
	}
	if err != nil {
		return e, fmt.Errorf("store: conversation %s: %w", conversationID, err)
	}
	return e, nil
}

// Progress says how much evaluation work a workspace has.
type Progress struct {
	Conversations int64 `json:"conversations"`
	// Due is how many conversations are due for evaluation at the time asked.
	Due int64 `json:"due"`
	// Pending is how many conversations wait for their decision time.
	Pending int64 `json:"pending"`
}

// Analyze refreshes the planner's statistics of the tables evaluation
// reads. PostgreSQL otherwise plans for a bulk load as if the tables were
// still small until autovacuum catches up; SQLite plans these queries
// well without statistics, so there it does nothing.
func (db *DB) Analyze(ctx context.Context) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := db.evaluation.ExecContext(ctx, `ANALYZE conversations, events`); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// EvaluationProgress counts the conversations of a workspace, those due at
// now, and those waiting for a decision.
func (db *DB) EvaluationProgress(ctx context.Context, workspaceID int64, now time.Time) (Progress, error) {
	var p Progress
	err := db.primary.QueryRowContext(ctx, db.dialect.rebind(`
		SELECT COUNT(*),
		       COALESCE(SUM(CASE WHEN due_at IS NOT NULL AND due_at <= ? THEN 1 ELSE 0 END), 0),
		       COALESCE(SUM(CASE WHEN outcome = 'pending' THEN 1 ELSE 0 END), 0)
		FROM conversations WHERE workspace_id = ?`), db.dialect.instant(now), workspaceID).
		Scan(&p.Conversations, &p.Due, &p.Pending)
	if err != nil {
		return p, fmt.Errorf("store: evaluation progress: %w", err)
	}
	return p, nil
}

// ResetOutcomes makes every conversation of a workspace be evaluated
// again from its raw events, into a new generation of outcomes and rollups
// (see UpdateSettings); reports show the previous numbers until it is done.
func (db *DB) ResetOutcomes(ctx context.Context, workspaceID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceInTx(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		return db.startGeneration(ctx, tx, workspaceID, parley.VersionedSettings{Version: ws.SettingsVersion, Settings: ws.Settings})
	})
}

// Channels lists the channels a workspace's conversations have used.
func (db *DB) Channels(ctx context.Context, workspaceID int64) ([]string, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, db.dialect.rebind(
		`SELECT channel FROM channels WHERE workspace_id = ? ORDER BY channel`), workspaceID)
	return collect(rows, err, "channels", func(r rowScanner) (c string, err error) { return c, r.Scan(&c) })
}

// OldestDue returns the earliest decision time that has passed at now
// without its conversation being evaluated again, over every workspace;
// zero when there is none. Conversations due because new events arrived are
// not counted here (their mark carries no time); DueCount counts them.
func (db *DB) OldestDue(ctx context.Context, now time.Time) (time.Time, error) {
	var t time.Time
	d := db.dialect
	err := db.primary.QueryRowContext(ctx, d.rebind(`SELECT MIN(due_at) FROM conversations
		WHERE due_at IS NOT NULL AND due_at > ? AND due_at <= ?`), d.instant(earliest), d.instant(now)).Scan(scanInstant(&t))
	if err != nil {
		return t, fmt.Errorf("store: oldest due: %w", err)
	}
	return t, nil
}

// DueCount counts the conversations due for evaluation at now, over every
// workspace.
func (db *DB) DueCount(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.primary.QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM conversations WHERE due_at IS NOT NULL AND due_at <= ?`),
		db.dialect.instant(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: due count: %w", err)
	}
	return n, nil
}
