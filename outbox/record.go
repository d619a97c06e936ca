package outbox

import (
	"context"
	"errors"
	"time"

	"dutybot/storage"
)

// sentOutcome is a message the chat service accepted: the job as sent, the
// message id and when, kept to record the delivery without sending again.
type sentOutcome struct {
	job   storage.Job
	msgID int
	at    time.Time
}

// recordReq hands a delivery to the recorder; the result comes back on
// reply once it is recorded (or its recording failed).
type recordReq struct {
	r     result
	s     sentOutcome
	reply chan result
}

// recordGrouped records a delivery together with the others the workers
// made meanwhile, in one transaction, and returns its result. The job
// leaves the queue in that transaction, as in record.
func (d *Dispatcher) recordGrouped(r result, s sentOutcome) result {
	reply := make(chan result, 1)
	d.records <- recordReq{r: r, s: s, reply: reply}
	return <-reply
}

// recorder records the deliveries the workers hand it, as many to a
// transaction as are waiting when the previous one has committed (a group
// commit): at 1,000 messages a second one disk sync serves many
// deliveries, and a delivery that comes alone waits for nobody. It runs
// until ctx is cancelled, which Run does only once every worker is done.
func (d *Dispatcher) recorder(ctx context.Context) {
	for {
		var batch []recordReq
		select {
		case <-ctx.Done():
			return
		case req := <-d.records:
			batch = append(batch, req)
		}
	more:
		for len(batch) < d.limits.MaxBatch {
			select {
			case req := <-d.records:
				batch = append(batch, req)
			default:
				break more
			}
		}
		d.recordBatch(batch)
	}
}

// recordOutcome says what recording a delivery did: removed the job, or
// found it gone (moved aside meanwhile: nothing to record).
type recordOutcome struct{ removed, gone bool }

// recordBatch records a group of deliveries in one transaction. If that
// fails, each is recorded on its own (record), so that one delivery whose
// recording fails holds back no other.
func (d *Dispatcher) recordBatch(batch []recordReq) {
	if len(batch) == 1 {
		batch[0].reply <- d.record(batch[0].r, batch[0].s, true)
		return
	}
	outs := make([]recordOutcome, len(batch))
	err := d.db.Update(func(tx *storage.Tx) error {
		if err := d.prefetch(tx, batch); err != nil {
			return err
		}
		for i, req := range batch {
			var err error
			if outs[i], err = d.recordIn(tx, req.s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		d.log.Warn("outbox: recording a group of deliveries failed; recording them one by one", "deliveries", len(batch), "err", err)
		for _, req := range batch {
			req.reply <- d.record(req.r, req.s, true)
		}
		return
	}
	d.metrics.RecordBatch.Observe(float64(len(batch)))
	d.hooks.Committed()
	for i, req := range batch {
		req.reply <- d.recorded(req.r, req.s, outs[i])
	}
}

// prefetch reads what recording the batch will read, all at once.
func (d *Dispatcher) prefetch(tx *storage.Tx, batch []recordReq) error {
	seqs := make([]uint64, len(batch))
	jobs := make([]storage.Job, len(batch))
	for i, req := range batch {
		seqs[i], jobs[i] = req.s.job.Seq, req.s.job
	}
	if err := tx.PrefetchJobs(seqs); err != nil {
		return err
	}
	if p, ok := d.hooks.(Prefetcher); ok {
		return p.Prefetch(tx, jobs)
	}
	return nil
}

// recordIn records one delivery in tx: the hooks' Delivered and the job's
// removal, or its turning into an edit when its content changed while it
// was being sent.
func (d *Dispatcher) recordIn(tx *storage.Tx, s sentOutcome) (recordOutcome, error) {
	j := s.job
	cur, err := tx.Job(j.Seq)
	if errors.Is(err, storage.ErrNotFound) {
		return recordOutcome{gone: true}, nil
	}
	if err != nil {
		return recordOutcome{}, err
	}
	if err := d.hooks.Delivered(tx, j, s.msgID, s.at); err != nil {
		return recordOutcome{}, err
	}
	if cur.Version != j.Version {
		// The content changed while we were sending: send the latest
		// content as an edit of what was just delivered.
		cur.Op, cur.MessageID = storage.OpEdit, s.msgID
		if err := tx.ClearSent(cur.Seq); err != nil {
			return recordOutcome{}, err
		}
		return recordOutcome{}, tx.PutJob(cur)
	}
	return recordOutcome{removed: true}, tx.DeleteJob(cur)
}

// recorded is the result of a delivery whose recording committed.
func (d *Dispatcher) recorded(r result, s sentOutcome, o recordOutcome) result {
	if o.gone {
		r.done = true
		return r
	}
	j := s.job
	if j.Op != storage.OpEdit {
		d.metrics.Pushes.WithLabelValues(j.Ref.Kind, j.Ref.Topic).Inc()
	}
	if d.OnDelivered != nil {
		d.OnDelivered(j, s.msgID, s.at)
	}
	r.done = o.removed
	return r
}

// record records a delivery on its own (recordIn in a transaction of its
// own). When that fails the outcome goes back to the loop, which retries
// the recording with backoff and never the send; on the first failure a
// sent marker is also written, so that a restart records the delivery
// instead of sending it again.
func (d *Dispatcher) record(r result, s sentOutcome, first bool) result {
	j := s.job
	var o recordOutcome
	err := d.db.Update(func(tx *storage.Tx) error {
		var err error
		o, err = d.recordIn(tx, s)
		return err
	})
	if ce, ok := storage.AsCorrupt(err); ok {
		// A record the recording reads does not decode: move it aside
		// and record again; retrying as it is would never succeed.
		if qerr := d.quarantine(ce); qerr != nil {
			d.log.Error("outbox: record delivery", "seq", j.Seq, "err", qerr)
		}
	}
	if err != nil {
		d.log.Error("outbox: record delivery; will record again, not send again", recipient(j), "seq", j.Seq, "err", err)
		if first {
			merr := d.db.Update(func(tx *storage.Tx) error {
				return tx.MarkSent(storage.SentMark{Seq: j.Seq, MessageID: s.msgID, Version: j.Version, At: s.at})
			})
			if merr != nil {
				d.log.Error("outbox: write sent marker; a restart before the delivery is recorded sends it again", "seq", j.Seq, "err", merr)
			}
		}
		r.backoff = true
		r.sent = &s
		return r
	}
	if !o.gone {
		d.hooks.Committed()
		d.metrics.RecordBatch.Observe(1)
	}
	return d.recorded(r, s, o)
}

// flushRecordings tries once more to record the deliveries whose recording
// failed, when Run ends.
func (d *Dispatcher) flushRecordings() {
	for _, q := range d.chats {
		if q.sent == nil {
			continue
		}
		if r := d.record(result{chat: q.id, seq: q.sent.job.Seq}, *q.sent, false); r.sent == nil {
			q.sent = nil
		}
	}
}
