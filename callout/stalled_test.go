package callout

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/outbox"
	"dutybot/storage"
)

var _ outbox.Staller = (*Engine)(nil)

// Calls, reminders and escalation notices are queued with their alert
// level's priority (red highest), everything else with none; a call carries
// the first step's after as the time Telegram may take to accept it.
func TestCallsQueuedWithPriority(t *testing.T) {
	tests := []struct {
		level string
		prio  int
		stall time.Duration // testYAML: blue escalates first at 5m, the others remind at 10m
	}{
		{"red", 4, 10 * time.Minute},
		{"orange", 3, 10 * time.Minute},
		{"yellow", 2, 10 * time.Minute},
		{"blue", 1, 5 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			f := newFixture(t)
			f.bind("o-zhang", "o-wu", "o-admin")
			a := f.create(Request{Level: tc.level, Title: "暴雨", Issuer: "o-admin", Source: "chat",
				Targets: Targets{Officials: []string{"o-zhang", "o-li"}}}) // o-li unbound: escalated at once
			call := f.oneJob(storage.RefCall, "o-zhang")
			if call.Priority != tc.prio || call.StallAfter != tc.stall {
				t.Errorf("call priority %d, stall after %v; want %d, %v", call.Priority, call.StallAfter, tc.prio, tc.stall)
			}
			notice := f.oneJob(storage.RefNotice, "o-wu")
			if notice.Priority != tc.prio || notice.StallAfter != 0 {
				t.Errorf("notice priority %d, stall after %v; want %d, 0", notice.Priority, notice.StallAfter, tc.prio)
			}
			for _, j := range f.jobs() {
				if k := j.Ref.Kind; k != storage.RefCall && k != storage.RefNotice && j.Priority != 0 {
					t.Errorf("%s job has priority %d, want 0", k, j.Priority)
				}
			}
			f.deliverKind(storage.RefCall, testStart)
			f.drain()
			f.fireAll(testStart.Add(a.Steps[0].After))
			if tc.level != "blue" {
				remind := f.oneJob(storage.RefRemind, "o-zhang")
				if remind.Priority != tc.prio || remind.StallAfter != 0 {
					t.Errorf("reminder priority %d, stall after %v; want %d, 0", remind.Priority, remind.StallAfter, tc.prio)
				}
			}
		})
	}
}

// A call Telegram has not taken by the first step's after makes the
// recipient unreachable: escalated now, admins told; the call stays queued,
// and its later delivery or final failure escalates nothing more.
func TestStalledCallEscalatesOnce(t *testing.T) {
	for _, end := range []string{"delivered", "given up", "stalled again"} {
		t.Run(end, func(t *testing.T) {
			f := newFixture(t)
			f.bind("o-zhang", "o-wu", "o-admin")
			a := f.create(Request{Level: "red", Title: "暴雨", Targets: Targets{Officials: []string{"o-zhang"}}})
			call := f.oneJob(storage.RefCall, "o-zhang")
			at := testStart.Add(10*time.Minute + 3*time.Second)
			f.setClock(at)
			f.update(func(tx *storage.Tx) error { return f.e.Stalled(tx, call, call.CreatedAt, at) })

			r := f.recipient(a.ID, "o-zhang")
			if r.State != StateUnreachable || !strings.Contains(r.Unreachable, "Telegram") {
				t.Errorf("recipient = %+v, want unreachable because of Telegram", r)
			}
			if len(r.Escalations) != 1 || r.Escalations[0].To != "unit_head" || !r.Escalations[0].At.Equal(at) {
				t.Fatalf("escalations = %+v, want unit_head at %v", r.Escalations, at)
			}
			f.oneJob(storage.RefNotice, "o-wu")
			info := f.oneJob(storage.RefInfo, "o-admin")
			mustContain(t, "admin info", info.Text, "张明", "原因：Telegram 已 10 分钟未接收该叫应")
			if got := f.oneJob(storage.RefCall, "o-zhang"); got.Seq != call.Seq {
				t.Errorf("call job %+v, want the same call still queued", got)
			}
			for _, j := range f.jobs() {
				if j.Seq != call.Seq {
					f.update(func(tx *storage.Tx) error { return tx.DeleteJob(j) })
				}
			}

			later := at.Add(time.Minute)
			switch end {
			case "delivered":
				f.deliver(call, 77, later)
				if r := f.recipient(a.ID, "o-zhang"); r.State != StateEscalated || !r.SentAt.Equal(later) {
					t.Errorf("after delivery: %+v, want escalated, sent at %v", r, later)
				}
			case "given up":
				f.fail(call, "gave up after 10m0s: 502 Bad Gateway", false, later)
			case "stalled again":
				f.update(func(tx *storage.Tx) error { return f.e.Stalled(tx, call, call.CreatedAt, later) })
			}
			r = f.recipient(a.ID, "o-zhang")
			if len(r.Escalations) != 1 {
				t.Errorf("escalations = %+v, want still one", r.Escalations)
			}
			for typ, want := range map[string]int{storage.EvUnreachable: 1, storage.EvEscalated: 1} {
				if got := f.countEvents(a.ID, typ, "o-zhang"); got != want {
					t.Errorf("%s events = %d, want %d", typ, got, want)
				}
			}
			for _, j := range f.jobs() {
				if j.Ref.Kind == storage.RefNotice || j.Ref.Kind == storage.RefInfo {
					t.Errorf("queued %s %q after the escalation", j.Ref.Kind, j.Text)
				}
			}
		})
	}
}

