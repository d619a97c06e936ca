package storage

import (
	"encoding/binary"
	"time"
)

// Deadline is a durable timer: at At, the owner of Key acts on Payload.
type Deadline struct {
	At      time.Time
	Key     string
	Payload string
}

func deadlineKey(at time.Time, key string) []byte {
	b := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(b, uint64(at.UnixNano()))
	return append(b, key...)
}

// PutDeadline schedules a deadline.
func (t *Tx) PutDeadline(d Deadline) error {
	return t.tx.Bucket(bDeadlines).Put(deadlineKey(d.At, d.Key), []byte(d.Payload))
}

// DeleteDeadline removes a deadline.
func (t *Tx) DeleteDeadline(d Deadline) error {
	return t.tx.Bucket(bDeadlines).Delete(deadlineKey(d.At, d.Key))
}

// DueDeadlines returns up to limit deadlines at or before now, earliest first.
func (t *Tx) DueDeadlines(now time.Time, limit int) []Deadline {
	var out []Deadline
	c := t.tx.Bucket(bDeadlines).Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		if at.After(now) {
			break
		}
		out = append(out, Deadline{At: at, Key: string(k[8:]), Payload: string(v)})
	}
	return out
}

// NextDeadline returns the earliest deadline's time.
func (t *Tx) NextDeadline() (time.Time, bool) {
	k, _ := t.tx.Bucket(bDeadlines).Cursor().First()
	if k == nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true
}

// DeadlineCount returns how many deadlines are pending.
func (t *Tx) DeadlineCount() int { return count(t.tx.Bucket(bDeadlines)) }
