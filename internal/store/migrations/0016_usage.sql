-- What each cited source and performed action does for resolution: daily
-- counts per source or action (metric "use", label kind:hash:count), kept
-- apart from the report's rollups so that the Performance page reads no
-- more cells than before; which conversations used each, for the
-- conversation filter's source and action; and each source's latest title
-- and URL. A source or action is named by a hash of its id or name
-- (parley.UseHash), which any text may be. Like the rollups, the cells are
-- kept per settings generation (migration 0015).
CREATE TABLE usage_rollups (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    generation   BIGINT NOT NULL,
    day          TEXT   NOT NULL,
    channel      TEXT   NOT NULL,
    metric       TEXT   NOT NULL,
    label        TEXT   NOT NULL DEFAULT '',
    value        BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, generation, day, channel, metric, label)
){{without_rowid}};

CREATE TABLE conversation_uses (
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    kind            TEXT   NOT NULL,
    hash            TEXT   NOT NULL,
    conversation_id TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, kind, hash, conversation_id)
);
CREATE INDEX conversation_uses_by_conversation ON conversation_uses (workspace_id, conversation_id);

CREATE TABLE usage_items (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    kind         TEXT   NOT NULL,
    hash         TEXT   NOT NULL,
    item         TEXT   NOT NULL,
    title        TEXT   NOT NULL DEFAULT '',
    url          TEXT   NOT NULL DEFAULT '',
    seen_at      {{instant}} NOT NULL,
    PRIMARY KEY (workspace_id, kind, hash)
);

-- Every conversation is evaluated again, so that its uses are counted.
UPDATE conversations SET due_at = {{earliest}};
