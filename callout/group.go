package callout

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"dutybot/storage"
)

// A 叫应 in a work group (Targets.Groups): the group's expected officials
// are recipients like any other (channel group), their escalation policy
// runs as for a private call, but instead of a private call each, ONE
// message is posted in the group (GroupCall) with one button that
// every one of them presses. The message is edited in place as they
// answer, at most once per Delivery.GroupEditInterval: presses in between
// are shown together by the next edit, owed through a durable deadline.

// Errors of a press on a group's message.
var (
	// ErrNotExpected is a press by an official the alert does not call in
	// that group.
	ErrNotExpected = errors.New("not expected to answer in this group")
	// ErrWrongPlace is a press whose button does not belong to the
	// message it is on (forged, or replayed from another group or alert).
	ErrWrongPlace = errors.New("button does not belong to this message")
)

// prefixGroupAck starts the data of a group message's button.
const prefixGroupAck = "gak"

// GroupAckData is the data of the one button of an alert's group message.
func GroupAckData(alertID, group string) string { return prefixGroupAck + ":" + alertID + ":" + group }

// GroupAckPrefix is the prefix of GroupAckData, for routers.
func GroupAckPrefix() string { return prefixGroupAck + ":" }

// ParseGroupAck parses GroupAckData.
func ParseGroupAck(data string) (alertID, group string, ok bool) {
	parts := strings.Split(data, ":")
	if len(parts) != 3 || parts[0] != prefixGroupAck || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// groupDeadlineKey names a group message's owed edit in the deadline index.
func groupDeadlineKey(alertID, group string) string {
	return GroupDeadlinePrefix + alertID + "\x00" + group
}

// GroupDeadlinePrefix starts the keys of owed group edits (FireGroups).
const GroupDeadlinePrefix = "g:"

// checkGroups refuses groups the bot cannot post in.
func (e *Engine) checkGroups(tx *storage.Tx, groups []string) error {
	for _, g := range groups {
		gc, err := tx.GroupChatOf(g)
		if errors.Is(err, storage.ErrNotFound) {
			return &ValidationError{fmt.Sprintf("targets.groups: group %q is not bound to a chat (/bindgroup %s)", g, g)}
		}
		if err != nil {
			return err
		}
		if !gc.CanPost {
			return &ValidationError{fmt.Sprintf("targets.groups: the bot cannot post in the chat of group %q", g)}
		}
	}
	return nil
}

// postGroup queues the alert's message in a group's current chat.
func (e *Engine) postGroup(tx *storage.Tx, a Alert, gc GroupCall, now time.Time) error {
	chat, err := tx.GroupChatOf(gc.Group)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !chat.CanPost) {
		return nil // unbound or shut out since: nowhere to post
	}
	if err != nil {
		return err
	}
	gc.ChatID, gc.MessageID, gc.Owed = 0, 0, false
	gc.Posts++
	gc.EditAt = now
	if err := putGroupCall(tx, gc); err != nil {
		return err
	}
	_, err = tx.Enqueue(storage.Job{Key: fmt.Sprintf("gcall:%s:%s:%d", a.ID, gc.Group, gc.Posts), ChatID: chat.ChatID,
		Op: storage.OpSend, Lazy: true, Ref: storage.Ref{Kind: storage.RefGroup, Alert: a.ID, Target: gc.Group},
		CreatedAt: now, Priority: priority(a.Level), StallAfter: stallAfter(a)})
	if err != nil {
		return err
	}
	return tx.AppendEvent(storage.Event{At: now, Type: storage.EvSent, Alert: a.ID, Actor: "system",
		Detail: "group " + gc.Group})
}

