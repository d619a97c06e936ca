package callout

import (
	"fmt"
	"strings"
	"time"

	"dutybot/storage"
)

// maxNames bounds the names listed in one message so it stays far below
// Telegram's 4096-character limit.
const maxNames = 40

func (e *Engine) hhmm(t time.Time) string { return t.In(e.loc).Format("15:04") }

// LevelLabel renders a level with its colour marker, e.g. "🔴 红色".
func (e *Engine) LevelLabel(lang, level string) string {
	return e.tr.T(lang, "Level_"+level, nil)
}

// callText renders the call (or a reminder) to a recipient.
func (e *Engine) callText(lang string, a Alert, r Recipient, kind string, now time.Time) string {
	var sb strings.Builder
	id := "CallHeader"
	if kind == storage.RefRemind {
		id = "RemindHeader"
	}
	sb.WriteString(e.tr.T(lang, id, map[string]any{"Level": e.LevelLabel(lang, a.Level), "ID": a.ID}))
	sb.WriteString("\n")
	sb.WriteString(e.tr.T(lang, "CallTitle", map[string]any{"Title": a.TitleIn(lang)}))
	if body := a.BodyIn(lang); body != "" {
		sb.WriteString("\n" + body)
	}
	if a.Issuer != "" {
		sb.WriteString("\n" + e.tr.T(lang, "CallIssuer", map[string]any{"Name": e.cfg.OfficialName(a.Issuer), "Unit": e.cfg.UnitNameOf(a.Issuer)}))
	}
	anchor := r.SentAt
	if anchor.IsZero() {
		anchor = now
	}
	if len(a.Steps) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "CallDeadline", map[string]any{"Time": e.cfg.DeadlineTime(anchor.Add(a.Steps[0].After)),
			"Minutes": minutes(a.Steps[0].After)}))
	}
	return sb.String()
}

func minutes(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%d", int(d.Minutes()))
}

// resultLine tells how a call ended.
func (e *Engine) resultLine(lang string, a Alert, r Recipient) string {
	switch {
	case r.State == StateAcked && r.AckedBy == r.Official && r.AckedIn == ChannelPhone:
		return e.tr.T(lang, "ResultAckedPhone", map[string]any{"Time": e.hhmm(r.AckedAt)})
	case r.State == StateAcked && r.AckedBy == r.Official && r.AckedIn == ChannelSMS:
		return e.tr.T(lang, "ResultAckedSMS", map[string]any{"Time": e.hhmm(r.AckedAt)})
	case r.State == StateAcked && r.AckedBy == r.Official:
		return e.tr.T(lang, "ResultAcked", map[string]any{"Time": e.hhmm(r.AckedAt)})
	case r.State == StateAcked:
		return e.tr.T(lang, "ResultHandled", map[string]any{"Time": e.hhmm(r.AckedAt), "Name": e.cfg.OfficialName(r.AckedBy)})
	default:
		return e.tr.T(lang, "ResultClosed", map[string]any{"Time": e.hhmm(a.ClosedAt)})
	}
}

// names joins display names, cut after maxNames.
func (e *Engine) names(lang string, ids []string) string { return e.namesUpTo(lang, ids, maxNames) }

// namesUpTo joins display names, the rest past limit counted ("等 N 人").
func (e *Engine) namesUpTo(lang string, ids []string, limit int) string {
	var parts []string
	for i, id := range ids {
		if i == limit {
			parts = append(parts, e.tr.T(lang, "AndMore", map[string]any{"Count": len(ids) - limit}))
			break
		}
		parts = append(parts, e.cfg.OfficialName(id))
	}
	return strings.Join(parts, "、")
}

