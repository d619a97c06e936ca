package callout

import (
	"encoding/json"
	"time"

	"dutybot/storage"
)

// A 叫应 in a work group is one message posted there for every recipient
// called in that group (Recipient.Group), answered by each with one tap and
// edited in place as they answer. GroupCall is that message's state, kept
// in callout's bucket group_calls: alert id \x00 group id -> GroupCall.
const groupCalls = "group_calls"

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

// putGroupCall stores an alert's message in a work group.
func putGroupCall(tx *storage.Tx, g GroupCall) error {
	return tx.Records(groupCalls).Put([]byte(g.AlertID+"\x00"+g.Group), g)
}

// loadGroupCall loads an alert's message in a work group.
func loadGroupCall(tx *storage.Tx, alertID, group string) (GroupCall, error) {
	var g GroupCall
	err := tx.Records(groupCalls).Get([]byte(alertID+"\x00"+group), &g)
	return g, err
}

// GroupCalls lists an alert's messages in work groups.
func GroupCalls(tx *storage.Tx, alertID string) ([]GroupCall, error) {
	var out []GroupCall
	err := tx.Records(groupCalls).Scan([]byte(alertID+"\x00"), nil, func(k, v []byte) error {
		var g GroupCall
		if err := json.Unmarshal(v, &g); err != nil {
			return &storage.CorruptError{Bucket: groupCalls, Key: append([]byte(nil), k...), Err: err}
		}
		out = append(out, g)
		return nil
	})
	return out, err
}