// refreshGroup shows the current state on a group's message: at once when
// the last edit is older than the interval, else by one edit owed for
// then. A message not delivered yet is rendered when it is sent; one in a
// chat the group has left (a supergroup now) is posted anew.
func (e *Engine) refreshGroup(tx *storage.Tx, a Alert, group string, now time.Time) error {
	gc, err := loadGroupCall(tx, a.ID, group)
	if err != nil {
		return ignoreMissing(err)
	}
	if gc.Owed {
		return nil
	}
	if gc.MessageID == 0 {
		// The post is on its way, maybe rendered already: it owes an edit
		// once delivered.
		gc.Owed = true
		return putGroupCall(tx, gc)
	}
	if moved, err := e.groupMoved(tx, gc); err != nil || moved {
		if err != nil {
			return err
		}
		return e.postGroup(tx, a, gc, now)
	}
	interval := e.cfg.Delivery.GroupEditInterval.D()
	if next := gc.EditAt.Add(interval); now.Before(next) {
		gc.Owed = true
		if err := putGroupCall(tx, gc); err != nil {
			return err
		}
		return tx.PutDeadline(storage.Deadline{At: next, Key: groupDeadlineKey(a.ID, group)})
	}
	return e.editGroup(tx, a, gc, now)
}

// editGroup queues the edit of the live message, rendered when sent.
func (e *Engine) editGroup(tx *storage.Tx, a Alert, gc GroupCall, now time.Time) error {
	gc.EditAt, gc.Owed = now, false
	if err := putGroupCall(tx, gc); err != nil {
		return err
	}
	_, err := tx.Enqueue(storage.Job{Key: fmt.Sprintf("edit:%d:%d", gc.ChatID, gc.MessageID), ChatID: gc.ChatID,
		Op: storage.OpEdit, MessageID: gc.MessageID, Lazy: true,
		Ref: storage.Ref{Kind: storage.RefGroup, Alert: a.ID, Target: gc.Group}, CreatedAt: now,
		Priority: priority(a.Level)})
	return err
}

// groupMoved reports whether the live message's chat is no longer the
// group's chat (it became a supergroup).
func (e *Engine) groupMoved(tx *storage.Tx, gc GroupCall) (bool, error) {
	cur, err := tx.GroupChatOf(gc.Group)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return cur.ChatID != gc.ChatID, nil
}

// FireGroups implements scheduler.FireFunc for owed group edits.
func (e *Engine) FireGroups(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		rest, ok := strings.CutPrefix(d.Key, GroupDeadlinePrefix)
		if !ok {
			continue
		}
		alertID, group, ok := strings.Cut(rest, "\x00")
		if !ok {
			continue
		}
		gc, err := loadGroupCall(tx, alertID, group)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !gc.Owed || gc.MessageID == 0 {
			continue
		}
		a, err := LoadAlert(tx, alertID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		gc.Owed = false
		if moved, err := e.groupMoved(tx, gc); err != nil {
			return err
		} else if moved {
			if err := e.postGroup(tx, a, gc, now); err != nil {
				return err
			}
			continue
		}
		if err := e.editGroup(tx, a, gc, now); err != nil {
			return err
		}
	}
	return nil
}

// refreshGroupsOf refreshes the group messages of the given recipients.
func (e *Engine) refreshGroupsOf(tx *storage.Tx, a Alert, officials []string, now time.Time) error {
	done := map[string]bool{}
	for _, o := range officials {
		r, err := LoadRecipient(tx, a.ID, o)
		if err != nil {
			return ignoreMissing(err)
		}
		if r.Group == "" || done[r.Group] {
			continue
		}
		done[r.Group] = true
		if err := e.refreshGroup(tx, a, r.Group, now); err != nil {
			return err
		}
	}
	return nil
}

// refreshAllGroups refreshes every group message of an alert (it ended).
func (e *Engine) refreshAllGroups(tx *storage.Tx, a Alert, now time.Time) error {
	gcs, err := GroupCalls(tx, a.ID)
	if err != nil {
		return err
	}
	for _, gc := range gcs {
		if err := e.refreshGroup(tx, a, gc.Group, now); err != nil {
			return err
		}
	}
	return nil
}

