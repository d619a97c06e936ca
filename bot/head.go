package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// Enterprise heads (企业单位负责人): the registry names each enterprise's
// own head with a phone; they are no officials. One binds a private chat by
// sending /company (or /start) and sharing their own contact: a number no
// official has, which one or more enterprises list for their head, binds
// the chat to that phone (enterprise.Registry.BindHead), and the hazard
// loop's notices to those enterprises (交办, send-back, overdue, 销号) reach
// the chat, in the head's language, with an 已整改 button while a hazard
// waits for its fix. The head reports the fix with photos through the same
// flow officials use (hazard_flow.go), as the enterprise
// (storage.ActorEnterprise) under the registry's name for them; only a
// hazard of an enterprise they head now, in the round the button was sent
// in, may be reported (hazard.Service.CheckPrincipal). A head sees nothing
// of other enterprises, nor officials' phone numbers: their cards name the
// enterprise, the hazard, its state and deadline only.

// headFeature is /company, the heads' own way in; without the registry it
// adds nothing.
func (b *Bot) headFeature() feature {
	if b.Enterprises == nil {
		return feature{name: "heads"}
	}
	return feature{name: "heads", commands: []commandRoute{{name: "company", public: true,
		handle: func(_ context.Context, c caller, _ command, _ *models.Message) { b.onCompany(c) }}}}
}

// onCompany answers /company: an official is told it is not for them, a
// bound head which enterprises they answer for, anyone else gets the
// one-button keyboard sharing their number.
func (b *Bot) onCompany(c caller) {
	switch {
	case !c.private:
		b.reply(c, b.t(c, "StartInGroup", nil))
	case c.bound:
		b.reply(c, b.t(c, "HeadCompanyOfficial", b.identity(c.lang, c.official)))
	case c.head != nil:
		b.headStatus(c)
	default:
		b.askHeadContact(c, "HeadCompanyAsk")
	}
}

// askHeadContact sends text (a message id) with the keyboard that shares
// the caller's number to bind as an enterprise's head.
func (b *Bot) askHeadContact(c caller, text string) {
	if !b.mayAnswer(c) {
		return
	}
	b.send(storage.Job{Key: strangerKey(c), ChatID: c.chatID, Op: storage.OpSend, Text: b.t(c, text, nil),
		Reply: &storage.Reply{ContactLabel: b.t(c, "ButtonShareContactCompany", nil)}, Ref: storage.Ref{Kind: storage.RefInfo}})
}

// headStatus tells a bound head which enterprises they answer for now; one
// whose phone the registry no longer lists is asked to share it again.
func (b *Bot) headStatus(c caller) {
	_, ents, ok, err := b.Enterprises.HeadOf(c.chatID)
	switch {
	case err != nil:
		b.Log.Error("read an enterprise head's binding", "chat", c.chatID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	case !ok || len(ents) == 0:
		b.askHeadContact(c, "HeadNoLongerListed")
	default:
		names := enterprise.HeadNames(ents)
		b.reply(c, b.t(c, "HeadAlreadyBound", map[string]any{"Names": strings.Join(names, "、"), "Count": len(names)}))
	}
}

// bindHead binds the caller, who shared their own number (phone,
// normalised) that no official has, as the head of the enterprises that
// list it; refuse answers and records a refusal.
func (b *Bot) bindHead(c caller, m *models.Message, phone string, refuse func(msgID, reason, official string)) {
	lang := c.tgLang
	ents, err := b.Enterprises.BindHead(enterprise.HeadBinding{Phone: phone, ChatID: c.chatID, UserID: m.From.ID,
		Username: m.From.Username, Language: lang, BoundAt: b.Engine.Now()})
	switch {
	case errors.Is(err, enterprise.ErrNotAHead):
		refuse("BindUnknownPhone", "phone number not registered", "")
		return
	case errors.Is(err, enterprise.ErrHeadTaken):
		refuse("HeadBindTaken", "an enterprise head's number already bound to another Telegram account", "")
		return
	case err != nil:
		b.Log.Error("bind an enterprise head", "chat", c.chatID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	names := enterprise.HeadNames(ents)
	b.Log.Info("enterprise head bound", "chat", c.chatID, "enterprises", len(names))
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: b.t(c, "HeadBindDone", map[string]any{
		"Name": ents[0].Head.Name, "Names": strings.Join(names, "、"), "Count": len(names)}),
		Reply: &storage.Reply{Remove: true}, Ref: storage.Ref{Kind: storage.RefInfo}})
}

// onHeadHazardButton handles a hazard button pressed by a bound head: the
// 已整改 of a notice to their enterprise starts the report of the fix;
// anything else, another enterprise's hazard, a forged or a stale button
// is answered "no longer valid" and changes nothing. A stale button of
// their own hazard turns its message into the hazard's card.
func (b *Bot) onHeadHazardButton(c caller, data string, msgID int) (string, bool) {
	p, h, toast, ok := b.pressedHazard(c, data, "HeadButtonInvalid")
	if !ok {
		return toast, true
	}
	if err := b.Hazards.CheckPrincipal(c.chatID, p, h); err != nil {
		if errors.Is(err, hazard.ErrStale) {
			b.editToHeadCard(c, msgID, h)
		}
		return b.t(c, "HeadButtonInvalid", nil), true
	}
	if !c.private {
		return b.t(c, "HazardsPrivateOnly", nil), true
	}
	return b.startHazardFlow(c, flowHazardHeadRectify, h, msgID)
}

// headHazardCard is a hazard as its enterprise's head may see it: the
// enterprise, what, its state and deadline; no officials.
func (b *Bot) headHazardCard(c caller, h hazard.Hazard) string {
	return b.t(c, "HeadHazardCard", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
		"State": b.t(c, "HazardState_"+h.State, nil), "Description": h.Description, "Due": b.hazardTime(h.Deadline),
		"Open": h.State == hazard.StateAssigned})
}

// editToHeadCard rewrites a message to a head into the hazard's card, with
// the 已整改 button only while it may still be pressed.
func (b *Bot) editToHeadCard(c caller, msgID int, h hazard.Hazard) {
	if msgID == 0 {
		return
	}
	var rows [][]storage.Button
	if b.Hazards.CheckPrincipal(c.chatID, hazard.Press{Action: hazard.ActRectify, ID: h.ID, Round: h.Round}, h) == nil {
		rows = [][]storage.Button{{{Text: b.t(c, "ButtonHazardPrincipalRectify", nil), Data: hazard.PressData(hazard.ActRectify, h)}}}
	}
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: b.headHazardCard(c, h),
		Buttons: rows, Ref: storage.Ref{Kind: storage.RefInfo, Topic: hazard.KindHazard}})
}

// checkHazardStep is hazard.Service.Check for an official, CheckPrincipal
// for an enterprise head.
func (b *Bot) checkHazardStep(c caller, p hazard.Press, h hazard.Hazard) error {
	if !c.bound {
		if c.head == nil {
			return hazard.ErrForbidden
		}
		return b.Hazards.CheckPrincipal(c.chatID, p, h)
	}
	return b.Hazards.Check(c.official.ID, p, h)
}
