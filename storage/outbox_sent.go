package storage

import (
	"errors"
	"fmt"
	"time"
)

// bOutboxSent holds the sent markers: seq (8 bytes BE) -> SentMark. Open
// creates it (a file written before it gets it then; a file only read may
// lack it); it is always there, so that looking for a marker on PostgreSQL
// does not first ask whether the bucket exists.
var bOutboxSent = []byte("outbox_sent")

// SentMark notes that a queued job reached its chat while recording the
// delivery failed (a full disk), so that after a restart the delivery is
// recorded from it instead of the message being sent again.
type SentMark struct {
	Seq       uint64    `json:"seq"`
	MessageID int       `json:"message_id"`
	Version   int       `json:"version"` // the job's Version that was sent
	At        time.Time `json:"at"`
}

// MarkSent stores a sent marker: one small write, more likely to succeed on
// a nearly full disk than the transaction recording the delivery.
func (t *Tx) MarkSent(m SentMark) error {
	if _, err := t.tx.CreateBucketIfNotExists(bOutboxSent); err != nil {
		return fmt.Errorf("mark job %d sent: %w", m.Seq, err)
	}
	return t.put(bOutboxSent, u64(m.Seq), m)
}

// SentMarkOf returns the sent marker of a job, if any.
func (t *Tx) SentMarkOf(seq uint64) (SentMark, bool, error) {
	var m SentMark
	if t.tx.Bucket(bOutboxSent) == nil {
		return m, false, nil
	}
	err := t.get(bOutboxSent, u64(seq), &m)
	if errors.Is(err, ErrNotFound) {
		return m, false, nil
	}
	return m, err == nil, err
}

// ClearSent removes a job's sent marker once its delivery is recorded.
func (t *Tx) ClearSent(seq uint64) error {
	b := t.tx.Bucket(bOutboxSent)
	if b == nil {
		return nil
	}
	return b.Delete(u64(seq))
}
