-- The audit log keeps what its page needs to say each change as a
-- sentence in the reader's language: the topic a gap action acted on, and
-- the value before and after where the change has one.
ALTER TABLE audit_log ADD COLUMN topic_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN old_value TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN new_value TEXT NOT NULL DEFAULT '';
