-- A workspace's rollup version changes whenever its rollups do, so that a
-- report built from them can be kept until they change. It has a table of
-- its own, with no foreign key, so that bumping it locks nothing else.
CREATE TABLE rollup_versions (
    workspace_id BIGINT NOT NULL PRIMARY KEY,
    version      BIGINT NOT NULL
);
