package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/parleyhq/parley"
)

// A conversation whose evaluation fails is set aside (migration 0012): its
// events could not be read, the rule failed on them, or the database
// refused what it decided. The batch goes on without it — one conversation
// never stops the others — and it waits, with its error, for a new event,
// an admin's retry, a rebuild or another release.

// SetAside is a conversation set aside, as admins see it.
type SetAside struct {
	ConversationID string    `json:"conversation_id"`
	At             time.Time `json:"set_aside_at"`
	Error          string    `json:"error"`
	// Version is the release that set it aside.
	Version string `json:"version"`
}

// NewSetAside is the result of a conversation whose evaluation failed
// with err: Save sets it aside instead of storing an outcome.
func NewSetAside(d Due, err error) Result {
	return Result{Outcome: parley.Outcome{ConversationID: d.ConversationID}, LastSeq: d.LastSeq, failure: storableText(err.Error(), maxAttemptText)}
}

// Failed reports whether the result sets its conversation aside.
func (r *Result) Failed() bool { return r.failure != "" }

// badEvent is an error reading a stored event: its body does not decode.
type badEvent struct{ err error }

func (e badEvent) Error() string { return e.err.Error() }
func (e badEvent) Unwrap() error { return e.err }

// IsDataError reports whether the database refused a statement for the
// values it carried (see isDataError).
func IsDataError(err error) bool { return isDataError(err) }

// isDataError reports whether the database refused a statement for the
// values it carried — text it cannot store, a constraint — rather than
// for its own state (a lost connection, a timeout): an error that one
// conversation's outcome can cause, and that trying again cannot cure.
func isDataError(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return strings.HasPrefix(pg.Code, "22") || strings.HasPrefix(pg.Code, "23")
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case 18, 19, 20: // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH
			return true
		}
	}
	return false
}

// saveIsolated saves results in a savepoint; when the database refuses one
// of them for its values, it saves the halves apart, down to the single
// result, which is set aside with the database's error. A batch of
// healthy results costs one savepoint.
func (ev *Evaluation) saveIsolated(ctx context.Context, results []Result, now time.Time) error {
	if _, err := ev.tx.ExecContext(ctx, `SAVEPOINT batch`); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	moved := ev.moved
	err := ev.saveHeld(ctx, results, now)
	if err == nil {
		if _, err := ev.tx.ExecContext(ctx, `RELEASE SAVEPOINT batch`); err != nil {
			return fmt.Errorf("store: savepoint: %w", err)
		}
		return nil
	}
	if !isDataError(err) {
		return err
	}
	if _, rerr := ev.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT batch`); rerr != nil {
		return fmt.Errorf("store: savepoint: %w", rerr)
	}
	ev.moved = moved // counted again by the saves apart
	if _, rerr := ev.tx.ExecContext(ctx, `RELEASE SAVEPOINT batch`); rerr != nil {
		return fmt.Errorf("store: savepoint: %w", rerr)
	}
	if len(results) == 1 {
		return ev.saveHeld(ctx, []Result{NewSetAside(Due{ConversationID: results[0].Outcome.ConversationID, LastSeq: results[0].LastSeq},
			fmt.Errorf("the database refused its outcome: %w", err))}, now)
	}
	half := len(results) / 2
	if err := ev.saveIsolated(ctx, results[:half], now); err != nil {
		return err
	}
	return ev.saveIsolated(ctx, results[half:], now)
}

// setAside marks the conversations of failed results set aside, and clears
// the mark of those evaluated now that had it. A conversation set aside
// keeps its contributions in the generation they were added to; one whose
// contributions belong to an older generation, while settings are being
// recomputed, joins the batch's generation with none, like a conversation
// never evaluated, so that the recompute can finish without it.
func (ev *Evaluation) setAside(ctx context.Context, failed []Result, cleared []string, now time.Time) error {
	d := ev.db.dialect
	for _, r := range failed {
		if _, err := ev.tx.ExecContext(ctx, d.rebind(`UPDATE conversations
			SET due_at = NULL, set_aside_at = ?, set_aside_error = ?, set_aside_version = ?, outcome_digest = NULL,
			    contributions = CASE WHEN generation = ? THEN contributions ELSE '' END, generation = ?
			WHERE workspace_id = ? AND conversation_id = ?`),
			d.instant(now), r.failure, parley.Version, ev.generation, ev.generation, ev.workspaceID, r.Outcome.ConversationID); err != nil {
			return fmt.Errorf("store: set conversation aside: %w", err)
		}
	}
	if err := ev.execIn(ctx, nil, cleared, func(in string) string {
		return `UPDATE conversations SET set_aside_at = NULL, set_aside_error = '', set_aside_version = ''
			WHERE workspace_id = ? AND conversation_id IN (` + in + `)`
	}, func(in string) string {
		return `UPDATE gap_signals SET set_aside = FALSE
			WHERE workspace_id = ? AND set_aside AND conversation_id IN (` + in + `)`
	}); err != nil {
		return fmt.Errorf("store: clear set-aside mark: %w", err)
	}
	if ev.aside == nil {
		ev.aside = map[string]string{}
	}
	for _, r := range failed {
		ev.aside[r.Outcome.ConversationID] = r.failure
	}
	return nil
}

// SetAside returns why the batch set the conversation aside, if it did.
func (ev *Evaluation) SetAside(conversationID string) (string, bool) {
	why, ok := ev.aside[conversationID]
	return why, ok
}

// SetAsideQuestion sets aside a gap question that grouping failed on, and
// its conversation with it, with the error: grouping passes over the
// question until the conversation is evaluated again (after a new event, a
// retry, a rebuild or another release).
func (db *DB) SetAsideQuestion(ctx context.Context, workspaceID int64, eventID, why string, now time.Time) error {
	d := db.dialect
	return inTxOn(ctx, db.evaluation, func(tx *sql.Tx) error {
		var conv string
		if err := tx.QueryRowContext(ctx, d.rebind(`UPDATE gap_signals SET set_aside = TRUE
			WHERE workspace_id = ? AND event_id = ? RETURNING conversation_id`), workspaceID, eventID).Scan(&conv); err != nil {
			return fmt.Errorf("store: set gap question aside: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE conversations
			SET set_aside_at = ?, set_aside_error = ?, set_aside_version = ?
			WHERE workspace_id = ? AND conversation_id = ?`),
			d.instant(now), storableText(why, maxAttemptText), parley.Version, workspaceID, conv); err != nil {
			return fmt.Errorf("store: set conversation aside: %w", err)
		}
		return nil
	})
}

