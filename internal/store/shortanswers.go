package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley"
)

const shortAnswerColumns = `id, question, answer, topic_id, created_at, updated_at, deleted_at`

// scanShortAnswer reads shortAnswerColumns.
func scanShortAnswer(s rowScanner) (parley.ShortAnswer, error) {
	var a parley.ShortAnswer
	err := s.Scan(shortAnswerDest(&a)...)
	return a, err
}

// shortAnswerDest are the destinations of shortAnswerColumns, for a row
// that reads more.
func shortAnswerDest(a *parley.ShortAnswer) []any {
	return []any{&a.ID, &a.Question, &a.Answer, nullInt64{&a.TopicID}, scanInstant(&a.CreatedAt), scanInstant(&a.UpdatedAt), deletedMark{&a.Deleted}}
}

// deletedMark scans a nullable deletion time as whether there is one.
type deletedMark struct{ v *bool }

func (m deletedMark) Scan(v any) error {
	*m.v = v != nil
	return nil
}

// insertShortAnswer stores a new short answer inside tx.
func (db *DB) insertShortAnswer(ctx context.Context, tx *sql.Tx, workspaceID int64, a parley.ShortAnswer, now time.Time) (parley.ShortAnswer, error) {
	d := db.dialect
	var topic any
	if a.TopicID != 0 {
		topic = a.TopicID
	}
	a.CreatedAt, a.UpdatedAt = now.UTC(), now.UTC()
	if err := tx.QueryRowContext(ctx, d.rebind(`INSERT INTO short_answers (workspace_id, question, answer, topic_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		workspaceID, a.Question, a.Answer, topic, d.instant(now), d.instant(now)).Scan(&a.ID); err != nil {
		return a, fmt.Errorf("store: create short answer: %w", err)
	}
	return a, nil
}

// CreateShortAnswer stores a short answer written outside a topic.
func (db *DB) CreateShortAnswer(ctx context.Context, workspaceID int64, a parley.ShortAnswer, now time.Time) (parley.ShortAnswer, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	a.TopicID = 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = db.insertShortAnswer(ctx, tx, workspaceID, a, now)
		return err
	})
	return a, err
}

// UpdateShortAnswer changes the question and answer of a short answer.
func (db *DB) UpdateShortAnswer(ctx context.Context, workspaceID int64, a parley.ShortAnswer, now time.Time) (parley.ShortAnswer, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	d := db.dialect
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.rebind(`UPDATE short_answers SET question = ?, answer = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), a.Question, a.Answer, d.instant(now), workspaceID, a.ID)
		if err != nil {
			return fmt.Errorf("store: update short answer %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return parley.Errorf(parley.KindNotFound, "short answer %d not found", a.ID)
		}
		a, err = scanShortAnswer(tx.QueryRowContext(ctx, d.rebind(`SELECT `+shortAnswerColumns+` FROM short_answers
			WHERE workspace_id = ? AND id = ?`), workspaceID, a.ID))
		if err != nil {
			return fmt.Errorf("store: short answer %d: %w", a.ID, err)
		}
		return nil
	})
	return a, err
}

// DeleteShortAnswer deletes a short answer. The row stays as a tombstone so
// that a platform pulling changes since a time learns of the deletion.
func (db *DB) DeleteShortAnswer(ctx context.Context, workspaceID, id int64, now time.Time) error {
	d := db.dialect
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.rebind(`UPDATE short_answers SET deleted_at = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), d.instant(now), d.instant(now), workspaceID, id)
		if err != nil {
			return fmt.Errorf("store: delete short answer %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return parley.Errorf(parley.KindNotFound, "short answer %d not found", id)
		}
		return nil
	})
}

// ShortAnswer returns one short answer that is not deleted.
func (db *DB) ShortAnswer(ctx context.Context, workspaceID, id int64) (parley.ShortAnswer, error) {
	a, err := scanShortAnswer(db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT `+shortAnswerColumns+`
		FROM short_answers WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, parley.Errorf(parley.KindNotFound, "short answer %d not found", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: short answer %d: %w", id, err)
	}
	return a, nil
}

// ShortAnswers lists short answers. With a zero since it lists those not
// deleted, most recently updated first; with since set it lists every
// change after since, deletions included, oldest change first, which is
// what a platform syncing answers needs.
func (db *DB) ShortAnswers(ctx context.Context, workspaceID int64, since time.Time) ([]parley.ShortAnswer, error) {
	d := db.dialect
	q := `SELECT ` + shortAnswerColumns + ` FROM short_answers WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY updated_at DESC, id DESC`
	args := []any{workspaceID}
	if !since.IsZero() {
		q = `SELECT ` + shortAnswerColumns + ` FROM short_answers WHERE workspace_id = ? AND updated_at > ? ORDER BY updated_at, id`
		args = append(args, d.instant(since))
	}
	rows, err := db.reader(ctx).QueryContext(ctx, d.rebind(q), args...)
	// A tombstone says only which answer was deleted, and when.
	return collect(rows, err, "short answers", func(r rowScanner) (parley.ShortAnswer, error) {
		a, err := scanShortAnswer(r)
		if a.Deleted {
			a.Question, a.Answer = "", ""
		}
		return a, err
	})
}
