package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/source/chatwoot"
)

func TestSourceCommands(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	r := runParley(t, "", "source", "create", "chatwoot", "--db", dsn, "--name", "Chatwoot, support site", "--format", "json")
	if r.code != 0 {
		t.Fatalf("source create: exit %d: %s", r.code, r.stderr)
	}
	var created struct {
		ID    int64  `json:"id"`
		Kind  string `json:"kind"`
		URL   string `json:"url"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created.Kind != "chatwoot" || created.ID == 0 ||
		created.URL != "/hooks/chatwoot/"+created.Token || !strings.HasPrefix(created.Token, "ps_") {
		t.Fatalf("source create printed %q (%v)", r.stdout, err)
	}
	o := runParley(t, "", "source", "create", "otlp", "--db", dsn, "--name", "Agent traces", "--base-url", "https://parley.example.com/")
	if o.code != 0 || !strings.HasPrefix(o.stdout, "OTEL_EXPORTER_OTLP_ENDPOINT=https://parley.example.com/otlp\nOTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer ps_") {
		t.Errorf("source create otlp: exit %d: %q %s", o.code, o.stdout, o.stderr)
	}
	for _, bad := range [][]string{
		{"source", "create", "zendesk", "--name", "z"},
		{"source", "create", "chatwoot"},
	} {
		if r := runParley(t, "", append(bad, "--db", dsn)...); r.code != exitFailure || !strings.Contains(r.stderr, map[bool]string{true: "kind", false: "name"}[bad[2] == "zendesk"]) {
			t.Errorf("%v: exit %d: %s", bad, r.code, r.stderr)
		}
	}
	if r := runParley(t, "", "source", "create", "--db", dsn, "--name", "n"); r.code != exitUsage {
		t.Errorf("create without a kind: exit %d", r.code)
	}

	// Chatwoot shows the webhook's secret once the webhook is saved.
	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte("wh_secret_81\n"), 0o600)
	id := strconv.FormatInt(created.ID, 10)
	if r := runParley(t, "", "source", "secret", id, "--db", dsn, "--signing-secret-file", secretFile); r.code != 0 || !strings.Contains(r.stdout, "signing secret set") {
		t.Fatalf("source secret: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "source", "secret", id, "--db", dsn); r.code != exitUsage {
		t.Errorf("source secret without a secret: exit %d", r.code)
	}
	l := runParley(t, "", "source", "list", "--db", dsn, "--format", "json")
	var listed []struct {
		ID     int64  `json:"id"`
		Signed bool   `json:"signed"`
		URL    string `json:"url"`
		Token  string `json:"token"`
	}
	if err := json.Unmarshal([]byte(l.stdout), &listed); err != nil || len(listed) != 2 || !listed[1].Signed || listed[1].URL != "" || listed[0].URL != "/otlp" ||
		strings.Contains(l.stdout, created.Token) {
		t.Errorf("source list: %s (%v)", l.stdout, err)
	}
	if l := runParley(t, "", "source", "list", "--db", dsn); !strings.Contains(l.stdout, created.Token[:7]+"…") || strings.Contains(l.stdout, created.Token) {
		t.Errorf("source list: %s", l.stdout)
	}

	// A server delivers to the URL, signed as Chatwoot signs, until the
	// source is deleted.
	base, _ := serveWith(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	body, err := os.ReadFile("../../internal/source/chatwoot/testdata/bot_answer_02_visitor_message.json")
	if err != nil {
		t.Fatal(err)
	}
	post := func() int {
		req, _ := http.NewRequest("POST", base+created.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(chatwoot.TimestampHeader, strconv.FormatInt(frozen.Unix(), 10))
		req.Header.Set(chatwoot.SignatureHeader, chatwoot.Sign("wh_secret_81", frozen.Unix(), body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := post(); st != http.StatusOK {
		t.Fatalf("a signed delivery: %d", st)
	}
	if r := runParley(t, "", "source", "delete", id, "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "revoked") {
		t.Fatalf("source delete: exit %d: %s", r.code, r.stderr)
	}
	if st := post(); st != http.StatusUnauthorized {
		t.Errorf("a delivery to a deleted source: %d", st)
	}
	if r := runParley(t, "", "source", "delete", id, "--db", dsn); r.code != exitFailure {
		t.Errorf("deleting twice: exit %d", r.code)
	}
}
