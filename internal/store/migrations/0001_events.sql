-- Workspaces, raw events and the conversations they mark for evaluation.
-- {{id}}, {{instant}} are filled in per dialect (see dialect.go).

CREATE TABLE workspaces (
    id               {{id}},
    slug             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    time_zone        TEXT    NOT NULL DEFAULT 'UTC',
    week_start       TEXT    NOT NULL DEFAULT 'monday',
    window_seconds   BIGINT  NOT NULL DEFAULT 259200,
    counted_channels TEXT    NOT NULL DEFAULT '[]',
    -- event_seq is the last arrival number handed out to an event of this
    -- workspace; ingest advances it under the row lock, so arrival order is
    -- commit order.
    event_seq        BIGINT  NOT NULL DEFAULT 0,
    created_at       {{instant}} NOT NULL
);

-- Raw events are kept forever: outcomes and rollups are derived from them.
CREATE TABLE events (
    workspace_id    BIGINT  NOT NULL REFERENCES workspaces (id),
    event_id        TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    conversation_id TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    occurred_at     {{instant}} NOT NULL,
    -- body is the canonical JSON of the event; byte equality tells a
    -- retried duplicate from a conflicting reuse of the same id.
    body            TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, event_id)
);
CREATE INDEX events_by_conversation ON events (workspace_id, conversation_id, seq);

-- A conversation is due for evaluation while event_seq > evaluated_seq.
CREATE TABLE conversations (
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    conversation_id TEXT   NOT NULL,
    event_seq       BIGINT NOT NULL,
    evaluated_seq   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, conversation_id)
);
