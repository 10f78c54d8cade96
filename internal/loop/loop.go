// Package loop runs the server's background work — evaluation, webhook
// deliveries — in turns: one at once, then one whenever something wakes
// it (new events, a delivery queued) and one every interval otherwise, so
// that work never waits for the interval when its cause is known, and
// work whose cause is not (a retry falling due) is still found.
package loop

import (
	"context"
	"time"
)

// Loop is one piece of background work's schedule. Make it with New.
type Loop struct {
	wake chan struct{}
}

// New returns a Loop that is not yet running.
func New() *Loop { return &Loop{wake: make(chan struct{}, 1)} }

// Wake asks for a turn now: at once if the loop is waiting, else right
// after the turn it is in. Wakes that come during one turn make one more.
// It never blocks.
func (l *Loop) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run calls turn at once, then after each Wake and every interval, until
// ctx ends. It starts no turn once ctx has ended; a turn in progress then
// is not interrupted here: turn decides what to do with ctx.
func (l *Loop) Run(ctx context.Context, interval time.Duration, turn func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		turn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-t.C:
		}
		if ctx.Err() != nil { // woken as it ended
			return
		}
	}
}
