package fakeapi_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/bot/fakeapi"
)

// updateLog collects what a polling client receives.
type updateLog struct {
	mu  sync.Mutex
	got []*models.Update
	ch  chan struct{}
}

func newUpdateLog() *updateLog { return &updateLog{ch: make(chan struct{}, 100)} }

func (l *updateLog) handler(_ context.Context, _ *bot.Bot, u *models.Update) {
	l.mu.Lock()
	l.got = append(l.got, u)
	l.mu.Unlock()
	l.ch <- struct{}{}
}

// next waits for the next update.
func (l *updateLog) next(t *testing.T) *models.Update {
	t.Helper()
	select {
	case <-l.ch:
	case <-time.After(wait):
		t.Fatal("no update arrived")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.got[0]
	l.got = l.got[1:]
	return u
}

// none checks that no update arrives for a moment.
func (l *updateLog) none(t *testing.T) {
	t.Helper()
	select {
	case <-l.ch:
		l.mu.Lock()
		defer l.mu.Unlock()
		t.Fatalf("unexpected update %+v", l.got[0])
	case <-time.After(50 * time.Millisecond):
	}
}

// The bot's place in a group changes as users add, promote, restrict and
// remove it: each change is a my_chat_member update that decodes into the
// right ChatMember types, and what the bot may send follows, with the
// answers Telegram gives.
func TestBotPlaceInGroups(t *testing.T) {
	for _, chatID := range []int64{-2000, -1000000002000} {
		kind, typ := "group", models.ChatTypeGroup
		if chatID <= -1_000_000_000_000 {
			kind, typ = "supergroup", models.ChatTypeSupergroup
		}
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, fakeapi.Options{})
			log := newUpdateLog()
			b := newBot(t, srv, bot.WithDefaultHandler(log.handler))
			startBot(t, b)
			steps := []struct {
				name     string
				act      func()
				old, new models.ChatMemberType
				status   string
				send     string // "" ok, else part of the error
				forbid   bool   // the send error is a 403
			}{
				{"added", func() { srv.AddBotToGroup(chatID, "防汛群", alice) },
					models.ChatMemberTypeLeft, models.ChatMemberTypeMember, fakeapi.StatusMember, "", false},
				{"made admin", func() { srv.PromoteBot(chatID, alice) },
					models.ChatMemberTypeMember, models.ChatMemberTypeAdministrator, fakeapi.StatusAdministrator, "", false},
				{"restricted", func() { srv.RestrictBot(chatID, bob, false) },
					models.ChatMemberTypeAdministrator, models.ChatMemberTypeRestricted, fakeapi.StatusRestricted, "not enough rights", false},
				{"removed", func() { srv.RemoveBotFromGroup(chatID, bob, false) },
					models.ChatMemberTypeRestricted, models.ChatMemberTypeLeft, fakeapi.StatusLeft, "bot is not a member of the " + kind + " chat", true},
				{"added again", func() { srv.AddBotToGroup(chatID, "", alice) },
					models.ChatMemberTypeLeft, models.ChatMemberTypeMember, fakeapi.StatusMember, "", false},
				{"kicked", func() { srv.RemoveBotFromGroup(chatID, bob, true) },
					models.ChatMemberTypeMember, models.ChatMemberTypeBanned, fakeapi.StatusKicked, "bot was kicked from the " + kind + " chat", true},
			}
			for _, st := range steps {
				st.act()
				u := log.next(t)
				m := u.MyChatMember
				if m == nil {
					t.Fatalf("%s: update %+v, want my_chat_member", st.name, u)
				}
				if m.Chat.ID != chatID || m.Chat.Type != typ || m.Chat.Title != "防汛群" || m.OldChatMember.Type != st.old || m.NewChatMember.Type != st.new {
					t.Errorf("%s: chat %+v, %s → %s; want %s → %s", st.name, m.Chat, m.OldChatMember.Type, m.NewChatMember.Type, st.old, st.new)
				}
				if me := botUserOf(m.NewChatMember); me == nil || me.ID != srv.BotUser().ID || !me.IsBot {
					t.Errorf("%s: new member is %+v, want the bot", st.name, me)
				}
				if r := m.NewChatMember.Restricted; r != nil && (!r.IsMember || r.CanSendMessages) {
					t.Errorf("%s: restricted %+v, want a member who may not send", st.name, r)
				}
				if got := srv.BotStatus(chatID); got != st.status {
					t.Errorf("%s: BotStatus = %q, want %q", st.name, got, st.status)
				}
				_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: chatID, Text: "测试"})
				switch {
				case st.send == "" && err != nil:
					t.Errorf("%s: send: %v", st.name, err)
				case st.send != "" && (err == nil || !strings.Contains(err.Error(), st.send) || errors.Is(err, bot.ErrorForbidden) != st.forbid):
					t.Errorf("%s: send error %v, want %q (403: %v)", st.name, err, st.send, st.forbid)
				}
			}
			if m := log.got; len(m) != 0 {
				t.Errorf("more updates than changes: %+v", m)
			}
			if got := srv.GroupMembers(chatID); !slices.Equal(got, []int64{alice, bob}) {
				t.Errorf("GroupMembers = %v, want the users who acted", got)
			}
		})
	}
}

