package callout

import (
	"slices"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// priority puts an alert's calls, reminders and escalation notices before
// every other message in the outbox, the higher the level the sooner: a
// flood of replies must not hold up a red 叫应.
func priority(level string) int { return slices.Index(config.Levels, level) + 1 }

// stallAfter is how long a call may wait for Telegram to take it before the
// recipient counts as unreachable: the first step's after, when a
// recipient who got the call would have been reminded or escalated.
func stallAfter(a Alert) time.Duration {
	if len(a.Steps) == 0 {
		return 0
	}
	return a.Steps[0].After
}

// Stalled implements outbox.Staller: a call Telegram has refused (5xx,
// timeouts) for longer than the first step's after makes its recipient
// unreachable, which escalates now rather than at give_up_after; the call
// is still retried, and its later delivery or failure escalates nothing
// more.
func (e *Engine) Stalled(tx *storage.Tx, j storage.Job, since, at time.Time) error {
	if j.Ref.Kind == storage.RefGroup {
		return e.groupStalled(tx, j, since, at)
	}
	if j.Ref.Kind != storage.RefCall {
		return nil
	}
	a, r, err := jobCall(tx, j)
	if err != nil {
		return ignoreMissing(err)
	}
	if a.State != AlertOpen || r.State != StatePending || !r.SentAt.IsZero() {
		return nil
	}
	reason := UnreachableStalled(at.Sub(since).Round(time.Second))
	if err := e.unreachable(tx, &a, &r, reason, at); err != nil {
		return err
	}
	if err := PutRecipient(tx, r); err != nil {
		return err
	}
	return e.refreshSummary(tx, a, at)
}

// jobCall loads the alert and the recipient a call or reminder was sent
// for.
func jobCall(tx *storage.Tx, j storage.Job) (Alert, Recipient, error) {
	r, err := LoadRecipient(tx, j.Ref.Alert, j.Ref.Official)
	if err != nil {
		return Alert{}, r, err
	}
	a, err := LoadAlert(tx, j.Ref.Alert)
	return a, r, err
}
