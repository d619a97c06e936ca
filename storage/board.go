package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// AlertsFrom calls fn for each alert whose id is at or after from, in id
// order. Alert ids start with their local creation date (20261130-0007),
// so AlertsFrom("20261101", fn) reads the alerts created since 1 November
// without decoding the older ones: the duty board's 30-day answer rates
// cost what the window holds, not the whole history. fn returning an
// error stops the walk with that error.
func (t *Tx) AlertsFrom(from string, fn func(Alert) error) error {
	c := t.tx.Bucket(bAlerts).Cursor()
	for k, v := c.Seek([]byte(from)); k != nil; k, v = c.Next() {
		var a Alert
		if err := decode(v, &a); err != nil {
			return fmt.Errorf("decode alert %s: %w", k, err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// RecipientsEach calls fn for each recipient of an alert in key order,
// like Recipients without building the list.
func (t *Tx) RecipientsEach(alertID string, fn func(Recipient) error) error {
	prefix := []byte(alertID + "\x00")
	c := t.tx.Bucket(bRecipients).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r Recipient
		if err := decode(v, &r); err != nil {
			return fmt.Errorf("decode recipient %q: %w", k, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// bBoardRevoked holds the duty board's sessions signed out before they
// expired: session id -> its expiry (unix seconds, 8 bytes BE). It is made
// on first use, so a database that never signed anyone out has none.
var bBoardRevoked = []byte("board_revoked")

// RevokeBoardSession records that a board session was signed out, until
// it would have expired: the session cookie stays valid by its signature,
// so only this record stops it working. Records of sessions that have
// expired since are dropped, which keeps the list as short as the
// sessions signed out within one session lifetime.
func (t *Tx) RevokeBoardSession(id string, expires, now time.Time) error {
	b, err := t.tx.CreateBucketIfNotExists(bBoardRevoked)
	if err != nil {
		return fmt.Errorf("revoke board session: %w", err)
	}
	var stale [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) != 8 || !now.Before(time.Unix(int64(binary.BigEndian.Uint64(v)), 0)) {
			stale = append(stale, k)
		}
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("forget expired board session: %w", err)
		}
	}
	return b.Put([]byte(id), binary.BigEndian.AppendUint64(nil, uint64(expires.Unix())))
}

// BoardSessionRevoked reports whether a board session was signed out.
func (t *Tx) BoardSessionRevoked(id string) bool {
	b := t.tx.Bucket(bBoardRevoked)
	return b != nil && b.Get([]byte(id)) != nil
}
