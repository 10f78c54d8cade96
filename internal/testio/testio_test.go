package testio

import (
	"strings"
	"sync"
	"testing"
)

// TestBufferTakesWritesFromManyGoroutines: every write is kept whole while
// another goroutine reads (go test -race tells a Buffer without its lock).
func TestBufferTakesWritesFromManyGoroutines(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("line\n"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "line\n"); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
}
