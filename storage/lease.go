package storage

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lease is the engine lease as the database holds it: which instance runs
// the engine, under which fencing number (epoch), until when.
type Lease struct {
	Holder  string
	Epoch   uint64
	Expires time.Time // in the database's clock
	Since   time.Time // when Holder took it
}

// ClaimLease takes or renews the engine lease for holder for ttl. It renews
// holder's lease at epoch while that has not expired; takes a lease that
// expired (or was never taken) under the next epoch; and otherwise leaves
// it to the instance that holds it. held tells whether this call took or
// renewed it for holder; l is the lease as it stands. Expiry is judged by the database's clock,
// so the instances' clocks need not agree. On a bbolt file, which one
// process holds, the lease is always that process's, at epoch 1.
func (db *DB) ClaimLease(holder string, epoch uint64, ttl time.Duration) (l Lease, held bool, err error) {
	if db.pg == nil {
		now := time.Now()
		return Lease{Holder: holder, Epoch: 1, Expires: now.Add(ttl), Since: now}, true, nil
	}
	err = db.pg.update(func(tx *Tx) error {
		held = false // a run of fn that failed may have set it
		t := tx.tx.(*pgTx)
		var cur Lease
		var ep int64
		var live bool
		err := t.tx.QueryRow(t.ctx, "SELECT holder, epoch, expires, since, expires > now() FROM dutybot_lease WHERE name = 'engine'").
			Scan(&cur.Holder, &ep, &cur.Expires, &cur.Since, &live)
		cur.Epoch = uint64(ep)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			err = t.tx.QueryRow(t.ctx, "INSERT INTO dutybot_lease (name, holder, epoch, expires, since) "+
				"VALUES ('engine', $1, 1, now() + $2::interval, now()) RETURNING holder, epoch, expires, since", holder, ttl).
				Scan(&l.Holder, &ep, &l.Expires, &l.Since)
			held = true
		case err != nil:
			return err
		case live && (cur.Holder != holder || cur.Epoch != epoch):
			// Another instance's lease, or this holder's under an epoch
			// it does not know (its claim committed but the answer was
			// lost): not renewed, so not held.
			l, held = cur, false
			return nil
		case live:
			l, held = cur, true
			return t.tx.QueryRow(t.ctx, "UPDATE dutybot_lease SET expires = now() + $1::interval WHERE name = 'engine' RETURNING expires", ttl).
				Scan(&l.Expires)
		default:
			err = t.tx.QueryRow(t.ctx, "UPDATE dutybot_lease SET holder = $1, epoch = epoch + 1, expires = now() + $2::interval, since = now() "+
				"WHERE name = 'engine' RETURNING holder, epoch, expires, since", holder, ttl).
				Scan(&l.Holder, &ep, &l.Expires, &l.Since)
			held = true
		}
		l.Epoch = uint64(ep)
		return err
	}, false)
	if err != nil {
		return Lease{}, false, fmt.Errorf("claim the engine lease: %w", err)
	}
	return l, held, nil
}

// ReleaseLease ends holder's lease at epoch now, so a standby takes over at
// its next look rather than after the lease would have expired: for a
// leader that stops on purpose.
func (db *DB) ReleaseLease(holder string, epoch uint64) error {
	if db.pg == nil {
		return nil
	}
	return db.pg.update(func(tx *Tx) error {
		t := tx.tx.(*pgTx)
		_, err := t.tx.Exec(t.ctx, "UPDATE dutybot_lease SET expires = now() WHERE name = 'engine' AND holder = $1 AND epoch = $2", holder, int64(epoch))
		return err
	}, false)
}
