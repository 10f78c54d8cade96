-- A workspace's inbound sources: platforms that send events in their own
-- format (Chatwoot's webhooks, OpenTelemetry traces). A source is found by
-- the hash of its token; the signing secret is kept as given, since
-- checking a platform's signature needs it. The counts say what the
-- source's deliveries did, and are updated in the transaction that stores
-- a delivery's events.
CREATE TABLE sources (
    id               {{id}},
    workspace_id     BIGINT NOT NULL REFERENCES workspaces (id),
    kind             TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    token_hash       TEXT   NOT NULL UNIQUE,
    hint             TEXT   NOT NULL,
    signing_secret   TEXT   NOT NULL DEFAULT '',
    created_at       {{instant}} NOT NULL,
    revoked_at       {{instant}},
    last_delivery_at {{instant}},
    deliveries       BIGINT NOT NULL DEFAULT 0,
    events           BIGINT NOT NULL DEFAULT 0,
    duplicates       BIGINT NOT NULL DEFAULT 0,
    ignored          BIGINT NOT NULL DEFAULT 0,
    rejected         BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT   NOT NULL DEFAULT '',
    last_error_at    {{instant}}
);
CREATE INDEX sources_by_workspace ON sources (workspace_id, id);
