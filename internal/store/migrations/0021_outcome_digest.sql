-- A digest of everything an evaluation wrote for a conversation, its row's
-- outcome columns and its gap signals, but not when it was evaluated nor
-- whether it is due (see store.Result.digest). An evaluation whose result
-- has the same digest writes only those: in a rebuild or a settings change
-- most outcomes come out as they were. NULL until the next full write, and
-- set back to NULL by anything else that changes what it covers.
ALTER TABLE conversations ADD COLUMN outcome_digest {{bytes}};
