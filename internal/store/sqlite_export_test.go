package store

import "context"

// TempStore reads the temp_store setting of the SQLite connection that
// evaluation batches write through.
func (db *DB) TempStore(ctx context.Context) (int, error) {
	var n int
	err := db.evaluation.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&n)
	return n, err
}

// Prepared counts the statements prepared so far.
func (db *DB) Prepared() int {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return len(db.stmts.prepared)
}

// EvaluationStatementsPrepared reports whether the full-chunk forms of an
// evaluation batch's read of its rows again and its stamp of the rows
// still as claimed are prepared.
func (db *DB) EvaluationStatementsPrepared() (lock, stamp bool) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return db.stmts.prepared[lockRowsSQL(list(claimChunk))] != nil, db.stmts.prepared[stampAsClaimedSQL(claimChunk)] != nil
}
