package callout

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// deadlineKey names a recipient's pending step in the deadline index.
func deadlineKey(alertID, official string) string { return "r:" + alertID + "\x00" + official }

func parseDeadlineKey(k string) (alertID, official string, ok bool) {
	rest, ok := strings.CutPrefix(k, "r:")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, "\x00")
}

// schedule sets the recipient's next step (relative to anchor) and stores
// its deadline; past the last step nothing more is scheduled.
func (e *Engine) schedule(tx *storage.Tx, a Alert, r *Recipient, step int, anchor time.Time) error {
	if err := e.unschedule(tx, r); err != nil {
		return err
	}
	if step >= len(a.Steps) {
		r.NextStep = len(a.Steps)
		return nil
	}
	r.NextStep = step
	r.NextAt = anchor.Add(a.Steps[step].After)
	return tx.PutDeadline(storage.Deadline{At: r.NextAt, Key: deadlineKey(a.ID, r.Official), Payload: strconv.Itoa(step)})
}

func (e *Engine) unschedule(tx *storage.Tx, r *Recipient) error {
	if r.NextAt.IsZero() {
		return nil
	}
	err := tx.DeleteDeadline(storage.Deadline{At: r.NextAt, Key: deadlineKey(r.AlertID, r.Official)})
	r.NextAt = time.Time{}
	return err
}

// Prefetch implements outbox.Prefetcher: the recipients and alerts a
// group of calls delivered together will be recorded against.
func (e *Engine) Prefetch(tx *storage.Tx, jobs []storage.Job) error {
	var recips, alerts [][]byte
	seen := map[string]bool{}
	for _, j := range jobs {
		if j.Ref.Kind != storage.RefCall && j.Ref.Kind != storage.RefRemind {
			continue
		}
		recips = append(recips, pairKey(j.Ref.Alert, j.Ref.Official))
		if !seen[j.Ref.Alert] {
			seen[j.Ref.Alert] = true
			alerts = append(alerts, []byte(j.Ref.Alert))
		}
	}
	if err := tx.Records(recipientsBucket).Prefetch(recips); err != nil {
		return err
	}
	return tx.Records(alertsBucket).Prefetch(alerts)
}

// Delivered implements outbox.Hooks.
func (e *Engine) Delivered(tx *storage.Tx, j storage.Job, msgID int, at time.Time) error {
	ref := j.Ref
	switch ref.Kind {
	case storage.RefCall, storage.RefRemind:
		r, err := LoadRecipient(tx, ref.Alert, ref.Official)
		if err != nil {
			return ignoreMissing(err)
		}
		a, err := LoadAlert(tx, ref.Alert)
		if err != nil {
			return ignoreMissing(err)
		}
		if j.Op == storage.OpSend {
			r.Messages = append(r.Messages, MessageRef{ChatID: j.ChatID, MessageID: msgID, Kind: ref.Kind})
		}
		if r.State == StateUnreachable && a.State == AlertOpen {
			// Reached after all (bound or unblocked since): still silent.
			r.State = StateEscalated
		}
		if ref.Kind == storage.RefCall && j.Paid && j.Op == storage.OpSend {
			// The dispatcher clears Paid on a call it sent at the free pace.
			r.Paid = true
		}
		if ref.Kind == storage.RefCall && r.SentAt.IsZero() {
			r.SentAt = at
			if r.State == StatePending && a.State == AlertOpen {
				if err := e.schedule(tx, a, &r, 0, at); err != nil {
					return err
				}
			}
		}
		if err := PutRecipient(tx, r); err != nil {
			return err
		}
		if j.Op == storage.OpSend {
			if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvDelivered, Alert: ref.Alert,
				Official: ref.Official, Actor: "system", Detail: ref.Kind}); err != nil {
				return err
			}
		}
		if r.State == StateAcked || a.State != AlertOpen {
			// Answered or closed while the message was on its way: mark it.
			return e.markMessages(tx, a, r, []MessageRef{{ChatID: j.ChatID, MessageID: msgID, Kind: ref.Kind}}, at)
		}
		return nil
	case storage.RefNotice:
		return e.noticeDelivered(tx, j, msgID, at)
	case storage.RefGroup:
		return e.groupDelivered(tx, j, msgID, at)
	case storage.RefView:
		v, err := tx.View(ref.Target, ref.Official)
		if err != nil {
			return ignoreMissing(err)
		}
		if j.Op == storage.OpSend {
			v.ChatID, v.MessageID = j.ChatID, msgID
			return tx.PutView(v)
		}
		return nil
	case storage.RefSummary:
		a, err := LoadAlert(tx, ref.Alert)
		if err != nil {
			return ignoreMissing(err)
		}
		if a.SummaryMsg == 0 {
			a.SummaryMsg = msgID
			return PutAlert(tx, a)
		}
	}
	return nil
}

