package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"dutybot/storage"
)

// deliver sends one job and records the outcome durably. sent, if set, is
// the job's earlier delivery whose recording failed: only the recording is
// done again. paid tells whether the job goes in the paid lane: a job that
// asks for paid broadcast is sent without it otherwise. The job is read
// from the queue first unless the loader kept it (queued.job).
func (d *Dispatcher) deliver(ctx context.Context, chat int64, next queued, sent *sentOutcome, paid bool) result {
	seq := next.seq
	r := result{chat: chat, seq: seq}
	if sent != nil {
		return d.record(r, *sent, false)
	}
	if next.job != nil {
		// Kept when loaded (keepable): nothing to read first.
		return d.send(ctx, r, *next.job, paid)
	}
	var j storage.Job
	var mark storage.SentMark
	marked, drop := false, false
	err := d.db.View(func(tx *storage.Tx) error {
		var err error
		j, err = tx.Job(seq)
		if err != nil {
			return err
		}
		if mark, marked, err = tx.SentMarkOf(seq); err != nil || marked {
			return err
		}
		if !j.Lazy {
			return nil
		}
		rd, ok := d.hooks.(Renderer)
		if !ok {
			return nil
		}
		var keep bool
		j.Text, j.Buttons, keep, err = rd.Render(tx, j)
		drop = !keep
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		r.done = true
		return r
	}
	if ce, ok := storage.AsCorrupt(err); ok {
		if qerr := d.quarantine(ce); qerr != nil {
			d.log.Error("outbox: read job", "seq", seq, "err", qerr)
		}
		// An undecodable job cannot be sent: it leaves the queue even if
		// it could not be moved aside (then the next start finds it again).
		// A record the rendering needed is gone now: render again.
		r.done = ce.Bucket == "outbox"
		r.backoff = !r.done
		return r
	}
	if err == nil && marked {
		// Sent before a restart whose recording was lost: record it from
		// the marker, do not send it again.
		d.log.Info("outbox: recording a delivery from its sent marker", recipient(j), "seq", seq, "message_id", mark.MessageID)
		j.Version = mark.Version
		return d.record(r, sentOutcome{job: j, msgID: mark.MessageID, at: mark.At}, false)
	}
	if err == nil && drop {
		err = d.db.Update(func(tx *storage.Tx) error {
			cur, err := tx.Job(seq)
			if err != nil || cur.Version != j.Version {
				return err // changed meanwhile: render again next time
			}
			r.done = true
			return tx.DeleteJob(cur)
		})
		if err == nil {
			return r
		}
		r.done = false
	}
	if err != nil {
		d.log.Error("outbox: read job", "seq", seq, "err", err)
		r.backoff = true
		return r
	}
	return d.send(ctx, r, j, paid)
}

// send sends a job read or kept for it and records the outcome.
func (d *Dispatcher) send(ctx context.Context, r result, j storage.Job, paid bool) result {
	seq := j.Seq
	j.Paid = j.Paid && paid
	sctx, cancel := context.WithTimeout(ctx, requestTimeout(d.limits.RequestTimeout, j))
	msgID, sendErr := d.sender.Send(sctx, j)
	cancel()
	now := d.clock.Now()

	var retryAfter *RetryAfterError
	var moved *MovedError
	switch {
	case sendErr == nil:
		d.metrics.MessagesSent.Inc()
		if j.Paid {
			d.metrics.PaidMessages.Inc()
		}
		d.reachHinted.Store(false)
		return d.recordGrouped(r, sentOutcome{job: j, msgID: msgID, at: now})
	case j.Paid && errors.Is(sendErr, ErrNoStars):
		// Nothing was sent: the loop stops paying and sends it again
		// at the free pace.
		r.noStars = true
		return r
	case errors.As(sendErr, &retryAfter):
		d.metrics.RateLimited.Inc()
		d.log.Warn("outbox: rate limited", recipient(j), "seq", seq, "retry_after", retryAfter.After)
		d.stall(j, now)
		r.pause = max(retryAfter.After, time.Second)
		return r
	case errors.As(sendErr, &moved) && moved.To != 0 && moved.To != j.ChatID:
		return d.move(r, j, moved.To, sendErr.Error(), now)
	case errors.Is(sendErr, ErrUnreachable), errors.Is(sendErr, ErrPermanent):
		return d.fail(r, j, sendErr.Error(), errors.Is(sendErr, ErrUnreachable), now)
	default:
		d.metrics.Retries.Inc()
		if now.Sub(j.CreatedAt) >= d.limits.GiveUpAfter {
			// The service, not the chat, failed: the chat stays reachable.
			return d.fail(r, j, fmt.Sprintf("gave up after %s: %v", d.limits.GiveUpAfter, sendErr), false, now)
		}
		attrs := []any{recipient(j), "seq", seq, "err", sendErr}
		if hint := d.reachHint(sendErr); hint != "" {
			attrs = append(attrs, "hint", hint)
		}
		d.log.Warn("outbox: send failed, will retry", attrs...)
		d.stall(j, now)
		r.backoff = true
		return r
	}
}

// reachHint returns what to check for a send that failed because the chat
// service could not be reached, once until a send goes through again.
func (d *Dispatcher) reachHint(err error) string {
	h, ok := d.sender.(ReachHinter)
	if !ok {
		return ""
	}
	hint := h.ReachHint(err)
	if hint == "" || !d.reachHinted.CompareAndSwap(false, true) {
		return ""
	}
	return hint
}

// stall reports a job the chat service keeps refusing to the hooks, once,
// when it has waited longer than its StallAfter since it was queued.
func (d *Dispatcher) stall(j storage.Job, now time.Time) {
	st, ok := d.hooks.(Staller)
	if !ok || j.StallAfter <= 0 || j.Stalled || now.Sub(j.CreatedAt) < j.StallAfter {
		return
	}
	told := false
	err := d.db.Update(func(tx *storage.Tx) error {
		cur, err := tx.Job(j.Seq)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && cur.Stalled) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.Stalled(tx, cur, cur.CreatedAt, now); err != nil {
			return err
		}
		cur.Stalled, told = true, true
		return tx.PutJob(cur)
	})
	if err != nil {
		d.log.Error("outbox: report stalled message; will report at the next failure", recipient(j), "seq", j.Seq, "err", err)
		return
	}
	if told {
		d.log.Warn("outbox: message stalled; reported, still retrying", recipient(j), "seq", j.Seq, "kind", j.Ref.Kind, "alert", j.Ref.Alert, "since", j.CreatedAt)
		d.hooks.Committed()
	}
}

