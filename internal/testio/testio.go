// Package testio holds the input and output that tests of several
// packages share with the code under test: a buffer it may write from
// goroutines of its own, and the event batch an agent's integration posts.
package testio

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// Buffer is a bytes.Buffer that the code under test may write from any
// goroutine while the test reads it: a server's log sink, or the output of
// a command run in-process. The zero Buffer is empty and ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// PostEvents posts body, event lines (NDJSON), to the POST /api/v1/events
// of the Parley at base with an ingest token, as an agent's integration
// sends them, and returns the answer's status and body. It leaves the
// verdict to the caller and fails no test, so that the goroutines of a
// test's many senders may call it. An error is the transport's: the
// status is 0 when no answer came, and set when the body was cut short
// after it (a server killed while answering had answered).
func PostEvents(cl *http.Client, base, token string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest("POST", base+"/api/v1/events", body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := cl.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}
