package storage

import (
	"bytes"
	"fmt"
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
