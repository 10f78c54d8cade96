// Package testio holds what tests of several packages need to read what
// the code under test writes from goroutines of its own.
package testio

import (
	"bytes"
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
