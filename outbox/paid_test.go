package outbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"dutybot/storage"
)

// paidJob is a first call that asks for paid broadcast.
func (e *env) paidJob(chat int64, text string) storage.Job {
	j := e.job(chat, text)
	j.Ref.Kind, j.Priority, j.Paid = storage.RefCall, 4, true
	return j
}

// Paid jobs go at the paid pace, the rest at the free pace, side by side;
// only the paid ones carry the flag.
func TestPaidLane(t *testing.T) {
	cases := []struct {
		name     string
		paidRate float64
		wantPaid bool
	}{
		{"paid lane", 1000, true},
		{"no paid lane: sent unpaid at the free pace", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := Limits{GlobalPerSecond: 10, ChatPerSecond: 1e6, ChatBurst: 1000, GroupPerMinute: 1e8, Workers: 16,
				PaidPerSecond: tc.paidRate}
			e := newEnv(t, lim, true)
			var jobs []storage.Job
			for i := range 5 {
				jobs = append(jobs, e.job(int64(1000+i), fmt.Sprintf("routine %d", i)))
			}
			for i := range 200 {
				jobs = append(jobs, e.paidJob(int64(i+1), fmt.Sprintf("red %d", i)))
			}
			e.enqueue(jobs...)
			e.start()
			e.drive("every job sent", time.Minute, func() bool { return e.hooks.outcomes() >= len(jobs) })
			e.stop()

			var lastRed, lastRoutine time.Duration
			for _, c := range e.sender.all() {
				at := c.Pace.Sub(t0)
				red := c.Job.Ref.Kind == storage.RefCall
				if c.Job.Paid != (red && tc.wantPaid) {
					t.Errorf("%q sent with paid=%v", c.Job.Text, c.Job.Paid)
				}
				if red {
					lastRed = max(lastRed, at)
				} else {
					lastRoutine = max(lastRoutine, at)
				}
			}
			for _, d := range e.hooks.deliveries() {
				if d.Job.Paid != (d.Job.Ref.Kind == storage.RefCall && tc.wantPaid) {
					t.Errorf("%q recorded with paid=%v", d.Job.Text, d.Job.Paid)
				}
			}
			if !tc.wantPaid {
				// 205 messages at 10 a second.
				if lastRed < 19*time.Second {
					t.Errorf("last red call at +%v, want the free pace (about 20s)", lastRed)
				}
				return
			}
			// 200 calls at 1,000 a second, whatever the routine messages do.
			if lastRed > 250*time.Millisecond {
				t.Errorf("last red call at +%v, want within 0.25s at 1,000 a second", lastRed)
			}
			// The routine ones keep their own pace, 10 a second.
			if lastRoutine < 390*time.Millisecond {
				t.Errorf("last routine message at +%v, want the free pace (at least 0.4s for 5)", lastRoutine)
			}
		})
	}
}

// starSender refuses paid sends once its balance is spent, as Telegram does
// for lack of Stars; nothing is sent then.
type starSender struct {
	mu      sync.Mutex
	balance int
}

func (s *starSender) spend(ctx context.Context, c sendCall) error {
	if !c.Job.Paid {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.balance == 0 {
		return fmt.Errorf("%w: BALANCE_TOO_LOW", ErrNoStars)
	}
	s.balance--
	return nil
}

func (s *starSender) topUp(n int) {
	s.mu.Lock()
	s.balance += n
	s.mu.Unlock()
}

// A refusal for lack of Stars sends the refused call and every paid job
// after it at the free pace at once, loses nothing, is told once, and paid
// sending resumes after PaidRetryAfter.
func TestPaidRefusedFallsBackToFreePace(t *testing.T) {
	lim := Limits{GlobalPerSecond: 10, ChatPerSecond: 1e6, ChatBurst: 1000, GroupPerMinute: 1e8, Workers: 4,
		PaidPerSecond: 1000, PaidRetryAfter: 2 * time.Second}
	e := newEnv(t, lim, true)
	stars := &starSender{balance: 20}
	var mu sync.Mutex
	var told []time.Time
	e.d.OnPaidRefused = func(until time.Time) {
		mu.Lock()
		told = append(told, until)
		mu.Unlock()
		stars.topUp(1000) // the admins top up the balance
	}
	e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
		// Fail only sends marked as refused: the fake sender records every
		// call, refused ones included.
		return stars.spend(ctx, c)
	})
	var jobs []storage.Job
	for i := range 100 {
		jobs = append(jobs, e.paidJob(int64(i+1), fmt.Sprintf("red %d", i)))
	}
	e.enqueue(jobs...)
	e.start()
	e.drive("every call delivered", time.Minute, func() bool { return e.hooks.outcomes() >= len(jobs) })
	e.stop()

	delivered := map[string]int{}
	paid := 0
	for _, d := range e.hooks.deliveries() {
		delivered[d.Job.Text]++
		if d.Job.Paid {
			paid++
		}
	}
	for _, j := range jobs {
		if delivered[j.Text] != 1 {
			t.Errorf("%q delivered %d times, want once", j.Text, delivered[j.Text])
		}
	}
	if f := e.hooks.failures(); len(f) != 0 {
		t.Errorf("%d calls given up after the refusal: %+v", len(f), f)
	}
	mu.Lock()
	n := len(told)
	mu.Unlock()
	if n != 1 {
		t.Errorf("OnPaidRefused called %d times, want once", n)
	}
	// 20 paid before the refusal; about 20 at 10 a second in the 2s
	// without paid; the rest paid again.
	var refusedAt time.Duration
	for _, c := range e.sender.all() {
		if c.Err != nil && refusedAt == 0 {
			refusedAt = c.Pace.Sub(t0)
		}
	}
	for _, c := range e.sender.all() {
		at := c.Pace.Sub(t0)
		if c.Err == nil && c.Job.Paid && at > refusedAt && at < refusedAt+2*time.Second {
			t.Errorf("%q sent paid at +%v, within the 2s after the refusal at +%v", c.Job.Text, at, refusedAt)
		}
	}
	if paid < 20+50 || paid > 100-15 {
		t.Errorf("%d calls delivered paid; want the 20 before the refusal and the rest after the retry, about 20 free between", paid)
	}
}

// A chat that had nothing left to send keeps its pace: the edit after an
// answer, queued the moment the call went out, waits its turn in the chat
// rather than meeting a 429.
func TestIdleChatKeepsItsPace(t *testing.T) {
	lim := Limits{GlobalPerSecond: 1000, ChatPerSecond: 1, ChatBurst: 1, GroupPerMinute: 20, Workers: 4}
	e := newEnv(t, lim, true)
	e.enqueue(e.job(7, "call"))
	e.start()
	e.drive("the call", time.Minute, func() bool { return e.hooks.outcomes() >= 1 })
	e.enqueue(e.job(7, "edit after the answer"))
	e.d.Wake()
	e.drive("the edit", time.Minute, func() bool { return e.hooks.outcomes() >= 2 })
	e.stop()
	calls := e.sender.all()
	if len(calls) != 2 {
		t.Fatalf("%d sends, want 2", len(calls))
	}
	if gap := calls[1].Pace.Sub(calls[0].Pace); gap < time.Second {
		t.Errorf("second message to the chat %v after the first, want at least 1s (chat_per_second 1)", gap)
	}
}
