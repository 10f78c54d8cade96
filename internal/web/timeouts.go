package web

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/parleyhq/parley"
)

// Timeouts bound how long one client may hold a connection without making
// progress, so that slow or stalled clients cannot pile up connections
// until the server has none left. Zero means no limit.
//
// They are measured on the machine's clock, not the server's injected
// one: they are deadlines on sockets.
type Timeouts struct {
	// ReadHeader bounds reading a request's line and headers.
	ReadHeader time.Duration
	// ReadBody bounds reading a request's body, counted from the end of
	// its headers. A body still arriving then is answered 408.
	ReadBody time.Duration
	// Write bounds how long an answer may stall: a handler may take this
	// long before it writes, and the client this long to take each part
	// of the answer (a long CSV export goes on as long as it is read).
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request.
	Idle time.Duration
}

// DefaultTimeouts are the timeouts of `parley serve`: a 10 MiB batch of
// events at 200 KB/s still arrives within ReadBody.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, ReadBody: time.Minute, Write: time.Minute, Idle: 2 * time.Minute}
}

// HTTPServer returns an http.Server that serves s with its timeouts.
// ReadTimeout stays unset: it would bound the handler's time too, and
// cancel a long handler's context, where ReadBody bounds the body only.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opt.Timeouts.ReadHeader,
		WriteTimeout:      s.opt.Timeouts.Write,
		IdleTimeout:       s.opt.Timeouts.Idle,
	}
}

// deadlines puts the body and write timeouts on one request.
func (s *Server) deadlines(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	t := s.opt.Timeouts
	rc := http.NewResponseController(w)
	if t.ReadBody > 0 && r.Body != nil && r.Body != http.NoBody {
		// Errors mean the writer has no connection (a test recorder):
		// there is nothing to bound then.
		if rc.SetReadDeadline(time.Now().Add(t.ReadBody)) == nil {
			r.Body = &timedBody{ReadCloser: r.Body, rc: rc}
		}
	}
	if t.Write > 0 {
		w = &stallWriter{ResponseWriter: w, rc: rc, d: t.Write}
	}
	return w, r
}

// timedBody says so when a request body stops arriving before the read
// deadline (a 408 for the client, and no test of its own in each handler
// that reads a body), and lifts the deadline once the body is read:
// net/http keeps reading the connection while the handler runs, to learn
// whether the client went away, and a deadline met then would cancel the
// handler's context.
type timedBody struct {
	io.ReadCloser
	rc *http.ResponseController
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.rc.SetReadDeadline(time.Time{})
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		err = &parley.Error{Kind: parley.KindTimeout, Message: "body: not received in time", Err: err}
	}
	return n, err
}

// stallWriter moves the write deadline on as an answer is written, so
// that Timeouts.Write bounds a stall, not the length of an answer.
type stallWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	d    time.Duration
	next time.Time // when to move the deadline again
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.After(w.next) {
		w.rc.SetWriteDeadline(now.Add(w.d))
		w.next = now.Add(w.d / 4)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
