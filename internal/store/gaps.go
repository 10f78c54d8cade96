package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
)

// lockGaps serialises changes to a workspace's topics for the rest of tx,
// on PostgreSQL with a row lock on the workspace's 'topics' row of
// workspace_locks: grouping and editors' topic changes hold it so that a
// question can never be grouped against topics an editor is merging at the
// same moment. A row lock rather than an advisory lock, since on Citus an
// advisory lock holds on the node that takes it only, while the row lives
// on the workspace's shard, where every node's transactions meet. SQLite
// needs no lock: its write transactions already run one at a time.
func (db *DB) lockGaps(ctx context.Context, tx *sql.Tx, workspaceID int64) error {
	if db.dialect != Postgres {
		return nil
	}
	// A grouping pass holds the lock while it decides, seconds for a large
	// backlog of questions: an editor's change waits for it, bounded by
	// the statement timeout rather than the shorter lock timeout.
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = 0`); err != nil {
		return fmt.Errorf("store: lock topics: %w", err)
	}
	// The upsert makes the row on first use and locks it in one statement.
	if _, err := tx.ExecContext(ctx, `INSERT INTO workspace_locks (workspace_id, name) VALUES ($1, 'topics')
		ON CONFLICT (workspace_id, name) DO UPDATE SET name = EXCLUDED.name`, workspaceID); err != nil {
		return fmt.Errorf("store: lock topics: %w", err)
	}
	return nil
}

// inGapsTx runs fn in a write transaction holding the workspace's topic lock.
func (db *DB) inGapsTx(ctx context.Context, workspaceID int64, fn func(*sql.Tx) error) error {
	return db.inGapsTxOn(ctx, db.write, workspaceID, fn)
}

// inGapsTxOn is inGapsTx on the given pool.
func (db *DB) inGapsTxOn(ctx context.Context, pool *sql.DB, workspaceID int64, fn func(*sql.Tx) error) error {
	return inTxOn(ctx, pool, func(tx *sql.Tx) error {
		if err := db.lockGaps(ctx, tx, workspaceID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// PendingQuestion is a gap question not grouped into a topic yet.
type PendingQuestion struct {
	EventID  string
	Question string
}

// PendingQuestions reads up to limit questions that have no topic yet,
// oldest first: the ones GroupPending with the same limit would group.
func (db *DB) PendingQuestions(ctx context.Context, workspaceID int64, limit int) ([]PendingQuestion, error) {
	return db.pendingQuestions(ctx, db.evaluation, workspaceID, limit)
}

// Grouping is what a grouping pass decides from: the questions waiting for
// a topic and every live topic, read in one transaction.
type Grouping struct {
	// Pending are the questions grouping has not looked at yet, oldest
	// first.
	Pending []PendingQuestion
	// Ungrouped are questions an earlier pass found no similar question
	// for, the newest of them, oldest first: a pending question may be
	// the one they were waiting for.
	Ungrouped []PendingQuestion
	// Topics are the live (not merged) topics in creation order, so that
	// ties can go to the older topic.
	Topics []GroupingTopic
}

// GroupingTopic is what grouping remembers of a topic: its state, how many
// questions it holds and in how many of them each feature occurs.
type GroupingTopic struct {
	ID    int64
	State parley.GapState
	Size  int
	Terms map[string]int
}

// TopicChange is one topic a grouping pass creates or adds questions to,
// as the pass decided it: the store writes it as given.
type TopicChange struct {
	// ID is the topic's, or 0 for a new topic.
	ID int64
	// Label names a new topic.
	Label string
	// State is the topic's state after the change; "" leaves an existing
	// topic's state as it is (a new topic starts open).
	State parley.GapState
	// Recurrences is added to the topic's count of recurrences.
	Recurrences int
	// Size and Terms replace the topic's.
	Size  int
	Terms map[string]int
	// Questions are the event IDs of the questions put in the topic, each
	// with QuestionState and Recurrence.
	Questions     []string
	QuestionState parley.GapState
	Recurrence    bool
}

// Placement is what a grouping pass decided: the topics it creates or adds
// questions to, and the questions it found no similar one for. A question
// of Grouping in neither stays as it was.
type Placement struct {
	Topics    []TopicChange
	Ungrouped []string // event IDs
}

// GroupPending takes up to limit questions grouping has not looked at yet,
// oldest first, with up to limit of those waiting ungrouped and the
// workspace's live topics, asks decide where they go, and writes its
// answer, all in one transaction holding the workspace's topic lock, so
// that no editor's merge or move happens in between. It returns how many
// pending questions it read; decide is not called when there are none.
func (db *DB) GroupPending(ctx context.Context, workspaceID int64, limit int, now time.Time, decide func(Grouping) (Placement, error)) (int, error) {
	grouped := 0
	err := db.inGapsTxOn(ctx, db.evaluation, workspaceID, func(tx *sql.Tx) error {
		pending, err := db.pendingQuestions(ctx, tx, workspaceID, limit)
		if err != nil || len(pending) == 0 {
			return err
		}
		waiting, err := db.ungroupedQuestions(ctx, tx, workspaceID, limit)
		if err != nil {
			return err
		}
		topics, err := db.groupingTopics(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		p, err := decide(Grouping{Pending: pending, Ungrouped: waiting, Topics: topics})
		if err != nil {
			return err
		}
		for i := range p.Topics {
			if err := db.writeTopicChange(ctx, tx, workspaceID, &p.Topics[i], now); err != nil {
				return err
			}
		}
		if err := inChunks([]any{workspaceID}, p.Ungrouped, claimChunk, func(in string, args []any) error {
			_, err := tx.ExecContext(ctx, db.dialect.rebind(`UPDATE gap_signals SET ungrouped = TRUE
				WHERE workspace_id = ? AND topic_id IS NULL AND event_id IN (`+in+`)`), args...)
			return err
		}); err != nil {
			return fmt.Errorf("store: leave gap questions ungrouped: %w", err)
		}
		grouped = len(pending)
		return nil
	})
	return grouped, err
}

// pendingQuestions reads the oldest questions without a topic.
func (db *DB) pendingQuestions(ctx context.Context, q queryer, workspaceID int64, limit int) ([]PendingQuestion, error) {
	rows, err := q.QueryContext(ctx, db.dialect.rebind(`
		SELECT event_id, question FROM gap_signals
		WHERE workspace_id = ? AND topic_id IS NULL AND question <> '' AND NOT ungrouped AND NOT set_aside
		ORDER BY occurred_at, event_id LIMIT ?`), workspaceID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending gap questions: %w", err)
	}
	return scanPending(rows)
}

// ungroupedQuestions reads the newest limit questions waiting ungrouped,
// oldest first.
func (db *DB) ungroupedQuestions(ctx context.Context, q queryer, workspaceID int64, limit int) ([]PendingQuestion, error) {
	rows, err := q.QueryContext(ctx, db.dialect.rebind(`
		SELECT event_id, question FROM (
			SELECT event_id, question, occurred_at FROM gap_signals
			WHERE workspace_id = ? AND topic_id IS NULL AND ungrouped AND NOT set_aside
			ORDER BY occurred_at DESC, event_id DESC LIMIT ?) w
		ORDER BY occurred_at, event_id`), workspaceID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: ungrouped gap questions: %w", err)
	}
	return scanPending(rows)
}

func scanPending(rows *sql.Rows) ([]PendingQuestion, error) {
	var out []PendingQuestion
	if err := eachRow(rows, nil, "gap questions to group", func(r rowScanner) error {
		var p PendingQuestion
		err := r.Scan(&p.EventID, &p.Question)
		out = append(out, p)
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// groupingTopics reads every live (not merged) topic with its terms, in
// creation order.
func (db *DB) groupingTopics(ctx context.Context, tx *sql.Tx, workspaceID int64) ([]GroupingTopic, error) {
	rows, err := tx.QueryContext(ctx, db.dialect.rebind(`
		SELECT id, state, size, terms FROM topics
		WHERE workspace_id = ? AND merged_into IS NULL ORDER BY id`), workspaceID)
	var topics []GroupingTopic
	if err := eachRow(rows, err, "topics for grouping", func(r rowScanner) error {
		var (
			t     GroupingTopic
			terms string
			err   error
		)
		if err := r.Scan(&t.ID, (*string)(&t.State), &t.Size, &terms); err != nil {
			return err
		}
		if t.Terms, err = decodeTerms(terms); err != nil {
			return fmt.Errorf("topic %d: %w", t.ID, err)
		}
		topics = append(topics, t)
		return nil
	}); err != nil {
		return nil, err
	}
	return topics, nil
}

// writeTopicChange writes one topic of a grouping pass and puts its
// questions in it; a new topic's ID is filled in.
func (db *DB) writeTopicChange(ctx context.Context, tx *sql.Tx, workspaceID int64, c *TopicChange, now time.Time) error {
	d := db.dialect
	created := c.ID == 0
	if created {
		state := c.State
		if state == "" {
			state = parley.GapOpen
		}
		err := tx.QueryRowContext(ctx, d.rebind(`
			INSERT INTO topics (workspace_id, label, state, recurrences, size, terms, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			workspaceID, c.Label, string(state), c.Recurrences, c.Size, encodeTerms(c.Terms), d.instant(now), d.instant(now)).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("store: create topic: %w", err)
		}
	} else {
		q := `UPDATE topics SET size = ?, terms = ?, updated_at = ?, recurrences = recurrences + ?`
		args := []any{c.Size, encodeTerms(c.Terms), d.instant(now), c.Recurrences}
		if c.State != "" {
			q += `, state = ?`
			args = append(args, string(c.State))
		}
		if _, err := tx.ExecContext(ctx, d.rebind(q+` WHERE workspace_id = ? AND id = ?`), append(args, workspaceID, c.ID)...); err != nil {
			return fmt.Errorf("store: update topic %d: %w", c.ID, err)
		}
	}
	state := c.QuestionState
	if state == "" {
		state = parley.GapOpen
	}
	if err := db.setSignals(ctx, tx, workspaceID, c.ID, state, c.Recurrence, c.Questions); err != nil {
		return err
	}
	return db.queueTopicChange(ctx, tx, workspaceID, c, created, now)
}

