package callout

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// Button data formats; at most 64 bytes with ids of at most 24 bytes.
const (
	prefixAck    = "ack"
	prefixHandle = "hdl"
	prefixClose  = "cls"
)

// DataPrefixes are the prefixes of the call buttons' data, for routers
// that dispatch presses by prefix.
func DataPrefixes() []string { return []string{prefixAck + ":", prefixHandle + ":", prefixClose + ":"} }

// AckData is the data of a recipient's acknowledge button.
func AckData(alertID, official string) string { return prefixAck + ":" + alertID + ":" + official }

// HandleData is the data of an escalation target's "I will handle it" button.
func HandleData(alertID, target string) string { return prefixHandle + ":" + alertID + ":" + target }

// CloseData is the data of the issuer's close button.
func CloseData(alertID string) string { return prefixClose + ":" + alertID }

// Press is a parsed button press.
type Press struct {
	Action   string // ack, hdl, cls
	Alert    string
	Official string
}

// ParseData parses button data; ok is false for anything garbled.
func ParseData(data string) (Press, bool) {
	parts := strings.Split(data, ":")
	switch {
	case len(parts) == 3 && (parts[0] == prefixAck || parts[0] == prefixHandle) && parts[1] != "" && parts[2] != "":
		return Press{Action: parts[0], Alert: parts[1], Official: parts[2]}, true
	case len(parts) == 2 && parts[0] == prefixClose && parts[1] != "":
		return Press{Action: parts[0], Alert: parts[1]}, true
	}
	return Press{}, false
}

// Outcome tells the presser what their press did.
type Outcome struct {
	Alert   Alert
	At      time.Time
	Handled []string      // recipients an escalation target took over
	Latency time.Duration // from delivery to acknowledgement; -1 if never delivered
}

// Ack records that official acknowledged their own call of alertID.
func (e *Engine) Ack(presser, alertID, recipient string) (Outcome, error) {
	if presser != recipient {
		return Outcome{}, ErrNotYours
	}
	var out Outcome
	err := e.db.Batch(func(tx *storage.Tx) error {
		out = Outcome{}
		a, r, err := e.load(tx, alertID, recipient)
		if err != nil {
			return err
		}
		out.Alert = a
		if r.State == StateAcked {
			out.At = r.AckedAt
			return ErrAlready
		}
		if a.State != AlertOpen {
			return ErrClosed
		}
		now := e.clock.Now()
		out.At = now
		if err := e.settle(tx, a, &r, presser, storage.EvAcked, now); err != nil {
			return err
		}
		out.Latency = -1
		if !r.SentAt.IsZero() {
			out.Latency = now.Sub(r.SentAt)
		}
		return e.afterAnswer(tx, a, []string{recipient}, now)
	})
	if err == nil {
		e.m.Acks.Inc()
		if out.Latency >= 0 {
			e.m.AckLatency.Observe(out.Latency.Seconds())
		}
		e.wakeOut()
	}
	return out, err
}

func (e *Engine) load(tx *storage.Tx, alertID, recipient string) (Alert, Recipient, error) {
	a, err := LoadAlert(tx, alertID)
	if errors.Is(err, storage.ErrNotFound) {
		return a, Recipient{}, ErrUnknownAlert
	}
	if err != nil {
		return a, Recipient{}, err
	}
	r, err := LoadRecipient(tx, alertID, recipient)
	if errors.Is(err, storage.ErrNotFound) {
		return a, r, ErrNotYours
	}
	return a, r, err
}

// settle marks a recipient answered by actor, stops their chain and marks
// their messages.
func (e *Engine) settle(tx *storage.Tx, a Alert, r *Recipient, actor, event string, now time.Time) error {
	if err := e.unschedule(tx, r); err != nil {
		return err
	}
	r.State, r.AckedAt, r.AckedBy = StateAcked, now, actor
	if err := PutRecipient(tx, *r); err != nil {
		return err
	}
	ev := storage.Event{At: now, Type: event, Alert: a.ID, Official: r.Official, Actor: actor}
	if r.AckedIn == ChannelGroup {
		g, _ := e.cfg.Group(r.Group)
		ev.Detail, ev.Code, ev.Args = "channel: group "+r.Group, storage.CodeAckedGroup, []storage.Arg{storage.Text("Group", g.Name)}
	}
	if r.AckedIn == ChannelPhone || r.AckedIn == ChannelSMS {
		ev.Detail, ev.Code, ev.Args = "channel: "+r.AckedIn, storage.CodeAckedPhone, []storage.Arg{storage.Word("Channel", storage.VocabPhone, r.AckedIn)}
	}
	if event == storage.EvHandled {
		ev.Detail, ev.Code, ev.Args = "taken over by "+actor, storage.CodeHandled, []storage.Arg{storage.Officials("By", actor)}
		if r.AckedIn == ChannelPhone || r.AckedIn == ChannelSMS {
			ev.Detail += " (" + r.AckedIn + ")"
		}
	}
	if err := tx.AppendEvent(ev); err != nil {
		return err
	}
	if e.hooks.Acked != nil {
		if err := e.hooks.Acked(tx, a, *r); err != nil {
			return err
		}
	}
	return e.markMessages(tx, a, *r, r.Messages, now)
}

