package noise

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/clock"
	"dutybot/storage"
)

// settleTimeout bounds, in wall time, how long the app may take to finish
// what one step of simulated time started.
const settleTimeout = 30 * time.Second

// driver moves the fake clock from event to event and waits, after each
// move, until the app is at rest again.
type driver struct {
	app *app.App
	clk *clock.Fake
	srv *fakeapi.Server
	rec *recorder
	log *slog.Logger
	// base is how many timers the app holds at rest with no escalation
	// deadline stored: one per service that sleeps until its next time.
	base  int
	jumps int
}

// state is what the driver watches to tell that the app is at rest.
type state struct {
	timers       int
	next         time.Time // the earliest timer
	queued       int
	deadlines    int
	nextDeadline time.Time
	events       uint64
	version      uint64 // the fake Telegram's changes
	delivered    int
}

func (d *driver) look() (state, error) {
	s := state{timers: d.clk.Timers(), version: d.srv.Version(), delivered: d.rec.count()}
	s.next, _ = d.clk.Next()
	err := d.app.DB.View(func(tx *storage.Tx) error {
		s.queued, s.deadlines, s.events = tx.QueueLen(), tx.DeadlineCount(), tx.EventCount()
		s.nextDeadline, _ = tx.NextDeadline()
		return nil
	})
	return s, err
}

// atRest tells whether every service sleeps on its timer: the queue is
// empty, each service holds its one timer (and the deadline runner one
// more while deadlines are stored), and no stored deadline lies before the
// earliest timer, so a jump to that timer cannot pass over one.
func (s state) atRest(base int) bool {
	return s.queued == 0 && s.timers == s.want(base) && (s.deadlines == 0 || !s.next.After(s.nextDeadline))
}

// want is how many timers the app holds at rest in this state.
func (s state) want(base int) int {
	if s.deadlines > 0 {
		return base + 1
	}
	return base
}

// settle waits until the app is at rest and has stayed so over a few
// polls. A service found holding a timer more than the baseline counted,
// steadily for a while, raises the baseline: it was still starting when
// the baseline was taken.
func (d *driver) settle(ctx context.Context) error {
	giveUp := time.Now().Add(settleTimeout)
	var last state
	changed := time.Now()
	calm, polls := 0, 0
	for {
		if time.Now().After(giveUp) {
			s, _ := d.look()
			return fmt.Errorf("the app did not come to rest by %s of simulated time (%d timers expected at rest): %+v",
				d.clk.Now(), d.base, s)
		}
		if err := d.idle(ctx, giveUp); err != nil {
			return err
		}
		if d.clk.Timers() < d.base {
			// A service is at work: looking into the database would
			// only take the processor from it.
			last, changed, calm = state{}, time.Now(), 0
			d.pause(polls)
			polls++
			continue
		}
		s, err := d.look()
		if err != nil {
			return fmt.Errorf("read the app's state: %w", err)
		}
		if s != last {
			last, changed, calm = s, time.Now(), 0
		} else if s.atRest(d.base) {
			if calm++; calm >= 2 {
				return nil
			}
		} else if extra := s.timers - s.want(d.base); extra > 0 && s.queued == 0 && time.Since(changed) > steady {
			d.base += extra
			d.log.Debug("noise: a service armed its timer after start-up; the baseline of timers goes up", "timers", d.base)
		}
		d.pause(polls)
		polls++
	}
}

// pause lets the app's goroutines run before the next look: at first by
// yielding the processor (a sleep lasts a millisecond, and most steps
// settle within microseconds), then, for a step that keeps the app busy,
// by sleeping so as not to take a processor from it.
func (d *driver) pause(polls int) {
	if polls < 16 {
		for range 4 {
			runtime.Gosched()
		}
		return
	}
	time.Sleep(100 * time.Microsecond)
}

// steady is how long a state must last to be taken for the app's rest
// when the timers do not tell.
const steady = 200 * time.Millisecond

// idle waits until the outbox has nothing queued or in flight.
func (d *driver) idle(ctx context.Context, giveUp time.Time) error {
	t := time.NewTimer(time.Until(giveUp))
	defer t.Stop()
	select {
	case <-d.app.Dispatcher.Idle():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("the outbox did not drain by %s of simulated time", d.clk.Now())
	}
}

// baseline waits until the freshly started app has armed its timers and
// sent what it sends on start, and records how many timers it holds.
func (d *driver) baseline(ctx context.Context) error {
	giveUp := time.Now().Add(settleTimeout)
	var last state
	changed := time.Now()
	for {
		if err := d.idle(ctx, giveUp); err != nil {
			return err
		}
		s, err := d.look()
		if err != nil {
			return fmt.Errorf("read the app's state: %w", err)
		}
		if s.deadlines > 0 {
			return fmt.Errorf("the app started with %d escalation deadlines stored; a simulation starts empty", s.deadlines)
		}
		if s != last || s.queued > 0 {
			last, changed = s, time.Now()
		} else if time.Since(changed) > steady {
			d.base = s.timers
			return nil
		}
		if time.Now().After(giveUp) {
			return fmt.Errorf("the app did not settle after start-up: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
}

// advanceTo moves the fake clock to t, firing the timers due by then.
func (d *driver) advanceTo(t time.Time) {
	if dt := t.Sub(d.clk.Now()); dt > 0 {
		d.clk.Advance(dt)
		d.jumps++
	}
}
