package fakeapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/bot/fakeapi"
)

const (
	token = "123456:TEST-token"
	alice = int64(1001)
	bob   = int64(1002)
	wait  = 3 * time.Second
)

func newServer(t *testing.T, opts fakeapi.Options) *fakeapi.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	srv := fakeapi.New(opts)
	t.Cleanup(srv.Close)
	srv.AddUser(fakeapi.User{ID: alice, FirstName: "Alice", Username: "alice", LanguageCode: "en"})
	srv.AddUser(fakeapi.User{ID: bob, FirstName: "Bob"})
	return srv
}

// errLog collects errors from the client's errors handler without touching t after the test.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errLog) has(target error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, err := range l.errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func newBot(t *testing.T, srv *fakeapi.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	all := append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithHTTPClient(2*time.Second, &http.Client{Timeout: 5 * time.Second}),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
		bot.WithErrorsHandler(func(error) {}),
	}, opts...)
	b, err := bot.New(token, all...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// startBot polls in the background until the test ends.
func startBot(t *testing.T, b *bot.Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return c
}

func TestGetMe(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	me, err := b.GetMe(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != 123456 || !me.IsBot || me.Username != "dutybot" {
		t.Fatalf("getMe = %+v", me)
	}
	if got := srv.Count("getMe"); got != 2 { // bot.New calls it too
		t.Fatalf("Count(getMe) = %d, want 2", got)
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	_, err := bot.New("999:wrong", bot.WithServerURL(srv.URL()))
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Fatalf("err = %v, want ErrorUnauthorized", err)
	}
}

func TestUnknownMethodIsNotFound(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	_, err := b.SendPoll(ctx(t), &bot.SendPollParams{ChatID: alice, Question: "q"})
	if !errors.Is(err, bot.ErrorNotFound) {
		t.Fatalf("err = %v, want ErrorNotFound", err)
	}
}

func TestPollingCommandButtonAndCallback(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	callbacks := make(chan *models.CallbackQuery, 1)
	b := newBot(t, srv)
	b.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
			ChatID:    u.Message.Chat.ID,
			Text:      "Hello, <b>" + u.Message.From.FirstName + "</b>",
			ParseMode: models.ParseModeHTML,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
				{{Text: "Ack", CallbackData: "ack:1"}, {Text: "Docs", URL: "https://example.com"}},
			}},
		})
	})
	b.RegisterHandler(bot.HandlerTypeCallbackQueryData, "ack:", bot.MatchTypePrefix, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		callbacks <- u.CallbackQuery
		_, _ = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID, Text: "done", ShowAlert: true})
		m := u.CallbackQuery.Message.Message
		_, _ = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID, Text: "Acknowledged"})
	})
	startBot(t, b)

	srv.SendText(alice, "/start")
	msg, err := srv.WaitFor(wait, func(m fakeapi.Message) bool { return m.ChatID == alice })
	if err != nil {
		t.Fatal(err)
	}
	if msg.Text != "Hello, <b>Alice</b>" || msg.ParseMode != "HTML" {
		t.Fatalf("message = %v", msg)
	}
	want := [][]fakeapi.Button{{{Text: "Ack", Data: "ack:1"}, {Text: "Docs", URL: "https://example.com"}}}
	if len(msg.Inline) != 1 || len(msg.Inline[0]) != 2 || msg.Inline[0][0] != want[0][0] || msg.Inline[0][1] != want[0][1] {
		t.Fatalf("inline = %+v, want %+v", msg.Inline, want)
	}

	qid, err := srv.PressButton(alice, alice, msg.ID, "Ack")
	if err != nil {
		t.Fatal(err)
	}
	var cq *models.CallbackQuery
	select {
	case cq = <-callbacks:
	case <-time.After(wait):
		t.Fatal("callback query not delivered")
	}
	if cq.ID != qid || cq.Data != "ack:1" || cq.From.ID != alice {
		t.Fatalf("callback = %+v", cq)
	}
	if cq.Message.Type != models.MaybeInaccessibleMessageTypeMessage || cq.Message.Message == nil {
		t.Fatalf("callback message not decoded: %+v", cq.Message)
	}
	cm := cq.Message.Message
	if cm.ID != msg.ID || cm.Chat.ID != alice || cm.Text != "Hello, Alice" || cm.From == nil || !cm.From.IsBot {
		t.Fatalf("callback message = %+v", cm)
	}
	if cm.ReplyMarkup == nil || cm.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "ack:1" {
		t.Fatalf("callback message markup = %+v", cm.ReplyMarkup)
	}

	ans, err := srv.WaitAnswer(qid, wait)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Text != "done" || !ans.ShowAlert {
		t.Fatalf("answer = %+v", ans)
	}
	edited, err := srv.WaitFor(wait, func(m fakeapi.Message) bool { return m.Text == "Acknowledged" })
	if err != nil {
		t.Fatal(err)
	}
	if edited.ID != msg.ID || edited.Edits != 1 || edited.Inline != nil {
		t.Fatalf("edited = %+v (editMessageText without reply_markup drops the keyboard)", edited)
	}
	if n := srv.Count("sendMessage"); n != 1 {
		t.Fatalf("Count(sendMessage) = %d", n)
	}
	deadline := time.Now().Add(wait)
	for srv.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.Pending(); n != 0 {
		t.Fatalf("Pending = %d, confirmed updates should be dropped", n)
	}
}

