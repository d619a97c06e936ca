package bot

import (
	"context"
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

// Flows of the incident feature.
const (
	flowIncident   = "incident"    // the guided report and 续报
	flowIncidentUp = "incident.up" // whom the 已上报 went to
)

// upPrompt is a 已上报 press waiting for whom the report went to.
type upPrompt struct {
	Incident string `json:"incident"`
}

// incidentFeature is /incident with its flows and buttons.
func (b *Bot) incidentFeature() feature {
	press := func(handle func(caller, string, int) (string, bool), prefix string) func(caller, string, int) (string, bool) {
		return func(c caller, data string, msgID int) (string, bool) {
			if b.Incidents == nil {
				b.Log.Error("incident: the service is not wired into the bot")
				return b.t(c, "InternalError", nil), true
			}
			return handle(c, strings.TrimPrefix(data, prefix), msgID)
		}
	}
	return feature{name: "incident",
		commands: []commandRoute{{name: "incident", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) {
			b.onIncidentCommand(c, cmd)
		}}},
		callbacks: []callbackRoute{
			{prefix: incidentDraftPrefix, handle: press(b.onIncidentDraftButton, incidentDraftPrefix)},
			{prefix: incident.ReportUpPrefix, handle: press(b.onReportUpButton, incident.ReportUpPrefix)},
			{prefix: incidentToPrefix, handle: press(b.onReportToButton, incidentToPrefix)},
			{prefix: incident.UpdatePrefix, handle: press(b.onUpdateButton, incident.UpdatePrefix)},
		},
		flows: []flow{
			{name: flowIncident, label: "FlowIncident", again: "FlowIncidentAgain", ttl: incidentDraftTTL,
				input: func(c caller, cv storage.Conversation, m *models.Message) {
					d, ok := decodeFlow[incidentDraft](b, c, cv)
					switch {
					case !ok:
					case len(m.Photo) > 0:
						b.onIncidentPhoto(c, d, largestPhoto(m.Photo))
					default:
						b.onIncidentDraftText(c, d, strings.TrimSpace(m.Text))
					}
				}},
			{name: flowIncidentUp, label: "FlowIncidentUp", ttl: incidentPromptTTL,
				input: func(c caller, cv storage.Conversation, m *models.Message) {
					p, ok := decodeFlow[upPrompt](b, c, cv)
					text := strings.TrimSpace(m.Text)
					switch {
					case !ok:
					case len(m.Photo) == 0 && text != "":
						b.endFlow(c, flowIncidentUp)
						b.reportUp(c, p.Incident, text, 0)
					default:
						b.reply(c, b.t(c, "IncidentAskTo", map[string]any{"ID": p.Incident, "Default": b.Incidents.ReportTo()}))
					}
				}},
		},
	}
}

// onIncidentCommand handles /incident and its subcommands.
func (b *Bot) onIncidentCommand(c caller, cmd command) {
	if b.Incidents == nil {
		b.Log.Error("incident: the service is not wired into the bot")
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if !c.private {
		b.reply(c, b.t(c, "IncidentPrivateOnly", nil))
		return
	}
	sub, rest := cutWord(cmd.args)
	switch strings.ToLower(sub) {
	case "":
		b.startIncidentReport(c)
	case "cancel", "取消":
		b.onCancel(c)
	case "list", "列表":
		b.onIncidentList(c)
	case "help", "帮助":
		b.reply(c, b.t(c, "IncidentUsage", nil))
	default:
		if rest != "" {
			b.reply(c, b.t(c, "IncidentUsage", nil))
			return
		}
		b.startIncidentUpdate(c, strings.TrimPrefix(sub, "#"))
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
	if !b.startFlow(c, flowIncidentUp, upPrompt{Incident: id}) {
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
	b.endFlow(c, flowIncidentUp)
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