// setSignals puts questions in a topic with a state.
func (db *DB) setSignals(ctx context.Context, tx *sql.Tx, workspaceID, topicID int64, state parley.GapState, recurrence bool, events []string) error {
	if err := inChunks([]any{topicID, string(state), recurrence, workspaceID}, events, claimChunk, func(in string, args []any) error {
		_, err := tx.ExecContext(ctx, db.dialect.rebind(`
			UPDATE gap_signals SET topic_id = ?, state = ?, recurrence = ?, ungrouped = FALSE
			WHERE workspace_id = ? AND event_id IN (`+in+`)`), args...)
		return err
	}); err != nil {
		return fmt.Errorf("store: group gap questions: %w", err)
	}
	return nil
}

// encodeTerms stores a topic's feature counts as "feature\tcount" lines in
// feature order, so equal terms always encode to equal text.
func encodeTerms(terms map[string]int) string {
	keys := slices.Sorted(maps.Keys(terms))
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(strconv.Itoa(terms[k]))
		b.WriteByte('\n')
	}
	return b.String()
}

// decodeTerms reads what encodeTerms wrote.
func decodeTerms(s string) (map[string]int, error) {
	terms := map[string]int{}
	for line := range strings.Lines(s) {
		f, n, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok {
			return nil, fmt.Errorf("bad terms line %q", line)
		}
		c, err := strconv.Atoi(n)
		if err != nil {
			return nil, fmt.Errorf("bad terms count %q: %w", line, err)
		}
		terms[f] = c
	}
	return terms, nil
}