// groupDelivered records the group message delivered: its first delivery
// starts the clock of every recipient called there.
func (e *Engine) groupDelivered(tx *storage.Tx, j storage.Job, msgID int, at time.Time) error {
	if j.Op != storage.OpSend {
		return nil
	}
	a, gc, ok, err := jobGroupCall(tx, j)
	if !ok {
		return err
	}
	gc.ChatID, gc.MessageID = j.ChatID, msgID
	gc.Messages = append(gc.Messages, MessageRef{ChatID: j.ChatID, MessageID: msgID, Kind: storage.RefGroup})
	gc.EditAt = at
	owed := gc.Owed
	gc.Owed = false
	first := gc.SentAt.IsZero()
	if first {
		gc.SentAt = at
	}
	if err := putGroupCall(tx, gc); err != nil {
		return err
	}
	if first {
		rs, err := Recipients(tx, a.ID)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Group != gc.Group || !r.SentAt.IsZero() {
				continue
			}
			r.SentAt = at
			if r.State == StateUnreachable && a.State == AlertOpen {
				// Reached after all (the post stalled): still silent.
				r.State = StateEscalated
			}
			if r.State == StatePending && a.State == AlertOpen {
				if err := e.schedule(tx, a, &r, 0, at); err != nil {
					return err
				}
			}
			if err := PutRecipient(tx, r); err != nil {
				return err
			}
			if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvDelivered, Alert: a.ID,
				Official: r.Official, Actor: "system", Detail: "group " + gc.Group}); err != nil {
				return err
			}
		}
	}
	if owed || a.State != AlertOpen {
		// Answered or ended while the message was on its way: show it.
		return e.refreshGroup(tx, a, gc.Group, at)
	}
	return nil
}

// groupFailed handles a group message Telegram refused for good. An edit
// refused (the message is in a chat the group has left, or was deleted)
// posts the message anew; a post refused makes the recipients still
// waiting for it unreachable, which escalates them at once.
func (e *Engine) groupFailed(tx *storage.Tx, j storage.Job, reason string, at time.Time) error {
	a, gc, ok, err := jobGroupCall(tx, j)
	if !ok {
		return err
	}
	if j.Op == storage.OpEdit {
		if gc.MessageID != j.MessageID || gc.ChatID != j.ChatID {
			return nil // an older message
		}
		return e.postGroup(tx, a, gc, at)
	}
	return e.groupUnreached(tx, a, gc, reason, at)
}

// groupUnreached makes the recipients a group's first post never reached
// unreachable, which escalates them at once.
func (e *Engine) groupUnreached(tx *storage.Tx, a Alert, gc GroupCall, reason string, at time.Time) error {
	if !gc.SentAt.IsZero() || a.State != AlertOpen {
		return nil // posted before; the recipients' clocks run
	}
	rs, err := Recipients(tx, a.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Group != gc.Group || r.State != StatePending {
			continue
		}
		if err := e.unreachable(tx, &a, &r, reason, at); err != nil {
			return err
		}
		if err := PutRecipient(tx, r); err != nil {
			return err
		}
	}
	return e.refreshSummary(tx, a, at)
}

// groupStalled is Stalled for a group's first post: Telegram has not
// taken it for the first step's after, so its recipients escalate now.
func (e *Engine) groupStalled(tx *storage.Tx, j storage.Job, since, at time.Time) error {
	if j.Op != storage.OpSend {
		return nil
	}
	a, gc, ok, err := jobGroupCall(tx, j)
	if !ok {
		return err
	}
	return e.groupUnreached(tx, a, gc, UnreachableStalled(at.Sub(since).Round(time.Second)), at)
}

