-- Arrival numbers no longer come from a counter on the workspace row, whose
-- lock every ingest transaction of the workspace held until it committed, so
-- that one slow or stopped writer stalled every other. Ingest now first
-- locks the rows of the conversations its batch touches and only then takes
-- its numbers, so that within a conversation arrival order is still commit
-- order (ties in occurred_at are broken by it); batches about other
-- conversations never wait for each other.
--
-- On PostgreSQL the numbers come from a sequence, a block of 2^20 per batch
-- (first = block << 20), which takes no lock at all; it starts above every
-- number handed out before. SQLite has one writer at a time, and keeps
-- counting on workspaces.event_seq.
{{event_blocks}}

-- A conversation's version counts the ingests that touched it: evaluation
-- saves an outcome only while the version it read is unchanged. (It was the
-- last arrival number, which now comes after the row's lock.)
ALTER TABLE conversations RENAME COLUMN event_seq TO version;
