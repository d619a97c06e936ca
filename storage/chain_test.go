package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// chainedDB writes n events, each in its own transaction, to a new file and
// closes it; it returns the path and the events as written.
func chainedDB(t *testing.T, n int) (string, []Event) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e := Event{At: t0.Add(time.Duration(i) * time.Minute), Type: EvSent, Alert: fmt.Sprintf("20261128-%04d", i%3+1),
			Official: "o-li", Actor: "system", Detail: fmt.Sprintf("call %d", i+1)}
		mustUpdate(t, db, func(tx *Tx) error { return tx.AppendEvent(e) })
	}
	var evs []Event
	mustView(t, db, func(tx *Tx) error { var err error; evs, err = tx.Events(0, n+1); return err })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, evs
}

// verifyFile opens path read-only and checks its chain.
func verifyFile(t *testing.T, path string) ChainReport {
	t.Helper()
	open := OpenReadOnly
	if onPostgres() {
		open = func(path string) (*DB, error) { return openPath(t, path) }
	}
	db, err := open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var r ChainReport
	mustView(t, db, func(tx *Tx) error { r = tx.VerifyChain(); return nil })
	return r
}

// rawUpdate changes the database behind dutybot's back, as someone with
// the file and the bbolt library, or with the database's password, could.
func rawUpdate(t *testing.T, path string, fn func(events, meta kvBucket) error) {
	t.Helper()
	if onPostgres() {
		db, err := openPath(t, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.update(func(tx *Tx) error { return fn(tx.tx.Bucket(bEvents), tx.tx.Bucket(bMeta)) }, false); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.Update(func(tx *bolt.Tx) error {
		return fn(boltBucket{tx.Bucket(bEvents)}, boltBucket{tx.Bucket(bMeta)})
	}); err != nil {
		t.Fatal(err)
	}
}

// editJSON rewrites one stored event's JSON.
func editJSON(b kvBucket, seq uint64, edit func(m map[string]any)) error {
	var m map[string]any
	if err := json.Unmarshal(b.Get(u64(seq)), &m); err != nil {
		return err
	}
	edit(m)
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return b.Put(u64(seq), data)
}

func TestAppendEventChains(t *testing.T) {
	db := openTemp(t)
	mustView(t, db, func(tx *Tx) error {
		if r := tx.VerifyChain(); !r.OK() || r.Events != 0 || r.HeadSeq != 0 || r.HeadHash != "" {
			t.Errorf("empty log: %+v", r)
		}
		return nil
	})
	bad := "bad \xff\xfe bytes" // stored as U+FFFD each: the hash must be of what reads back
	for i, d := range []string{"one", bad, "three"} {
		mustUpdate(t, db, func(tx *Tx) error {
			return tx.AppendEvent(Event{At: t0.In(time.FixedZone("CST", 8*3600)).Add(time.Duration(i) * time.Second),
				Type: EvAcked, Detail: d, Seq: 99, Prev: "forged", Hash: "forged"})
		})
	}
	// A rolled-back append leaves neither an event nor a new head.
	_ = db.Update(func(tx *Tx) error {
		if err := tx.AppendEvent(Event{At: t0, Type: EvFailed}); err != nil {
			return err
		}
		return errors.New("rollback")
	})
	mustView(t, db, func(tx *Tx) error {
		evs, err := tx.Events(0, 10)
		if err != nil {
			return err
		}
		if len(evs) != 3 {
			t.Fatalf("%d events, want 3", len(evs))
		}
		prev := ""
		for i, e := range evs {
			if e.Seq != uint64(i+1) || e.Prev != prev || e.Hash != e.Digest() || len(e.Hash) != 64 {
				t.Errorf("event %d: seq %d prev %q hash %q (digest %q)", i, e.Seq, e.Prev, e.Hash, e.Digest())
			}
			prev = e.Hash
		}
		if evs[1].Detail != "bad \uFFFD\uFFFD bytes" {
			t.Errorf("invalid UTF-8 stored as %q", evs[1].Detail)
		}
		seq, head := tx.ChainHead()
		if seq != 3 || head != evs[2].Hash {
			t.Errorf("ChainHead = %d %s, want 3 %s", seq, head, evs[2].Hash)
		}
		r := tx.VerifyChain()
		if !r.OK() || r.Events != 3 || r.HeadSeq != 3 || r.HeadHash != evs[2].Hash {
			t.Errorf("VerifyChain = %+v", r)
		}
		return nil
	})
}

func TestDigestCoversEveryField(t *testing.T) {
	base := Event{Seq: 7, At: t0, Type: EvAcked, Alert: "a", Official: "o", Actor: "x", Detail: "d", Prev: "p"}
	h := base.Digest()
	withHash := base
	withHash.Hash = "ignored"
	if withHash.Digest() != h {
		t.Error("the hash covers itself")
	}
	zoned := base
	zoned.At = t0.In(time.FixedZone("CST", 8*3600))
	if zoned.Digest() != h {
		t.Error("the time zone an event was written in changes its hash")
	}
	changes := map[string]func(e *Event){
		"seq":      func(e *Event) { e.Seq++ },
		"at":       func(e *Event) { e.At = e.At.Add(time.Nanosecond) },
		"type":     func(e *Event) { e.Type = EvHandled },
		"alert":    func(e *Event) { e.Alert = "b" },
		"official": func(e *Event) { e.Official = "q" },
		"actor":    func(e *Event) { e.Actor = "y" },
		"detail":   func(e *Event) { e.Detail = "D" },
		"prev":     func(e *Event) { e.Prev = "P" },
		// Length prefixes: moving text from one field to the next changes it.
		"boundary": func(e *Event) { e.Alert, e.Official = "ao", "" },
	}
	for name, change := range changes {
		e := base
		change(&e)
		if e.Digest() == h {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
}

func TestVerifyChainCatchesTampering(t *testing.T) {
	const n = 20
	tests := []struct {
		name   string
		tamper func(t *testing.T, evs []Event, b, meta kvBucket) error
		seq    uint64
		kind   string
		detail string
	}{
		{"edited detail", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			return editJSON(b, 7, func(m map[string]any) { m["detail"] = "call 7 (answered at once)" })
		}, 7, BreakChanged, "no longer matches its hash"},
		{"edited time", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			return editJSON(b, 3, func(m map[string]any) { m["at"] = t0.Add(time.Minute).Format(time.RFC3339Nano) })
		}, 3, BreakChanged, "no longer matches its hash"},
		{"deleted event", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			return b.Delete(u64(12))
		}, 12, BreakMissing, "event #12 is gone: the log goes from #11 to #13"},
		{"edited and deleted: the first is reported", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			if err := editJSON(b, 7, func(m map[string]any) { m["official"] = "o-zhang" }); err != nil {
				return err
			}
			return b.Delete(u64(12))
		}, 7, BreakChanged, ""},
		{"deleted run", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			for s := uint64(4); s <= 6; s++ {
				if err := b.Delete(u64(s)); err != nil {
					return err
				}
			}
			return nil
		}, 4, BreakMissing, "events #4 to #6 are gone"},
		{"deleted first", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			return b.Delete(u64(1))
		}, 1, BreakMissing, "event #1 is gone"},
		{"deleted last", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			return b.Delete(u64(n))
		}, n, BreakMissing, "its chain head is #20"},
		{"deleted last, head and numbering patched", func(t *testing.T, evs []Event, b, meta kvBucket) error {
			if err := b.Delete(u64(n)); err != nil {
				return err
			}
			return meta.Put(keyChainHead, []byte(fmt.Sprintf("%d %s", n-1, evs[n-2].Hash)))
		}, n, BreakMissing, "event #20 is gone: the log ends at #19 but events up to #20 were numbered"},
		{"swapped", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			five, six := append([]byte(nil), b.Get(u64(5))...), append([]byte(nil), b.Get(u64(6))...)
			if err := b.Put(u64(5), six); err != nil {
				return err
			}
			return b.Put(u64(6), five)
		}, 5, BreakReordered, "stored as #5 was written as #6"},
		{"swapped and renumbered", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			five, six := append([]byte(nil), b.Get(u64(5))...), append([]byte(nil), b.Get(u64(6))...)
			if err := b.Put(u64(5), six); err != nil {
				return err
			}
			if err := b.Put(u64(6), five); err != nil {
				return err
			}
			for _, s := range []uint64{5, 6} {
				if err := editJSON(b, s, func(m map[string]any) { m["seq"] = s }); err != nil {
					return err
				}
			}
			return nil
		}, 5, BreakChanged, ""},
		{"moved and re-hashed by someone who knows the algorithm", func(t *testing.T, evs []Event, b, _ kvBucket) error {
			// Event 6 is put in place of 5 and given a valid hash for
			// its new place; event 6's place is then emptied.
			e := evs[5]
			e.Seq, e.Prev = 5, evs[3].Hash
			e.Hash = e.Digest()
			data, _ := json.Marshal(e)
			if err := b.Put(u64(5), data); err != nil {
				return err
			}
			e2 := evs[4]
			e2.Seq, e2.Prev = 6, e.Hash
			e2.Hash = e2.Digest()
			data, _ = json.Marshal(e2)
			return b.Put(u64(6), data)
		}, 6, BreakChanged, "event #6 was rewritten with a new hash"},
		{"re-hashed edit", func(t *testing.T, evs []Event, b, _ kvBucket) error {
			e := evs[8]
			e.Detail = "call 9 (answered)"
			e.Hash = e.Digest()
			data, _ := json.Marshal(e)
			return b.Put(u64(9), data)
		}, 9, BreakChanged, "event #9 was rewritten with a new hash: event #10 was chained to a different #9"},
		{"chained onto an older event", func(t *testing.T, evs []Event, b, _ kvBucket) error {
			e := evs[9]
			e.Prev = evs[2].Hash
			e.Hash = e.Digest()
			data, _ := json.Marshal(e)
			return b.Put(u64(10), data)
		}, 10, BreakReordered, "chained after event #3, not after #9"},
		{"appended without a hash", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			if _, err := b.NextSequence(); err != nil {
				return err
			}
			data, _ := json.Marshal(Event{Seq: n + 1, At: t0, Type: EvAcked, Official: "o-li"})
			return b.Put(u64(n+1), data)
		}, n + 1, BreakUnchained, "behind dutybot's back"},
		{"garbage", func(t *testing.T, _ []Event, b, _ kvBucket) error {
			return b.Put(u64(3), []byte("{not json"))
		}, 3, BreakUnreadable, "cannot be read"},
		{"head hash edited", func(t *testing.T, evs []Event, _, meta kvBucket) error {
			return meta.Put(keyChainHead, []byte(fmt.Sprintf("%d %s", n, evs[0].Hash)))
		}, n, BreakHead, "is not the hash of the last event"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, evs := chainedDB(t, n)
			if r := verifyFile(t, path); !r.OK() || r.Events != n {
				t.Fatalf("before tampering: %+v", r)
			}
			rawUpdate(t, path, func(b, meta kvBucket) error { return tc.tamper(t, evs, b, meta) })
			r := verifyFile(t, path)
			if r.OK() || r.Break == nil {
				t.Fatalf("tampering not detected: %+v", r)
			}
			if r.Break.Seq != tc.seq || r.Break.Kind != tc.kind || !strings.Contains(r.Break.Detail, tc.detail) {
				t.Errorf("break = %s; want event #%d: %s: …%s…", r.Break, tc.seq, tc.kind, tc.detail)
			}
		})
	}
}

