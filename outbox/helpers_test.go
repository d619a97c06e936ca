package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// waitTimeout bounds every wait on real time; it is only reached when a test
// fails.
const waitTimeout = 5 * time.Second

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// ---- pace clock -------------------------------------------------------------

// paceClock is a clock.Fake that also remembers the deadlines of the timers
// still armed, so that a test can jump straight to the next one the way the
// dispatcher's sleep would end in real time, and notes whether the
// dispatcher's last use of the clock was to arm a timer (it went to sleep)
// rather than to read the time (it is working).
type paceClock struct {
	fake *clock.Fake

	mu        sync.Mutex
	armed     map[*paceTimer]time.Time
	events    uint64 // the dispatcher's Now and NewTimer calls
	lastTimer bool   // the last event was NewTimer
	doneAt    uint64 // events when a worker last finished a step (send, commit)
}

type paceTimer struct {
	clock.Timer
	c *paceClock
}

func newPaceClock() *paceClock {
	return &paceClock{fake: clock.NewFake(t0), armed: map[*paceTimer]time.Time{}}
}

// Now is the dispatcher's reading of the time.
func (c *paceClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events++
	c.lastTimer = false
	return c.fake.Now()
}

// markDone notes that a worker finished a step whose result the dispatcher
// has yet to settle: a timer armed before it may be stale.
func (c *paceClock) markDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doneAt = c.events
}

// peek is the test's reading of the time.
func (c *paceClock) peek() time.Time { return c.fake.Now() }

func (c *paceClock) NewTimer(d time.Duration) clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events++
	c.lastTimer = true
	t := &paceTimer{Timer: c.fake.NewTimer(d), c: c}
	if d > 0 {
		c.armed[t] = c.fake.Now().Add(d)
	}
	return t
}

func (t *paceTimer) Stop() bool {
	t.c.mu.Lock()
	delete(t.c.armed, t)
	t.c.mu.Unlock()
	return t.Timer.Stop()
}

type paceState struct {
	events    uint64
	lastTimer bool
	doneAt    uint64
	next      time.Time // earliest armed deadline not yet reached; zero: none
}

func (c *paceClock) state() paceState {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.fake.Now()
	st := paceState{events: c.events, lastTimer: c.lastTimer, doneAt: c.doneAt}
	for _, at := range c.armed {
		if at.After(now) && (st.next.IsZero() || at.Before(st.next)) {
			st.next = at
		}
	}
	return st
}

// advanceTo moves the clock forward to at (never back).
func (c *paceClock) advanceTo(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := at.Sub(c.fake.Now()); d > 0 {
		c.fake.Advance(d)
	}
}

// ---- sender -----------------------------------------------------------------

type sendCall struct {
	N     int // position among all calls
	Job   storage.Job
	Pace  time.Time // pace clock when Send was called
	MsgID int       // returned
	Err   error     // returned
}

// fakeSender records every call. Errors are scripted per message text: each
// call for a text takes the next error of errs[text] (nil or none: success).
// onCall, if set, runs before the outcome is returned; it may block (it gets
// the request context) and its non-nil error replaces the scripted one.
type fakeSender struct {
	stamp    func() time.Time // pace time of calls; may be nil
	returned func()           // called as Send returns; may be nil

	mu       sync.Mutex
	calls    []sendCall
	errs     map[string][]error
	onCall   func(ctx context.Context, c sendCall) error
	active   map[int64]int
	busy     int
	overlaps []string
}

func newSender(stamp func() time.Time) *fakeSender {
	return &fakeSender{stamp: stamp, errs: map[string][]error{}, active: map[int64]int{}}
}

func (s *fakeSender) script(text string, errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[text] = append(s.errs[text], errs...)
}

func (s *fakeSender) setOnCall(f func(ctx context.Context, c sendCall) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = f
}

