package hazard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"dutybot/storage"
)

// Item 19.3 counts, per person and month, the hazards they saw through to
// 销号. A hazard is closed once and never reopened, so an index keyed by
// the time of closing lets a month be counted with one seek, without
// decoding any hazard.

// bHazardsClosed is the index of closed hazards: closed time \x00 id ->
// closedEntry.
const bHazardsClosed = "hazards_closed"

// indexTime is the index's time format: UTC, fixed width, so keys sort by
// time.
const indexTime = "20060102150405.000000000"

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
func indexClosed(idx *storage.Records, h Hazard) error {
	if h.State != StateClosed || h.ClosedAt.IsZero() {
		return nil
	}
	err := idx.Put([]byte(h.ClosedAt.UTC().Format(indexTime)+"\x00"+h.ID),
		closedEntry{Administrator: h.Administrator, Supervisor: h.Supervisor, FoundBy: h.FoundBy})
	if err != nil {
		return fmt.Errorf("index closed hazard %s: %w", h.ID, err)
	}
	return nil
}

// CountClosed counts the hazards closed at or after from and before to
// that official supervised: those on whose enterprise's plaque they stood
// (行政负责人 or 行业部门监管负责人) when the hazard was found, and those
// they found themselves; each hazard once.
func CountClosed(tx *storage.Tx, official string, from, to time.Time) (int, error) {
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
	err = scanClosed(tx, from, to, needle, func(e closedEntry) {
		if e.has(official) {
			n++
		}
	})
	return n, err
}

// ClosedCounts is CountClosed for everyone at once, by official id, in
// one pass over the period: counting a whole town costs the period's
// closed hazards once rather than once per person.
func ClosedCounts(tx *storage.Tx, from, to time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := scanClosed(tx, from, to, nil, func(e closedEntry) {
		ids := [...]string{e.Administrator, e.Supervisor, e.FoundBy}
		for i, o := range ids {
			if o != "" && !slices.Contains(ids[:i], o) {
				out[o]++
			}
		}
	})
	return out, err
}

// errEnd ends a scan of the index at the end of the period.
var errEnd = errors.New("end of the period")

// scanClosed walks the index of the hazards closed in [from, to) (a zero
// to: no end), decoding only the entries that hold needle (nil: all).
func scanClosed(tx *storage.Tx, from, to time.Time, needle []byte, fn func(closedEntry)) error {
	start := []byte(from.UTC().Format(indexTime))
	end := []byte(to.UTC().Format(indexTime))
	err := tx.Records(bHazardsClosed).Scan(nil, start, func(k, v []byte) error {
		if !to.IsZero() && bytes.Compare(k, end) >= 0 {
			return errEnd
		}
		if needle != nil && !bytes.Contains(v, needle) {
			return nil
		}
		var e closedEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return &storage.CorruptError{Bucket: bHazardsClosed, Key: slices.Clone(k), Err: err}
		}
		fn(e)
		return nil
	})
	if errors.Is(err, errEnd) {
		return nil
	}
	return err
}

// keyClosedIndexed marks in meta a file whose index of closed hazards is
// complete.
const keyClosedIndexed = "hazards_closed_indexed"

// Upgrade brings the hazards of db up to what this version reads: it
// fills the index of closed hazards from the hazards, once, in a file
// written before the index existed (a file marked indexed is not read
// again). The app runs it at start, before anything counts hazards.
func Upgrade(db *storage.DB) error {
	err := db.Update(func(tx *storage.Tx) error {
		if _, done := tx.Meta(keyClosedIndexed); done {
			return nil
		}
		idx := tx.Records(bHazardsClosed)
		var list []Hazard
		err := tx.Records(bHazards).Scan(nil, nil, func(k, v []byte) error {
			var h Hazard
			if err := json.Unmarshal(v, &h); err != nil {
				return &storage.CorruptError{Bucket: bHazards, Key: slices.Clone(k), Err: err}
			}
			list = append(list, h)
			return nil
		})
		if err != nil {
			return err
		}
		for _, h := range list {
			if err := indexClosed(idx, h); err != nil {
				return err
			}
		}
		return tx.PutMeta(keyClosedIndexed, "1")
	})
	if err != nil {
		return fmt.Errorf("index closed hazards: %w", err)
	}
	return nil
}
