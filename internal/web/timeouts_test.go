package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/store/storetest"
)

// TestWriteTimeoutBoundsAStall: an answer written in parts, each soon
// after the one before but all of them together taking longer than the
// write timeout, arrives whole; the timeout bounds a stall, not an
// answer, so long exports are not cut off.
func TestWriteTimeoutBoundsAStall(t *testing.T) {
	s := New(storetest.New(t), Options{Timeouts: Timeouts{ReadHeader: time.Second, ReadBody: time.Second, Write: 400 * time.Millisecond}})
	const parts = 6
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range parts {
			io.WriteString(w, strings.Repeat("x", 1000)+"\n")
			http.NewResponseController(w).Flush()
			time.Sleep(150 * time.Millisecond) // the work of the next part
		}
	})
	hs := s.HTTPServer()
	hs.Handler = s.guard(slow)
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = hs
	srv.Start()
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if n := strings.Count(string(body), "\n"); err != nil || n != parts {
		t.Errorf("got %d of %d parts (%v): the write timeout cut the answer off", n, parts, err)
	}
}
