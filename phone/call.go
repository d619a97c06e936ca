package phone

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"dutybot/storage"
)

// The phone channel's buckets; their names and key layouts are the on-disk
// schema.
const (
	callsBucket   = "phone_calls"    // call id -> Call
	queueBucket   = "phone_queue"    // due (8 bytes, unix ns) + call id -> "": calls to place
	placingBucket = "phone_placing"  // call id -> "": requests under way (a crash leaves them uncertain)
	refsBucket    = "phone_refs"     // provider \x00 provider id -> call id
	numbersBucket = "phone_numbers"  // number \x00 call id -> "": a reply or report names only the number
	usageBucket   = "phone_usage"    // kind \x00 number -> Usage: what the frequency limits count
	byAlertBucket = "phone_by_alert" // alert id \x00 call id -> "": an alert's calls, for its record
)

// States of a call or text message.
const (
	StateQueued    = "queued"    // waiting for its turn at the provider
	StatePlacing   = "placing"   // the request is under way
	StateUncertain = "uncertain" // the request was under way when the process stopped: never placed again
	StatePlaced    = "placed"    // the provider took it: ringing, or sent
	StatePressed   = ResultPressed
	StateAnswered  = ResultAnswered
	StateNoAnswer  = ResultNoAnswer
	StateFailed    = ResultFailed
	StateDelivered = ResultDelivered
	StateReplied   = "replied"   // an SMS reply with the confirm code came back
	StateHeld      = "held"      // a frequency limit for the number held it back
	StateRefused   = "refused"   // the provider refused it (a bad number, a template it does not know)
	StateCancelled = "cancelled" // answered or closed before its turn came
	StateRepeat    = "repeat"    // the person was called for this alert's step already
)

// Call is one call or text message to one person for one step of an
// alert: about the recipient themself, or about the silent recipients a
// step escalated to them (one call for them all).
type Call struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"` // KindCall or KindSMS
	Alert    string `json:"alert"`
	Step     int    `json:"step"`
	Official string `json:"official"` // the person called
	// About are the recipients whose silence the call is about; pressing
	// the key answers (or, by someone else, takes over) all of them.
	About  []string `json:"about"`
	Number string   `json:"number"` // E.164
	Code   string   `json:"code,omitempty"`
	State  string   `json:"state"`
	// Provider and ProviderID name the call at the provider.
	Provider   string    `json:"provider,omitempty"`
	ProviderID string    `json:"provider_id,omitempty"`
	DueAt      time.Time `json:"due_at"`
	QueuedAt   time.Time `json:"queued_at"`
	PlacedAt   time.Time `json:"placed_at,omitzero"`
	ResultAt   time.Time `json:"result_at,omitzero"`
	Key        string    `json:"key,omitempty"`    // the last key pressed
	Reason     string    `json:"reason,omitempty"` // why it was held, refused or failed
	Attempts   int       `json:"attempts,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	// Level and Title are the alert's, in Lang, taken when the call was
	// queued: the request is worded without reading the alert again.
	Level string `json:"level,omitempty"`
	Title string `json:"title,omitempty"`
}

// Settled reports whether nothing more will happen to the call.
func (c Call) Settled() bool {
	switch c.State {
	case StateQueued, StatePlacing, StateUncertain, StatePlaced:
		return false
	}
	return true
}

// Answered reports whether the person confirmed by phone.
func (c Call) Answered() bool { return c.State == StatePressed || c.State == StateReplied }

// Counted reports whether the provider took the call (it costs).
func (c Call) Counted() bool { return !c.PlacedAt.IsZero() }

// callID names the one call to person for an alert's step: a step never
// calls a person twice, however many recipients' silence it is about.
func callID(alert, kind string, step int, person string) string {
	return alert + "/" + kind + "/" + strconv.Itoa(step) + "/" + person
}

// confirmCode is the 4-digit code an SMS reply must contain: fixed for a
// message, different between a person's messages.
func confirmCode(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%04d", 1000+h.Sum32()%9000)
}

func pair(a, b string) []byte { return []byte(a + "\x00" + b) }

func queueKey(due time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(due.UnixNano()))
	return append(k, id...)
}

// loadCall reads a call.
func loadCall(tx *storage.Tx, id string) (Call, error) {
	var c Call
	err := tx.Records(callsBucket).Get([]byte(id), &c)
	return c, err
}

func putCall(tx *storage.Tx, c Call) error { return tx.Records(callsBucket).Put([]byte(c.ID), c) }

// AlertCalls returns the calls and messages of an alert, in the order
// they were queued.
func AlertCalls(tx *storage.Tx, alert string) ([]Call, error) {
	var out []Call
	err := tx.Records(byAlertBucket).Scan([]byte(alert+"\x00"), nil, func(k, _ []byte) error {
		c, err := loadCall(tx, string(k[len(alert)+1:]))
		var corrupt *storage.CorruptError
		if errors.Is(err, storage.ErrNotFound) || errors.As(err, &corrupt) {
			return nil // quarantined, or about to be: the rest are listed
		}
		if err != nil {
			return fmt.Errorf("call %s: %w", k[len(alert)+1:], err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// callsTo returns the calls and messages to an E.164 number that keep
// takes: a reply or a report that names only the number is matched
// among them.
func callsTo(tx *storage.Tx, number string, keep func(Call) bool) ([]Call, error) {
	var out []Call
	err := tx.Records(numbersBucket).Scan([]byte(number+"\x00"), nil, func(k, _ []byte) error {
		c, err := loadCall(tx, string(k[len(number)+1:]))
		if err == nil && keep(c) {
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// Usage is what one number got lately: the frequency limits count it.
type Usage struct {
	Times []time.Time `json:"times"` // placed, newest last, within a day
}

// count returns how many are within d before now.
func (u Usage) count(now time.Time, d time.Duration) int {
	n := 0
	for _, t := range u.Times {
		if now.Sub(t) < d {
			n++
		}
	}
	return n
}

// add records a placing at now, forgetting what is a day old.
func (u *Usage) add(now time.Time) {
	keep := u.Times[:0]
	for _, t := range u.Times {
		if now.Sub(t) < 24*time.Hour {
			keep = append(keep, t)
		}
	}
	u.Times = append(keep, now)
}