// markMessages edits a recipient's call messages to show how they ended and
// removes their buttons; each keeps its own heading (a reminder stays the
// second call).
func (e *Engine) markMessages(tx *storage.Tx, a Alert, r Recipient, msgs []MessageRef, now time.Time) error {
	lang := e.lang(tx, r.Official)
	result := e.resultLine(lang, a, r)
	for _, m := range msgs {
		kind := storage.RefCall
		if m.Kind == storage.RefRemind {
			kind = storage.RefRemind
		}
		text := e.callText(lang, a, r, kind, now) + "\n\n" + result
		_, err := tx.Enqueue(storage.Job{Key: fmt.Sprintf("edit:%d:%d", m.ChatID, m.MessageID), ChatID: m.ChatID,
			Op: storage.OpEdit, MessageID: m.MessageID, Text: text,
			Ref: storage.Ref{Kind: storage.RefUpdate, Alert: a.ID, Official: r.Official}, CreatedAt: now})
		if err != nil {
			return err
		}
	}
	return nil
}

// afterAnswer refreshes the notices naming the answered recipients and the
// summary, and completes the alert when everyone has answered.
func (e *Engine) afterAnswer(tx *storage.Tx, a Alert, answered []string, now time.Time) error {
	notices, err := Notices(tx, a.ID)
	if err != nil {
		return err
	}
	for _, n := range notices {
		if listsAny(n.Silent, answered) {
			if err := e.queueNotice(tx, a, n, true, now); err != nil {
				return err
			}
		}
	}
	a.Unanswered -= len(answered)
	if a.Unanswered <= 0 {
		a.Unanswered = 0
		a.State = AlertDone
		a.ClosedAt = now
		if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvCompleted, Alert: a.ID, Actor: "system"}); err != nil {
			return err
		}
	}
	if err := PutAlert(tx, a); err != nil {
		return err
	}
	if err := e.refreshGroupsOf(tx, a, answered, now); err != nil {
		return err
	}
	return e.refreshSummary(tx, a, now)
}

func listsAny(list, any []string) bool {
	for _, l := range list {
		for _, a := range any {
			if l == a {
				return true
			}
		}
	}
	return false
}

// Handle records that an escalation target takes over every recipient still
// silent on their notice: those calls are settled with acked_by = the
// target, and their chains stop.
func (e *Engine) Handle(presser, alertID, target string) (Outcome, error) {
	if presser != target {
		return Outcome{}, ErrNotYours
	}
	var out Outcome
	err := e.db.Update(func(tx *storage.Tx) error {
		out = Outcome{}
		a, err := LoadAlert(tx, alertID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrUnknownAlert
		}
		if err != nil {
			return err
		}
		out.Alert = a
		n, err := LoadNotice(tx, alertID, target)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNotYours
		}
		if err != nil {
			return err
		}
		if a.State != AlertOpen {
			return ErrClosed
		}
		now := e.clock.Now()
		for _, s := range n.Silent {
			r, err := LoadRecipient(tx, alertID, s)
			if err != nil {
				return err
			}
			if r.State == StateAcked {
				continue
			}
			if err := e.settle(tx, a, &r, presser, storage.EvHandled, now); err != nil {
				return err
			}
			out.Handled = append(out.Handled, s)
		}
		if len(out.Handled) == 0 {
			return ErrAlready
		}
		out.At = now
		n.Handled, n.HandledAt = true, now
		if err := PutNotice(tx, n); err != nil {
			return err
		}
		return e.afterAnswer(tx, a, out.Handled, now)
	})
	if err == nil {
		e.m.Acks.Add(float64(len(out.Handled)))
		e.wakeOut()
	}
	return out, err
}

// CanClose reports whether an official may close an alert: its issuer, an
// admin or a principal.
func (e *Engine) CanClose(official string, a Alert) bool {
	if official != "" && official == a.Issuer {
		return true
	}
	o, ok := e.cfg.Official(official)
	return ok && o.HasRole(config.RoleAdmin, config.RolePrincipal, config.RoleDutyLeader)
}

// Close ends an alert for an official allowed to (CanClose): nothing more
// is sent for it.
func (e *Engine) Close(official, alertID string) (Alert, error) {
	return e.close(official, alertID, false)
}

