package outbox

import (
	"context"
	"fmt"
	"testing"

	"dutybot/storage"
)

// Calls go before everything else, by priority (red, orange, yellow, blue),
// even behind thousands of older messages to other chats and within their
// own chat; the rest follows in queue order. Sends are let through one at a
// time, so each call after the first few shows which job the dispatcher
// chose when a worker came free.
func TestPriorityJumpsTheQueue(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			lim := fast
			lim.Workers = workers
			e := newEnv(t, lim, false)

			// 3,000 messages to 300 chats, the oldest to chats 100 and up
			// so that the chats of the calls are not among those in flight.
			const chats, perChat = 300, 10
			var low []storage.Job
			for i := range perChat {
				for c := range chats {
					chat := int64(100+c)%chats + 1
					low = append(low, e.job(chat, fmt.Sprintf("info %d to %d", i, chat)))
				}
			}
			e.enqueue(low...)

			permit := make(chan struct{})
			g := newGate(t)
			e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
				select {
				case <-permit:
				case <-g.c:
				}
				return nil
			})
			e.start()
			waitFor(t, "every worker busy", func() bool { return e.sender.count() == workers })

			call := func(chat int64, level string, prio int) storage.Job {
				j := e.job(chat, "call "+level)
				j.Ref.Kind, j.Priority = storage.RefCall, prio
				return j
			}
			// Queued newest first by priority: blue, yellow, orange, red;
			// red to a chat with ten older messages waiting, orange to a
			// new chat.
			e.enqueue(call(9, "blue", 1), call(8, "yellow", 2), call(chats+1, "orange", 3), call(7, "red", 4),
				e.job(chats+2, "info after the calls"))
			e.d.Wake()

			// After the calls, the oldest message not yet sent.
			want := []string{"call red", "call orange", "call yellow", "call blue", fmt.Sprintf("info 0 to %d", 101+workers)}
			for i, w := range want {
				permit <- struct{}{} // one send finishes; one worker is free
				n := workers + i + 1
				waitFor(t, fmt.Sprintf("send #%d", n), func() bool { return e.sender.count() >= n })
				if got := e.sender.all()[n-1].Job.Text; got != w {
					t.Errorf("send #%d after the calls were queued is %q, want %q", i+1, got, w)
				}
			}
			e.stopWith(g.open)
			e.sender.checkNoOverlap(t)
			for _, d := range e.hooks.deliveries() {
				if d.Job.Ref.Kind == storage.RefCall && d.Job.Priority == 0 {
					t.Errorf("call %q delivered without its priority", d.Job.Text)
				}
			}
		})
	}
}

// A job of higher priority queued for a chat while its older job is being
// sent goes next in that chat, and the one in flight is not sent again.
func TestPriorityWithinBusyChat(t *testing.T) {
	e := newEnv(t, fast, false)
	g := newGate(t)
	e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
		if c.N == 0 {
			<-g.c
		}
		return nil
	})
	e.enqueue(e.job(1, "a"), e.job(1, "b"))
	e.start()
	waitFor(t, "first send", func() bool { return e.sender.count() == 1 })
	red := e.job(1, "red")
	red.Priority = 4
	e.enqueue(red)
	e.d.Wake()
	g.open()
	e.waitOutcomes(3)
	e.stop()
	var got []string
	for _, c := range e.sender.all() {
		got = append(got, c.Job.Text)
	}
	if fmt.Sprint(got) != "[a red b]" {
		t.Errorf("sends %v, want [a red b]", got)
	}
}
