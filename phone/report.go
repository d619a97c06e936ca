package phone

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"dutybot/callout"
	"dutybot/storage"
)

// Report applies what a provider reports of a call or text message: a key
// pressed during the call answers like the chat's button, by the person
// called (taking over for the recipients the call is about, when that is
// someone else); "picked up but pressed nothing" and "did not pick up"
// are recorded and shown. A report for a call dutybot did not place, or
// that names another alert or number, is refused with ErrUnknownCall and
// changes nothing; one repeated changes nothing more.
func (s *Service) Report(ctx context.Context, rep Report) error {
	if !slices.Contains([]string{ResultPressed, ResultAnswered, ResultNoAnswer, ResultFailed, ResultDelivered, ResultReply}, rep.Result) {
		s.m.Refused.WithLabelValues("bad_result").Inc()
		return fmt.Errorf("%w: unknown result %q", ErrBadReport, rep.Result)
	}
	if rep.At.IsZero() {
		rep.At = s.clock.Now()
	}
	changed := false
	err := s.db.Batch(func(tx *storage.Tx) error {
		changed = false
		c, err := s.find(tx, rep)
		if err != nil {
			return err
		}
		changed, err = s.apply(tx, &c, rep)
		return err
	})
	if err != nil {
		reason := "error"
		switch {
		case errors.Is(err, ErrUnknownCall):
			reason = "unknown_call"
		case errors.Is(err, ErrBadReport):
			reason = "bad_report"
		}
		s.m.Refused.WithLabelValues(reason).Inc()
		return err
	}
	if changed {
		s.engine.Committed()
	}
	return nil
}

// find returns the call a report is about: by dutybot's id when the
// provider echoes it, else by the provider's id, else (an SMS reply) by
// the number and the confirm code in the text. A call a crash left
// uncertain is found by its number: its provider id was never recorded.
func (s *Service) find(tx *storage.Tx, rep Report) (Call, error) {
	var c Call
	var err error
	switch {
	case rep.Result == ResultReply:
		return s.findReply(tx, rep)
	case rep.CallID != "":
		c, err = loadCall(tx, rep.CallID)
	case rep.ProviderID != "":
		id := tx.Records(refsBucket).GetRaw(pair(rep.Provider, rep.ProviderID))
		if id == nil {
			return s.adopt(tx, rep)
		}
		c, err = loadCall(tx, string(id))
	default:
		return c, fmt.Errorf("%w: it names no call", ErrBadReport)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return c, fmt.Errorf("%w: %q", ErrUnknownCall, cmp.Or(rep.CallID, rep.ProviderID))
	}
	if err != nil {
		return c, err
	}
	switch {
	case c.Provider != "" && c.Provider != rep.Provider:
		return c, fmt.Errorf("%w: %s placed it, not %s", ErrUnknownCall, c.Provider, rep.Provider)
	case rep.Alert != "" && rep.Alert != c.Alert:
		return c, fmt.Errorf("%w: it belongs to another alert", ErrUnknownCall)
	case !sameNumber(rep.Number, c.Number):
		return c, fmt.Errorf("%w: it was placed to another number", ErrUnknownCall)
	case c.PlacedAt.IsZero() && c.State != StateUncertain:
		return c, fmt.Errorf("%w: it was not placed", ErrUnknownCall)
	}
	return c, nil
}

// adopt finds the uncertain call a provider's id belongs to: the one
// placed to the reported number whose request a crash cut short.
func (s *Service) adopt(tx *storage.Tx, rep Report) (Call, error) {
	number, ok := E164(rep.Number)
	if !ok {
		return Call{}, fmt.Errorf("%w: %q", ErrUnknownCall, rep.ProviderID)
	}
	found, err := callsTo(tx, number, func(c Call) bool {
		return c.State == StateUncertain && c.Provider == "" && c.Kind == KindCall
	})
	if err != nil {
		return Call{}, err
	}
	if len(found) != 1 {
		return Call{}, fmt.Errorf("%w: %q", ErrUnknownCall, rep.ProviderID)
	}
	c := found[0]
	c.Provider, c.ProviderID, c.PlacedAt = rep.Provider, rep.ProviderID, rep.At
	if err := tx.Records(refsBucket).PutRaw(pair(c.Provider, c.ProviderID), []byte(c.ID)); err != nil {
		return c, err
	}
	s.log.Info("phone: a report names a call whose request a stop cut short; it is that call", "call", c.ID)
	return c, putCall(tx, c)
}

