-- A gap question that grouping looked at and found no similar question for
-- stays in no topic, marked ungrouped, until a similar one arrives (SPEC
-- §6). Questions not yet looked at are the ones grouping takes next.
ALTER TABLE gap_signals ADD COLUMN ungrouped BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX gap_signals_ungrouped;
CREATE INDEX gap_signals_pending ON gap_signals (workspace_id, occurred_at, event_id)
    WHERE topic_id IS NULL AND question <> '' AND NOT ungrouped;
CREATE INDEX gap_signals_waiting ON gap_signals (workspace_id, occurred_at, event_id)
    WHERE topic_id IS NULL AND ungrouped;
