package clock

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// drain reports, without blocking, whether each timer has delivered a value,
// and returns the values received.
func drain(ts []Timer) (fired []bool, vals []time.Time) {
	fired = make([]bool, len(ts))
	vals = make([]time.Time, len(ts))
	for i, tm := range ts {
		select {
		case v := <-tm.C():
			fired[i], vals[i] = true, v
		default:
		}
	}
	return fired, vals
}

func TestFakeNow(t *testing.T) {
	f := NewFake(t0)
	if got := f.Now(); !got.Equal(t0) {
		t.Fatalf("Now() = %v, want %v", got, t0)
	}
	f.Advance(90 * time.Second)
	if got, want := f.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance(90s) Now() = %v, want %v", got, want)
	}
	var _ Clock = f
	var _ Clock = Real{}
}

// TestFakeAdvanceFiresInDeadlineOrder advances in steps and checks that each
// step fires exactly the timers whose deadline it reached, earliest first,
// and never one early.
func TestFakeAdvanceFiresInDeadlineOrder(t *testing.T) {
	type step struct {
		advance time.Duration
		want    []int // indexes of timers that must fire during this step
	}
	tests := []struct {
		name   string
		delays []time.Duration
		steps  []step
	}{
		{
			name:   "one at a time, created out of order",
			delays: []time.Duration{3 * time.Second, time.Second, 2 * time.Second},
			steps: []step{
				{time.Second - time.Nanosecond, nil},
				{time.Nanosecond, []int{1}},
				{time.Second - time.Nanosecond, nil},
				{time.Nanosecond, []int{2}},
				{time.Second, []int{0}},
				{time.Hour, nil},
			},
		},
		{
			name:   "one big step fires all due and leaves the rest",
			delays: []time.Duration{5 * time.Second, time.Second, 10 * time.Second, 2 * time.Second},
			steps: []step{
				{5 * time.Second, []int{0, 1, 3}},
				{4 * time.Second, nil},
				{time.Second, []int{2}},
			},
		},
		{
			name:   "equal deadlines fire together",
			delays: []time.Duration{time.Minute, time.Minute, time.Minute},
			steps: []step{
				{59 * time.Second, nil},
				{time.Second, []int{0, 1, 2}},
			},
		},
		{
			name:   "zero advance fires nothing",
			delays: []time.Duration{time.Millisecond},
			steps: []step{
				{0, nil},
				{time.Millisecond, []int{0}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFake(t0)
			timers := make([]Timer, len(tc.delays))
			for i, d := range tc.delays {
				timers[i] = f.NewTimer(d)
			}
			if got := f.Timers(); got != len(tc.delays) {
				t.Fatalf("Timers() = %d after creating %d", got, len(tc.delays))
			}
			firedTotal := 0
			for si, st := range tc.steps {
				f.Advance(st.advance)
				fired, vals := drain(timers)
				want := map[int]bool{}
				for _, i := range st.want {
					want[i] = true
				}
				for i := range timers {
					if fired[i] != want[i] {
						t.Errorf("step %d (now %v): timer %d (delay %v) fired=%v, want %v",
							si, f.Now().Sub(t0), i, tc.delays[i], fired[i], want[i])
					}
					if fired[i] {
						firedTotal++
						if vals[i].Before(t0.Add(tc.delays[i])) {
							t.Errorf("timer %d delivered %v, before its deadline %v", i, vals[i], t0.Add(tc.delays[i]))
						}
						if !vals[i].Equal(f.Now()) {
							t.Errorf("timer %d delivered %v, want the fake time %v", i, vals[i], f.Now())
						}
					}
				}
				if got, want := f.Timers(), len(tc.delays)-firedTotal; got != want {
					t.Errorf("step %d: Timers() = %d, want %d", si, got, want)
				}
			}
		})
	}
}

// TestFakeEachTimerFiresOnce: one Advance past every deadline fires each
// timer exactly once.
func TestFakeEachTimerFiresOnce(t *testing.T) {
	f := NewFake(t0)
	const n = 5
	timers := make([]Timer, n)
	for i := range n {
		// Created latest-first so that creation order differs from deadline order.
		timers[i] = f.NewTimer(time.Duration(n-i) * time.Second)
	}
	f.Advance(time.Duration(n) * time.Second)
	// Every timer fired; each channel holds exactly one value.
	for i, tm := range timers {
		select {
		case <-tm.C():
		default:
			t.Errorf("timer %d did not fire", i)
		}
		select {
		case v := <-tm.C():
			t.Errorf("timer %d fired twice (%v)", i, v)
		default:
		}
	}
}

func TestFakeStop(t *testing.T) {
	tests := []struct {
		name      string
		delay     time.Duration
		advance   time.Duration // before Stop
		wantStop  bool
		wantFired bool
	}{
		{"stop before fire", time.Second, 500 * time.Millisecond, true, false},
		{"stop right before deadline", time.Second, time.Second - time.Nanosecond, true, false},
		{"stop after fire", time.Second, time.Second, false, true},
		{"stop immediate timer", 0, 0, false, true},
		{"stop negative timer", -time.Second, 0, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFake(t0)
			other := f.NewTimer(time.Hour) // must be unaffected by Stop of tm
			tm := f.NewTimer(tc.delay)
			f.Advance(tc.advance)
			if got := tm.Stop(); got != tc.wantStop {
				t.Errorf("Stop() = %v, want %v", got, tc.wantStop)
			}
			if got := tm.Stop(); got {
				t.Errorf("second Stop() = true, want false")
			}
			f.Advance(2 * time.Second) // past the deadline: a stopped timer must stay silent
			fired, _ := drain([]Timer{tm})
			if fired[0] != tc.wantFired {
				t.Errorf("fired = %v, want %v", fired[0], tc.wantFired)
			}
			if got := f.Timers(); got != 1 {
				t.Errorf("Timers() = %d, want 1 (only the unrelated timer)", got)
			}
			if !other.Stop() {
				t.Errorf("unrelated timer was not active")
			}
			if got := f.Timers(); got != 0 {
				t.Errorf("Timers() = %d after stopping everything, want 0", got)
			}
		})
	}
}