func (s *fakeSender) Send(ctx context.Context, j storage.Job) (int, error) {
	s.mu.Lock()
	n := len(s.calls)
	c := sendCall{N: n, Job: j}
	if s.stamp != nil {
		c.Pace = s.stamp()
	}
	s.active[j.ChatID]++
	s.busy++
	if s.active[j.ChatID] > 1 {
		s.overlaps = append(s.overlaps, fmt.Sprintf("chat %d: %d sends at once (call %d, %q)", j.ChatID, s.active[j.ChatID], n, j.Text))
	}
	var err error
	if q := s.errs[j.Text]; len(q) > 0 {
		err, s.errs[j.Text] = q[0], q[1:]
	}
	s.calls = append(s.calls, c)
	hook := s.onCall
	s.mu.Unlock()

	if hook != nil {
		if e := hook(ctx, c); e != nil {
			err = e
		}
	}
	id := 0
	if err == nil {
		id = 1000 + n
		if j.Op == storage.OpEdit {
			id = j.MessageID
		}
	}
	s.mu.Lock()
	s.calls[n].MsgID, s.calls[n].Err = id, err
	s.active[j.ChatID]--
	s.busy--
	s.mu.Unlock()
	if s.returned != nil {
		s.returned()
	}
	return id, err
}

func (s *fakeSender) all() []sendCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sendCall(nil), s.calls...)
}

func (s *fakeSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func (s *fakeSender) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy == 0
}

// callsFor returns the calls whose job has the given text, in order.
func (s *fakeSender) callsFor(text string) []sendCall {
	var out []sendCall
	for _, c := range s.all() {
		if c.Job.Text == text {
			out = append(out, c)
		}
	}
	return out
}

func (s *fakeSender) checkNoOverlap(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.overlaps {
		tb.Errorf("more than one send in flight: %s", o)
	}
}

// ---- hooks ------------------------------------------------------------------

type delivery struct {
	Job   storage.Job
	MsgID int
	At    time.Time
}

type failure struct {
	Job         storage.Job
	Reason      string
	Unreachable bool
	At          time.Time
}

// fakeHooks records the outcomes. deliveredErrs scripts errors returned by
// Delivered (rolling back its transaction); a rolled-back call is counted in
// rejected, not in delivered.
type fakeHooks struct {
	mu        sync.Mutex
	delivered []delivery
	failed    []failure
	committed int
	rejected  int
	// committedOutcomes is how many deliveries and failures were recorded
	// when Committed was last called (one call may follow many).
	committedOutcomes int
	deliveredErrs     []error
	// render, if set, renders lazy jobs (Renderer); renders counts calls.
	render  func(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error)
	renders []string
	// onCommit, if set, is called by Committed.
	onCommit func()
	// stalls records Stalled calls; stalledErrs scripts their errors.
	stalls      []stall
	stalledErrs []error
	// moves records Moved calls (Mover).
	moves []move
}

type move struct {
	Job storage.Job
	To  int64
	At  time.Time
}

func (h *fakeHooks) Moved(tx *storage.Tx, j storage.Job, to int64, at time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.moves = append(h.moves, move{Job: j, To: to, At: at})
	return nil
}

func (h *fakeHooks) moved() []move {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]move(nil), h.moves...)
}

type stall struct {
	Job       storage.Job
	Since, At time.Time
}

func (h *fakeHooks) Stalled(tx *storage.Tx, j storage.Job, since, at time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stalledErrs) > 0 {
		err := h.stalledErrs[0]
		h.stalledErrs = h.stalledErrs[1:]
		if err != nil {
			return err
		}
	}
	h.stalls = append(h.stalls, stall{Job: j, Since: since, At: at})
	return nil
}

func (h *fakeHooks) stalled() []stall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]stall(nil), h.stalls...)
}

func (h *fakeHooks) Render(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
	h.mu.Lock()
	h.renders = append(h.renders, j.Text)
	fn := h.render
	h.mu.Unlock()
	if fn == nil {
		return j.Text, j.Buttons, true, nil
	}
	return fn(tx, j)
}

func (h *fakeHooks) rendered() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.renders...)
}

