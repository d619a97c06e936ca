package phone

import (
	"context"
	"sync"
	"time"

	"dutybot/clock"
)

// pacer spaces requests so that no more than perSecond go out a second
// (a provider's QPS), on the service's clock.
type pacer struct {
	clock clock.Clock
	every time.Duration // 0: no pacing
	mu    sync.Mutex
	next  time.Time
}

func newPacer(clk clock.Clock, perSecond float64) *pacer {
	p := &pacer{clock: clk}
	if perSecond > 0 {
		p.every = time.Duration(float64(time.Second) / perSecond)
	}
	return p
}

// wait returns when the next request may go, or ctx's error.
func (p *pacer) wait(ctx context.Context) error {
	if p.every == 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.clock.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := p.clock.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
}
