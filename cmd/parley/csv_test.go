package main

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// hostile is a formula a visitor could type, to be opened as a link, or
// run, by whoever opens a CSV export in a spreadsheet.
const hostile = `=HYPERLINK("http://evil.example","click") refund`

// hostileStream is a conversation whose id is a formula and whose
// visitor asks hostile, which the agent could not answer, and a handoff
// whose reason starts with a minus sign.
const hostileStream = `{"id":"e1","type":"conversation.started","conversation_id":"=cmd|calc","occurred_at":"2026-11-20T09:00:00Z","channel":"chat"}
{"id":"e2","type":"message","conversation_id":"=cmd|calc","occurred_at":"2026-11-20T09:00:10Z","author":"visitor","text":"=HYPERLINK(\"http://evil.example\",\"click\") refund"}
{"id":"e3","type":"message","conversation_id":"=cmd|calc","occurred_at":"2026-11-20T09:00:20Z","author":"customer_agent","text":"Sorry.","unanswered":true}
{"id":"e4","type":"handoff","conversation_id":"=cmd|calc","occurred_at":"2026-11-20T09:00:30Z","initiator":"customer_agent","reason":"-1"}
`

// askedAgain is a second conversation asking what hostileStream's does,
// so that the question is a topic rather than waiting ungrouped.
const askedAgain = `{"id":"f1","type":"message","conversation_id":"c2","occurred_at":"2026-11-20T10:00:10Z","author":"visitor","text":"=HYPERLINK(\"http://evil.example\",\"click\") refund"}
{"id":"f2","type":"message","conversation_id":"c2","occurred_at":"2026-11-20T10:00:20Z","author":"customer_agent","text":"Sorry.","unanswered":true}
`

// hostileDB is a database holding hostileStream, and the streams given,
// evaluated.
func hostileDB(t *testing.T, more ...string) string {
	t.Helper()
	dsn := migratedDB(t)
	mustRun(t, hostileStream+strings.Join(more, ""), "ingest", "--db", dsn, "-")
	mustRun(t, "", "evaluate", "--db", dsn, "--now", "2026-11-21T00:00:00Z")
	return dsn
}

// readCSV parses a command's CSV output into rows keyed by the header.
func readCSV(t *testing.T, out string) []map[string]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	var rows []map[string]string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, name := range records[0] {
			row[name] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func TestConversationsCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	dsn := hostileDB(t)
	r := runParley(t, "", "conversations", "--db", dsn, "--format", "csv")
	if r.code != 0 {
		t.Fatalf("conversations: exit %d: %s", r.code, r.stderr)
	}
	if header, _, _ := strings.Cut(r.stdout, "\n"); header != strings.Join(parley.ConversationColumns, ",") {
		t.Errorf("header %q, want the columns of the HTTP export", header)
	}
	rows := readCSV(t, r.stdout)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1:\n%s", len(rows), r.stdout)
	}
	for column, want := range map[string]string{"conversation_id": "'=cmd|calc", "handoff_reason": "'-1"} {
		if got := rows[0][column]; got != want {
			t.Errorf("%s is %q, want %q", column, got, want)
		}
	}
	// The terminal table shows the id as it is: no spreadsheet reads it.
	if text := runParley(t, "", "conversations", "--db", dsn); !strings.Contains(text.stdout, "=cmd|calc") || strings.Contains(text.stdout, "'=cmd") {
		t.Errorf("text table:\n%s", text.stdout)
	}
}

func TestGapsListCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	dsn := hostileDB(t, askedAgain)
	list := func() []map[string]string {
		t.Helper()
		r := runParley(t, "", "gaps", "list", "--db", dsn, "--format", "csv")
		if r.code != 0 {
			t.Fatalf("gaps list: exit %d: %s", r.code, r.stderr)
		}
		rows := readCSV(t, r.stdout)
		if len(rows) != 1 {
			t.Fatalf("%d topics, want 1:\n%s", len(rows), r.stdout)
		}
		return rows
	}
	// The topic's label is made of the visitor's words; its name, once
	// renamed, is whatever an editor typed: both are defused.
	rows := list()
	if got := rows[0]["topic"]; got != "'"+hostile {
		t.Errorf("topic label %q, want %q", got, "'"+hostile)
	}
	mustRun(t, "", "gaps", "rename", "--db", dsn, rows[0]["id"], "@SUM(1+1)")
	if got := list()[0]["topic"]; got != "'@SUM(1+1)" {
		t.Errorf("topic name %q, want %q", got, "'@SUM(1+1)")
	}
}
