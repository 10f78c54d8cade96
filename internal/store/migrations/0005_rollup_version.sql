-- A workspace's rollup version changes whenever its rollups do, so that a
-- report built from them can be kept until they change.
ALTER TABLE workspaces ADD COLUMN rollup_version BIGINT NOT NULL DEFAULT 0;
