package web_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/store/storetest"
)

// outage makes the database of a test unavailable to the server and then
// available again, for real: on PostgreSQL the server reaches it through a
// TCP proxy that is cut (connections dropped, new ones refused); on SQLite
// another connection holds the write lock, as another process would.
type outage struct {
	dsn        string
	start, end func()
	// readsGoOn: only writing is out (SQLite, whose readers go on beside
	// a writer); on PostgreSQL nothing gets through.
	readsGoOn bool
}

func newOutage(t *testing.T) *outage {
	t.Helper()
	if !storetest.Postgres() {
		dsn := storetest.DSN(t)
		lock := storetest.Raw(t, dsn)
		var (
			conn *sql.Conn
			err  error
		)
		o := &outage{dsn: dsn, readsGoOn: true}
		o.start = func() {
			if conn, err = lock.Conn(context.Background()); err == nil {
				_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
			}
			if err != nil {
				t.Fatalf("take the write lock: %v", err)
			}
		}
		o.end = func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
		}
		return o
	}
	real := storetest.PostgresSchema(t, storetest.PostgresURL())
	u, err := url.Parse(real)
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{target: u.Host}
	p.listen(t, "127.0.0.1:0")
	t.Cleanup(p.cut)
	u.Host = p.addr
	return &outage{dsn: u.String(), start: p.cut, end: func() { p.listen(t, p.addr) }}
}

// tcpProxy forwards connections to target until cut.
type tcpProxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func (p *tcpProxy) listen(t *testing.T, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseOutageIs503: while the database cannot be reached or
// written, requests are answered 503 with Retry-After (an error of the
// moment, for clients to retry later, not an internal one to retry at
// once) and /readyz says not ready; once it is back, all is as before.
func TestDatabaseOutageIs503(t *testing.T) {
	t.Parallel() // on SQLite a write waits the busy timeout, 10 s, before it fails
	ctx := context.Background()
	o := newOutage(t)
	db, err := store.Open(ctx, o.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ws, err := db.EnsureWorkspace(ctx, parley.DefaultWorkspace, now)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileServer{dsn: o.dsn, db: db, ingest: token(t, db, ws, now, parley.ScopeIngest), admin: session(t, db, ws, "admin@example.com", parley.RoleAdmin, now)}
	h.srv = serveAt(t, db, now)
	event := func(id string) string {
		return `{"id":"` + id + `","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-03-02T09:00:00Z","channel":"chat"}`
	}
	if status, body := h.do(t, "GET", "/readyz", "", "", anonymous); status != http.StatusOK {
		t.Fatalf("readyz before the outage: %d %s", status, body)
	}

	o.start()
	status, body := h.do(t, "GET", "/readyz", "", "", anonymous)
	if status != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage: %d %s, want 503", status, body)
	}
	code, header, reply := request(t, http.DefaultClient, newRequest(t, "POST", h.srv.URL+"/api/v1/events", strings.NewReader(event("e1")), "Authorization", "Bearer "+h.ingest))
	if code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" || !strings.Contains(string(reply), `"unavailable"`) {
		t.Errorf("events during the outage: %d, Retry-After %q, %s; want 503 with Retry-After", code, header.Get("Retry-After"), reply)
	}
	if !o.readsGoOn {
		req := newRequest(t, "GET", h.srv.URL+"/reports", nil)
		cookie(h.admin)(req)
		if code, header, _ := request(t, noRedirects, req); code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" {
			t.Errorf("a page during the outage: %d, Retry-After %q; want 503 with Retry-After", code, header.Get("Retry-After"))
		}
	}

	o.end()
	if status, body := h.do(t, "POST", "/api/v1/events", "application/x-ndjson", event("e2"), bearer(h.ingest)); status != http.StatusOK {
		t.Errorf("events after the outage: %d %s", status, body)
	}
	if status, body := h.do(t, "GET", "/readyz", "", "", anonymous); status != http.StatusOK {
		t.Errorf("readyz after the outage: %d %s", status, body)
	}
	if c, err := db.Count(ctx, ws.ID); err != nil || c.Events != 1 {
		t.Errorf("stored %+v (%v), want the one event sent after the outage", c, err)
	}
}
