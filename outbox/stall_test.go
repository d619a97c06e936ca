package outbox

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"dutybot/storage"
)

// A job the chat service keeps refusing (5xx, timeouts, 429) is reported
// stalled once it has been undelivered for its StallAfter since it was
// queued: once, while it goes on being retried, and not again when it is
// finally delivered or given up. Jobs without a StallAfter are never
// reported.
func TestStalledOnceWhileRetried(t *testing.T) {
	tests := []struct {
		name      string
		refusal   error
		end       string // "delivered" or "given up"
		stall     time.Duration
		wantStall bool
	}{
		{"5xx then delivered", errors.New("telegram: 502 Bad Gateway"), "delivered", 2 * time.Minute, true},
		{"timeouts then given up", context.DeadlineExceeded, "given up", 2 * time.Minute, true},
		{"429 then delivered", &RetryAfterError{After: 5 * time.Second}, "delivered", 2 * time.Minute, true},
		{"no StallAfter", errors.New("telegram: 500"), "delivered", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000, GiveUpAfter: 10 * time.Minute}, true)
			var refuse atomic.Bool
			refuse.Store(true)
			e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
				if refuse.Load() {
					return tc.refusal
				}
				return nil
			})
			j := e.job(1, "call")
			j.Ref.Kind, j.Priority, j.StallAfter = storage.RefCall, 4, tc.stall
			e.enqueue(j, e.job(2, "other"))
			e.start()

			// Refused for a minute: not stalled yet.
			e.drive("two refusals", time.Hour, func() bool { return len(e.sender.callsFor("call")) >= 2 })
			e.dom.Advance(time.Minute)
			n := len(e.sender.callsFor("call"))
			e.drive("another refusal", time.Hour, func() bool { return len(e.sender.callsFor("call")) > n })
			if s := e.hooks.stalled(); len(s) != 0 {
				t.Fatalf("stalled after a minute: %+v", s)
			}
			// Past StallAfter: stalled at the next refusal, once.
			e.dom.Advance(90 * time.Second)
			for range 3 {
				n := len(e.sender.callsFor("call"))
				e.drive("another refusal", time.Hour, func() bool { return len(e.sender.callsFor("call")) > n })
			}
			switch tc.end {
			case "delivered":
				refuse.Store(false)
				e.drive("delivery", time.Hour, func() bool { return len(e.hooks.deliveredText("call")) == 1 })
			case "given up":
				e.dom.Advance(10 * time.Minute)
				e.drive("giving up", time.Hour, func() bool { return len(e.hooks.failures()) == 1 })
			}
			e.stop()

			s := e.hooks.stalled()
			if !tc.wantStall {
				if len(s) != 0 {
					t.Errorf("a job without StallAfter reported stalled: %+v", s)
				}
				return
			}
			if len(s) != 1 {
				t.Fatalf("reported stalled %d times, want once: %+v", len(s), s)
			}
			if s[0].Job.Text != "call" || !s[0].Since.Equal(t0) || !s[0].At.Equal(t0.Add(150*time.Second)) {
				t.Errorf("Stalled(%q, since %v, at %v), want call since %v at %v", s[0].Job.Text, s[0].Since, s[0].At, t0, t0.Add(150*time.Second))
			}
			if f := e.hooks.failures(); tc.end == "given up" && (len(f) != 1 || f[0].Unreachable) {
				t.Errorf("failures %+v, want one, not unreachable", f)
			}
		})
	}
}

// A Stalled hook that fails is tried again at the next refusal.
func TestStalledRetriedAfterHookError(t *testing.T) {
	e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000}, true)
	e.hooks.stalledErrs = []error{errors.New("disk full")}
	e.sender.setOnCall(func(ctx context.Context, c sendCall) error { return errors.New("telegram: 503") })
	j := e.job(1, "call")
	j.StallAfter = time.Minute
	e.enqueue(j)
	e.dom.Advance(2 * time.Minute)
	e.start()
	e.drive("stalled", time.Hour, func() bool { return len(e.hooks.stalled()) == 1 })
	n := e.sender.count()
	e.drive("more refusals", time.Hour, func() bool { return e.sender.count() > n+2 })
	e.stop()
	if s := e.hooks.stalled(); len(s) != 1 {
		t.Errorf("reported stalled %d times, want once", len(s))
	}
}
