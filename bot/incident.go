package bot

import (
	"errors"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/callout"
	"dutybot/incident"
	"dutybot/storage"
)

// 事故直报's chat side: /incident (a guided report), /incident <id> (续报),
// /incident list, and the 已上报 buttons. The rules live in package
// incident; drafts and prompts are stored so a restart keeps them.

// Button data prefixes of the incident flows (the card's are
// incident.ReportUpPrefix and incident.UpdatePrefix).
const (
	incidentDraftPrefix = "ix:" // the guided report and 续报
	incidentToPrefix    = "it:" // it:<id>: reported to the default department
)

// How long an unfinished draft or 已上报 prompt is kept.
const (
	incidentDraftTTL  = 2 * time.Hour
	incidentPromptTTL = time.Hour
)

// onIncidentCommand handles /incident; false means not its command.
func (b *Bot) onIncidentCommand(c caller, cmd command, m *models.Message) bool {
	if cmd.name != "incident" {
		return false
	}
	if b.Incidents == nil {
		b.Log.Error("incident: the service is not wired into the bot")
		b.reply(c, b.t(c, "InternalError", nil))
		return true
	}
	if !c.private {
		b.reply(c, b.t(c, "IncidentPrivateOnly", nil))
		return true
	}
	sub, rest := cutWord(cmd.args)
	switch strings.ToLower(sub) {
	case "":
		b.startIncidentReport(c)
	case "cancel", "取消":
		if b.incidentCancel(c) {
			b.reply(c, b.t(c, "IncidentCancelled", nil))
		} else {
			b.reply(c, b.t(c, "NothingToCancel", nil))
		}
	case "list", "列表":
		b.onIncidentList(c)
	case "help", "帮助":
		b.reply(c, b.t(c, "IncidentUsage", nil))
	default:
		if rest != "" {
			b.reply(c, b.t(c, "IncidentUsage", nil))
			return true
		}
		b.startIncidentUpdate(c, strings.TrimPrefix(sub, "#"))
	}
	return true
}

// incidentPressed handles the incident buttons; ok false means not one of them.
func (b *Bot) incidentPressed(c caller, data string, msgID int) (toast string, alert, ok bool) {
	var handle func(caller, string, int) (string, bool)
	var arg string
	switch {
	case strings.HasPrefix(data, incidentDraftPrefix):
		handle, arg = b.onIncidentDraftButton, strings.TrimPrefix(data, incidentDraftPrefix)
	case strings.HasPrefix(data, incident.ReportUpPrefix):
		handle, arg = b.onReportUpButton, strings.TrimPrefix(data, incident.ReportUpPrefix)
	case strings.HasPrefix(data, incidentToPrefix):
		handle, arg = b.onReportToButton, strings.TrimPrefix(data, incidentToPrefix)
	case strings.HasPrefix(data, incident.UpdatePrefix):
		handle, arg = b.onUpdateButton, strings.TrimPrefix(data, incident.UpdatePrefix)
	default:
		return "", false, false
	}
	if b.Incidents == nil {
		b.Log.Error("incident: the service is not wired into the bot")
		return b.t(c, "InternalError", nil), true, true
	}
	toast, alert = handle(c, arg, msgID)
	return toast, alert, true
}

// incidentInput takes a message (text, photo) the incident flow waits for;
// false means it was not waiting.
func (b *Bot) incidentInput(c caller, m *models.Message) bool {
	if b.Incidents == nil {
		return false
	}
	var d storage.IncidentDraft
	var p storage.IncidentPrompt
	var hasDraft, hasPrompt bool
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		d, err = tx.IncidentDraft(c.chatID)
		if hasDraft = err == nil; err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		p, err = tx.IncidentPrompt(c.chatID)
		if hasPrompt = err == nil; err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		b.Log.Error("read incident draft", "err", err)
		return false
	}
	now := b.Engine.Now()
	if hasPrompt && now.Sub(p.At) > incidentPromptTTL {
		b.dropIncidentPrompt(c)
		hasPrompt = false
	}
	if hasDraft && now.Sub(d.At) > incidentDraftTTL {
		b.dropIncidentDraft(c) // abandoned: the message is not for it
		hasDraft = false
	}
	text := strings.TrimSpace(m.Text)
	switch {
	case hasPrompt && len(m.Photo) == 0 && text != "":
		b.dropIncidentPrompt(c)
		b.reportUp(c, p.Incident, text, 0)
		return true
	case hasDraft:
		if len(m.Photo) > 0 {
			b.onIncidentPhoto(c, d, largestPhoto(m.Photo))
			return true
		}
		b.onIncidentDraftText(c, d, text)
		return true
	case hasPrompt:
		b.reply(c, b.t(c, "IncidentAskTo", map[string]any{"ID": p.Incident, "Default": b.Incidents.ReportTo()}))
		return true
	}
	return false
}

// incidentCancel drops the caller's /incident draft and 已上报 prompt; it
// reports whether there was one. /cancel should call it too.
func (b *Bot) incidentCancel(c caller) bool {
	var had bool
	err := b.DB.Update(func(tx *storage.Tx) error {
		d, err := tx.DeleteIncidentDraft(c.chatID)
		if err != nil {
			return err
		}
		p, err := tx.DeleteIncidentPrompt(c.chatID)
		had = d || p
		return err
	})
	if err != nil {
		b.Log.Error("cancel incident draft", "err", err)
	}
	return had
}

