// Package lease decides which of the instances sharing one PostgreSQL
// database runs the engine: polling Telegram, the outbox, deadlines,
// cadence and the witness, everything that must happen once. The instance
// that holds the engine lease leads; the others stand by and take over
// when the lease lapses, under the next fencing number (epoch). Every
// write the leader makes checks that number (storage.DB.SetFence), and
// every request it makes to Telegram checks that its lease has not run
// out on its own clock (Transport), so a leader that was paused or cut off
// records and sends nothing once a successor may have taken over.
//
// On a bbolt file, which one process holds, the process always leads.
package lease

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"dutybot/storage"
)

// Role is what an instance does now.
type Role string

// The roles an instance can have.
const (
	Leader  Role = "leader"  // runs the engine
	Standby Role = "standby" // serves the API and the board; takes over when the leader's lease lapses
	Paused  Role = "paused"  // cannot reach the database: neither leads nor can take over
)

// ErrNotLeader is returned by Transport for a request made while this
// instance does not hold the lease.
var ErrNotLeader = errors.New("this instance does not hold the engine lease")

// Timing derives the lease's periods from ha.takeover: the lease lasts two
// thirds of it, the leader renews four times per lease, a standby looks
// every sixth, and the leader stops trusting its lease a fifth of the
// lease before the database would let it lapse.
type Timing struct {
	TTL, Renew, Poll, Margin time.Duration
}

// TimingFor returns the periods for a takeover time.
func TimingFor(takeover time.Duration) Timing {
	ttl := takeover * 2 / 3
	return Timing{TTL: ttl, Renew: ttl / 4, Poll: max(takeover/6, 100*time.Millisecond), Margin: ttl / 5}
}

// Status is an instance's view of the lease, for /healthz.
type Status struct {
	Role   Role      `json:"role"`
	Epoch  uint64    `json:"epoch,omitempty"`
	Holder string    `json:"holder,omitempty"` // the instance that leads, as last seen
	Since  time.Time `json:"since,omitzero"`   // in this role
	// DatabaseDownSince is set while the database does not answer.
	DatabaseDownSince time.Time `json:"database_down_since,omitzero"`
	Takeovers         int       `json:"takeovers"`
}

// Elector holds or waits for the engine lease.
type Elector struct {
	db     *storage.DB
	id     string
	timing Timing
	log    *slog.Logger

	// OnTakeover, if set, is called each time this instance starts to
	// lead a shared database (metrics count takeovers).
	OnTakeover func()
	// OnRecovered, if set, is called once this instance leads again after
	// the database did not answer for down (the admins are told).
	OnRecovered func(down time.Duration, since time.Time)

	mu         sync.Mutex
	st         Status
	validUntil time.Time // monotonic: the leader's own end of its lease
	cancel     context.CancelFunc
	done       chan struct{}
	downFor    time.Duration // the last outage, reported once leading
	downSince  time.Time
}

// New returns an elector for id, one instance among those sharing db.
func New(db *storage.DB, id string, takeover time.Duration, log *slog.Logger) *Elector {
	if log == nil {
		log = slog.Default()
	}
	return &Elector{db: db, id: id, timing: TimingFor(takeover), log: log,
		st: Status{Role: Standby, Since: time.Now()}}
}

// ID names this instance in the lease.
func (e *Elector) ID() string { return e.id }