// TopicFilter selects rows of the knowledge-gaps table.
type TopicFilter struct {
	// State selects the questions counted: open (the default) lists topics
	// with open questions, resolved those answered, dismissed the
	// dismissed questions and topics.
	State parley.GapState
	// AnyState counts questions in every state instead, so that each
	// topic with a question at all is listed once.
	AnyState bool
	// From and To bound the local date of the questions (inclusive).
	From, To string
	Channels []string
}

// signalWhere turns a filter into conditions on gap_signals aliased g.
func (f TopicFilter) signalWhere() (string, []any) {
	state := f.State
	if state == "" {
		state = parley.GapOpen
	}
	where := []string{"g.question <> ''"}
	var args []any
	if !f.AnyState {
		where, args = append(where, "g.state = ?"), append(args, string(state))
	}
	if f.From != "" {
		where, args = append(where, "g.day >= ?"), append(args, f.From)
	}
	if f.To != "" {
		where, args = append(where, "g.day <= ?"), append(args, f.To)
	}
	if len(f.Channels) > 0 {
		where = append(where, "g.channel IN ("+list(len(f.Channels))+")")
		for _, c := range f.Channels {
			args = append(args, c)
		}
	}
	return strings.Join(where, " AND "), args
}

const topicColumns = `t.id, t.label, t.name, t.state, t.short_answer_id, t.recurrences, t.resolved_at, t.created_at, t.updated_at`

