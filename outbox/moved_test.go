package outbox

import (
	"fmt"
	"testing"

	"dutybot/storage"
)

// A chat that answers with the id it moved to (a group upgraded to a
// supergroup) gets its messages there: each job is readdressed, once, and
// the hooks hear of it; an edit, whose message stays in the old chat, is
// given up without marking the chat unreachable.
func TestMovedChat(t *testing.T) {
	const old, moved = int64(-100), int64(-1000000000100)
	e := newEnv(t, fast, false)
	movedErr := func() error {
		return &MovedError{To: moved, Err: fmt.Errorf("%w: Bad Request: group chat was upgraded to a supergroup chat", ErrPermanent)}
	}
	edit := storage.Job{ChatID: old, Op: storage.OpEdit, MessageID: 7, Text: "edit", Ref: storage.Ref{Kind: storage.RefUpdate}, CreatedAt: e.dom.Now()}
	call := e.job(old, "call")
	call.Key = "group:call"
	e.enqueue(call, edit, e.job(old, "later"))
	e.sender.script("call", movedErr())
	e.sender.script("edit", movedErr())
	e.sender.script("later", movedErr())
	e.start()
	waitFor(t, "call and later delivered, edit given up", func() bool {
		return len(e.hooks.deliveredText("call")) == 1 && len(e.hooks.deliveredText("later")) == 1 && len(e.hooks.failures()) == 1
	})
	e.waitQueueEmpty()
	e.stop()

	for _, text := range []string{"call", "later"} {
		calls := e.sender.callsFor(text)
		if len(calls) != 2 || calls[0].Job.ChatID != old || calls[1].Job.ChatID != moved {
			t.Errorf("%s sent %d times (%+v), want once to the old chat, once to the new", text, len(calls), calls)
		}
		if d := e.hooks.deliveredText(text); len(d) != 1 || d[0].Job.ChatID != moved {
			t.Errorf("%s delivered %+v, want once in chat %d", text, d, moved)
		}
	}
	if calls := e.sender.callsFor("edit"); len(calls) != 1 {
		t.Errorf("edit sent %d times, want 1 (never to the new chat)", len(calls))
	}
	f := e.hooks.failures()
	if len(f) != 1 || f[0].Job.Text != "edit" || f[0].Unreachable {
		t.Errorf("failures = %+v, want the edit, not unreachable", f)
	}
	ms := e.hooks.moved()
	if len(ms) != 3 {
		t.Fatalf("Moved called %d times, want 3: %+v", len(ms), ms)
	}
	for _, m := range ms {
		if m.Job.ChatID != old || m.To != moved || !m.At.Equal(e.dom.Now()) {
			t.Errorf("Moved(%d → %d at %v), want %d → %d at the domain time", m.Job.ChatID, m.To, m.At, old, moved)
		}
	}
}
