-- Conversation lists are newest first: by local start date, start time and
-- id, descending. This index serves that order and its cursor, read
-- backwards, in both databases.
CREATE INDEX conversations_newest ON conversations (workspace_id, day, started_at, conversation_id);
