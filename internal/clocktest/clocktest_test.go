package clocktest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/clocktest"
)

// TestClockStandsUntilMoved: the clock reads the same until Set or Add
// moves it, and may be read while another goroutine moves it (-race).
func TestClockStandsUntilMoved(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	c := clocktest.New(at)
	if got := c.Now(); !got.Equal(at) || !c.Now().Equal(got) {
		t.Fatalf("a new clock reads %s, want %s", got, at)
	}
	c.Add(90 * time.Minute)
	if got, want := c.Now(), at.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Add it reads %s, want %s", got, want)
	}
	c.Set(at)
	if got := c.Now(); !got.Equal(at) {
		t.Errorf("after Set it reads %s, want %s", got, at)
	}
	if got := new(clocktest.Clock).Now(); !got.IsZero() {
		t.Errorf("the zero clock reads %s", got)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 100 {
			c.Add(time.Second)
		}
	})
	for range 100 {
		c.Now()
	}
	wg.Wait()
	if got, want := c.Now(), at.Add(100*time.Second); !got.Equal(want) {
		t.Errorf("after 100 seconds added it reads %s, want %s", got, want)
	}
}