func ignoreMissing(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// Failed implements outbox.Hooks: a call that cannot be delivered makes the
// recipient unreachable, which escalates at once.
func (e *Engine) Failed(tx *storage.Tx, j storage.Job, reason string, unreachable bool, at time.Time) error {
	if h := e.hooks.Undelivered; h != nil {
		if err := h(tx, j, reason, unreachable, at); err != nil {
			return err
		}
	}
	if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvFailed, Alert: j.Ref.Alert,
		Official: j.Ref.Official, Actor: "system", Detail: j.Ref.Kind + ": " + reason}); err != nil {
		return err
	}
	if unreachable {
		if off, err := tx.OfficialByChat(j.ChatID); err == nil {
			if b, err := tx.Binding(off); err == nil && !b.Unreachable {
				b.Unreachable, b.UnreachableAt = true, at
				if err := tx.PutBinding(b); err != nil {
					return err
				}
			}
		}
	}
	if j.Ref.Kind == storage.RefNotice {
		return e.noticeFailed(tx, j, unreachable, at)
	}
	if j.Ref.Kind == storage.RefGroup {
		return e.groupFailed(tx, j, reason, at)
	}
	if j.Ref.Kind != storage.RefCall && j.Ref.Kind != storage.RefRemind {
		return nil
	}
	a, r, err := jobCall(tx, j)
	if err != nil {
		return ignoreMissing(err)
	}
	if a.State != AlertOpen || r.State == StateAcked || r.State == StateUnreachable {
		return nil
	}
	if j.Ref.Kind == storage.RefRemind && !r.SentAt.IsZero() {
		// The first call got through; the chain goes on as scheduled.
		return nil
	}
	if err := e.unreachable(tx, &a, &r, reason, at); err != nil {
		return err
	}
	if err := PutRecipient(tx, r); err != nil {
		return err
	}
	return e.refreshSummary(tx, a, at)
}

// Moved implements outbox.Mover: the hooks follow a chat that moved to
// another id.
func (e *Engine) Moved(tx *storage.Tx, j storage.Job, to int64, at time.Time) error {
	if h := e.hooks.Moved; h != nil {
		return h(tx, j, to, at)
	}
	return nil
}

// unreachable marks a recipient that cannot be reached, tells the admins
// and runs the first escalation step now; later steps keep their spacing.
func (e *Engine) unreachable(tx *storage.Tx, a *Alert, r *Recipient, reason string, now time.Time) error {
	r.State = StateUnreachable
	r.Unreachable = reason
	if err := PutRecipient(tx, *r); err != nil { // notices read it
		return err
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvUnreachable, Alert: a.ID,
		Official: r.Official, Actor: "system", Detail: reason}); err != nil {
		return err
	}
	// Where a call or SMS reaches them at once, the admins hear that,
	// not that the chain went up.
	told := "AdminUnreachable"
	if i, ok := e.selfChannelStep(*a); ok {
		told = "AdminUnreachablePhone_" + a.Steps[i].Action
	}
	for _, admin := range e.cfg.OfficialsWithRole(config.RoleAdmin) {
		if admin.ID == r.Official {
			continue
		}
		err := e.tell(tx, admin.ID, "", storage.Ref{Kind: storage.RefInfo, Alert: a.ID, Official: admin.ID, Topic: TopicAdmin}, now,
			func(lang string) (string, [][]storage.Button) {
				return e.tr.T(lang, told, map[string]any{
					"Name": e.cfg.OfficialName(r.Official), "Unit": e.cfg.UnitNameOf(r.Official), "Alert": a.ID,
					"Title": a.TitleIn(lang), "Reason": e.unreachableWords(lang, reason)}), nil
			})
		if err != nil {
			return err
		}
	}
	if i, ok := e.selfChannelStep(*a); ok {
		// The phone reaches where the chat does not: call (or text) them
		// now, as if the clock had reached that step; later steps keep
		// their spacing.
		return e.runStep(tx, *a, r, i, now.Add(-a.Steps[i].After), now)
	}
	for i, s := range a.Steps {
		if s.Action == config.ActionEscalate {
			// Behave as if the clock had reached step i now.
			return e.runStep(tx, *a, r, i, now.Add(-s.After), now)
		}
	}
	return nil
}

// unreachableWords says why a recipient cannot be reached in lang: the
// engine's own reasons in words, the Bot API's answer as it came.
func (e *Engine) unreachableWords(lang, reason string) string {
	switch cause, after := UnreachableCause(reason); cause {
	case CauseUnbound:
		return e.tr.T(lang, "UnreachableUnbound", nil)
	case CauseBlocked:
		return e.tr.T(lang, "UnreachableBlocked", nil)
	case CauseStalled:
		return e.tr.T(lang, "UnreachableStalled", map[string]any{"Minutes": max(int(after/time.Minute), 1)})
	}
	return reason
}