func TestFakeNewTimerNonPositiveFiresAtOnce(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Nanosecond, -time.Hour} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			f := NewFake(t0)
			tm := f.NewTimer(d)
			select {
			case v := <-tm.C():
				if !v.Equal(t0) {
					t.Errorf("delivered %v, want %v", v, t0)
				}
			default:
				t.Fatalf("NewTimer(%v) did not fire at once", d)
			}
			if got := f.Timers(); got != 0 {
				t.Errorf("Timers() = %d, want 0: a fired timer is not waiting", got)
			}
			f.Advance(time.Hour)
			if fired, _ := drain([]Timer{tm}); fired[0] {
				t.Errorf("NewTimer(%v) fired a second time", d)
			}
		})
	}
}

func TestFakeTimersCount(t *testing.T) {
	f := NewFake(t0)
	steps := []struct {
		name string
		do   func()
		want int
	}{
		{"empty", func() {}, 0},
		{"add 1s", func() { f.NewTimer(time.Second) }, 1},
		{"add 2s", func() { f.NewTimer(2 * time.Second) }, 2},
		{"add immediate", func() { f.NewTimer(0) }, 2},
		{"add 3s", func() { f.NewTimer(3 * time.Second) }, 3},
		{"advance 1s", func() { f.Advance(time.Second) }, 2},
		{"advance 10s", func() { f.Advance(10 * time.Second) }, 0},
	}
	for _, s := range steps {
		s.do()
		if got := f.Timers(); got != s.want {
			t.Errorf("%s: Timers() = %d, want %d", s.name, got, s.want)
		}
	}
}

// TestFakeConcurrent exercises the clock from several goroutines under the
// race detector: a goroutine waiting on a timer is woken by Advance.
func TestFakeConcurrent(t *testing.T) {
	f := NewFake(t0)
	const n = 20
	var wg sync.WaitGroup
	got := make(chan time.Time, n)
	for i := range n {
		tm := f.NewTimer(time.Duration(i+1) * time.Millisecond)
		wg.Add(1)
		go func() {
			defer wg.Done()
			got <- <-tm.C()
		}()
	}
	for f.Timers() > 0 {
		f.Advance(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("goroutines waiting on fake timers were not woken")
	}
	close(got)
	for v := range got {
		if v.After(t0.Add(n * time.Millisecond)) {
			t.Errorf("value %v after the last advance", v)
		}
	}
}

// TestFakeNext: Next names the earliest waiting timer, ignores stopped and
// fired ones, and reports none when nothing waits.
func TestFakeNext(t *testing.T) {
	tests := []struct {
		name   string
		delays []time.Duration
		stop   []int         // indexes of timers stopped before asking
		adv    time.Duration // advanced before asking
		want   time.Duration // from t0; ignored when !ok
		ok     bool
	}{
		{name: "no timers"},
		{name: "one", delays: []time.Duration{time.Minute}, want: time.Minute, ok: true},
		{name: "earliest of several, created out of order",
			delays: []time.Duration{3 * time.Hour, time.Second, time.Hour}, want: time.Second, ok: true},
		{name: "equal deadlines", delays: []time.Duration{time.Minute, time.Minute}, want: time.Minute, ok: true},
		{name: "stopped earliest is skipped",
			delays: []time.Duration{time.Second, time.Hour}, stop: []int{0}, want: time.Hour, ok: true},
		{name: "fired ones are gone",
			delays: []time.Duration{time.Second, time.Hour}, adv: time.Minute, want: time.Hour, ok: true},
		{name: "immediate timers never wait", delays: []time.Duration{0, -time.Second}},
		{name: "everything stopped", delays: []time.Duration{time.Second}, stop: []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFake(t0)
			timers := make([]Timer, len(tc.delays))
			for i, d := range tc.delays {
				timers[i] = f.NewTimer(d)
			}
			for _, i := range tc.stop {
				timers[i].Stop()
			}
			f.Advance(tc.adv)
			drain(timers) // what fired so far does not count below
			at, ok := f.Next()
			if ok != tc.ok || ok && !at.Equal(t0.Add(tc.want)) {
				t.Errorf("Next() = %v, %v; want t0+%v, %v", at, ok, tc.want, tc.ok)
			}
			if ok {
				// Advancing exactly to Next fires that timer.
				f.Advance(at.Sub(f.Now()))
				if fired, _ := drain(timers); !slices.Contains(fired, true) {
					t.Error("advancing to Next() fired nothing")
				}
			}
		})
	}
}