// CloseByAPI ends an alert on behalf of an authenticated API caller.
func (e *Engine) CloseByAPI(alertID string) (Alert, error) {
	return e.close("api", alertID, true)
}

func (e *Engine) close(actor, alertID string, api bool) (Alert, error) {
	var a Alert
	err := e.db.Update(func(tx *storage.Tx) error {
		var err error
		a, err = LoadAlert(tx, alertID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrUnknownAlert
		}
		if err != nil {
			return err
		}
		if !api && !e.CanClose(actor, a) {
			return ErrForbidden
		}
		a, err = e.CloseIn(tx, actor, alertID, e.clock.Now())
		return err
	})
	if err == nil {
		e.wakeOut()
	}
	return a, err
}

// CloseIn ends an open alert inside the caller's transaction, for services
// whose own state change settles it (a shift ended, a warning lifted); it
// does not check who may close. It returns ErrClosed for an alert already
// ended and ErrUnknownAlert for none. The caller must call Committed after
// the transaction commits.
func (e *Engine) CloseIn(tx *storage.Tx, actor, alertID string, now time.Time) (Alert, error) {
	a, err := LoadAlert(tx, alertID)
	if errors.Is(err, storage.ErrNotFound) {
		return a, ErrUnknownAlert
	}
	if err != nil {
		return a, err
	}
	if a.State != AlertOpen {
		return a, ErrClosed
	}
	a.State, a.ClosedAt, a.ClosedBy = AlertClosed, now, actor
	if err := PutAlert(tx, a); err != nil {
		return a, err
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvClosed, Alert: a.ID, Actor: actor}); err != nil {
		return a, err
	}
	rs, err := Recipients(tx, a.ID)
	if err != nil {
		return a, err
	}
	for _, r := range rs {
		if r.State == StateAcked {
			continue
		}
		if err := e.unschedule(tx, &r); err != nil {
			return a, err
		}
		if err := PutRecipient(tx, r); err != nil {
			return a, err
		}
		if err := e.markMessages(tx, a, r, r.Messages, now); err != nil {
			return a, err
		}
	}
	notices, err := Notices(tx, a.ID)
	if err != nil {
		return a, err
	}
	for _, n := range notices {
		if n.MessageID != 0 { // their buttons go: the alert has ended
			if err := e.queueNotice(tx, a, n, true, now); err != nil {
				return a, err
			}
		}
	}
	if err := e.refreshAllGroups(tx, a, now); err != nil {
		return a, err
	}
	return a, e.refreshSummary(tx, a, now)
}

// View is an alert with its recipients and notices, for display and the API.
type View struct {
	Alert      Alert
	Recipients []Recipient
}

// PaidSent counts the first calls delivered by paid broadcast: what the
// alert really cost, beside the estimate recorded in Alert.PaidCalls.
func (v View) PaidSent() int {
	n := 0
	for _, r := range v.Recipients {
		if r.Paid {
			n++
		}
	}
	return n
}

// Get loads an alert with its recipients.
func (e *Engine) Get(alertID string) (View, error) {
	var v View
	err := e.db.View(func(tx *storage.Tx) error {
		var err error
		v.Alert, err = LoadAlert(tx, alertID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrUnknownAlert
		}
		if err != nil {
			return err
		}
		if v.Alert.Targets, err = AlertTargets(tx, alertID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		v.Recipients, err = Recipients(tx, alertID)
		return err
	})
	return v, err
}

// Alert loads an alert's record without its recipients, for answers that
// need only its figures (what its paid calls were estimated to cost).
func (e *Engine) Alert(alertID string) (Alert, error) {
	var a Alert
	err := e.db.View(func(tx *storage.Tx) error {
		var err error
		a, err = LoadAlert(tx, alertID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrUnknownAlert
		}
		return err
	})
	return a, err
}

// Open lists open alerts visible to an official: all of them for duty
// leaders, leaders, principals and admins; otherwise those they were called
// for or issued.
func (e *Engine) Open(official string) ([]View, error) {
	o, _ := e.cfg.Official(official)
	all := o.HasRole(config.RoleAdmin, config.RoleDutyLeader, config.RoleLeader, config.RolePrincipal)
	var out []View
	err := e.db.View(func(tx *storage.Tx) error {
		alerts, err := OpenAlerts(tx)
		if err != nil {
			return err
		}
		for _, a := range alerts {
			if !all && a.Issuer != official {
				if _, err := LoadRecipient(tx, a.ID, official); err != nil {
					continue
				}
			}
			rs, err := Recipients(tx, a.ID)
			if err != nil {
				return err
			}
			out = append(out, View{Alert: a, Recipients: rs})
		}
		return nil
	})
	return out, err
}
