package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/report"
)

// TestGapsFixes resolves a topic from the command line and reads its fix
// back as text, JSON and CSV.
func TestGapsFixes(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	if r := runParley(t, "", "gaps", "fixes", "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "no topic has been resolved") {
		t.Errorf("gaps fixes before any fix: exit %d, %q", r.code, r.stdout)
	}
	r := runParley(t, "", "gaps", "list", "--db", dsn, "--format", "json")
	var top struct {
		ID    int64  `json:"id"`
		Label string `json:"label"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &top); err != nil || top.ID == 0 {
		t.Fatalf("gaps list: %q: %v", r.stdout, err)
	}
	mustRun(t, "", "gaps", "resolve", "--db", dsn, "--answer", "Like this.", fmt.Sprint(top.ID))
	r = runParley(t, "", "gaps", "fixes", "--db", dsn, "--format", "json")
	var f report.Fixes
	if err := json.Unmarshal([]byte(r.stdout), &f); r.code != 0 || err != nil || len(f.Rows) != 1 {
		t.Fatalf("gaps fixes --format json: exit %d, %v: %s", r.code, err, r.stdout)
	}
	// Written just now: too early to tell, every question before it.
	if row := f.Rows[0]; row.TopicID != top.ID || row.Verdict != report.FixTooEarly || row.Recurrences != 0 {
		t.Errorf("fix: %+v", row)
	}
	if r := runParley(t, "", "gaps", "fixes", "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "too_early") || !strings.Contains(r.stdout, top.Label) {
		t.Errorf("gaps fixes (text): exit %d, %q", r.code, r.stdout)
	}
	r = runParley(t, "", "gaps", "fixes", "--db", dsn, "--format", "csv", "--topic", fmt.Sprint(top.ID))
	if rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll(); r.code != 0 || err != nil || len(rows) != 2 || rows[1][0] != fmt.Sprint(top.ID) {
		t.Errorf("gaps fixes --format csv: exit %d, %v: %q", r.code, err, r.stdout)
	}
	if r := runParley(t, "", "gaps", "fixes", "--db", dsn, "--topic", fmt.Sprint(top.ID+1000)); r.code != 0 || !strings.Contains(r.stdout, "no topic") {
		t.Errorf("another topic's fix: exit %d, %q", r.code, r.stdout)
	}
	if r := runParley(t, "", "gaps", "fixes", "--db", dsn, "--sort", "best"); r.code == 0 || !strings.Contains(r.stderr, "sort") {
		t.Errorf("--sort best: exit %d, %q", r.code, r.stderr)
	}
}
