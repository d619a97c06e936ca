package bot

import (
	"errors"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
	"dutybot/tips"
)

// A tip (/tip) closed as 属实 may become a hazard of the enterprise it
// names (item 3 of issue 13): the closing message offers “转为隐患”, which
// asks the enterprise (searched in the 挂牌企业台账 by name) and the 整改
// deadline, then records the hazard (发现) and gives it to the enterprise
// (交办) at once, with the tip's text, place and photos. The hazard's
// description starts with the tip's reference, which is the link both
// ways: a tip is turned into a hazard only once.

// hazardTipPrefix starts the data of the conversion's buttons.
const hazardTipPrefix = "ht:"

// flowHazardFromTip is the conversion of a tip into a hazard.
const flowHazardFromTip = "hazard.fromtip"

// maxEnterpriseChoices caps the enterprises offered for one search.
const maxEnterpriseChoices = 8

// tipHazardDraft is a tip being turned into a hazard.
type tipHazardDraft struct {
	Tip            string `json:"tip"`
	Step           string `json:"step"` // enterprise, deadline
	Enterprise     string `json:"enterprise,omitempty"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
}

func (d tipHazardDraft) flowStep() string { return d.Step }

// tipHazardFlow is the conversion's flow, registered by the hazards feature.
func (b *Bot) tipHazardFlow() flow {
	return flow{name: flowHazardFromTip, label: "FlowHazardFromTip", ttl: hazardFlowTTL,
		input: func(c caller, cv storage.Conversation, m *models.Message) {
			d, ok := decodeFlow[tipHazardDraft](b, c, cv)
			text := strings.TrimSpace(m.Text)
			switch {
			case !ok:
			case text == "":
				b.askTipHazard(c, d, nil)
			case d.Step == "enterprise":
				b.searchTipEnterprise(c, d, text)
			default:
				b.submitTipHazard(c, d, text)
			}
		}}
}

// tipClosedButtons are the buttons under the message confirming a tip
// closed: “转为隐患” when it was found true and the loop is wired.
func (b *Bot) tipClosedButtons(c caller, ref string, verified bool) [][]storage.Button {
	if !verified || b.Hazards == nil {
		return nil
	}
	return [][]storage.Button{{{Text: b.t(c, "ButtonTipToHazard", nil), Data: hazardTipPrefix + "start:" + ref}}}
}

// tipHazardMark is how a hazard's description names the tip it came from.
func (b *Bot) tipHazardMark(ref string) string {
	return b.Catalog.T(b.Config.Language, "HazardFromTipMark", map[string]any{"Ref": ref})
}

// tipForHazard loads a tip that the caller may turn into a hazard: closed
// as 属实, handled by them, not turned into one already. It returns what
// is wrong, or "".
func (b *Bot) tipForHazard(c caller, ref string) (tips.Tip, string) {
	s := b.tipService()
	t, err := s.See(c.official.ID, ref)
	switch {
	case errors.Is(err, tips.ErrUnknown):
		return t, b.t(c, "ToastInvalid", nil)
	case err != nil:
		b.Log.Error("load a tip", "tip", ref, "err", err)
		return t, b.t(c, "InternalError", nil)
	case !s.CanClose(c.official.ID, t):
		return t, b.t(c, "TipForbidden", nil)
	case t.State != tips.StateClosed || !t.Verified:
		return t, b.t(c, "HazardTipNotVerified", map[string]any{"Ref": ref})
	}
	all, err := b.Hazards.List(hazard.Filter{})
	if err != nil {
		b.Log.Error("list hazards", "err", err)
		return t, b.t(c, "InternalError", nil)
	}
	mark := b.tipHazardMark(ref)
	for _, h := range all {
		if strings.HasPrefix(h.Description, mark) {
			return t, b.t(c, "HazardTipDone", map[string]any{"Ref": ref, "ID": h.ID})
		}
	}
	return t, ""
}

// onTipHazardButton handles the conversion's buttons.
func (b *Bot) onTipHazardButton(c caller, data string, _ int) (string, bool) {
	arg := strings.TrimPrefix(data, hazardTipPrefix)
	if ref, ok := strings.CutPrefix(arg, "start:"); ok {
		if !c.private {
			return b.t(c, "HazardsPrivateOnly", nil), true
		}
		if _, problem := b.tipForHazard(c, ref); problem != "" {
			return problem, true
		}
		d := tipHazardDraft{Tip: ref, Step: "enterprise"}
		if !b.startFlow(c, flowHazardFromTip, d) {
			return b.t(c, "InternalError", nil), true
		}
		b.askTipHazard(c, d, nil)
		return "✓", false
	}
	var d tipHazardDraft
	if !b.flowData(c, flowHazardFromTip, &d) {
		return b.t(c, "ToastStale", nil), false
	}
	switch {
	case arg == "cancel":
		b.endFlow(c, flowHazardFromTip)
		msg := b.t(c, "FlowCancelled", map[string]any{"Flow": b.t(c, "FlowHazardFromTip", nil)})
		b.reply(c, msg)
		return msg, false
	case strings.HasPrefix(arg, "ent:") && d.Step == "enterprise":
		if b.Inspections == nil {
			return b.t(c, "InternalError", nil), true
		}
		e, ok, err := b.Inspections.Enterprise(strings.TrimPrefix(arg, "ent:"))
		if err != nil {
			b.Log.Error("look up an enterprise", "err", err)
			return b.t(c, "InternalError", nil), true
		}
		if !ok {
			return b.t(c, "ToastInvalid", nil), true
		}
		d.Step, d.Enterprise, d.EnterpriseName = "deadline", e.Code, e.Name
		if b.saveFlow(c, flowHazardFromTip, d) {
			b.askTipHazard(c, d, nil)
		}
		return e.Name, false
	case strings.HasPrefix(arg, "due:") && d.Step == "deadline":
		b.submitTipHazard(c, d, strings.TrimPrefix(arg, "due:")+"天")
		return "✓", false
	}
	return b.t(c, "ToastStale", nil), false
}

// askTipHazard asks the conversion's step; found are the enterprises a
// search offered.
func (b *Bot) askTipHazard(c caller, d tipHazardDraft, found []enterprise.Enterprise) {
	cancel := []storage.Button{{Text: b.t(c, "ButtonCancel", nil), Data: hazardTipPrefix + "cancel"}}
	if d.Step == "enterprise" {
		var rows [][]storage.Button
		for _, e := range found {
			rows = append(rows, []storage.Button{{Text: cutText(e.Name, 40), Data: hazardTipPrefix + "ent:" + e.Code}})
		}
		key := "HazardTipAskEnterprise"
		if found != nil {
			key = "HazardTipPickEnterprise"
		}
		b.reply2(c, b.t(c, key, map[string]any{"Ref": d.Tip, "Count": len(found)}), append(rows, cancel))
		return
	}
	var row []storage.Button
	for _, n := range hazardDueDays {
		row = append(row, storage.Button{Text: b.t(c, "ButtonHazardDays", map[string]any{"Days": n}),
			Data: hazardTipPrefix + "due:" + strconv.Itoa(n)})
	}
	b.reply2(c, b.t(c, "HazardTipAskDeadline", map[string]any{"Ref": d.Tip, "Enterprise": d.EnterpriseName}),
		[][]storage.Button{row, cancel})
}

// searchTipEnterprise offers the registry's enterprises found as /check
// finds them: names holding the words typed, or the 信用代码 they start.
func (b *Bot) searchTipEnterprise(c caller, d tipHazardDraft, query string) {
	if b.Inspections == nil {
		b.Log.Error("hazards: the registry search (inspections) is not wired into the bot")
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	found, total, err := b.Inspections.Search(c.official.ID, query, maxEnterpriseChoices)
	if err != nil {
		b.Log.Error("search enterprises", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	switch {
	case len(found) == 0:
		b.reply(c, b.t(c, "HazardTipNoEnterprise", map[string]any{"Query": cutText(query, maxEchoUnits)}))
	case total > maxEnterpriseChoices:
		b.reply(c, b.t(c, "HazardTipTooMany", map[string]any{"Count": total}))
	default:
		b.askTipHazard(c, d, found)
	}
}

// submitTipHazard records the hazard from the tip with the deadline
// typed or pressed, and gives it to the enterprise.
func (b *Bot) submitTipHazard(c caller, d tipHazardDraft, typed string) {
	now := b.Engine.Now()
	due, err := hazard.ParseDeadline(typed, now, b.Config.Location)
	switch {
	case errors.Is(err, hazard.ErrNotADate):
		b.reply(c, b.t(c, "HazardBadDue", nil))
		return
	case err != nil:
		b.reply(c, b.t(c, "HazardBadDeadline", map[string]any{"Max": hazard.MaxDays}))
		return
	}
	t, problem := b.tipForHazard(c, d.Tip)
	if problem != "" {
		b.endFlow(c, flowHazardFromTip)
		b.reply(c, b.t(c, "HazardNotRecorded", map[string]any{"Reason": problem}))
		return
	}
	if !b.endFlow(c, flowHazardFromTip) {
		return
	}
	text := b.tipHazardMark(t.Ref) + t.Text
	if t.Place != "" {
		text += b.Catalog.T(b.Config.Language, "HazardFromTipPlace", map[string]any{"Place": t.Place})
	}
	if r := []rune(text); len(r) > hazard.MaxText {
		text = string(r[:hazard.MaxText])
	}
	h, err := b.Hazards.Report(hazard.Finding{Enterprise: d.Enterprise, FoundBy: c.official.ID, Level: hazard.LevelGeneral,
		Description: text, Photos: t.Photos, Point: t.Point, Assign: &hazard.Assignment{Deadline: due}})
	if err != nil {
		b.hazardFailed(c, "", err)
		return
	}
	b.reply2(c, b.t(c, "HazardTipOK", map[string]any{"Ref": t.Ref, "ID": h.ID, "Enterprise": h.EnterpriseName,
		"Due": b.hazardTime(h.Deadline), "Unit": b.Config.UnitName(h.Unit)}),
		[][]storage.Button{{{Text: h.ID, Data: hazard.PressData(hazard.ActOpen, h)}}})
}
