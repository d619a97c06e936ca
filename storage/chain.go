package storage

// The event log is a hash chain: each event carries the hash of the event
// before it and its own hash, a SHA-256 over a canonical encoding of its
// fields and that previous hash. The newest hash (the chain head) is kept in
// the meta bucket and posted daily to the principals as an outside witness,
// so an event changed, removed or moved in the file no longer matches.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// chainSchema is the first schema version whose events are chained.
const chainSchema = 2

var keyChainHead = []byte("chain_head") // "<seq> <hash>" of the newest event

// digestDomain starts every hashed encoding, so an event hash can never be
// mistaken for the hash of anything else; digestDomainTyped starts that of
// an event with a typed detail (Code, Args).
const (
	digestDomain      = "dutybot/event/v1\x00"
	digestDomainTyped = "dutybot/event/v2\x00"
)

// Digest is the hash e must carry: SHA-256, in hex, over its sequence
// number, time (Unix seconds and nanoseconds, so the time zone it was
// written in does not matter), type, alert, official, actor, detail and the
// hash of the event before it, each text length-prefixed. An event with a
// typed detail is hashed under its own domain, with its code and then the
// number of its arguments and each one's name, kind and value after those;
// an event without one is hashed as before typed details existed, so the
// chains of older logs still verify.
func (e Event) Digest() string {
	h := sha256.New()
	var n [8]byte
	typed := e.Code != "" || len(e.Args) > 0
	if typed {
		io.WriteString(h, digestDomainTyped)
	} else {
		io.WriteString(h, digestDomain)
	}
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.Unix()))
	h.Write(n[:])
	binary.BigEndian.PutUint32(n[:4], uint32(e.At.Nanosecond()))
	h.Write(n[:4])
	text := func(s string) {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		h.Write(n[:4])
		io.WriteString(h, s)
	}
	for _, s := range []string{e.Type, e.Alert, e.Official, e.Actor, e.Detail, e.Prev} {
		text(s)
	}
	if typed {
		text(e.Code)
		binary.BigEndian.PutUint32(n[:4], uint32(len(e.Args)))
		h.Write(n[:4])
		for _, a := range e.Args {
			text(a.Name)
			text(a.Kind)
			text(a.Value)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ChainHead returns the sequence number and hash of the newest chained
// event; 0 and "" for an empty log.
func (t *Tx) ChainHead() (uint64, string) {
	return parseHead(t.tx.Bucket(bMeta).Get(keyChainHead))
}

func parseHead(v []byte) (uint64, string) {
	seq, hash, ok := strings.Cut(string(v), " ")
	if !ok {
		return 0, ""
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return 0, ""
	}
	return n, hash
}

func (t *Tx) putChainHead(seq uint64, hash string) error {
	return t.tx.Bucket(bMeta).Put(keyChainHead, []byte(strconv.FormatUint(seq, 10)+" "+hash))
}

// Schema returns the schema version of the open file: below the current
// one only for a file opened read-only (OpenReadOnly) and never upgraded.
func (t *Tx) Schema() uint64 {
	v := t.tx.Bucket(bMeta).Get(keyVersion)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// EventAt returns the event stored under seq.
func (t *Tx) EventAt(seq uint64) (Event, error) {
	var e Event
	err := t.get(bEvents, u64(seq), &e)
	return e, err
}

// upgrade brings a file of schema version from up to SchemaVersion inside
// the opening transaction: version 1 files get their events chained.
func upgrade(tx kvTx, from uint64) error {
	if from < chainSchema {
		if err := chainExisting(&Tx{tx: tx}, time.Now()); err != nil {
			return fmt.Errorf("chain the event log: %w", err)
		}
	}
	return tx.Bucket(bMeta).Put(keyVersion, u64(SchemaVersion))
}

// chainBatch is how many events chainExisting rewrites per cursor pass;
// bbolt cursors must not be used across writes to their bucket.
const chainBatch = 1024

// chainExisting chains the events stored before the chain existed, in
// order, and records that it did: the chain vouches for them only from
// this moment on.
func chainExisting(t *Tx, now time.Time) error {
	b := t.tx.Bucket(bEvents)
	appendOnly(b) // as AppendEvent: the log only grows at its end
	var prev string
	var last uint64
	n := 0
	for {
		type kv struct{ k, v []byte }
		var batch []kv
		c := b.Cursor()
		k, v := c.First()
		if last > 0 {
			k, v = c.Seek(u64(last + 1))
		}
		for ; k != nil && len(batch) < chainBatch; k, v = c.Next() {
			batch = append(batch, kv{append([]byte(nil), k...), append([]byte(nil), v...)})
		}
		if len(batch) == 0 {
			break
		}
		for _, p := range batch {
			var e Event
			if err := decode(p.v, &e); err != nil {
				return fmt.Errorf("event %x: %w", p.k, err)
			}
			e.Seq = binary.BigEndian.Uint64(p.k)
			e.Prev = prev
			e.Hash = e.Digest()
			if err := t.put(bEvents, p.k, e); err != nil {
				return err
			}
			prev, last = e.Hash, e.Seq
			n++
		}
	}
	if err := t.putChainHead(last, prev); err != nil {
		return err
	}
	return t.AppendEvent(Event{At: now, Type: EvChained, Actor: "system",
		Detail: fmt.Sprintf("%d events stored before the hash chain were chained; the chain vouches for them from now on", n)})
}

// Kinds of broken links VerifyChain reports.
const (
	BreakChanged    = "changed"    // the event's content no longer matches its hash
	BreakMissing    = "missing"    // events are gone
	BreakReordered  = "reordered"  // the event is not where it was written
	BreakUnchained  = "unchained"  // the event has no hash: written behind dutybot's back
	BreakUnreadable = "unreadable" // the stored record cannot be decoded
	BreakHead       = "head"       // the recorded chain head does not match the log
)

// ChainBreak is the first place the event log stops matching its chain.
type ChainBreak struct {
	Seq    uint64 // the event where the chain breaks
	Kind   string // Break…
	Detail string // what is wrong, in words
}

func (b ChainBreak) String() string { return fmt.Sprintf("event #%d: %s: %s", b.Seq, b.Kind, b.Detail) }

// ChainReport is the result of checking the event log against its chain.
type ChainReport struct {
	Schema   uint64 // the file's schema version; below 2 nothing is chained yet
	Events   uint64 // events read
	HeadSeq  uint64 // the chain head recorded in meta
	HeadHash string
	Break    *ChainBreak // the first broken link; nil when the log is whole
}

// OK reports whether the whole log matches its chain.
func (r ChainReport) OK() bool { return r.Break == nil && r.Schema >= chainSchema }

// VerifyChain reads the whole event log in order and checks every link:
// each event's hash against its content, its previous hash against the
// event before, the numbering for gaps and moves, and the recorded head
// against the last event. It stops at the first broken link.
func (t *Tx) VerifyChain() ChainReport {
	r := ChainReport{Schema: t.Schema()}
	r.HeadSeq, r.HeadHash = t.ChainHead()
	if r.Schema < chainSchema {
		return r
	}
	b := t.tx.Bucket(bEvents)
	brk := func(seq uint64, kind, format string, args ...any) ChainReport {
		r.Break = &ChainBreak{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)}
		return r
	}
	var prev string
	var last uint64
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return brk(last+1, BreakUnreadable, "a record with the key %x, which is not an event number, follows event #%d", k, last)
		}
		seq := binary.BigEndian.Uint64(k)
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return brk(seq, BreakUnreadable, "the stored record cannot be read: %v", err)
		}
		switch {
		case seq != last+1:
			return brk(last+1, BreakMissing, "%s: the log goes from #%d to #%d", gone(last+1, seq-1), last, seq)
		case e.Seq != seq:
			return brk(seq, BreakReordered, "the event stored as #%d was written as #%d (%s at %s)", seq, e.Seq, e.Type, e.At.Format(time.RFC3339))
		case e.Hash == "":
			return brk(seq, BreakUnchained, "the event has no hash: it was written behind dutybot's back")
		case e.Digest() != e.Hash:
			return brk(seq, BreakChanged, "its content (%s at %s) no longer matches its hash: the event was changed after it was written", e.Type, e.At.Format(time.RFC3339))
		case e.Prev != prev:
			if j, ok := t.seqOfHash(e.Prev); ok {
				return brk(seq, BreakReordered, "the event was chained after event #%d, not after #%d: events were moved", j, last)
			}
			if last == 0 {
				return brk(seq, BreakMissing, "the first stored event was chained to an earlier event that is gone")
			}
			return brk(last, BreakChanged, "event #%d was rewritten with a new hash: event #%d was chained to a different #%d", last, seq, last)
		}
		prev, last = e.Hash, seq
		r.Events++
	}
	switch {
	case r.HeadSeq > last:
		return brk(last+1, BreakMissing, "%s: the log ends at #%d but its chain head is #%d", gone(last+1, r.HeadSeq), last, r.HeadSeq)
	case b.Sequence() > last:
		return brk(last+1, BreakMissing, "%s: the log ends at #%d but events up to #%d were numbered", gone(last+1, b.Sequence()), last, b.Sequence())
	case r.HeadSeq < last:
		return brk(r.HeadSeq+1, BreakHead, "the chain head is #%d but the log goes on to #%d: events were added behind dutybot's back", r.HeadSeq, last)
	case r.HeadHash != prev:
		return brk(last, BreakHead, "the recorded chain head %s is not the hash of the last event (%s)", short(r.HeadHash), short(prev))
	}
	return r
}

