package board

import (
	"encoding/binary"
	"fmt"
	"time"

	"dutybot/storage"
)

// signOuts is the board's bucket of sessions signed out before they
// expired: session id -> its expiry (unix seconds, 8 bytes BE). A database
// that never signed anyone out has none.
const signOuts = "board_revoked"

// revokeSession records that a board session was signed out, until it
// would have expired: the session cookie stays valid by its signature, so
// only this record stops it working. Records of sessions that have expired
// since are dropped, which keeps the list as short as the sessions signed
// out within one session lifetime.
func revokeSession(tx *storage.Tx, id string, expires, now time.Time) error {
	recs := tx.Records(signOuts)
	var stale [][]byte
	err := recs.Scan(nil, nil, func(k, v []byte) error {
		if len(v) != 8 || !now.Before(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke board session: %w", err)
	}
	for _, k := range stale {
		if err := recs.Delete(k); err != nil {
			return fmt.Errorf("forget expired board session: %w", err)
		}
	}
	return recs.PutRaw([]byte(id), binary.BigEndian.AppendUint64(nil, uint64(expires.Unix())))
}

// sessionRevoked reports whether a board session was signed out.
func sessionRevoked(tx *storage.Tx, id string) bool { return tx.Records(signOuts).Has([]byte(id)) }
