package outbox

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dutybot/storage"
)

func (h *fakeHooks) rolledBack() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rejected
}

func (e *env) sentMark(seq uint64) (storage.SentMark, bool) {
	e.t.Helper()
	var m storage.SentMark
	var ok bool
	if err := e.db.View(func(tx *storage.Tx) error {
		var err error
		m, ok, err = tx.SentMarkOf(seq)
		return err
	}); err != nil {
		e.t.Fatalf("sent mark: %v", err)
	}
	return m, ok
}

// When the message reached the chat but recording its delivery fails (a
// full disk rolls the transaction back), only the recording is retried:
// each recipient gets exactly one copy, however often it fails, and the
// delivery is recorded once with the id of that one message.
func TestDeliveryRecordedNotResent(t *testing.T) {
	for _, fails := range []int{1, 3, 6} {
		t.Run(fmt.Sprintf("%d failures", fails), func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000}, true)
			for range fails {
				e.hooks.deliveredErrs = append(e.hooks.deliveredErrs, errors.New("write: no space left on device"))
			}
			seqs := e.enqueue(e.job(1, "call o-a"), e.job(2, "call o-b"), e.job(1, "after"))
			e.start()
			e.drive("all recorded", 10*time.Minute, func() bool { return len(e.hooks.deliveries()) == 3 })
			e.waitQueueEmpty()
			e.stop()

			copies := map[string]int{}
			msgID := map[string]int{}
			for _, c := range e.sender.all() {
				copies[c.Job.Text]++
				msgID[c.Job.Text] = c.MsgID
			}
			for _, text := range []string{"call o-a", "call o-b", "after"} {
				if copies[text] != 1 {
					t.Errorf("%q sent %d times, want 1", text, copies[text])
				}
				ds := e.hooks.deliveredText(text)
				if len(ds) != 1 || ds[0].MsgID != msgID[text] {
					t.Errorf("%q recorded %+v, want once with message %d", text, ds, msgID[text])
				}
			}
			if e.hooks.rolledBack() != fails {
				t.Errorf("%d recordings rolled back, want %d", e.hooks.rolledBack(), fails)
			}
			for _, s := range seqs {
				if m, ok := e.sentMark(s); ok {
					t.Errorf("sent marker %+v left behind", m)
				}
			}
			// Chat 1's next message waited for the recording: order kept.
			if c := e.sender.callsFor("after"); len(c) == 1 && c[0].N < e.sender.callsFor("call o-a")[0].N {
				t.Error("chat 1's second message went before its first")
			}
		})
	}
}

// A delivery still unrecorded when the process stops is recorded at the next
// start from its sent marker, not sent again; content that changed while it
// was sent still goes out, as an edit of that message.
func TestSentMarkerRecordedAfterRestart(t *testing.T) {
	tests := []struct {
		name   string
		change bool // the job's content changes after the send
	}{
		{"same content", false},
		{"changed content", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 1000}, true)
			for range 1000 { // the disk stays full until the restart
				e.hooks.deliveredErrs = append(e.hooks.deliveredErrs, errors.New("write: no space left on device"))
			}
			j := e.job(1, "call")
			j.Key = "k"
			seq := e.enqueue(j)[0]
			e.start()
			e.drive("the send", time.Minute, func() bool { return e.sender.count() == 1 && e.hooks.rolledBack() >= 1 })
			waitFor(t, "the sent marker", func() bool { _, ok := e.sentMark(seq); return ok })
			e.stop()
			if m, _ := e.sentMark(seq); m.MessageID != e.sender.all()[0].MsgID || m.Version != 0 || !m.At.Equal(t0) {
				t.Errorf("sent marker %+v, want message %d, version 0, at %v", m, e.sender.all()[0].MsgID, t0)
			}
			if tc.change {
				j.Text = "call, updated"
				e.enqueue(j)
			}

			e.reopen()
			e.hooks.mu.Lock()
			e.hooks.deliveredErrs = nil
			e.hooks.mu.Unlock()
			e.newDispatcher()
			e.start()
			want := 1
			if tc.change {
				want = 2
			}
			e.drive("recorded", time.Minute, func() bool { return len(e.hooks.deliveries()) == want })
			e.waitQueueEmpty()
			e.stop()

			calls := e.sender.all()
			first := calls[0].MsgID
			ds := e.hooks.deliveries()
			if ds[0].MsgID != first || ds[0].Job.Seq != seq || !ds[0].At.Equal(t0) {
				t.Errorf("recorded %+v, want message %d at %v", ds[0], first, t0)
			}
			if !tc.change {
				if len(calls) != 1 {
					t.Errorf("%d sends across the restart, want 1", len(calls))
				}
				return
			}
			if len(calls) != 2 || calls[1].Job.Op != storage.OpEdit || calls[1].Job.MessageID != first || calls[1].Job.Text != "call, updated" {
				t.Errorf("sends %+v, want the first and then an edit of it with the new text", calls)
			}
		})
	}
}
