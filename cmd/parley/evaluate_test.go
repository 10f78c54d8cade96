package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestEvaluateRebuildConversations runs the evaluation commands on a
// generated stream: the outcome counts printed by evaluate, rebuild and the
// conversation list must agree with each other. A hundred conversations
// over ten days have every outcome, pending ones a day after the last.
func TestEvaluateRebuildConversations(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	stream := mustRun(t, "", "gen", "--conversations", "100", "--days", "10", "--end", "2026-11-20T00:00:00Z")
	mustRun(t, stream, "ingest", "--db", dsn, "-")
	ev := runParley(t, "", "evaluate", "--db", dsn, "--now", "2026-11-21T00:00:00Z")
	if ev.code != 0 || !strings.Contains(ev.stdout, "evaluated 100 conversations") {
		t.Fatalf("evaluate: exit %d, stdout %q, stderr %s", ev.code, ev.stdout, ev.stderr)
	}
	if again := runParley(t, "", "evaluate", "--db", dsn, "--now", "2026-11-21T00:00:00Z"); !strings.Contains(again.stdout, "evaluated 0 conversations") {
		t.Errorf("a second pass at the same time: %q, want nothing evaluated", again.stdout)
	}

	// The JSON list has every field SPEC §8 names, one object per line,
	// and with test traffic its outcome counts are those evaluate printed.
	list := runParley(t, "", "conversations", "--db", dsn, "--format", "json", "--test", "include")
	if list.code != 0 {
		t.Fatalf("conversations: exit %d: %s", list.code, list.stderr)
	}
	counts := map[string]int{}
	for _, row := range readJSONLines[map[string]any](t, list.stdout) {
		for _, f := range []string{"conversation_id", "channel", "started_at", "outcome", "resolution", "reasons",
			"decided_at", "handoff_initiator", "handoff_reason", "reopened", "test"} {
			if _, ok := row[f]; !ok {
				t.Fatalf("row %v lacks %s", row, f)
			}
		}
		counts[row["outcome"].(string)]++
	}
	for k, n := range counts {
		if !strings.Contains(ev.stdout, fmt.Sprintf("%d %s", n, k)) {
			t.Errorf("the list has %d %s, evaluate said %q", n, k, ev.stdout)
		}
	}
	if counts[string(parley.OutcomePending)] == 0 {
		t.Error("a day after the stream ends some conversations should still be pending")
	}

	// Filters: every listed row has the outcome asked for, and CSV has a
	// header and one record per conversation.
	csvOut := runParley(t, "", "conversations", "--db", dsn, "--format", "csv", "--outcome", "handed_off", "--test", "exclude")
	records, err := csv.NewReader(strings.NewReader(csvOut.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) < 2 || records[0][3] != "outcome" {
		t.Fatalf("csv: %d records, header %v", len(records), records[0])
	}
	for _, r := range records[1:] {
		if r[3] != "handed_off" || r[10] != "false" {
			t.Fatalf("csv row %v: want handed_off, not test", r)
		}
	}

	// Long after the stream, a rebuild decides every pending conversation.
	rb := runParley(t, "", "rebuild", "--db", dsn, "--now", "2026-12-31T00:00:00Z")
	if rb.code != 0 || !strings.Contains(rb.stdout, "100 conversations") || strings.Contains(rb.stdout, "pending") {
		t.Errorf("rebuild: exit %d, stdout %q, stderr %s", rb.code, rb.stdout, rb.stderr)
	}
	text := runParley(t, "", "conversations", "--db", dsn, "--outcome", "pending")
	if countLines(text.stdout) != 1 {
		t.Errorf("after the rebuild nothing is pending, got:\n%s", text.stdout)
	}
}

func TestConversationsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--outcome", "won"},
		{"--format", "xml"},
		{"--from", "2026-13-01"},
		{"--test", "sometimes"},
		{"--outcome", "handled,won"},
		{"--resolution", "sure"},
		{"--reason", "tired"},
		{"--initiator", "boss"},
		{"--reopened", "false"},
	} {
		r := runParley(t, "", append([]string{"conversations", "--db", storetest.DSN(t)}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, args[0]) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming %s", args, r.code, r.stderr, args[0])
		}
	}
	r := runParley(t, "", "evaluate", "--db", storetest.DSN(t), "--now", "yesterday")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--now") {
		t.Errorf("evaluate --now yesterday: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestFormatFlagsAreChecked gives every command that has --format one it
// does not write: each refuses it as a usage error naming the flag, before
// it prints anything.
func TestFormatFlagsAreChecked(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t)
	for _, tc := range []struct{ command, args []string }{
		{[]string{"conversations"}, nil},
		{[]string{"report"}, nil},
		{[]string{"ingest"}, []string{"-"}},
		{[]string{"gaps", "list"}, nil},
		{[]string{"gaps", "show"}, []string{"1"}},
		{[]string{"gaps", "fixes"}, nil},
		{[]string{"user", "list"}, nil},
		{[]string{"settings", "show"}, nil},
		{[]string{"settings", "set"}, []string{"window=48h"}},
		{[]string{"source", "create"}, []string{"chatwoot"}},
		{[]string{"source", "list"}, nil},
		{[]string{"webhook", "list"}, nil},
		{[]string{"webhook", "deliveries"}, []string{"1"}},
	} {
		args := slices.Concat(tc.command, []string{"--db", dsn, "--format", "xml"}, tc.args)
		r := runParley(t, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--format") || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a usage error naming --format", tc.command, r.code, r.stdout, r.stderr)
		}
	}
	// A flag after the topic id is read as a flag, as the gap actions read
	// theirs (gaps move ID --to TOPIC …), not taken for a second argument.
	r := runParley(t, "", "gaps", "show", "--db", dsn, "1", "--format", "xml")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--format") {
		t.Errorf("gaps show ID --format xml: exit %d, stderr %q; want a usage error naming --format", r.code, r.stderr)
	}
}

