// Package scheduler fires time-based work: durable deadlines (escalation
// steps) that survive restarts, measured against an injectable clock.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

// FireFunc acts on deadlines that are due, inside the transaction that
// removes them, so a deadline is acted on exactly once even across crashes.
// It should return an error only when the transaction must be rolled back:
// the runner then fires the batch again one deadline per transaction, and
// puts a deadline that fails alone into quarantine (with the record a
// storage.CorruptError names), so one bad record cannot stop the others.
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
	quar  func(bucket string)
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
	// Quarantined, if set, is called for each record put into quarantine
	// (a deadline that could not be fired, a record its error named), with
	// the bucket it came from, once that has committed.
	Quarantined func(bucket string)
	Log         *slog.Logger
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
		log: opts.Log, batch: opts.Batch, late: opts.Late, after: opts.AfterFire, quar: opts.Quarantined}
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
			// The database went away (a restart of the shared server):
			// look again, as after a failed firing; the lease decides
			// whether this instance still runs the engine.
			d.log.Error("read the next deadline", "err", err)
			if !d.sleep(ctx, time.Second) {
				return nil
			}
			continue
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

// fireDue fires everything due now, a batch per transaction. When the
// fire function fails a batch, the batch is fired again one deadline per
// transaction, and a deadline that fails alone is quarantined: one bad
// record must not hold up every other reminder and escalation. An error
// of the storage itself (the commit failed) is returned, to be retried.
func (d *Deadlines) fireDue() error {
	for {
		due, fireErr, err := d.fireBatch(d.batch)
		if fireErr != nil {
			d.log.Warn("a batch of deadlines failed; firing them one by one", "count", len(due), "err", fireErr)
			if err := d.fireSingly(len(due)); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if len(due) < d.batch {
			return nil
		}
	}
}

// fireBatch fires up to limit due deadlines in one transaction. fireErr is
// the fire function's error (the transaction rolled back); err is any error.
func (d *Deadlines) fireBatch(limit int) (due []storage.Deadline, fireErr, err error) {
	now := d.clock.Now()
	err = d.db.Update(func(tx *storage.Tx) error {
		due = tx.DueDeadlines(now, limit)
		if len(due) == 0 {
			return nil
		}
		for _, dl := range due {
			if err := tx.DeleteDeadline(dl); err != nil {
				return err
			}
		}
		fireErr = d.fire(tx, due, now)
		return fireErr
	})
	if err != nil || len(due) == 0 {
		return due, fireErr, err
	}
	if d.after != nil {
		d.after()
	}
	if d.late != nil {
		done := d.clock.Now()
		for _, dl := range due {
			d.late(done.Sub(dl.At))
		}
	}
	return due, nil, nil
}

// fireSingly fires up to n due deadlines, one per transaction, and puts
// each that fails into quarantine.
func (d *Deadlines) fireSingly(n int) error {
	for range n {
		due, fireErr, err := d.fireBatch(1)
		switch {
		case fireErr != nil:
			if err := d.quarantine(due[0], fireErr); err != nil {
				return err
			}
		case err != nil:
			return err
		case len(due) == 0:
			return nil
		}
	}
	return nil
}

// quarantine removes a deadline that cannot be fired, keeps its payload
// in the quarantine bucket with the reason, and moves aside the record its
// error names as not decoding, so whatever else reads that record goes on.
func (d *Deadlines) quarantine(dl storage.Deadline, fireErr error) error {
	now := d.clock.Now()
	var buckets []string
	err := d.db.Update(func(tx *storage.Tx) error {
		buckets = buckets[:0]
		if err := tx.DeleteDeadline(dl); err != nil {
			return err
		}
		reason := fmt.Sprintf("due %s, firing failed: %v", dl.At.UTC().Format(time.RFC3339), fireErr)
		if err := tx.QuarantineRaw("deadlines", []byte(dl.Key), []byte(dl.Payload), reason, now); err != nil {
			return err
		}
		buckets = append(buckets, "deadlines")
		if ce, ok := storage.AsCorrupt(fireErr); ok {
			moved, err := tx.Quarantine(ce.Bucket, ce.Key, "does not decode: "+ce.Err.Error(), now)
			if err != nil {
				return err
			}
			if moved {
				buckets = append(buckets, ce.Bucket)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("quarantine deadline %s: %w", dl.Key, err)
	}
	d.log.Error("a deadline could not be fired and was put into quarantine; the others go on",
		"key", dl.Key, "due", dl.At, "err", fireErr, "quarantined", buckets)
	if d.quar != nil {
		for _, b := range buckets {
			d.quar(b)
		}
	}
	return nil
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
