package bot

import (
	"errors"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
	"dutybot/tips"
)

// The handlers' buttons: the 应急办 chooses the unit and the deadline, the
// unit closes the tip with its result (typed after the button), and anyone
// who may look the tip up can have its photos sent.

// tipPrompt is a typed answer a handler's chat is asked for: the days of
// an assignment or the result of a tip being closed.
type tipPrompt struct {
	Ref      string `json:"ref"`
	Action   string `json:"action"` // days, close
	Unit     string `json:"unit,omitempty"`
	Verified bool   `json:"verified,omitempty"`
	// MessageID is the message whose button asked, rewritten once answered.
	MessageID int `json:"message_id,omitempty"`
}

func (p tipPrompt) flowStep() string { return p.Action }

// tipPressed handles the tip buttons: the tipster's flow (anyone) and the
// handlers' (officials).
func (b *Bot) tipPressed(c caller, data string, msgID int) (toast string, alert bool) {
	if arg, found := strings.CutPrefix(data, tipDraftPrefix); found {
		return b.onTipDraftButton(c, arg, msgID)
	}
	p, valid := tips.ParsePress(data)
	switch {
	case !valid:
		return b.t(c, "ToastInvalid", nil), true
	case !c.bound:
		return b.t(c, "ToastUnbound", nil), true
	}
	return b.onTipHandlerButton(c, p, msgID)
}

func (b *Bot) onTipHandlerButton(c caller, p tips.Press, msgID int) (string, bool) {
	s := b.tipService()
	t, err := s.See(c.official.ID, p.Ref)
	if err != nil {
		return b.tipErrorText(c, p.Ref, err), true
	}
	switch p.Action {
	case tips.ActPhotos:
		return b.sendTipPhotos(c, t), false
	case tips.ActUnit, tips.ActBack, tips.ActAssign, tips.ActDays:
		if !s.CanTriage(c.official.ID) {
			return b.t(c, "TipForbidden", nil), true
		}
		if t.State != tips.StateNew {
			b.tipEdit(c, msgID, s.HandlerText(c.lang, t), s.PhotoButtons(c.lang, t))
			return b.t(c, "TipErrAssigned", map[string]any{"Ref": t.Ref}), false
		}
	case tips.ActVerified, tips.ActNotVerified:
		if !s.CanClose(c.official.ID, t) {
			return b.t(c, "TipForbidden", nil), true
		}
		if t.State == tips.StateClosed {
			b.tipEdit(c, msgID, s.HandlerText(c.lang, t), s.PhotoButtons(c.lang, t))
			return b.t(c, "TipErrClosed", map[string]any{"Ref": t.Ref}), false
		}
	}
	switch p.Action {
	case tips.ActUnit:
		if _, ok := b.Config.Unit(p.Unit); !ok {
			return b.t(c, "TipErrBadUnit", nil), true
		}
		b.tipEdit(c, msgID, s.HandlerText(c.lang, t)+"\n"+b.t(c, "TipAskDeadline", map[string]any{"Unit": b.Config.UnitName(p.Unit)}),
			s.DaysButtons(c.lang, t, p.Unit))
		return b.Config.UnitName(p.Unit), false
	case tips.ActBack:
		b.tipEdit(c, msgID, s.HandlerText(c.lang, t)+"\n"+b.t(c, "TipAskUnit", nil), s.OfficeButtons(c.lang, t))
		return "✓", false
	case tips.ActAssign:
		t, err := s.Assign(c.official.ID, p.Ref, p.Unit, 0, false)
		if err != nil {
			return b.tipErrorText(c, p.Ref, err), true
		}
		b.tipEdit(c, msgID, s.HandlerText(c.lang, t), s.PhotoButtons(c.lang, t))
		return b.t(c, "TipToastAssigned", map[string]any{"Unit": b.Config.UnitName(p.Unit)}), false
	case tips.ActDays:
		if !b.putTipPrompt(c, tipPrompt{Ref: p.Ref, Action: "days", Unit: p.Unit, MessageID: msgID}) {
			return b.t(c, "InternalError", nil), true
		}
		b.tipReply(c, b.t(c, "TipAskDays", map[string]any{"Ref": p.Ref, "Unit": b.Config.UnitName(p.Unit)}), nil)
		return "✓", false
	case tips.ActVerified, tips.ActNotVerified:
		verified := p.Action == tips.ActVerified
		if !b.putTipPrompt(c, tipPrompt{Ref: p.Ref, Action: "close", Verified: verified,
			MessageID: msgID}) {
			return b.t(c, "InternalError", nil), true
		}
		b.tipReply(c, b.t(c, "TipAskResult", map[string]any{"Ref": p.Ref, "Verified": verified}), nil)
		return "✓", false
	}
	return b.t(c, "ToastInvalid", nil), true
}

