package bot

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
)

// The conversation store: a chat's step-by-step flow (router.go) and its
// data live in one durable record (storage.Conversation), so a restart
// resumes a half-written alert, warning, report or note, and a message
// finds its flow with one read.

// stepper is flow data that knows its step, recorded for logs.
type stepper interface{ flowStep() string }

// conversation returns the chat's conversation; ok is false when the chat
// is in none or its record cannot be read (it is then dropped).
func (b *Bot) conversation(chat int64) (cv storage.Conversation, ok bool) {
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		cv, err = tx.Conversation(chat)
		return err
	})
	switch {
	case err == nil:
		return cv, true
	case errors.Is(err, storage.ErrNotFound):
		return cv, false
	}
	b.Log.Error("read the chat's conversation; it is dropped", "chat", chat, "err", err)
	b.dropConversation(chat)
	return cv, false
}

func (b *Bot) dropConversation(chat int64) {
	if err := b.DB.Update(func(tx *storage.Tx) error {
		_, err := tx.DeleteConversation(chat)
		return err
	}); err != nil {
		b.Log.Error("end the chat's conversation", "chat", chat, "err", err)
	}
}

// record makes the stored form of a flow's state.
func (b *Bot) record(c caller, name string, data any, started storage.Conversation) (storage.Conversation, error) {
	fl, ok := b.routes.flows[name]
	if !ok {
		return storage.Conversation{}, fmt.Errorf("flow %q is not registered", name)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return storage.Conversation{}, fmt.Errorf("encode flow %s: %w", name, err)
	}
	now := b.Engine.Now()
	cv := storage.Conversation{Chat: c.chatID, Flow: name, Data: raw, Started: now, Updated: now, Expires: now.Add(fl.ttl)}
	if !fl.public {
		// A public flow (a tip, perhaps anonymous) names nobody.
		cv.Official = c.official.ID
	}
	if started.Flow == name && !started.Started.IsZero() {
		cv.Started = started.Started
	}
	if s, ok := data.(stepper); ok {
		cv.Step = s.flowStep()
	}
	cv.LastMessage = max(c.msgID, started.LastMessage)
	return cv, nil
}

// seen reports whether a conversation already took the message being
// handled: the same update handled again after a crash.
func seen(c caller, cv storage.Conversation) bool { return c.msgID > 0 && c.msgID <= cv.LastMessage }