func (b *Bot) dropIncidentPrompt(c caller) {
	if err := b.DB.Update(func(tx *storage.Tx) error {
		_, err := tx.DeleteIncidentPrompt(c.chatID)
		return err
	}); err != nil {
		b.Log.Error("drop incident prompt", "err", err)
	}
}

// onReportUpButton asks whom the incident was reported to; the answer
// (onReportToButton or text) records it.
func (b *Bot) onReportUpButton(c caller, id string, _ int) (string, bool) {
	if !b.Incidents.CanReportUp(c.official.ID) {
		return b.t(c, "IncidentUpForbidden", nil), true
	}
	v, err := b.Incidents.Get(id)
	switch {
	case errors.Is(err, incident.ErrUnknownIncident):
		return b.t(c, "ToastInvalid", nil), true
	case err != nil:
		b.Log.Error("load incident", "incident", id, "err", err)
		return b.t(c, "InternalError", nil), true
	}
	if !incident.Pending(v.Incident) {
		return b.t(c, "IncidentAlreadyUp", map[string]any{"ID": id,
			"Time": v.Incident.Up.At.In(b.Config.Location).Format("01-02 15:04"), "To": v.Incident.Up.To}), true
	}
	if err := b.DB.Update(func(tx *storage.Tx) error {
		return tx.PutIncidentPrompt(c.chatID, storage.IncidentPrompt{Incident: id, At: b.Engine.Now()})
	}); err != nil {
		b.Log.Error("store incident prompt", "err", err)
		return b.t(c, "InternalError", nil), true
	}
	key := "IncidentAskTo"
	if v.Incident.Up != nil {
		key = "IncidentAskSupplementTo"
	}
	b.reply2(c, b.t(c, key, map[string]any{"ID": id, "Default": b.Incidents.ReportTo()}),
		[][]storage.Button{{{Text: b.Incidents.ReportTo(), Data: incidentToPrefix + id}}})
	return b.t(c, "IncidentAskToToast", nil), false
}

// onReportToButton records the report to the default department.
func (b *Bot) onReportToButton(c caller, id string, msgID int) (string, bool) {
	b.dropIncidentPrompt(c)
	return b.reportUp(c, id, "", msgID), false
}

// reportUp records the upward report and answers with what was recorded:
// by editing the prompt (msgID) or with a new message.
func (b *Bot) reportUp(c caller, id, to string, msgID int) string {
	out, err := b.Incidents.ReportUp(id, c.official.ID, to, "chat")
	var text string
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		text = b.t(c, "IncidentNotRecorded", map[string]any{"Error": verr.Reason})
	case errors.Is(err, incident.ErrForbidden):
		text = b.t(c, "IncidentUpForbidden", nil)
	case errors.Is(err, incident.ErrUnknownIncident):
		text = b.t(c, "IncidentUnknown", map[string]any{"ID": id})
	case errors.Is(err, incident.ErrNothingToReport):
		text = b.t(c, "IncidentAlreadyUp", map[string]any{"ID": id,
			"Time": out.Incident.Up.At.In(b.Config.Location).Format("01-02 15:04"), "To": out.Incident.Up.To})
	case err != nil:
		b.Log.Error("record upward report", "incident", id, "err", err)
		text = b.t(c, "InternalError", nil)
	default:
		text = b.t(c, "IncidentUpRecorded", map[string]any{"ID": id,
			"Time": out.Report.At.In(b.Config.Location).Format("15:04"), "By": c.official.Name, "To": out.Report.To,
			"Late": out.Report.Late, "Over": int(out.Over.Round(time.Minute) / time.Minute), "Supplement": out.Supplement})
	}
	if msgID != 0 {
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	} else {
		b.reply(c, text)
	}
	return firstLine(text)
}

// onIncidentList lists the latest incidents with where their clocks stand.
func (b *Bot) onIncidentList(c caller) {
	list, err := b.Incidents.Recent(10)
	if err != nil {
		b.Log.Error("list incidents", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if len(list) == 0 {
		b.reply(c, b.t(c, "IncidentListEmpty", nil))
		return
	}
	lines := []string{b.t(c, "IncidentListHeader", nil)}
	for _, in := range list {
		status := "IncidentStatusDue"
		switch {
		case in.Up != nil && in.Up.Late:
			status = "IncidentStatusUpLate"
		case in.Up != nil:
			status = "IncidentStatusUp"
		case in.Late:
			status = "IncidentStatusLate"
		}
		lines = append(lines, b.t(c, "IncidentListLine", map[string]any{"ID": in.ID,
			"When": in.OccurredAt.In(b.Config.Location).Format("01-02 15:04"), "Place": in.Place,
			"Category": b.Incidents.CategoryName(c.lang, in.Category), "Level": b.Incidents.LevelName(c.lang, in.Level),
			"Status": b.t(c, status, map[string]any{"Due": in.ReportDue.In(b.Config.Location).Format("01-02 15:04")})}))
	}
	b.reply(c, strings.Join(lines, "\n"))
}
