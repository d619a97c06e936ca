package storage

import (
	"errors"
	"fmt"
	"time"
)

// CorruptError reports a stored record that does not decode. It names the
// record, so the caller can move it aside (Tx.Quarantine) and go on with
// the rest instead of stopping at it.
type CorruptError struct {
	Bucket string
	Key    []byte
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("decode %s/%q: %v", e.Bucket, e.Key, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// AsCorrupt returns the undecodable record err reports, if any.
func AsCorrupt(err error) (*CorruptError, bool) {
	var ce *CorruptError
	ok := errors.As(err, &ce)
	return ce, ok
}

// Quarantined is a record moved aside because it could not be used: its
// raw bytes, where it was and why, kept for an operator to inspect.
type Quarantined struct {
	Seq    uint64    `json:"seq"`
	Bucket string    `json:"bucket"`
	Key    []byte    `json:"key"`
	Raw    []byte    `json:"raw"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Quarantine moves the record at bucket/key into the quarantine bucket with
// reason, and removes it from its place. It reports false when the record
// is gone already.
func (t *Tx) Quarantine(bucket string, key []byte, reason string, at time.Time) (bool, error) {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return false, fmt.Errorf("quarantine %s/%q: no such bucket", bucket, key)
	}
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := t.QuarantineRaw(bucket, key, raw, reason, at); err != nil {
		return false, err
	}
	if err := b.Delete(key); err != nil {
		return false, fmt.Errorf("quarantine %s/%q: %w", bucket, key, err)
	}
	return true, nil
}

// QuarantineRaw keeps raw bytes that were taken from bucket/key (already
// removed by the caller, as a fired deadline is) in the quarantine bucket.
func (t *Tx) QuarantineRaw(bucket string, key, raw []byte, reason string, at time.Time) error {
	q := t.tx.Bucket(bQuarantine)
	seq, err := q.NextSequence()
	if err != nil {
		return fmt.Errorf("quarantine %s/%q: %w", bucket, key, err)
	}
	rec := Quarantined{Seq: seq, Bucket: bucket, Key: append([]byte(nil), key...),
		Raw: append([]byte(nil), raw...), Reason: reason, At: at}
	return t.put(bQuarantine, u64(seq), rec)
}

// QuarantinedRecords lists the quarantine, oldest first. A quarantine
// record that does not decode itself is listed with only its reason.
func (t *Tx) QuarantinedRecords() []Quarantined {
	var out []Quarantined
	c := t.tx.Bucket(bQuarantine).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var q Quarantined
		if err := decode(v, &q); err != nil {
			q = Quarantined{Bucket: string(bQuarantine), Key: append([]byte(nil), k...), Raw: append([]byte(nil), v...), Reason: "quarantine record does not decode: " + err.Error()}
		}
		out = append(out, q)
	}
	return out
}

// QuarantineCount returns how many records are quarantined.
func (t *Tx) QuarantineCount() int { return count(t.tx.Bucket(bQuarantine)) }

// DropQuarantined removes one quarantined record once an operator has dealt
// with it; it reports whether it existed.
func (t *Tx) DropQuarantined(seq uint64) (bool, error) {
	q := t.tx.Bucket(bQuarantine)
	if q.Get(u64(seq)) == nil {
		return false, nil
	}
	return true, q.Delete(u64(seq))
}
