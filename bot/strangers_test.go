package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
)

func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	type req struct {
		user      int64
		at        time.Duration // after t0
		ok, first bool
	}
	tests := []struct {
		name string
		max  int
		reqs []req
	}{
		{"a burst, then silence, then one per interval", 10, []req{
			{1, 0, true, false}, {1, 0, true, false}, {1, 0, true, false},
			{1, 0, false, true}, {1, time.Second, false, false}, {1, 19 * time.Second, false, false},
			{1, 20 * time.Second, true, false}, {1, 21 * time.Second, false, false}, // reported once
			{1, 41 * time.Second, true, false},
			{1, 10 * time.Minute, true, false}, {1, 10 * time.Minute, true, false}, {1, 10 * time.Minute, true, false},
			{1, 10 * time.Minute, false, true}, // a new flood is reported again
		}},
		{"refills to the burst, not beyond", 10, []req{
			{1, 0, true, false}, {1, time.Hour, true, false}, {1, time.Hour, true, false}, {1, time.Hour, true, false},
			{1, time.Hour, false, true},
		}},
		{"users are counted apart", 10, []req{
			{1, 0, true, false}, {1, 0, true, false}, {1, 0, true, false}, {1, 0, false, true},
			{2, 0, true, false},
		}},
		{"a full table answers no newcomer until old entries refill", 2, []req{
			{1, 0, true, false}, {2, 0, true, false},
			{3, 0, false, false},
			{3, 19 * time.Second, false, false}, // 1 and 2 still owe an answer
			{3, 20 * time.Second, true, false},  // they are whole again: forgotten
			{1, 20 * time.Second, true, false},
			{4, 20 * time.Second, false, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(3, 20*time.Second, tt.max)
			for i, r := range tt.reqs {
				ok, first := l.allow(r.user, t0.Add(r.at))
				if ok != r.ok || first != r.first {
					t.Errorf("request %d (user %d at +%v) = %v, %v; want %v, %v", i, r.user, r.at, ok, first, r.ok, r.first)
				}
			}
			if len(l.users) > tt.max {
				t.Errorf("%d users tracked, more than %d", len(l.users), tt.max)
			}
		})
	}
}

// TestStrangerFloodIsCapped: one unknown account sending 2,000 messages
// gets at most a few answers a minute; an official is never limited.
func TestStrangerFloodIsCapped(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang")
	f.take()
	texts := []string{"/start", "hello", "/status", "/alert red all x", "/nonsense", "/help"}
	// flood sends n messages (and a contact card now and then), the
	// outbox taking each answer at once; it returns the answers.
	flood := func(n int) int {
		answers := 0
		for i := range n {
			f.msgID++
			f.b.onMessage(context.Background(), &models.Message{ID: f.msgID, Chat: models.Chat{ID: stranger, Type: models.ChatTypePrivate},
				From: &models.User{ID: stranger, LanguageCode: "zh-hans"}, Text: texts[i%len(texts)]})
			answers += len(f.takeChat(stranger))
			if i%7 == 0 {
				f.b.onMessage(context.Background(), &models.Message{ID: f.msgID, Chat: models.Chat{ID: stranger, Type: models.ChatTypePrivate},
					From: &models.User{ID: stranger}, Contact: &models.Contact{PhoneNumber: "13800000001", UserID: 1001}})
				answers += len(f.takeChat(stranger))
			}
		}
		return answers
	}
	if got := flood(2000); got != strangerBurst {
		t.Errorf("2,000 messages at once got %d answers, want %d", got, strangerBurst)
	}
	f.clk.Advance(strangerEvery)
	if got := flood(100); got != 1 {
		t.Errorf("100 more messages %v later got %d answers, want 1", strangerEvery, got)
	}
	f.clk.Advance(time.Hour)
	if got := flood(2000); got != strangerBurst {
		t.Errorf("an hour later, 2,000 messages got %d answers, want %d", got, strangerBurst)
	}
	// While the queue is slow, a stranger's answers replace each other:
	// one waits at a time.
	f.clk.Advance(time.Hour)
	for _, text := range []string{"/start", "hello", "/status"} {
		f.b.onMessage(context.Background(), &models.Message{ID: 1, Chat: models.Chat{ID: stranger, Type: models.ChatTypePrivate},
			From: &models.User{ID: stranger, LanguageCode: "zh-hans"}, Text: text})
	}
	if js := f.takeChat(stranger); len(js) != 1 {
		t.Errorf("%d answers wait for one stranger, want 1", len(js))
	}
	// The official in the middle of it is answered every time.
	for i := range 50 {
		if js := f.say(uid["o-zhang"], "/status", false); len(js) != 1 {
			t.Fatalf("official's /status %d: %d replies", i, len(js))
		}
	}
}

// fireBot advances the clock and fires the bot's due deadlines.
func (f *botFixture) fireBot(d time.Duration) {
	f.t.Helper()
	f.clk.Advance(d)
	now := f.clk.Now()
	f.update(func(tx *storage.Tx) error {
		due := tx.DueDeadlines(now, 1000)
		var mine []storage.Deadline
		for _, d := range due {
			if strings.HasPrefix(d.Key, DeadlinePrefix) {
				if err := tx.DeleteDeadline(d); err != nil {
					return err
				}
				mine = append(mine, d)
			}
		}
		return f.b.Fire(tx, mine, now)
	})
}

// TestRefusalsDigest: 300 accounts refused reach the admins as one digest
// per period, not 300 notices; the next period starts afresh.
func TestRefusalsDigest(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang", "o-he") // o-he is the admin
	f.take()
	share := func(user int64, phone string, owner int64) {
		f.b.onMessage(context.Background(), &models.Message{ID: 1, Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
			From: &models.User{ID: user, LanguageCode: "zh-hans"}, Contact: &models.Contact{PhoneNumber: phone, UserID: owner}})
	}
	for i := range 300 {
		u := int64(900_000 + i)
		share(u, "13800000001", 1001) // someone else's card
		share(u, "13800000001", 1001)
	}
	admin := func() []string {
		var out []string
		for _, j := range f.takeChat(uid["o-he"]) {
			out = append(out, j.Text)
		}
		return out
	}
	if got := admin(); len(got) != 0 {
		t.Fatalf("the admin was told before the period ended: %q", got)
	}
	f.fireBot(refusalDigestEvery - time.Second)
	if got := admin(); len(got) != 0 {
		t.Fatalf("the digest came early: %q", got)
	}
	f.fireBot(time.Second)
	got := admin()
	if len(got) != 1 {
		t.Fatalf("the admin got %d notices, want one digest: %q", len(got), got)
	}
	for _, want := range []string{"过去 10 分钟内，300 个 Telegram 账号的绑定被拒绝（共 600 次）", "用户 900000，手机号 138****0001，原因：分享的是他人的名片",
		"用户 900009", "另有 290 个账号未列出"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("digest lacks %q:\n%s", want, got[0])
		}
	}
	if strings.Contains(got[0], "用户 900010") {
		t.Errorf("digest lists more than %d accounts:\n%s", refusalsListed, got[0])
	}
	f.fireBot(time.Hour)
	if got := admin(); len(got) != 0 {
		t.Fatalf("a digest without refusals: %q", got)
	}
	// The next refusal opens a new period.
	share(stranger, "13912345678", stranger)
	f.fireBot(refusalDigestEvery)
	got = admin()
	if len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("用户 %d", stranger)) || !strings.Contains(got[0], "号码未登记") ||
		!strings.Contains(got[0], "1 个 Telegram 账号") {
		t.Fatalf("second digest = %q", got)
	}
}
