package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/storage"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// waitTimeout bounds every wait on real time; it is only reached when a test
// fails.
const waitTimeout = 5 * time.Second

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

// firing is one call of the FireFunc.
type firing struct {
	Keys []string
	Ats  []time.Time
	Now  time.Time
	OK   bool // returned nil
}

// recorder is a FireFunc that records calls; fail scripts the errors of
// successive calls (nil or none: success); extra runs inside the
// transaction after recording.
type recorder struct {
	mu      sync.Mutex
	calls   []firing
	fail    []error
	extra   func(tx *storage.Tx, due []storage.Deadline, now time.Time) error
	after   int
	afterFn func()
	late    []time.Duration
}

func (r *recorder) fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	r.mu.Lock()
	f := firing{Now: now}
	for _, d := range due {
		f.Keys = append(f.Keys, d.Key)
		f.Ats = append(f.Ats, d.At)
	}
	var err error
	if len(r.fail) > 0 {
		err, r.fail = r.fail[0], r.fail[1:]
	}
	extra := r.extra
	r.mu.Unlock()
	if err == nil && extra != nil {
		err = extra(tx, due, now)
	}
	f.OK = err == nil
	r.mu.Lock()
	r.calls = append(r.calls, f)
	r.mu.Unlock()
	return err
}

func (r *recorder) firings() []firing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]firing(nil), r.calls...)
}

// fired lists the keys fired by committed calls, in order.
func (r *recorder) fired() []string {
	var out []string
	for _, f := range r.firings() {
		if f.OK {
			out = append(out, f.Keys...)
		}
	}
	return out
}

func (r *recorder) firedCount() int { return len(r.fired()) }

func (r *recorder) afters() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.after
}

func (r *recorder) lates() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.late...)
}

