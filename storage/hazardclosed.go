package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Item 19.3 counts, per person and month, the hazards they saw through to
// 销号. A hazard is closed once and never reopened, so an index keyed by
// the time of closing lets a month be counted with one seek, without
// decoding any hazard.

// bHazardsClosed is the index of closed hazards: closed time \x00 id ->
// closedEntry.
var bHazardsClosed = []byte("hazards_closed")

// closedEntry is the value of the index: the officials a closed hazard
// counts for.
type closedEntry struct {
	Administrator string `json:"a,omitempty"`
	Supervisor    string `json:"s,omitempty"`
	FoundBy       string `json:"f,omitempty"`
}

// has tells whether the hazard counts for official.
func (e closedEntry) has(official string) bool {
	return official != "" && (e.Administrator == official || e.Supervisor == official || e.FoundBy == official)
}

// indexClosed records a closed hazard in the index; other states are not
// indexed.
func indexClosed(b kvBucket, h Hazard) error {
	if h.State != HazardClosed || h.ClosedAt.IsZero() {
		return nil
	}
	v, err := json.Marshal(closedEntry{Administrator: h.Administrator, Supervisor: h.Supervisor, FoundBy: h.FoundBy})
	if err != nil {
		return err
	}
	return b.Put([]byte(h.ClosedAt.UTC().Format(indexTime)+"\x00"+h.ID), v)
}

// CountClosedHazards counts the hazards closed at or after from and before
// to that official supervised: those on whose enterprise's plaque they
// stood (行政负责人 or 行业部门监管负责人) when the hazard was found, and
// those they found themselves; each hazard once.
func (t *Tx) CountClosedHazards(official string, from, to time.Time) (int, error) {
	if official == "" {
		return 0, nil
	}
	// An entry names the official, as JSON writes it, or does not count:
	// most entries of a month are skipped without decoding (a town's
	// 履职档案 counts a month for every official).
	needle, err := json.Marshal(official)
	if err != nil {
		return 0, err
	}
	n := 0
	err = t.scanClosed(from, to, needle, func(e closedEntry) {
		if e.has(official) {
			n++
		}
	})
	return n, err
}

// ClosedHazardCounts is CountClosedHazards for everyone at once, by
// official id, in one pass over the period: counting a whole town costs
// the period's closed hazards once rather than once per person.
func (t *Tx) ClosedHazardCounts(from, to time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := t.scanClosed(from, to, nil, func(e closedEntry) {
		ids := [...]string{e.Administrator, e.Supervisor, e.FoundBy}
		for i, o := range ids {
			if o != "" && !slices.Contains(ids[:i], o) {
				out[o]++
			}
		}
	})
	return out, err
}

// scanClosed walks the index of the hazards closed in [from, to) (a zero
// to: no end), decoding only the entries that hold needle (nil: all).
func (t *Tx) scanClosed(from, to time.Time, needle []byte, fn func(closedEntry)) error {
	c := t.tx.Bucket(bHazardsClosed).Cursor()
	start := []byte(from.UTC().Format(indexTime))
	end := []byte(to.UTC().Format(indexTime))
	for k, v := c.Seek(start); k != nil; k, v = c.Next() {
		if !to.IsZero() && bytes.Compare(k, end) >= 0 {
			break
		}
		if needle != nil && !bytes.Contains(v, needle) {
			continue
		}
		var e closedEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return &CorruptError{Bucket: string(bHazardsClosed), Key: slices.Clone(k), Err: err}
		}
		fn(e)
	}
	return nil
}

// keyClosedIndexed marks in meta a file whose index of closed hazards is
// complete.
var keyClosedIndexed = []byte("hazards_closed_indexed")

// indexClosedHazards fills the index from the hazards once: in a file
// written before the index existed.
func indexClosedHazards(tx kvTx) error {
	meta := tx.Bucket(bMeta)
	if meta.Get(keyClosedIndexed) != nil {
		return nil
	}
	idx := tx.Bucket(bHazardsClosed)
	err := tx.Bucket(bHazards).ForEach(func(k, v []byte) error {
		var h Hazard
		if err := decode(v, &h); err != nil {
			return &CorruptError{Bucket: string(bHazards), Key: slices.Clone(k), Err: err}
		}
		return indexClosed(idx, h)
	})
	if err != nil {
		return fmt.Errorf("index closed hazards: %w", err)
	}
	return meta.Put(keyClosedIndexed, []byte("1"))
}
