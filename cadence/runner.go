package cadence

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

// Rule is a named schedule the runner fires.
type Rule struct {
	Name     string
	Schedule *Schedule
}

// FireFunc acts on a rule's firing inside the transaction that records it,
// so a firing is acted on exactly once, across crashes and restarts.
type FireFunc func(tx *storage.Tx, rule string, at time.Time) error

// Runner fires rules on time, catching up a firing missed while the
// process was down if it is no older than Grace.
type Runner struct {
	db    *storage.DB
	clock clock.Clock
	rules []Rule
	fire  FireFunc
	grace time.Duration
	log   *slog.Logger
	after func()
}

// RunnerOptions tune a Runner.
type RunnerOptions struct {
	// Grace is how old a missed firing may be and still be sent (default
	// one hour).
	Grace time.Duration
	// AfterFire, if set, runs after a transaction that fired has committed.
	AfterFire func()
	Log       *slog.Logger
}

// NewRunner returns a runner for rules.
func NewRunner(db *storage.DB, clk clock.Clock, rules []Rule, fire FireFunc, opts RunnerOptions) *Runner {
	if opts.Grace <= 0 {
		opts.Grace = time.Hour
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Runner{db: db, clock: clk, rules: rules, fire: fire, grace: opts.Grace, log: opts.Log, after: opts.AfterFire}
}

// Run fires rules until ctx is cancelled.
func (r *Runner) Run(ctx context.Context) error {
	for {
		next, err := r.step()
		if err != nil {
			r.log.Error("cadence: fire", "err", err)
			next = r.clock.Now().Add(time.Second)
		}
		var c <-chan time.Time
		var t clock.Timer
		if !next.IsZero() {
			t = r.clock.NewTimer(next.Sub(r.clock.Now()))
			c = t.C()
		}
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return nil
		case <-c:
		}
	}
}

// step fires what is due and returns when to look again (zero: never).
func (r *Runner) step() (time.Time, error) {
	now := r.clock.Now()
	var next time.Time
	fired := false
	err := r.db.Update(func(tx *storage.Tx) error {
		next, fired = time.Time{}, false
		for _, rule := range r.rules {
			last, _ := tx.CadenceLast(rule.Name)
			at, fire := rule.Schedule.Due(last, now, r.grace)
			if !at.IsZero() {
				if fire {
					if err := r.fire(tx, rule.Name, at); err != nil {
						return fmt.Errorf("rule %s at %s: %w", rule.Name, at, err)
					}
					fired = true
				} else {
					r.log.Warn("cadence: missed firing is too old to send", "rule", rule.Name, "at", at, "grace", r.grace)
				}
				if err := tx.PutCadenceLast(rule.Name, at); err != nil {
					return err
				}
			}
			if n := rule.Schedule.Next(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
				next = n
			}
		}
		return nil
	})
	if err == nil && fired && r.after != nil {
		r.after()
	}
	return next, err
}