// noticeText renders an escalation notice for its target.
func (e *Engine) noticeText(tx *storage.Tx, lang string, a Alert, n Notice) (string, [][]storage.Button, error) {
	var silent, answered, takenOver []string
	var lines []string
	for _, s := range n.Silent {
		r, err := LoadRecipient(tx, a.ID, s)
		if err != nil {
			return "", nil, err
		}
		if r.State == StateAcked {
			if r.AckedBy == n.Target {
				takenOver = append(takenOver, s)
			} else {
				answered = append(answered, s)
			}
			continue
		}
		silent = append(silent, s)
		if len(lines) < maxNames {
			since := r.SentAt
			if since.IsZero() {
				since = r.QueuedAt
			}
			why := ""
			if r.State == StateUnreachable {
				why = e.tr.T(lang, "NoticeUnreachable", nil)
			}
			lines = append(lines, e.tr.T(lang, "NoticeLine", map[string]any{"Name": e.cfg.OfficialName(s), "Unit": e.cfg.UnitNameOf(s),
				"Since": e.hhmm(since), "Why": why}))
		}
	}
	var sb strings.Builder
	sb.WriteString(e.tr.T(lang, "NoticeHeader", map[string]any{"Level": e.LevelLabel(lang, a.Level), "ID": a.ID}))
	sb.WriteString("\n" + e.tr.T(lang, "CallTitle", map[string]any{"Title": a.TitleIn(lang)}))
	if len(takenOver) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "NoticeTakenOver", map[string]any{"Names": e.names(lang, takenOver),
			"Time": e.hhmm(n.HandledAt)}))
	}
	if a.State != AlertOpen {
		if len(answered) > 0 {
			sb.WriteString("\n" + e.tr.T(lang, "NoticeAnswered", map[string]any{"Names": e.names(lang, answered)}))
		}
		sb.WriteString("\n" + e.tr.T(lang, "NoticeAlertEnded", nil))
		return sb.String(), nil, nil
	}
	if len(silent) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "NoticeSilent", map[string]any{"Count": len(silent)}))
		for _, l := range lines {
			sb.WriteString("\n• " + l)
		}
		if len(silent) > maxNames {
			sb.WriteString("\n" + e.tr.T(lang, "AndMore", map[string]any{"Count": len(silent) - maxNames}))
		}
	}
	if len(answered) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "NoticeAnswered", map[string]any{"Names": e.names(lang, answered)}))
	}
	if len(silent) == 0 {
		return sb.String(), nil, nil
	}
	sb.WriteString("\n" + e.tr.T(lang, "NoticeAsk", nil))
	return sb.String(), [][]storage.Button{{{Text: e.tr.T(lang, "ButtonHandle", nil), Data: HandleData(a.ID, n.Target)}}}, nil
}

// refreshSummary queues the issuer's live summary: the first time as a
// message, afterwards as an edit of it.
func (e *Engine) refreshSummary(tx *storage.Tx, a Alert, now time.Time) error {
	if a.SummaryChat == 0 {
		return nil
	}
	cur, err := LoadAlert(tx, a.ID) // the stored copy knows the summary message id
	if err != nil {
		return err
	}
	j := storage.Job{Key: "summary:" + a.ID, ChatID: a.SummaryChat, Op: storage.OpSend, Lazy: true,
		Ref: storage.Ref{Kind: storage.RefSummary, Alert: a.ID, Official: a.Issuer}, CreatedAt: now}
	if cur.SummaryMsg != 0 {
		j.Op, j.MessageID = storage.OpEdit, cur.SummaryMsg
		j.Key = fmt.Sprintf("edit:%d:%d", a.SummaryChat, cur.SummaryMsg)
	}
	_, err = tx.Enqueue(j)
	return err
}

