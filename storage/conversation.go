package storage

import (
	"encoding/json"
	"fmt"
	"time"
)

// bConversations holds the one conversation each chat may be in: the flow
// its next message belongs to (a guided /alert, a count asked for a 熔断
// item, a 交接班 note…). The kernel knows no flow; the bot's features name
// theirs and own the data.
var bConversations = []byte("conversations") // chat id (8 bytes BE, two's complement) -> Conversation

// Conversation is a chat's step-by-step flow in progress. A chat has at
// most one: starting a flow replaces whatever was there, so a message never
// goes to an abandoned one.
type Conversation struct {
	Chat int64 `json:"chat"`
	// Flow names the flow (registered by a feature) the chat's next
	// message belongs to.
	Flow string `json:"flow"`
	// Step is where the flow stands, for logs and metrics; the flow's own
	// data may say more.
	Step string `json:"step,omitempty"`
	// Official is who is in the flow; empty for an unbound account (a
	// hazard tip from the public).
	Official string          `json:"official,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	Started  time.Time       `json:"started"`
	Updated  time.Time       `json:"updated"`
	// Expires is when an untouched conversation ends; a message after it
	// is told the flow expired.
	Expires time.Time `json:"expires"`
	// LastMessage is the id of the last chat message the flow took (or
	// that started it): a message of that id or older, handled again after
	// a crash, is not taken twice.
	LastMessage int `json:"last_message,omitempty"`
}

// Expired reports whether the conversation has ended by time.
func (c Conversation) Expired(now time.Time) bool { return !now.Before(c.Expires) }

func conversationKey(chat int64) []byte { return u64(uint64(chat)) }

// Conversation returns a chat's conversation, ErrNotFound when it is in
// none, or a CorruptError for a record that does not decode.
func (t *Tx) Conversation(chat int64) (Conversation, error) {
	var c Conversation
	err := t.get(bConversations, conversationKey(chat), &c)
	return c, err
}

// PutConversation stores a chat's conversation, replacing the one it was
// in.
func (t *Tx) PutConversation(c Conversation) error {
	if c.Flow == "" {
		return fmt.Errorf("put conversation of chat %d: no flow", c.Chat)
	}
	return t.put(bConversations, conversationKey(c.Chat), c)
}

// DeleteConversation ends a chat's conversation and reports whether there
// was one. A record that no longer decodes is removed all the same.
func (t *Tx) DeleteConversation(chat int64) (bool, error) {
	b := t.tx.Bucket(bConversations)
	k := conversationKey(chat)
	if b.Get(k) == nil {
		return false, nil
	}
	if err := b.Delete(k); err != nil {
		return false, fmt.Errorf("delete conversation of chat %d: %w", chat, err)
	}
	return true, nil
}

// ConversationCount returns how many chats are in a conversation.
func (t *Tx) ConversationCount() int { return count(t.tx.Bucket(bConversations)) }

// legacyConversationKeys are where versions before the conversation store
// kept drafts and prompts (meta bucket) and 交接班 waits (the roster's
// shift_state bucket, named here only to clean up old files).
// They were short-lived (an hour or two) and are dropped at open.
var legacyConversationKeys = []struct {
	bucket []byte
	prefix string
}{
	{bMeta, "warn_draft:"}, {bMeta, "warn_prompt:"}, {bMeta, "tip_draft:"}, {bMeta, "tip_prompt:"},
	{bMeta, "incident_draft:"}, {bMeta, "incident_prompt:"}, {[]byte("shift_state"), "\x00wait\x00"},
}

// dropLegacyConversations removes drafts stored the old way; it returns
// how many there were.
func dropLegacyConversations(tx kvTx) (int, error) {
	n := 0
	for _, l := range legacyConversationKeys {
		b := tx.Bucket(l.bucket)
		if b == nil {
			continue
		}
		var keys [][]byte
		c := b.Cursor()
		p := []byte(l.prefix)
		for k, _ := c.Seek(p); k != nil && len(k) >= len(p) && string(k[:len(p)]) == l.prefix; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return n, fmt.Errorf("drop old draft %q: %w", k, err)
			}
			n++
		}
	}
	return n, nil
}
