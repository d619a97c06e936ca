package fakeapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// Button is one keyboard button the bot sent.
type Button struct {
	Text           string
	Data           string // callback_data of an inline button
	URL            string // url of an inline button
	RequestContact bool   // request_contact of a reply keyboard button
}

// Message is the current state of a message the bot sent.
type Message struct {
	ChatID         int64
	ID             int
	Text           string // text as sent (markup included); empty for documents and photos
	ParseMode      string
	Inline         [][]Button // inline keyboard attached to the message
	Keyboard       [][]Button // reply keyboard the message showed
	RemoveKeyboard bool       // the message removed the reply keyboard
	Edits          int
	// ReplyTo is the message this one replies to (reply_parameters), 0
	// for none.
	ReplyTo  int
	Date     time.Time
	EditDate time.Time
	Document string // file name of a sent document or photo
	Photo    bool   // sent with sendPhoto
	Data     []byte // uploaded content of a document or photo
	Caption  string
	// Paid is set when the bot sent the message with
	// allow_paid_broadcast, paying PaidBroadcastFee for it.
	Paid bool
}

// botMsg is the server-side state of a bot message.
type botMsg struct {
	Message
	inlineRaw json.RawMessage // {"inline_keyboard":...} as sent, for echoing and comparison
	plain     string          // text or caption with markup parsed away
	file      *file
	deleted   bool // by deleteMessage, and left in Server.all until swept
}

// clone returns a deep copy safe to hand to callers.
func (m Message) clone() Message {
	m.Inline = cloneRows(m.Inline)
	m.Keyboard = cloneRows(m.Keyboard)
	m.Data = slices.Clone(m.Data)
	return m
}

func cloneRows(rows [][]Button) [][]Button {
	if rows == nil {
		return nil
	}
	out := make([][]Button, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
	}
	return out
}

// wireBotMsgLocked describes a bot message for the wire.
func (s *Server) wireBotMsgLocked(bm *botMsg) wireMessage {
	m := wireMessage{
		MessageID:   bm.ID,
		From:        &s.me, // never changed after New
		Date:        bm.Date.Unix(),
		Chat:        s.wireChatLocked(bm.ChatID),
		ReplyMarkup: bm.inlineRaw,
	}
	if !bm.EditDate.IsZero() {
		m.EditDate = bm.EditDate.Unix()
	}
	switch {
	case bm.file != nil && bm.Photo:
		m.Photo, m.Caption = bm.file.photo(), bm.plain
	case bm.file != nil:
		m.Document, m.Caption = bm.file.document(), bm.plain
	default:
		m.Text = bm.plain
	}
	return m
}

// addBotMsgLocked records a new bot message in c with the given markup.
func (s *Server) addBotMsgLocked(c *chat, m Message, mk markup, plain string) *botMsg {
	now := s.now()
	c.lastID++
	m.ChatID, m.ID, m.Date = c.id, c.lastID, now
	bm := &botMsg{Message: m, plain: plain}
	bm.Inline, bm.inlineRaw = mk.inline, mk.inlineRaw
	switch {
	case mk.keyboard != nil:
		bm.Keyboard = mk.keyboard
		c.keyboard = cloneRows(mk.keyboard)
	case mk.remove:
		bm.RemoveKeyboard = true
		c.keyboard = nil
	}
	c.msgs = append(c.msgs, bm)
	c.sentAt = append(c.sentAt, now)
	c.posted = append(c.posted, now)
	s.all = append(s.all, bm)
	s.stats.Sent++
	if m.Paid {
		s.chargeLocked()
	}
	s.notifyLocked()
	return bm
}

// notifyLocked wakes everyone waiting for a change and counts it.
func (s *Server) notifyLocked() {
	s.version++
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// changedLocked returns the channel notifyLocked closes at the next
// change; it is made only when someone waits, not for every message.
func (s *Server) changedLocked() chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// Messages returns the current state of each live bot message in the chat, in send order.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, 0, len(c.msgs))
	for _, bm := range c.msgs {
		out = append(out, bm.Message.clone())
	}
	return out
}

// Last returns the most recent live bot message in the chat.
func (s *Server) Last(chatID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil || len(c.msgs) == 0 {
		return Message{}, false
	}
	return c.msgs[len(c.msgs)-1].Message.clone(), true
}

// AllMessages returns the current state of every live bot message, in send order.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allLocked()
}

