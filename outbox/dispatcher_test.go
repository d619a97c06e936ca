package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/storage"
)

// (1) Every queued job is sent exactly once, removed from the queue, and
// reported to Delivered with the id the sender returned.
func TestDeliversEveryJobOnce(t *testing.T) {
	tests := []struct {
		name    string
		chats   []int64
		perChat int
		workers int
	}{
		{"one job", []int64{7}, 1, 0},
		{"one chat, several jobs", []int64{7}, 8, 0},
		{"many chats, several workers", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 3, 4},
		{"private and group chats, one worker", []int64{11, -12, 13, -14}, 3, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := fast
			lim.Workers = tc.workers
			e := newEnv(t, lim, false)
			var jobs []storage.Job
			for i := range tc.perChat {
				for _, c := range tc.chats {
					jobs = append(jobs, e.job(c, fmt.Sprintf("chat %d msg %d", c, i)))
				}
			}
			seqs := e.enqueue(jobs...)
			e.start()
			e.waitOutcomes(len(jobs))
			e.waitQueueEmpty()
			waitFor(t, "Committed after every recording", func() bool { return e.hooks.outcomesCommitted() >= len(jobs) })
			e.stop()

			calls := e.sender.all()
			if len(calls) != len(jobs) {
				t.Errorf("sender saw %d calls, want %d", len(calls), len(jobs))
			}
			sentID := map[string]int{}
			for _, c := range calls {
				if _, dup := sentID[c.Job.Text]; dup {
					t.Errorf("%q sent twice", c.Job.Text)
				}
				sentID[c.Job.Text] = c.MsgID
				if c.Job.Op != storage.OpSend {
					t.Errorf("%q sent with op %q, want send", c.Job.Text, c.Job.Op)
				}
			}
			ds := e.hooks.deliveries()
			if len(ds) != len(jobs) {
				t.Fatalf("Delivered called %d times, want %d", len(ds), len(jobs))
			}
			bySeq := map[uint64]bool{}
			for _, d := range ds {
				if bySeq[d.Job.Seq] {
					t.Errorf("Delivered twice for seq %d", d.Job.Seq)
				}
				bySeq[d.Job.Seq] = true
				if want, ok := sentID[d.Job.Text]; !ok || d.MsgID != want {
					t.Errorf("Delivered(%q) with message id %d, want %d (the sender's)", d.Job.Text, d.MsgID, want)
				}
				if !d.At.Equal(e.dom.Now()) {
					t.Errorf("Delivered(%q) at %v, want the domain clock's %v", d.Job.Text, d.At, e.dom.Now())
				}
			}
			for _, s := range seqs {
				if !bySeq[s] {
					t.Errorf("seq %d never delivered", s)
				}
			}
			if f := e.hooks.failures(); len(f) != 0 {
				t.Errorf("Failed called %d times: %+v", len(f), f)
			}
			// Deliveries recorded together are followed by one Committed.
			if got := e.hooks.commits(); got < 1 || got > len(jobs) {
				t.Errorf("Committed called %d times, want 1 to %d", got, len(jobs))
			}
			e.sender.checkNoOverlap(t)
		})
	}
}

// (2) Each chat sees its messages in queue order and never two at once, even
// with several workers, many chats, jobs arriving while running, and
// transient errors and 429s on the way.
func TestPerChatOrder(t *testing.T) {
	tests := []struct {
		name     string
		workers  int
		chats    int
		perChat  int
		failures bool
	}{
		{"8 workers, 12 chats", 8, 12, 6, false},
		{"1 worker, 5 chats", 1, 5, 6, false},
		{"4 workers, 8 chats, errors", 4, 8, 5, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := fast
			lim.Workers = tc.workers
			e := newEnv(t, lim, true)
			rng := rand.New(rand.NewPCG(1, uint64(tc.chats)))
			want := map[int64][]string{}
			var first, later []storage.Job
			for i := range tc.perChat {
				for c := range tc.chats {
					chat := int64(100 + c)
					if c%3 == 2 {
						chat = -chat // a group
					}
					text := fmt.Sprintf("%d/%d", chat, i)
					want[chat] = append(want[chat], text)
					j := e.job(chat, text)
					if i < tc.perChat/2 {
						first = append(first, j)
					} else {
						later = append(later, j)
					}
					if tc.failures {
						switch rng.IntN(4) {
						case 0:
							e.sender.script(text, errors.New("502 bad gateway"))
						case 1:
							e.sender.script(text, &RetryAfterError{After: 2 * time.Second})
						}
					}
				}
			}
			// Random small delays make workers finish out of order.
			e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
				if c.N%3 == 0 {
					time.Sleep(time.Duration(c.N%5) * 100 * time.Microsecond)
				}
				return nil
			})
			e.enqueue(first...)
			e.start()
			e.autoDrive()
			// More jobs arrive while the dispatcher runs, one chat at a time.
			for _, j := range later {
				e.enqueue(j)
				e.d.Wake()
			}
			total := tc.chats * tc.perChat
			e.waitOutcomes(total)
			e.waitQueueEmpty()

			got := map[int64][]string{}
			for _, d := range e.hooks.deliveries() {
				got[d.Job.ChatID] = append(got[d.Job.ChatID], d.Job.Text)
			}
			for chat, w := range want {
				if !reflect.DeepEqual(got[chat], w) {
					t.Errorf("chat %d delivered %v, want %v", chat, got[chat], w)
				}
			}
			// Attempts, failed ones included, never go back in a chat's queue.
			lastIdx := map[int64]int{}
			for _, c := range e.sender.all() {
				var chat int64
				var idx int
				fmt.Sscanf(c.Job.Text, "%d/%d", &chat, &idx)
				if prev, ok := lastIdx[chat]; ok && idx < prev {
					t.Errorf("chat %d: %q sent after message %d", chat, c.Job.Text, prev)
				}
				if prev, ok := lastIdx[chat]; ok && idx > prev+1 {
					t.Errorf("chat %d: %q sent before message %d", chat, c.Job.Text, prev+1)
				}
				lastIdx[chat] = idx
			}
			if f := e.hooks.failures(); len(f) != 0 {
				t.Errorf("unexpected failures: %+v", f)
			}
			e.sender.checkNoOverlap(t)
		})
	}
}

