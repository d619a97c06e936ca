package storage

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CopyStats says what Copy copied.
type CopyStats struct {
	Buckets int
	Keys    int
}

// ErrNotEmpty is returned, wrapped, by Copy when the target already holds
// events, queued messages or deadlines: a copy must never overwrite a
// database in use. Every change a feature makes appends an event, so a
// database that ever raised an alert or bound anyone has them.
var ErrNotEmpty = errors.New("the target database is in use")

// Copy copies everything in src into dst (bindings, the outbox,
// deadlines, the chained event log, every feature's records and every
// bucket's sequence), in one transaction on each side, then checks the
// event chain on dst. dst must be new: one that holds events, queued
// messages or deadlines is refused with ErrNotEmpty.
func Copy(dst, src *DB) (CopyStats, error) {
	st, err := copyAll(dst, src, true)
	if err != nil {
		return st, err
	}
	var rep ChainReport
	if err := dst.View(func(tx *Tx) error { rep = tx.VerifyChain(); return nil }); err != nil {
		return st, fmt.Errorf("verify the copy: %w", err)
	}
	if rep.Break != nil {
		return st, fmt.Errorf("the copy's event chain does not verify: %s; the copied records stay in the target: empty it before another try", rep.Break)
	}
	return st, nil
}

// usedBuckets are the kernel's records that only a database in use holds.
var usedBuckets = [][]byte{bEvents, bOutbox, bDeadlines}

// copyAll replaces dst's buckets with src's. With refuseUsed, it first
// looks, in the same write transaction, whether dst holds kernel records
// (usedBuckets), so nothing can write them between the look and the copy.
func copyAll(dst, src *DB, refuseUsed bool) (CopyStats, error) {
	var st CopyStats
	err := src.View(func(stx *Tx) error {
		return dst.update(func(dtx *Tx) error {
			st = CopyStats{}
			if refuseUsed {
				used := 0
				for _, name := range usedBuckets {
					if b := dtx.tx.Bucket(name); b != nil {
						used += b.KeyN()
					}
				}
				if used > 0 {
					return fmt.Errorf("%w: it holds %d events, queued messages and deadlines; copy into a new, empty database", ErrNotEmpty, used)
				}
			}
			var drop [][]byte
			if err := dtx.tx.ForEachBucket(func(name []byte, _ kvBucket) error {
				drop = append(drop, append([]byte(nil), name...))
				return nil
			}); err != nil {
				return err
			}
			for _, name := range drop {
				if err := dtx.tx.DeleteBucket(name); err != nil {
					return fmt.Errorf("clear %s: %w", name, err)
				}
			}
			return stx.tx.ForEachBucket(func(name []byte, b kvBucket) error {
				st.Buckets++
				d, err := dtx.tx.CreateBucket(name)
				if err != nil {
					return fmt.Errorf("create %s: %w", name, err)
				}
				if err := d.SetSequence(b.Sequence()); err != nil {
					return fmt.Errorf("sequence of %s: %w", name, err)
				}
				n, err := copyBucket(d, b)
				st.Keys += n
				if err != nil {
					return fmt.Errorf("copy %s: %w", name, err)
				}
				return nil
			})
		}, false)
	})
	if err != nil {
		return CopyStats{}, err
	}
	return st, nil
}

// copyBucket copies src's keys into the empty bucket dst; on PostgreSQL
// with the COPY protocol, a chunk at a time.
func copyBucket(dst, src kvBucket) (int, error) {
	n := 0
	pb, ok := dst.(*pgBucket)
	if !ok {
		err := src.ForEach(func(k, v []byte) error {
			n++
			return dst.Put(k, v)
		})
		return n, err
	}
	const chunk = 4096
	rows := make([][]any, 0, chunk)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		t := pb.t
		if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"dutybot_kv"}, []string{"bucket", "k", "v"}, pgx.CopyFromRows(rows)); err != nil {
			t.fail("copy into "+pb.name, err)
			return t.err
		}
		t.touch(pb.name)
		rows = rows[:0]
		return nil
	}
	err := src.ForEach(func(k, v []byte) error {
		n++
		rows = append(rows, []any{pb.name, append([]byte(nil), k...), append([]byte{}, v...)})
		if len(rows) == chunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}
