-- Outbound webhooks: subscriptions, and a delivery queue written in the
-- same transaction as the change that causes each delivery (a
-- transactional outbox), so that no delivery is lost when a process stops
-- or is killed between the change and the send.

-- A webhook's secret is kept as given: signing each delivery needs it.
CREATE TABLE webhooks (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    url          TEXT   NOT NULL,
    events       TEXT   NOT NULL,
    description  TEXT   NOT NULL DEFAULT '',
    secret       TEXT   NOT NULL,
    paused       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   {{instant}} NOT NULL,
    deleted_at   {{instant}}
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, id);

-- One row per event per webhook. message_id is the same on every attempt
-- and replay. next_attempt_at is also the claim: a sender that takes a
-- delivery moves it past the time the attempt can take, so that no other
-- process takes the same attempt, and a process that dies leaves it due
-- again once that time passes. attempts counts the attempts claimed; a
-- result is written only by the claim of the same attempt number.
-- dedupe_key makes an event queued twice (the weekly report of one week)
-- one delivery.
CREATE TABLE webhook_deliveries (
    id              {{id}},
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    webhook_id      BIGINT NOT NULL,
    message_id      TEXT   NOT NULL,
    event           TEXT   NOT NULL,
    dedupe_key      TEXT,
    payload         TEXT   NOT NULL,
    state           TEXT   NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      {{instant}} NOT NULL,
    next_attempt_at {{instant}},
    give_up_at      {{instant}} NOT NULL,
    last_attempt_at {{instant}},
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (workspace_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (workspace_id, webhook_id, id);
CREATE UNIQUE INDEX webhook_deliveries_dedupe ON webhook_deliveries (workspace_id, webhook_id, dedupe_key);

-- The delivery log: every attempt with its answer.
CREATE TABLE webhook_attempts (
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    delivery_id  BIGINT  NOT NULL,
    attempt      INTEGER NOT NULL,
    at           {{instant}} NOT NULL,
    status       INTEGER NOT NULL,
    error        TEXT    NOT NULL DEFAULT '',
    duration_ms  BIGINT  NOT NULL,
    response     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, delivery_id, attempt)
);
