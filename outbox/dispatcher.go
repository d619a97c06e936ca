package outbox

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"dutybot/clock"
	"dutybot/metrics"
	"dutybot/storage"
)

// Limits bounds the pace of delivery.
type Limits struct {
	GlobalPerSecond float64
	ChatPerSecond   float64
	ChatBurst       int
	GroupPerMinute  float64
	RequestTimeout  time.Duration
	GiveUpAfter     time.Duration
	// Workers bounds the sends in flight at once (and the deliveries
	// waiting to be recorded with them).
	Workers int
	// PaidPerSecond is the pace of jobs that ask for paid broadcast
	// (Job.Paid), on top of GlobalPerSecond; 0 sends them unpaid, at the
	// free pace.
	PaidPerSecond float64
	// PaidRetryAfter is how long paid jobs go at the free pace after the
	// chat service refused one for lack of Stars (ErrNoStars).
	PaidRetryAfter time.Duration
	// MaxBatch bounds the deliveries one transaction records.
	MaxBatch int
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
	loaded  chan loadBatch // jobs the loader read, for the loop
	results chan result
	records chan recordReq // deliveries for the recorder

	// reachHinted is set once a failure's ReachHint was logged, and
	// cleared by a send that went through.
	reachHinted atomic.Bool

	// loop state, owned by Run's goroutine
	chats   map[int64]*chatQueue
	sched   *schedule
	running int // sends started and not yet settled
	idle    []idleChat

	mu       sync.Mutex
	inFlight int
	pending  int
	idleCh   chan struct{}
	wakes    uint64 // Wake calls so far
	merged   uint64 // wakes whose loads the loop has merged
}

type result struct {
	chat    int64
	seq     uint64
	done    bool          // job removed from queue
	pause   time.Duration // 429
	backoff bool
	sent    *sentOutcome // delivered but not recorded: record it, do not send again
	noStars bool         // a paid send refused for lack of Stars: send it again unpaid
}

// loadBatch is what one pass of the loader read: jobs queued since the
// last, and the wakes it answers.
type loadBatch struct {
	jobs  []loadedJob
	wakes uint64
}

// loadedJob is a queued job as the loop needs it.
type loadedJob struct {
	chat int64
	q    queued
}

// keepable reports whether the loader may keep a job's content for its
// send: a plain message, whose content no later job replaces (no Key),
// rendered when queued (not Lazy), without a file to hold in memory, and
// not already sent (no sent marker). Its send then reads nothing first,
// which on PostgreSQL is a transaction less per message.
func keepable(j storage.Job, marked bool) bool {
	return j.Key == "" && !j.Lazy && len(j.Photo) == 0 && len(j.File) == 0 && !marked
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
	if limits.PaidRetryAfter <= 0 {
		limits.PaidRetryAfter = 10 * time.Minute
	}
	if limits.MaxBatch <= 0 {
		limits.MaxBatch = 256
	}
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = metrics.New(nil)
	}
	return &Dispatcher{db: db, clock: clk, pace: clock.Real{}, sender: sender, hooks: hooks, limits: limits, log: log, metrics: m,
		wake: make(chan struct{}, 1), loaded: make(chan loadBatch), results: make(chan result, limits.Workers),
		records: make(chan recordReq, limits.Workers),
		chats:   map[int64]*chatQueue{}, sched: newSchedule(limits),
		idleCh: make(chan struct{})}
}

// SetPaceClock replaces the wall clock that paces sending; tests of the
// rate limits use a fake one. Call before Run.
func (d *Dispatcher) SetPaceClock(c clock.Clock) { d.pace = c }