// (3) The global rate: with a token bucket of burst 1, call k may not start
// before k/rate, whatever the number of chats. The pace clock is fake: the
// sender only sees calls as the clock advances.
func TestGlobalRate(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		jobs  int
		gap   time.Duration
		group bool
	}{
		{"50/s, 100 chats", 50, 100, 20 * time.Millisecond, false},
		{"10/s, 12 chats", 10, 12, 100 * time.Millisecond, false},
		{"4/s, 6 groups", 4, 6, 250 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: tc.rate, ChatPerSecond: 1000, GroupPerMinute: 60000}, true)
			var jobs []storage.Job
			for i := range tc.jobs {
				chat := int64(1000 + i)
				if tc.group {
					chat = -chat
				}
				jobs = append(jobs, e.job(chat, fmt.Sprint("m", i)))
			}
			e.enqueue(jobs...)
			e.start()
			// At the start only the burst (1) may go out.
			waitFor(t, "the first send and the dispatcher asleep", func() bool {
				return e.sender.count() >= 1 && asleepNow(e) || e.hooks.outcomes() == tc.jobs
			})
			if n := e.sender.count(); n != 1 {
				t.Fatalf("%d sends before the fake pace clock moved, want 1", n)
			}
			expected := time.Duration(tc.jobs-1) * tc.gap
			e.drive("all jobs delivered", expected*2+time.Second, func() bool { return e.hooks.outcomes() == tc.jobs })

			calls := e.sender.all()
			if len(calls) != tc.jobs {
				t.Fatalf("%d calls, want %d", len(calls), tc.jobs)
			}
			for k, off := range offsets(calls) {
				if min := time.Duration(k)*tc.gap - time.Microsecond; off < min {
					t.Errorf("call %d at +%v, before +%v allowed by %v/s", k, off, min, tc.rate)
				}
			}
			// Every chat is ready: the oldest job goes first.
			for k, c := range calls {
				if want := fmt.Sprint("m", k); c.Job.Text != want {
					t.Errorf("call %d sent %s, want %s (queue order across chats)", k, c.Job.Text, want)
					break
				}
			}
			last := calls[len(calls)-1].Pace.Sub(t0)
			if last > expected+expected/2+50*time.Millisecond {
				t.Errorf("last call at +%v, want about +%v", last, expected)
			}
			t.Logf("%d jobs at %v/s: last call at fake +%v (ideal +%v)", tc.jobs, tc.rate, last, expected)
		})
	}
}

// (3b) The same with the real wall clock, once, small and tolerant: the
// dispatcher paces with real time unless told otherwise.
func TestGlobalRateRealClock(t *testing.T) {
	const rate, n = 50, 26 // 25 gaps of 20ms
	e := newEnv(t, Limits{GlobalPerSecond: rate, ChatPerSecond: 1000}, false)
	var jobs []storage.Job
	for i := range n {
		jobs = append(jobs, e.job(int64(500+i), fmt.Sprint("m", i)))
	}
	e.enqueue(jobs...)
	start := time.Now()
	e.start()
	e.waitOutcomes(n)
	elapsed := time.Since(start)
	minimum := time.Duration(float64(n-1)/rate*float64(time.Second)) * 95 / 100
	if elapsed < minimum {
		t.Errorf("%d jobs at %v/s took %v, want at least %v", n, rate, elapsed, minimum)
	}
	t.Logf("%d jobs at %v/s took %v", n, rate, elapsed)
}

