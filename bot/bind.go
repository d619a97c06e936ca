package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/config"
	"dutybot/storage"
)

func (b *Bot) onStart(_ context.Context, c caller) {
	if !c.private {
		b.reply(c, b.t(c, "StartInGroup", nil))
		return
	}
	if c.bound {
		b.reply(c, b.t(c, "AlreadyBound", b.identity(c.lang, c.official)))
		return
	}
	if c.head != nil {
		b.headStatus(c)
		return
	}
	b.replyStart(c)
}

// replyStart asks an unknown chat to share its phone number, within the
// stranger's allowance of answers. A bound enterprise head is told
// instead what they can do here.
func (b *Bot) replyStart(c caller) {
	if !b.mayAnswer(c) {
		return
	}
	if c.head != nil {
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: b.t(c, "HeadOnlyHint", nil),
			Ref: storage.Ref{Kind: storage.RefInfo}})
		return
	}
	b.send(storage.Job{Key: strangerKey(c), ChatID: c.chatID, Op: storage.OpSend, Text: b.t(c, "StartUnbound", nil),
		Reply: &storage.Reply{ContactLabel: b.t(c, "ButtonShareContact", nil)},
		Ref:   storage.Ref{Kind: storage.RefInfo}})
}

// identity is the data describing an official in greetings.
func (b *Bot) identity(lang string, o config.Official) map[string]any {
	unit := o.Unit
	if u, ok := b.Config.Unit(o.Unit); ok {
		unit = u.Name
	}
	var roles []string
	for _, r := range o.Roles {
		roles = append(roles, b.Catalog.T(lang, "Role_"+r, nil))
	}
	return map[string]any{"Name": o.Name, "Unit": unit, "Roles": strings.Join(roles, "、")}
}

// onContact binds a chat to the official whose phone number the user shared
// from their own account.
func (b *Bot) onContact(_ context.Context, c caller, m *models.Message) {
	if !c.private {
		return
	}
	ct := m.Contact
	phone := config.NormalizePhone(ct.PhoneNumber)
	refuse := func(msgID, reason string, official string) {
		// Recorded before the answer, so the refusal is in the record (and
		// the admins' digest) by the time the user reads it.
		answered := b.mayAnswer(c)
		b.recordRefusal(c, phone, official, msgID, reason, answered)
		if answered {
			b.send(storage.Job{Key: strangerKey(c), ChatID: c.chatID, Op: storage.OpSend, Text: b.t(c, msgID, nil),
				Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
		}
	}
	if m.From == nil || ct.UserID != m.From.ID {
		refuse("BindNotOwnContact", "shared someone else's contact", "")
		return
	}
	o, ok := b.Config.OfficialByPhone(phone)
	if !ok && !c.bound && b.Enterprises != nil {
		// No official's: perhaps an enterprise's head (head.go).
		b.bindHead(c, m, phone, refuse)
		return
	}
	if !ok {
		refuse("BindUnknownPhone", "phone number not registered", "")
		return
	}
	if c.bound {
		if c.official.ID == o.ID {
			b.reply(c, b.t(c, "AlreadyBound", b.identity(c.lang, o)))
			return
		}
		refuse("BindChatTaken", "this Telegram account is already bound to "+c.official.ID, o.ID)
		return
	}
	now := b.Engine.Now()
	var taken bool
	err := b.DB.Update(func(tx *storage.Tx) error {
		old, err := tx.Binding(o.ID)
		switch {
		case err == nil && old.UserID != m.From.ID:
			taken = true
			return nil
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return err
		}
		if err := tx.PutBinding(storage.Binding{Official: o.ID, ChatID: c.chatID, UserID: m.From.ID,
			Username: m.From.Username, TelegramLang: c.tgLang, BoundAt: now, Source: "contact"}); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvBound, Official: o.ID, Actor: o.ID,
			Detail: fmt.Sprintf("chat %d", c.chatID)})
	})
	if err != nil {
		b.Log.Error("bind official", "official", o.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if taken {
		refuse("BindOfficialTaken", "official "+o.ID+" is already bound to another Telegram account", o.ID)
		return
	}
	b.Log.Info("official bound", "official", o.ID, "chat", c.chatID)
	c.official, c.bound = o, true
	c.lang = b.Engine.Lang(o.ID)
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: b.t(c, "BindDone", b.identity(c.lang, o)),
		Reply: &storage.Reply{Remove: true}, Ref: storage.Ref{Kind: storage.RefInfo, Official: o.ID}})
}

// recordRefusal records a refused binding in the event log and counts it
// into the admins' digest of refusals (strangers.go), so a flood of
// strangers makes one notice per period, not one per account. msgID names
// the refusal, reason explains it in the log; answered says whether the
// stranger was answered (the log stays quiet once they flood).
func (b *Bot) recordRefusal(c caller, phone, official, msgID, reason string, answered bool) {
	now := b.Engine.Now()
	masked := maskPhone(phone)
	var opened bool
	err := b.DB.Update(func(tx *storage.Tx) error {
		if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvBindRefused, Official: official,
			Actor: fmt.Sprintf("tg:%d", c.userID), Detail: reason + " (" + masked + ")"}); err != nil {
			return err
		}
		var err error
		opened, err = addRefusal(tx, refusedAccount{User: c.userID, Phone: masked, Reason: msgID, Official: official}, now)
		return err
	})
	if err != nil {
		b.Log.Error("record refused binding", "err", err)
	}
	if opened {
		b.Engine.WakeDeadlines()
	}
	b.logRefusal(answered, c.userID, masked, reason)
}

// maskPhone keeps the first three and last four characters.
func maskPhone(p string) string {
	r := []rune(p)
	if len(r) < 8 {
		return p
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
