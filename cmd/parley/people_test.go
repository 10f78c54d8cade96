package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestPeopleAndTokenCommands(t *testing.T) {
	dsn := migratedDB(t)
	t.Setenv("PARLEY_PASSWORD", "correct horse battery")
	if r := runParley(t, "", "user", "add", "--db", dsn, "--email", "Lead@Example.com", "--role", "admin"); r.code != 0 || !strings.Contains(r.stdout, "lead@example.com is admin") {
		t.Fatalf("user add: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runParley(t, "", "user", "add", "--db", dsn, "--email", "not-an-email"); r.code != exitFailure || !strings.Contains(r.stderr, "email") {
		t.Errorf("bad email: exit %d: %s", r.code, r.stderr)
	}
	if r := runParley(t, "", "user", "list", "--db", dsn); !strings.Contains(r.stdout, "lead@example.com") {
		t.Errorf("user list: %s", r.stdout)
	}
	tok := runParley(t, "", "token", "create", "--db", dsn, "--name", "agent", "--scopes", "ingest")
	secret := strings.TrimSpace(tok.stdout)
	if tok.code != 0 || !strings.HasPrefix(secret, "pk_") {
		t.Fatalf("token create: exit %d: %q %s", tok.code, tok.stdout, tok.stderr)
	}
	if r := runParley(t, "", "token", "list", "--db", dsn); strings.Contains(r.stdout, secret) || !strings.Contains(r.stdout, secret[:7]) {
		t.Errorf("token list shows %q", r.stdout)
	}
	if r := runParley(t, "", "token", "create", "--db", dsn, "--name", "x", "--scopes", "root"); r.code != exitFailure || !strings.Contains(r.stderr, "scopes") {
		t.Errorf("bad scope: exit %d: %s", r.code, r.stderr)
	}

	base, _ := serveWith(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	post := func(secret string) int {
		req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(`[{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-11-20T09:00:00Z","channel":"chat"}]`))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Errorf("events without a token: %d", code)
	}
	if code := post(secret); code != http.StatusOK {
		t.Errorf("events with the token: %d", code)
	}
	if r := runParley(t, "", "token", "revoke", "--db", dsn, "1"); r.code != 0 {
		t.Errorf("revoke: exit %d: %s", r.code, r.stderr)
	}
	if code := post(secret); code != http.StatusUnauthorized {
		t.Errorf("events with a revoked token: %d", code)
	}
	if r := runParley(t, "", "workspace", "create", "--db", dsn, "acme"); r.code != 0 {
		t.Errorf("workspace create: exit %d: %s", r.code, r.stderr)
	}
	if r := runParley(t, "", "workspace", "list", "--db", dsn); !strings.Contains(r.stdout, "acme") || !strings.Contains(r.stdout, "default") {
		t.Errorf("workspace list: %s", r.stdout)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	dsn := "sqlite:" + t.TempDir() + "/demo.db"
	password := regexp.MustCompile(`sign in as demo@example.com with password (\S+)`)
	tokenCmd := regexp.MustCompile(`\n  (parley token create .*)\n`)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn := func(t *testing.T, base, pw string) *http.Cookie {
		t.Helper()
		res, err := noRedirect.PostForm(base+"/signin", url.Values{"email": {"demo@example.com"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
			t.Fatalf("signing in with the printed password: %d", res.StatusCode)
		}
		return res.Cookies()[0]
	}
	get := func(t *testing.T, u string, c *http.Cookie) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		req.AddCookie(c)
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	var first string
	var session *http.Cookie
	t.Run("first start", func(t *testing.T) {
		base, out := serveWith(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn, "--conversations", "300")
		m := password.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("demo printed no sign-in: %s", out.String())
		}
		first, session = m[1], signIn(t, base, m[1])
		// The default report, twelve weeks, has conversations in its
		// first week: the demo's data fills the range the page shows.
		code, body := get(t, base+"/api/v1/reports/performance", session)
		var rep struct {
			Series []struct{ Conversations int64 }
		}
		if err := json.Unmarshal(body, &rep); code != http.StatusOK || err != nil || len(rep.Series) != 12 {
			t.Fatalf("the demo's report: %d %v, %d weeks", code, err, len(rep.Series))
		}
		if rep.Series[0].Conversations == 0 {
			t.Error("the first week of the default range is empty")
		}
		// Its short answers were written part-way through, numbered as
		// the generated citations name them (a larger demo has
		// conversations answered with each; see the README).
		code, body = get(t, base+"/api/v1/gaps/fixes", session)
		var fixes struct {
			Fixes []struct {
				ShortAnswerID int64 `json:"short_answer_id"`
			}
		}
		if err := json.Unmarshal(body, &fixes); code != http.StatusOK || err != nil || len(fixes.Fixes) == 0 {
			t.Fatalf("the demo's fixes: %d %v, %s", code, err, body)
		}
		if strings.Contains(out.String(), "as the generated citations say") {
			t.Errorf("a short answer is not the one the citations name: %s", out.String())
		}
		// The token command it prints works on the demo's database.
		c := tokenCmd.FindStringSubmatch(out.String())
		if c == nil || !strings.Contains(c[1], "--db "+dsn) {
			t.Fatalf("demo printed no token command for %s: %s", dsn, out.String())
		}
		r := runParley(t, "", "token", "create", "--db", dsn, "--name", "agent platform", "--scopes", "ingest")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "pk_") {
			t.Fatalf("token create: %d %s %s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("restart keeps the password and the sessions", func(t *testing.T) {
		base, out := serveWith(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
		if m := password.FindStringSubmatch(out.String()); m == nil || m[1] != first {
			t.Errorf("after a restart the demo prints %q, want the same password %q", m, first)
		}
		if code, _ := get(t, base+"/reports", session); code != http.StatusOK {
			t.Errorf("after a restart the demo admin is signed out: %d", code)
		}
	})
	t.Run("new password", func(t *testing.T) {
		base, out := serveWith(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn, "--new-password")
		m := password.FindStringSubmatch(out.String())
		if m == nil || m[1] == first {
			t.Fatalf("--new-password printed %q, the first password was %q", m, first)
		}
		signIn(t, base, m[1])
		if code, _ := get(t, base+"/reports", session); code != http.StatusSeeOther {
			t.Errorf("the old session still works after --new-password: %d", code)
		}
	})
}

// TestEmptyListsAreArrays: a list command with nothing to list prints an
// empty JSON array, as the API does, not null.
func TestEmptyListsAreArrays(t *testing.T) {
	t.Parallel()
	dsn := migratedDB(t)
	mustRun(t, "", "migrate", "--db", dsn)
	for _, list := range [][]string{{"user", "list"}, {"source", "list"}} {
		if out := mustRun(t, "", append(list, "--db", dsn, "--format", "json")...); strings.TrimSpace(out) != "[]" {
			t.Errorf("parley %v --format json on an empty workspace: %q, want []", list, out)
		}
	}
}
