package storage

import (
	"bytes"
	"time"
)

// The bindings of enterprises' own heads (企业单位负责人): people the
// registry lists by name and phone, not officials, who bind a private chat
// to the bot by sharing that phone. A binding is keyed by the phone, so it
// follows the registry: an enterprise reaches the chat bound to the phone
// its current row lists, and a re-import that gives an enterprise another
// head's phone no longer reaches the old one, without a step to undo.
// As the officials' bindings (binding.go), a second bucket indexes the
// chat.

// EvHeadBound is the event of an enterprise head binding a chat.
const EvHeadBound = "enterprise_head_bound"

// Buckets of the heads' bindings.
var (
	bHeads     = []byte("enterprise_heads")      // normalised phone -> HeadBinding
	bHeadChats = []byte("enterprise_head_chats") // chat id (decimal) -> normalised phone
)

// HeadBinding ties the phone of an enterprise's head to the Telegram chat
// that reaches them.
type HeadBinding struct {
	Phone    string    `json:"phone"` // normalised (config.NormalizePhone)
	ChatID   int64     `json:"chat_id"`
	UserID   int64     `json:"user_id"`
	Name     string    `json:"name,omitempty"` // as the registry named them when they bound
	Username string    `json:"username,omitempty"`
	Language string    `json:"language,omitempty"` // the client's language_code, matched
	BoundAt  time.Time `json:"bound_at"`
}

// PutHeadBinding stores b and indexes its chat. A chat reaches one head's
// phone: a binding the chat held for another phone is removed, and the
// phone's earlier chat, if another, is no longer indexed.
func (t *Tx) PutHeadBinding(b HeadBinding) error {
	if old, err := t.HeadBinding(b.Phone); err == nil && old.ChatID != b.ChatID {
		if owner, err := t.headPhoneOf(old.ChatID); err == nil && owner == b.Phone {
			if err := t.tx.Bucket(bHeadChats).Delete(chatKey(old.ChatID)); err != nil {
				return err
			}
		}
	}
	if prev, err := t.headPhoneOf(b.ChatID); err == nil && prev != b.Phone {
		if err := t.tx.Bucket(bHeads).Delete([]byte(prev)); err != nil {
			return err
		}
	}
	if err := t.put(bHeads, []byte(b.Phone), b); err != nil {
		return err
	}
	return t.tx.Bucket(bHeadChats).Put(chatKey(b.ChatID), []byte(b.Phone))
}

// HeadBinding returns the binding of a head's normalised phone.
func (t *Tx) HeadBinding(phone string) (HeadBinding, error) {
	var b HeadBinding
	if phone == "" || t.tx.Bucket(bHeads) == nil {
		return b, ErrNotFound
	}
	err := t.get(bHeads, []byte(phone), &b)
	return b, err
}

// HeadByChat returns the head binding of a chat.
func (t *Tx) HeadByChat(chatID int64) (HeadBinding, error) {
	phone, err := t.headPhoneOf(chatID)
	if err != nil {
		return HeadBinding{}, err
	}
	return t.HeadBinding(phone)
}

func (t *Tx) headPhoneOf(chatID int64) (string, error) {
	b := t.tx.Bucket(bHeadChats)
	if b == nil {
		return "", ErrNotFound
	}
	v := b.Get(chatKey(chatID))
	if v == nil {
		return "", ErrNotFound
	}
	return string(v), nil
}

// DeleteHeadBinding removes the binding of a phone and its chat index; it
// reports whether there was one.
func (t *Tx) DeleteHeadBinding(phone string) (bool, error) {
	b, err := t.HeadBinding(phone)
	if err != nil {
		return false, nil
	}
	if owner, err := t.headPhoneOf(b.ChatID); err == nil && owner == phone {
		if err := t.tx.Bucket(bHeadChats).Delete(chatKey(b.ChatID)); err != nil {
			return false, err
		}
	}
	return true, t.tx.Bucket(bHeads).Delete([]byte(phone))
}

// HeadBindings lists every head binding, by phone.
func (t *Tx) HeadBindings() ([]HeadBinding, error) {
	var out []HeadBinding
	b := t.tx.Bucket(bHeads)
	if b == nil {
		return nil, nil
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var hb HeadBinding
		if err := decode(v, &hb); err != nil {
			return nil, &CorruptError{Bucket: string(bHeads), Key: bytes.Clone(k), Err: err}
		}
		out = append(out, hb)
	}
	return out, nil
}
