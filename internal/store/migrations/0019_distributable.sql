-- The schema becomes distributable by workspace (Citus: `parley migrate
-- --distribute`, see distribute.go), while staying the same on one
-- PostgreSQL server and on SQLite.
--
-- A distributed table's keys must include its distribution column, so every
-- table with an id of its own is keyed (workspace_id, id) and its other
-- unique keys start with workspace_id too. SQLite keeps its integer row ids
-- as keys (a unique id is unique within its workspace too): the part marked
-- postgres below applies to PostgreSQL only.
--
-- Two lookups do not know the workspace: a token (API or source) is found
-- by its hash, before anyone knows whose it is. token_workspaces names the
-- workspace of every token; it is small, written once per token, and on
-- Citus a reference table, copied to every node; the token row itself is
-- then read from its workspace's shard. (Slugs need no table of their own:
-- workspaces is a reference table, and nothing writes its row per event —
-- on PostgreSQL events are numbered from the sequence event_blocks, 0008.)
CREATE TABLE token_workspaces (
    hash         TEXT   PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id)
);
INSERT INTO token_workspaces (hash, workspace_id) SELECT hash, workspace_id FROM api_tokens;
INSERT INTO token_workspaces (hash, workspace_id) SELECT token_hash, workspace_id FROM sources;

-- Changes to a workspace's topics run one at a time (grouping against an
-- editor's merge). That was an advisory lock, which on Citus holds on the
-- node that takes it only; a row lock here holds wherever the workspace's
-- shard is, for every process and every node. One row per workspace and
-- name, made on first use. (SQLite needs no lock: its write transactions
-- run one at a time.)
CREATE TABLE workspace_locks (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    name         TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

{{postgres}}
ALTER TABLE topics DROP CONSTRAINT topics_pkey, ADD PRIMARY KEY (workspace_id, id);
ALTER TABLE short_answers DROP CONSTRAINT short_answers_pkey, ADD PRIMARY KEY (workspace_id, id);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (workspace_id, id);
DROP INDEX audit_log_by_workspace;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_pkey, ADD PRIMARY KEY (workspace_id, id);
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_hash_key, ADD UNIQUE (workspace_id, hash);
DROP INDEX api_tokens_by_workspace;
ALTER TABLE sources DROP CONSTRAINT sources_pkey, ADD PRIMARY KEY (workspace_id, id);
ALTER TABLE sources DROP CONSTRAINT sources_token_hash_key, ADD UNIQUE (workspace_id, token_hash);
DROP INDEX sources_by_workspace;
ALTER TABLE webhooks DROP CONSTRAINT webhooks_pkey, ADD PRIMARY KEY (workspace_id, id);
DROP INDEX webhooks_by_workspace;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_pkey, ADD PRIMARY KEY (workspace_id, id);
{{end}}
