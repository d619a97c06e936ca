package ledger

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"dutybot/storage"
)

// Head names an event by its number and hash, as a witness post shows it.
type Head struct {
	Seq  uint64
	Hash string // the full hash, or at least its first MinHashPrefix digits
}

// MinHashPrefix is how many hex digits of a witnessed hash must be given:
// typing 64 digits off a phone is error-prone, 16 are plenty to tell.
const MinHashPrefix = 16

// ParseHead reads "SEQ:HASH" (also "#SEQ HASH"), as copied from a witness
// post.
func ParseHead(s string) (Head, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	seq, hash, ok := strings.Cut(s, ":")
	if !ok {
		seq, hash, ok = strings.Cut(s, " ")
	}
	n, err := strconv.ParseUint(strings.TrimSpace(seq), 10, 64)
	hash = strings.ToLower(strings.TrimSpace(hash))
	if _, herr := hex.DecodeString(hash + strings.Repeat("0", len(hash)%2)); !ok || err != nil || n == 0 ||
		herr != nil || len(hash) < MinHashPrefix || len(hash) > 64 {
		return Head{}, fmt.Errorf("%q is not an event number and its hash, such as 1234:%s (at least %d hex digits)",
			s, strings.Repeat("ab", MinHashPrefix/2), MinHashPrefix)
	}
	return Head{Seq: n, Hash: hash}, nil
}

// WitnessCheck is one witnessed head compared with the stored log.
type WitnessCheck struct {
	Head
	OK  bool
	Why string // when not OK
}

// Verification is what `dutybot ledger verify` reports.
type Verification struct {
	Chain       storage.ChainReport
	Witnesses   []WitnessCheck // the heads given, each checked
	LastWitness *storage.Event // the latest witness post recorded, if any
	// Damage, when set, says why the file could not be read through: a
	// page of it is damaged, so the chain could not be checked to its end.
	Damage string
}

// OK reports whether the chain is whole and matches every witness given.
func (v Verification) OK() bool {
	if v.Damage != "" || !v.Chain.OK() {
		return false
	}
	for _, w := range v.Witnesses {
		if !w.OK {
			return false
		}
	}
	return true
}

// Verify checks the whole event log against its chain and against heads
// witnessed outside the file (copied from the principals' chats): a log
// rewritten from some event on, hashes and all, passes the first check but
// not the second. A file too damaged to read through is reported in
// Damage, not as an error: it is the answer verify exists to give.
func (l *Ledger) Verify(witnessed []Head) (Verification, error) {
	var v Verification
	err := l.db.ViewGuarded(func(tx *storage.Tx) error {
		v.Chain = tx.VerifyChain()
		for _, h := range witnessed {
			c := WitnessCheck{Head: h}
			e, err := tx.EventAt(h.Seq)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				c.Why = fmt.Sprintf("event #%d is not in the log", h.Seq)
			case err != nil:
				c.Why = fmt.Sprintf("event #%d cannot be read: %v", h.Seq, err)
			case !strings.HasPrefix(e.Hash, h.Hash):
				c.Why = fmt.Sprintf("event #%d now has the hash %s: the log was rewritten since it was witnessed", h.Seq, e.Hash)
			default:
				c.OK = true
			}
			v.Witnesses = append(v.Witnesses, c)
		}
		last, err := lastWitness(tx)
		v.LastWitness = last
		return err
	})
	if errors.Is(err, storage.ErrDamaged) {
		return Verification{Damage: err.Error()}, nil
	}
	return v, err
}

// witnessLookBack bounds how far back lastWitness reads: posts are daily,
// so a log without one in its last 50000 events has none worth showing.
const witnessLookBack = 50000

// lastWitness finds the latest witness post, reading back from the end.
func lastWitness(tx *storage.Tx) (*storage.Event, error) {
	const page = 512
	n := tx.EventCount()
	stop := uint64(0)
	if n > witnessLookBack {
		stop = n - witnessLookBack
	}
	for n > stop {
		from := uint64(0)
		if n > page {
			from = n - page
		}
		evs, err := tx.Events(from, page)
		if _, bad := storage.AsCorrupt(err); bad {
			// An event that does not decode (VerifyChain reports it):
			// read this page one by one, past it.
			evs, err = readableEvents(tx, from, page), nil
		}
		if err != nil {
			return nil, err
		}
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Type == storage.EvWitness {
				return &evs[i], nil
			}
		}
		n = from
	}
	return nil, nil
}

// readableEvents returns the events with Seq in (after, after+limit] that
// decode, skipping those that do not.
func readableEvents(tx *storage.Tx, after uint64, limit int) []storage.Event {
	var out []storage.Event
	for seq := after + 1; seq <= after+uint64(limit); seq++ {
		if e, err := tx.EventAt(seq); err == nil {
			out = append(out, e)
		}
	}
	return out
}