func (h *fakeHooks) Delivered(tx *storage.Tx, j storage.Job, messageID int, at time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.deliveredErrs) > 0 {
		err := h.deliveredErrs[0]
		h.deliveredErrs = h.deliveredErrs[1:]
		if err != nil {
			h.rejected++
			return err
		}
	}
	h.delivered = append(h.delivered, delivery{Job: j, MsgID: messageID, At: at})
	return nil
}

func (h *fakeHooks) Failed(tx *storage.Tx, j storage.Job, reason string, unreachable bool, at time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = append(h.failed, failure{Job: j, Reason: reason, Unreachable: unreachable, At: at})
	return nil
}

func (h *fakeHooks) Committed() {
	h.mu.Lock()
	h.committed++
	h.committedOutcomes = len(h.delivered) + len(h.failed)
	fn := h.onCommit
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func (h *fakeHooks) deliveries() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.delivered...)
}

func (h *fakeHooks) failures() []failure {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]failure(nil), h.failed...)
}

// outcomes counts deliveries plus failures.
func (h *fakeHooks) outcomes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.delivered) + len(h.failed)
}

// outcomesCommitted is how many outcomes Committed has followed.
func (h *fakeHooks) outcomesCommitted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.committedOutcomes
}

func (h *fakeHooks) commits() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.committed
}

func (h *fakeHooks) deliveredText(text string) []delivery {
	var out []delivery
	for _, d := range h.deliveries() {
		if d.Job.Text == text {
			out = append(out, d)
		}
	}
	return out
}

// ---- environment --------------------------------------------------------------

// env is a dispatcher on a real bbolt file with a fake domain clock, a fake
// sender and recording hooks; pace is nil when the real wall clock paces.
type env struct {
	t      *testing.T
	path   string
	db     *storage.DB
	dom    *clock.Fake
	pace   *paceClock
	sender *fakeSender
	hooks  *fakeHooks
	limits Limits
	d      *Dispatcher
	cancel context.CancelFunc
	done   chan error
}

// fast limits keep rate limiting out of the way of tests about other things.
var fast = Limits{GlobalPerSecond: 1e6, ChatPerSecond: 1e6, ChatBurst: 1000, GroupPerMinute: 1e8}

func newEnv(t *testing.T, limits Limits, fakePace bool) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "dutybot.db"), dom: clock.NewFake(t0),
		hooks: &fakeHooks{}, limits: limits}
	if fakePace {
		e.pace = newPaceClock()
		e.sender = newSender(e.pace.peek)
		e.sender.returned = e.pace.markDone
		e.hooks.onCommit = e.pace.markDone
	} else {
		e.sender = newSender(nil)
	}
	e.open()
	e.newDispatcher()
	t.Cleanup(func() {
		e.stop()
		if e.db != nil {
			e.db.Close()
		}
	})
	return e
}

func (e *env) open() {
	e.t.Helper()
	db, err := storage.Open(e.path)
	if err != nil {
		e.t.Fatalf("storage.Open: %v", err)
	}
	e.db = db
}

// reopen closes the database and opens the file again, as after a restart.
func (e *env) reopen() {
	e.t.Helper()
	e.stop()
	if err := e.db.Close(); err != nil {
		e.t.Fatalf("close db: %v", err)
	}
	e.open()
}

func (e *env) newDispatcher() {
	e.d = New(e.db, e.dom, e.sender, e.hooks, e.limits, nil, slog.New(slog.DiscardHandler))
	if e.pace != nil {
		e.d.SetPaceClock(e.pace)
	}
}

