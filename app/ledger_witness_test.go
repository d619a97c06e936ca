package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/ledger"
	"dutybot/storage"
)

// witnessRun runs a daily witness on the harness's app, as app.Run will
// once it is wired there; slept receives each time it goes to sleep.
type witnessRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	slept  chan time.Time
}

func (h *harness) startWitness() *witnessRun {
	w := ledger.NewWitness(h.cfg, h.app.DB, h.app.Engine, h.app.Catalog, h.clk, nil)
	r := &witnessRun{done: make(chan struct{}), slept: make(chan time.Time, 8)}
	w.Slept = func(until time.Time) { r.slept <- until }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { defer close(r.done); _ = w.Run(ctx) }()
	h.t.Cleanup(r.stop)
	return r
}

func (r *witnessRun) stop() {
	r.cancel()
	<-r.done
}

// sleeps waits until the witness sleeps until want.
func (r *witnessRun) sleeps(t *testing.T, want time.Time) {
	t.Helper()
	select {
	case got := <-r.slept:
		if !got.Equal(want) {
			t.Fatalf("the witness sleeps until %s, want %s", got, want)
		}
	case <-time.After(wait):
		t.Fatalf("the witness did not go to sleep (until %s)", want)
	}
}

func witnessEvents(t *testing.T, h *harness) []storage.Event {
	t.Helper()
	var out []storage.Event
	err := h.app.DB.View(func(tx *storage.Tx) error {
		evs, err := tx.Events(0, 1<<20)
		for _, e := range evs {
			if e.Type == storage.EvWitness {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkWitnessed checks that a post shows the head its record names, and
// that this is the hash of that event.
func checkWitnessed(t *testing.T, h *harness, post string, rec storage.Event) {
	t.Helper()
	seq, hash, ok := ledger.ParseWitness(rec.Detail)
	if !ok || !strings.HasSuffix(rec.Detail, "posted to o-he") {
		t.Fatalf("witness record %q", rec.Detail)
	}
	if !strings.Contains(post, hash) || !strings.Contains(post, fmt.Sprintf("#%d", seq)) {
		t.Errorf("the post does not show head #%d %s:\n%s", seq, hash, post)
	}
	var e storage.Event
	_ = h.app.DB.View(func(tx *storage.Tx) error { e, _ = tx.EventAt(seq); return nil })
	if e.Hash != hash || rec.Seq <= seq {
		t.Errorf("witnessed #%d %s, but that event has the hash %s (record #%d)", seq, hash, e.Hash, rec.Seq)
	}
}

// The chain head goes to the principals once a day at ledger.witness_at;
// a restart does not post it again, and a day missed while dutybot was
// down is made up once when it starts.
func TestWitnessPostedOnceADay(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string { return y + "ledger:\n  witness_at: \"09:00\"\n" }})
	h.bind(uHe)
	h.bind(uZhang)
	day1 := time.Date(2026, 11, 30, 9, 0, 0, 0, h.cfg.Location)
	w := h.startWitness()
	w.sleeps(t, day1)
	if n := len(h.messages(uHe, "履职档案存证")); n != 0 {
		t.Fatalf("posted %d times before 09:00", n)
	}

	h.advanceTo(day1)
	post := h.waitMsg(uHe, "履职档案存证 2026-11-30 09:00", "dutybot ledger verify -witness")
	w.sleeps(t, day1.AddDate(0, 0, 1))
	recs := witnessEvents(t, h)
	if len(recs) != 1 {
		t.Fatalf("%d witness records", len(recs))
	}
	checkWitnessed(t, h, post.Text, recs[0])
	if n := len(h.messages(uZhang, "履职档案存证")); n != 0 {
		t.Errorf("a staff member got the witness")
	}

	// Restarted the same day, it waits for tomorrow.
	w.stop()
	h.advanceTo(day1.Add(30 * time.Minute))
	h.restart()
	w = h.startWitness()
	w.sleeps(t, day1.AddDate(0, 0, 1))
	if n := len(h.messages(uHe, "履职档案存证")); n != 1 {
		t.Errorf("posted %d times on the first day", n)
	}

	// Down from 09:30 until noon two days later: 12-01 was missed; one post
	// goes out on start (two witnesses running at once still post once).
	w.stop()
	h.stop()
	h.clk.Advance(time.Date(2026, 12, 2, 12, 0, 0, 0, h.cfg.Location).Sub(h.clk.Now()))
	h.startApp()
	w = h.startWitness()
	w2 := h.startWitness()
	day3 := time.Date(2026, 12, 3, 9, 0, 0, 0, h.cfg.Location)
	w.sleeps(t, day3)
	w2.sleeps(t, day3)
	h.waitMsg(uHe, "履职档案存证 2026-12-02 12:00")
	recs = witnessEvents(t, h)
	if len(recs) != 2 {
		t.Fatalf("%d witness records after the catch-up, want 2", len(recs))
	}
	h.eventually("the catch-up delivered", func() bool { return len(h.messages(uHe, "履职档案存证")) == 2 })
	checkWitnessed(t, h, h.messages(uHe, "履职档案存证")[1].Text, recs[1])

	// The next day it posts again, at 09:00.
	h.advanceTo(day3)
	h.waitMsg(uHe, "履职档案存证 2026-12-03 09:00")
	w.sleeps(t, day3.AddDate(0, 0, 1))
	w2.sleeps(t, day3.AddDate(0, 0, 1))
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uHe, "履职档案存证")); n != 3 {
		t.Errorf("%d posts after three days, want 3", n)
	}
	if recs = witnessEvents(t, h); len(recs) != 3 {
		t.Errorf("%d witness records after three days", len(recs))
	}
}

// With ledger.witness_at empty nothing is posted.
func TestWitnessOff(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string { return y + "ledger:\n  witness_at: \"\"\n" }})
	h.bind(uHe)
	w := h.startWitness()
	h.advanceTo(start.Add(48 * time.Hour))
	select {
	case until := <-w.slept:
		t.Errorf("the witness is scheduled (until %s) though switched off", until)
	case <-time.After(100 * time.Millisecond):
	}
	if n := len(witnessEvents(t, h)); n != 0 {
		t.Errorf("%d witness records though switched off", n)
	}
}