// startFlow puts the chat into a flow with its first data, ending the one
// it was in; the user is told which unfinished flow that ended. It
// reports whether the flow was stored.
func (b *Bot) startFlow(c caller, name string, data any) bool {
	cv, err := b.record(c, name, data, storage.Conversation{})
	var prev storage.Conversation
	var had, again bool
	if err == nil {
		err = b.DB.Update(func(tx *storage.Tx) error {
			var err error
			prev, err = tx.Conversation(c.chatID)
			had = err == nil
			if again = had && prev.Flow == name && seen(c, prev); again {
				return nil // this very message started it, before a crash
			}
			return tx.PutConversation(cv)
		})
	}
	if err != nil {
		b.Log.Error("start a flow", "flow", name, "chat", c.chatID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return false
	}
	if again {
		b.Log.Info("a message that started a flow was handled again after a restart; the flow goes on", "flow", name, "chat", c.chatID)
		return false
	}
	b.Metrics.FlowsStarted.WithLabelValues(name).Inc()
	if had && prev.Flow != name && !prev.Expired(cv.Started) {
		if old, ok := b.routes.flows[prev.Flow]; ok {
			b.reply(c, b.t(c, "FlowReplaced", map[string]any{"Flow": b.t(c, old.label, nil)}))
		}
	}
	return true
}

// saveFlow stores the flow's data after a step and renews its lifetime.
// It returns false, having told the user, when the chat is no longer in
// the flow (ended meanwhile) or the store failed.
func (b *Bot) saveFlow(c caller, name string, data any) bool {
	err := b.DB.Update(func(tx *storage.Tx) error {
		cur, err := tx.Conversation(c.chatID)
		if err != nil {
			return err
		}
		if cur.Flow != name {
			return storage.ErrNotFound
		}
		cv, err := b.record(c, name, data, cur)
		if err != nil {
			return err
		}
		return tx.PutConversation(cv)
	})
	switch {
	case err == nil:
		return true
	case errors.Is(err, storage.ErrNotFound):
		b.reply(c, b.t(c, "FlowGone", nil))
	default:
		b.Log.Error("store a flow step", "flow", name, "chat", c.chatID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	}
	return false
}

// flowData loads the chat's data of a flow, for its buttons; ok is false
// when the chat is not in that flow (it ended, was replaced or expired).
func (b *Bot) flowData(c caller, name string, data any) bool {
	cv, ok := b.conversation(c.chatID)
	if !ok || cv.Flow != name {
		return false
	}
	if cv.Expired(b.Engine.Now()) {
		b.endFlow(c, name)
		return false
	}
	if err := json.Unmarshal(cv.Data, data); err != nil {
		b.Log.Error("read a flow's data; the flow is ended", "flow", name, "chat", c.chatID, "err", err)
		b.endFlow(c, name)
		return false
	}
	return true
}

// endFlow ends the chat's conversation if it is the named flow (any flow
// for ""); it reports whether one ended.
func (b *Bot) endFlow(c caller, name string) bool {
	var ended bool
	err := b.DB.Update(func(tx *storage.Tx) error {
		var err error
		ended, err = endFlowIn(tx, c.chatID, name)
		return err
	})
	if err != nil {
		b.Log.Error("end a flow", "flow", name, "chat", c.chatID, "err", err)
	}
	return ended
}

// endFlowIn ends the chat's conversation inside a transaction that
// completes the flow (the tip submitted, the note stored), so a replayed
// message after a crash finds it ended.
func endFlowIn(tx *storage.Tx, chat int64, name string) (bool, error) {
	cur, err := tx.Conversation(chat)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err == nil && name != "" && cur.Flow != name {
		return false, nil
	}
	// A record that does not decode is ended all the same.
	return tx.DeleteConversation(chat)
}

// toFlow gives a message to the flow the chat is in; false means the chat
// is in none and the message is ordinary text.
func (b *Bot) toFlow(c caller, m *models.Message) bool {
	cv, ok := b.conversation(c.chatID)
	if !ok {
		return false
	}
	fl, known := b.routes.flows[cv.Flow]
	switch {
	case !known:
		b.Log.Warn("a chat was in a flow no feature registers; it is ended", "flow", cv.Flow, "chat", c.chatID)
		b.dropConversation(c.chatID)
		return false
	case cv.Expired(b.Engine.Now()):
		b.endFlow(c, cv.Flow)
		b.Metrics.FlowsExpired.WithLabelValues(cv.Flow).Inc()
		b.reply(c, b.expiredText(c, fl))
		return true
	case !fl.public && !c.bound:
		b.dropConversation(c.chatID) // the account was unbound meanwhile
		return false
	case seen(c, cv):
		b.Log.Info("a message the flow took was handled again after a restart; it is not taken twice", "flow", cv.Flow, "chat", c.chatID)
		return true
	}
	fl.input(c, cv, m)
	return true
}

// expiredText tells that a flow ended untouched and how to start it again.
func (b *Bot) expiredText(c caller, fl flow) string {
	again := ""
	if fl.again != "" {
		again = b.t(c, fl.again, nil)
	}
	return b.t(c, "FlowExpired", map[string]any{"Flow": b.t(c, fl.label, nil),
		"Minutes": int(fl.ttl.Minutes()), "Again": again})
}

// onCancel ends whatever flow the chat is in (/cancel, /warn cancel,
// /incident cancel) and says which.
func (b *Bot) onCancel(c caller) {
	cv, ok := b.conversation(c.chatID)
	if !ok || !b.endFlow(c, cv.Flow) {
		b.reply(c, b.t(c, "NothingToCancel", nil))
		return
	}
	label := "FlowUnknown"
	if fl, known := b.routes.flows[cv.Flow]; known {
		label = fl.label
	}
	b.Metrics.FlowsCancelled.WithLabelValues(cv.Flow).Inc()
	b.reply(c, b.t(c, "FlowCancelled", map[string]any{"Flow": b.t(c, label, nil)}))
}

// decodeFlow reads a conversation's data into a flow's type; a record
// that does not decode ends the flow with an apology.
func decodeFlow[T any](b *Bot, c caller, cv storage.Conversation) (T, bool) {
	var d T
	if err := json.Unmarshal(cv.Data, &d); err != nil {
		b.Log.Error("read a flow's data; the flow is ended", "flow", cv.Flow, "chat", c.chatID, "err", err)
		b.endFlow(c, cv.Flow)
		b.reply(c, b.t(c, "FlowGone", nil))
		return d, false
	}
	return d, true
}
