// Package scheduler fires time-based work: durable deadlines (escalation
// steps) that survive restarts, measured against an injectable clock.
package scheduler

import (
	"context"
	"log/slog"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

// FireFunc acts on deadlines that are due, inside the transaction that
// removes them, so a deadline is acted on exactly once even across crashes.
// It should return an error only when the transaction must be rolled back.
type FireFunc func(tx *storage.Tx, due []storage.Deadline, now time.Time) error

// Deadlines runs the durable deadlines kept in storage: each fires when the
// clock reaches it, or at once if it passed while the process was down.
type Deadlines struct {
	db    *storage.DB
	clock clock.Clock
	fire  FireFunc
	wake  chan struct{}
	log   *slog.Logger
	batch int
	late  func(time.Duration)
	after func()
}

// Options tunes a Deadlines runner.
type Options struct {
	// Batch is how many due deadlines share one transaction (default 512).
	Batch int
	// Late, if set, observes how late each deadline fired.
	Late func(time.Duration)
	// AfterFire, if set, is called after a transaction that fired deadlines
	// has committed, so work it queued can be picked up.
	AfterFire func()
	Log       *slog.Logger
}

// NewDeadlines returns a runner that calls fire for due deadlines.
func NewDeadlines(db *storage.DB, clk clock.Clock, fire FireFunc, opts Options) *Deadlines {
	if opts.Batch <= 0 {
		opts.Batch = 512
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Deadlines{db: db, clock: clk, fire: fire, wake: make(chan struct{}, 1),
		log: opts.Log, batch: opts.Batch, late: opts.Late, after: opts.AfterFire}
}

// Wake tells the runner that an earlier deadline may have been added.
func (d *Deadlines) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run fires deadlines until ctx is cancelled.
func (d *Deadlines) Run(ctx context.Context) error {
	for {
		if err := d.fireDue(); err != nil {
			d.log.Error("fire deadlines", "err", err)
			if !d.sleep(ctx, time.Second) {
				return nil
			}
			continue
		}
		var next time.Time
		var ok bool
		if err := d.db.View(func(tx *storage.Tx) error {
			next, ok = tx.NextDeadline()
			return nil
		}); err != nil {
			return err
		}
		wait := time.Duration(-1)
		if ok {
			wait = next.Sub(d.clock.Now())
			if wait <= 0 {
				continue
			}
		}
		if !d.wait(ctx, wait) {
			return nil
		}
	}
}

// fireDue fires everything due now, a batch per transaction.
func (d *Deadlines) fireDue() error {
	for {
		now := d.clock.Now()
		var due []storage.Deadline
		err := d.db.Update(func(tx *storage.Tx) error {
			due = tx.DueDeadlines(now, d.batch)
			if len(due) == 0 {
				return nil
			}
			for _, dl := range due {
				if err := tx.DeleteDeadline(dl); err != nil {
					return err
				}
			}
			return d.fire(tx, due, now)
		})
		if err != nil {
			return err
		}
		if d.after != nil && len(due) > 0 {
			d.after()
		}
		if d.late != nil && len(due) > 0 {
			done := d.clock.Now()
			for _, dl := range due {
				d.late(done.Sub(dl.At))
			}
		}
		if len(due) < d.batch {
			return nil
		}
	}
}

// wait sleeps until the timer, a wake-up or cancellation; wait < 0 means no
// timer. It reports false when ctx is done.
func (d *Deadlines) wait(ctx context.Context, wait time.Duration) bool {
	var c <-chan time.Time
	if wait >= 0 {
		t := d.clock.NewTimer(wait)
		defer t.Stop()
		c = t.C()
	}
	select {
	case <-ctx.Done():
		return false
	case <-d.wake:
	case <-c:
	}
	return true
}

func (d *Deadlines) sleep(ctx context.Context, dur time.Duration) bool {
	t := d.clock.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
