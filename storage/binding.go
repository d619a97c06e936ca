package storage

import (
	"strconv"
	"time"
)

// Binding ties an official to the Telegram chat that reaches them.
type Binding struct {
	Official      string    `json:"official"`
	ChatID        int64     `json:"chat_id"`
	UserID        int64     `json:"user_id"`
	Username      string    `json:"username,omitempty"`
	Language      string    `json:"language,omitempty"`      // chosen with /lang
	TelegramLang  string    `json:"telegram_lang,omitempty"` // the client's language_code, matched
	BoundAt       time.Time `json:"bound_at"`
	Source        string    `json:"source"` // "contact" or "config"
	Unreachable   bool      `json:"unreachable,omitempty"`
	UnreachableAt time.Time `json:"unreachable_at,omitempty"`
}

// PutBinding stores b and indexes its chat, replacing an older chat binding
// of the same official.
func (t *Tx) PutBinding(b Binding) error {
	if old, err := t.Binding(b.Official); err == nil && old.ChatID != b.ChatID {
		// Drop the old chat's index only while it still names this official.
		if owner, err := t.OfficialByChat(old.ChatID); err == nil && owner == b.Official {
			if err := t.tx.Bucket(bChats).Delete(chatKey(old.ChatID)); err != nil {
				return err
			}
		}
	}
	if err := t.put(bBindings, []byte(b.Official), b); err != nil {
		return err
	}
	return t.tx.Bucket(bChats).Put(chatKey(b.ChatID), []byte(b.Official))
}

// Binding returns the binding of an official.
func (t *Tx) Binding(official string) (Binding, error) {
	var b Binding
	err := t.get(bBindings, []byte(official), &b)
	return b, err
}

// OfficialByChat returns the official bound to a chat.
func (t *Tx) OfficialByChat(chatID int64) (string, error) {
	v := t.tx.Bucket(bChats).Get(chatKey(chatID))
	if v == nil {
		return "", ErrNotFound
	}
	return string(v), nil
}

// Bindings lists every binding.
func (t *Tx) Bindings() ([]Binding, error) {
	var out []Binding
	err := t.tx.Bucket(bBindings).ForEach(func(k, v []byte) error {
		var b Binding
		if err := t.get(bBindings, k, &b); err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

func chatKey(id int64) []byte { return []byte(strconv.FormatInt(id, 10)) }
