package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/web"
)

// timedServer serves h with short timeouts on a real connection.
func timedServer(t *testing.T, db *store.DB, tm web.Timeouts) *httptest.Server {
	t.Helper()
	h := web.New(db, web.Options{Now: func() time.Time { return now }, Logger: quiet, Timeouts: tm})
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = h.HTTPServer()
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestSlowBodyIsCutOff trickles a request body one byte a second: the
// server stops waiting at its body timeout, answers 408 and stores
// nothing; a client that never finishes its headers is disconnected.
func TestSlowBodyIsCutOff(t *testing.T) {
	db, ws := newWorkspace(t, now)
	secret := token(t, db, ws, now, parley.ScopeIngest)
	srv := timedServer(t, db, web.Timeouts{ReadHeader: 300 * time.Millisecond, ReadBody: 300 * time.Millisecond, Write: 10 * time.Second, Idle: time.Minute})
	addr := strings.TrimPrefix(srv.URL, "http://")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"id":"e1","type":"conversation.started","conversation_id":"c1","occurred_at":"2026-03-02T09:00:00Z","channel":"chat"}`
	fmt.Fprintf(conn, "POST /api/v1/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n", addr, secret, len(body))
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte a second, far slower than the timeout allows
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; i < len(body); i++ {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // a bound for a broken server, not a measurement
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	reply, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(reply), `"timeout"`) {
		t.Errorf("slow body: status %d %s, want 408 with code timeout", res.StatusCode, reply)
	}
	if c, err := db.Count(context.Background(), ws.ID); err != nil || c.Events != 0 {
		t.Errorf("a cut-off body stored %+v (%v)", c, err)
	}

	// Headers that never end.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "GET /healthz HTTP/1.1\r\nHost: %s\r\n", addr)
	slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, err := io.ReadAll(slow)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept a connection with unfinished headers open: %v", err)
	}
	if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 408")) {
		t.Errorf("unfinished headers answered %q", got)
	}
}
