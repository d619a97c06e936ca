package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/storage"
)

// TestStrangerFlood: 300 unknown accounts each send /start, a text and
// someone else's contact (900 updates). Each gets at most a few answers,
// the admins get one digest of the refusals after the period (not 300
// notices, and none again after a restart), and an official binding in the
// middle of the flood is bound and greeted.
func TestStrangerFlood(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uAdmin)
	const n = 300
	stranger := func(i int) int64 { return 7_000_000 + int64(i) }
	for i := range n {
		h.srv.AddUser(fakeapi.User{ID: stranger(i), FirstName: fmt.Sprint(i), LanguageCode: "zh-hans"})
	}
	began := h.clk.Now()
	for i := range n {
		u := stranger(i)
		h.srv.SendText(u, "/start")
		h.srv.SendText(u, "你好")
		h.srv.ShareContact(u, phones[uZhang], uZhang)
		if i == n/2 {
			h.srv.SendText(uLi, "/start")
			h.srv.ShareContact(uLi, "+86 "+phones[uLi], uLi)
		}
	}
	// Half the flood is ahead of her in the inbox: under the race detector
	// on a busy machine that is more than waitMsg's few seconds.
	h.within(time.Minute, "李芳 bound in the middle of the flood", func() bool {
		for _, m := range h.messages(uLi, "绑定成功") {
			if strings.Contains(m.Text, "李芳") {
				return true
			}
		}
		return false
	})
	inbox := func() int {
		k := -1
		_ = h.app.DB.View(func(tx *storage.Tx) error { k = tx.InboxCount(); return nil })
		return k
	}
	h.eventually("every update handled", func() bool { return h.srv.Pending() == 0 && inbox() == 0 })
	h.eventually("every answer sent", func() bool {
		k := -1
		_ = h.app.DB.View(func(tx *storage.Tx) error { k = tx.QueueLen(); return nil })
		return k == 0
	})
	answers := 0
	for i := range n {
		got := len(h.srv.Messages(stranger(i)))
		answers += got
		if got > 3 {
			t.Errorf("stranger %d got %d answers, want at most 3", i, got)
		}
	}
	t.Logf("%d strangers sent %d updates and got %d answers", n, 3*n, answers)
	if got := h.messages(uAdmin, "绑定被拒绝"); len(got) != 0 {
		t.Fatalf("the admin got %d refusal notices during the flood, want none before the digest", len(got))
	}

	h.restart() // the digest being collected survives
	h.advanceTo(began.Add(10 * time.Minute))
	digest := h.waitMsg(uAdmin, "绑定被拒绝")
	if !strings.Contains(digest.Text, fmt.Sprintf("%d 个 Telegram 账号的绑定被拒绝（共 %d 次）", n, n)) ||
		!strings.Contains(digest.Text, "分享的是他人的名片") || !strings.Contains(digest.Text, "另有 290 个账号未列出") {
		t.Errorf("digest:\n%s", digest.Text)
	}
	h.restart()
	h.advanceTo(began.Add(30 * time.Minute))
	h.srv.SendText(uAdmin, "/status") // something to wait for after the restart
	h.waitMsg(uAdmin, "当前没有进行中的叫应")
	if got := h.messages(uAdmin, "绑定被拒绝"); len(got) != 1 {
		t.Errorf("the admin got %d refusal notices, want the one digest", len(got))
	}
}

// TestTipsterFloodIsCapped: an unbound worker inside a hazard-tip flow has
// a larger allowance, enough for the flow's steps (TestTipFlow*), but a
// flood from inside a flow still ends in silence.
func TestTipsterFloodIsCapped(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	h.srv.SendText(uWorker, "/tip new")
	h.waitMsg(uWorker, "隐患举报 1/4")
	h.srv.SendText(uWorker, "配电房电缆裸露")
	h.waitMsg(uWorker, "隐患举报 2/4")
	for range 500 {
		h.srv.SendText(uWorker, "还有")
	}
	h.eventually("every update handled and answered", func() bool {
		k, q := -1, -1
		_ = h.app.DB.View(func(tx *storage.Tx) error { k, q = tx.InboxCount(), tx.QueueLen(); return nil })
		return h.srv.Pending() == 0 && k == 0 && q == 0
	})
	if n := len(h.srv.Messages(uWorker)); n > 20 {
		t.Errorf("the worker got %d answers in a minute, want at most 20", n)
	}
}
