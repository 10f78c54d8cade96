-- Outcomes, daily rollups and gap signals: everything derived from events.
-- All of it can be rebuilt from the raw events at any time.

-- The outcome of each conversation lives on its row, beside the marks that
-- say when it must be evaluated again.
ALTER TABLE conversations ADD COLUMN started_at {{instant}};
ALTER TABLE conversations ADD COLUMN day TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN test BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN ticket_url TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN decided_at {{instant}};
ALTER TABLE conversations ADD COLUMN decision_due_at {{instant}};
ALTER TABLE conversations ADD COLUMN handoff_initiator TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN reopened BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN closed_at {{instant}};
ALTER TABLE conversations ADD COLUMN time_to_close_ms BIGINT;
-- detail is the whole outcome as JSON, explanation included, for the
-- conversation page.
ALTER TABLE conversations ADD COLUMN detail TEXT NOT NULL DEFAULT '';
-- contributions are the rollup cells this outcome added to, so that the next
-- evaluation changes the rollups by exactly new − old.
ALTER TABLE conversations ADD COLUMN contributions TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN definition_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN evaluated_at {{instant}};
-- due_at is when the conversation must be evaluated next: the earliest
-- instant after new events arrive, the decision time while pending, and NULL
-- when nothing but a new event can change the outcome.
ALTER TABLE conversations ADD COLUMN due_at {{instant}};
UPDATE conversations SET due_at = {{earliest}};
CREATE INDEX conversations_due ON conversations (workspace_id, due_at, conversation_id) WHERE due_at IS NOT NULL;
CREATE INDEX conversations_by_day ON conversations (workspace_id, day, conversation_id);

-- Daily rollups: one value per workspace-local date, channel, metric and
-- label (a reason, a rating, a histogram bin, or '' for plain counts).
CREATE TABLE rollups (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    day          TEXT   NOT NULL,
    channel      TEXT   NOT NULL,
    metric       TEXT   NOT NULL,
    label        TEXT   NOT NULL DEFAULT '',
    value        BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, day, channel, metric, label)
);

-- Questions the customer agent could not answer (SPEC §6), one per signal event.
CREATE TABLE gap_signals (
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    event_id        TEXT   NOT NULL,
    conversation_id TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    occurred_at     {{instant}} NOT NULL,
    day             TEXT   NOT NULL,
    channel         TEXT   NOT NULL,
    question        TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, event_id)
);
CREATE INDEX gap_signals_by_conversation ON gap_signals (workspace_id, conversation_id);
CREATE INDEX gap_signals_by_day ON gap_signals (workspace_id, day);

-- The channels each workspace has seen, for filters; kept by evaluation.
CREATE TABLE channels (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    channel      TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, channel)
);
