package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/gaps"
)

// An editor's actions on topics and questions (SPEC §6) are applied here
// and nowhere else: ApplyTopicAction is the one entry, for the topic page,
// the API and `parley gaps` alike.

// ApplyTopicAction checks an editor's action, applies it and records it in
// the audit log as actor, in one transaction holding the workspace's topic
// lock: the action happens whole, its audit row with it, or not at all (a
// move of many questions never stops half-way). It returns the short
// answer a resolve wrote, the zero value for other actions.
//
// Errors: invalid, naming the field, for what Validate refuses and for a
// topic or question the body names that is not there (or, for questions,
// not in the topic); not found for the topic acted on, or an unknown
// action; conflict for a topic merged away or a resolved question.
func (db *DB) ApplyTopicAction(ctx context.Context, workspaceID int64, a parley.TopicAction, actor string, now time.Time) (parley.ShortAnswer, error) {
	var sa parley.ShortAnswer
	if err := a.Validate(); err != nil {
		return sa, err
	}
	err := db.inGapsTx(ctx, workspaceID, func(tx *sql.Tx) error {
		topic, err := db.liveTopic(ctx, tx, workspaceID, a.Topic)
		if err != nil {
			return err
		}
		switch a.Kind {
		case parley.ActResolve:
			sa, err = db.resolveTopic(ctx, tx, workspaceID, topic, a, now)
		case parley.ActDismiss:
			err = db.setTopicState(ctx, tx, workspaceID, topic, parley.GapOpen, parley.GapDismissed, now)
		case parley.ActRestore:
			err = db.setTopicState(ctx, tx, workspaceID, topic, parley.GapDismissed, parley.GapOpen, now)
		case parley.ActRename:
			err = db.renameTopic(ctx, tx, workspaceID, a.Topic, a.TopicName(), now)
		case parley.ActMerge:
			err = db.mergeTopics(ctx, tx, workspaceID, topic, a.From, now)
		case parley.ActMoveQuestions:
			err = db.moveQuestions(ctx, tx, workspaceID, a.Topic, a.Questions, a.To, now)
		case parley.ActDismissQuestions:
			err = db.setQuestionsState(ctx, tx, workspaceID, a.Topic, a.Questions, parley.GapDismissed, now)
		case parley.ActRestoreQuestions:
			err = db.setQuestionsState(ctx, tx, workspaceID, a.Topic, a.Questions, parley.GapOpen, now)
		}
		if err != nil {
			return err
		}
		e := a.AuditEntry(actor, sa.ID, now)
		if a.Kind == parley.ActRename {
			e.Old = topic.Title() // as it was called before
		}
		return db.insertAudit(ctx, tx, workspaceID, e)
	})
	if err != nil {
		return parley.ShortAnswer{}, err
	}
	return sa, nil
}

// liveTopic reads a topic inside a gaps transaction, refusing merged ones:
// an action must name the topic it means.
func (db *DB) liveTopic(ctx context.Context, tx *sql.Tx, workspaceID, id int64) (parley.Topic, error) {
	t, err := db.topic(ctx, tx, workspaceID, id)
	if err != nil {
		return t, err
	}
	if t.ID != id {
		return t, parley.Errorf(parley.KindConflict, "topic %d was merged into topic %d", id, t.ID)
	}
	return t, nil
}

// namedTopics reads the live topics a request's body names in field. The
// topic acted on is in the path, and missing it is "not found"; a missing
// topic in the body is a mistake in the request, so it is a problem naming
// the field, and every one is listed before anything is written.
func (db *DB) namedTopics(ctx context.Context, tx *sql.Tx, workspaceID int64, field string, ids ...int64) ([]parley.Topic, error) {
	var (
		out      []parley.Topic
		problems []parley.Problem
	)
	for _, id := range ids {
		t, err := db.liveTopic(ctx, tx, workspaceID, id)
		switch {
		case parley.KindOf(err) == parley.KindNotFound:
			problems = append(problems, parley.FieldProblem(field, fmt.Sprintf("no topic %d in this workspace", id)))
		case err != nil:
			return nil, err
		}
		out = append(out, t)
	}
	if len(problems) > 0 {
		return nil, parley.InvalidInput(problems)
	}
	return out, nil
}

