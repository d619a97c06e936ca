package outbox

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
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

// Staller is implemented by hooks that act on a job the chat service has
// kept refusing (5xx, timeouts, 429) while it is still retried: once a job
// with a StallAfter has been undelivered that long since it was queued,
// Stalled is called once, in a transaction that also marks the job, with
// since the time it was queued. A call nobody received can then escalate
// without waiting for GiveUpAfter.
type Staller interface {
	Stalled(tx *storage.Tx, j storage.Job, since, at time.Time) error
}

// ReachHinter is implemented by senders that can tell an operator what to
// check when a send failed because the chat service could not be reached
// at all (its address, a proxy): the dispatcher logs the hint with the
// first such failure, and again only after a send has gone through since,
// so that an outage's retries do not repeat it.
type ReachHinter interface {
	// ReachHint returns the hint for err, or "" when err is not such a
	// failure.
	ReachHint(err error) string
}

// Mover is implemented by hooks that follow a chat moving to another id
// (MovedError): Moved runs in the transaction that readdresses the job,
// with the job as it was sent (its old chat). A job that sends goes on to
// the new chat; an edit, whose message stays in the old chat, is given
// up as Failed (not unreachable) in the same transaction.
type Mover interface {
	Moved(tx *storage.Tx, j storage.Job, to int64, at time.Time) error
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
	// OnQuarantined, if set, is called after a record was moved to the
	// quarantine (and counted), so whoever reports the quarantine can look
	// at once. It must not block. Set it before Run.
	OnQuarantined func(bucket string)
	// OnPaidRefused, if set, is called when the chat service refused a
	// paid message for lack of Stars (ErrNoStars): paid messages go at the
	// free pace until the time given. It must not block. Set it before Run.
	OnPaidRefused func(until time.Time)

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

	// reachHinted is set once a failure's ReachHint was logged, and
	// cleared by a send that went through.
	reachHinted atomic.Bool

	// loop state, owned by Run's goroutine
	chats   map[int64]*chatQueue
	global  *bucket
	lastSeq uint64
	running int // sends started and not yet settled

	mu       sync.Mutex
	inFlight int
	pending  int
	idleCh   chan struct{}
}

type chatQueue struct {
	id       int64
	jobs     []queued // highest priority first, then oldest
	busy     bool
	paused   time.Time // 429: not before
	retryAt  time.Time // backoff: not before
	attempts int
	limiter  *bucket
	// sent is a delivery whose recording failed: it is recorded again,
	// never sent again, before anything else goes to the chat.
	sent *sentOutcome
}

// queued is a job waiting in a chat's queue.
type queued struct {
	seq  uint64
	prio int
}

// add inserts a job after every job of its priority or higher; jobs are
// loaded in Seq order, so equal priorities stay in Seq order.
func (q *chatQueue) add(seq uint64, prio int) {
	i := sort.Search(len(q.jobs), func(i int) bool { return q.jobs[i].prio < prio })
	q.jobs = slices.Insert(q.jobs, i, queued{seq: seq, prio: prio})
}

// remove takes a job out of the queue and reports whether it was there.
func (q *chatQueue) remove(seq uint64) bool {
	i := slices.IndexFunc(q.jobs, func(j queued) bool { return j.seq == seq })
	if i < 0 {
		return false
	}
	q.jobs = slices.Delete(q.jobs, i, i+1)
	return true
}

// next is the job the chat sends next: a delivery still to be recorded,
// else the head of the queue.
func (q *chatQueue) next() queued {
	if q.sent != nil {
		return queued{seq: q.sent.job.Seq, prio: q.sent.job.Priority}
	}
	return q.jobs[0]
}

// before orders two chats' next jobs: higher priority, then older.
func (a queued) before(b queued) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	return a.seq < b.seq
}

// sentOutcome is a message the chat service accepted: the job as sent, the
// message id and when, kept to record the delivery without sending again.
type sentOutcome struct {
	job   storage.Job
	msgID int
	at    time.Time
}