func (s *Server) allLocked() []Message {
	out := make([]Message, 0, len(s.all)-s.dead)
	for _, bm := range s.all {
		if !bm.deleted {
			out = append(out, bm.Message.clone())
		}
	}
	return out
}

// deleteLocked removes a bot message from its chat c and from s.all.
// In s.all it is only marked, so a delete does not move every later
// message; they are swept out once they make half of it.
func (s *Server) deleteLocked(c *chat, i int) {
	bm := c.msgs[i]
	c.msgs = slices.Delete(c.msgs, i, i+1)
	bm.deleted = true
	s.dead++
	if s.dead > 64 && s.dead > len(s.all)/2 {
		s.all = slices.DeleteFunc(s.all, func(m *botMsg) bool { return m.deleted })
		s.dead = 0
	}
}

// ReplyKeyboard returns the reply keyboard the user currently sees in the chat (nil if none).
func (s *Server) ReplyKeyboard(chatID int64) [][]Button {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return cloneRows(c.keyboard)
	}
	return nil
}

// WaitFor waits up to timeout for a live bot message satisfying pred; the error lists the last 20 messages seen.
func (s *Server) WaitFor(timeout time.Duration, pred func(Message) bool) (Message, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs := s.allLocked()
		wake := s.changedLocked()
		s.mu.Unlock()
		for _, m := range msgs {
			if pred(m) {
				return m, nil
			}
		}
		select {
		case <-wake:
		case <-deadline.C:
			return Message{}, fmt.Errorf("fakeapi: no bot message matched within %v; %s", timeout, describe(msgs, 20))
		}
	}
}

// describe summarises the last max messages, one per line.
func describe(msgs []Message, max int) string {
	if len(msgs) == 0 {
		return "the bot sent no messages"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the bot has %d message(s):", len(msgs))
	if len(msgs) > max {
		fmt.Fprintf(&b, "\n  ... %d earlier message(s) omitted", len(msgs)-max)
		msgs = msgs[len(msgs)-max:]
	}
	for _, m := range msgs {
		b.WriteString("\n  ")
		b.WriteString(m.String())
	}
	return b.String()
}

// String summarises the message on one line for test output.
func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chat %d #%d", m.ChatID, m.ID)
	if m.Document != "" {
		kind := "document"
		if m.Photo {
			kind = "photo"
		}
		fmt.Fprintf(&b, " %s %q caption %q", kind, m.Document, truncate(m.Caption, 80))
	} else {
		fmt.Fprintf(&b, " %q", truncate(m.Text, 80))
	}
	if m.Edits > 0 {
		fmt.Fprintf(&b, " (edited %d)", m.Edits)
	}
	if m.Paid {
		b.WriteString(" paid")
	}
	for _, kb := range []struct {
		name string
		rows [][]Button
	}{{"inline", m.Inline}, {"keyboard", m.Keyboard}} {
		if len(kb.rows) == 0 {
			continue
		}
		var labels []string
		for _, row := range kb.rows {
			for _, btn := range row {
				l := btn.Text
				if btn.Data != "" {
					l += "=" + btn.Data
				}
				labels = append(labels, l)
			}
		}
		fmt.Fprintf(&b, " %s[%s]", kb.name, strings.Join(labels, " | "))
	}
	if m.RemoveKeyboard {
		b.WriteString(" remove_keyboard")
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Count returns the number of successful calls of an API method (case-insensitive).
func (s *Server) Count(method string) int {
	if m, ok := lookupMethod(method); ok {
		return int(s.calls[m.index].Load())
	}
	return 0
}

// Stats returns request and outcome counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	// Read last, it counts every request whose outcome is in st.
	st.Requests = int(s.requests.Load())
	return st
}

// SentAt returns the times (Options.Now) of accepted sends to the chat, for rate assertions.
func (s *Server) SentAt(chatID int64) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return slices.Clone(c.sentAt)
	}
	return nil
}

// PostedAt returns the times (Options.Now) of accepted sends and edits in
// the chat, in order: what Telegram's limit of a group counts.
func (s *Server) PostedAt(chatID int64) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return slices.Clone(c.posted)
	}
	return nil
}

// Commands returns the commands set for the default scope and the language code ("" = all languages).
func (s *Server) Commands(languageCode string) []models.BotCommand {
	return s.ScopedCommands("default", languageCode)
}

// ScopedCommands returns the commands set for a scope such as "all_private_chats" or "chat:<id>".
func (s *Server) ScopedCommands(scope, languageCode string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[scope+"|"+languageCode])
}