// GroupAck records a press on an alert's message in a work group by
// presser, an official bound to the bot: chat and msg are where the button
// was pressed. Only a button on a message posted for that alert in that
// group counts (a press on the message before the group became a
// supergroup does), and only by an official the alert calls there.
func (e *Engine) GroupAck(presser, alertID, group string, chat int64, msg int) (Outcome, error) {
	var out Outcome
	err := e.db.Batch(func(tx *storage.Tx) error {
		out = Outcome{}
		a, err := LoadAlert(tx, alertID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrUnknownAlert
		}
		if err != nil {
			return err
		}
		out.Alert = a
		gc, err := loadGroupCall(tx, alertID, group)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrWrongPlace
		}
		if err != nil {
			return err
		}
		if !gc.Posted(chat, msg) {
			return ErrWrongPlace
		}
		r, err := LoadRecipient(tx, alertID, presser)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && r.Group != group) {
			return ErrNotExpected
		}
		if err != nil {
			return err
		}
		if r.State == StateAcked {
			out.At = r.AckedAt
			return ErrAlready
		}
		if a.State != AlertOpen {
			return ErrClosed
		}
		now := e.clock.Now()
		out.At = now
		r.AckedIn = ChannelGroup
		if err := e.settle(tx, a, &r, presser, storage.EvAcked, now); err != nil {
			return err
		}
		out.Latency = -1
		if !r.SentAt.IsZero() {
			out.Latency = now.Sub(r.SentAt)
		}
		return e.afterAnswer(tx, a, []string{presser}, now)
	})
	if err == nil {
		e.m.Acks.Inc()
		if out.Latency >= 0 {
			e.m.AckLatency.Observe(out.Latency.Seconds())
		}
		e.wake()
	}
	return out, err
}

// maxGroupNames bounds the names a group message lists, so that it stays
// readable on a phone.
const maxGroupNames = 12

// groupNames joins display names, cut after maxGroupNames.
func (e *Engine) groupNames(lang string, ids []string) string {
	return e.namesUpTo(lang, ids, maxGroupNames)
}

// groupText renders an alert's message in a group: the call, who is asked,
// and who answered so far or how it ended.
func (e *Engine) groupText(tx *storage.Tx, a Alert, gc GroupCall, now time.Time) (string, [][]storage.Button, error) {
	lang := e.cfg.Language
	rs, err := Recipients(tx, a.ID)
	if err != nil {
		return "", nil, err
	}
	var all, silent []string
	acked := 0
	for _, r := range e.groupOrder(rs, gc.Group) {
		all = append(all, r.Official)
		if r.State == StateAcked {
			acked++
		} else {
			silent = append(silent, r.Official)
		}
	}
	var sb strings.Builder
	sb.WriteString(e.tr.T(lang, "CallHeader", map[string]any{"Level": e.LevelLabel(lang, a.Level), "ID": a.ID}))
	sb.WriteString("\n" + e.tr.T(lang, "CallTitle", map[string]any{"Title": a.TitleIn(lang)}))
	if body := a.BodyIn(lang); body != "" {
		sb.WriteString("\n" + body)
	}
	if a.Issuer != "" {
		sb.WriteString("\n" + e.tr.T(lang, "CallIssuer", map[string]any{"Name": e.cfg.OfficialName(a.Issuer), "Unit": e.cfg.UnitNameOf(a.Issuer)}))
	}
	anchor := gc.SentAt
	if anchor.IsZero() {
		anchor = now
	}
	if len(a.Steps) > 0 && a.State == AlertOpen {
		sb.WriteString("\n" + e.tr.T(lang, "GroupCallDeadline", map[string]any{"Time": e.cfg.DeadlineTime(anchor.Add(a.Steps[0].After))}))
	}
	sb.WriteString("\n" + e.tr.T(lang, "GroupCallAsk", map[string]any{"Names": e.groupNames(lang, all)}))
	counts := map[string]any{"Acked": acked, "Total": len(all), "Names": e.groupNames(lang, silent)}
	switch {
	case len(silent) == 0:
		at := a.ClosedAt
		if at.IsZero() {
			at = now
		}
		counts["Time"] = e.hhmm(at)
		sb.WriteString("\n\n" + e.tr.T(lang, "GroupCallAllAcked", counts))
		return sb.String(), nil, nil
	case a.State != AlertOpen:
		counts["Time"] = e.hhmm(a.ClosedAt)
		sb.WriteString("\n\n" + e.tr.T(lang, "GroupCallEnded", counts))
		return sb.String(), nil, nil
	}
	sb.WriteString("\n\n" + e.tr.T(lang, "GroupCallLive", counts))
	return sb.String(), [][]storage.Button{{{Text: e.tr.T(lang, "GroupCallButton", nil), Data: GroupAckData(a.ID, gc.Group)}}}, nil
}

