package fakeapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/bot/fakeapi"
)

func TestUserMessagesRecordBothSides(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	id1 := srv.SendText(alice, "/start")
	sent, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "share your phone"})
	if err != nil {
		t.Fatal(err)
	}
	id2 := srv.ShareContact(alice, "8613800000001", alice)
	id3 := srv.SendDocument(alice, "roster.xlsx", []byte("xlsx"))
	id4, photo := srv.SendPhoto(alice, "fix.jpg", []byte("jpeg"), "配电箱已接地")
	srv.SendText(bob, "hello")

	got := srv.UserMessages(alice)
	if len(got) != 4 {
		t.Fatalf("alice's messages = %+v", got)
	}
	if got[3].ID != id4 || got[3].Photo != "fix.jpg" || got[3].Caption != "配电箱已接地" || got[3].FileID != photo || got[3].Text != "" {
		t.Errorf("photo = %+v", got[3])
	}
	if name, data, ok := srv.File(got[3].FileID); !ok || name != "fix.jpg" || string(data) != "jpeg" {
		t.Errorf("the photo's file: %q %q %v", name, data, ok)
	}
	if name, data, ok := srv.File(got[2].FileID); !ok || name != "roster.xlsx" || string(data) != "xlsx" {
		t.Errorf("the document's file: %q %q %v", name, data, ok)
	}
	if _, _, ok := srv.File("no-such-file"); ok {
		t.Error("an unknown file id was found")
	}
	if got[0].ID != id1 || got[0].Text != "/start" || got[0].From != alice || got[0].ChatID != alice || got[0].Date.IsZero() {
		t.Errorf("text = %+v", got[0])
	}
	if got[1].ID != id2 || got[1].Contact != "8613800000001" || got[1].Text != "" {
		t.Errorf("contact = %+v", got[1])
	}
	if got[2].ID != id3 || got[2].Document != "roster.xlsx" {
		t.Errorf("document = %+v", got[2])
	}
	// User and bot messages share one sequence, so they interleave by id.
	if !(id1 < sent.ID && sent.ID < id2 && id2 < id3) {
		t.Errorf("ids: user %d, bot %d, user %d, %d", id1, sent.ID, id2, id3)
	}
	if n := len(srv.UserMessages(bob)); n != 1 {
		t.Errorf("bob has %d messages", n)
	}
	if srv.UserMessages(999) != nil {
		t.Error("an unknown chat has messages")
	}

	if _, err := b.DeleteMessage(ctx(t), &bot.DeleteMessageParams{ChatID: alice, MessageID: id2}); err != nil {
		t.Fatal(err)
	}
	if got := srv.UserMessages(alice); len(got) != 3 || got[1].ID != id3 {
		t.Errorf("after deleting the contact: %+v", got)
	}
}

func TestWaitChange(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	v0 := srv.Version()

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if v, err := srv.WaitChange(short, v0); !errors.Is(err, context.DeadlineExceeded) || v != v0 {
		t.Fatalf("no change: v=%d err=%v", v, err)
	}

	steps := []struct {
		name string
		do   func() error
	}{
		{"user text", func() error { srv.SendText(alice, "hi"); return nil }},
		{"bot message", func() error {
			_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "v1",
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}})
			return err
		}},
		{"edit", func() error {
			m, _ := srv.Last(alice)
			_, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: alice, MessageID: m.ID, Text: "v2"})
			return err
		}},
		{"contact", func() error { srv.ShareContact(alice, "1", alice); return nil }},
	}
	v := v0
	for _, s := range steps {
		done := make(chan uint64, 1)
		go func(after uint64) {
			got, err := srv.WaitChange(ctx(t), after)
			if err != nil {
				t.Errorf("%s: %v", s.name, err)
			}
			done <- got
		}(v)
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		select {
		case got := <-done:
			if got <= v {
				t.Fatalf("%s: version %d, was %d", s.name, got, v)
			}
			v = srv.Version()
		case <-time.After(wait):
			t.Fatalf("%s did not wake WaitChange", s.name)
		}
	}
	// A version already past returns at once.
	if got, err := srv.WaitChange(ctx(t), v0); err != nil || got != v {
		t.Fatalf("stale wait = %d, %v; want %d", got, err, v)
	}

	closed := make(chan error, 1)
	go func() {
		_, err := srv.WaitChange(context.Background(), srv.Version())
		closed <- err
	}()
	time.Sleep(20 * time.Millisecond)
	srv.Close()
	select {
	case err := <-closed:
		if !errors.Is(err, fakeapi.ErrClosed) {
			t.Fatalf("after Close: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Close did not end WaitChange")
	}
}

func TestWaitAnswerContext(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	b := newBot(t, srv)
	sent, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "v1",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	q := srv.Press(alice, alice, sent.ID, "a")

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := srv.WaitAnswerContext(short, q); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unanswered: %v", err)
	}
	if _, err := srv.WaitAnswerContext(ctx(t), "nope"); err == nil {
		t.Fatal("unknown query: no error")
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = b.AnswerCallbackQuery(context.Background(), &bot.AnswerCallbackQueryParams{CallbackQueryID: q, Text: "已确认"})
	}()
	a, err := srv.WaitAnswerContext(ctx(t), q)
	if err != nil || a.Text != "已确认" {
		t.Fatalf("answer = %+v, %v", a, err)
	}
}