func TestReplyKeyboardAndContact(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	contacts := make(chan *models.Contact, 1)
	b := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.Message != nil && u.Message.Contact != nil {
			contacts <- u.Message.Contact
			_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "thanks", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}})
		}
	}))
	startBot(t, b)

	_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "share your phone", ReplyMarkup: &models.ReplyKeyboardMarkup{
		Keyboard: [][]models.KeyboardButton{{{Text: "Share", RequestContact: true}}}, OneTimeKeyboard: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	kb := srv.ReplyKeyboard(alice)
	if len(kb) != 1 || !kb[0][0].RequestContact || kb[0][0].Text != "Share" {
		t.Fatalf("reply keyboard = %+v", kb)
	}
	srv.ShareContact(alice, "+15550001", alice)
	select {
	case c := <-contacts:
		if c.PhoneNumber != "+15550001" || c.UserID != alice || c.FirstName != "Alice" {
			t.Fatalf("contact = %+v", c)
		}
	case <-time.After(wait):
		t.Fatal("contact not delivered")
	}
	if _, err := srv.WaitFor(wait, func(m fakeapi.Message) bool { return m.RemoveKeyboard }); err != nil {
		t.Fatal(err)
	}
	if kb := srv.ReplyKeyboard(alice); kb != nil {
		t.Fatalf("keyboard still shown: %+v", kb)
	}
}

func TestEditMessageText(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}
	sent, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "v1", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID != 1 || sent.Chat.ID != alice || sent.Text != "v1" || sent.Date == 0 || sent.From.ID != 123456 || sent.ReplyMarkup == nil {
		t.Fatalf("sent = %+v", sent)
	}

	_, err = b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: alice, MessageID: sent.ID, Text: "v1", ReplyMarkup: kb})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Fatalf("identical edit err = %v", err)
	}
	got, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: alice, MessageID: sent.ID, Text: "v2", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sent.ID || got.Text != "v2" || got.EditDate == 0 {
		t.Fatalf("edited = %+v", got)
	}
	_, err = b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: alice, MessageID: 99, Text: "x"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to edit not found") {
		t.Fatalf("unknown message err = %v", err)
	}
	m, _ := srv.Last(alice)
	if m.Text != "v2" || m.Edits != 1 || len(m.Inline) != 1 {
		t.Fatalf("recorded = %+v", m)
	}
	if st := srv.Stats(); st.Sent != 1 || st.Edited != 1 || st.BadRequests != 2 {
		t.Fatalf("stats = %+v", st)
	}

	// Markup-only edit, then delete.
	if _, err := b.EditMessageReplyMarkup(ctx(t), &bot.EditMessageReplyMarkupParams{ChatID: alice, MessageID: sent.ID}); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Last(alice); m.Inline != nil || m.Edits != 2 {
		t.Fatalf("after markup edit = %+v", m)
	}
	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: alice, MessageID: sent.ID}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages(alice)); n != 0 {
		t.Fatalf("%d messages after delete", n)
	}
}