// (4) Per-chat rate: the burst goes at once, the rest at the chat's rate;
// groups (negative ids) use GroupPerMinute with no burst, as Telegram
// counts a group's messages in any minute.
func TestChatRate(t *testing.T) {
	type chatCase struct {
		chat int64
		n    int
		want []time.Duration // earliest pace offset of each call
	}
	tests := []struct {
		name   string
		limits Limits
		chats  []chatCase
	}{
		{
			name:   "private: rate 1/s, burst 3",
			limits: Limits{GlobalPerSecond: 1000, ChatPerSecond: 1, ChatBurst: 3},
			chats:  []chatCase{{42, 5, []time.Duration{0, 0, 0, time.Second, 2 * time.Second}}},
		},
		{
			name:   "group: 30/min, burst 1",
			limits: Limits{GlobalPerSecond: 1000, ChatPerSecond: 100, GroupPerMinute: 30},
			chats:  []chatCase{{-42, 3, []time.Duration{0, 2 * time.Second, 4 * time.Second}}},
		},
		{
			name:   "group: 60/min, no burst even when chats have one",
			limits: Limits{GlobalPerSecond: 1000, ChatPerSecond: 100, ChatBurst: 2, GroupPerMinute: 60},
			chats:  []chatCase{{-42, 4, []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}}},
		},
		{
			name:   "private and group side by side",
			limits: Limits{GlobalPerSecond: 1000, ChatPerSecond: 2, GroupPerMinute: 20},
			chats: []chatCase{
				{42, 3, []time.Duration{0, 500 * time.Millisecond, time.Second}},
				{-43, 3, []time.Duration{0, 3 * time.Second, 6 * time.Second}},
				{44, 2, []time.Duration{0, 500 * time.Millisecond}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.limits, true)
			var jobs []storage.Job
			total := 0
			var horizon time.Duration
			for i := 0; ; i++ {
				added := false
				for _, c := range tc.chats {
					if i < c.n {
						jobs = append(jobs, e.job(c.chat, fmt.Sprintf("%d/%d", c.chat, i)))
						added = true
						total++
						horizon = max(horizon, c.want[i])
					}
				}
				if !added {
					break
				}
			}
			e.enqueue(jobs...)
			e.start()
			e.drive("all jobs delivered", horizon+2*time.Second, func() bool { return e.hooks.outcomes() == total })

			byChat := map[int64][]sendCall{}
			for _, c := range e.sender.all() {
				byChat[c.Job.ChatID] = append(byChat[c.Job.ChatID], c)
			}
			for _, c := range tc.chats {
				calls := byChat[c.chat]
				if len(calls) != c.n {
					t.Errorf("chat %d: %d calls, want %d", c.chat, len(calls), c.n)
					continue
				}
				got := offsets(calls)
				for i, w := range c.want {
					if got[i] < w-time.Microsecond {
						t.Errorf("chat %d call %d at +%v, before +%v", c.chat, i, got[i], w)
					}
					// Tolerance: the global gaps (1ms each) and the test's
					// clock stepping.
					if got[i] > w+250*time.Millisecond {
						t.Errorf("chat %d call %d at +%v, want about +%v", c.chat, i, got[i], w)
					}
				}
				t.Logf("chat %d calls at %v", c.chat, got)
			}
		})
	}
}

// (5) A 429 pauses only the chat that got it, for the time it asked; the job
// is then retried and delivered once, and the chat keeps its order.
func TestRetryAfterPausesOnlyThatChat(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
	}{
		{"3s", 3 * time.Second},
		{"10s", 10 * time.Second},
		{"1m", time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 10, GroupPerMinute: 600}, true)
			e.enqueue(e.job(1, "A1"), e.job(2, "B1"), e.job(1, "A2"), e.job(2, "B2"), e.job(-3, "G1"), e.job(2, "B3"), e.job(-3, "G2"))
			e.sender.script("A1", &RetryAfterError{After: tc.after})
			e.start()
			e.drive("all delivered", tc.after+5*time.Second, func() bool { return e.hooks.outcomes() == 7 })

			a1 := e.sender.callsFor("A1")
			if len(a1) != 2 {
				t.Fatalf("A1 sent %d times, want 2 (429, then success)", len(a1))
			}
			pausedAt := a1[0].Pace
			if gap := a1[1].Pace.Sub(pausedAt); gap < tc.after {
				t.Errorf("A1 retried %v after the 429, want at least %v", gap, tc.after)
			} else if gap > tc.after+time.Second {
				t.Errorf("A1 retried %v after the 429, want about %v", gap, tc.after)
			}
			a2 := e.sender.callsFor("A2")
			if len(a2) != 1 || a2[0].N < a1[1].N {
				t.Errorf("A2 calls %+v, want one after A1's retry", a2)
			}
			for _, other := range []string{"B1", "B2", "B3", "G1", "G2"} {
				cs := e.sender.callsFor(other)
				if len(cs) != 1 {
					t.Errorf("%s sent %d times, want 1", other, len(cs))
					continue
				}
				if !cs[0].Pace.Before(pausedAt.Add(tc.after)) {
					t.Errorf("%s sent at +%v, held up by the other chat's pause until +%v",
						other, cs[0].Pace.Sub(t0), pausedAt.Add(tc.after).Sub(t0))
				}
			}
			if got := e.hooks.deliveredText("A1"); len(got) != 1 || got[0].MsgID != a1[1].MsgID {
				t.Errorf("Delivered for A1: %+v, want once with id %d", got, a1[1].MsgID)
			}
			if f := e.hooks.failures(); len(f) != 0 {
				t.Errorf("unexpected failures: %+v", f)
			}
			e.waitQueueEmpty()
		})
	}
}