// Render implements outbox.Renderer: summaries and escalation notices are
// rendered from the state at the moment they are sent.
func (e *Engine) Render(tx *storage.Tx, j storage.Job) (string, [][]storage.Button, bool, error) {
	switch j.Ref.Kind {
	case storage.RefSummary:
		a, err := LoadAlert(tx, j.Ref.Alert)
		if err != nil {
			return "", nil, false, ignoreMissing(err)
		}
		rs, err := Recipients(tx, a.ID)
		if err != nil {
			return "", nil, false, err
		}
		text, buttons := e.SummaryText(e.lang(tx, a.Issuer), a, rs)
		return text, buttons, true, nil
	case storage.RefNotice:
		a, err := LoadAlert(tx, j.Ref.Alert)
		if err != nil {
			return "", nil, false, ignoreMissing(err)
		}
		n, err := LoadNotice(tx, j.Ref.Alert, j.Ref.Target)
		if err != nil {
			return "", nil, false, ignoreMissing(err)
		}
		if j.Op == storage.OpEdit && (j.MessageID != n.MessageID || j.ChatID != n.ChatID) {
			return "", nil, false, nil // not the live notice message any more
		}
		text, buttons, err := e.noticeText(tx, e.lang(tx, n.Target), a, n)
		return text, buttons, err == nil, err
	case storage.RefGroup:
		return e.renderGroup(tx, j)
	case storage.RefGroupRemind:
		return e.renderGroupRemind(tx, j)
	}
	return j.Text, j.Buttons, true, nil
}

// SummaryText renders the live summary of an alert: answered N/M, who is
// silent, who cannot be reached, escalations.
func (e *Engine) SummaryText(lang string, a Alert, rs []Recipient) (string, [][]storage.Button) {
	var acked, silent, unreachable, escalated []string
	for _, r := range rs {
		switch r.State {
		case StateAcked:
			acked = append(acked, r.Official)
		case StateUnreachable:
			unreachable = append(unreachable, r.Official)
		case StateEscalated:
			escalated = append(escalated, r.Official)
		default:
			silent = append(silent, r.Official)
		}
	}
	var sb strings.Builder
	sb.WriteString(e.tr.T(lang, "SummaryHeader", map[string]any{"Level": e.LevelLabel(lang, a.Level), "ID": a.ID, "Title": a.TitleIn(lang)}))
	sb.WriteString("\n" + e.tr.T(lang, "SummaryAnswered", map[string]any{"Acked": len(acked), "Total": len(rs)}))
	if len(silent) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "SummarySilent", map[string]any{"Names": e.names(lang, silent)}))
	}
	if len(escalated) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "SummaryEscalated", map[string]any{"Names": e.names(lang, escalated)}))
	}
	if len(unreachable) > 0 {
		sb.WriteString("\n" + e.tr.T(lang, "SummaryUnreachable", map[string]any{"Names": e.names(lang, unreachable)}))
	}
	if p := PhoneTally(rs); p.Any() {
		sb.WriteString("\n" + e.tr.T(lang, "SummaryPhone", map[string]any{"Calls": p.Calls, "Pressed": p.Pressed,
			"Answered": p.Answered, "NoAnswer": p.NoAnswer, "SMS": p.SMS}))
		if len(p.Held) > 0 {
			sb.WriteString("\n" + e.tr.T(lang, "SummaryPhoneHeld", map[string]any{"Names": e.names(lang, p.Held)}))
		}
	}
	switch a.State {
	case AlertDone:
		sb.WriteString("\n" + e.tr.T(lang, "SummaryDone", map[string]any{"Time": e.hhmm(a.ClosedAt)}))
		return sb.String(), nil
	case AlertClosed:
		sb.WriteString("\n" + e.tr.T(lang, "SummaryClosed", map[string]any{"Time": e.hhmm(a.ClosedAt), "Name": e.actorName(a.ClosedBy)}))
		return sb.String(), nil
	}
	return sb.String(), [][]storage.Button{{{Text: e.tr.T(lang, "ButtonClose", nil), Data: CloseData(a.ID)}}}
}

func (e *Engine) actorName(actor string) string {
	if actor == "api" {
		return "API"
	}
	return e.cfg.OfficialName(actor)
}
