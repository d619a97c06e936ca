package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutybot/config"
	"dutybot/storage"
)

// writeLog writes n events to a new database, a witness post among them at
// witnessAt, and closes it.
func writeLog(t *testing.T, n, witnessAt int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *storage.Tx) error {
		for i := 1; i <= n; i++ {
			e := storage.Event{At: time.Date(2026, 11, 30, 8, 0, i, 0, cst), Type: storage.EvAcked, Official: "o-li",
				Detail: fmt.Sprintf("event %04d", i)}
			if i == witnessAt {
				seq, hash := tx.ChainHead()
				e = storage.Event{At: e.At, Type: storage.EvWitness, Actor: "system", Detail: WitnessDetail(seq, hash, []string{"o-chen"})}
			}
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// flipBit flips one bit of the byte at the offset of the first occurrence of
// find in the file, plus at.
func flipBit(t *testing.T, path, find string, at int, bit byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte(find))
	if i < 0 || bytes.Count(data, []byte(find)) != 1 {
		t.Fatalf("%q is not in the file once", find)
	}
	data[i+at] ^= bit
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func ledgerOn(t *testing.T, db *storage.DB) *Ledger {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, db, testCatalog(t))
}

// A bit flipped in an event record makes verify answer BROKEN with the
// place and the reason, not fail: whether the record no longer decodes or
// no longer matches its hash. The last witness post is still found past it.
func TestVerifyReportsFlippedBits(t *testing.T) {
	tests := []struct {
		name string
		at   int  // offset in `event 0300"`
		bit  byte // flipped
		kind string
	}{
		{"the record no longer decodes", 10, 0x01, storage.BreakUnreadable},      // the closing quote becomes '#'
		{"the record no longer matches its hash", 7, 0x01, storage.BreakChanged}, // 0300 becomes 0200
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeLog(t, 600, 100)
			flipBit(t, path, `event 0300"`, tc.at, tc.bit)
			db, err := storage.OpenReadOnly(path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			v, err := ledgerOn(t, db).Verify([]Head{{Seq: 50, Hash: strings.Repeat("0", 64)}})
			if err != nil {
				t.Fatalf("Verify: %v, want a report", err)
			}
			if v.OK() || v.Chain.Break == nil || v.Chain.Break.Seq != 300 || v.Chain.Break.Kind != tc.kind {
				t.Errorf("Verify = ok %v, break %+v; want BROKEN at #300 (%s)", v.OK(), v.Chain.Break, tc.kind)
			}
			if v.LastWitness == nil || v.LastWitness.Seq != 100 {
				t.Errorf("last witness %+v, want #100", v.LastWitness)
			}
			if len(v.Witnesses) != 1 || v.Witnesses[0].OK {
				t.Errorf("witnesses %+v", v.Witnesses)
			}
		})
	}
}

// A page of the log damaged under a reader (the disk returns zeros) makes
// verify report the damage, not crash the process.
func TestVerifyReportsADamagedPage(t *testing.T) {
	path := writeLog(t, 3000, 100)
	raw, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root int64
	_ = raw.View(func(tx *bolt.Tx) error { root = int64(tx.Bucket([]byte("events")).Root()); return nil })
	ps := int64(raw.Info().PageSize)
	raw.Close()

	db, err := storage.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, ps), root*ps); err != nil {
		t.Fatal(err)
	}
	f.Close()
	v, err := ledgerOn(t, db).Verify(nil)
	if err != nil {
		t.Fatalf("Verify: %v, want a report", err)
	}
	if v.OK() || !strings.Contains(v.Damage, "damaged") {
		t.Errorf("Verify = ok %v, damage %q; want the damage reported", v.OK(), v.Damage)
	}
}

// A witness whose clock reading is older than the day already posted (it
// read the time before another instance posted the next day) posts
// nothing: the stale day is not posted again.
func TestWitnessStaleDayPostsNothing(t *testing.T) {
	l, db := testLedger(t)
	w := NewWitness(l.cfg, db, nil, testCatalog(t), nil, nil)
	dec3 := time.Date(2026, 12, 3, 9, 0, 0, 0, cst)
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaWitnessDay, "2026-12-03") }); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{dec3.AddDate(0, 0, -1), dec3} {
		if _, err := w.Post(at); !errors.Is(err, ErrWitnessedToday) {
			t.Errorf("Post(%s) after 12-03 was posted: %v", at.Format(time.DateOnly), err)
		}
	}
}