// (6) Transient errors are retried with growing backoff, then the job is
// delivered once; other chats are not held up.
func TestTransientErrorsRetriedWithBackoff(t *testing.T) {
	tests := []struct {
		name string
		errs []error
	}{
		{"one 5xx", []error{errors.New("502 bad gateway")}},
		{"three network errors", []error{errors.New("connection reset"), errors.New("EOF"), errors.New("i/o timeout")}},
		{"request timeout", []error{context.DeadlineExceeded, context.DeadlineExceeded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 100}, true)
			e.enqueue(e.job(1, "A1"), e.job(1, "A2"), e.job(2, "B1"), e.job(2, "B2"))
			e.sender.script("A1", tc.errs...)
			e.start()
			e.drive("all delivered", 5*time.Minute, func() bool { return e.hooks.outcomes() == 4 })

			a1 := e.sender.callsFor("A1")
			if len(a1) != len(tc.errs)+1 {
				t.Fatalf("A1 sent %d times, want %d", len(a1), len(tc.errs)+1)
			}
			var prev time.Duration
			for i := 1; i < len(a1); i++ {
				gap := a1[i].Pace.Sub(a1[i-1].Pace)
				if gap < 500*time.Millisecond {
					t.Errorf("retry %d came %v after the failure, want a backoff", i, gap)
				}
				if gap < prev {
					t.Errorf("retry %d came %v after the failure, sooner than the previous backoff %v", i, gap, prev)
				}
				prev = gap
			}
			t.Logf("A1 attempts at %v", offsets(a1))
			if a2 := e.sender.callsFor("A2"); len(a2) != 1 || a2[0].N < a1[len(a1)-1].N {
				t.Errorf("A2 calls %+v, want one after A1 got through", a2)
			}
			for _, b := range []string{"B1", "B2"} {
				cs := e.sender.callsFor(b)
				if len(cs) != 1 || !cs[0].Pace.Before(a1[1].Pace) {
					t.Errorf("%s calls %+v, want one before A1's first retry", b, cs)
				}
			}
			if got := e.hooks.deliveredText("A1"); len(got) != 1 {
				t.Errorf("Delivered for A1 %d times, want 1", len(got))
			}
			if f := e.hooks.failures(); len(f) != 0 {
				t.Errorf("unexpected failures: %+v", f)
			}
		})
	}
}

// (7) ErrUnreachable and ErrPermanent give up at once: Failed once with the
// right flag, the job removed, no retry, and the chat's next job goes on.
func TestPermanentFailures(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		unreachable bool
	}{
		{"unreachable", ErrUnreachable, true},
		{"unreachable wrapped", fmt.Errorf("%w: Forbidden: bot was blocked by the user", ErrUnreachable), true},
		{"permanent", ErrPermanent, false},
		{"permanent wrapped", fmt.Errorf("%w: Bad Request: message text is empty", ErrPermanent), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fast, false)
			e.dom.Advance(time.Hour)
			e.enqueue(e.job(5, "doomed"), e.job(5, "next"))
			e.sender.script("doomed", tc.err)
			e.start()
			e.waitOutcomes(2)
			e.waitQueueEmpty()
			waitFor(t, "two commits", func() bool { return e.hooks.commits() >= 2 })
			e.stop()

			if n := len(e.sender.callsFor("doomed")); n != 1 {
				t.Errorf("doomed sent %d times, want 1 (no retry)", n)
			}
			fs := e.hooks.failures()
			if len(fs) != 1 {
				t.Fatalf("Failed called %d times, want 1", len(fs))
			}
			f := fs[0]
			if f.Job.Text != "doomed" || f.Unreachable != tc.unreachable {
				t.Errorf("Failed(%q, unreachable=%v), want (doomed, %v)", f.Job.Text, f.Unreachable, tc.unreachable)
			}
			if !strings.Contains(f.Reason, tc.err.Error()) {
				t.Errorf("reason %q does not say %q", f.Reason, tc.err)
			}
			if !f.At.Equal(e.dom.Now()) {
				t.Errorf("failed at %v, want the domain time %v", f.At, e.dom.Now())
			}
			if d := e.hooks.deliveredText("doomed"); len(d) != 0 {
				t.Errorf("Delivered called for the failed job: %+v", d)
			}
			if d := e.hooks.deliveredText("next"); len(d) != 1 {
				t.Errorf("next job delivered %d times, want 1", len(d))
			}
			if got := e.hooks.commits(); got != 2 {
				t.Errorf("Committed called %d times, want 2", got)
			}
		})
	}
}

// (8) A job still failing GiveUpAfter after it was created (domain time) is
// given up (the chat itself is not marked unreachable: an outage of the
// service says nothing about the chat); before that it is retried.
func TestGiveUpAfter(t *testing.T) {
	const giveUp = 10 * time.Minute
	tests := []struct {
		name      string
		advance   time.Duration // domain time moved after the first failure
		wantFail  bool
		wantCalls int
	}{
		{"past GiveUpAfter", giveUp + time.Second, true, 2},
		{"exactly GiveUpAfter", giveUp, true, 2},
		{"short of GiveUpAfter", giveUp - time.Second, false, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 100, GiveUpAfter: giveUp}, true)
			e.enqueue(e.job(9, "flaky"))
			e.sender.script("flaky", errors.New("503 service unavailable"), errors.New("503 service unavailable"))
			e.start()
			// The first failure is settled once the dispatcher sleeps on
			// its backoff timer.
			waitFor(t, "the first failure and the backoff", func() bool {
				return e.sender.count() == 1 && asleepNow(e)
			})
			if len(e.hooks.failures()) != 0 {
				t.Fatal("gave up after the first transient failure")
			}
			e.dom.Advance(tc.advance)
			e.drive("an outcome", 10*time.Minute, func() bool { return e.hooks.outcomes() == 1 })
			e.waitQueueEmpty()

			if got := e.sender.count(); got != tc.wantCalls {
				t.Errorf("sender called %d times, want %d", got, tc.wantCalls)
			}
			fs := e.hooks.failures()
			if !tc.wantFail {
				if len(fs) != 0 || len(e.hooks.deliveredText("flaky")) != 1 {
					t.Errorf("failures %+v, deliveries %+v: want delivered once", fs, e.hooks.deliveries())
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("Failed called %d times, want 1", len(fs))
			}
			if fs[0].Unreachable {
				t.Errorf("gave up with unreachable=true: an outage would mark every chat unreachable")
			}
			if !strings.Contains(fs[0].Reason, "503") {
				t.Errorf("reason %q does not carry the last error", fs[0].Reason)
			}
			if !fs[0].At.Equal(t0.Add(tc.advance)) {
				t.Errorf("failed at %v, want the domain time %v", fs[0].At, t0.Add(tc.advance))
			}
		})
	}
}

