package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
)

// TestUnavailable tells the failures that pass (the database is down,
// full, read-only, busy) from those that are someone's mistake.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return fmt.Errorf("store: insert: %w", &pgconn.PgError{Code: code}) }
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a plain error", errors.New("boom"), false},
		{"invalid input", parley.Errorf(parley.KindInvalid, "bad"), false},
		{"a dropped connection", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), true},
		{"a timeout", context.DeadlineExceeded, true},
		{"connection failure", pg("08006"), true},
		{"disk full", pg("53100"), true},
		{"too many connections", pg("53300"), true},
		{"shutting down", pg("57P01"), true},
		{"starting up", pg("57P03"), true},
		{"a standby", pg("25006"), true},
		{"a lock not granted in time", pg("55P03"), true},
		{"a statement timeout", pg("57014"), true},
		{"a serialization failure", pg("40001"), true},
		{"a unique violation", pg("23505"), false},
		{"a syntax error", pg("42601"), false},
		{"NUL in text", pg("22021"), false},
	} {
		if got := store.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
