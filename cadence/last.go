package cadence

import (
	"encoding/binary"
	"time"

	"dutybot/storage"
)

// firings is the bucket of when each rule last fired (or was skipped):
// rule name -> unix nanoseconds, 8 bytes BE.
const firings = "cadence"

// Last returns when a cadence rule last fired (or was skipped).
func Last(tx *storage.Tx, rule string) (time.Time, bool) {
	v := tx.Records(firings).GetRaw([]byte(rule))
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))), true
}

// PutLast records a rule's last firing.
func PutLast(tx *storage.Tx, rule string, at time.Time) error {
	return tx.Records(firings).PutRaw([]byte(rule), binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())))
}
