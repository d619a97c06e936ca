package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"dutybot/clock"
	"dutybot/metrics"
	"dutybot/storage"
)

// Sender performs one queued job against the chat service and returns the id
// of the message sent or edited. Errors are classified with RetryAfterError,
// ErrUnreachable and ErrPermanent; any other error is retried.
type Sender interface {
	Send(ctx context.Context, j storage.Job) (messageID int, err error)
}

// Hooks record the outcome of a job inside the transaction that removes it.
type Hooks interface {
	// Delivered is called once a job's content reached the chat.
	Delivered(tx *storage.Tx, j storage.Job, messageID int, at time.Time) error
	// Failed is called when a job is given up; unreachable tells whether the
	// chat itself cannot be reached.
	Failed(tx *storage.Tx, j storage.Job, reason string, unreachable bool, at time.Time) error
	// Committed is called after the transaction of Delivered or Failed has
	// committed, so work it queued can be picked up.
	Committed()
}

// Renderer is implemented by hooks that render lazy jobs from current
// state; ok=false drops the job.
type Renderer interface {
	Render(tx *storage.Tx, j storage.Job) (text string, buttons [][]storage.Button, ok bool, err error)
}

// Limits bounds the pace of delivery.
type Limits struct {
	GlobalPerSecond float64
	ChatPerSecond   float64
	ChatBurst       int
	GroupPerMinute  float64
	RequestTimeout  time.Duration
	GiveUpAfter     time.Duration
	Workers         int
}

// Dispatcher sends the durable queue.
type Dispatcher struct {
	// OnDelivered, if set, is called after the transaction recording a
	// delivery has committed, with the job as sent (lazy jobs rendered); it
	// lets tools and tests count what officials received. It may be called
	// from several goroutines at once and must not block. Set it before Run.
	OnDelivered func(j storage.Job, messageID int, at time.Time)

	db      *storage.DB
	clock   clock.Clock // domain time: delivery timestamps, giving up
	pace    clock.Clock // wall time: rate limits, backoff, 429 waits
	sender  Sender
	hooks   Hooks
	limits  Limits
	log     *slog.Logger
	metrics *metrics.Metrics

	wake    chan struct{}
	results chan result

	// loop state, owned by Run's goroutine
	chats   map[int64]*chatQueue
	global  *bucket
	lastSeq uint64

	mu       sync.Mutex
	inFlight int
	pending  int
	idleCh   chan struct{}
}

type chatQueue struct {
	id       int64
	seqs     []uint64
	busy     bool
	paused   time.Time // 429: not before
	retryAt  time.Time // backoff: not before
	attempts int
	limiter  *bucket
}

type result struct {
	chat    int64
	seq     uint64
	done    bool          // job removed from queue
	pause   time.Duration // 429
	backoff bool
}

// New returns a dispatcher; call Run to start it and Wake after enqueuing.
func New(db *storage.DB, clk clock.Clock, sender Sender, hooks Hooks, limits Limits, m *metrics.Metrics, log *slog.Logger) *Dispatcher {
	if limits.Workers <= 0 {
		limits.Workers = 8
	}
	if limits.RequestTimeout <= 0 {
		limits.RequestTimeout = 15 * time.Second
	}
	if limits.GiveUpAfter <= 0 {
		limits.GiveUpAfter = 10 * time.Minute
	}
	if limits.GlobalPerSecond <= 0 {
		limits.GlobalPerSecond = 30
	}
	if limits.ChatPerSecond <= 0 {
		limits.ChatPerSecond = 1
	}
	if limits.GroupPerMinute <= 0 {
		limits.GroupPerMinute = 20
	}
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = metrics.New(nil)
	}
	return &Dispatcher{db: db, clock: clk, pace: clock.Real{}, sender: sender, hooks: hooks, limits: limits, log: log, metrics: m,
		wake: make(chan struct{}, 1), results: make(chan result, limits.Workers),
		chats: map[int64]*chatQueue{}, global: newBucket(limits.GlobalPerSecond, 1),
		idleCh: make(chan struct{})}
}

// SetPaceClock replaces the wall clock that paces sending; tests of the
// rate limits use a fake one. Call before Run.
func (d *Dispatcher) SetPaceClock(c clock.Clock) { d.pace = c }

// Wake tells the dispatcher that jobs were enqueued.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Idle returns a channel closed when, at some moment after the call, nothing
// was queued or in flight. Tests and the load tool use it.
func (d *Dispatcher) Idle() <-chan struct{} {
	d.mu.Lock()
	ch := d.idleCh
	d.mu.Unlock()
	d.Wake() // an already idle loop looks again and closes ch
	return ch
}