// Wake tells the dispatcher that jobs were enqueued.
func (d *Dispatcher) Wake() {
	d.mu.Lock()
	d.wakes++
	d.mu.Unlock()
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
//
// Sends run in up to Limits.Workers goroutines; the deliveries they make
// are recorded by one recorder, many to a transaction (record.go).
func (d *Dispatcher) Run(ctx context.Context) error {
	// Each run starts from the database: an instance that ran the engine
	// before, on a shared database, forgets the queue it knew then, as
	// its successor may have sent and settled all of it since.
	d.chats, d.sched, d.running, d.idle = map[int64]*chatQueue{}, newSchedule(d.limits), 0, nil
	d.mu.Lock()
	d.pending, d.merged = 0, 0
	d.wakes = 1 // the first load
	d.mu.Unlock()
	var wg sync.WaitGroup
	recCtx, stopRecorder := context.WithCancel(context.WithoutCancel(ctx))
	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		d.recorder(recCtx)
	}()
	loadCtx, stopLoader := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		d.loader(loadCtx)
	}()
	defer func() {
		stopLoader()
		<-loadDone
		wg.Wait()
		stopRecorder()
		<-recDone
		for len(d.results) > 0 {
			d.settle(<-d.results)
		}
		d.flushRecordings()
	}()
	sendCtx := context.WithoutCancel(ctx)
	for {
		for {
			select {
			case r := <-d.results:
				d.settle(r)
				continue
			case b := <-d.loaded:
				d.merge(b)
				continue
			default:
			}
			break
		}
		now := d.pace.Now()
		q, l, wait := d.sched.pick(now)
		if q != nil && q.next().prio == 0 && d.loading() {
			// A call may be among the jobs the loader is reading: let it
			// go before this routine message (calls never wait for it).
			select {
			case <-ctx.Done():
				return nil
			case b := <-d.loaded:
				d.merge(b)
			case r := <-d.results:
				d.settle(r)
			}
			continue
		}
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
				case b := <-d.loaded:
					d.merge(b)
				}
				continue
			}
			d.sched.take(q, l, now)
			d.running++
			d.setInFlight(1)
			next, sent := q.next(), q.sent
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.results <- d.deliver(sendCtx, q.id, next, sent, l == lanePaid)
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
		case b := <-d.loaded:
			d.merge(b)
		case r := <-d.results:
			d.settle(r)
		case <-tc:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// loader reads the jobs queued since its last pass whenever the
// dispatcher is woken, and hands them to the loop: the loop never waits
// for the database (a round trip on PostgreSQL) while messages are due.
func (d *Dispatcher) loader(ctx context.Context) {
	var last uint64
	for {
		d.mu.Lock()
		wakes := d.wakes
		d.mu.Unlock()
		jobs, err := d.load(&last)
		if err != nil {
			d.log.Error("outbox: load queue", "err", err)
		}
		d.addPending(len(jobs)) // before the loop has them: not idle meanwhile
		select {
		case d.loaded <- loadBatch{jobs: jobs, wakes: wakes}:
		case <-ctx.Done():
			return
		}
		select {
		case <-d.wake:
		case <-ctx.Done():
			return
		}
	}
}

// loading reports whether the dispatcher was woken since the loader's
// last batch reached the loop: jobs may be on their way to it.
func (d *Dispatcher) loading() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.merged < d.wakes
}

// merge adds what the loader read to the chats' queues.
func (d *Dispatcher) merge(b loadBatch) {
	now := d.pace.Now()
	for _, j := range b.jobs {
		q := d.chats[j.chat]
		if q == nil {
			q = &chatQueue{id: j.chat, limiter: d.chatBucket(j.chat)}
			d.chats[j.chat] = q
		}
		head := len(q.jobs) > 0 && q.sent == nil
		var was queued
		if head {
			was = q.jobs[0]
		}
		q.add(j.q)
		if !head || q.jobs[0].seq != was.seq {
			d.sched.reorder(q, now)
		}
	}
	d.mu.Lock()
	d.merged = max(d.merged, b.wakes)
	d.mu.Unlock()
}

// maxCorruptPerLoad bounds how many undecodable jobs one load moves aside
// before it lets the loop deliver what it has.
const maxCorruptPerLoad = 64

