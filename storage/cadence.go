package storage

import (
	"encoding/binary"
	"time"
)

// CadenceLast returns when a cadence rule last fired (or was skipped).
func (t *Tx) CadenceLast(rule string) (time.Time, bool) {
	v := t.tx.Bucket(bCadence).Get([]byte(rule))
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))), true
}

// PutCadenceLast records a rule's last firing.
func (t *Tx) PutCadenceLast(rule string, at time.Time) error {
	return t.tx.Bucket(bCadence).Put([]byte(rule), u64(uint64(at.UnixNano())))
}
