-- People, their roles per workspace, sessions, API tokens and the audit
-- log (SPEC §7). Secrets are stored only as hashes.

CREATE TABLE users (
    id            {{id}},
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at    {{instant}} NOT NULL
);

CREATE TABLE memberships (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    user_id      BIGINT NOT NULL REFERENCES users (id),
    role         TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- A session is found by the hash of the random value in its cookie.
CREATE TABLE sessions (
    id_hash      TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    created_at   {{instant}} NOT NULL,
    expires_at   {{instant}} NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    name         TEXT   NOT NULL,
    hash         TEXT   NOT NULL UNIQUE,
    hint         TEXT   NOT NULL,
    scopes       TEXT   NOT NULL,
    created_at   {{instant}} NOT NULL,
    last_used_at {{instant}},
    revoked_at   {{instant}}
);
CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, id);

CREATE TABLE audit_log (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    actor        TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    subject      TEXT   NOT NULL,
    detail       TEXT   NOT NULL DEFAULT '',
    at           {{instant}} NOT NULL
);
CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, id);