// (9a) Jobs re-enqueued with the same key while waiting are sent once, with
// the latest content, in the place of the first.
func TestCoalesceQueued(t *testing.T) {
	e := newEnv(t, Limits{GlobalPerSecond: 1e6, ChatPerSecond: 1e6, ChatBurst: 1000, Workers: 1}, false)
	j := e.job(3, "v1")
	j.Key = "summary:1"
	e.enqueue(j)
	e.enqueue(e.job(3, "other"))
	for _, text := range []string{"v2", "v3"} {
		j.Text = text
		e.enqueue(j)
	}
	if q := e.queue(); len(q) != 2 {
		t.Fatalf("queue holds %d jobs, want 2", len(q))
	}
	e.start()
	e.waitOutcomes(2)
	e.waitQueueEmpty()

	var texts []string
	for _, c := range e.sender.all() {
		texts = append(texts, c.Job.Text)
	}
	if want := []string{"v3", "other"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("sent %v, want %v", texts, want)
	}
	ds := e.hooks.deliveredText("v3")
	if len(ds) != 1 || ds[0].Job.Version != 2 {
		t.Errorf("Delivered for v3: %+v, want once at version 2", ds)
	}
}

// (9b) When a job's content changes while it is being sent, the dispatcher
// follows with an edit of the message just delivered carrying the new content.
func TestCoalesceInFlight(t *testing.T) {
	tests := []struct {
		name      string
		firstErr  error    // outcome of the blocked first send
		updates   []string // content enqueued while the first send is blocked
		wantCalls []string // op:text of every call
		wantDeliv []string // op:text of every Delivered
	}{
		{
			name:      "delivered, then edited",
			updates:   []string{"v2"},
			wantCalls: []string{"send:v1", "edit:v2"},
			wantDeliv: []string{"send:v1", "edit:v2"},
		},
		{
			name:      "two changes make one edit",
			updates:   []string{"v2", "v3"},
			wantCalls: []string{"send:v1", "edit:v3"},
			wantDeliv: []string{"send:v1", "edit:v3"},
		},
		{
			name:      "failed send is retried with the new content",
			firstErr:  errors.New("502"),
			updates:   []string{"v2"},
			wantCalls: []string{"send:v1", "send:v2"},
			wantDeliv: []string{"send:v2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000, Workers: 2}, true)
			j := e.job(4, "v1")
			j.Key = "summary:A"
			e.enqueue(j)
			entered, release := make(chan struct{}), newGate(t)
			var once sync.Once
			e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
				if c.N != 0 {
					return nil
				}
				once.Do(func() { close(entered) })
				<-release.c
				return tc.firstErr
			})
			e.start()
			select {
			case <-entered:
			case <-time.After(waitTimeout):
				t.Fatal("first send never started")
			}
			for _, text := range tc.updates {
				j.Text = text
				e.enqueue(j)
				e.d.Wake()
			}
			release.open()
			e.drive("the final content delivered", 5*time.Minute, func() bool {
				return len(e.hooks.deliveries()) == len(tc.wantDeliv) && len(e.queue()) == 0
			})

			var calls, deliv []string
			firstID := 0
			for _, c := range e.sender.all() {
				calls = append(calls, c.Job.Op+":"+c.Job.Text)
				if c.Err == nil && firstID == 0 {
					firstID = c.MsgID
				}
			}
			for _, d := range e.hooks.deliveries() {
				deliv = append(deliv, d.Job.Op+":"+d.Job.Text)
				if d.MsgID != firstID {
					t.Errorf("Delivered(%s) with message id %d, want %d", d.Job.Op+":"+d.Job.Text, d.MsgID, firstID)
				}
			}
			if !reflect.DeepEqual(calls, tc.wantCalls) {
				t.Errorf("calls %v, want %v", calls, tc.wantCalls)
			}
			if !reflect.DeepEqual(deliv, tc.wantDeliv) {
				t.Errorf("Delivered %v, want %v", deliv, tc.wantDeliv)
			}
			for _, c := range e.sender.all() {
				if c.Job.Op == storage.OpEdit && c.Job.MessageID != firstID {
					t.Errorf("edit of message %d, want %d (the one delivered)", c.Job.MessageID, firstID)
				}
			}
		})
	}
}