// SetAsideConversations lists a workspace's conversations set aside, the
// latest first, up to limit.
func (db *DB) SetAsideConversations(ctx context.Context, workspaceID int64, limit int) ([]SetAside, error) {
	rows, err := db.primary.QueryContext(ctx, db.dialect.rebind(`
		SELECT conversation_id, set_aside_at, set_aside_error, set_aside_version FROM conversations
		WHERE workspace_id = ? AND set_aside_at IS NOT NULL
		ORDER BY set_aside_at DESC, conversation_id LIMIT ?`), workspaceID, limit)
	return collect(rows, err, "conversations set aside", func(r rowScanner) (s SetAside, err error) {
		return s, r.Scan(&s.ConversationID, scanInstant(&s.At), &s.Error, &s.Version)
	})
}

// RetrySetAside makes a workspace's conversations set aside due again (all
// of them when ids is empty) and returns how many. Their mark stays until
// an evaluation of them succeeds.
func (db *DB) RetrySetAside(ctx context.Context, workspaceID int64, ids []string) (int64, error) {
	d := db.dialect
	q := `UPDATE conversations SET due_at = ? WHERE workspace_id = ? AND set_aside_at IS NOT NULL`
	args := []any{d.instant(earliest), workspaceID}
	if len(ids) > 0 {
		q += ` AND conversation_id IN (` + list(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := db.write.ExecContext(ctx, d.rebind(q), args...)
	if err != nil {
		return 0, fmt.Errorf("store: retry conversations set aside: %w", err)
	}
	return res.RowsAffected()
}

// RetryAfterUpgrade makes every conversation set aside by another release
// than version due again, in every workspace: the release that runs now may
// have fixed what failed.
func (db *DB) RetryAfterUpgrade(ctx context.Context, version string) (int64, error) {
	d := db.dialect
	res, err := db.evaluation.ExecContext(ctx, d.rebind(`UPDATE conversations SET due_at = ?
		WHERE set_aside_at IS NOT NULL AND set_aside_version <> ?`), d.instant(earliest), version)
	if err != nil {
		return 0, fmt.Errorf("store: retry conversations set aside: %w", err)
	}
	return res.RowsAffected()
}

// SetAsideCount counts the conversations set aside, over every workspace.
func (db *DB) SetAsideCount(ctx context.Context) (int64, error) {
	var n int64
	if err := db.primary.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE set_aside_at IS NOT NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count conversations set aside: %w", err)
	}
	return n, nil
}
