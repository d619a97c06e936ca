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

// PrepareFunc builds the messages a rule's firing sends. It runs outside
// any transaction (it may read the database); the runner then queues the
// messages in the transaction that records the firing, so a firing is sent
// exactly once, across crashes and restarts.
type PrepareFunc func(rule string, at time.Time) ([]storage.Job, error)

// Runner fires rules on time, catching up a firing missed while the
// process was down if it is no older than Grace.
type Runner struct {
	db    *storage.DB
	clock clock.Clock
	rules []Rule
	fire  PrepareFunc
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
func NewRunner(db *storage.DB, clk clock.Clock, rules []Rule, fire PrepareFunc, opts RunnerOptions) *Runner {
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
	defer func() {
		if fired && r.after != nil {
			r.after()
		}
	}()
	for _, rule := range r.rules {
		if n := rule.Schedule.Next(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
		var last time.Time
		if err := r.db.View(func(tx *storage.Tx) error {
			last, _ = Last(tx, rule.Name)
			return nil
		}); err != nil {
			return next, err
		}
		at, fire := rule.Schedule.Due(last, now, r.grace)
		if at.IsZero() {
			continue
		}
		var jobs []storage.Job
		if fire {
			var err error
			if jobs, err = r.fire(rule.Name, at); err != nil {
				return next, fmt.Errorf("rule %s at %s: %w", rule.Name, at, err)
			}
		} else {
			r.log.Warn("cadence: missed firing is too old to send", "rule", rule.Name, "at", at, "grace", r.grace)
		}
		err := r.db.Update(func(tx *storage.Tx) error {
			if cur, _ := Last(tx, rule.Name); !cur.Equal(last) {
				jobs = nil // someone recorded it meanwhile: never twice
				return nil
			}
			for _, j := range jobs {
				if _, err := tx.Enqueue(j); err != nil {
					return err
				}
			}
			if fire {
				if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvTaskReminder, Actor: "system",
					Detail: fmt.Sprintf("%s at %s: %d messages", rule.Name, at.Format(time.RFC3339), len(jobs)),
					Code:   storage.CodeTaskReminder, Args: []storage.Arg{storage.Text("Rule", rule.Name), storage.Int("Count", len(jobs))}}); err != nil {
					return err
				}
			}
			return PutLast(tx, rule.Name, at)
		})
		if err != nil {
			return next, err
		}
		fired = fired || len(jobs) > 0
	}
	return next, nil
}