// seqOfHash finds the event whose hash is h, to tell a moved event from a
// changed one; it reads the whole log, and runs only once a link broke.
func (t *Tx) seqOfHash(h string) (uint64, bool) {
	if h == "" {
		return 0, false
	}
	c := t.tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e Event
		if json.Unmarshal(v, &e) == nil && e.Hash == h {
			return e.Seq, true
		}
	}
	return 0, false
}

// gone names the events from..to as missing.
func gone(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("event #%d is gone", from)
	}
	return fmt.Sprintf("events #%d to #%d are gone", from, to)
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	if h == "" {
		return "(none)"
	}
	return h
}

// OpenReadOnly opens the database at path without changing it, for the
// ledger tools (verify, export, backup) while dutybot is not running. A
// file of an older schema is read as it is: it is upgraded only by Open.
// It fails with ErrLocked while dutybot holds the file, after LockWait.
func OpenReadOnly(path string) (*DB, error) { return openReadOnly(path, Options{}) }

// openReadOnly is OpenReadOnly with o's NoCheck and NoWait.
func openReadOnly(path string, o Options) (*DB, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return nil, fmt.Errorf("open storage %s: %w: %s", path, ErrEmptyFile, RestoreHint)
	}
	b, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: o.lockTimeout()}, !o.NoCheck)
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open storage %s: %w (is dutybot running?)", path, ErrLocked)
		}
		return nil, damaged(path, err)
	}
	db := &DB{bolt: b, path: path}
	err = guard(func() error {
		return b.View(func(tx *bolt.Tx) error {
			// The kernel's buckets the ledger tools read, which every
			// dutybot database has; a feature's records read as empty
			// until written, and buckets newer than the file are created
			// by the next Open.
			for _, name := range [][]byte{bMeta, bEvents, bAlertEv} {
				if tx.Bucket(name) == nil {
					return fmt.Errorf("bucket %s missing: not a dutybot database", name)
				}
			}
			if v := (&Tx{tx: boltTx{tx}}).Schema(); v > SchemaVersion {
				return fmt.Errorf("schema version %d is newer than this binary understands (%d)", v, SchemaVersion)
			}
			return nil
		})
	})
	if err != nil {
		b.Close()
		return nil, damaged(path, err)
	}
	return db, nil
}
