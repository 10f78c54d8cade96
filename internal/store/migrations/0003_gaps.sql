-- Knowledge gaps: topics of unanswered questions, and the short answers
-- written to close them (SPEC §6).

-- A topic is a group of gap questions. Its terms are, for each text
-- feature, how many of its questions have it: the topic's "pseudo-document",
-- which incremental grouping compares each new question with. A merged
-- topic is kept, pointing at the one it was merged into, so that links to
-- it still lead somewhere.
CREATE TABLE topics (
    id              {{id}},
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    label           TEXT   NOT NULL,
    name            TEXT   NOT NULL DEFAULT '',
    state           TEXT   NOT NULL DEFAULT 'open',
    short_answer_id BIGINT,
    recurrences     BIGINT NOT NULL DEFAULT 0,
    merged_into     BIGINT,
    size            BIGINT NOT NULL DEFAULT 0,
    terms           TEXT   NOT NULL DEFAULT '',
    resolved_at     {{instant}},
    created_at      {{instant}} NOT NULL,
    updated_at      {{instant}} NOT NULL
);
CREATE INDEX topics_by_workspace ON topics (workspace_id, state);

-- Each question is grouped once; its topic and state change only by an
-- editor's action or by its topic's.
ALTER TABLE gap_signals ADD COLUMN topic_id BIGINT;
ALTER TABLE gap_signals ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
ALTER TABLE gap_signals ADD COLUMN recurrence BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX gap_signals_ungrouped ON gap_signals (workspace_id, occurred_at, event_id)
    WHERE topic_id IS NULL AND question <> '';
CREATE INDEX gap_signals_by_topic ON gap_signals (workspace_id, topic_id, occurred_at);

-- Short answers are soft-deleted so that a platform pulling changes with
-- updated_since learns of a deletion.
CREATE TABLE short_answers (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    question     TEXT   NOT NULL,
    answer       TEXT   NOT NULL,
    topic_id     BIGINT,
    created_at   {{instant}} NOT NULL,
    updated_at   {{instant}} NOT NULL,
    deleted_at   {{instant}}
);
CREATE INDEX short_answers_by_update ON short_answers (workspace_id, updated_at);
