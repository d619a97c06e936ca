package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/quota"
	"dutybot/storage"
)

// /check's chat side: an official records an inspection of an enterprise
// of the registry step by step (check_flow.go), the hazards found included;
// the rules live in package inspection, the hazards' in package hazard.

// checkPrefix starts the data of the /check flow's buttons.
const checkPrefix = "ck:"

// flowCheck is the guided inspection.
const flowCheck = "check"

// checkTTL is how long an untouched inspection waits: one is written on
// site, between rooms and with photos, often with a weak signal.
const checkTTL = 2 * time.Hour

// checkShown is how many enterprises are offered as buttons at once.
const checkShown = 8

// errCheckGone is Done's error when the chat's flow ended before the
// inspection was stored (a press replayed, the flow cancelled meanwhile).
var errCheckGone = errors.New("the inspection's flow has ended")

// checkFeature is /check with its flow and buttons.
func (b *Bot) checkFeature() feature {
	return feature{name: "check",
		commands: []commandRoute{{name: "check", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) {
			b.onCheckCommand(c, cmd)
		}}},
		callbacks: []callbackRoute{{prefix: checkPrefix, handle: func(c caller, data string, msgID int) (string, bool) {
			if b.Inspections == nil {
				return b.t(c, "InternalError", nil), true
			}
			return b.onCheckButton(c, strings.TrimPrefix(data, checkPrefix), msgID)
		}}},
		flows: []flow{{name: flowCheck, label: "FlowCheck", again: "FlowCheckAgain", ttl: checkTTL,
			input: func(c caller, cv storage.Conversation, m *models.Message) {
				if d, ok := decodeFlow[checkDraft](b, c, cv); ok {
					b.onCheckInput(c, d, m)
				}
			}}},
	}
}

