package enterprise

import (
	"fmt"
	"strconv"
	"time"

	"dutybot/storage"
)

// The bindings of enterprises' own heads (企业单位负责人): people the
// registry lists by name and phone, not officials, who bind a private chat
// to the bot by sharing that phone. A binding is keyed by the phone, so it
// follows the registry: an enterprise reaches the chat bound to the phone
// its current row lists, and a re-import that gives an enterprise another
// head's phone no longer reaches the old one, without a step to undo. As
// the officials' bindings, a second bucket indexes the chat.

// EvHeadBound is the event of an enterprise head binding a chat.
const EvHeadBound = "enterprise_head_bound"

// Buckets of the heads' bindings.
const (
	bHeads     = "enterprise_heads"      // normalised phone -> HeadBinding
	bHeadChats = "enterprise_head_chats" // chat id (decimal) -> normalised phone
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

func chatKey(chatID int64) []byte { return strconv.AppendInt(nil, chatID, 10) }

// PutHeadBinding stores b and indexes its chat. A chat reaches one head's
// phone: a binding the chat held for another phone is removed, and the
// phone's earlier chat, if another, is no longer indexed.
func PutHeadBinding(tx *storage.Tx, b HeadBinding) error {
	heads, chats := tx.Records(bHeads), tx.Records(bHeadChats)
	if old, err := HeadByPhone(tx, b.Phone); err == nil && old.ChatID != b.ChatID {
		if owner, err := headPhoneOf(tx, old.ChatID); err == nil && owner == b.Phone {
			if err := chats.Delete(chatKey(old.ChatID)); err != nil {
				return fmt.Errorf("unindex the head's earlier chat: %w", err)
			}
		}
	}
	if prev, err := headPhoneOf(tx, b.ChatID); err == nil && prev != b.Phone {
		if err := heads.Delete([]byte(prev)); err != nil {
			return fmt.Errorf("remove the chat's earlier head binding: %w", err)
		}
	}
	if err := heads.Put([]byte(b.Phone), b); err != nil {
		return err
	}
	return chats.PutRaw(chatKey(b.ChatID), []byte(b.Phone))
}

// HeadByPhone returns the binding of a head's normalised phone.
func HeadByPhone(tx *storage.Tx, phone string) (HeadBinding, error) {
	var b HeadBinding
	if phone == "" {
		return b, storage.ErrNotFound
	}
	err := tx.Records(bHeads).Get([]byte(phone), &b)
	return b, err
}

// HeadByChat returns the head binding of a chat.
func HeadByChat(tx *storage.Tx, chatID int64) (HeadBinding, error) {
	phone, err := headPhoneOf(tx, chatID)
	if err != nil {
		return HeadBinding{}, err
	}
	return HeadByPhone(tx, phone)
}

func headPhoneOf(tx *storage.Tx, chatID int64) (string, error) {
	v := tx.Records(bHeadChats).GetRaw(chatKey(chatID))
	if v == nil {
		return "", storage.ErrNotFound
	}
	return string(v), nil
}

// DeleteHeadBinding removes the binding of a phone and its chat index; it
// reports whether there was one.
func DeleteHeadBinding(tx *storage.Tx, phone string) (bool, error) {
	b, err := HeadByPhone(tx, phone)
	if err != nil {
		return false, nil
	}
	if owner, err := headPhoneOf(tx, b.ChatID); err == nil && owner == phone {
		if err := tx.Records(bHeadChats).Delete(chatKey(b.ChatID)); err != nil {
			return false, err
		}
	}
	return true, tx.Records(bHeads).Delete([]byte(phone))
}

// HeadBindings lists every head binding, by phone.
func HeadBindings(tx *storage.Tx) ([]HeadBinding, error) {
	var out []HeadBinding
	err := tx.Records(bHeads).Scan(nil, nil, func(k, v []byte) error {
		var hb HeadBinding
		if err := decode(bHeads, k, v, &hb); err != nil {
			return err
		}
		out = append(out, hb)
		return nil
	})
	return out, err
}