func botUserOf(m models.ChatMember) *models.User {
	switch m.Type {
	case models.ChatMemberTypeMember:
		return m.Member.User
	case models.ChatMemberTypeAdministrator:
		return &m.Administrator.User
	case models.ChatMemberTypeRestricted:
		return m.Restricted.User
	case models.ChatMemberTypeLeft:
		return m.Left.User
	case models.ChatMemberTypeBanned:
		return m.Banned.User
	}
	return nil
}

// Several users write in one group; a bot out of the group hears none of
// it, though the messages are there to see.
func TestGroupMembersAndWhatTheBotHears(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	log := newUpdateLog()
	b := newBot(t, srv, bot.WithDefaultHandler(log.handler))
	startBot(t, b)
	const group = int64(-3000)
	carol := int64(1003)
	srv.AddGroupMembers(group, alice, bob)
	srv.SendGroupText(group, carol, "大家好")
	if got := srv.GroupMembers(group); !slices.Equal(got, []int64{alice, bob, carol}) {
		t.Errorf("GroupMembers = %v", got)
	}
	if u := log.next(t); u.Message == nil || u.Message.From.ID != carol || u.Message.Chat.ID != group {
		t.Errorf("update %+v, want carol's message", u)
	}
	srv.RemoveBotFromGroup(group, alice, false)
	if u := log.next(t); u.MyChatMember == nil || u.MyChatMember.From.ID != alice {
		t.Fatalf("update %+v, want my_chat_member from alice", u)
	}
	srv.SendGroupText(group, bob, "/status")
	log.none(t)
	if msgs := srv.UserMessages(group); len(msgs) != 2 || msgs[1].Text != "/status" {
		t.Errorf("UserMessages = %+v", msgs)
	}
}

