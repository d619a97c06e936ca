package callout

import (
	"errors"
	"time"

	"dutybot/storage"
)

// PostInGroup queues, inside tx, a plain message (no button, nobody
// expected to answer) in a work group's current chat, worded in the
// town's language: a shift reminder or a warning's summary shown to the
// whole group while the private messages stay the record. A group not
// bound, or one the bot cannot post in, is skipped (false), so it never
// holds back what is sent privately. key, if set, makes a message still
// waiting replace the earlier one about the same thing.
func (e *Engine) PostInGroup(tx *storage.Tx, group, key string, ref storage.Ref, now time.Time, render func(lang string) string) (bool, error) {
	chat, err := tx.GroupChatOf(group)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !chat.CanPost {
		e.log.Warn("not posted in a group the bot cannot post in", "group", group, "chat", chat.ChatID, "topic", ref.Topic)
		return false, nil
	}
	ref.Target = group
	if ref.Kind == "" {
		ref.Kind = storage.RefInfo
	}
	if _, err := tx.Enqueue(storage.Job{Key: key, ChatID: chat.ChatID, Op: storage.OpSend,
		Text: render(e.cfg.Language), Ref: ref, CreatedAt: now}); err != nil {
		return false, err
	}
	return true, nil
}
