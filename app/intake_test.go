package app_test

import (
	"testing"
	"time"

	"dutybot/storage"
)

// TestUpdatesConfirmedOnlyOnceStored: Telegram is told the bot has an
// update (the next getUpdates offset) only after the update is on disk.
// While the database cannot take the write, the update stays with
// Telegram; once it can, the update is stored, confirmed and answered.
// Before the durable inbox, the update was confirmed as soon as it was in
// memory, so a crash at that moment lost it.
func TestUpdatesConfirmedOnlyOnceStored(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.eventually("the binding's updates confirmed", func() bool { return h.srv.Pending() == 0 })

	// Hold the database's write lock: nothing can be stored meanwhile.
	locked, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = h.app.DB.Update(func(*storage.Tx) error {
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	polls := h.srv.Count("getUpdates")
	h.srv.SendText(uZhang, "/status")
	h.eventually("the bot to fetch the update", func() bool { return h.srv.Count("getUpdates") > polls })
	// The library's loop confirmed at its very next call; give the bot
	// time for many.
	for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if n := h.srv.Pending(); n != 1 {
			t.Fatalf("Telegram holds %d unconfirmed updates while the database cannot store, want 1: the update was confirmed before it was stored", n)
		}
	}
	close(release)
	released = true
	h.waitMsg(uZhang, "当前没有进行中的叫应")
	h.eventually("the update confirmed once stored", func() bool { return h.srv.Pending() == 0 })
	h.eventually("the handled update removed from the inbox", func() bool {
		n := -1
		_ = h.app.DB.View(func(tx *storage.Tx) error { n = tx.InboxCount(); return nil })
		return n == 0
	})
}