func (b *Bot) putTipPrompt(c caller, p tipPrompt) bool { return b.startFlow(c, flowTipHandle, p) }

// onTipPromptInput takes the typed days of an assignment or the result of
// a tip being closed.
func (b *Bot) onTipPromptInput(c caller, p tipPrompt, m *models.Message) {
	text := strings.TrimSpace(m.Text)
	if text == "" {
		text = strings.TrimSpace(m.Caption)
	}
	switch p.Action {
	case "days":
		days, ok := parseDays(text)
		if !ok {
			b.tipReply(c, b.t(c, "TipBadDays", map[string]any{"Max": tips.MaxDays}), nil)
			return
		}
		if b.assignTip(c, p.Ref, p.Unit, time.Duration(days)*24*time.Hour, false) {
			b.dropTipPrompt(c)
			b.settleTipMessage(c, p)
		}
	case "close":
		if text == "" {
			b.tipReply(c, b.t(c, "TipAskResult", map[string]any{"Ref": p.Ref, "Verified": p.Verified}), nil)
			return
		}
		_, err := b.tipService().Close(c.official.ID, p.Ref, p.Verified, text)
		switch {
		case errors.Is(err, tips.ErrTooLong):
			b.tipFailed(c, p.Ref, err) // the prompt stays: try a shorter one
			return
		case err != nil:
			b.dropTipPrompt(c)
			b.tipFailed(c, p.Ref, err)
			return
		}
		b.dropTipPrompt(c)
		b.settleTipMessage(c, p)
		b.tipReply(c, b.t(c, "TipClosedOK", map[string]any{"Ref": p.Ref, "Verified": p.Verified}), b.tipClosedButtons(c, p.Ref, p.Verified))
	default:
		b.dropTipPrompt(c)
	}
}

// settleTipMessage rewrites the message whose button asked for a prompt,
// so its buttons go once the answer was taken.
func (b *Bot) settleTipMessage(c caller, p tipPrompt) {
	if p.MessageID == 0 {
		return
	}
	s := b.tipService()
	if t, err := s.See(c.official.ID, p.Ref); err == nil {
		b.tipEdit(c, p.MessageID, s.HandlerText(c.lang, t), s.PhotoButtons(c.lang, t))
	}
}

func (b *Bot) dropTipPrompt(c caller) { b.endFlow(c, flowTipHandle) }

// sendTipPhotos queues a tip's photos to the presser's chat, by the ids
// Telegram gave them, and returns the toast.
func (b *Bot) sendTipPhotos(c caller, t tips.Tip) string {
	if len(t.Photos) == 0 {
		return b.t(c, "TipNoPhotos", nil)
	}
	jobs := make([]storage.Job, 0, len(t.Photos))
	for _, id := range t.Photos {
		jobs = append(jobs, storage.Job{ChatID: c.chatID, Op: storage.OpPhoto, FileID: id, Text: t.Ref,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID, Topic: "tip"}})
	}
	b.send(jobs...)
	return b.t(c, "TipToastPhotos", map[string]any{"Count": len(jobs)})
}