// Run delivers until ctx is cancelled, then waits for sends in flight:
// those are not cancelled (each is bounded by RequestTimeout), so a graceful
// stop never leaves a message delivered but unrecorded.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	sendCtx := context.WithoutCancel(ctx)
	sem := make(chan struct{}, d.limits.Workers)
	for {
		if err := d.load(); err != nil {
			d.log.Error("outbox: load queue", "err", err)
		}
		for {
			select {
			case r := <-d.results:
				d.settle(r)
				continue
			default:
			}
			break
		}
		now := d.pace.Now()
		q, wait := d.pick(now)
		if q != nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			d.global.take(now)
			q.limiter.take(now)
			q.busy = true
			d.setInFlight(1)
			seq := q.seqs[0]
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				d.results <- d.deliver(sendCtx, q.id, seq)
			}()
			continue
		}
		d.maybeIdle()
		var timer clock.Timer
		var tc <-chan time.Time
		if wait > 0 {
			timer = d.pace.NewTimer(wait)
			tc = timer.C()
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case <-d.wake:
		case r := <-d.results:
			d.settle(r)
		case <-tc:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// load reads jobs enqueued since the last load.
func (d *Dispatcher) load() error {
	return d.db.View(func(tx *storage.Tx) error {
		jobs, err := tx.JobsAfter(d.lastSeq)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			q := d.chats[j.ChatID]
			if q == nil {
				q = &chatQueue{id: j.ChatID, limiter: d.chatBucket(j.ChatID)}
				d.chats[j.ChatID] = q
			}
			q.seqs = append(q.seqs, j.Seq)
			d.lastSeq = j.Seq
			d.addPending(1)
		}
		return nil
	})
}

func (d *Dispatcher) chatBucket(chat int64) *bucket {
	if chat < 0 { // groups and channels
		return newBucket(d.limits.GroupPerMinute/60, max(1, d.limits.ChatBurst))
	}
	return newBucket(d.limits.ChatPerSecond, max(1, d.limits.ChatBurst))
}

// pick returns the chat whose oldest job should go next, or how long to wait.
func (d *Dispatcher) pick(now time.Time) (*chatQueue, time.Duration) {
	var best *chatQueue
	var soonest time.Time
	note := func(t time.Time) {
		if soonest.IsZero() || t.Before(soonest) {
			soonest = t
		}
	}
	for id, q := range d.chats {
		if len(q.seqs) == 0 && !q.busy {
			delete(d.chats, id)
			continue
		}
		if q.busy || len(q.seqs) == 0 {
			continue
		}
		ready := q.limiter.readyAt(now)
		for _, t := range []time.Time{q.paused, q.retryAt} {
			if t.After(ready) {
				ready = t
			}
		}
		if ready.After(now) {
			note(ready)
			continue
		}
		if best == nil || q.seqs[0] < best.seqs[0] {
			best = q
		}
	}
	if best != nil {
		if g := d.global.readyAt(now); g.After(now) {
			return nil, g.Sub(now)
		}
		return best, 0
	}
	if soonest.IsZero() {
		return nil, -1
	}
	return nil, soonest.Sub(now)
}

func (d *Dispatcher) settle(r result) {
	q := d.chats[r.chat]
	if q == nil {
		return
	}
	q.busy = false
	d.setInFlight(-1)
	now := d.pace.Now()
	switch {
	case r.done:
		if len(q.seqs) > 0 && q.seqs[0] == r.seq {
			q.seqs = q.seqs[1:]
			d.addPending(-1)
		}
		q.attempts = 0
		q.retryAt = time.Time{}
	case r.pause > 0:
		q.paused = now.Add(r.pause)
	case r.backoff:
		q.attempts++
		q.retryAt = now.Add(backoff(q.attempts))
	}
}

func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 7)
	return min(d, time.Minute)
}

