-- Rollups by settings generation, and times to close as sketches.
--
-- A settings change that alters outcomes starts a new generation: its
-- rollups are computed beside those of the last complete generation,
-- which reports go on reading (marked "recomputing") until every
-- conversation has been evaluated again, then drop. workspaces.generation
-- is the generation of the current settings; conversations.generation the
-- one its stored contributions were added to.
ALTER TABLE workspaces ADD COLUMN generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE conversations ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;

-- The rollups gain the generation in their key and a sketch, the text of a
-- parley.DurationSketch, for the cells of times to close (one per day,
-- channel and outcome, where the time_to_close_bin histogram kept a row
-- per bin and day). Its rows are read in key order and kept in it.
CREATE TABLE rollups_by_generation (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    generation   BIGINT NOT NULL,
    day          TEXT   NOT NULL,
    channel      TEXT   NOT NULL,
    metric       TEXT   NOT NULL,
    label        TEXT   NOT NULL DEFAULT '',
    value        BIGINT NOT NULL,
    sketch       TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, generation, day, channel, metric, label)
){{without_rowid}};
INSERT INTO rollups_by_generation (workspace_id, generation, day, channel, metric, label, value)
    SELECT workspace_id, 1, day, channel, metric, label, value FROM rollups
    WHERE metric NOT IN ('closed', 'time_to_close_ms', 'time_to_close_bin');
DROP TABLE rollups;
ALTER TABLE rollups_by_generation RENAME TO rollups;

-- rollup_versions says which generation reports read (the last complete
-- one), the settings it was computed with when they are no longer the
-- workspace's (else ''), and how far the next one has come: of the
-- recompute_total conversations evaluated when it started, recompute_done
-- have been evaluated again.
ALTER TABLE rollup_versions ADD COLUMN generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE rollup_versions ADD COLUMN settings TEXT NOT NULL DEFAULT '';
ALTER TABLE rollup_versions ADD COLUMN recompute_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_versions ADD COLUMN recompute_done BIGINT NOT NULL DEFAULT 0;

-- Times to close were kept as 9 %-wide bins, which cannot be split into
-- sketches: every evaluated conversation is evaluated again, as generation
-- 2, while reports show generation 1 (without times to close).
UPDATE conversations SET generation = 1, due_at = {{earliest}} WHERE contributions <> '';
UPDATE workspaces SET generation = 2
    WHERE id IN (SELECT workspace_id FROM conversations WHERE contributions <> '');
INSERT INTO rollup_versions (workspace_id, version)
    SELECT id, 0 FROM workspaces WHERE generation = 2
    ON CONFLICT (workspace_id) DO NOTHING;
UPDATE rollup_versions SET version = version + 1, recompute_total = (
    SELECT COUNT(*) FROM conversations c
    WHERE c.workspace_id = rollup_versions.workspace_id AND c.contributions <> '');
