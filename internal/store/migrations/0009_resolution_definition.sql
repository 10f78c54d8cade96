-- The resolution definition becomes a workspace setting (SPEC §2): criterion
-- 1 of the rule, and whether a failed last agent action makes a
-- conversation unresolved. The defaults are the rule as it was, so that no
-- stored outcome changes. settings_version counts a workspace's settings
-- changes, so that every change has a number.
ALTER TABLE workspaces ADD COLUMN resolution_criterion TEXT NOT NULL DEFAULT 'cited_source_or_action';
ALTER TABLE workspaces ADD COLUMN failed_last_action BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE workspaces ADD COLUMN settings_version BIGINT NOT NULL DEFAULT 1;
