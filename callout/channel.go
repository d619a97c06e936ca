package callout

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// Channels a recipient answers through (Recipient.AckedIn), besides the
// private chat ("") and the work group (ChannelGroup).
const (
	ChannelPhone = "phone" // the confirm key pressed during a call
	ChannelSMS   = "sms"   // the confirm code replied to a text message
)

// ChannelFunc performs a step whose action a feature owns (a call, a text
// message) for a recipient, in the step's transaction. esc.People names
// whom it reaches, resolved as for an escalation (the recipient themself
// for ToSelf); the function records what it did in esc.Results and may
// set esc.Reason when it reached nobody.
// due is when the step fell due, now when it runs.
type ChannelFunc func(tx *storage.Tx, a Alert, r Recipient, esc *Escalation, due, now time.Time) error

// AddChannel lets a feature perform the steps with this action (call,
// sms). Call before Run.
func (e *Engine) AddChannel(action string, fn ChannelFunc) {
	if e.channels == nil {
		e.channels = map[string]ChannelFunc{}
	}
	e.channels[action] = fn
}

// channelStep runs a step of a feature's action.
func (e *Engine) channelStep(tx *storage.Tx, a Alert, r *Recipient, s Step, esc *Escalation, due, now time.Time) error {
	fn, ok := e.channels[s.Action]
	if !ok {
		// A policy frozen into the alert names a channel this process does
		// not run (the provider was switched off since): say so.
		esc.Reason = ReasonNoChannel
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvEscalated, Alert: a.ID, Official: r.Official,
			Actor: "system", Detail: s.Action + ": " + esc.NoteText()})
	}
	target := config.PhoneStepTarget(s.To)
	if target == config.ToSelf {
		esc.People = []string{r.Official}
	} else {
		esc.People, esc.Reason, esc.Passed = e.chain(s.To, *r)
	}
	if len(esc.People) == 0 {
		return nil
	}
	if err := fn(tx, a, *r, esc, due, now); err != nil {
		return fmt.Errorf("%s step for %s: %w", s.Action, r.Official, err)
	}
	e.m.Escalations.WithLabelValues(s.Action).Inc()
	return nil
}

// OnCommitted adds fn to what runs after a transaction of the engine's
// (a step, an answer) committed: a feature's worker picks up what the
// transaction queued for it.
func (e *Engine) OnCommitted(fn func()) {
	e.committed = append(e.committed, fn)
}

// selfChannelStep returns the first step of a feature's channel that
// reaches the recipient themself: where a recipient the chat cannot reach
// goes at once.
func (e *Engine) selfChannelStep(a Alert) (int, bool) {
	for i, s := range a.Steps {
		if _, ok := e.channels[s.Action]; ok && config.PhoneStepTarget(s.To) == config.ToSelf {
			return i, true
		}
	}
	return 0, false
}

// SetStepResult records what became of step for one person it reached (a
// call picked up, a key pressed, a limit that held it back) on the records
// of the recipients the step was taken for, and refreshes the issuer's
// summary once: the board, the ledger and the API read it there.
func (e *Engine) SetStepResult(tx *storage.Tx, alertID string, recipients []string, step int, person, result string, now time.Time) error {
	changed := false
	for _, id := range recipients {
		r, err := LoadRecipient(tx, alertID, id)
		if err != nil {
			if err := ignoreMissing(err); err != nil {
				return err
			}
			continue
		}
		for i := len(r.Escalations) - 1; i >= 0; i-- {
			esc := &r.Escalations[i]
			if esc.Step != step || !slices.Contains(config.PhoneActions, esc.Action) {
				continue
			}
			if esc.Results[person] == result {
				break
			}
			if esc.Results == nil {
				esc.Results = map[string]string{}
			}
			esc.Results[person] = result
			if err := PutRecipient(tx, r); err != nil {
				return err
			}
			changed = true
			break
		}
	}
	if !changed {
		return nil
	}
	a, err := LoadAlert(tx, alertID)
	if err != nil {
		return ignoreMissing(err)
	}
	return e.refreshSummary(tx, a, now)
}