// TestReport prints the same report in three formats; JSON carries the
// metric names of SPEC §5 and the numbers agree with the conversation list.
func TestReport(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	args := []string{"report", "--db", dsn, "--now", "2026-11-21T00:00:00Z", "--from", "2026-11-01", "--to", "2026-11-30"}
	js := runParley(t, "", append(args, "--format", "json")...)
	if js.code != 0 {
		t.Fatalf("report json: %s", js.stderr)
	}
	var rep struct {
		Totals            map[string]any
		Series            []map[string]any
		DefinitionVersion int `json:"definition_version"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"conversations", "handled", "handle_rate", "resolved", "resolution_rate", "deflection_rate",
		"human_handoffs", "handoff_rate", "unresolved_by_reason", "pending", "automation_rate", "reopen_rate",
		"helpful_rate", "time_to_close_median", "time_to_close_p90", "time_to_close_mean", "test_excluded"} {
		if _, ok := rep.Totals[k]; !ok {
			t.Errorf("report JSON lacks %s", k)
		}
	}
	csat, _ := rep.Totals["csat"].(map[string]any)
	if rated, _ := csat["rated"].(float64); rated == 0 || csat["resolved"] == nil || csat["rate"] == nil {
		t.Errorf("report JSON csat: %v", csat)
	}
	if rep.DefinitionVersion != 1 || len(rep.Series) != 6 {
		t.Errorf("definition version %d, %d weekly buckets (want 6 for Nov 2026 by Monday weeks)", rep.DefinitionVersion, len(rep.Series))
	}
	list := runParley(t, "", "conversations", "--db", dsn, "--format", "csv", "--outcome", "resolved", "--test", "exclude", "--from", "2026-11-01", "--to", "2026-11-30")
	if got, want := countLines(list.stdout)-1, int(rep.Totals["resolved"].(float64)); got != want {
		t.Errorf("report says %d resolved, the list has %d", want, got)
	}
	if out := runParley(t, "", append(args, "--format", "csv", "--chart", "csat")...); !strings.HasPrefix(out.stdout, "from,to,provisional,csat_rated,csat_satisfied,csat_rate,csat_rate_low,csat_rate_high,csat_mean,csat_resolved_rated,") {
		t.Errorf("csat csv:\n%s", out.stdout)
	}
	csvOut := runParley(t, "", append(args, "--format", "csv", "--chart", "handled")...)
	if !strings.HasPrefix(csvOut.stdout, "from,to,provisional,handled,") || countLines(csvOut.stdout) != 7 {
		t.Errorf("csv:\n%s", csvOut.stdout)
	}
	text := runParley(t, "", args...)
	if text.code != 0 || !strings.Contains(text.stdout, "resolution rate") || !strings.Contains(text.stdout, "definition version 1") ||
		!regexp.MustCompile(`CSAT, rated 4-5 of 5 +[0-9.]+% \(mean [1-5]\.[0-9], [0-9]+ rated\)`).MatchString(text.stdout) {
		t.Errorf("text:\n%s", text.stdout)
	}
	if bad := runParley(t, "", "report", "--db", dsn, "--granularity", "hour"); bad.code != exitFailure || !strings.Contains(bad.stderr, "granularity") {
		t.Errorf("bad granularity: exit %d, %s", bad.code, bad.stderr)
	}
}