// topicQuestionStates reads the states of questions that must belong to topic
// topicID, so that an action about one topic cannot touch another's
// questions by accident; each one that does not is a problem naming
// "questions".
func (db *DB) topicQuestionStates(ctx context.Context, tx *sql.Tx, workspaceID, topicID int64, eventIDs []string) (map[string]parley.GapState, error) {
	states := map[string]parley.GapState{}
	var problems []parley.Problem
	for _, id := range eventIDs {
		var (
			topic sql.NullInt64
			state string
		)
		err := tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT topic_id, state FROM gap_signals
			WHERE workspace_id = ? AND event_id = ?`), workspaceID, id).Scan(&topic, &state)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: question %s: %w", id, err)
		}
		if err != nil || !topic.Valid || topic.Int64 != topicID {
			problems = append(problems, parley.FieldProblem("questions", fmt.Sprintf("question %q is not in topic %d", id, topicID)))
			continue
		}
		states[id] = parley.GapState(state)
	}
	if len(problems) > 0 {
		return nil, parley.InvalidInput(problems)
	}
	return states, nil
}

// resolveTopic writes the short answer of a resolve and marks the topic
// resolved with the questions it covers: those a.Questions names, which
// must be open questions of the topic, or else all its open questions. A
// topic answered before keeps its short answer, edited, rather than
// gaining a second one: resolving a topic that recurred, or saving its
// answer again, is the same action.
func (db *DB) resolveTopic(ctx context.Context, tx *sql.Tx, workspaceID int64, t parley.Topic, a parley.TopicAction, now time.Time) (parley.ShortAnswer, error) {
	d := db.dialect
	if len(a.Questions) > 0 {
		states, err := db.topicQuestionStates(ctx, tx, workspaceID, a.Topic, a.Questions)
		if err != nil {
			return parley.ShortAnswer{}, err
		}
		for _, id := range a.Questions {
			if states[id] != parley.GapOpen {
				return parley.ShortAnswer{}, parley.InvalidInput([]parley.Problem{parley.FieldProblem("questions", fmt.Sprintf("question %q is %s, not open", id, states[id]))})
			}
		}
	}
	var sa parley.ShortAnswer
	if t.ShortAnswerID != 0 {
		res, err := tx.ExecContext(ctx, d.rebind(`UPDATE short_answers SET question = ?, answer = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`), a.Question, a.Answer, d.instant(now), workspaceID, t.ShortAnswerID)
		if err != nil {
			return sa, fmt.Errorf("store: update short answer %d: %w", t.ShortAnswerID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if sa, err = scanShortAnswer(tx.QueryRowContext(ctx, d.rebind(`SELECT `+shortAnswerColumns+` FROM short_answers
				WHERE workspace_id = ? AND id = ?`), workspaceID, t.ShortAnswerID)); err != nil {
				return sa, fmt.Errorf("store: short answer %d: %w", t.ShortAnswerID, err)
			}
		}
	}
	if sa.ID == 0 { // never answered, or its answer was deleted
		var err error
		if sa, err = db.insertShortAnswer(ctx, tx, workspaceID, parley.ShortAnswer{Question: a.Question, Answer: a.Answer, TopicID: a.Topic}, now); err != nil {
			return sa, err
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE topics SET state = 'resolved', short_answer_id = ?,
		resolved_at = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`),
		sa.ID, d.instant(now), d.instant(now), workspaceID, a.Topic); err != nil {
		return sa, fmt.Errorf("store: resolve topic %d: %w", a.Topic, err)
	}
	if len(a.Questions) == 0 {
		return sa, db.moveSignalState(ctx, tx, workspaceID, a.Topic, parley.GapOpen, parley.GapResolved)
	}
	args := []any{string(parley.GapResolved), workspaceID, a.Topic}
	for _, id := range a.Questions {
		args = append(args, id)
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE gap_signals SET state = ?
		WHERE workspace_id = ? AND topic_id = ? AND state = 'open' AND event_id IN (`+list(len(a.Questions))+`)`), args...); err != nil {
		return sa, fmt.Errorf("store: resolve questions of topic %d: %w", a.Topic, err)
	}
	return sa, nil
}

// moveSignalState changes the questions of a topic in state from to state to.
func (db *DB) moveSignalState(ctx context.Context, tx *sql.Tx, workspaceID, topicID int64, from, to parley.GapState) error {
	if _, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE gap_signals SET state = ?
		WHERE workspace_id = ? AND topic_id = ? AND state = ?`),
		string(to), workspaceID, topicID, string(from)); err != nil {
		return fmt.Errorf("store: topic %d questions %s → %s: %w", topicID, from, to, err)
	}
	return nil
}

