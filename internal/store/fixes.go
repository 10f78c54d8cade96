package store

import (
	"context"
	"strings"

	"github.com/parleyhq/parley"
)

// FixFacts reads what "did the fix work?" is built from: every topic a
// short answer closed (not merged away, its answer not deleted) — or only
// topic topicID when it is not 0 — and the conversations that asked each
// one's question: its gap questions that were not dismissed, and the
// conversations whose agent cited its short answer (parley.ShortAnswer.SourceID).
// The cost grows with the questions of those topics and the conversations
// that cited their answers, not with the workspace's conversations: both
// are read through indexes on the topic and on the cited source.
func (db *DB) FixFacts(ctx context.Context, workspaceID, topicID int64) ([]parley.FixedTopic, []parley.FixAsk, error) {
	fixed := `t.workspace_id = ? AND t.merged_into IS NULL AND s.deleted_at IS NULL`
	args := []any{workspaceID}
	if topicID != 0 {
		fixed += ` AND t.id = ?`
		args = append(args, topicID)
	}
	pool := db.reader(ctx)
	rows, err := pool.QueryContext(ctx, db.dialect.rebind(`SELECT `+topicColumns+`, `+prefixed("s.", shortAnswerColumns)+`
		FROM topics t JOIN short_answers s ON s.workspace_id = t.workspace_id AND s.id = t.short_answer_id
		WHERE `+fixed+` ORDER BY t.id`), args...)
	var topics []parley.FixedTopic
	byHash := map[string]int64{}
	if err := eachRow(rows, err, "fixed topics", func(r rowScanner) error {
		var f parley.FixedTopic
		if err := r.Scan(scanTopic(&f.Topic, shortAnswerDest(&f.ShortAnswer)...)...); err != nil {
			return err
		}
		topics = append(topics, f)
		byHash[parley.UseHash(parley.UseSource, f.ShortAnswer.SourceID())] = f.Topic.ID
		return nil
	}); err != nil {
		return nil, nil, err
	}
	if len(topics) == 0 {
		return nil, nil, nil
	}

	var asks []parley.FixAsk
	rows, err = pool.QueryContext(ctx, db.dialect.rebind(`SELECT g.topic_id, g.conversation_id, g.occurred_at, COALESCE(c.outcome, '')
		FROM topics t JOIN short_answers s ON s.workspace_id = t.workspace_id AND s.id = t.short_answer_id
		JOIN gap_signals g ON g.workspace_id = t.workspace_id AND g.topic_id = t.id
		LEFT JOIN conversations c ON c.workspace_id = g.workspace_id AND c.conversation_id = g.conversation_id
		WHERE `+fixed+` AND g.state <> 'dismissed'`), args...)
	if err := eachRow(rows, err, "fixed topics' questions", func(r rowScanner) error {
		var a parley.FixAsk
		err := r.Scan(&a.TopicID, &a.ConversationID, scanInstant(&a.At), (*string)(&a.Outcome))
		asks = append(asks, a)
		return err
	}); err != nil {
		return nil, nil, err
	}

	hashes := make([]any, 0, len(byHash)+2)
	hashes = append(hashes, workspaceID, string(parley.UseSource))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	rows, err = pool.QueryContext(ctx, db.dialect.rebind(`SELECT u.hash, c.conversation_id, c.started_at, c.outcome
		FROM conversation_uses u JOIN conversations c ON c.workspace_id = u.workspace_id AND c.conversation_id = u.conversation_id
		WHERE u.workspace_id = ? AND u.kind = ? AND u.hash IN (`+list(len(byHash))+`) AND NOT c.test`), hashes...)
	if err := eachRow(rows, err, "conversations citing short answers", func(r rowScanner) error {
		var h string
		a := parley.FixAsk{Cited: true}
		err := r.Scan(&h, &a.ConversationID, scanInstant(&a.At), (*string)(&a.Outcome))
		a.TopicID = byHash[h]
		asks = append(asks, a)
		return err
	}); err != nil {
		return nil, nil, err
	}
	return topics, asks, nil
}

// prefixed qualifies each of a list of columns with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ", ")
	for i := range cols {
		cols[i] = alias + cols[i]
	}
	return strings.Join(cols, ", ")
}
