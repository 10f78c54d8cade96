-- A conversation whose evaluation fails — a stored event that cannot be
-- decoded, an outcome the database refuses to store — is set aside rather
-- than retried in every pass, where it would stop every conversation after
-- it: it is no longer due, keeps the outcome it had, and carries the error
-- and the release that met it. It is evaluated again when new events
-- arrive, when an admin retries it, after a rebuild, and when another
-- release starts.
ALTER TABLE conversations ADD COLUMN set_aside_at {{instant}};
ALTER TABLE conversations ADD COLUMN set_aside_error TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN set_aside_version TEXT NOT NULL DEFAULT '';
-- A question that grouping fails on is set aside with its conversation:
-- grouping passes over it until the conversation is evaluated again.
ALTER TABLE gap_signals ADD COLUMN set_aside BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX conversations_set_aside ON conversations (workspace_id, set_aside_at) WHERE set_aside_at IS NOT NULL;