// setTopicState dismisses (open → dismissed) or restores (dismissed →
// open) a topic with its questions in state from. A dismissed topic's
// later questions are dismissed too, as grouping reads its state.
func (db *DB) setTopicState(ctx context.Context, tx *sql.Tx, workspaceID int64, t parley.Topic, from, to parley.GapState, now time.Time) error {
	if t.State != to {
		if _, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE topics SET state = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ?`), string(to), db.dialect.instant(now), workspaceID, t.ID); err != nil {
			return fmt.Errorf("store: topic %d → %s: %w", t.ID, to, err)
		}
	}
	return db.moveSignalState(ctx, tx, workspaceID, t.ID, from, to)
}

// setQuestionsState dismisses (to = dismissed) or restores (to = open)
// single questions of a topic. Restoring a question of a dismissed topic
// restores the topic, since it has an open question again.
func (db *DB) setQuestionsState(ctx context.Context, tx *sql.Tx, workspaceID, topicID int64, eventIDs []string, to parley.GapState, now time.Time) error {
	states, err := db.topicQuestionStates(ctx, tx, workspaceID, topicID, eventIDs)
	if err != nil {
		return err
	}
	d := db.dialect
	for _, id := range eventIDs {
		if states[id] == parley.GapResolved {
			return parley.Errorf(parley.KindConflict, "question %q is resolved", id)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE gap_signals SET state = ? WHERE workspace_id = ? AND event_id = ?`),
			string(to), workspaceID, id); err != nil {
			return fmt.Errorf("store: question %s → %s: %w", id, to, err)
		}
	}
	if to == parley.GapOpen {
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE topics SET state = 'open', updated_at = ?
			WHERE workspace_id = ? AND id = ? AND state = 'dismissed'`), d.instant(now), workspaceID, topicID); err != nil {
			return fmt.Errorf("store: restore topic %d: %w", topicID, err)
		}
	}
	return nil
}

// renameTopic gives a topic a name chosen by an editor; an empty name goes
// back to the label grouping chose.
func (db *DB) renameTopic(ctx context.Context, tx *sql.Tx, workspaceID, topicID int64, name string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE topics SET name = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ?`), name, db.dialect.instant(now), workspaceID, topicID); err != nil {
		return fmt.Errorf("store: rename topic %d: %w", topicID, err)
	}
	return nil
}