// A basic group upgraded to a supergroup: the bot gets the service
// message in each chat, calls for the old chat answer 400 with the new
// id (which go-telegram/bot reads as a MigrateError), the new chat works
// and has the old one's title, members and bot, and a message of the old
// chat can still be pressed.
func TestMigrateGroup(t *testing.T) {
	const old, super = int64(-4000), int64(-1000000004000)
	srv := newServer(t, fakeapi.Options{})
	log := newUpdateLog()
	b := newBot(t, srv, bot.WithDefaultHandler(log.handler))
	startBot(t, b)
	srv.AddBotToGroup(old, "村社区书记群", alice)
	srv.AddGroupMembers(old, bob)
	log.next(t) // my_chat_member
	sent, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: old, Text: "请回复收到"})
	if err != nil {
		t.Fatal(err)
	}
	srv.PromoteBot(old, alice)
	log.next(t)

	srv.MigrateGroup(old, super, alice)
	// The client handles updates concurrently: take both, in any order.
	var to, from *models.Message
	for range 2 {
		u := log.next(t)
		switch {
		case u.Message != nil && u.Message.Chat.ID == old:
			to = u.Message
		case u.Message != nil && u.Message.Chat.ID == super:
			from = u.Message
		default:
			t.Fatalf("update %+v, want a service message in either chat", u)
		}
	}
	if to == nil || to.Chat.Type != models.ChatTypeGroup || to.MigrateToChatID != super || to.From.ID != alice {
		t.Errorf("old chat's message %+v, want migrate_to_chat_id %d", to, super)
	}
	if from == nil || from.Chat.Type != models.ChatTypeSupergroup || from.MigrateFromChatID != old || from.Chat.Title != "村社区书记群" {
		t.Errorf("supergroup's message %+v, want migrate_from_chat_id %d", from, old)
	}
	for name, call := range map[string]func() error{
		"send": func() error {
			_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: old, Text: "again"})
			return err
		},
		"edit": func() error {
			_, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: old, MessageID: sent.ID, Text: "已应 1/2"})
			return err
		},
	} {
		var moved *bot.MigrateError
		if err := call(); !errors.As(err, &moved) || int64(moved.MigrateToChatID) != super ||
			!strings.Contains(err.Error(), "group chat was upgraded to a supergroup chat") {
			t.Errorf("%s in the old chat: %v, want 400 with migrate_to_chat_id %d", name, err, super)
		}
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: super, Text: "请回复收到"}); err != nil {
		t.Errorf("send in the supergroup: %v", err)
	}
	if got := srv.BotStatus(super); got != fakeapi.StatusAdministrator {
		t.Errorf("BotStatus(supergroup) = %q, want the old chat's administrator", got)
	}
	if got := srv.GroupMembers(super); !slices.Equal(got, []int64{alice, bob}) {
		t.Errorf("GroupMembers(supergroup) = %v", got)
	}
	srv.Press(bob, old, sent.ID, "ack:1")
	u := log.next(t)
	if q := u.CallbackQuery; q == nil || q.Message.Message == nil || q.Message.Message.Chat.ID != old || q.From.ID != bob {
		t.Errorf("press on the old message: %+v", u)
	}
}

// With GroupWindowed, a group takes GroupPerMinute sends and edits in any
// minute, then 429 with the wait until the first of them is a minute old;
// without it the bucket refills bit by bit.
func TestGroupWindowLimit(t *testing.T) {
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	at := func(d time.Duration) { mu.Lock(); now = start.Add(d); mu.Unlock() }
	const group = int64(-5000)
	for _, tc := range []struct {
		windowed bool
		// after the 20th post at 0s..19s: whether a post is taken at 25 s
		// and at 61 s, and the retry_after of the refused one at 25 s
		at25  bool
		retry int
	}{
		{windowed: true, at25: false, retry: 35},
		{windowed: false, at25: true},
	} {
		at(0)
		srv := newServer(t, fakeapi.Options{Now: clock,
			Limits: &fakeapi.Limits{GroupPerMinute: 20, GroupWindowed: tc.windowed}})
		srv.AddGroup(group, "安全生产群")
		b := newBot(t, srv)
		var first *models.Message
		for i := range 20 {
			at(time.Duration(i) * time.Second)
			var err error
			if i%2 == 1 { // edits count as well
				_, err = b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: group, MessageID: first.ID, Text: "已应 " + string(rune('0'+i%10))})
			} else {
				var m *models.Message
				m, err = b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "叫应"})
				if first == nil {
					first = m
				}
			}
			if err != nil && tc.windowed {
				t.Fatalf("windowed: post %d refused: %v", i, err)
			}
		}
		at(25 * time.Second)
		_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "第 21 条"})
		var tooMany *bot.TooManyRequestsError
		switch {
		case tc.at25 && err != nil:
			t.Errorf("windowed=%v: at 25 s: %v, want taken", tc.windowed, err)
		case !tc.at25 && (!errors.As(err, &tooMany) || tooMany.RetryAfter != tc.retry):
			t.Errorf("windowed=%v: at 25 s: %v, want 429 retry_after %d", tc.windowed, err, tc.retry)
		}
		if tc.windowed {
			at(60 * time.Second)
			if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "一分钟后"}); err != nil {
				t.Errorf("a minute after the first post: %v", err)
			}
			if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "再一条"}); !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
				t.Errorf("the next at 60 s: %v, want 429 retry_after 1 (the second post leaves at 61 s)", err)
			}
			if got := len(srv.PostedAt(group)); got != 21 {
				t.Errorf("PostedAt has %d sends and edits, want 21", got)
			}
		}
	}
}