// load reads jobs enqueued after *last and moves *last past them, keeping
// the content of those it may (keepable), their texts shared. A job that
// does not decode is moved to the quarantine and the rest is loaded past
// it.
func (d *Dispatcher) load(last *uint64) ([]loadedJob, error) {
	var out []loadedJob
	texts := map[string]string{} // one copy of each text: a fan-out's calls read alike
	for range maxCorruptPerLoad {
		var jobs []storage.Job
		marked := map[uint64]bool{}
		err := d.db.View(func(tx *storage.Tx) error {
			var err error
			if jobs, err = tx.JobsAfter(*last); err != nil || len(jobs) == 0 {
				return err
			}
			seqs := make([]uint64, len(jobs))
			for i, j := range jobs {
				seqs[i] = j.Seq
			}
			if err := tx.PrefetchJobs(seqs); err != nil {
				return err
			}
			for _, j := range jobs {
				_, ok, err := tx.SentMarkOf(j.Seq)
				if err != nil {
					return err
				}
				marked[j.Seq] = ok
			}
			return nil
		})
		for _, j := range jobs {
			lj := loadedJob{chat: j.ChatID, q: queued{seq: j.Seq, prio: j.Priority, paid: j.Paid}}
			if err == nil && keepable(j, marked[j.Seq]) {
				if t, ok := texts[j.Text]; ok {
					j.Text = t
				} else {
					texts[j.Text] = j.Text
				}
				lj.q.job = &j
			}
			out = append(out, lj)
			*last = j.Seq
		}
		ce, ok := storage.AsCorrupt(err)
		if !ok {
			return out, err
		}
		if qerr := d.quarantine(ce); qerr != nil {
			d.log.Error("outbox: cannot move an undecodable job aside; skipping it until restart", "key", fmt.Sprintf("%x", ce.Key), "err", qerr)
		}
		if len(ce.Key) != 8 {
			return out, fmt.Errorf("outbox key %x is not a sequence number", ce.Key)
		}
		*last = max(*last, binary.BigEndian.Uint64(ce.Key))
	}
	return out, fmt.Errorf("more than %d undecodable jobs; the rest on the next pass", maxCorruptPerLoad)
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
	q.limiter.answered(now)
	switch {
	case r.done:
		if q.remove(r.seq) {
			d.addPending(-1)
		}
		q.attempts = 0
		q.retryAt = time.Time{}
	case r.noStars:
		d.paidRefused(now)
	case r.pause > 0:
		q.paused = now.Add(r.pause)
	case r.backoff:
		q.attempts++
		q.retryAt = now.Add(backoff(q.attempts))
	}
	if q.idle() {
		// Kept a while with its limiter: a chat's next message (the
		// edit after an answer) must keep the pace too.
		q.idleSince = now
		d.idle = append(d.idle, idleChat{q: q, since: now})
		d.forget(now)
		return
	}
	d.sched.place(q, now)
}

// keepIdle is how long a chat with nothing to send keeps its place (and
// its limiter) in the loop's map: longer than any chat limit's interval.
const keepIdle = time.Minute

// idleChat is a chat that had nothing more to send, and since when.
type idleChat struct {
	q     *chatQueue
	since time.Time
}

// forget drops the chats idle for keepIdle, oldest first.
func (d *Dispatcher) forget(now time.Time) {
	n := 0
	for _, ic := range d.idle {
		if now.Sub(ic.since) < keepIdle {
			break
		}
		n++
		// Not if it sent since: then a later entry stands for it.
		if ic.q.idle() && !ic.q.busy && ic.q.idleSince.Equal(ic.since) && d.chats[ic.q.id] == ic.q {
			delete(d.chats, ic.q.id)
		}
	}
	d.idle = d.idle[n:]
}

// paidRefused stops paid sending for PaidRetryAfter after the chat
// service refused a paid message for lack of Stars: every paid job waiting
// goes at the free pace meanwhile, and nothing is lost.
func (d *Dispatcher) paidRefused(now time.Time) {
	d.metrics.PaidRefused.Inc()
	if !d.sched.paidOff.IsZero() {
		return // already off: a send that was in flight meanwhile
	}
	d.sched.paidOff = now.Add(d.limits.PaidRetryAfter)
	d.sched.relane(now)
	until := d.clock.Now().Add(d.limits.PaidRetryAfter)
	d.log.Warn("outbox: Telegram refused a paid message for lack of Stars; sending at the free pace", "until", until)
	if d.OnPaidRefused != nil {
		d.OnPaidRefused(until)
	}
}

func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 7)
	return min(d, time.Minute)
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
	if d.pending == 0 && d.inFlight == 0 && d.merged == d.wakes {
		close(d.idleCh)
		d.idleCh = make(chan struct{})
	}
}