// scanTopic reads topicColumns.
func scanTopic(t *parley.Topic, extra ...any) []any {
	return append([]any{&t.ID, &t.Label, &t.Name, (*string)(&t.State), nullInt64{&t.ShortAnswerID},
		&t.Recurrences, nullTime{&t.ResolvedAt}, scanInstant(&t.CreatedAt), scanInstant(&t.UpdatedAt)}, extra...)
}

// nullInt64 scans a nullable integer, NULL as 0.
type nullInt64 struct{ v *int64 }

func (n nullInt64) Scan(v any) error {
	var x sql.NullInt64
	if err := x.Scan(v); err != nil {
		return err
	}
	*n.v = x.Int64
	return nil
}

// nullTime scans a nullable instant, NULL as nil.
type nullTime struct{ v **time.Time }

func (n nullTime) Scan(v any) error {
	if v == nil {
		*n.v = nil
		return nil
	}
	var t time.Time
	if err := scanInstant(&t).Scan(v); err != nil {
		return err
	}
	*n.v = &t
	return nil
}

// Topics lists the topics with questions matching f, with their counts,
// most conversations first (then most recently asked, then id).
func (db *DB) Topics(ctx context.Context, workspaceID int64, f TopicFilter) ([]parley.TopicSummary, error) {
	cond, args := f.signalWhere()
	rows, err := db.reader(ctx).QueryContext(ctx, db.dialect.rebind(`
		SELECT `+topicColumns+`, COUNT(*), COUNT(DISTINCT g.conversation_id), MAX(g.occurred_at)
		FROM gap_signals g JOIN topics t ON t.workspace_id = g.workspace_id AND t.id = g.topic_id
		WHERE g.workspace_id = ? AND `+cond+`
		GROUP BY `+topicColumns), append([]any{workspaceID}, args...)...)
	var out []parley.TopicSummary
	if err := eachRow(rows, err, "topics", func(r rowScanner) error {
		var s parley.TopicSummary
		err := r.Scan(scanTopic(&s.Topic, &s.Questions, &s.Conversations, scanInstant(&s.LastAsked))...)
		out = append(out, s)
		return err
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b parley.TopicSummary) int {
		switch {
		case a.Conversations != b.Conversations:
			return b.Conversations - a.Conversations
		case !a.LastAsked.Equal(b.LastAsked):
			return b.LastAsked.Compare(a.LastAsked)
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

// Topic returns one topic. A topic merged into another answers with the
// topic it was merged into, so that old links still lead somewhere.
func (db *DB) Topic(ctx context.Context, workspaceID, id int64) (parley.Topic, error) {
	return db.topic(ctx, db.reader(ctx), workspaceID, id)
}

func (db *DB) topic(ctx context.Context, q queryer, workspaceID, id int64) (parley.Topic, error) {
	for range 100 { // merges chain; a cycle is impossible but must not hang
		var (
			t      parley.Topic
			merged sql.NullInt64
		)
		err := q.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+topicColumns+`, t.merged_into FROM topics t
			WHERE t.workspace_id = ? AND t.id = ?`), workspaceID, id).Scan(scanTopic(&t, &merged)...)
		if errors.Is(err, sql.ErrNoRows) {
			return t, parley.Errorf(parley.KindNotFound, "topic %d not found", id)
		}
		if err != nil {
			return t, fmt.Errorf("store: topic %d: %w", id, err)
		}
		if !merged.Valid {
			return t, nil
		}
		id = merged.Int64
	}
	return parley.Topic{}, fmt.Errorf("store: topic %d: merge chain too long", id)
}

// TopicQuestions lists the questions of a topic, newest first; state ""
// lists them all.
func (db *DB) TopicQuestions(ctx context.Context, workspaceID, topicID int64, state parley.GapState) ([]parley.GapQuestion, error) {
	where, args := `g.topic_id = ?`, []any{topicID}
	if state != "" {
		where += ` AND g.state = ?`
		args = append(args, string(state))
	}
	qs, err := db.gapQuestions(ctx, workspaceID, where, args, 0)
	if err != nil {
		return nil, fmt.Errorf("store: topic %d questions: %w", topicID, err)
	}
	return qs, nil
}

// UngroupedQuestions lists, newest first, up to limit questions matching f
// (its state aside) that grouping found no similar question for, and how
// many there are in all.
func (db *DB) UngroupedQuestions(ctx context.Context, workspaceID int64, f TopicFilter, limit int) ([]parley.GapQuestion, int, error) {
	f.AnyState = true
	cond, args := f.signalWhere()
	cond = `g.topic_id IS NULL AND g.ungrouped AND ` + cond
	var n int
	if err := db.reader(ctx).QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM gap_signals g
		WHERE g.workspace_id = ? AND `+cond), append([]any{workspaceID}, args...)...).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("store: ungrouped questions: %w", err)
	}
	qs, err := db.gapQuestions(ctx, workspaceID, cond, args, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("store: ungrouped questions: %w", err)
	}
	return qs, n, nil
}

// gapQuestions reads the questions matching a condition on gap_signals
// aliased g, newest first, at most limit (0: all).
func (db *DB) gapQuestions(ctx context.Context, workspaceID int64, where string, args []any, limit int) ([]parley.GapQuestion, error) {
	q := `SELECT g.event_id, g.conversation_id, COALESCE(g.topic_id, 0), g.kind, g.question, g.occurred_at, g.day, g.channel,
		       COALESCE(c.ticket_url, ''), g.state, g.recurrence
		FROM gap_signals g LEFT JOIN conversations c
		  ON c.workspace_id = g.workspace_id AND c.conversation_id = g.conversation_id
		WHERE g.workspace_id = ? AND ` + where + ` ORDER BY g.occurred_at DESC, g.event_id`
	args = append([]any{workspaceID}, args...)
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.reader(ctx).QueryContext(ctx, db.dialect.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []parley.GapQuestion
	for rows.Next() {
		var g parley.GapQuestion
		if err := rows.Scan(&g.EventID, &g.ConversationID, &g.TopicID, (*string)(&g.Kind), &g.Question,
			scanInstant(&g.At), &g.Day, &g.Channel, &g.TicketURL, (*string)(&g.State), &g.Recurrence); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