func (e *env) start() {
	e.t.Helper()
	if e.done != nil {
		e.t.Fatal("dispatcher already running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.done = make(chan error, 1)
	d, done := e.d, e.done
	go func() { done <- d.Run(ctx) }()
}

// stop cancels Run and waits for it to return.
func (e *env) stop() { e.stopWith(nil) }

// stopWith cancels Run, calls during (to let sends in flight finish: Run
// waits for them), and waits for Run to return.
func (e *env) stopWith(during func()) {
	e.t.Helper()
	if e.done == nil {
		return
	}
	e.cancel()
	if during != nil {
		during()
	}
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(waitTimeout):
		e.t.Fatalf("Run did not return within %v of cancel", waitTimeout)
	}
	e.done, e.cancel = nil, nil
}

// job builds a send job; CreatedAt is the domain time.
func (e *env) job(chat int64, text string) storage.Job {
	return storage.Job{ChatID: chat, Op: storage.OpSend, Text: text, Ref: storage.Ref{Kind: storage.RefInfo},
		CreatedAt: e.dom.Now()}
}

func (e *env) enqueue(jobs ...storage.Job) []uint64 {
	e.t.Helper()
	var seqs []uint64
	err := e.db.Update(func(tx *storage.Tx) error {
		for _, j := range jobs {
			seq, err := tx.Enqueue(j)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		return nil
	})
	if err != nil {
		e.t.Fatalf("enqueue: %v", err)
	}
	return seqs
}

func (e *env) queue() []storage.Job {
	e.t.Helper()
	var out []storage.Job
	if err := e.db.View(func(tx *storage.Tx) error {
		var err error
		out, err = tx.Jobs()
		return err
	}); err != nil {
		e.t.Fatalf("list queue: %v", err)
	}
	return out
}

func (e *env) waitOutcomes(n int) {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("%d delivered or failed jobs", n), func() bool { return e.hooks.outcomes() >= n })
}

func (e *env) waitQueueEmpty() {
	e.t.Helper()
	waitFor(e.t, "an empty queue", func() bool { return len(e.queue()) == 0 })
}

// asleep reports whether the dispatcher sleeps on a pace timer with every
// send it started settled, and when that timer is due. It looks twice, a
// moment apart, so as not to catch the loop between two steps (settle
// lowers inFlight just before it reads the clock).
func (e *env) asleep() (time.Time, bool) {
	look := func() (paceState, bool) {
		e.d.mu.Lock()
		inFlight := e.d.inFlight
		e.d.mu.Unlock()
		st := e.pace.state()
		// Asleep: the last thing the loop did was arm a timer, after every
		// worker step so far, and all it launched is settled.
		return st, st.lastTimer && st.events > st.doneAt && !st.next.IsZero() &&
			inFlight == 0 && len(e.d.results) == 0 && e.sender.idle()
	}
	s1, ok := look()
	if !ok {
		return time.Time{}, false
	}
	time.Sleep(100 * time.Microsecond)
	s2, ok := look()
	if !ok || s1 != s2 {
		return time.Time{}, false
	}
	return s2.next, true
}

// drive runs the fake pace clock: whenever the dispatcher sleeps on a timer
// with nothing in flight, it jumps to that timer's deadline, until done
// holds. It fails when the fake time would pass start+maxFake.
func (e *env) drive(what string, maxFake time.Duration, done func() bool) {
	e.t.Helper()
	if e.pace == nil {
		e.t.Fatal("drive needs a fake pace clock")
	}
	start := e.pace.peek()
	deadline := time.Now().Add(waitTimeout)
	for !done() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s (fake pace time +%v)", what, e.pace.peek().Sub(start))
		}
		if next, ok := e.asleep(); ok {
			if next.Sub(start) > maxFake {
				e.t.Fatalf("waiting for %s: fake pace time would pass +%v", what, maxFake)
			}
			e.pace.advanceTo(next)
		} else {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// autoDrive runs drive's clock stepping in the background until the test
// ends; for tests that care about order, not timing.
func (e *env) autoDrive() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if next, ok := e.asleep(); ok {
				e.pace.advanceTo(next)
			} else {
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	e.t.Cleanup(func() { close(stop); wg.Wait() })
}

// gate is a channel that blocked sends wait on; open is safe to call twice
// and is also called when the test ends, so that no send stays blocked.
type gate struct {
	c    chan struct{}
	once sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{c: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.c) }) }

// offsets returns the pace times of calls relative to t0, sorted by call order.
func offsets(calls []sendCall) []time.Duration {
	out := make([]time.Duration, len(calls))
	for i, c := range calls {
		out[i] = c.Pace.Sub(t0)
	}
	return out
}

func sortedTexts(ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Job.Text)
	}
	sort.Strings(out)
	return out
}
