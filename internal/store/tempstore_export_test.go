package store

import "context"

// TempStore reads the temp_store setting of the SQLite connection that
// evaluation batches write through.
func (db *DB) TempStore(ctx context.Context) (int, error) {
	var n int
	err := db.evaluation.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&n)
	return n, err
}
