package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// Event types recorded in the log; part of the duty-performance ledger.
const (
	EvCreated      = "created"
	EvSent         = "sent"      // a message was queued for a person
	EvDelivered    = "delivered" // Telegram accepted it
	EvFailed       = "failed"
	EvAcked        = "acked"
	EvHandled      = "handled" // an escalation target took over
	EvReminded     = "reminded"
	EvEscalated    = "escalated"
	EvUnreachable  = "unreachable"
	EvReachable    = "reachable" // a chat marked unreachable wrote to the bot again
	EvClosed       = "closed"
	EvCompleted    = "completed"
	EvBound        = "bound"
	EvBindRefused  = "bind_refused"
	EvLanguage     = "language"
	EvReported     = "reported"      // a duty instance was reported on
	EvTaskReminder = "task_reminder" // a cadence rule reminded its audience
	EvReminderAck  = "reminder_ack"  // an official acknowledged a reminder
)

// Event types of the 履职档案 ledger itself.
const (
	EvChained      = "ledger_chained"  // the events stored before the hash chain were chained
	EvWitness      = "ledger_witness"  // the chain head was posted to the principals
	EvLedgerExport = "ledger_exported" // someone took the ledger out as a workbook
)

// Event is one entry of the append-only log. Prev and Hash chain the log:
// each event carries the hash of the one before it and its own (see
// Event.Digest), so changing, removing or reordering a stored event shows
// in VerifyChain.
type Event struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Type     string    `json:"type"`
	Alert    string    `json:"alert,omitempty"`
	Official string    `json:"official,omitempty"` // whom it concerns
	Actor    string    `json:"actor,omitempty"`    // who did it: an official id, "system" or "api"
	Detail   string    `json:"detail,omitempty"`
	// Code and Args say what happened as data, for each reader to put into
	// their own language (the ledger's LedgerEv_<code> messages): Detail
	// says it in plain English for logs, the CLI and readers that do not
	// know the code. Events written before codes existed have Detail only.
	Code string `json:"code,omitempty"`
	Args []Arg  `json:"args,omitempty"`
	Prev string `json:"prev,omitempty"` // hash of the event before; "" for the first
	Hash string `json:"hash,omitempty"`
}

// AppendEvent adds e to the log, numbering it and chaining it to the event
// before; the caller's Seq, Prev and Hash are ignored.
func (t *Tx) AppendEvent(e Event) error { return t.AppendEvents([]Event{e}) }

// AppendEvents adds es to the log in order, as AppendEvent would one by
// one, reading and writing the chain's head once: an alert to 100,000
// officials logs 100,000 calls queued. The events are numbered and chained
// in order, then encoded on every core at once, then stored.
func (t *Tx) AppendEvents(es []Event) error {
	if len(es) == 0 {
		return nil
	}
	b := t.tx.Bucket(bEvents)
	// Events only ever go on the end: full pages, not bbolt's half-full
	// splits, keep the log about half the size on disk.
	appendOnly(b)
	_, prev := t.ChainHead()
	chained := make([]Event, len(es))
	for i, e := range es {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.Seq = seq
		e.normalize()
		e.Prev = prev
		e.Hash = e.Digest()
		prev = e.Hash
		chained[i] = e
	}
	data, err := encodeEvents(chained)
	if err != nil {
		return err
	}
	for i, e := range chained {
		if err := b.Put(u64(e.Seq), data[i]); err != nil {
			return err
		}
		if e.Alert != "" {
			if err := t.tx.Bucket(bAlertEv).Put(append([]byte(e.Alert+"\x00"), u64(e.Seq)...), nil); err != nil {
				return err
			}
		}
	}
	return t.putChainHead(chained[len(chained)-1].Seq, prev)
}

// parallelEncodeMin is how many events are worth encoding on more than
// one core.
const parallelEncodeMin = 1024

// encodeEvents encodes events as JSON, split among the cores when there
// are many.
func encodeEvents(es []Event) ([][]byte, error) {
	out := make([][]byte, len(es))
	encode := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			var err error
			if out[i], err = json.Marshal(es[i]); err != nil {
				return fmt.Errorf("encode %s/%d: %w", bEvents, es[i].Seq, err)
			}
		}
		return nil
	}
	if len(es) < parallelEncodeMin {
		// A few events (an answer, a delivery) are encoded where they are.
		return out, encode(0, len(es))
	}
	workers := min(runtime.GOMAXPROCS(0), 8)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(es) + workers - 1) / workers
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = encode(w*per, min(len(es), (w+1)*per))
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// AlertEvents returns the log entries of one alert in order.
func (t *Tx) AlertEvents(alertID string) ([]Event, error) {
	var out []Event
	prefix := []byte(alertID + "\x00")
	c := t.tx.Bucket(bAlertEv).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var e Event
		if err := t.get(bEvents, k[len(prefix):], &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Events returns up to limit events with Seq > after.
func (t *Tx) Events(after uint64, limit int) ([]Event, error) {
	var out []Event
	c := t.tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		_ = v
		var e Event
		if err := t.get(bEvents, k, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// EventCount returns the number of events logged.
func (t *Tx) EventCount() uint64 {
	k, _ := t.tx.Bucket(bEvents).Cursor().Last()
	if k == nil {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// EventsBetween returns the events logged at [from, to), oldest first. It
// reads backwards from the newest event and stops at the first one before
// from, so a recent window costs what it holds, not the whole log.
func (t *Tx) EventsBetween(from, to time.Time) ([]Event, error) {
	var out []Event
	c := t.tx.Bucket(bEvents).Cursor()
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		var e Event
		if err := t.get(bEvents, k, &e); err != nil {
			return nil, err
		}
		if e.At.Before(from) {
			break
		}
		if e.At.Before(to) {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out, nil
}

// normalize makes the text fields what they read back as: JSON stores
// invalid UTF-8 as one U+FFFD per bad byte, and the hash must be of what
// is stored.
func (e *Event) normalize() {
	fields := []*string{&e.Type, &e.Alert, &e.Official, &e.Actor, &e.Detail, &e.Code}
	for i := range e.Args {
		fields = append(fields, &e.Args[i].Name, &e.Args[i].Kind, &e.Args[i].Value)
	}
	for _, f := range fields {
		if !utf8.ValidString(*f) {
			*f = string([]rune(*f))
		}
	}
}