// Fire implements scheduler.FireFunc for recipients' escalation steps.
func (e *Engine) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	touched := map[string]Alert{}
	for _, d := range due {
		alertID, official, ok := parseDeadlineKey(d.Key)
		if !ok {
			continue
		}
		step, err := strconv.Atoi(d.Payload)
		if err != nil {
			continue
		}
		a, ok := touched[alertID]
		if !ok {
			if a, err = LoadAlert(tx, alertID); err != nil {
				if errors.Is(err, storage.ErrNotFound) {
					continue
				}
				return err
			}
		}
		r, err := LoadRecipient(tx, alertID, official)
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			return err
		}
		if a.State != AlertOpen || r.State == StateAcked || r.NextStep != step || !r.NextAt.Equal(d.At) {
			continue // stale
		}
		r.NextAt = time.Time{} // the deadline is already removed
		anchor := r.SentAt
		if anchor.IsZero() {
			anchor = d.At.Add(-a.Steps[step].After)
		}
		if err := e.runStep(tx, a, &r, step, anchor, now); err != nil {
			return err
		}
		if err := PutRecipient(tx, r); err != nil {
			return err
		}
		touched[alertID] = a
	}
	for _, a := range touched {
		if err := e.refreshSummary(tx, a, now); err != nil {
			return err
		}
	}
	return nil
}

// Committed implements outbox.Hooks: deliveries schedule deadlines and
// failures queue escalations.
func (e *Engine) Committed() { e.wake() }

// runStep performs step i for a recipient and schedules the next one
// relative to anchor (the time the alert reached them).
func (e *Engine) runStep(tx *storage.Tx, a Alert, r *Recipient, i int, anchor, now time.Time) error {
	s := a.Steps[i]
	esc := Escalation{Step: i, Action: s.Action, To: s.To, Role: s.Role, At: now}
	switch s.Action {
	case config.ActionRemind:
		b, err := tx.Binding(r.Official)
		detail := ""
		switch {
		case err == nil && !b.Unreachable:
			if err := e.queueCall(tx, a, *r, b, storage.RefRemind, now); err != nil {
				return err
			}
		case r.Group != "":
			// Not to be reached privately: named in the group instead.
			if err := e.remindInGroup(tx, a, r.Group, now); err != nil {
				return err
			}
			detail = "group " + r.Group
		default:
			esc.Reason = ReasonUnreachable
			detail = esc.NoteText()
		}
		ev := storage.Event{At: now, Type: storage.EvReminded, Alert: a.ID, Official: r.Official, Actor: "system",
			Detail: detail, Code: storage.CodeReminded}
		if esc.Reason != "" {
			ev.Args = []storage.Arg{storage.Word("Reason", storage.VocabReason, esc.Reason)}
		}
		if err := tx.AppendEvent(ev); err != nil {
			return err
		}
		e.m.Escalations.WithLabelValues("remind").Inc()
	case config.ActionEscalate:
		esc.People, esc.Reason, esc.Passed = e.chain(s.To, *r)
		for _, p := range esc.People {
			if err := e.addToNotice(tx, a, p, r.Official, now); err != nil {
				return err
			}
		}
		if r.State == StatePending {
			r.State = StateEscalated
		}
		detail := s.To + ": " + strings.Join(esc.People, ",")
		if esc.Reason != "" {
			detail = s.To + ": " + esc.NoteText()
		}
		args := []storage.Arg{storage.Word("To", storage.VocabRole, esc.Role), storage.Officials("People", esc.People...)}
		if esc.Role == "" && !strings.HasPrefix(s.To, ToOfficials) {
			args[0] = storage.Word("To", storage.VocabRole, s.To)
		}
		if esc.Reason != "" {
			args = append(args, storage.Word("Reason", storage.VocabReason, esc.Reason), storage.Officials("Passed", esc.Passed...))
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvEscalated, Alert: a.ID,
			Official: r.Official, Actor: "system", Detail: detail, Code: storage.CodeEscalated, Args: args}); err != nil {
			return err
		}
		e.m.Escalations.WithLabelValues("escalate").Inc()
	default:
		if err := e.channelStep(tx, a, r, s, &esc, anchor.Add(s.After), now); err != nil {
			return err
		}
	}
	r.Escalations = append(r.Escalations, esc)
	if e.hooks.Stepped != nil {
		if err := e.hooks.Stepped(tx, a, *r, esc); err != nil {
			return err
		}
	}
	return e.schedule(tx, a, r, i+1, anchor)
}

