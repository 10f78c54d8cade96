-- The outcome's explanation is no longer stored: the conversation page
-- computes it again from the events the evaluation read (those up to
-- evaluated_seq) at evaluated_at, which gives the same outcome, since the
-- rule is a pure function of them. Writing some 700 bytes of JSON per
-- conversation was a third of an evaluation's cost.
ALTER TABLE conversations DROP COLUMN detail;
