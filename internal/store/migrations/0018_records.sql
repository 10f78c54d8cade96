-- A conversation's record: what the rule reads from its events, in a
-- compact binary form written by evaluation beside the outcome (see
-- internal/store/record.go), so that evaluating it again reads one row
-- instead of every event again. A table of its own, so that the
-- conversation's row, rewritten by every evaluation, stays the size it was;
-- a conversation has none until its next evaluation.
CREATE TABLE conversation_records (
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    conversation_id TEXT   NOT NULL,
    record          {{bytes}} NOT NULL,
    PRIMARY KEY (workspace_id, conversation_id)
);
