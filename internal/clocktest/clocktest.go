// Package clocktest is the frozen clock of the tests: time stands still
// until the test moves it, so that nothing a test checks depends on how
// long the machine took.
package clocktest

import (
	"sync"
	"time"
)

// A Clock stands at one instant until Set or Add moves it. Its Now is the
// clock to inject (Options{Now: c.Now}); it is safe to read from the
// goroutines of the code under test while the test moves it. The zero
// Clock stands at the zero time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the instant the clock stands at.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, forward or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