func TestAnswerUnknownQuery(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	_, err := b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: "nope"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidation(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	cases := []struct {
		name   string
		params *bot.SendMessageParams
		want   string
	}{
		{"too long", &bot.SendMessageParams{ChatID: alice, Text: strings.Repeat("я", 4097)}, "message is too long"},
		{"empty", &bot.SendMessageParams{ChatID: alice, Text: " "}, "message text is empty"},
		{"bad html", &bot.SendMessageParams{ChatID: alice, Text: "a < b", ParseMode: models.ParseModeHTML}, "can't parse entities"},
		{"unclosed tag", &bot.SendMessageParams{ChatID: alice, Text: "<b>x", ParseMode: models.ParseModeHTML}, "can't parse entities"},
		{"unknown chat", &bot.SendMessageParams{ChatID: 4242, Text: "hi"}, "chat not found"},
		{"long callback data", &bot.SendMessageParams{ChatID: alice, Text: "hi", ReplyMarkup: &models.InlineKeyboardMarkup{
			InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: strings.Repeat("d", 65)}}},
		}}, "BUTTON_DATA_INVALID"},
	}
	for _, c := range cases {
		_, err := b.SendMessage(ctx(t), c.params)
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want bad request %q", c.name, err, c.want)
		}
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: strings.Repeat("я", 4096) + "<b></b>", ParseMode: models.ParseModeHTML}); err != nil {
		t.Errorf("4096 characters: %v", err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "AT&amp;T &lt;3 & <a href=\"https://x\">x</a>", ParseMode: models.ParseModeHTML}); err != nil {
		t.Errorf("valid html: %v", err)
	}
}

// TestLengthLimitsInUTF16 checks that limits count like Telegram: UTF-16
// code units of the text after entity parsing, so an emoji counts twice,
// a tag not at all and &amp; once.
func TestLengthLimitsInUTF16(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	emoji := func(n int) string { return strings.Repeat("🚨", n) }
	msgs := []struct {
		name   string
		params *bot.SendMessageParams
		ok     bool
	}{
		{"2048 emoji", &bot.SendMessageParams{ChatID: alice, Text: emoji(2048)}, true},
		{"2049 emoji", &bot.SendMessageParams{ChatID: alice, Text: emoji(2049)}, false},
		{"3000 emoji", &bot.SendMessageParams{ChatID: alice, Text: emoji(3000)}, false},
		{"4096 with a tag", &bot.SendMessageParams{ChatID: alice, Text: "<b>" + strings.Repeat("a", 4096) + "</b>",
			ParseMode: models.ParseModeHTML}, true},
		{"4096 entities", &bot.SendMessageParams{ChatID: alice, Text: strings.Repeat("&amp;", 4096),
			ParseMode: models.ParseModeHTML}, true},
		{"4097 entities", &bot.SendMessageParams{ChatID: alice, Text: strings.Repeat("&amp;", 4097),
			ParseMode: models.ParseModeHTML}, false},
	}
	for _, c := range msgs {
		_, err := b.SendMessage(ctx(t), c.params)
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok && (!errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is too long")) {
			t.Errorf("%s: err = %v, want message is too long", c.name, err)
		}
	}
	png := []byte("\x89PNG")
	for _, c := range []struct {
		caption string
		ok      bool
	}{{emoji(512), true}, {emoji(513), false}} {
		_, err := b.SendPhoto(ctx(t), &bot.SendPhotoParams{ChatID: alice, Caption: c.caption,
			Photo: &models.InputFileUpload{Filename: "a.png", Data: bytes.NewReader(png)}})
		if c.ok != (err == nil) || !c.ok && !strings.Contains(err.Error(), "caption is too long") {
			t.Errorf("caption of %d units: err = %v", len(c.caption)/2, err)
		}
	}
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "press"})
	if err != nil {
		t.Fatal(err)
	}
	q := srv.Press(alice, alice, m.ID, "x")
	_, err = b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: q, Text: emoji(101)})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "MESSAGE_TOO_LONG") {
		t.Errorf("answer of 202 units: err = %v", err)
	}
	if _, err := b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: q, Text: emoji(100)}); err != nil {
		t.Errorf("answer of 200 units: %v", err)
	}
	if a, err := srv.WaitAnswer(q, wait); err != nil || a.Text != emoji(100) {
		t.Errorf("answer = %q, %v", a.Text, err)
	}
}