// deliver sends one job and records the outcome durably.
func (d *Dispatcher) deliver(ctx context.Context, chat int64, seq uint64) result {
	r := result{chat: chat, seq: seq}
	var j storage.Job
	drop := false
	err := d.db.View(func(tx *storage.Tx) error {
		var err error
		j, err = tx.Job(seq)
		if err != nil || !j.Lazy {
			return err
		}
		rd, ok := d.hooks.(Renderer)
		if !ok {
			return nil
		}
		var keep bool
		j.Text, j.Buttons, keep, err = rd.Render(tx, j)
		drop = !keep
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		r.done = true
		return r
	}
	if err == nil && drop {
		err = d.db.Update(func(tx *storage.Tx) error {
			cur, err := tx.Job(seq)
			if err != nil || cur.Version != j.Version {
				return err // changed meanwhile: render again next time
			}
			r.done = true
			return tx.DeleteJob(cur)
		})
		if err == nil {
			return r
		}
		r.done = false
	}
	if err != nil {
		d.log.Error("outbox: read job", "seq", seq, "err", err)
		r.backoff = true
		return r
	}
	sctx, cancel := context.WithTimeout(ctx, d.limits.RequestTimeout)
	msgID, sendErr := d.sender.Send(sctx, j)
	cancel()
	now := d.clock.Now()

	var retryAfter *RetryAfterError
	switch {
	case sendErr == nil:
		d.metrics.MessagesSent.Inc()
		removed := false
		err = d.db.Update(func(tx *storage.Tx) error {
			cur, err := tx.Job(seq)
			if err != nil {
				return err
			}
			if err := d.hooks.Delivered(tx, j, msgID, now); err != nil {
				return err
			}
			if cur.Version != j.Version {
				// The content changed while we were sending: send the
				// latest content as an edit of what was just delivered.
				cur.Op, cur.MessageID = storage.OpEdit, msgID
				return tx.PutJob(cur)
			}
			removed = true
			return tx.DeleteJob(cur)
		})
		if err != nil {
			d.log.Error("outbox: record delivery", "seq", seq, "err", err)
			r.backoff = true
			return r
		}
		d.hooks.Committed()
		if j.Op != storage.OpEdit {
			d.metrics.Pushes.WithLabelValues(j.Ref.Kind, j.Ref.Topic).Inc()
		}
		if d.OnDelivered != nil {
			d.OnDelivered(j, msgID, now)
		}
		r.done = removed
		return r
	case errors.As(sendErr, &retryAfter):
		d.metrics.RateLimited.Inc()
		d.log.Warn("outbox: rate limited", recipient(j), "seq", seq, "retry_after", retryAfter.After)
		r.pause = max(retryAfter.After, time.Second)
		return r
	case errors.Is(sendErr, ErrUnreachable), errors.Is(sendErr, ErrPermanent):
		return d.fail(r, j, sendErr.Error(), errors.Is(sendErr, ErrUnreachable), now)
	default:
		d.metrics.Retries.Inc()
		if now.Sub(j.CreatedAt) >= d.limits.GiveUpAfter {
			// The service, not the chat, failed: the chat stays reachable.
			return d.fail(r, j, fmt.Sprintf("gave up after %s: %v", d.limits.GiveUpAfter, sendErr), false, now)
		}
		d.log.Warn("outbox: send failed, will retry", recipient(j), "seq", seq, "err", sendErr)
		r.backoff = true
		return r
	}
}

// recipient names a job's recipient in logs by official; a job that names
// none (an anonymous tipster's) is logged without its chat, so the log
// cannot tie a chat to what it was sent.
func recipient(j storage.Job) slog.Attr {
	if j.Ref.Official != "" {
		return slog.String("official", j.Ref.Official)
	}
	return slog.String("official", "-")
}

func (d *Dispatcher) fail(r result, j storage.Job, reason string, unreachable bool, now time.Time) result {
	d.metrics.MessagesFailed.Inc()
	d.log.Warn("outbox: giving up on message", recipient(j), "seq", j.Seq, "kind", j.Ref.Kind, "alert", j.Ref.Alert, "reason", reason)
	err := d.db.Update(func(tx *storage.Tx) error {
		if err := d.hooks.Failed(tx, j, reason, unreachable, now); err != nil {
			return err
		}
		return tx.DeleteJob(j)
	})
	if err != nil {
		d.log.Error("outbox: record failure", "seq", j.Seq, "err", err)
		r.backoff = true
		return r
	}
	d.hooks.Committed()
	r.done = true
	return r
}

func (d *Dispatcher) setInFlight(delta int) {
	d.mu.Lock()
	d.inFlight += delta
	d.mu.Unlock()
}

func (d *Dispatcher) addPending(delta int) {
	d.mu.Lock()
	d.pending += delta
	n := d.pending
	d.mu.Unlock()
	d.metrics.QueueLength.Set(float64(n))
}

func (d *Dispatcher) maybeIdle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending == 0 && d.inFlight == 0 && len(d.wake) == 0 {
		close(d.idleCh)
		d.idleCh = make(chan struct{})
	}
}