// mergeTopics moves every question of the topics from into target and
// leaves each merged topic pointing at it. The moved questions take the
// target's standing: merged into an answered topic they count as answered,
// into a dismissed one as dismissed.
func (db *DB) mergeTopics(ctx context.Context, tx *sql.Tx, workspaceID int64, target parley.Topic, from []int64, now time.Time) error {
	if _, err := db.namedTopics(ctx, tx, workspaceID, "from", from...); err != nil {
		return err
	}
	into := target.ID
	terms, size, err := db.topicTerms(ctx, tx, workspaceID, into)
	if err != nil {
		return err
	}
	d := db.dialect
	for _, id := range from {
		more, n, err := db.topicTerms(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		for f, c := range more {
			terms[f] += c
		}
		size += n
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE gap_signals SET topic_id = ? WHERE workspace_id = ? AND topic_id = ?`),
			into, workspaceID, id); err != nil {
			return fmt.Errorf("store: merge topic %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE topics SET merged_into = ?, size = 0, terms = '', updated_at = ?
			WHERE workspace_id = ? AND id = ?`), into, d.instant(now), workspaceID, id); err != nil {
			return fmt.Errorf("store: merge topic %d: %w", id, err)
		}
		// Links to topics merged earlier into this one follow along.
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE topics SET merged_into = ? WHERE workspace_id = ? AND merged_into = ?`),
			into, workspaceID, id); err != nil {
			return fmt.Errorf("store: merge topic %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE topics SET size = ?, terms = ?, updated_at = ?
		WHERE workspace_id = ? AND id = ?`), size, encodeTerms(terms), d.instant(now), workspaceID, into); err != nil {
		return fmt.Errorf("store: merge into topic %d: %w", into, err)
	}
	if target.State != parley.GapOpen {
		return db.moveSignalState(ctx, tx, workspaceID, into, parley.GapOpen, target.State)
	}
	return nil
}

// topicTerms reads a topic's feature counts and size.
func (db *DB) topicTerms(ctx context.Context, tx *sql.Tx, workspaceID, id int64) (map[string]int, int, error) {
	var (
		s    string
		size int
	)
	if err := tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT terms, size FROM topics WHERE workspace_id = ? AND id = ?`),
		workspaceID, id).Scan(&s, &size); err != nil {
		return nil, 0, fmt.Errorf("store: topic %d terms: %w", id, err)
	}
	terms, err := decodeTerms(s)
	if err != nil {
		return nil, 0, fmt.Errorf("store: topic %d: %w", id, err)
	}
	return terms, size, nil
}

// moveQuestions moves questions of topic from to topic to, which learns
// their features (and the old topic forgets them) so that similar
// questions follow them there. Each question takes the target's standing,
// as in a merge.
func (db *DB) moveQuestions(ctx context.Context, tx *sql.Tx, workspaceID, from int64, eventIDs []string, to int64, now time.Time) error {
	states, err := db.topicQuestionStates(ctx, tx, workspaceID, from, eventIDs)
	if err != nil {
		return err
	}
	targets, err := db.namedTopics(ctx, tx, workspaceID, "topic", to)
	if err != nil {
		return err
	}
	if from == to {
		return nil
	}
	target := targets[0]
	d := db.dialect
	moved := map[string]bool{}
	for _, id := range eventIDs {
		if moved[id] {
			continue
		}
		moved[id] = true
		var question string
		if err := tx.QueryRowContext(ctx, d.rebind(`SELECT question FROM gap_signals WHERE workspace_id = ? AND event_id = ?`),
			workspaceID, id).Scan(&question); err != nil {
			return fmt.Errorf("store: question %s: %w", id, err)
		}
		feats := gaps.Features(question)
		for _, step := range []struct {
			id    int64
			delta int
		}{{from, -1}, {to, +1}} {
			terms, size, err := db.topicTerms(ctx, tx, workspaceID, step.id)
			if err != nil {
				return err
			}
			for _, f := range feats {
				if terms[f] += step.delta; terms[f] <= 0 {
					delete(terms, f)
				}
			}
			if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE topics SET size = ?, terms = ?, updated_at = ?
				WHERE workspace_id = ? AND id = ?`), max(0, size+step.delta), encodeTerms(terms), d.instant(now), workspaceID, step.id); err != nil {
				return fmt.Errorf("store: move question to topic %d: %w", to, err)
			}
		}
		state := states[id]
		if state == parley.GapOpen || target.State == parley.GapDismissed {
			state = target.State
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE gap_signals SET topic_id = ?, state = ?
			WHERE workspace_id = ? AND event_id = ?`), to, string(state), workspaceID, id); err != nil {
			return fmt.Errorf("store: move question %s: %w", id, err)
		}
	}
	return nil
}