// preChainFile writes a database as schema version 1 left it: events
// without hashes, numbered by the bucket sequence, indexed by alert.
func preChainFile(t *testing.T, n int) (string, []Event) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	err = raw.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bMeta).Put(keyVersion, u64(1)); err != nil {
			return err
		}
		b := tx.Bucket(bEvents)
		for i := range n {
			seq, _ := b.NextSequence()
			e := Event{Seq: seq, At: t0.Add(time.Duration(i) * time.Second), Type: EvAcked, Alert: fmt.Sprintf("20261128-%04d", i%7+1),
				Official: "o-li", Actor: "o-li", Detail: fmt.Sprint(i)}
			data, _ := json.Marshal(e)
			if err := b.Put(u64(seq), data); err != nil {
				return err
			}
			if err := tx.Bucket(bAlertEv).Put(append([]byte(e.Alert+"\x00"), u64(seq)...), nil); err != nil {
				return err
			}
			evs = append(evs, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	return path, evs
}

func TestOpenChainsPreChainDatabase(t *testing.T) {
	boltOnly(t)                 // a file of version 1: there never was a PostgreSQL one
	const n = 2*chainBatch + 17 // several cursor passes
	path, old := preChainFile(t, n)

	// Read-only, the old file is read as it is and reported unchained.
	r := verifyFile(t, path)
	if r.OK() || r.Schema != 1 || r.Break != nil {
		t.Errorf("old file read-only: %+v", r)
	}

	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	mustView(t, db, func(tx *Tx) error {
		if tx.Schema() != SchemaVersion {
			t.Errorf("schema after Open = %d", tx.Schema())
		}
		evs, err := tx.Events(0, n+10)
		if err != nil {
			return err
		}
		if len(evs) != n+1 {
			t.Fatalf("%d events after the upgrade, want %d and the record of chaining", len(evs), n+1)
		}
		prev := ""
		for i, e := range old {
			got := evs[i]
			if got.Seq != e.Seq || !got.At.Equal(e.At) || got.Type != e.Type || got.Alert != e.Alert ||
				got.Official != e.Official || got.Actor != e.Actor || got.Detail != e.Detail {
				t.Fatalf("event %d changed in the upgrade: %+v, was %+v", i+1, got, e)
			}
			if got.Prev != prev || got.Hash != got.Digest() {
				t.Fatalf("event %d not chained: %+v", i+1, got)
			}
			prev = got.Hash
		}
		last := evs[n]
		if last.Type != EvChained || last.Seq != n+1 || last.Prev != prev || !strings.Contains(last.Detail, fmt.Sprintf("%d events", n)) {
			t.Errorf("record of chaining = %+v", last)
		}
		if a, _ := tx.AlertEvents("20261128-0003"); len(a) != (n+4)/7 {
			t.Errorf("the alert index lost events: %d", len(a))
		}
		if r := tx.VerifyChain(); !r.OK() || r.Events != n+1 || r.HeadHash != last.Hash {
			t.Errorf("VerifyChain after the upgrade = %+v", r)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error { return tx.AppendEvent(Event{At: t0.Add(time.Hour), Type: EvClosed}) })
	db.Close()

	// Opened again, nothing is chained twice.
	db, err = openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustView(t, db, func(tx *Tx) error {
		evs, _ := tx.Events(n, 10)
		if len(evs) != 2 || evs[0].Type != EvChained || evs[1].Type != EvClosed {
			t.Errorf("after reopening: %+v", evs)
		}
		if r := tx.VerifyChain(); !r.OK() || r.Events != n+2 {
			t.Errorf("VerifyChain = %+v", r)
		}
		return nil
	})
}

func TestOpenReadOnly(t *testing.T) {
	boltOnly(t)
	path, _ := chainedDB(t, 3)
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrLocked) {
		t.Errorf("OpenReadOnly while dutybot holds the file: %v, want ErrLocked", err)
	}
	db.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Update(func(tx *Tx) error { return tx.AppendEvent(Event{Type: EvAcked}) }); err == nil {
		t.Error("a read-only database took a write")
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Error("OpenReadOnly of a missing file succeeded")
	}
}
