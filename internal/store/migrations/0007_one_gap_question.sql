-- A cannot_answer handoff about the question an earlier unanswered reply of
-- the same conversation could not answer is that same question, and is
-- counted once (SPEC §6). Evaluation no longer stores the second one; this
-- removes those stored before. The reports' counts follow when the
-- conversations are evaluated again (parley rebuild).
DELETE FROM gap_signals
WHERE kind = 'cannot_answer' AND EXISTS (
    SELECT 1 FROM gap_signals u
    WHERE u.workspace_id = gap_signals.workspace_id
      AND u.conversation_id = gap_signals.conversation_id
      AND u.kind = 'unanswered'
      AND u.question = gap_signals.question
      AND u.occurred_at <= gap_signals.occurred_at
);