// renderGroup renders a queued group message from the state now; an edit
// of a message that is no longer the live one is dropped.
func (e *Engine) renderGroup(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
	a, gc, ok, err := jobGroupCall(tx, j)
	if !ok {
		return "", nil, false, err
	}
	if j.Op == storage.OpEdit && (j.MessageID != gc.MessageID || j.ChatID != gc.ChatID) {
		return "", nil, false, nil
	}
	text, buttons, err := e.groupText(tx, a, gc, e.clock.Now())
	return text, buttons, err == nil, err
}

// remindInGroup queues a reminder in the group naming its silent
// recipients who cannot be reminded privately (not bound, or blocked the
// bot); those reminded at the same time share one message.
func (e *Engine) remindInGroup(tx *storage.Tx, a Alert, group string, now time.Time) error {
	chat, err := tx.GroupChatOf(group)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !chat.CanPost) {
		return nil
	}
	if err != nil {
		return err
	}
	j := storage.Job{Key: "gremind:" + a.ID + ":" + group, ChatID: chat.ChatID, Op: storage.OpSend, Lazy: true,
		Ref: storage.Ref{Kind: storage.RefGroupRemind, Alert: a.ID, Target: group}, CreatedAt: now, Priority: priority(a.Level)}
	if gc, err := loadGroupCall(tx, a.ID, group); err == nil && gc.ChatID == chat.ChatID {
		j.ReplyTo = gc.MessageID // under the alert's message
	}
	_, err = tx.Enqueue(j)
	return err
}

// renderGroupRemind renders a group reminder from the state now: nothing
// when those it names have answered meanwhile.
func (e *Engine) renderGroupRemind(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
	a, err := LoadAlert(tx, j.Ref.Alert)
	if err != nil {
		return "", nil, false, ignoreMissing(err)
	}
	if a.State != AlertOpen {
		return "", nil, false, nil
	}
	rs, err := Recipients(tx, a.ID)
	if err != nil {
		return "", nil, false, err
	}
	var names []string
	for _, r := range e.groupOrder(rs, j.Ref.Target) {
		if r.State == StateAcked || len(r.Escalations) == 0 {
			continue
		}
		if b, err := tx.Binding(r.Official); err == nil && !b.Unreachable {
			continue // reminded privately
		}
		names = append(names, r.Official)
	}
	if len(names) == 0 {
		return "", nil, false, nil
	}
	lang := e.cfg.Language
	return e.tr.T(lang, "GroupCallRemind", map[string]any{"ID": a.ID, "Title": a.TitleIn(lang), "Names": e.groupNames(lang, names)}), nil, true, nil
}

// groupOrder returns the recipients called in group in the order the
// configuration lists the group's members (those it no longer lists last).
func (e *Engine) groupOrder(rs []Recipient, group string) []Recipient {
	in := map[string]Recipient{}
	for _, r := range rs {
		if r.Group == group {
			in[r.Official] = r
		}
	}
	out := make([]Recipient, 0, len(in))
	for _, o := range e.cfg.GroupMembers(group) {
		if r, ok := in[o.ID]; ok {
			out = append(out, r)
			delete(in, o.ID)
		}
	}
	for _, r := range rs {
		if _, ok := in[r.Official]; ok {
			out = append(out, r)
		}
	}
	return out
}

// jobGroupCall loads the alert and the group call a group job is for; ok
// is false when either is gone (the job then has nothing to do) or on a
// read error, returned.
func jobGroupCall(tx *storage.Tx, j storage.Job) (Alert, GroupCall, bool, error) {
	a, err := LoadAlert(tx, j.Ref.Alert)
	if err != nil {
		return a, GroupCall{}, false, ignoreMissing(err)
	}
	gc, err := loadGroupCall(tx, j.Ref.Alert, j.Ref.Target)
	if err != nil {
		return a, gc, false, ignoreMissing(err)
	}
	return a, gc, true, nil
}