// Held reports whether this instance may act as the engine now: it leads
// and its lease has not run out on its own clock. A single bbolt file is
// always held.
func (e *Elector) Held() bool {
	if !e.db.Shared() {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Role == Leader && time.Now().Before(e.validUntil)
}

// Status returns the instance's role and what it knows of the lease.
func (e *Elector) Status() Status {
	if !e.db.Shared() {
		return Status{Role: Leader, Epoch: 1}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

// Run leads or stands by until ctx ends, running lead while this instance
// holds the lease and cancelling its context the moment it may not. lead
// may run many times, one after another. An error lead returns of itself
// ends Run with it, after the lease is let go, so another instance takes
// over at once.
func (e *Elector) Run(ctx context.Context, lead func(context.Context) error) error {
	if !e.db.Shared() {
		return lead(ctx)
	}
	errc := make(chan error, 1)
	// The watchdog stops the engine when the lease runs out on this
	// instance's clock, even while a renewal hangs on the database.
	wctx, stopWatchdog := context.WithCancel(ctx)
	defer stopWatchdog()
	go func() {
		t := time.NewTicker(min(e.timing.Margin/2, 250*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-wctx.Done():
				return
			case <-t.C:
				if e.expired() {
					e.demote("the lease ran out before it could be renewed")
				}
			}
		}
	}()
	next := time.NewTimer(0)
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			e.demote("stopping")
			e.wait()
			e.release()
			return nil
		case err := <-errc:
			e.demote("the engine stopped: " + err.Error())
			e.wait()
			e.release()
			return err
		case <-next.C:
		}
		next.Reset(e.claim(ctx, lead, errc))
	}
}

// claim takes or renews the lease once and returns when to look again.
func (e *Elector) claim(ctx context.Context, lead func(context.Context) error, errc chan<- error) time.Duration {
	e.mu.Lock()
	leading, epoch := e.st.Role == Leader, e.st.Epoch
	e.mu.Unlock()
	start := time.Now()
	l, held, err := e.db.ClaimLease(e.id, epoch, e.timing.TTL)
	if err != nil {
		e.mu.Lock()
		if e.st.DatabaseDownSince.IsZero() {
			e.st.DatabaseDownSince = time.Now()
			e.log.Error("the database does not answer: the engine pauses until it does", "role", e.st.Role, "err", err)
		}
		if e.st.Role == Standby {
			e.st.Role, e.st.Since = Paused, time.Now()
		}
		e.mu.Unlock()
		if e.expired() {
			e.demote("the database does not answer")
		}
		return e.timing.Poll
	}
	e.mu.Lock()
	if !e.st.DatabaseDownSince.IsZero() {
		e.downSince = e.st.DatabaseDownSince
		e.downFor = time.Since(e.st.DatabaseDownSince)
		e.log.Info("the database answers again", "down_for", e.downFor.Round(time.Millisecond).String())
		e.st.DatabaseDownSince = time.Time{}
	}
	e.st.Holder = l.Holder
	if !held {
		if e.st.Role == Paused {
			e.st.Role, e.st.Since = Standby, time.Now()
		}
		e.mu.Unlock()
		if leading {
			e.demote("another instance holds the lease (" + l.Holder + ")")
		}
		return e.timing.Poll
	}
	valid := start.Add(e.timing.TTL - e.timing.Margin)
	if e.st.Role == Leader && l.Epoch == e.st.Epoch {
		e.validUntil = valid
		e.mu.Unlock()
		e.reportRecovery()
		return e.timing.Renew
	}
	if e.st.Role == Leader {
		// The lease lapsed before this renewal (the process was paused,
		// say) and this instance took it again under a new epoch: another
		// may have led in between. The engine of the old epoch stops
		// before one of the new starts.
		e.mu.Unlock()
		e.demote("the lease lapsed; taking it again under a new epoch")
		e.mu.Lock()
	}
	e.validUntil = valid
	// Taking over: fence every write by the new epoch before anything of
	// the engine runs.
	e.db.SetFence(l.Epoch)
	if l.Epoch != epoch {
		e.st.Takeovers++
	}
	e.st.Role, e.st.Epoch, e.st.Since = Leader, l.Epoch, time.Now()
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	e.cancel, e.done = cancel, done
	e.mu.Unlock()
	e.log.Info("took the engine lease: this instance runs the engine", "epoch", l.Epoch, "instance", e.id)
	if e.OnTakeover != nil && l.Epoch != epoch {
		e.OnTakeover()
	}
	go func() {
		defer close(done)
		err := lead(lctx)
		if err == nil && lctx.Err() == nil {
			err = errors.New("the engine stopped by itself")
		}
		if err != nil && lctx.Err() == nil {
			select {
			case errc <- err:
			default:
			}
		}
	}()
	e.reportRecovery()
	return e.timing.Renew
}

// reportRecovery tells, once, of an outage the database had before this
// instance led again.
func (e *Elector) reportRecovery() {
	e.mu.Lock()
	down, since := e.downFor, e.downSince
	e.downFor = 0
	e.mu.Unlock()
	if down > 0 && e.OnRecovered != nil {
		e.OnRecovered(down, since)
	}
}

func (e *Elector) expired() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Role == Leader && !time.Now().Before(e.validUntil)
}

// demote stops the engine, if it runs, and waits for it.
func (e *Elector) demote(why string) {
	e.mu.Lock()
	if e.st.Role != Leader {
		e.mu.Unlock()
		return
	}
	cancel, done := e.cancel, e.done
	role := Standby
	if !e.st.DatabaseDownSince.IsZero() {
		role = Paused
	}
	e.st.Role, e.st.Since = role, time.Now()
	e.validUntil = time.Time{}
	e.mu.Unlock()
	e.log.Warn("gave up the engine lease: the engine stops on this instance", "why", why)
	cancel()
	<-done
	// Every engine goroutine has returned: what this process writes now is
	// the API's, which any instance may write.
	e.db.SetFence(0)
}

// wait waits for the engine's last run to return.
func (e *Elector) wait() {
	e.mu.Lock()
	done := e.done
	e.mu.Unlock()
	if done != nil {
		<-done
	}
}

// release lets a lease this instance held lapse now, for a standby to
// take over at its next look.
func (e *Elector) release() {
	e.mu.Lock()
	epoch := e.st.Epoch
	e.mu.Unlock()
	if epoch == 0 {
		return
	}
	if err := e.db.ReleaseLease(e.id, epoch); err != nil {
		e.log.Warn("could not let go of the engine lease; a standby takes over when it lapses", "err", err)
	}
}

// Transport refuses every request while this instance does not hold the
// lease: a leader that was paused past its lease, and resumed, sends
// nothing to Telegram, not even a poll that would confirm updates its
// successor has yet to handle.
func (e *Elector) Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return fenced{rt: rt, e: e}
}

type fenced struct {
	rt http.RoundTripper
	e  *Elector
}

func (f fenced) RoundTrip(r *http.Request) (*http.Response, error) {
	if !f.e.Held() {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, ErrNotLeader
	}
	return f.rt.RoundTrip(r)
}