// (10) Jobs left in the database are sent by a new dispatcher after a
// restart, and those already delivered are not sent again.
func TestRestartResumesQueue(t *testing.T) {
	tests := []struct {
		name      string
		firstRuns int // jobs the first dispatcher delivers before stopping (-1: it never runs)
	}{
		{"never ran", -1},
		{"stopped with a send in flight", 3},
		{"stopped before sending anything", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1e6, ChatPerSecond: 1e6, ChatBurst: 100, Workers: 1}, false)
			var all []string
			for i := range 6 {
				text := fmt.Sprint("m", i)
				all = append(all, text)
				e.enqueue(e.job(int64(1+i%2), text))
			}
			if tc.firstRuns >= 0 {
				// The first dispatcher delivers firstRuns jobs, then blocks
				// until it is stopped.
				blocked, release := make(chan struct{}), newGate(t)
				var once sync.Once
				e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
					if c.N < tc.firstRuns {
						return nil
					}
					once.Do(func() { close(blocked) })
					<-release.c
					return errors.New("connection reset")
				})
				e.start()
				select {
				case <-blocked:
				case <-time.After(waitTimeout):
					t.Fatal("first dispatcher never reached the blocking send")
				}
				// Run waits for the send in flight, which then fails.
				e.stopWith(release.open)
			}
			firstDelivered := sortedTexts(e.hooks.deliveries())
			if len(firstDelivered) != max(tc.firstRuns, 0) {
				t.Fatalf("first dispatcher delivered %v, want %d jobs", firstDelivered, tc.firstRuns)
			}

			e.reopen()
			e.sender.setOnCall(nil)
			callsBefore := e.sender.count()
			e.newDispatcher()
			e.start()
			e.waitOutcomes(len(all))
			e.waitQueueEmpty()

			got := map[string]int{}
			for _, d := range e.hooks.deliveries() {
				got[d.Job.Text]++
			}
			for _, text := range all {
				if got[text] != 1 {
					t.Errorf("%s delivered %d times, want 1", text, got[text])
				}
			}
			if n := e.sender.count() - callsBefore; n != len(all)-max(tc.firstRuns, 0) {
				t.Errorf("second dispatcher sent %d jobs, want %d", n, len(all)-max(tc.firstRuns, 0))
			}
		})
	}
}

// (11) Idle is closed only once nothing is queued or in flight.
func TestIdle(t *testing.T) {
	t.Run("empty queue", func(t *testing.T) {
		e := newEnv(t, fast, false)
		idle := e.d.Idle()
		e.start()
		select {
		case <-idle:
		case <-time.After(waitTimeout):
			t.Fatal("Idle not closed with an empty queue")
		}
	})
	t.Run("drained", func(t *testing.T) {
		e := newEnv(t, fast, false)
		release := newGate(t)
		e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
			if c.Job.Text == "a" {
				<-release.c
			}
			return nil
		})
		e.enqueue(e.job(1, "a"), e.job(1, "b"), e.job(2, "c"))
		e.start()
		waitFor(t, "the first send", func() bool { return e.sender.count() >= 1 })
		idle := e.d.Idle()
		// The blocked send keeps the dispatcher busy: Idle must stay open.
		waitFor(t, "chat 2 delivered", func() bool { return len(e.hooks.deliveredText("c")) == 1 })
		select {
		case <-idle:
			t.Fatal("Idle closed while a send was in flight and a job queued")
		default:
		}
		release.open()
		select {
		case <-idle:
		case <-time.After(waitTimeout):
			t.Fatal("Idle not closed after the queue drained")
		}
		if n := len(e.hooks.deliveries()); n != 3 {
			t.Errorf("Idle closed with %d of 3 jobs delivered", n)
		}
		if q := e.queue(); len(q) != 0 {
			t.Errorf("Idle closed with %d jobs in the database", len(q))
		}

		// Idle again after new work: enqueue, Wake, then Idle.
		e.enqueue(e.job(3, "d"), e.job(3, "e"))
		e.d.Wake()
		select {
		case <-e.d.Idle():
		case <-time.After(waitTimeout):
			t.Fatal("Idle not closed after the second batch")
		}
		if n := len(e.hooks.deliveries()); n != 5 {
			t.Errorf("Idle closed with %d of 5 jobs delivered", n)
		}
	})
}

// (11b) Idle called when the dispatcher has already drained the queue and
// gone to sleep: by its contract ("closed when, at some moment after the
// call, nothing was queued or in flight") the channel must close.
func TestIdleWhenAlreadyIdle(t *testing.T) {
	e := newEnv(t, fast, false)
	e.enqueue(e.job(1, "a"))
	first := e.d.Idle()
	e.start()
	// The first channel closes once the job is delivered: from then on the
	// dispatcher is idle and asleep.
	select {
	case <-first:
	case <-time.After(waitTimeout):
		t.Fatal("Idle not closed after the queue drained")
	}
	if n := len(e.hooks.deliveries()); n != 1 {
		t.Fatalf("Idle closed with %d of 1 job delivered", n)
	}
	select {
	case <-e.d.Idle():
	case <-time.After(time.Second):
		t.Fatal("Idle() called on an idle dispatcher did not close within 1s")
	}
}

