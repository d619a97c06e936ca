package callout

import (
	"fmt"
	"time"

	"dutybot/storage"
)

// Each person up the chain has one escalation notice per alert
// (Notice): one message listing who is still silent and who
// answered, edited as that changes, so a unit head whose people fall silent
// one by one gets one message, not one per person. A fresh message is sent
// only when the live one is old (its phone rang longer ago than the alert's
// first step, so an edit would go unnoticed) or Telegram refuses to edit it
// (deleted by the person); the replaced message then points to the new one.

// noticeKey keys the send of a notice's next message in the outbox, so a
// send still waiting takes every later change. The first message keeps the
// key notices had before they were counted.
func noticeKey(alertID, target string, delivered int) string {
	if delivered == 0 {
		return "notice:" + alertID + ":" + target
	}
	return fmt.Sprintf("notice:%s:%s:%d", alertID, target, delivered)
}

// noticeStale reports whether the notice's live message rang so long ago
// that someone added to it must ring again: longer than the alert's first
// step, the time each recipient is given to answer. Recipients delivered
// within that span of each other share one message.
func (e *Engine) noticeStale(a Alert, n Notice, now time.Time) bool {
	if n.SentAt.IsZero() || len(a.Steps) == 0 {
		return true // delivered before the time was recorded
	}
	return now.Sub(n.SentAt) >= a.Steps[0].After
}

// replaceNotice retires the notice's live message for a fresh one: the old
// message loses its button and points to the new one, and the notice waits
// for the new one to be delivered.
func (e *Engine) replaceNotice(tx *storage.Tx, a Alert, n Notice, now time.Time) (Notice, error) {
	if err := e.retireNotice(tx, a, n.Target, MessageRef{ChatID: n.ChatID, MessageID: n.MessageID}, now); err != nil {
		return n, err
	}
	n.ChatID, n.MessageID, n.SentAt = 0, 0, time.Time{}
	return n, PutNotice(tx, n)
}

// retireNotice edits an old notice message to point to the latest one. It
// takes the key of any edit of that message still waiting, so no later
// rendering brings the old message back to life.
func (e *Engine) retireNotice(tx *storage.Tx, a Alert, target string, m MessageRef, now time.Time) error {
	lang := e.lang(tx, target)
	text := e.tr.T(lang, "NoticeHeader", map[string]any{"Level": e.LevelLabel(lang, a.Level), "ID": a.ID}) +
		"\n" + e.tr.T(lang, "CallTitle", map[string]any{"Title": a.TitleIn(lang)}) +
		"\n" + e.tr.T(lang, "NoticeMoved", nil)
	_, err := tx.Enqueue(storage.Job{Key: fmt.Sprintf("edit:%d:%d", m.ChatID, m.MessageID), ChatID: m.ChatID,
		Op: storage.OpEdit, MessageID: m.MessageID, Text: text,
		Ref: storage.Ref{Kind: storage.RefUpdate, Alert: a.ID, Official: target}, CreatedAt: now})
	return err
}

// noticeDelivered records the notice's new live message; edits keep the
// message the notice points at.
func (e *Engine) noticeDelivered(tx *storage.Tx, j storage.Job, msgID int, at time.Time) error {
	if j.Op != storage.OpSend {
		return nil
	}
	n, err := LoadNotice(tx, j.Ref.Alert, j.Ref.Target)
	if err != nil {
		return ignoreMissing(err)
	}
	if n.MessageID != 0 && (n.MessageID != msgID || n.ChatID != j.ChatID) {
		// A send queued by an older version (one per escalation) reached
		// the person while another message was live: retire that one.
		a, err := LoadAlert(tx, j.Ref.Alert)
		if err != nil {
			return ignoreMissing(err)
		}
		if err := e.retireNotice(tx, a, n.Target, MessageRef{ChatID: n.ChatID, MessageID: n.MessageID}, at); err != nil {
			return err
		}
	}
	n.ChatID, n.MessageID, n.SentAt = j.ChatID, msgID, at
	n.Messages++
	if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvDelivered, Alert: j.Ref.Alert,
		Official: j.Ref.Target, Actor: "system", Detail: "notice"}); err != nil {
		return err
	}
	return PutNotice(tx, n)
}

// noticeFailed handles an edit of the live notice that Telegram refused for
// good (the person deleted the message, or it can no longer be edited): the
// notice falls back to one new message, which later changes edit in turn.
// Nothing is sent when the notice has nothing left to ask.
func (e *Engine) noticeFailed(tx *storage.Tx, j storage.Job, unreachable bool, at time.Time) error {
	if unreachable || j.Op != storage.OpEdit {
		return nil
	}
	n, err := LoadNotice(tx, j.Ref.Alert, j.Ref.Target)
	if err != nil {
		return ignoreMissing(err)
	}
	if n.MessageID == 0 || n.MessageID != j.MessageID || n.ChatID != j.ChatID {
		return nil // an older message, replaced already
	}
	n.ChatID, n.MessageID, n.SentAt = 0, 0, time.Time{}
	if err := PutNotice(tx, n); err != nil {
		return err
	}
	a, err := LoadAlert(tx, n.AlertID)
	if err != nil {
		return ignoreMissing(err)
	}
	if a.State != AlertOpen {
		return nil
	}
	asks, err := noticeAsks(tx, n)
	if err != nil || !asks {
		return err
	}
	return e.queueNotice(tx, a, n, false, at)
}

// noticeAsks reports whether someone on the notice is still silent.
func noticeAsks(tx *storage.Tx, n Notice) (bool, error) {
	for _, s := range n.Silent {
		r, err := LoadRecipient(tx, n.AlertID, s)
		if err != nil {
			return false, err
		}
		if r.State != StateAcked {
			return true, nil
		}
	}
	return false, nil
}
