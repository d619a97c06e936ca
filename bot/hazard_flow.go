package bot

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/hazard"
	"dutybot/storage"
)

// The hazard flows, each started by a button of a hazard notice or card:
// 报告整改 asks the photos of the fix (at least one) and then a note;
// 退回整改 the reason and then a new deadline; 复查通过 an optional note.
// Each remembers the round its button was sent in: if the hazard moved on
// meanwhile (someone else rechecked it), the step is refused as stale
// rather than recorded against a state its author never saw.

// hazardDraft is a hazard step being composed.
type hazardDraft struct {
	Hazard     string   `json:"hazard"`
	Enterprise string   `json:"enterprise,omitempty"`
	Round      int      `json:"round"`
	Step       string   `json:"step"` // photos, note (报告整改); reason, deadline (退回整改); note (复查通过)
	Photos     []string `json:"photos,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	// MessageID is the message whose button started the flow, rewritten
	// into the hazard's card once the step is recorded.
	MessageID int `json:"message_id,omitempty"`
}

func (d hazardDraft) flowStep() string { return d.Step }

// hazardFlowAction is the hazard button each flow answers.
var hazardFlowAction = map[string]string{flowHazardRectify: hazard.ActRectify, flowHazardHeadRectify: hazard.ActRectify,
	flowHazardSendBack: hazard.ActSendBack, flowHazardPass: hazard.ActPass}

// rectifying reports whether a flow is a 报告整改, by an official or by an
// enterprise's head.
func rectifying(name string) bool { return name == flowHazardRectify || name == flowHazardHeadRectify }

// hazardDueDays are the deadlines offered as buttons when sending back.
var hazardDueDays = []int{3, 7, 15, 30}

// startHazardFlow starts a flow for a press already checked.
func (b *Bot) startHazardFlow(c caller, name string, h hazard.Hazard, msgID int) (string, bool) {
	d := hazardDraft{Hazard: h.ID, Enterprise: h.EnterpriseName, Round: h.Round, MessageID: msgID}
	switch name {
	case flowHazardRectify, flowHazardHeadRectify:
		d.Step = "photos"
	case flowHazardSendBack:
		d.Step = "reason"
	default:
		d.Step = "note"
	}
	if !b.startFlow(c, name, d) {
		return b.t(c, "InternalError", nil), true
	}
	b.askHazardStep(c, name, d)
	return "✓", false
}

// askHazardStep asks the question of the draft's step.
func (b *Bot) askHazardStep(c caller, name string, d hazardDraft) {
	data := map[string]any{"ID": d.Hazard, "Enterprise": d.Enterprise, "Count": len(d.Photos), "Max": hazard.MaxPhotos}
	cancel := []storage.Button{{Text: b.t(c, "ButtonCancel", nil), Data: hazardFlowPrefix + "cancel"}}
	switch {
	case rectifying(name) && d.Step == "photos":
		b.reply2(c, b.t(c, "HazardAskPhotos", data), [][]storage.Button{
			{{Text: b.t(c, "ButtonHazardPhotosDone", nil), Data: hazardFlowPrefix + "done"}}, cancel})
	case rectifying(name):
		b.reply2(c, b.t(c, "HazardAskNote", data), [][]storage.Button{cancel})
	case name == flowHazardSendBack && d.Step == "reason":
		b.reply2(c, b.t(c, "HazardAskReason", data), [][]storage.Button{cancel})
	case name == flowHazardSendBack:
		var row []storage.Button
		for _, n := range hazardDueDays {
			row = append(row, storage.Button{Text: b.t(c, "ButtonHazardDays", map[string]any{"Days": n}),
				Data: hazardFlowPrefix + "due:" + strconv.Itoa(n)})
		}
		b.reply2(c, b.t(c, "HazardAskDeadline", data), [][]storage.Button{row, cancel})
	default:
		b.reply2(c, b.t(c, "HazardAskPassNote", data), [][]storage.Button{
			{{Text: b.t(c, "ButtonHazardPassNow", nil), Data: hazardFlowPrefix + "pass"}}, cancel})
	}
}

// onHazardFlowInput takes a message sent while the chat is in a hazard
// flow: a photo of the fix, or the typed answer to the step.
func (b *Bot) onHazardFlowInput(c caller, name string, d hazardDraft, m *models.Message) {
	text := strings.TrimSpace(m.Text)
	if len(m.Photo) > 0 {
		if !rectifying(name) {
			b.reply(c, b.t(c, "HazardTextPlease", nil))
			return
		}
		b.onHazardPhoto(c, name, d, largestPhoto(m.Photo))
		return
	}
	switch {
	case text == "":
		b.askHazardStep(c, name, d)
	case rectifying(name) && d.Step == "photos":
		if !slices.Contains([]string{"完成", "好了", "发完了", "done"}, strings.ToLower(text)) {
			b.reply(c, b.t(c, "HazardPhotosHint", map[string]any{"Count": len(d.Photos)}))
			return
		}
		if problem := b.hazardPhotosDone(c, name, d); problem != "" {
			b.reply(c, problem)
		}
	case rectifying(name):
		b.submitRectified(c, name, d, text)
	case name == flowHazardSendBack && d.Step == "reason":
		if len([]rune(text)) > hazard.MaxText {
			b.reply(c, b.t(c, "HazardTooLong", map[string]any{"Max": hazard.MaxText}))
			return
		}
		d.Reason, d.Step = text, "deadline"
		if b.saveFlow(c, name, d) {
			b.askHazardStep(c, name, d)
		}
	case name == flowHazardSendBack:
		b.submitSendBack(c, d, text)
	default:
		b.submitPass(c, d, text)
	}
}

// onHazardPhoto adds a photo of the fix to the draft of a 报告整改 flow.
func (b *Bot) onHazardPhoto(c caller, name string, d hazardDraft, fileID string) {
	if fileID == "" {
		return
	}
	if len(d.Photos) >= hazard.MaxPhotos {
		b.reply(c, b.t(c, "HazardPhotoLimit", map[string]any{"Max": hazard.MaxPhotos}))
		return
	}
	d.Photos = append(d.Photos, fileID)
	if !b.saveFlow(c, name, d) {
		return
	}
	var rows [][]storage.Button
	if d.Step == "photos" {
		rows = [][]storage.Button{{{Text: b.t(c, "ButtonHazardPhotosDone", nil), Data: hazardFlowPrefix + "done"}}}
	}
	b.reply2(c, b.t(c, "HazardPhotoAdded", map[string]any{"Count": len(d.Photos), "AtPhotos": d.Step == "photos"}), rows)
}

// hazardPhotosDone moves a 报告整改 on to its note; it returns what is
// wrong, or "".
func (b *Bot) hazardPhotosDone(c caller, name string, d hazardDraft) string {
	if len(d.Photos) == 0 {
		return b.t(c, "HazardNoPhotosYet", nil)
	}
	d.Step = "note"
	if b.saveFlow(c, name, d) {
		b.askHazardStep(c, name, d)
	}
	return ""
}

// onHazardFlowButton handles the flows' own buttons.
func (b *Bot) onHazardFlowButton(c caller, data string, _ int) (string, bool) {
	if !c.bound && c.head == nil {
		return b.t(c, "ToastUnbound", nil), true
	}
	arg := strings.TrimPrefix(data, hazardFlowPrefix)
	cv, ok := b.conversation(c.chatID)
	if !ok || hazardFlowAction[cv.Flow] == "" {
		return b.t(c, "ToastStale", nil), false
	}
	var d hazardDraft
	if !b.flowData(c, cv.Flow, &d) {
		return b.t(c, "ToastStale", nil), false
	}
	switch {
	case arg == "cancel":
		b.endFlow(c, cv.Flow)
		msg := b.t(c, "FlowCancelled", map[string]any{"Flow": b.t(c, b.routes.flows[cv.Flow].label, nil)})
		b.reply(c, msg)
		return msg, false
	case arg == "done" && rectifying(cv.Flow) && d.Step == "photos":
		if problem := b.hazardPhotosDone(c, cv.Flow, d); problem != "" {
			return problem, true
		}
		return "✓", false
	case arg == "pass" && cv.Flow == flowHazardPass:
		b.submitPass(c, d, "")
		return "✓", false
	case strings.HasPrefix(arg, "due:") && cv.Flow == flowHazardSendBack && d.Step == "deadline":
		b.submitSendBack(c, d, strings.TrimPrefix(arg, "due:")+"天")
		return "✓", false
	}
	return b.t(c, "ToastStale", nil), false
}

// hazardStillDue checks, before a flow's step is recorded, that the
// hazard is still where the flow's button found it and the caller may
// still take the step; otherwise the flow ends and the caller is told.
func (b *Bot) hazardStillDue(c caller, name string, d hazardDraft) bool {
	h, err := b.Hazards.Get(d.Hazard)
	if err == nil {
		err = b.checkHazardStep(c, hazard.Press{Action: hazardFlowAction[name], ID: d.Hazard, Round: d.Round}, h)
	}
	if err == nil {
		return true
	}
	b.endFlow(c, name)
	if h.ID == "" {
		h.ID = d.Hazard
	}
	reason := b.hazardErrorText(c, h, err)
	if !c.bound {
		reason = b.t(c, "HeadButtonInvalid", nil) // a head is told nothing of the hazard's state
	}
	b.reply(c, b.t(c, "HazardNotRecorded", map[string]any{"Reason": reason}))
	return false
}

// submitRectified records the fix with the draft's photos and the note:
// by the official, or, in an enterprise head's flow, by the enterprise
// under the registry's name for its head.
func (b *Bot) submitRectified(c caller, name string, d hazardDraft, note string) {
	if len([]rune(note)) > hazard.MaxText {
		b.reply(c, b.t(c, "HazardTooLong", map[string]any{"Max": hazard.MaxText}))
		return
	}
	// Ended before the step: a message replayed after a crash finds no
	// draft rather than reporting the fix twice.
	if !b.hazardStillDue(c, name, d) || !b.endFlow(c, name) {
		return
	}
	r := hazard.Rectification{By: c.official.ID, Note: note, Photos: d.Photos}
	if name == flowHazardHeadRectify {
		r.By, r.Chat = storage.ActorEnterprise, c.chatID
		if h, err := b.Hazards.Get(d.Hazard); err == nil {
			if p, ok := b.Hazards.Principal(h); ok {
				r.Name = p.Name
			}
		}
	}
	h, err := b.Hazards.Rectified(d.Hazard, r)
	if err != nil {
		b.hazardFailed(c, d.Hazard, err)
		return
	}
	if name == flowHazardHeadRectify {
		b.editToHeadCard(c, d.MessageID, h)
		b.reply(c, b.t(c, "HeadRectifiedOK", map[string]any{"ID": h.ID, "Photos": len(d.Photos), "Enterprise": h.EnterpriseName}))
		return
	}
	b.editToCard(c, d.MessageID, h)
	b.reply(c, b.t(c, "HazardRectifiedOK", map[string]any{"ID": h.ID, "Photos": len(d.Photos),
		"Names": b.officialNames(b.Hazards.Recheckers(h))}))
}

// submitSendBack sends the hazard back with the draft's reason and the
// deadline typed or pressed; a deadline not understood or out of range
// is asked again.
func (b *Bot) submitSendBack(c caller, d hazardDraft, typed string) {
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
	if !b.hazardStillDue(c, flowHazardSendBack, d) || !b.endFlow(c, flowHazardSendBack) {
		return
	}
	h, err := b.Hazards.Recheck(c.official.ID, d.Hazard, hazard.Recheck{OK: false, Note: d.Reason, Deadline: due})
	if err != nil {
		b.hazardFailed(c, d.Hazard, err)
		return
	}
	b.editToCard(c, d.MessageID, h)
	b.reply(c, b.t(c, "HazardSentBackOK", map[string]any{"ID": h.ID, "Due": b.hazardTime(h.Deadline), "Reason": d.Reason}))
}

// submitPass records a passed recheck and offers the 销号 at once.
func (b *Bot) submitPass(c caller, d hazardDraft, note string) {
	if len([]rune(note)) > hazard.MaxText {
		b.reply(c, b.t(c, "HazardTooLong", map[string]any{"Max": hazard.MaxText}))
		return
	}
	if !b.hazardStillDue(c, flowHazardPass, d) || !b.endFlow(c, flowHazardPass) {
		return
	}
	h, err := b.Hazards.Recheck(c.official.ID, d.Hazard, hazard.Recheck{OK: true, Note: note})
	if err != nil {
		b.hazardFailed(c, d.Hazard, err)
		return
	}
	b.editToCard(c, d.MessageID, h)
	b.reply2(c, b.t(c, "HazardPassedOK", map[string]any{"ID": h.ID, "Note": note}), b.Hazards.Buttons(c.lang, c.official.ID, h))
}

// hazardFailed tells that a step was not recorded, and why, naming the
// hazard's state as it now is.
func (b *Bot) hazardFailed(c caller, id string, err error) {
	h, gerr := b.Hazards.Get(id)
	if gerr != nil {
		h = hazard.Hazard{ID: id}
	}
	reason := b.hazardErrorText(c, h, err)
	if !c.bound && (errors.Is(err, hazard.ErrForbidden) || errors.Is(err, hazard.ErrState)) {
		reason = b.t(c, "HeadButtonInvalid", nil)
	}
	b.reply(c, b.t(c, "HazardNotRecorded", map[string]any{"Reason": reason}))
}
