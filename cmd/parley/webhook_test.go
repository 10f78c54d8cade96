package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// TestWebhookCommands walks `parley webhook` through a webhook's life, as
// the README shows it: flags may follow the ids.
func TestWebhookCommands(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	bad := runParley(t, "", "webhook", "create", "--db", dsn, "--url", "http://10.1.1.1/x", "--events", "outcome.decided,nope")
	if bad.code != exitFailure || !strings.Contains(bad.stderr, "url:") || !strings.Contains(bad.stderr, "events:") {
		t.Fatalf("bad create: exit %d: %s", bad.code, bad.stderr)
	}
	ok := runParley(t, "", "webhook", "create", "--db", dsn, "--url", "http://10.1.1.1/x", "--events", "outcome.decided,report.weekly", "--webhook-allow-net", "10.0.0.0/8")
	if ok.code != 0 || !strings.HasPrefix(ok.stdout, "whsec_") || !strings.Contains(ok.stderr, "webhook 1 posts outcome.decided,report.weekly") {
		t.Fatalf("create: exit %d: %s %s", ok.code, ok.stdout, ok.stderr)
	}
	secret := strings.TrimSpace(ok.stdout)
	list := runParley(t, "", "webhook", "list", "--db", dsn, "--format", "json")
	var hooks struct{ Webhooks []parley.Webhook }
	if err := json.Unmarshal([]byte(list.stdout), &hooks); err != nil || len(hooks.Webhooks) != 1 || strings.Contains(list.stdout, secret) {
		t.Fatalf("list: %v %s", err, list.stdout)
	}
	if r := runParley(t, "", "webhook", "update", "1", "--db", dsn, "--paused", "true", "--webhook-allow-net", "10.1.1.1"); r.code != 0 || !strings.Contains(r.stdout, "paused: true") {
		t.Errorf("update: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "webhook", "ping", "1", "--db", dsn); r.code != 0 || r.stdout != "delivery 1 queued\n" {
		t.Errorf("ping: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "webhook", "deliveries", "1", "--db", dsn, "--state", "pending"); r.code != 0 || !strings.Contains(r.stdout, "webhook.ping") {
		t.Errorf("deliveries: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "webhook", "deliveries", "1", "--db", dsn, "--state", "lost"); r.code != exitFailure || !strings.Contains(r.stderr, "state:") {
		t.Errorf("deliveries with a bad state: exit %d: %s", r.code, r.stderr)
	}
	var one struct {
		Delivery parley.Delivery `json:"delivery"`
	}
	if r := runParley(t, "", "webhook", "delivery", "1", "1", "--db", dsn); json.Unmarshal([]byte(r.stdout), &one) != nil || !strings.Contains(one.Delivery.Payload, "webhook.ping") {
		t.Errorf("delivery: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "webhook", "replay", "1", "1", "--db", dsn); r.code != 0 {
		t.Errorf("replay: exit %d: %s", r.code, r.stderr)
	}
	if r := runParley(t, "", "webhook", "replay", "1", "9", "--db", dsn); r.code != exitFailure {
		t.Errorf("replay of no delivery: exit %d", r.code)
	}
	if r := runParley(t, "", "webhook", "rotate-secret", "1", "--db", dsn); r.code != 0 || !strings.HasPrefix(r.stdout, "whsec_") || strings.TrimSpace(r.stdout) == secret {
		t.Errorf("rotate-secret: exit %d: %s", r.code, r.stdout)
	}
	if r := runParley(t, "", "webhook", "delete", "1", "--db", dsn); r.code != 0 {
		t.Errorf("delete: exit %d: %s", r.code, r.stderr)
	}
	if r := runParley(t, "", "webhook", "delete", "x", "--db", dsn); r.code != exitUsage {
		t.Errorf("delete x: exit %d, want a usage error", r.code)
	}
}

// TestReportViews prints the sources and actions views as the API gives
// them: the same rows, and each source's conversations listed by
// `parley conversations --source`.
func TestReportViews(t *testing.T) {
	t.Parallel()
	dsn := evaluatedDB(t)
	r := runParley(t, "", "report", "--db", dsn, "--view", "sources", "--format", "json", "--range", "last_4_weeks")
	var u struct {
		Rows []struct {
			Key           string `json:"key"`
			Conversations int64  `json:"conversations"`
		} `json:"rows"`
		From, To string
	}
	if err := json.Unmarshal([]byte(r.stdout), &u); err != nil || len(u.Rows) == 0 {
		t.Fatalf("sources: exit %d: %v %s", r.code, err, r.stderr)
	}
	list := runParley(t, "", "conversations", "--db", dsn, "--source", u.Rows[0].Key, "--from", u.From, "--to", u.To, "--format", "json")
	if n := int64(strings.Count(list.stdout, "\n")); list.code != 0 || n != u.Rows[0].Conversations {
		t.Errorf("source %s: %d conversations in the view, %d listed (%s)", u.Rows[0].Key, u.Rows[0].Conversations, n, list.stderr)
	}
	text := runParley(t, "", "report", "--db", dsn, "--view", "actions", "--range", "last_4_weeks", "--sort", "failure_rate")
	if text.code != 0 || !strings.Contains(text.stdout, "FAILURE") {
		t.Errorf("actions: exit %d: %s %s", text.code, text.stdout, text.stderr)
	}
	if bad := runParley(t, "", "report", "--db", dsn, "--view", "pages"); bad.code != exitUsage {
		t.Errorf("--view pages: exit %d", bad.code)
	}
	if bad := runParley(t, "", "report", "--db", dsn, "--view", "sources", "--sort", "size"); bad.code != exitFailure || !strings.Contains(bad.stderr, "sort") {
		t.Errorf("--sort size: exit %d: %s", bad.code, bad.stderr)
	}
}