func TestInjectedFaults(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	send := func(chatID int64) error {
		_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: chatID, Text: "hi"})
		return err
	}

	srv.Inject(fakeapi.Fault{Method: "sendMessage", Code: 429, RetryAfter: 7})
	err := send(alice)
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Fatalf("err = %v, want TooManyRequestsError retry_after 7", err)
	}
	if err := send(alice); err != nil {
		t.Fatalf("fault should be used up: %v", err)
	}

	srv.Inject(fakeapi.Fault{Method: "SENDMESSAGE", ChatID: bob, Code: 502, Times: 2})
	if err := send(alice); err != nil {
		t.Fatalf("fault is for bob only: %v", err)
	}
	for range 2 {
		if err := send(bob); err == nil || !strings.Contains(err.Error(), "502") {
			t.Fatalf("err = %v, want 502", err)
		}
	}
	if err := send(bob); err != nil {
		t.Fatal(err)
	}

	srv.Block(bob)
	if err := send(bob); !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "blocked") {
		t.Fatalf("err = %v, want ErrorForbidden", err)
	}
	srv.Unblock(bob)
	if err := send(bob); err != nil {
		t.Fatal(err)
	}

	srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: -77, Code: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat",
		MigrateToChatID: -1000000000077})
	var moved *bot.MigrateError
	if err := send(-77); !errors.As(err, &moved) || moved.MigrateToChatID != -1000000000077 {
		t.Fatalf("err = %v, want MigrateError to -1000000000077", err)
	}

	st := srv.Stats()
	if st.TooMany != 1 || st.ServerErrors != 2 || st.Forbidden != 1 || st.BadRequests != 1 || st.Sent != 4 {
		t.Fatalf("stats = %+v", st)
	}
	if n := srv.Count("sendMessage"); n != 4 {
		t.Fatalf("Count = %d", n)
	}
}

func TestDelayedSuccessStillSends(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	srv.Inject(fakeapi.Fault{Method: "sendMessage", Delay: 300 * time.Millisecond})
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := b.SendMessage(c, &bot.SendMessageParams{ChatID: alice, Text: "slow"}); err == nil {
		t.Fatal("want client timeout")
	}
	if _, err := srv.WaitFor(wait, func(m fakeapi.Message) bool { return m.Text == "slow" }); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("message recorded after %v, before the delay", d)
	}
}

func TestChatRateLimit(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	srv := newServer(t, fakeapi.Options{Limits: &fakeapi.Limits{ChatPerSecond: 1, ChatBurst: 1}, Now: clock})
	b := newBot(t, srv)
	for i := range 5 {
		_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "burst"})
		if i == 0 {
			if err != nil {
				t.Fatalf("first send: %v", err)
			}
			continue
		}
		var tooMany *bot.TooManyRequestsError
		if !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
			t.Fatalf("send %d: err = %v, want 429 retry_after 1", i, err)
		}
	}
	// Other chats have their own bucket.
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "later"}); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	at := srv.SentAt(alice)
	if len(at) != 2 || at[1].Sub(at[0]) != time.Second {
		t.Fatalf("SentAt = %v", at)
	}
	if st := srv.Stats(); st.TooMany != 4 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestGroupAndGlobalRateLimit(t *testing.T) {
	frozen := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	srv := newServer(t, fakeapi.Options{Limits: &fakeapi.Limits{Global: 3, GroupPerMinute: 2}, Now: func() time.Time { return frozen }})
	group := int64(-100)
	srv.AddGroup(group, "Ops")
	b := newBot(t, srv)
	var errs []error
	for range 3 {
		_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: group, Text: "hi"})
		errs = append(errs, err)
	}
	var tooMany *bot.TooManyRequestsError
	if errs[0] != nil || errs[1] != nil || !errors.As(errs[2], &tooMany) || tooMany.RetryAfter != 30 {
		t.Fatalf("group sends: %v", errs)
	}
	// One global token left: alice gets it, bob is over the global limit.
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob, Text: "hi"}); !errors.As(err, &tooMany) {
		t.Fatalf("err = %v, want global 429", err)
	}
}