// env is a Deadlines runner on a real bbolt file with a fake clock.
type env struct {
	t      *testing.T
	path   string
	db     *storage.DB
	clk    *clock.Fake
	rec    *recorder
	opts   Options
	dl     *Deadlines
	cancel context.CancelFunc
	done   chan error
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "dutybot.db"), clk: clock.NewFake(t0), rec: &recorder{}, opts: opts}
	e.open()
	t.Cleanup(func() {
		e.stop()
		e.db.Close()
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

func (e *env) start() {
	e.t.Helper()
	if e.done != nil {
		e.t.Fatal("runner already started")
	}
	opts := e.opts
	rec := e.rec
	opts.AfterFire = func() {
		rec.mu.Lock()
		rec.after++
		fn := rec.afterFn
		rec.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
	opts.Late = func(d time.Duration) {
		rec.mu.Lock()
		rec.late = append(rec.late, d)
		rec.mu.Unlock()
	}
	opts.Log = slog.New(slog.DiscardHandler)
	e.dl = NewDeadlines(e.db, e.clk, rec.fire, opts)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	dl, done := e.dl, e.done
	go func() { done <- dl.Run(ctx) }()
}

func (e *env) stop() {
	e.t.Helper()
	if e.done == nil {
		return
	}
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(waitTimeout):
		e.t.Fatalf("Run did not return within %v of cancel", waitTimeout)
	}
	e.done = nil
}

func (e *env) put(ds ...storage.Deadline) {
	e.t.Helper()
	if err := e.db.Update(func(tx *storage.Tx) error {
		for _, d := range ds {
			if err := tx.PutDeadline(d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		e.t.Fatalf("put deadlines: %v", err)
	}
}

func (e *env) pending() int {
	e.t.Helper()
	var n int
	if err := e.db.View(func(tx *storage.Tx) error { n = tx.DeadlineCount(); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// waitAsleep waits until the runner sleeps on a timer.
func (e *env) waitAsleep() {
	e.t.Helper()
	waitFor(e.t, "the runner to sleep on a timer", func() bool { return e.clk.Timers() > 0 })
}

// advance waits for the runner to sleep, then moves the fake clock.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.waitAsleep()
	e.clk.Advance(d)
}

// waitFired waits until n deadlines have fired and their transactions have
// committed (AfterFire ran for each successful call).
func (e *env) waitFired(n int) {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("%d deadlines fired and committed", n), func() bool {
		ok := 0
		for _, f := range e.rec.firings() {
			if f.OK {
				ok++
			}
		}
		return e.rec.firedCount() >= n && e.rec.afters() >= ok
	})
}

func dl(off time.Duration, key string) storage.Deadline {
	return storage.Deadline{At: t0.Add(off), Key: key, Payload: "p:" + key}
}

// checkFiredOnTime checks that no deadline fired before its time, and that
// each batch holds only deadlines due at its time, earliest first.
func checkFiredOnTime(t *testing.T, fs []firing) {
	t.Helper()
	for i, f := range fs {
		if !slices.IsSortedFunc(f.Ats, func(a, b time.Time) int { return a.Compare(b) }) {
			t.Errorf("call %d: deadlines not earliest first: %v", i, f.Ats)
		}
		for j, at := range f.Ats {
			if at.After(f.Now) {
				t.Errorf("call %d: %s (due +%v) fired at +%v, early", i, f.Keys[j], at.Sub(t0), f.Now.Sub(t0))
			}
		}
	}
}

// Deadlines fire when the clock reaches them and not a nanosecond before;
// each fires once, with the time it fired.
func TestFiresAtTimeNotBefore(t *testing.T) {
	type step struct {
		advance time.Duration
		want    []string // fired so far, in order
	}
	tests := []struct {
		name  string
		dls   []storage.Deadline
		steps []step
	}{
		{
			name: "one deadline",
			dls:  []storage.Deadline{dl(time.Minute, "a")},
			steps: []step{
				{time.Minute - time.Nanosecond, nil},
				{time.Nanosecond, []string{"a"}},
			},
		},
		{
			name: "three, reached one by one",
			dls:  []storage.Deadline{dl(3*time.Minute, "c"), dl(time.Minute, "a"), dl(2*time.Minute, "b")},
			steps: []step{
				{30 * time.Second, nil},
				{30*time.Second - time.Nanosecond, nil},
				{time.Nanosecond, []string{"a"}},
				{time.Minute - time.Millisecond, []string{"a"}},
				{time.Millisecond, []string{"a", "b"}},
				{time.Minute, []string{"a", "b", "c"}},
			},
		},
		{
			name: "a long step fires everything passed",
			dls:  []storage.Deadline{dl(time.Second, "a"), dl(time.Hour, "c"), dl(time.Minute, "b")},
			steps: []step{
				{10 * time.Minute, []string{"a", "b"}},
				{50*time.Minute - time.Nanosecond, []string{"a", "b"}},
				{time.Nanosecond, []string{"a", "b", "c"}},
			},
		},
		{
			name: "same time, several keys",
			dls:  []storage.Deadline{dl(time.Minute, "x"), dl(time.Minute, "y"), dl(time.Minute, "z")},
			steps: []step{
				{time.Minute - time.Nanosecond, nil},
				{time.Nanosecond, []string{"x", "y", "z"}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			e.put(tc.dls...)
			e.start()
			firedAt := map[string]time.Time{} // key -> clock time of the step that fired it
			for i, st := range tc.steps {
				e.advance(st.advance)
				e.waitFired(len(st.want))
				// The runner is asleep again (or never woke): nothing
				// more can be on its way.
				if len(st.want) < len(tc.dls) {
					e.waitAsleep()
				}
				if got := e.rec.fired(); !reflect.DeepEqual(got, st.want) && (len(got) != 0 || len(st.want) != 0) {
					t.Fatalf("step %d (clock +%v): fired %v, want %v", i, e.clk.Now().Sub(t0), got, st.want)
				}
				// The fire function runs inside the transaction: its
				// deletions are visible once that commits.
				want := len(tc.dls) - len(st.want)
				waitFor(t, fmt.Sprintf("step %d: %d deadlines pending", i, want), func() bool { return e.pending() == want })
				for _, k := range st.want {
					if _, ok := firedAt[k]; !ok {
						firedAt[k] = e.clk.Now()
					}
				}
			}
			fs := e.rec.firings()
			checkFiredOnTime(t, fs)
			// Each deadline fired with the time of the step that reached
			// it: not on a later wake-up.
			for _, f := range fs {
				for _, k := range f.Keys {
					if !f.Now.Equal(firedAt[k]) {
						t.Errorf("%s fired at +%v, want +%v (the step that reached it)", k, f.Now.Sub(t0), firedAt[k].Sub(t0))
					}
				}
			}
		})
	}
}

// Many deadlines due at once fire in batches of at most Options.Batch, each
// exactly once, earliest first, with AfterFire after every batch.
func TestFiresDueInBatches(t *testing.T) {
	tests := []struct {
		name      string
		batch     int
		n         int
		wantCalls int
	}{
		{"batch 3, 10 due", 3, 10, 4},
		{"batch 5, 10 due", 5, 10, 2},
		{"batch 1, 4 due", 1, 4, 4},
		{"default batch, 10 due", 0, 10, 1},
		{"default batch, 1100 due", 0, 1100, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{Batch: tc.batch})
			var want []string
			var dls []storage.Deadline
			for i := range tc.n {
				key := fmt.Sprintf("k%04d", i)
				want = append(want, key)
				dls = append(dls, dl(time.Second+time.Duration(i)*time.Millisecond, key))
			}
			dls = append(dls, dl(time.Hour, "later"))
			e.put(dls...)
			e.start()
			e.advance(time.Minute)
			e.waitFired(tc.n)
			e.waitAsleep() // on the "later" deadline

			if got := e.rec.fired(); !reflect.DeepEqual(got, want) {
				t.Errorf("fired %d keys %v..., want %d in order", len(got), got[:min(len(got), 5)], len(want))
			}
			fs := e.rec.firings()
			checkFiredOnTime(t, fs)
			batch := tc.batch
			if batch == 0 {
				batch = 512
			}
			for i, f := range fs {
				if len(f.Keys) > batch {
					t.Errorf("call %d fired %d deadlines, more than the batch of %d", i, len(f.Keys), batch)
				}
			}
			if len(fs) != tc.wantCalls {
				t.Errorf("FireFunc called %d times, want %d", len(fs), tc.wantCalls)
			}
			if got := e.rec.afters(); got != len(fs) {
				t.Errorf("AfterFire called %d times, want %d (once per batch)", got, len(fs))
			}
			if got := e.pending(); got != 1 {
				t.Errorf("%d deadlines pending, want 1", got)
			}
		})
	}
}

// A deadline added while the runner sleeps towards a later one fires at its
// own time once the runner is woken.
func TestWakeForEarlierDeadline(t *testing.T) {
	tests := []struct {
		name  string
		early time.Duration
	}{
		{"earlier by minutes", time.Minute},
		{"already due", 0},
		{"in the past", -time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			e.put(dl(10*time.Minute, "late"))
			e.start()
			e.waitAsleep()
			e.put(dl(tc.early, "early"))
			e.dl.Wake()
			if tc.early > 0 {
				if got := e.rec.fired(); len(got) != 0 {
					t.Fatalf("fired %v before the clock moved", got)
				}
				e.clk.Advance(tc.early - time.Nanosecond)
				e.waitAsleep()
				if got := e.rec.fired(); len(got) != 0 {
					t.Fatalf("fired %v a nanosecond early", got)
				}
				e.clk.Advance(time.Nanosecond)
			}
			e.waitFired(1)
			if got := e.rec.fired(); !reflect.DeepEqual(got, []string{"early"}) {
				t.Fatalf("fired %v, want [early]", got)
			}
			e.advance(10*time.Minute - max(tc.early, 0))
			e.waitFired(2)
			if got := e.rec.fired(); !reflect.DeepEqual(got, []string{"early", "late"}) {
				t.Errorf("fired %v, want [early late]", got)
			}
			checkFiredOnTime(t, e.rec.firings())
		})
	}
}

// Deadlines that passed while nothing ran fire at once on start, and Late
// reports by how much.
func TestPastDeadlinesFireAtOnce(t *testing.T) {
	e := newEnv(t, Options{})
	e.put(dl(-time.Hour, "hour"), dl(-time.Minute, "minute"), dl(-time.Nanosecond, "ns"), dl(0, "now"), dl(time.Hour, "future"))
	e.start()
	e.waitFired(4)
	e.waitAsleep()
	if got, want := e.rec.fired(), []string{"hour", "minute", "ns", "now"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
	wantLate := []time.Duration{time.Hour, time.Minute, time.Nanosecond, 0}
	if got := e.rec.lates(); !reflect.DeepEqual(got, wantLate) {
		t.Errorf("Late observed %v, want %v", got, wantLate)
	}
	if got := e.pending(); got != 1 {
		t.Errorf("%d pending, want 1 (the future one)", got)
	}
}

// Late observes how late each deadline fired, on the runner's clock.
func TestLateObservesLateness(t *testing.T) {
	e := newEnv(t, Options{Batch: 2})
	e.put(dl(time.Minute, "a"), dl(2*time.Minute, "b"), dl(4*time.Minute, "c"))
	e.start()
	e.advance(time.Minute) // a on time
	e.waitFired(1)
	e.advance(5 * time.Minute) // b 4m late, c 2m late
	e.waitFired(3)
	want := []time.Duration{0, 4 * time.Minute, 2 * time.Minute}
	waitFor(t, "three Late observations", func() bool { return len(e.rec.lates()) == 3 })
	if got := e.rec.lates(); !reflect.DeepEqual(got, want) {
		t.Errorf("Late observed %v, want %v", got, want)
	}
}

// A FireFunc error rolls its transaction back, writes and all; the batch
// is fired again at once, one deadline per transaction, so a failure that
// does not recur loses nothing and delays nothing.
func TestFailedBatchFiresOneByOne(t *testing.T) {
	e := newEnv(t, Options{})
	e.rec.fail = []error{errors.New("engine: not now")}
	// A write inside the failing transaction must be rolled back too.
	e.rec.extra = func(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
		return tx.PutDeadline(storage.Deadline{At: now.Add(time.Hour), Key: "follow-up:" + due[0].Key})
	}
	e.put(dl(time.Minute, "a"), dl(time.Minute, "b"))
	e.start()
	e.advance(time.Minute)
	e.waitFired(2)
	e.waitAsleep()
	fs := e.rec.firings()
	want := []firing{
		{Keys: []string{"a", "b"}, Now: t0.Add(time.Minute), OK: false},
		{Keys: []string{"a"}, Now: t0.Add(time.Minute), OK: true},
		{Keys: []string{"b"}, Now: t0.Add(time.Minute), OK: true},
	}
	for i := range fs {
		fs[i].Ats = nil
	}
	if !reflect.DeepEqual(fs, want) {
		t.Errorf("firings %+v, want %+v", fs, want)
	}
	if got := e.rec.afters(); got != 2 {
		t.Errorf("AfterFire called %d times, want 2 (not for the rolled-back batch)", got)
	}
	if got := e.rec.lates(); !reflect.DeepEqual(got, []time.Duration{0, 0}) {
		t.Errorf("Late observed %v, want [0 0]", got)
	}
	if got := e.pending(); got != 2 {
		t.Errorf("%d deadlines pending, want the 2 committed follow-ups", got)
	}
	if got := e.quarantined(); len(got) != 0 {
		t.Errorf("quarantined %+v, want nothing", got)
	}
}

// putRaw stores bytes under bucket/key behind storage's back, as a damaged
// or foreign record would be: the runner's database is closed meanwhile.
func (e *env) putRaw(bucket, key, value string) {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	raw, err := bolt.Open(e.path, 0o600, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error {
		// A feature's bucket exists only once written to.
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
	raw.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// quarantined lists the quarantine.
func (e *env) quarantined() []storage.Quarantined {
	e.t.Helper()
	var qs []storage.Quarantined
	if err := e.db.View(func(tx *storage.Tx) error { qs = tx.QuarantinedRecords(); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return qs
}

// readsRecipient is a FireFunc body like the 叫应 engine's: each deadline
// "alert/official" reads its recipient record, and fails on one that does
// not decode.
func readsRecipient(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		alert, official, _ := strings.Cut(d.Key, "/")
		if _, err := callout.LoadRecipient(tx, alert, official); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("fire %s: %w", d.Key, err)
		}
	}
	return nil
}

// One recipient record that does not decode, with a deadline due, does
// not stop the others: the reminders and escalations of every other alert,
// due at the same moment or later, fire on time; the bad deadline and the
// record it names go to quarantine, reported once each.
func TestPoisonedRecordDoesNotStopOthers(t *testing.T) {
	var mu sync.Mutex
	var reported []string
	e := newEnv(t, Options{Batch: 8, Quarantined: func(bucket string) {
		mu.Lock()
		reported = append(reported, bucket)
		mu.Unlock()
	}})
	e.putRaw("recipients", "A2\x00o-li", "{not json")
	e.rec.extra = readsRecipient
	e.put(dl(time.Minute, "A1/o-zhang"), dl(time.Minute, "A2/o-li"), dl(time.Minute, "A3/o-wu"),
		dl(2*time.Minute, "A4/o-he"), dl(2*time.Minute, "A2/o-li"))
	e.start()
	e.advance(time.Minute)
	e.waitFired(2)
	e.advance(time.Minute)
	e.waitFired(4)
	waitFor(t, "nothing pending", func() bool { return e.pending() == 0 })
	// Everything but the poisoned deadline fired, each at its own time.
	firedAt := map[string]time.Time{}
	for _, f := range e.rec.firings() {
		for _, k := range f.Keys {
			if f.OK {
				firedAt[k] = f.Now
			}
		}
	}
	want := map[string]time.Time{"A1/o-zhang": t0.Add(time.Minute), "A3/o-wu": t0.Add(time.Minute),
		"A4/o-he": t0.Add(2 * time.Minute), "A2/o-li": t0.Add(2 * time.Minute)}
	if !reflect.DeepEqual(firedAt, want) {
		t.Errorf("fired %v, want %v", firedAt, want)
	}
	checkFiredOnTime(t, e.rec.firings())
	qs := e.quarantined()
	if len(qs) != 2 {
		t.Fatalf("quarantined %+v, want the deadline and the recipient", qs)
	}
	if q := qs[0]; q.Bucket != "deadlines" || string(q.Key) != "A2/o-li" || string(q.Raw) != "p:A2/o-li" ||
		!strings.Contains(q.Reason, "firing failed") || !q.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("quarantined deadline %+v", q)
	}
	if q := qs[1]; q.Bucket != "recipients" || string(q.Key) != "A2\x00o-li" || string(q.Raw) != "{not json" ||
		!strings.Contains(q.Reason, "does not decode") {
		t.Errorf("quarantined record %+v", q)
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(reported, []string{"deadlines", "recipients"}) {
		t.Errorf("Quarantined reported %v", reported)
	}
	if got := e.pending(); got != 0 {
		t.Errorf("%d deadlines pending, want 0", got)
	}
}

// A deadline that fails every time, whatever the error, is quarantined
// alone; the others of its batch fire.
func TestFailingDeadlineQuarantined(t *testing.T) {
	e := newEnv(t, Options{})
	e.rec.extra = func(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
		for _, d := range due {
			if d.Key == "bad" {
				return errors.New("engine: unknown step 7")
			}
		}
		return nil
	}
	e.put(dl(time.Second, "a"), dl(time.Second, "bad"), dl(time.Second, "c"))
	e.start()
	e.advance(time.Second)
	e.waitFired(2)
	waitFor(t, "nothing pending", func() bool { return e.pending() == 0 })
	if got := e.rec.fired(); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Errorf("fired %v, want [a c]", got)
	}
	qs := e.quarantined()
	if len(qs) != 1 || qs[0].Bucket != "deadlines" || string(qs[0].Key) != "bad" || !strings.Contains(qs[0].Reason, "unknown step 7") {
		t.Errorf("quarantined %+v", qs)
	}
	if got := e.pending(); got != 0 {
		t.Errorf("%d deadlines pending, want 0", got)
	}
}

// AfterFire runs after the transaction committed: a View inside it sees the
// deadlines gone and the FireFunc's writes in place.
func TestAfterFireSeesCommit(t *testing.T) {
	e := newEnv(t, Options{Batch: 2})
	e.rec.extra = func(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
		for _, d := range due {
			if _, err := tx.Enqueue(storage.Job{ChatID: 1, Op: storage.OpSend, Text: "fired " + d.Key, CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	}
	type view struct {
		pending, queued int
		fired           int
	}
	var mu sync.Mutex
	var views []view
	e.rec.afterFn = func() {
		var v view
		err := e.db.View(func(tx *storage.Tx) error {
			v.pending, v.queued = tx.DeadlineCount(), tx.QueueLen()
			return nil
		})
		if err != nil {
			t.Errorf("View in AfterFire: %v", err)
		}
		v.fired = e.rec.firedCount()
		mu.Lock()
		views = append(views, v)
		mu.Unlock()
	}
	e.put(dl(time.Second, "a"), dl(time.Second, "b"), dl(time.Second, "c"), dl(time.Hour, "d"))
	e.start()
	e.waitAsleep()
	mu.Lock()
	if len(views) != 0 {
		t.Errorf("AfterFire called %d times before anything fired", len(views))
	}
	mu.Unlock()
	e.advance(time.Second)
	e.waitFired(3)
	waitFor(t, "two AfterFire calls", func() bool { mu.Lock(); defer mu.Unlock(); return len(views) == 2 })
	mu.Lock()
	defer mu.Unlock()
	want := []view{{pending: 2, queued: 2, fired: 2}, {pending: 1, queued: 3, fired: 3}}
	if !reflect.DeepEqual(views, want) {
		t.Errorf("AfterFire saw %+v, want %+v", views, want)
	}
}

// A deadline the FireFunc schedules for now (or earlier) fires in the same
// wake-up, without the clock moving; one for later waits.
func TestFireFuncSchedulesMore(t *testing.T) {
	e := newEnv(t, Options{})
	e.rec.extra = func(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
		for _, d := range due {
			switch d.Key {
			case "a":
				if err := tx.PutDeadline(storage.Deadline{At: now, Key: "a-now"}); err != nil {
					return err
				}
				if err := tx.PutDeadline(storage.Deadline{At: now.Add(time.Minute), Key: "a-later"}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	e.put(dl(time.Minute, "a"))
	e.start()
	e.advance(time.Minute)
	e.waitFired(2)
	e.waitAsleep()
	if got, want := e.rec.fired(), []string{"a", "a-now"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	e.advance(time.Minute)
	e.waitFired(3)
	if got, want := e.rec.fired(), []string{"a", "a-now", "a-later"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
}

// Restart: a runner stopped part-way leaves the rest in the database; a new
// runner on the reopened file fires each remaining deadline exactly once.
func TestRestartFiresRemaining(t *testing.T) {
	e := newEnv(t, Options{})
	e.put(dl(time.Minute, "a"), dl(2*time.Minute, "b"), dl(3*time.Minute, "c"), dl(-time.Minute, "overdue"))
	e.start()
	e.waitFired(1)
	e.advance(time.Minute)
	e.waitFired(2)
	e.waitAsleep()
	e.stop()
	first := e.rec.fired()
	if want := []string{"overdue", "a"}; !reflect.DeepEqual(first, want) {
		t.Fatalf("first runner fired %v, want %v", first, want)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	// The process was down for 90 seconds.
	e.open()
	e.clk.Advance(90 * time.Second)
	e.rec = &recorder{}
	e.start()
	e.waitFired(1) // b passed while down: at once
	e.advance(30 * time.Second)
	e.waitFired(2)
	if got := e.pending(); got != 0 {
		t.Errorf("%d deadlines pending, want 0", got)
	}
	if got, want := e.rec.fired(), []string{"b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("second runner fired %v, want %v", got, want)
	}
	all := append(first, e.rec.fired()...)
	sort.Strings(all)
	if want := []string{"a", "b", "c", "overdue"}; !reflect.DeepEqual(all, want) {
		t.Errorf("fired overall %v, want each of %v once", all, want)
	}
}

// Run returns nil promptly when its context is cancelled, whatever it waits on.
func TestRunStopsOnCancel(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *env)
		ready func(e *env) bool
	}{
		{"no deadlines", func(e *env) {}, func(e *env) bool { return true }},
		{"sleeping on a timer", func(e *env) { e.put(dl(time.Hour, "a")) }, func(e *env) bool { return e.clk.Timers() > 0 }},
		{"pausing after a storage error", func(e *env) {
			// A database that refuses writes: the runner retries after
			// a pause.
			e.put(dl(-time.Second, "a"))
			if err := e.db.Close(); err != nil {
				e.t.Fatal(err)
			}
			db, err := storage.OpenReadOnly(e.path)
			if err != nil {
				e.t.Fatal(err)
			}
			e.db = db
		}, func(e *env) bool { return e.clk.Timers() > 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			tc.setup(e)
			e.start()
			waitFor(t, "the state to cancel in", func() bool { return tc.ready(e) })
			start := time.Now()
			e.stop()
			if el := time.Since(start); el > time.Second {
				t.Errorf("Run took %v to return", el)
			}
			if got := e.clk.Timers(); got != 0 {
				t.Errorf("%d fake timers left armed after Run returned", got)
			}
		})
	}
}

// BenchmarkDeadlinesFire measures firing 10,000 deadlines that are all due,
// from start to the last one committed, with the default batch and a small one.
func BenchmarkDeadlinesFire(b *testing.B) {
	const n = 10000
	for _, batch := range []int{0, 64} {
		name := fmt.Sprintf("batch=%d", batch)
		if batch == 0 {
			name = "batch=default"
		}
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := storage.Open(filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)))
				if err != nil {
					b.Fatal(err)
				}
				if err := db.Update(func(tx *storage.Tx) error {
					for k := range n {
						if err := tx.PutDeadline(storage.Deadline{At: t0.Add(time.Duration(k) * time.Millisecond),
							Key: fmt.Sprintf("alert-%06d/recipient/step", k), Payload: "remind"}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				clk := clock.NewFake(t0.Add(time.Hour))
				var fired int
				all := make(chan struct{})
				fire := func(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
					fired += len(due) // the runner's goroutine only; committed right after
					return nil
				}
				after := func() {
					if fired == n {
						close(all)
					}
				}
				d := NewDeadlines(db, clk, fire, Options{Batch: batch, AfterFire: after, Log: slog.New(slog.DiscardHandler)})
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				b.StartTimer()
				start := time.Now()
				go func() { done <- d.Run(ctx) }()
				<-all
				total += time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				db.Close()
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/n, "ns/deadline")
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/10k")
		})
	}
}