// AnswerIn settles a recipient's call from another channel (a key pressed
// on the phone, an SMS reply), in the caller's transaction, exactly as a
// press of the chat's button does: by the recipient themself it is their
// acknowledgement; by someone the step called about them (their unit
// head) it is taken over. It answers ErrAlready, ErrClosed, ErrUnknownAlert
// or ErrNotYours and changes nothing then. Call Committed after the
// transaction commits.
func (e *Engine) AnswerIn(tx *storage.Tx, alertID, recipient, by, channel string, at time.Time) error {
	a, r, err := e.load(tx, alertID, recipient)
	if err != nil {
		return err
	}
	if r.State == StateAcked {
		return ErrAlready
	}
	if a.State != AlertOpen {
		return ErrClosed
	}
	r.AckedIn = channel
	event := storage.EvAcked
	if by != recipient {
		event = storage.EvHandled
	}
	if err := e.settle(tx, a, &r, by, event, at); err != nil {
		return err
	}
	if event == storage.EvAcked {
		e.m.Acks.Inc()
		if !r.SentAt.IsZero() {
			e.m.AckLatency.Observe(at.Sub(r.SentAt).Seconds())
		}
	}
	return e.afterAnswer(tx, a, []string{recipient}, at)
}

// IsAnswerRefusal reports whether err is one of the answers AnswerIn gives
// when the call is already settled or not the person's: the report is
// recorded, nothing else changes.
func IsAnswerRefusal(err error) bool {
	return errors.Is(err, ErrAlready) || errors.Is(err, ErrClosed) || errors.Is(err, ErrNotYours)
}

// Phone tallies an alert's call and sms steps: what 叫应 by phone cost
// and how it went. A call to one person for one step counts once, however
// many silent recipients it was about.
type Phone struct {
	Calls    int // calls the provider placed
	Pressed  int // of those, confirmed with the key
	Answered int // picked up without confirming
	NoAnswer int // not picked up
	SMS      int // text messages sent
	// Held are the people a frequency limit kept a call or message from.
	Held []string
}

// Any reports whether the alert had call or sms steps that did anything.
func (p Phone) Any() bool { return p.Calls+p.SMS > 0 || len(p.Held) > 0 }

// PhoneTally counts the phone steps of an alert's recipients.
func PhoneTally(rs []Recipient) Phone {
	var p Phone
	seen := map[string]bool{}
	for _, r := range rs {
		for _, esc := range r.Escalations {
			if !slices.Contains(config.PhoneActions, esc.Action) {
				continue
			}
			for person, res := range esc.Results {
				k := fmt.Sprint(esc.Action, "/", esc.Step, "/", person)
				if seen[k] {
					continue
				}
				seen[k] = true
				if res == "held" {
					p.Held = append(p.Held, person)
					continue
				}
				if !placedResult(res) {
					continue
				}
				if esc.Action == config.ActionSMS {
					p.SMS++
					continue
				}
				p.Calls++
				switch res {
				case "pressed":
					p.Pressed++
				case "answered":
					p.Answered++
				case "no_answer":
					p.NoAnswer++
				}
			}
		}
	}
	slices.Sort(p.Held)
	p.Held = slices.Compact(p.Held)
	return p
}

// placedResult reports whether a step result means the provider took the
// call or message (it costs), as the phone channel words its results.
func placedResult(res string) bool {
	switch res {
	case "placed", "pressed", "answered", "no_answer", "delivered", "replied", "uncertain":
		return true
	}
	return false
}

// PhoneNamed says whom a call or sms step names for its reader (the board,
// the ledger): the people it reached (reached true), or, when it reached
// nobody, those it named without a number, else those it passed over.
// cause is the step's CauseFor its recipient.
func (e Escalation) PhoneNamed(cause string) (names []string, reached bool) {
	switch {
	case len(e.People) > 0 && cause != ReasonNoPhone:
		return e.People, true
	case len(e.People) > 0:
		return e.People, false
	}
	return e.Passed, false
}