func TestConcurrentGetUpdatesConflict(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	var log1, log2 errLog
	b1 := newBot(t, srv, bot.WithErrorsHandler(log1.add))
	b2 := newBot(t, srv, bot.WithErrorsHandler(log2.add))
	startBot(t, b1)
	startBot(t, b2)
	deadline := time.Now().Add(wait)
	for !log1.has(bot.ErrorConflict) && !log2.has(bot.ErrorConflict) {
		if time.Now().After(deadline) {
			t.Fatal("no 409 conflict for concurrent getUpdates")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseEndsLongPoll(t *testing.T) {
	srv := fakeapi.New(fakeapi.Options{Token: token})
	done := make(chan error, 1)
	go func() {
		resp, err := http.Post(srv.URL()+"/bot"+token+"/getUpdates?timeout=30", "application/json", nil)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	srv.Close()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("long poll still pending after Close")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %v", d)
	}
}

func TestCommands(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	en := []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "oncall", Description: "Who is on call"}}
	ru := []models.BotCommand{{Command: "start", Description: "Начать"}}
	if _, err := b.SetMyCommands(ctx(t), &bot.SetMyCommandsParams{Commands: en}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetMyCommands(ctx(t), &bot.SetMyCommandsParams{Commands: ru, LanguageCode: "ru", Scope: &models.BotCommandScopeAllPrivateChats{}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(""); len(got) != 2 || got[1].Command != "oncall" {
		t.Fatalf("Commands(\"\") = %+v", got)
	}
	if got := srv.ScopedCommands("all_private_chats", "ru"); len(got) != 1 || got[0].Description != "Начать" {
		t.Fatalf("ScopedCommands = %+v", got)
	}
	got, err := b.GetMyCommands(ctx(t), &bot.GetMyCommandsParams{LanguageCode: "ru", Scope: &models.BotCommandScopeAllPrivateChats{}})
	if err != nil || len(got) != 1 || got[0].Command != "start" {
		t.Fatalf("getMyCommands = %+v, %v", got, err)
	}
	_, err = b.SetMyCommands(ctx(t), &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Bad-Name", Description: "x"}}})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("invalid command err = %v", err)
	}
}

func TestDocuments(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	docs := make(chan *models.Document, 1)
	b := newBot(t, srv, bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
		if u.Message != nil && u.Message.Document != nil {
			docs <- u.Message.Document
		}
	}))
	startBot(t, b)

	csv := []byte("name,phone\nalice,+1\n")
	sent, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{
		ChatID:   alice,
		Document: &models.InputFileUpload{Filename: "roster.csv", Data: bytes.NewReader(csv)},
		Caption:  "Roster",
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Document == nil || sent.Document.FileName != "roster.csv" || sent.Caption != "Roster" {
		t.Fatalf("sent = %+v", sent)
	}
	m, _ := srv.Last(alice)
	if m.Document != "roster.csv" || m.Caption != "Roster" || !bytes.Equal(m.Data, csv) || m.Photo {
		t.Fatalf("recorded = %+v", m)
	}
	if _, err := b.SendPhoto(ctx(t), &bot.SendPhotoParams{ChatID: alice, Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader([]byte{1, 2, 3})}}); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Last(alice); !m.Photo || m.Document != "chart.png" {
		t.Fatalf("photo = %+v", m)
	}

	srv.SendDocument(alice, "import.yaml", []byte("a: 1\n"))
	var doc *models.Document
	select {
	case doc = <-docs:
	case <-time.After(wait):
		t.Fatal("document not delivered")
	}
	f, err := b.GetFile(ctx(t), &bot.GetFileParams{FileID: doc.FileID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if doc.FileName != "import.yaml" || string(body) != "a: 1\n" {
		t.Fatalf("doc %+v body %q", doc, body)
	}
}

func TestGroupCommandAndWaitForError(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	got := make(chan *models.Message, 1)
	b := newBot(t, srv, bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
		if u.Message != nil {
			got <- u.Message
		}
	}))
	startBot(t, b)
	srv.SendGroupText(-2000, bob, "/ack@dutybot now")
	select {
	case m := <-got:
		if m.Chat.ID != -2000 || m.Chat.Type != models.ChatTypeGroup || m.From.ID != bob ||
			len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBotCommand || m.Entities[0].Length != len("/ack@dutybot") {
			t.Fatalf("message = %+v", m)
		}
	case <-time.After(wait):
		t.Fatal("group message not delivered")
	}

	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: -2000, Text: "noted"}); err != nil {
		t.Fatal(err)
	}
	_, err := srv.WaitFor(50*time.Millisecond, func(m fakeapi.Message) bool { return m.Text == "absent" })
	if err == nil || !strings.Contains(err.Error(), `"noted"`) {
		t.Fatalf("WaitFor error should list messages: %v", err)
	}
}

