package storage

import (
	"bytes"
	"time"
)

// A 叫应 in a work group is one message posted there for every recipient
// called in that group (Recipient.Group), answered by each with one tap and
// edited in place as they answer. GroupCall is that message's state.

// RefGroup is a queued message about an alert's message in a work group:
// its post or an edit of it (Ref.Target is the group's id).
const RefGroup = "group"

// RefGroupRemind is a reminder posted in a work group naming its silent
// recipients who cannot be reminded privately (Ref.Target is the group).
const RefGroupRemind = "group_remind"

// CodeAckedGroup is the code of an EvAcked event of a press in a work
// group: Group (text), the group's name.
const CodeAckedGroup = "acked_group"

var bGroupCalls = []byte("group_calls") // alert id \x00 group id -> GroupCall

// GroupCall is an alert's message in one work group.
type GroupCall struct {
	AlertID string `json:"alert_id"`
	Group   string `json:"group"`
	// ChatID and MessageID are the live message; 0 until it is delivered
	// (and again when it must be posted anew in the chat a group became).
	ChatID    int64 `json:"chat_id,omitempty"`
	MessageID int   `json:"message_id,omitempty"`
	// SentAt is when the first message was delivered: the answer deadline
	// counts from it.
	SentAt time.Time `json:"sent_at,omitzero"`
	// Messages are every message posted for the alert in the group, the
	// live one last: a press on an older one (in the chat before the group
	// became a supergroup) still counts.
	Messages []MessageRef `json:"messages,omitempty"`
	// Posts counts the posts queued, so each new post has its own key.
	Posts int `json:"posts,omitempty"`
	// EditAt is when the last edit was queued; Owed says an edit waits for
	// EditAt plus the interval (a durable deadline), which shows every
	// press made meanwhile.
	EditAt time.Time `json:"edit_at,omitzero"`
	Owed   bool      `json:"owed,omitempty"`
}

// Posted reports whether the message (chat, msg) is one posted for the
// call.
func (g GroupCall) Posted(chat int64, msg int) bool {
	for _, m := range g.Messages {
		if m.ChatID == chat && m.MessageID == msg {
			return true
		}
	}
	return false
}

// PutGroupCall stores an alert's message in a work group.
func (t *Tx) PutGroupCall(g GroupCall) error {
	return t.put(bGroupCalls, pairKey(g.AlertID, g.Group), g)
}

// GroupCall loads an alert's message in a work group.
func (t *Tx) GroupCall(alertID, group string) (GroupCall, error) {
	var g GroupCall
	if t.tx.Bucket(bGroupCalls) == nil {
		return g, ErrNotFound
	}
	err := t.get(bGroupCalls, pairKey(alertID, group), &g)
	return g, err
}

// GroupCalls lists an alert's messages in work groups.
func (t *Tx) GroupCalls(alertID string) ([]GroupCall, error) {
	b := t.tx.Bucket(bGroupCalls)
	if b == nil {
		return nil, nil
	}
	var out []GroupCall
	prefix := []byte(alertID + "\x00")
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var g GroupCall
		if err := t.get(bGroupCalls, k, &g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