// (12) Cancelling the context stops Run in every state. Sends in flight are
// not cancelled: Run waits for them (each bounded by RequestTimeout) so that
// a delivered message is always recorded.
func TestRunStopsOnCancel(t *testing.T) {
	tests := []struct {
		name      string
		limits    Limits
		setup     func(e *env, release *gate)
		ready     func(e *env) bool // the state to cancel in
		blocked   bool              // Run must wait for a blocked send
		wantQueue int
		wantDeliv int
	}{
		{
			name:   "idle",
			limits: fast,
			setup:  func(e *env, _ *gate) {},
			ready:  func(e *env) bool { return true },
		},
		{
			name:   "sleeping on the chat rate",
			limits: Limits{ChatPerSecond: 0.001},
			setup:  func(e *env, _ *gate) { e.enqueue(e.job(1, "a"), e.job(1, "b")) },
			ready:  func(e *env) bool { return e.sender.count() == 1 && len(e.hooks.deliveries()) == 1 },
			// b waits 1000s for the chat's next token
			wantQueue: 1,
			wantDeliv: 1,
		},
		{
			name:   "paused by a 429",
			limits: fast,
			setup: func(e *env, _ *gate) {
				e.enqueue(e.job(1, "a"))
				e.sender.script("a", &RetryAfterError{After: time.Hour})
			},
			ready:     func(e *env) bool { return e.sender.count() == 1 && e.sender.idle() },
			wantQueue: 1,
		},
		{
			name:   "send in flight completes and is recorded",
			limits: fast,
			setup: func(e *env, release *gate) {
				e.enqueue(e.job(1, "a"))
				e.sender.setOnCall(func(ctx context.Context, c sendCall) error { <-release.c; return nil })
			},
			ready:     func(e *env) bool { return e.sender.count() == 1 },
			blocked:   true,
			wantDeliv: 1,
		},
		{
			name:   "send in flight bounded by RequestTimeout",
			limits: Limits{GlobalPerSecond: 1e6, ChatPerSecond: 1e6, RequestTimeout: 100 * time.Millisecond},
			setup: func(e *env, _ *gate) {
				e.enqueue(e.job(1, "a"))
				e.sender.setOnCall(func(ctx context.Context, c sendCall) error { <-ctx.Done(); return ctx.Err() })
			},
			ready:     func(e *env) bool { return e.sender.count() == 1 },
			wantQueue: 1,
		},
		{
			name:   "all workers busy",
			limits: Limits{GlobalPerSecond: 1e6, ChatPerSecond: 1e6, Workers: 1},
			setup: func(e *env, release *gate) {
				e.enqueue(e.job(1, "a"), e.job(2, "b"), e.job(3, "c"))
				e.sender.setOnCall(func(ctx context.Context, c sendCall) error { <-release.c; return nil })
			},
			ready:     func(e *env) bool { return e.sender.count() == 1 },
			blocked:   true,
			wantQueue: 2,
			wantDeliv: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.limits, false)
			release := newGate(t)
			tc.setup(e, release)
			e.start()
			waitFor(t, "the state to cancel in", func() bool { return tc.ready(e) })
			done := e.done
			start := time.Now()
			e.stopWith(func() {
				if !tc.blocked {
					return
				}
				select {
				case err := <-done:
					t.Errorf("Run returned (%v) with a send in flight", err)
					done <- err
				case <-time.After(50 * time.Millisecond):
				}
				release.open()
			})
			if el := time.Since(start); el > time.Second {
				t.Errorf("Run took %v to return after cancel", el)
			}
			if q := e.queue(); len(q) != tc.wantQueue {
				t.Errorf("%d jobs left queued, want %d", len(q), tc.wantQueue)
			}
			if d := e.hooks.deliveries(); len(d) != tc.wantDeliv {
				t.Errorf("%d jobs recorded delivered, want %d", len(d), tc.wantDeliv)
			}
			if f := e.hooks.failures(); len(f) != 0 {
				t.Errorf("cancel made jobs fail: %+v", f)
			}
			if n := e.sender.count(); n != 1 && tc.name != "idle" {
				t.Errorf("%d sends, want 1: nothing new may start after cancel", n)
			}
		})
	}
}

// A Delivered hook that fails rolls its transaction back: the job stays,
// its recording is retried (not its send), and it is recorded once it
// commits.
func TestDeliveredHookErrorRetries(t *testing.T) {
	e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000}, true)
	e.hooks.deliveredErrs = []error{errors.New("disk full")}
	e.enqueue(e.job(1, "a"), e.job(1, "b"))
	e.start()
	e.drive("both delivered", time.Minute, func() bool { return len(e.hooks.deliveries()) == 2 })
	e.waitQueueEmpty()
	waitFor(t, "two commits", func() bool { return e.hooks.commits() >= 2 })
	e.stop()

	var texts []string
	for _, c := range e.sender.all() {
		texts = append(texts, c.Job.Text)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("calls %v, want %v", texts, want)
	}
	if got := e.hooks.commits(); got != 2 {
		t.Errorf("Committed %d times, want 2 (not after the rollback)", got)
	}
}

func asleepNow(e *env) bool {
	_, ok := e.asleep()
	return ok
}

