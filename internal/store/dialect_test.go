package store

import (
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' FROM t WHERE a = ?", "SELECT '?' FROM t WHERE a = $1"},
		{`SELECT "odd?name" FROM t WHERE a IN (?, ?, ?)`, `SELECT "odd?name" FROM t WHERE a IN ($1, $2, $3)`},
		{"VALUES (?, 'it''s?', ?)", "VALUES ($1, 'it''s?', $2)"},
	}
	for _, tt := range tests {
		if got := Postgres.rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := SQLite.rebind(tt.in); got != tt.in {
			t.Errorf("SQLite rebind changed %q to %q", tt.in, got)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	if got, want := placeholders(2, 3), "(?, ?, ?), (?, ?, ?)"; got != want {
		t.Errorf("placeholders(2, 3) = %q, want %q", got, want)
	}
	if got, want := list(1), "?"; got != want {
		t.Errorf("list(1) = %q, want %q", got, want)
	}
}

func TestInstantRoundTrip(t *testing.T) {
	in := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("x", 8*3600))
	v := SQLite.instant(in).(string)
	if v != "2026-01-01T19:04:05.123456Z" {
		t.Errorf("SQLite instant = %q", v)
	}
	var got time.Time
	if err := scanInstant(&got).Scan(v); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(in) {
		t.Errorf("round trip %v → %q → %v", in, v, got)
	}
}