// recipient names a job's recipient in logs by official; a job that names
// none (an anonymous tipster's) is logged without its chat, so the log
// cannot tie a chat to what it was sent.
func recipient(j storage.Job) slog.Attr {
	if j.Ref.Official != "" {
		return slog.String("official", j.Ref.Official)
	}
	return slog.String("official", "-")
}

func (d *Dispatcher) fail(r result, j storage.Job, reason string, unreachable bool, now time.Time) result {
	d.metrics.MessagesFailed.Inc()
	d.log.Warn("outbox: giving up on message", recipient(j), "seq", j.Seq, "kind", j.Ref.Kind, "alert", j.Ref.Alert, "reason", reason)
	err := d.db.Update(func(tx *storage.Tx) error {
		if err := d.hooks.Failed(tx, j, reason, unreachable, now); err != nil {
			return err
		}
		return tx.DeleteJob(j)
	})
	if err != nil {
		d.log.Error("outbox: record failure", "seq", j.Seq, "err", err)
		r.backoff = true
		return r
	}
	d.hooks.Committed()
	r.done = true
	return r
}

// move readdresses a job whose chat moved to another id: the hooks hear of
// it, and a send is queued again for the new chat (with a new place in
// the queue), while an edit is given up, in one transaction.
func (d *Dispatcher) move(r result, j storage.Job, to int64, reason string, now time.Time) result {
	d.log.Info("outbox: chat moved; sending there", recipient(j), "seq", j.Seq, "kind", j.Ref.Kind, "to", to)
	failed := false
	err := d.db.Update(func(tx *storage.Tx) error {
		failed = false
		cur, err := tx.Job(j.Seq)
		if errors.Is(err, storage.ErrNotFound) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if m, ok := d.hooks.(Mover); ok {
			if err := m.Moved(tx, j, to, now); err != nil {
				return err
			}
		}
		if err := tx.DeleteJob(cur); err != nil {
			return err
		}
		if cur.Op == storage.OpEdit {
			failed = true
			return d.hooks.Failed(tx, j, reason, false, now)
		}
		// The message it replied to stayed in the old chat.
		cur.ChatID, cur.Seq, cur.ReplyTo = to, 0, 0
		_, err = tx.Enqueue(cur)
		return err
	})
	if err != nil {
		d.log.Error("outbox: readdress a job to the chat it moved to", "seq", j.Seq, "err", err)
		r.backoff = true
		return r
	}
	if failed {
		d.metrics.MessagesFailed.Inc()
	}
	d.hooks.Committed()
	d.Wake() // the job queued again for the new chat
	r.done = true
	return r
}

// uploadRate is the slowest upload a file job is given time for: a 2 MB
// workbook over a poor mobile link (256 kbit/s) takes about a minute.
const uploadRate = 32 << 10 // bytes per second

// requestTimeout is how long one send may take: base for a message, more
// for a job that uploads a file.
func requestTimeout(base time.Duration, j storage.Job) time.Duration {
	size := len(j.File) + len(j.Photo)
	return base + time.Duration(size/uploadRate)*time.Second
}
