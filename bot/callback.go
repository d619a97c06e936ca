package bot

import (
	"context"
	"errors"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/callout"
	"dutybot/locales"
	"dutybot/storage"
)

// onCallback handles a button press: it always answers the callback with a
// toast, and changes state only for a valid press by the addressee.
func (b *Bot) onCallback(ctx context.Context, q *models.CallbackQuery) {
	c := b.who(q.From.ID, true, &q.From)
	msgID := 0
	if q.Message.Message != nil {
		msgID = q.Message.Message.ID
		c.chatID = q.Message.Message.Chat.ID
		c.private = q.Message.Message.Chat.Type == models.ChatTypePrivate
	}
	toast, alert := b.pressed(c, q.Data, msgID)
	if _, err := b.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{
		CallbackQueryID: q.ID, Text: fitText(toast, maxToastUnits), ShowAlert: alert}); err != nil {
		b.Log.Warn("answer callback", "err", err)
	}
}

// pressed performs a press and returns the toast text and whether it should
// be shown as a dialog.
func (b *Bot) pressed(c caller, data string, msgID int) (string, bool) {
	r, ok := b.routes.callback(data)
	switch {
	case !ok:
		b.Log.Warn("garbled button data", "user", c.userID, "data", data)
		return b.t(c, "ToastInvalid", nil), true
	case !r.public && !c.bound && c.unlisted != "":
		return b.unlistedPress(c, data)
	case !r.public && !c.bound:
		return b.t(c, "ToastUnbound", nil), true
	}
	return r.handle(c, data, msgID)
}

// unlistedPress answers a press by someone a reload of the 通讯录 removed
// from the directory: the acknowledgement of a call they received still
// counts (the alert called them), anything else is not theirs any more.
func (b *Bot) unlistedPress(c caller, data string) (string, bool) {
	if p, ok := callout.ParseData(data); ok && p.Action == "ack" {
		out, err := b.Engine.Ack(c.unlisted, p.Alert, p.Official)
		if err != nil {
			return b.pressError(c, err, out)
		}
		b.Log.Info("call acknowledged by an official no longer in the directory", "official", c.unlisted, "alert", p.Alert)
		return b.t(c, "ToastAcked", map[string]any{"Time": b.hhmm(out)}), false
	}
	return b.t(c, "ToastUnlisted", nil), true
}

// calloutFeature is the 叫应 buttons: acknowledge, take over, close.
func (b *Bot) calloutFeature() feature {
	f := feature{name: "callout"}
	for _, p := range callout.DataPrefixes() {
		f.callbacks = append(f.callbacks, callbackRoute{prefix: p,
			handle: func(c caller, data string, _ int) (string, bool) { return b.onCalloutButton(c, data) }})
	}
	f.callbacks = append(f.callbacks, callbackRoute{prefix: callout.GroupAckPrefix(), handle: b.onGroupAck})
	return f
}

// onGroupAck acknowledges, for the presser, an alert posted in a work
// group: only on that alert's message in that group, only for an official
// the alert calls there.
func (b *Bot) onGroupAck(c caller, data string, msgID int) (string, bool) {
	alertID, group, ok := callout.ParseGroupAck(data)
	if !ok || c.private {
		b.Log.Warn("garbled group button data", "user", c.userID, "data", data)
		return b.t(c, "ToastInvalid", nil), true
	}
	out, err := b.Engine.GroupAck(c.official.ID, alertID, group, c.chatID, msgID)
	switch {
	case err == nil:
		return b.t(c, "ToastAcked", map[string]any{"Time": b.hhmm(out)}), false
	case errors.Is(err, callout.ErrAlready):
		return b.t(c, "GroupToastAlready", map[string]any{"Time": b.hhmm(out)}), false
	case errors.Is(err, callout.ErrNotExpected):
		return b.t(c, "GroupToastNotExpected", nil), true
	case errors.Is(err, callout.ErrWrongPlace):
		b.Log.Warn("group button pressed on a message it does not belong to", "user", c.userID, "chat", c.chatID, "data", data)
		return b.t(c, "GroupToastWrongPlace", nil), true
	}
	return b.pressError(c, err, out)
}

// onCalloutButton acknowledges, takes over or closes an alert.
func (b *Bot) onCalloutButton(c caller, data string) (string, bool) {
	p, ok := callout.ParseData(data)
	if !ok {
		b.Log.Warn("garbled button data", "user", c.userID, "data", data)
		return b.t(c, "ToastInvalid", nil), true
	}
	switch p.Action {
	case "ack":
		out, err := b.Engine.Ack(c.official.ID, p.Alert, p.Official)
		if err != nil {
			return b.pressError(c, err, out)
		}
		return b.t(c, "ToastAcked", map[string]any{"Time": b.hhmm(out)}), false
	case "hdl":
		out, err := b.Engine.Handle(c.official.ID, p.Alert, p.Official)
		if err != nil {
			return b.pressError(c, err, out)
		}
		return b.t(c, "ToastHandled", map[string]any{"Count": len(out.Handled)}), false
	case "cls":
		_, err := b.Engine.Close(c.official.ID, p.Alert)
		if err != nil {
			return b.pressError(c, err, callout.Outcome{})
		}
		return b.t(c, "ToastClosed", nil), false
	}
	return b.t(c, "ToastInvalid", nil), true
}

func (b *Bot) hhmm(out callout.Outcome) string {
	return out.At.In(b.Config.Location).Format("15:04")
}

func (b *Bot) pressError(c caller, err error, out callout.Outcome) (string, bool) {
	switch {
	case errors.Is(err, callout.ErrNotYours):
		return b.t(c, "ToastNotYours", nil), true
	case errors.Is(err, callout.ErrAlready):
		if !out.At.IsZero() {
			return b.t(c, "ToastAlready", map[string]any{"Time": b.hhmm(out)}), false
		}
		return b.t(c, "ToastNothingLeft", nil), false
	case errors.Is(err, callout.ErrClosed):
		return b.t(c, "ToastAlertClosed", nil), false
	case errors.Is(err, callout.ErrUnknownAlert):
		return b.t(c, "ToastInvalid", nil), true
	case errors.Is(err, callout.ErrForbidden):
		return b.t(c, "ToastForbidden", nil), true
	}
	b.Log.Error("button press failed", "err", err)
	return b.t(c, "InternalError", nil), true
}

// setLang stores an official's language choice.
func (b *Bot) setLang(c caller, code string) string {
	lang := locales.Match(code)
	if lang == "" {
		return b.t(c, "LangUsage", nil)
	}
	now := b.Engine.Now()
	err := b.DB.Update(func(tx *storage.Tx) error {
		bd, err := tx.Binding(c.official.ID)
		if err != nil {
			return err
		}
		bd.Language = lang
		if err := tx.PutBinding(bd); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvLanguage, Official: c.official.ID,
			Actor: c.official.ID, Detail: lang})
	})
	if err != nil {
		b.Log.Error("set language", "err", err)
		return b.t(c, "InternalError", nil)
	}
	c.lang = lang
	return b.t(c, "LangSet", nil)
}