// Lazy jobs are rendered by the hooks (Renderer) inside the read transaction
// just before sending; ok=false drops the job without sending it; a render
// error is retried; jobs that are not lazy are sent as queued.
func TestLazyJobsRendered(t *testing.T) {
	tests := []struct {
		name       string
		render     func(calls int, tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error)
		wantSent   []string // texts the sender saw for chat 1, in order
		wantDeliv  []string
		wantRender int
	}{
		{
			name: "rendered from current state",
			render: func(_ int, tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
				return fmt.Sprintf("%s, %d queued", j.Text, tx.QueueLen()), [][]storage.Button{{{Text: "OK", Data: "ok"}}}, true, nil
			},
			wantSent:   []string{"summary, 2 queued", "after"},
			wantDeliv:  []string{"summary, 2 queued", "after"},
			wantRender: 1,
		},
		{
			name: "dropped",
			render: func(_ int, tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
				return "", nil, false, nil
			},
			wantSent:   []string{"after"},
			wantDeliv:  []string{"after"},
			wantRender: 1,
		},
		{
			name: "render error retried",
			render: func(calls int, tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
				if calls == 1 {
					return "", nil, false, errors.New("alert record unreadable")
				}
				return "second try", nil, true, nil
			},
			wantSent:   []string{"second try", "after"},
			wantDeliv:  []string{"second try", "after"},
			wantRender: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000}, true)
			calls := 0
			e.hooks.render = func(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
				calls++ // render runs in one worker at a time here: one chat
				return tc.render(calls, tx, j)
			}
			lazy := e.job(1, "summary")
			lazy.Lazy = true
			e.enqueue(lazy, e.job(1, "after"))
			e.start()
			e.drive("the queue drained", time.Minute, func() bool {
				return len(e.hooks.deliveries()) == len(tc.wantDeliv) && len(e.queue()) == 0
			})
			var sent, deliv []string
			for _, c := range e.sender.all() {
				sent = append(sent, c.Job.Text)
			}
			for _, d := range e.hooks.deliveries() {
				deliv = append(deliv, d.Job.Text)
			}
			if !reflect.DeepEqual(sent, tc.wantSent) {
				t.Errorf("sent %q, want %q", sent, tc.wantSent)
			}
			if !reflect.DeepEqual(deliv, tc.wantDeliv) {
				t.Errorf("Delivered %q, want %q", deliv, tc.wantDeliv)
			}
			if got := e.hooks.rendered(); len(got) != tc.wantRender {
				t.Errorf("Render called for %q, want %d calls for the lazy job only", got, tc.wantRender)
			}
			if f := e.hooks.failures(); len(f) != 0 {
				t.Errorf("unexpected failures: %+v", f)
			}
		})
	}
}

// OnDelivered sees each delivered job once, as sent (lazy jobs rendered),
// only after the transaction recording it has committed; failed jobs and
// rolled-back deliveries are not reported.
func TestOnDelivered(t *testing.T) {
	type seen struct {
		Text    string
		MsgID   int
		InQueue bool // the job was still queued when observed
		Hooked  bool // Delivered had recorded it when observed
	}
	tests := []struct {
		name  string
		setup func(e *env)
		jobs  func(e *env) []storage.Job
		want  []string // texts observed, in order (one chat)
	}{
		{
			name: "every delivery once",
			jobs: func(e *env) []storage.Job { return []storage.Job{e.job(1, "a"), e.job(1, "b")} },
			want: []string{"a", "b"},
		},
		{
			name:  "failed jobs are not observed",
			setup: func(e *env) { e.sender.script("doomed", ErrPermanent) },
			jobs:  func(e *env) []storage.Job { return []storage.Job{e.job(1, "doomed"), e.job(1, "next")} },
			want:  []string{"next"},
		},
		{
			name:  "a rolled-back delivery is observed once, when it commits",
			setup: func(e *env) { e.hooks.deliveredErrs = []error{errors.New("disk full")} },
			jobs:  func(e *env) []storage.Job { return []storage.Job{e.job(1, "a")} },
			want:  []string{"a"},
		},
		{
			name: "lazy jobs as rendered",
			setup: func(e *env) {
				e.hooks.render = func(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
					return j.Text + " rendered", nil, true, nil
				}
			},
			jobs: func(e *env) []storage.Job {
				j := e.job(1, "summary")
				j.Lazy = true
				return []storage.Job{j}
			},
			want: []string{"summary rendered"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, fast, false)
			if tc.setup != nil {
				tc.setup(e)
			}
			var mu sync.Mutex
			var got []seen
			e.d.OnDelivered = func(j storage.Job, msgID int, at time.Time) {
				s := seen{Text: j.Text, MsgID: msgID}
				_ = e.db.View(func(tx *storage.Tx) error {
					_, err := tx.Job(j.Seq)
					s.InQueue = err == nil
					return nil
				})
				for _, d := range e.hooks.deliveries() {
					s.Hooked = s.Hooked || d.Job.Seq == j.Seq
				}
				if !at.Equal(e.dom.Now()) {
					t.Errorf("observed %q at %v, want the domain time %v", j.Text, at, e.dom.Now())
				}
				mu.Lock()
				got = append(got, s)
				mu.Unlock()
			}
			e.enqueue(tc.jobs(e)...)
			e.start()
			e.waitQueueEmpty()
			waitFor(t, "every observation", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) >= len(tc.want)
			})
			e.stop()

			sent := map[string]int{}
			for _, c := range e.sender.all() {
				if c.Err == nil {
					sent[c.Job.Text] = c.MsgID
				}
			}
			var texts []string
			for _, s := range got {
				texts = append(texts, s.Text)
				if s.InQueue || !s.Hooked {
					t.Errorf("%q observed before its delivery committed (still queued %v, recorded %v)", s.Text, s.InQueue, s.Hooked)
				}
				if s.MsgID != sent[s.Text] {
					t.Errorf("%q observed with message id %d, want the sender's %d", s.Text, s.MsgID, sent[s.Text])
				}
			}
			if !reflect.DeepEqual(texts, tc.want) {
				t.Errorf("observed %q, want %q", texts, tc.want)
			}
		})
	}
}
