package health

import (
	"fmt"
	"sync"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

// Thresholds say how long a condition may last before the bot counts as
// unhealthy (config health.*).
type Thresholds struct {
	// OutboxStuck: the oldest queued message has waited this long and
	// nothing was delivered for as long.
	OutboxStuck time.Duration
	// DeadlineLate: a due deadline has not fired this long after its time.
	DeadlineLate time.Duration
	// TelegramSilent: the Bot API has not answered for this long.
	TelegramSilent time.Duration
	// ProbeEvery: at most one write probe per this interval, so frequent
	// health checks do not each cost a disk sync.
	ProbeEvery time.Duration
}

// Checker checks the conditions; it is safe for concurrent use.
type Checker struct {
	// Probe writes to the database to find out whether the disk takes
	// writes; the default stores the time in the meta bucket.
	Probe func(now time.Time) error

	db        *storage.DB
	clock     clock.Clock
	th        Thresholds
	telegram  *Contact
	delivered *Contact

	// Role, if set, tells the instance's part in a shared database:
	// "leader", "standby" or "paused", leading reports whether it runs the
	// engine, and down when the database stopped answering (zero while it
	// answers). Telegram and the outbox are the leader's: a standby is not
	// judged on them.
	Role func() (role string, leading bool, down time.Time)

	mu       sync.Mutex
	probedAt time.Time
	probeErr error
}

// NewChecker returns a checker of db. telegram tracks answers of the Bot
// API, delivered the outbox's deliveries; either may be nil (not checked).
func NewChecker(db *storage.DB, clk clock.Clock, th Thresholds, telegram, delivered *Contact) *Checker {
	c := &Checker{db: db, clock: clk, th: th, telegram: telegram, delivered: delivered}
	c.Probe = func(now time.Time) error {
		return db.Update(func(tx *storage.Tx) error { return tx.PutMeta("health_probe", now.UTC().Format(time.RFC3339Nano)) })
	}
	return c
}

// Report is the state /healthz answers with.
type Report struct {
	Outbox      int // messages queued
	Deadlines   int // deadlines pending
	Quarantined int // records in quarantine
	// Role is the instance's part: "leader" (always, on a bbolt file),
	// "standby" or "paused".
	Role string
	// Reasons lists what is wrong, in words; empty when healthy.
	Reasons []string
}

// OK reports whether nothing is wrong.
func (r Report) OK() bool { return len(r.Reasons) == 0 }

// Check looks at every condition now.
func (c *Checker) Check() Report {
	now := c.clock.Now()
	r := Report{Reasons: []string{}, Role: "leader"}
	add := func(format string, args ...any) { r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...)) }
	leading := true
	if c.Role != nil {
		var down time.Time
		r.Role, leading, down = c.Role()
		if !down.IsZero() {
			add("database unreachable for %s: the engine is paused until it answers", round(time.Since(down)))
		}
	}
	if err := c.probe(now); err != nil {
		add("storage refuses writes: %v", err)
	}
	err := c.db.View(func(tx *storage.Tx) error {
		r.Outbox, r.Deadlines, r.Quarantined = tx.QueueLen(), tx.DeadlineCount(), tx.QuarantineCount()
		if next, ok := tx.NextDeadline(); ok && now.Sub(next) > c.th.DeadlineLate {
			add("deadlines stuck: one due at %s has not fired for %s", next.UTC().Format(time.RFC3339), round(now.Sub(next)))
		}
		j, ok, err := tx.OldestJob()
		if !ok || !leading {
			return nil
		}
		quiet := time.Duration(-1)
		if c.delivered != nil {
			quiet = now.Sub(c.delivered.Last())
		}
		switch {
		case err != nil && quiet > c.th.OutboxStuck:
			add("outbox stuck: %d messages queued, the oldest does not decode (%v), none delivered for %s", r.Outbox, err, round(quiet))
		case err == nil && now.Sub(j.CreatedAt) > c.th.OutboxStuck && (quiet < 0 || quiet > c.th.OutboxStuck):
			what := "none delivered for " + round(quiet)
			if quiet < 0 {
				what = "deliveries not tracked"
			}
			add("outbox stuck: %d messages queued, the oldest for %s, %s", r.Outbox, round(now.Sub(j.CreatedAt)), what)
		}
		return nil
	})
	if err != nil {
		add("storage cannot be read: %v", err)
	}
	if r.Quarantined > 0 {
		add("records in quarantine: %d; see dutybot quarantine list", r.Quarantined)
	}
	if c.telegram != nil && leading {
		if quiet := now.Sub(c.telegram.Last()); quiet > c.th.TelegramSilent {
			add("Telegram unreachable: no answer from the Bot API for %s", round(quiet))
		}
	}
	return r
}

// probe runs the write probe at most once per ProbeEvery and remembers
// its result meanwhile.
func (c *Checker) probe(now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if since := now.Sub(c.probedAt); !c.probedAt.IsZero() && since >= 0 && since < c.th.ProbeEvery {
		return c.probeErr
	}
	c.probedAt, c.probeErr = now, c.Probe(now)
	return c.probeErr
}

func round(d time.Duration) string { return d.Round(time.Second).String() }