// ToOfficials prefixes a step target naming officials directly, as in
// "official:o-li,o-wu"; services resolve shift_leader and the like into it.
const ToOfficials = "official:"

// chain resolves an escalation target for a recipient, leaving out the
// recipient themself and, for the chain's ranks (unit_head, leader,
// principal), anyone not above them: a 分管领导's silence goes to the
// principal, never down to a unit head. When it finds nobody it says why
// (Reason…) and whom the target named but it left out.
func (e *Engine) chain(to string, r Recipient) (people []string, reason string, passed []string) {
	recipient := r.Official
	// A recipient a directory reload removed escalates through the unit
	// they were in (as this process remembers, else as the recipient
	// record keeps it, across a restart), to its head as it is now.
	o, ok := e.cfg.KnownOfficial(recipient)
	if !ok {
		o = config.Official{ID: recipient, Unit: r.Unit}
	}
	u, _ := e.cfg.Unit(o.Unit)
	var ids []string
	if list, ok := strings.CutPrefix(to, ToOfficials); ok {
		// Named people, resolved when the alert was raised (a shift's 带班领导).
		ids = strings.Split(list, ",")
	}
	switch to {
	case config.ToUnitHead:
		ids = []string{u.Head}
	case config.ToLeader:
		ids = []string{u.Leader}
	case config.ToPrincipal:
		for _, p := range e.cfg.OfficialsWithRole(config.RolePrincipal) {
			ids = append(ids, p.ID)
		}
	case config.ToDutyLeader:
		for _, p := range e.cfg.OfficialsWithRole(config.RoleDutyLeader) {
			ids = append(ids, p.ID)
		}
	}
	ranked := to == config.ToUnitHead || to == config.ToLeader || to == config.ToPrincipal
	rank := e.cfg.Rank(recipient)
	self := false
	for _, id := range ids {
		switch {
		case id == "":
		case id == recipient:
			self = true
		case ranked && e.cfg.Rank(id) <= rank:
			passed = append(passed, id)
		default:
			people = append(people, id)
		}
	}
	switch {
	case len(people) > 0:
		return people, "", nil
	case self:
		return nil, ReasonSelf, []string{recipient}
	case len(passed) > 0:
		return nil, ReasonNotHigher, passed
	}
	return nil, ReasonNoTarget, nil
}

// addToNotice lists a silent recipient on a person's escalation notice and
// queues it: the person's one notice for the alert, edited while it is
// recent, a fresh message (their phone rings) when it is not.
func (e *Engine) addToNotice(tx *storage.Tx, a Alert, target, silent string, now time.Time) error {
	n, err := LoadNotice(tx, a.ID, target)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	n.AlertID, n.Target = a.ID, target
	for _, s := range n.Silent {
		if s == silent {
			return nil
		}
	}
	n.Silent = append(n.Silent, silent)
	n.Handled = false
	if err := PutNotice(tx, n); err != nil {
		return err
	}
	return e.queueNotice(tx, a, n, false, now)
}

// queueNotice queues the notice's latest content: as its one message while
// none was delivered yet, else as an edit of the message delivered. An
// addition (edit=false) to a message delivered long ago rings a fresh one
// instead (noticeStale).
func (e *Engine) queueNotice(tx *storage.Tx, a Alert, n Notice, edit bool, now time.Time) error {
	b, err := tx.Binding(n.Target)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && b.Unreachable) {
		return nil
	}
	if err != nil {
		return err
	}
	if !edit && n.MessageID != 0 && e.noticeStale(a, n, now) {
		if n, err = e.replaceNotice(tx, a, n, now); err != nil {
			return err
		}
	}
	j := storage.Job{ChatID: b.ChatID, Op: storage.OpSend, Lazy: true,
		Ref: storage.Ref{Kind: storage.RefNotice, Alert: a.ID, Official: n.Target, Target: n.Target}, CreatedAt: now,
		Priority: priority(a.Level)}
	detail := "notice"
	if n.MessageID != 0 {
		j.Op, j.MessageID, j.ChatID = storage.OpEdit, n.MessageID, n.ChatID
		j.Key = fmt.Sprintf("edit:%d:%d", n.ChatID, n.MessageID)
		detail = "notice edit"
	} else {
		// Not delivered yet: a send still waiting takes the new content.
		j.Key = noticeKey(a.ID, n.Target, n.Messages)
		// Rendered now for the record; rendered again when sent.
		if j.Text, j.Buttons, err = e.noticeText(tx, e.lang(tx, n.Target), a, n); err != nil {
			return err
		}
	}
	if !edit {
		if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvSent, Alert: a.ID,
			Official: n.Target, Actor: "system", Detail: detail}); err != nil {
			return err
		}
	}
	_, err = tx.Enqueue(j)
	return err
}
