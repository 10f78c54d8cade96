package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// rowScanner is a row to scan: *sql.Row and *sql.Rows are both one, so
// that one scanX function reads a thing from a lookup and from a list.
type rowScanner interface{ Scan(...any) error }

// eachRow calls fn for every row of rows and closes them; what names the
// query in its errors, which wrap err, fn's and any error of the rows. It
// stops at fn's first error.
func eachRow(rows *sql.Rows, err error, what string, fn func(rowScanner) error) error {
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	for rows.Next() {
		if err := fn(rows); err != nil {
			rows.Close()
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// collect reads every row of a list with scan (see eachRow). A list of no
// rows is empty, not nil, so that it is [] in JSON.
func collect[T any](rows *sql.Rows, err error, what string, scan func(rowScanner) (T, error)) ([]T, error) {
	out := []T{}
	if err := eachRow(rows, err, what, func(r rowScanner) error {
		v, err := scan(r)
		out = append(out, v)
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// collectSet reads the values of a one-column list into a set (see
// eachRow).
func collectSet[T comparable](rows *sql.Rows, err error, what string) (map[T]bool, error) {
	out := map[T]bool{}
	if err := eachRow(rows, err, what, func(r rowScanner) error {
		var v T
		err := r.Scan(&v)
		out[v] = true
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// inChunks calls fn for every chunk of at most size values, with the
// chunk's placeholder list ("?, ?, …") and its arguments: lead, then the
// chunk's values; so that no statement that names the values in an IN list
// binds more variables than a database allows. args is reused from one
// chunk to the next.
func inChunks(lead []any, values []string, size int, fn func(in string, args []any) error) error {
	args := make([]any, 0, len(lead)+min(size, len(values)))
	for start := 0; start < len(values); start += size {
		chunk := values[start:min(start+size, len(values))]
		args = append(args[:0], lead...)
		for _, v := range chunk {
			args = append(args, v)
		}
		if err := fn(list(len(chunk)), args); err != nil {
			return err
		}
	}
	return nil
}