// A stalled call to someone who has answered (or of a closed alert, or a
// recipient already escalated as unreachable) changes nothing.
func TestStalledIgnoresSettled(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-wu")
	a := f.create(Request{Level: "red", Title: "暴雨", Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	f.drain()
	at := testStart.Add(11 * time.Minute)
	f.update(func(tx *storage.Tx) error { return f.e.Stalled(tx, call, call.CreatedAt, at) })
	if r := f.recipient(a.ID, "o-zhang"); r.State != StateAcked || len(r.Escalations) != 0 {
		t.Errorf("answered recipient = %+v", r)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("queued %+v", js)
	}
}

// stubbornSender refuses every message with a 502 until opened.
type stubbornSender struct {
	mu    sync.Mutex
	open  bool
	calls []storage.Job
}

func (s *stubbornSender) Send(ctx context.Context, j storage.Job) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, j)
	if !s.open {
		return 0, errors.New("telegram: 502 Bad Gateway")
	}
	return 900 + len(s.calls), nil
}

// tries counts the messages of a kind tried for a chat.
func (s *stubbornSender) tries(chat int64, kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, j := range s.calls {
		if j.ChatID == chat && j.Ref.Kind == kind {
			n++
		}
	}
	return n
}

// With the real dispatcher: while Telegram answers 502, a red call's
// recipient is escalated to the unit head once the first step's after has
// passed, long before give_up_after, and once only.
func TestStalledCallThroughDispatcher(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu")
	s := &stubbornSender{}
	pace := clock.NewFake(testStart)
	d := outbox.New(f.db, f.clk, s, f.e, outbox.Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000, GiveUpAfter: time.Hour},
		nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.SetPaceClock(pace)
	f.e.SetWakers(d.Wake, func() {})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// run steps the pace clock to the dispatcher's next timer until cond.
	run := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			if at, ok := pace.Next(); ok {
				pace.Advance(at.Sub(pace.Now()))
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	a := f.create(Request{Level: "red", Title: "暴雨", Targets: Targets{Officials: []string{"o-zhang"}}})
	zhang := f.chat("o-zhang")
	run("two refused calls", func() bool { return s.tries(zhang, storage.RefCall) >= 2 })
	if r := f.recipient(a.ID, "o-zhang"); r.State != StatePending {
		t.Fatalf("recipient %+v before the first step's after", r)
	}
	f.setClock(testStart.Add(10 * time.Minute))
	run("escalation", func() bool { return len(f.recipient(a.ID, "o-zhang").Escalations) == 1 })
	if r := f.recipient(a.ID, "o-zhang"); r.State != StateUnreachable || r.Escalations[0].To != "unit_head" {
		t.Errorf("recipient %+v, want unreachable and escalated to the unit head", r)
	}
	// The notice to the unit head waits like everything else while
	// Telegram refuses; the call is retried. Telegram recovers.
	s.mu.Lock()
	s.open = true
	s.mu.Unlock()
	run("call and notice delivered", func() bool {
		var left int
		f.view(func(tx *storage.Tx) error { left = tx.QueueLen(); return nil })
		return left == 0
	})
	r := f.recipient(a.ID, "o-zhang")
	if r.SentAt.IsZero() || len(r.Escalations) != 1 || r.State != StateEscalated {
		t.Errorf("after delivery: %+v, want delivered, escalated once", r)
	}
	if n := f.countEvents(a.ID, storage.EvEscalated, "o-zhang"); n != 1 {
		t.Errorf("%d escalated events, want 1", n)
	}
}
