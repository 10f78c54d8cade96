package main

import (
	"testing"

	"github.com/parleyhq/parley/internal/golden"
)

// TestOutputGolden: `parley report` as text and `parley conversations` as
// JSON (one object per line), over the evaluated fixture with the clock frozen, print what
// testdata/ holds, on SQLite and on PostgreSQL alike. A change to what
// either prints, or to the numbers behind it, shows as a change of the file
// (-update rewrites it).
func TestOutputGolden(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	for _, c := range []struct {
		file string
		json bool
		args []string
	}{
		{"report.txt", false, []string{"report", "--db", dsn, "--now", "2026-11-21T00:00:00Z", "--from", "2026-11-09", "--to", "2026-11-22"}},
		{"report-day-email.txt", false, []string{"report", "--db", dsn, "--now", "2026-11-21T00:00:00Z", "--from", "2026-11-16", "--to", "2026-11-20", "--granularity", "day", "--channel", "email"}},
		// One object per line already: a changed conversation is a changed line.
		{"conversations.ndjson", false, []string{"conversations", "--db", dsn, "--format", "json", "--from", "2026-11-19", "--to", "2026-11-19", "--test", "include"}},
	} {
		r := runParley(t, "", c.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, r.code, r.stderr)
		}
		if c.json {
			golden.JSON(t, c.file, []byte(r.stdout))
		} else {
			golden.Check(t, c.file, []byte(r.stdout))
		}
	}
}
