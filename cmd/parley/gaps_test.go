package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// TestGapsCommands evaluates a generated stream, then works its knowledge
// gaps from the command line: list, show, resolve, dismiss, restore.
func TestGapsCommands(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	topics := func(args ...string) []parley.TopicSummary {
		t.Helper()
		r := runParley(t, "", append([]string{"gaps", "list", "--db", dsn, "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("gaps list: exit %d: %s", r.code, r.stderr)
		}
		return readJSONLines[parley.TopicSummary](t, r.stdout)
	}
	open := topics()
	if len(open) < 2 {
		t.Fatalf("%d open topics after evaluation", len(open))
	}
	first, second := fmt.Sprint(open[0].ID), fmt.Sprint(open[1].ID)
	if r := runParley(t, "", "gaps", "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, open[0].Title()) {
		t.Errorf("gaps (text): exit %d, stdout %q", r.code, r.stdout)
	}
	if r := runParley(t, "", "gaps", "show", "--db", dsn, first); r.code != 0 || strings.Count(r.stdout, "\n") < open[0].Questions+2 {
		t.Errorf("gaps show: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := runParley(t, "", "gaps", "resolve", "--db", dsn, first); r.code != exitFailure || !strings.Contains(r.stderr, "answer") {
		t.Errorf("resolve without an answer: exit %d, stderr %q", r.code, r.stderr)
	}
	// Flags after the topic id, as the README writes the command (flags
	// before it: TestGapsFixes).
	if r := runParley(t, "", "gaps", "resolve", first, "--answer", "Within five working days.", "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "short answer") {
		t.Errorf("resolve: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "gaps", "dismiss", "--db", dsn, second); r.code != 0 {
		t.Errorf("dismiss: exit %d: %s", r.code, r.stderr)
	}
	if got := topics("--state", "resolved"); len(got) != 1 || fmt.Sprint(got[0].ID) != first {
		t.Errorf("resolved topics: %+v", got)
	}
	if got := topics("--state", "dismissed"); len(got) != 1 || fmt.Sprint(got[0].ID) != second {
		t.Errorf("dismissed topics: %+v", got)
	}
	if got := topics(); len(got) != len(open)-2 {
		t.Errorf("%d open topics, want %d", len(got), len(open)-2)
	}
	if r := runParley(t, "", "gaps", "restore", "--db", dsn, second); r.code != 0 || len(topics()) != len(open)-1 {
		t.Errorf("restore: exit %d: %s", r.code, r.stderr)
	}
	if r := runParley(t, "", "gaps", "dismiss", "--db", dsn, "99999"); r.code != exitFailure || !strings.Contains(r.stderr, "not found") {
		t.Errorf("unknown topic: exit %d, %q", r.code, r.stderr)
	}
	if r := runParley(t, "", "gaps", "dismiss", "--db", dsn, "x"); r.code != exitUsage {
		t.Errorf("bad topic id: exit %d", r.code)
	}
	// A problem names the flag or argument the command line spells it by.
	if r := runParley(t, "", "gaps", "move", "--db", dsn, second, "nope"); r.code != exitFailure || !strings.Contains(r.stderr, "--to: choose the topic") {
		t.Errorf("move without --to: exit %d, %q", r.code, r.stderr)
	}
	if r := runParley(t, "", "gaps", "move", "--db", dsn, "--to", first, second, "nope"); r.code != exitFailure || !strings.Contains(r.stderr, `QUESTION_ID: question "nope" is not in topic`) {
		t.Errorf("move of another topic's question: exit %d, %q", r.code, r.stderr)
	}
	if r := runParley(t, "", "gaps", "move", "--db", dsn, second, "--to", first, "nope"); r.code != exitFailure || !strings.Contains(r.stderr, `QUESTION_ID: question "nope" is not in topic`) {
		t.Errorf("move with --to after the topic id: exit %d, %q", r.code, r.stderr)
	}
	if r := runParley(t, "", "gaps", "move", "--db", dsn, "--to", first, second); r.code != exitUsage {
		t.Errorf("move without questions: exit %d", r.code)
	}
}

func TestGapsCluster(t *testing.T) {
	t.Parallel()
	in := `{"id":1,"text":"how do I reset my password"}
{"id":2,"text":"退貨要多久才會退款"}

{"id":3,"text":"password reset link does not work"}
{"id":4,"text":"退货要多久才会退款"}
{"id":5,"text":"do you ship to Iceland"}
`
	r := runParley(t, in, "gaps", "cluster", "-")
	if r.code != 0 {
		t.Fatalf("cluster: exit %d: %s", r.code, r.stderr)
	}
	var topics []any
	for _, row := range readJSONLines[struct {
		ID    int
		Topic *int
	}](t, r.stdout) {
		if row.ID != len(topics)+1 {
			t.Errorf("line %d has id %d: order changed", len(topics)+1, row.ID)
		}
		if row.Topic == nil {
			topics = append(topics, "null")
		} else {
			topics = append(topics, *row.Topic)
		}
	}
	if fmt.Sprint(topics) != "[0 1 0 1 null]" {
		t.Errorf("topics %v, want [0 1 0 1 null]: the last like no other", topics)
	}
	bad := runParley(t, "{\"text\":\"ok\"}\n{\"text\":3}\n", "gaps", "cluster", "-")
	if bad.code != exitFailure || !strings.Contains(bad.stderr, "line 2: text") {
		t.Errorf("a line without text: exit %d, %q", bad.code, bad.stderr)
	}
}