// findReply finds the text message an SMS reply answers: one sent to the
// number whose confirm code the reply holds, or, when only one message to
// the number awaits an answer, a reply of the bare confirm key.
func (s *Service) findReply(tx *storage.Tx, rep Report) (Call, error) {
	number, ok := E164(rep.Number)
	if !ok {
		return Call{}, fmt.Errorf("%w: a reply from %q", ErrUnknownCall, rep.Number)
	}
	open, err := callsTo(tx, number, func(c Call) bool {
		return c.Kind == KindSMS && (c.State == StatePlaced || c.State == StateDelivered || c.State == StateUncertain)
	})
	if err != nil {
		return Call{}, err
	}
	text := strings.TrimSpace(rep.Text)
	for _, c := range open {
		if strings.Contains(text, c.Code) {
			return c, nil
		}
	}
	if len(open) == 1 && text == s.cfg.Phone.ConfirmKey {
		return open[0], nil
	}
	return Call{}, fmt.Errorf("%w: a reply from %s matches no message awaiting one", ErrUnknownCall, number)
}

// apply moves a call by a report; changed is false when it changed
// nothing (a report repeated, or one that comes after the call ended).
func (s *Service) apply(tx *storage.Tx, c *Call, rep Report) (changed bool, err error) {
	state := ""
	switch rep.Result {
	case ResultPressed:
		c.Key = rep.Key
		if rep.Key == s.cfg.Phone.ConfirmKey && c.Kind == KindCall && c.State != StatePressed {
			state = StatePressed
		} else if c.State == StatePlaced || c.State == StateUncertain {
			state = StateAnswered // another key: picked up, not confirmed
		}
	case ResultReply:
		if c.State != StateReplied {
			state = StateReplied
		}
	case ResultAnswered:
		if c.State == StatePlaced || c.State == StateUncertain {
			state = StateAnswered
		}
	case ResultNoAnswer, ResultFailed:
		if c.State == StatePlaced || c.State == StateUncertain {
			state = rep.Result
		}
	case ResultDelivered:
		if c.Kind == KindSMS && (c.State == StatePlaced || c.State == StateUncertain) {
			state = StateDelivered
		}
	}
	if state == "" {
		return false, putCall(tx, *c) // a key noted, or nothing at all
	}
	c.ResultAt = rep.At
	args := []storage.Arg{storage.Word("Kind", storage.VocabPhone, c.Kind), storage.Word("Result", storage.VocabPhone, state),
		storage.Officials("People", c.Official)}
	if rep.Key != "" {
		args = append(args, storage.Text("Key", rep.Key))
	}
	if err := tx.AppendEvent(storage.Event{At: rep.At, Type: storage.EvDelivered, Alert: c.Alert, Official: c.Official,
		Actor: "system", Detail: c.Kind + " " + state, Code: storage.CodePhoneResult, Args: args}); err != nil {
		return false, err
	}
	if err := s.setResult(tx, c, state, rep.At); err != nil {
		return false, err
	}
	if state != StatePressed && state != StateReplied {
		return true, nil
	}
	channel := callout.ChannelPhone
	if c.Kind == KindSMS {
		channel = callout.ChannelSMS
	}
	for _, r := range c.About {
		err := s.engine.AnswerIn(tx, c.Alert, r, c.Official, channel, rep.At)
		switch {
		case err == nil:
		case callout.IsAnswerRefusal(err), errors.Is(err, callout.ErrUnknownAlert):
			// Answered in the chat already, or the alert is over: the
			// press is recorded, nothing else changes.
		default:
			return false, err
		}
	}
	return true, nil
}