func TestGroupDocument(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	got := make(chan *models.Message, 1)
	b := newBot(t, srv, bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
		if u.Message != nil {
			got <- u.Message
		}
	}))
	startBot(t, b)
	srv.SendGroupDocument(-3000, bob, "值班表.xlsx", []byte("PK"))
	select {
	case m := <-got:
		if m.Chat.ID != -3000 || m.Chat.Type != models.ChatTypeGroup || m.From.ID != bob || m.Document == nil ||
			m.Document.FileName != "值班表.xlsx" || m.Document.FileSize != 2 {
			t.Fatalf("message = %+v", m)
		}
		f, err := b.GetFile(ctx(t), &bot.GetFileParams{FileID: m.Document.FileID})
		if err != nil || f.FileSize != 2 || !strings.HasSuffix(f.FilePath, ".xlsx") {
			t.Fatalf("getFile = %+v, %v", f, err)
		}
	case <-time.After(wait):
		t.Fatal("group document not delivered")
	}
}

// Uploads of any size and name arrive whole: a workbook bigger than what
// the fake reads at once, and a file name mime/multipart must unescape.
func TestUploadsAnySizeAndName(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	big := bytes.Repeat([]byte("值班表,红色预警\r\n--"), 150_000) // about 3 MB, full of CRLF and dashes
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"全市值班表.xlsx", big},
		{`"引号" 报表.csv`, []byte("a,b\r\n")},
	} {
		if _, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{ChatID: alice, Caption: "附件",
			Document: &models.InputFileUpload{Filename: tc.name, Data: bytes.NewReader(tc.data)}}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m, _ := srv.Last(alice)
		if m.Document != tc.name || m.Caption != "附件" || !bytes.Equal(m.Data, tc.data) {
			t.Fatalf("recorded %q (%d bytes, caption %q), want %q (%d bytes)", m.Document, len(m.Data), m.Caption, tc.name, len(tc.data))
		}
	}
}

// Deleting most of many messages leaves the rest in send order, to read,
// edit and delete, and the deleted ones gone everywhere.
func TestDeleteManyKeepsSendOrder(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	var kept []string
	var keptIDs []int
	var keptChats []int64
	for i := range 300 {
		chat := []int64{alice, bob}[i%2]
		text := "通知 " + strconv.Itoa(i)
		m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: chat, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			kept = append(kept, text)
			keptIDs = append(keptIDs, m.ID)
			keptChats = append(keptChats, chat)
			continue
		}
		if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: chat, MessageID: m.ID}); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
		if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: chat, MessageID: m.ID}); err == nil {
			t.Fatalf("message %d deleted twice", i)
		}
	}
	var got []string
	for _, m := range srv.AllMessages() {
		got = append(got, m.Text)
	}
	if strings.Join(got, "|") != strings.Join(kept, "|") {
		t.Fatalf("AllMessages = %q\nwant %q", got, kept)
	}
	if n := len(srv.Messages(alice)) + len(srv.Messages(bob)); n != len(kept) {
		t.Fatalf("chats hold %d messages, want %d", n, len(kept))
	}
	last := len(keptIDs) - 1
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: keptChats[last], MessageID: keptIDs[last], Text: "已改"}); err != nil {
		t.Fatalf("edit a kept message: %v", err)
	}
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: keptChats[last], MessageID: keptIDs[last] - 1, Text: "已改"}); err == nil {
		t.Fatal("edited a deleted message")
	}
	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: keptChats[0], MessageID: keptIDs[0]}); err != nil {
		t.Fatal(err)
	}
	if all := srv.AllMessages(); len(all) != len(kept)-1 || all[0].Text != kept[1] || all[len(all)-1].Text != "已改" {
		t.Fatalf("after deleting the first: %d messages, first %q, last %q", len(all), all[0].Text, all[len(all)-1].Text)
	}
}
