package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/clocktest"
	"github.com/parleyhq/parley/internal/web"
)

// TestSignInThrottlesWithoutLockingOut: an attacker hammering an email
// from one address waits longer and longer, while the person who owns it
// signs in from their own address at once, and a client cannot choose its
// address by sending X-Forwarded-For unless it is a trusted proxy.
func TestSignInThrottlesWithoutLockingOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ws := newWorkspace(t, now)
	if _, err := db.AddMember(ctx, ws.ID, "ana@example.com", "Ana", passwordHash, parley.RoleAdmin, now); err != nil {
		t.Fatal(err)
	}
	c := clocktest.New(now)
	proxies, err := web.ParseTrustedProxies("127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	behindProxy := serveWith(t, db, web.Options{Now: c.Now, TrustedProxies: proxies})
	direct := serveWith(t, db, web.Options{Now: c.Now})

	// signIn posts the form as if from addr (through the proxy, which
	// appends the address it saw) and returns the status and Retry-After.
	signIn := func(srv *httptest.Server, addr, password string) (int, string) {
		t.Helper()
		req := newRequest(t, "POST", srv.URL+"/signin", strings.NewReader(url.Values{"email": {"ana@example.com"}, "password": {password}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded")
		if addr != "" {
			req.Header.Set("X-Forwarded-For", addr)
		}
		code, h, _ := request(t, noRedirects, req)
		return code, h.Get("Retry-After")
	}
	const attacker, owner = "203.0.113.66", "198.51.100.7"
	for i := range 5 {
		if status, _ := signIn(behindProxy, attacker, "guess"); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i+1, status)
		}
	}
	status, retry := signIn(behindProxy, attacker, "guess")
	if status != http.StatusTooManyRequests || retry != "2" {
		t.Fatalf("sixth guess: status %d, Retry-After %q; want 429 and 2", status, retry)
	}
	if status, _ := signIn(behindProxy, owner, testPassword); status != http.StatusSeeOther {
		t.Fatalf("the owner from their own address while the attacker waits: status %d, want 303 (signed in)", status)
	}
	if status, _ := signIn(behindProxy, attacker, testPassword); status != http.StatusTooManyRequests {
		t.Errorf("the right password from the throttled address: status %d, want 429 before any check", status)
	}
	// The waits grow: 2 s, then 4 s, then 8 s.
	for _, want := range []string{"4", "8"} {
		c.Add(time.Minute)
		if status, _ := signIn(behindProxy, attacker, "guess"); status != http.StatusUnauthorized {
			t.Fatalf("after the wait: status %d, want 401", status)
		}
		if status, retry := signIn(behindProxy, attacker, "guess"); status != http.StatusTooManyRequests || retry != want {
			t.Fatalf("status %d, Retry-After %q; want 429 and %s", status, retry, want)
		}
	}
	// Straight to the server, the header is the client's own word: each
	// guess counts against the address it really comes from.
	for i := range 5 {
		if status, _ := signIn(direct, fmt.Sprintf("192.0.2.%d", i), "guess"); status != http.StatusUnauthorized {
			t.Fatalf("direct guess %d: status %d, want 401", i+1, status)
		}
	}
	if status, _ := signIn(direct, "192.0.2.99", "guess"); status != http.StatusTooManyRequests {
		t.Errorf("a sixth guess with a new X-Forwarded-For, trusting no proxy: status %d, want 429", status)
	}
}
