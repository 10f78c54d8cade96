package loop_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/loop"
)

// TestRunTurns: a turn at once, then one after wakes — however many came
// during the turn before —, and Run returns once ctx ends. The interval
// is an hour, so no turn comes from it.
func TestRunTurns(t *testing.T) {
	l := loop.New()
	ctx, cancel := context.WithCancel(context.Background())
	turns := make(chan int)
	proceed := make(chan struct{})
	done := make(chan struct{})
	n := 0
	go func() {
		defer close(done)
		l.Run(ctx, time.Hour, func(context.Context) {
			n++
			turns <- n
			<-proceed
		})
	}()
	next := func(want int) {
		t.Helper()
		select {
		case got := <-turns:
			if got != want {
				t.Fatalf("turn %d, want %d", got, want)
			}
		case <-time.After(time.Minute): // only a broken loop gets here
			t.Fatalf("no turn %d", want)
		}
	}
	next(1)
	l.Wake()
	l.Wake()
	l.Wake()
	proceed <- struct{}{}
	next(2)
	proceed <- struct{}{}
	l.Wake()
	next(3)
	cancel()
	proceed <- struct{}{}
	<-done
	if n != 3 {
		t.Errorf("%d turns after the loop ended, want 3", n)
	}
}

// TestRunEveryInterval: without a wake, the next turn comes with the
// interval.
func TestRunEveryInterval(t *testing.T) {
	l := loop.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	turns := make(chan struct{}, 1)
	go l.Run(ctx, time.Millisecond, func(context.Context) {
		select {
		case turns <- struct{}{}:
		default:
		}
	})
	for i := range 3 {
		select {
		case <-turns:
		case <-time.After(time.Minute): // only a broken loop gets here
			t.Fatalf("turn %d never came", i+1)
		}
	}
}
