package storage

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// The inbox keeps every update Telegram delivered until it has been handled:
// the bot writes a batch of updates here together with the offset that
// confirms them, in one transaction, before the next getUpdates tells
// Telegram it has them. A crash then loses no update: what was stored is
// handled at the next start, what was not is delivered again by Telegram.
var bInbox = []byte(InboxBucket) // update id (8 bytes BE) -> the update as Telegram sent it (JSON)

// InboxBucket names the inbox, as quarantined records name where they were.
const InboxBucket = "inbox"

// keyInboxOffset, in the meta bucket, is the getUpdates offset that
// confirms every update stored in the inbox so far.
const keyInboxOffset = "telegram_offset"

// InboxUpdate is an update received from Telegram and not yet handled.
type InboxUpdate struct {
	ID  int64  // update_id
	Raw []byte // the update's JSON as received
}

func inboxKey(id int64) []byte { return u64(uint64(id)) }

// PutInbox stores updates and moves the stored offset to next (the offset
// that confirms them) in the same transaction. It returns the updates that
// were not in the inbox already, in the order given, so an update Telegram
// delivers twice is handled once.
func (t *Tx) PutInbox(updates []InboxUpdate, next int64) ([]InboxUpdate, error) {
	b := t.tx.Bucket(bInbox)
	var added []InboxUpdate
	for _, u := range updates {
		if u.ID < 0 {
			return nil, fmt.Errorf("store update %d: negative update id", u.ID)
		}
		k := inboxKey(u.ID)
		if b.Get(k) != nil {
			continue
		}
		if err := b.Put(k, u.Raw); err != nil {
			return nil, fmt.Errorf("store update %d: %w", u.ID, err)
		}
		added = append(added, u)
	}
	if next > t.InboxOffset() {
		if err := t.PutMeta(keyInboxOffset, strconv.FormatInt(next, 10)); err != nil {
			return nil, fmt.Errorf("store update offset %d: %w", next, err)
		}
	}
	return added, nil
}

// InboxOffset returns the stored getUpdates offset; 0 before the first
// update was stored.
func (t *Tx) InboxOffset() int64 {
	v, ok := t.Meta(keyInboxOffset)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// A damaged offset only means Telegram's own bookkeeping decides
		// what is new: every update it still holds is delivered again.
		return 0
	}
	return n
}

// Inbox returns every stored update, oldest (lowest update id) first.
func (t *Tx) Inbox() []InboxUpdate {
	var out []InboxUpdate
	c := t.tx.Bucket(bInbox).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			continue
		}
		out = append(out, InboxUpdate{ID: int64(binary.BigEndian.Uint64(k)), Raw: append([]byte(nil), v...)})
	}
	return out
}

// DeleteInbox removes handled updates; removing one already gone is not an
// error.
func (t *Tx) DeleteInbox(ids ...int64) error {
	b := t.tx.Bucket(bInbox)
	for _, id := range ids {
		if err := b.Delete(inboxKey(id)); err != nil {
			return fmt.Errorf("remove handled update %d: %w", id, err)
		}
	}
	return nil
}

// InboxCount returns how many updates wait to be handled.
func (t *Tx) InboxCount() int { return count(t.tx.Bucket(bInbox)) }

// QuarantineUpdate keeps an update that was never stored because it does
// not decode (raw as Telegram sent it) in the quarantine; id < 0 when even
// its update_id is unreadable.
func (t *Tx) QuarantineUpdate(id int64, raw []byte, reason string, at time.Time) error {
	var key []byte
	if id >= 0 {
		key = inboxKey(id)
	}
	return t.QuarantineRaw(InboxBucket, key, raw, reason, at)
}

// QuarantineInbox moves a stored update that cannot be handled (it does not
// decode) out of the inbox, with reason, so the updates after it go on.
func (t *Tx) QuarantineInbox(id int64, reason string, at time.Time) (bool, error) {
	return t.Quarantine(InboxBucket, inboxKey(id), reason, at)
}