type result struct {
	chat    int64
	seq     uint64
	done    bool          // job removed from queue
	pause   time.Duration // 429
	backoff bool
	sent    *sentOutcome // delivered but not recorded: record it, do not send again
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
// stop never leaves a message delivered but unrecorded. Deliveries whose
// recording failed are tried once more on the way out; those that still
// fail are recorded at the next start from their sent markers.
func (d *Dispatcher) Run(ctx context.Context) error {
	// Each run starts from the database: an instance that ran the engine
	// before, on a shared database, forgets the queue it knew then, as
	// its successor may have sent and settled all of it since.
	d.chats, d.lastSeq, d.running = map[int64]*chatQueue{}, 0, 0
	d.mu.Lock()
	d.pending = 0
	d.mu.Unlock()
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		for len(d.results) > 0 {
			d.settle(<-d.results)
		}
		d.flushRecordings()
	}()
	sendCtx := context.WithoutCancel(ctx)
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
			if d.running >= d.limits.Workers {
				// Every worker is busy: wait for one and pick again then,
				// so that a job of higher priority queued meanwhile goes
				// first.
				select {
				case <-ctx.Done():
					return nil
				case r := <-d.results:
					d.settle(r)
				case <-d.wake:
				}
				continue
			}
			d.global.take(now)
			q.limiter.take(now)
			q.busy = true
			d.running++
			d.setInFlight(1)
			next, sent := q.next(), q.sent
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.results <- d.deliver(sendCtx, q.id, next.seq, sent)
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

// maxCorruptPerLoad bounds how many undecodable jobs one load moves aside
// before it lets the loop deliver what it has.
const maxCorruptPerLoad = 64

// load reads jobs enqueued since the last load. A job that does not decode
// is moved to the quarantine and the rest is loaded past it.
func (d *Dispatcher) load() error {
	for range maxCorruptPerLoad {
		var jobs []storage.Job
		err := d.db.View(func(tx *storage.Tx) error {
			var err error
			jobs, err = tx.JobsAfter(d.lastSeq)
			return err
		})
		for _, j := range jobs {
			q := d.chats[j.ChatID]
			if q == nil {
				q = &chatQueue{id: j.ChatID, limiter: d.chatBucket(j.ChatID)}
				d.chats[j.ChatID] = q
			}
			q.add(j.Seq, j.Priority)
			d.lastSeq = j.Seq
			d.addPending(1)
		}
		ce, ok := storage.AsCorrupt(err)
		if !ok {
			return err
		}
		if qerr := d.quarantine(ce); qerr != nil {
			d.log.Error("outbox: cannot move an undecodable job aside; skipping it until restart", "key", fmt.Sprintf("%x", ce.Key), "err", qerr)
		}
		if len(ce.Key) != 8 {
			return fmt.Errorf("outbox key %x is not a sequence number", ce.Key)
		}
		d.lastSeq = max(d.lastSeq, binary.BigEndian.Uint64(ce.Key))
	}
	return fmt.Errorf("more than %d undecodable jobs; the rest on the next pass", maxCorruptPerLoad)
}

// quarantine moves the record a CorruptError names aside (with its sent
// marker, if it is a job), logs it and counts it.
func (d *Dispatcher) quarantine(ce *storage.CorruptError) error {
	moved := false
	err := d.db.Update(func(tx *storage.Tx) error {
		var err error
		moved, err = tx.Quarantine(ce.Bucket, ce.Key, ce.Error(), d.clock.Now())
		if err != nil || ce.Bucket != "outbox" || len(ce.Key) != 8 {
			return err
		}
		return tx.ClearSent(binary.BigEndian.Uint64(ce.Key))
	})
	if err != nil {
		return fmt.Errorf("quarantine %s/%x: %w", ce.Bucket, ce.Key, err)
	}
	if moved {
		d.metrics.Quarantined.WithLabelValues(ce.Bucket).Inc()
		d.log.Error("outbox: record does not decode; moved to the quarantine", "bucket", ce.Bucket, "key", fmt.Sprintf("%x", ce.Key), "reason", ce.Err.Error())
		if d.OnQuarantined != nil {
			d.OnQuarantined(ce.Bucket)
		}
	}
	return nil
}

func (d *Dispatcher) chatBucket(chat int64) *bucket {
	if chat < 0 { // groups and channels
		// No burst: Telegram counts a group's messages in any minute, so
		// a burst on top of the rate could pass the limit.
		return newBucket(d.limits.GroupPerMinute/60, 1)
	}
	return newBucket(d.limits.ChatPerSecond, max(1, d.limits.ChatBurst))
}

// pick returns the ready chat whose next job goes first (highest priority,
// then oldest), or how long to wait.
func (d *Dispatcher) pick(now time.Time) (*chatQueue, time.Duration) {
	var best *chatQueue
	var soonest time.Time
	note := func(t time.Time) {
		if soonest.IsZero() || t.Before(soonest) {
			soonest = t
		}
	}
	for id, q := range d.chats {
		if len(q.jobs) == 0 && !q.busy && q.sent == nil {
			delete(d.chats, id)
			continue
		}
		if q.busy || (len(q.jobs) == 0 && q.sent == nil) {
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
		if best == nil || q.next().before(best.next()) {
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
	d.running--
	d.setInFlight(-1)
	q := d.chats[r.chat]
	if q == nil {
		return
	}
	q.busy = false
	q.sent = r.sent
	now := d.pace.Now()
	switch {
	case r.done:
		if q.remove(r.seq) {
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

// deliver sends one job and records the outcome durably. sent, if set, is
// the job's earlier delivery whose recording failed: only the recording is
// done again.
func (d *Dispatcher) deliver(ctx context.Context, chat int64, seq uint64, sent *sentOutcome) result {
	r := result{chat: chat, seq: seq}
	if sent != nil {
		return d.record(r, *sent, false)
	}
	var j storage.Job
	var mark storage.SentMark
	marked, drop := false, false
	err := d.db.View(func(tx *storage.Tx) error {
		var err error
		j, err = tx.Job(seq)
		if err != nil {
			return err
		}
		if mark, marked, err = tx.SentMarkOf(seq); err != nil || marked {
			return err
		}
		if !j.Lazy {
			return nil
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
	if ce, ok := storage.AsCorrupt(err); ok {
		if qerr := d.quarantine(ce); qerr != nil {
			d.log.Error("outbox: read job", "seq", seq, "err", qerr)
		}
		// An undecodable job cannot be sent: it leaves the queue even if
		// it could not be moved aside (then the next start finds it again).
		// A record the rendering needed is gone now: render again.
		r.done = ce.Bucket == "outbox"
		r.backoff = !r.done
		return r
	}
	if err == nil && marked {
		// Sent before a restart whose recording was lost: record it from
		// the marker, do not send it again.
		d.log.Info("outbox: recording a delivery from its sent marker", recipient(j), "seq", seq, "message_id", mark.MessageID)
		j.Version = mark.Version
		return d.record(r, sentOutcome{job: j, msgID: mark.MessageID, at: mark.At}, false)
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
	sctx, cancel := context.WithTimeout(ctx, requestTimeout(d.limits.RequestTimeout, j))
	msgID, sendErr := d.sender.Send(sctx, j)
	cancel()
	now := d.clock.Now()

	var retryAfter *RetryAfterError
	var moved *MovedError
	switch {
	case sendErr == nil:
		d.metrics.MessagesSent.Inc()
		d.reachHinted.Store(false)
		return d.record(r, sentOutcome{job: j, msgID: msgID, at: now}, true)
	case errors.As(sendErr, &retryAfter):
		d.metrics.RateLimited.Inc()
		d.log.Warn("outbox: rate limited", recipient(j), "seq", seq, "retry_after", retryAfter.After)
		d.stall(j, now)
		r.pause = max(retryAfter.After, time.Second)
		return r
	case errors.As(sendErr, &moved) && moved.To != 0 && moved.To != j.ChatID:
		return d.move(r, j, moved.To, sendErr.Error(), now)
	case errors.Is(sendErr, ErrUnreachable), errors.Is(sendErr, ErrPermanent):
		return d.fail(r, j, sendErr.Error(), errors.Is(sendErr, ErrUnreachable), now)
	default:
		d.metrics.Retries.Inc()
		if now.Sub(j.CreatedAt) >= d.limits.GiveUpAfter {
			// The service, not the chat, failed: the chat stays reachable.
			return d.fail(r, j, fmt.Sprintf("gave up after %s: %v", d.limits.GiveUpAfter, sendErr), false, now)
		}
		attrs := []any{recipient(j), "seq", seq, "err", sendErr}
		if hint := d.reachHint(sendErr); hint != "" {
			attrs = append(attrs, "hint", hint)
		}
		d.log.Warn("outbox: send failed, will retry", attrs...)
		d.stall(j, now)
		r.backoff = true
		return r
	}
}

// reachHint returns what to check for a send that failed because the chat
// service could not be reached, once until a send goes through again.
func (d *Dispatcher) reachHint(err error) string {
	h, ok := d.sender.(ReachHinter)
	if !ok {
		return ""
	}
	hint := h.ReachHint(err)
	if hint == "" || !d.reachHinted.CompareAndSwap(false, true) {
		return ""
	}
	return hint
}

// record records a delivery: the hooks' Delivered and the job's removal
// (or its turning into an edit, when its content changed meanwhile), in one
// transaction. When that fails the outcome goes back to the loop, which
// retries the recording with backoff and never the send; on the first
// failure a sent marker is also written, so that a restart records the
// delivery instead of sending it again.
func (d *Dispatcher) record(r result, s sentOutcome, first bool) result {
	j := s.job
	removed, gone := false, false
	err := d.db.Update(func(tx *storage.Tx) error {
		cur, err := tx.Job(j.Seq)
		if errors.Is(err, storage.ErrNotFound) {
			gone = true // removed meanwhile (moved aside): nothing to record
			return nil
		}
		if err != nil {
			return err
		}
		if err := d.hooks.Delivered(tx, j, s.msgID, s.at); err != nil {
			return err
		}
		if cur.Version != j.Version {
			// The content changed while we were sending: send the
			// latest content as an edit of what was just delivered.
			cur.Op, cur.MessageID = storage.OpEdit, s.msgID
			if err := tx.ClearSent(cur.Seq); err != nil {
				return err
			}
			return tx.PutJob(cur)
		}
		removed = true
		return tx.DeleteJob(cur)
	})
	if ce, ok := storage.AsCorrupt(err); ok {
		// A record the recording reads does not decode: move it aside
		// and record again; retrying as it is would never succeed.
		if qerr := d.quarantine(ce); qerr != nil {
			d.log.Error("outbox: record delivery", "seq", j.Seq, "err", qerr)
		}
	}
	if err != nil {
		d.log.Error("outbox: record delivery; will record again, not send again", recipient(j), "seq", j.Seq, "err", err)
		if first {
			merr := d.db.Update(func(tx *storage.Tx) error {
				return tx.MarkSent(storage.SentMark{Seq: j.Seq, MessageID: s.msgID, Version: j.Version, At: s.at})
			})
			if merr != nil {
				d.log.Error("outbox: write sent marker; a restart before the delivery is recorded sends it again", "seq", j.Seq, "err", merr)
			}
		}
		r.backoff = true
		r.sent = &s
		return r
	}
	if gone {
		r.done = true
		return r
	}
	d.hooks.Committed()
	if j.Op != storage.OpEdit {
		d.metrics.Pushes.WithLabelValues(j.Ref.Kind, j.Ref.Topic).Inc()
	}
	if d.OnDelivered != nil {
		d.OnDelivered(j, s.msgID, s.at)
	}
	r.done = removed
	return r
}

// flushRecordings tries once more to record the deliveries whose recording
// failed, when Run ends.
func (d *Dispatcher) flushRecordings() {
	for _, q := range d.chats {
		if q.sent == nil {
			continue
		}
		if r := d.record(result{chat: q.id, seq: q.sent.job.Seq}, *q.sent, false); r.sent == nil {
			q.sent = nil
		}
	}
}

// stall reports a job the chat service keeps refusing to the hooks, once,
// when it has waited longer than its StallAfter since it was queued.
func (d *Dispatcher) stall(j storage.Job, now time.Time) {
	st, ok := d.hooks.(Staller)
	if !ok || j.StallAfter <= 0 || j.Stalled || now.Sub(j.CreatedAt) < j.StallAfter {
		return
	}
	told := false
	err := d.db.Update(func(tx *storage.Tx) error {
		cur, err := tx.Job(j.Seq)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && cur.Stalled) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.Stalled(tx, cur, cur.CreatedAt, now); err != nil {
			return err
		}
		cur.Stalled, told = true, true
		return tx.PutJob(cur)
	})
	if err != nil {
		d.log.Error("outbox: report stalled message; will report at the next failure", recipient(j), "seq", j.Seq, "err", err)
		return
	}
	if told {
		d.log.Warn("outbox: message stalled; reported, still retrying", recipient(j), "seq", j.Seq, "kind", j.Ref.Kind, "alert", j.Ref.Alert, "since", j.CreatedAt)
		d.hooks.Committed()
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

// move readdresses a job whose chat moved to another id: the hooks hear of
// it, and a send is queued again for the new chat (with a new place in
// the queue), while an edit is given up, in one transaction.
func (d *Dispatcher) move(r result, j storage.Job, to int64, reason string, now time.Time) result {
	d.log.Info("outbox: chat moved; sending there", recipient(j), "seq", j.Seq, "kind", j.Ref.Kind, "to", to)
	failed := false
	err := d.db.Update(func(tx *storage.Tx) error {
		failed = false
		cur, err := tx.Job(j.Seq)
		if errors.Is(err, storage.ErrNotFound) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if m, ok := d.hooks.(Mover); ok {
			if err := m.Moved(tx, j, to, now); err != nil {
				return err
			}
		}
		if err := tx.DeleteJob(cur); err != nil {
			return err
		}
		if cur.Op == storage.OpEdit {
			failed = true
			return d.hooks.Failed(tx, j, reason, false, now)
		}
		// The message it replied to stayed in the old chat.
		cur.ChatID, cur.Seq, cur.ReplyTo = to, 0, 0
		_, err = tx.Enqueue(cur)
		return err
	})
	if err != nil {
		d.log.Error("outbox: readdress a job to the chat it moved to", "seq", j.Seq, "err", err)
		r.backoff = true
		return r
	}
	if failed {
		d.metrics.MessagesFailed.Inc()
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

// uploadRate is the slowest upload a file job is given time for: a 2 MB
// workbook over a poor mobile link (256 kbit/s) takes about a minute.
const uploadRate = 32 << 10 // bytes per second

// requestTimeout is how long one send may take: base for a message, more
// for a job that uploads a file.
func requestTimeout(base time.Duration, j storage.Job) time.Duration {
	size := len(j.File) + len(j.Photo)
	return base + time.Duration(size/uploadRate)*time.Second
}