// onCheckCommand handles /check, /check <name> (search at once) and
// /check cancel.
func (b *Bot) onCheckCommand(c caller, cmd command) {
	if b.Inspections == nil {
		b.Log.Error("check: the inspection service is not wired into the bot")
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if !c.private {
		b.reply(c, b.t(c, "CheckPrivateOnly", nil))
		return
	}
	args := strings.TrimSpace(cmd.args)
	switch strings.ToLower(args) {
	case "cancel", "取消":
		b.onCancel(c)
		return
	}
	d := checkDraft{Step: stepEnterprise}
	if !b.startFlow(c, flowCheck, d) {
		return
	}
	if args != "" {
		b.checkSearch(c, args)
		return
	}
	mine, err := b.Inspections.Mine(c.official.ID)
	if err != nil {
		b.Log.Error("check: the caller's enterprises", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	shown := mine[:min(len(mine), checkShown)]
	b.reply2(c, b.t(c, "CheckStart", map[string]any{"Mine": len(mine), "Shown": len(shown)}), b.enterpriseButtons(c, shown))
}

// enterpriseButtons offers enterprises to pick, one a row, and cancel.
func (b *Bot) enterpriseButtons(c caller, list []enterprise.Enterprise) [][]storage.Button {
	var rows [][]storage.Button
	for _, e := range list {
		rows = append(rows, []storage.Button{{Text: e.Name, Data: checkPrefix + "e:" + e.Code}})
	}
	return append(rows, b.checkCancelRow(c))
}

func (b *Bot) checkCancelRow(c caller) []storage.Button {
	return []storage.Button{{Text: b.t(c, "ButtonCancel", nil), Data: checkPrefix + "cancel"}}
}

// checkSearch answers typed words with the enterprises they find.
func (b *Bot) checkSearch(c caller, query string) {
	found, total, err := b.Inspections.Search(c.official.ID, query, checkShown)
	if err != nil {
		b.Log.Error("check: search the registry", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if total == 0 {
		b.reply2(c, b.t(c, "CheckSearchNone", map[string]any{"Query": query}), [][]storage.Button{b.checkCancelRow(c)})
		return
	}
	b.reply2(c, b.t(c, "CheckSearchResults", map[string]any{"Total": total, "Shown": len(found)}), b.enterpriseButtons(c, found))
}

// forbiddenText tells an official they may not inspect e, and who
// supervises it: the people on its plaque and its 属地 unit, by name.
func (b *Bot) forbiddenText(c caller, e enterprise.Enterprise) string {
	name := func(id, stored string) string {
		if _, ok := b.Config.Official(id); ok {
			return b.Config.OfficialName(id)
		}
		if stored != "" {
			return stored
		}
		return id
	}
	return b.t(c, "CheckForbidden", map[string]any{"Enterprise": e.Name, "Unit": b.Config.UnitName(e.Unit),
		"Admin": name(e.Admin, e.AdminName), "Supervisor": name(e.Supervisor, e.SupervisorName),
		"SupervisorUnit": b.Config.UnitNameOf(e.Supervisor), "Guarantor": name(e.Guarantor, e.GuarantorName)})
}

// submitCheck records the previewed inspection with its hazards; the flow
// ends in the same transaction. It returns the toast.
func (b *Bot) submitCheck(c caller, d checkDraft, msgID int) (string, bool) {
	r := inspection.Record{Enterprise: d.Enterprise, Official: c.official.ID, Kind: d.Kind, Checked: d.Checked,
		Findings: d.Findings, Photos: d.Photos, Point: d.Point,
		Done: func(tx *storage.Tx) error {
			ended, err := endFlowIn(tx, c.chatID, flowCheck)
			if err == nil && !ended {
				err = errCheckGone
			}
			return err
		}}
	for _, h := range d.Hazards {
		hz := inspection.Hazard{Level: h.Level, Description: h.Description, Deadline: h.Due, Responsible: h.Person}
		if h.Level == hazard.LevelMajor {
			five := h.Five
			hz.Five = &five
		}
		r.Hazards = append(r.Hazards, hz)
	}
	in, err := b.Inspections.Submit(r)
	var he *inspection.HazardError
	var fe *inspection.ForbiddenError
	switch {
	case errors.Is(err, errCheckGone):
		return b.t(c, "ToastStale", nil), false
	case errors.As(err, &he):
		b.reply(c, b.t(c, "CheckHazardRefused", map[string]any{"N": he.N, "Description": he.Description,
			"Reason": b.hazardReason(c, he.Err)}))
		b.askCheckStep(c, d)
		return b.t(c, "CheckNotSaved", nil), true
	case errors.As(err, &fe):
		b.reply(c, b.forbiddenText(c, fe.Enterprise))
		return b.t(c, "CheckNotSaved", nil), true
	case errors.Is(err, inspection.ErrUnknownEnterprise):
		b.reply(c, b.t(c, "CheckEnterpriseGone", map[string]any{"Enterprise": d.Name}))
		return b.t(c, "CheckNotSaved", nil), true
	case err != nil:
		b.Log.Error("check: record an inspection", "official", c.official.ID, "enterprise", d.Enterprise, "err", err)
		b.reply(c, b.t(c, "CheckNotRecorded", map[string]any{"Error": err.Error()}))
		return b.t(c, "CheckNotSaved", nil), true
	}
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: b.checkPreview(c, d),
		Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	lines := []string{b.t(c, "CheckSubmitted", map[string]any{"ID": in.ID, "Enterprise": in.EnterpriseName,
		"Kind": b.t(c, "CheckKind_"+in.Kind, nil)})}
	for i, id := range in.Hazards {
		h := d.Hazards[i]
		lines = append(lines, b.t(c, "CheckSubmittedHazard", map[string]any{"ID": id, "Description": h.Description,
			"Person": h.Person.Name, "Due": b.checkDue(h.Due), "Major": h.Level == hazard.LevelMajor}))
	}
	if len(in.Hazards) > 0 {
		lines = append(lines, b.t(c, "CheckSubmittedTold", nil))
	}
	if in.OwnPlaque() && b.Quota != nil {
		if line, err := b.quotaLine(c, in.At); err == nil {
			lines = append(lines, line)
		} else {
			b.Log.Error("check: count the month's figures", "official", c.official.ID, "err", err)
		}
	}
	b.reply(c, strings.Join(lines, "\n"))
	return b.t(c, "CheckSubmittedToast", nil), false
}

// hazardReason says in the caller's language why the hazard loop refused
// a hazard.
func (b *Bot) hazardReason(c caller, err error) string {
	switch {
	case errors.Is(err, hazard.ErrBadDeadline):
		return b.t(c, "CheckReasonDeadline", nil)
	case errors.Is(err, hazard.ErrFiveMissing):
		return b.t(c, "CheckReasonFive", nil)
	case errors.Is(err, hazard.ErrTooLong):
		return b.t(c, "CheckReasonTooLong", nil)
	case errors.Is(err, hazard.ErrRequired):
		return b.t(c, "CheckReasonRequired", nil)
	}
	return b.t(c, "CheckReasonOther", map[string]any{"Error": err.Error()})
}

// checkDue shows a deadline in the town's time.
func (b *Bot) checkDue(t time.Time) string {
	return t.In(b.Config.Location).Format("2006-01-02 15:04")
}

// checkPoint shows a shared location.
func checkPoint(p *storage.Point) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.5f, %.5f", p.Lat, p.Lon)
}

// quotaLine is where the caller stands on item 19 in the month of at:
// inspections, hazards closed and problems solved of 2 each, and the half
// year's coverage of their plaques.
func (b *Bot) quotaLine(c caller, at time.Time) (string, error) {
	r, err := b.Quota.Person(c.official.ID, at)
	if err != nil {
		return "", err
	}
	return b.t(c, "CheckSubmittedMonth", map[string]any{"Own": r.Month.Inspections, "Hazards": r.Month.Hazards,
		"Problems": r.Month.Problems, "Of": quota.Monthly, "Covered": len(r.Half.Covered), "Plaques": len(r.Half.Plaques)}), nil
}
