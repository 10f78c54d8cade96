package store

import (
	"database/sql"
	"fmt"
)

// rowScanner is a row to scan: *sql.Row and *sql.Rows are both one, so
// that one scanX function reads a thing from a lookup and from a list.
type rowScanner interface{ Scan(...any) error }

// collect reads every row of a list with scan and closes rows; what names
// the list in its errors, which wrap err and any error of the rows. A list
// of no rows is empty, not nil, so that it is [] in JSON.
func collect[T any](rows *sql.Rows, err error, what string, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
