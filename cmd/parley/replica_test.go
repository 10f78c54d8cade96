package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestServeWithReplica runs Parley against a real streaming standby
// (PARLEY_TEST_REPLICA): `parley report` and `parley conversations` read a
// standby directly; `parley serve --db STANDBY` starts without migrating,
// serves the read API to a token, refuses ingest with a 403 that says why,
// and /readyz says standby and read-only; `parley serve --read-db STANDBY`
// beside the primary says primary, with the replica's lag.
func TestServeWithReplica(t *testing.T) {
	if storetest.ReplicaURL() == "" {
		t.Skip("no streaming replica (PARLEY_TEST_REPLICA)")
	}
	dsn := evaluatedDB(t)
	secret := strings.TrimSpace(mustRun(t, "", "token", "create", "--db", dsn, "--name", "reports", "--scopes", "read,ingest"))
	replica := storetest.ReplicaDSN(t, dsn)

	for _, cmd := range [][]string{{"report", "--now", "2026-11-21T00:00:00Z"}, {"conversations", "--limit", "5"}} {
		primary := runParley(t, "", append(cmd, "--db", dsn)...)
		standby := runParley(t, "", append(cmd, "--db", replica)...)
		if standby.code != 0 || standby.stdout != primary.stdout {
			t.Errorf("parley %s on the standby: exit %d, %s\n%q\nwant\n%q", cmd[0], standby.code, standby.stderr, standby.stdout, primary.stdout)
		}
	}

	call := func(base, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/x-ndjson")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	ready := func(base string) map[string]any {
		code, body := call(base, "GET", "/readyz", "")
		var v map[string]any
		if code != 200 || json.Unmarshal([]byte(body), &v) != nil {
			t.Fatalf("/readyz: %d %s", code, body)
		}
		return v
	}

	standby, _ := serveWith(t, "serve", "--addr", "127.0.0.1:0", "--db", replica)
	if v := ready(standby); v["role"] != "standby" || v["read_only"] != true || v["replica"] == nil {
		t.Errorf("/readyz of a server on the standby: %v", v)
	}
	if code, body := call(standby, "GET", "/api/v1/conversations?limit=3", ""); code != 200 || !strings.Contains(body, `"conversations"`) {
		t.Errorf("the read API on the standby: %d %s", code, body)
	}
	event := `{"id":"new-1","type":"message","conversation_id":"new","occurred_at":"2026-11-20T10:00:00Z","author":"visitor","text":"hi"}`
	if code, body := call(standby, "POST", "/api/v1/events", event); code != http.StatusForbidden || !strings.Contains(body, "primary") {
		t.Errorf("ingest on the standby: %d %s, want 403 naming the primary", code, body)
	}

	both, _ := serveWith(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--read-db", replica)
	if v := ready(both); v["role"] != "primary" || v["read_only"] != false || v["replica"] == nil {
		t.Errorf("/readyz of a server with a replica: %v", v)
	}
	if code, body := call(both, "POST", "/api/v1/events", event); code != 200 {
		t.Errorf("ingest beside a replica: %d %s", code, body)
	}
	if code, _ := call(both, "GET", "/api/v1/reports/performance", ""); code != 200 {
		t.Errorf("a report from the replica: %d", code)
	}
}
