package bot

// Weather warnings' chat side: /warn (guided or in one line), /warn lift,
// /warn board and the 熔断 checklist confirmations. The rules live in
// package weather; drafts and prompts are stored so a restart keeps them.

import (
	"errors"
	"strings"
	"unicode"

	"dutybot/storage"
	"dutybot/weather"
)

// Button data prefixes of /warn (the checklist's are weather.ConfirmData
// and weather.NoNoteData).
const (
	warnDraftPrefix = "wd:" // the guided flow
	warnLiftPrefix  = "wl:" // choose the warning to lift
)

// onWarnCommand handles /warn; false means not one of its commands.
func (b *Bot) onWarnCommand(c caller, cmd command) bool {
	if cmd.name != "warn" {
		return false
	}
	sub, rest := cutWord(cmd.args)
	switch strings.ToLower(sub) {
	case "cancel", "取消":
		// Anyone may drop what they were doing, including a unit official
		// asked for a count.
		if b.warnCancel(c) {
			b.reply(c, b.t(c, "WarnCancelled", nil))
		} else {
			b.reply(c, b.t(c, "NothingToCancel", nil))
		}
		return true
	}
	if !b.Weather.CanWarn(c.official.ID) {
		b.reply(c, b.t(c, "WarnForbidden", nil))
		return true
	}
	if !c.private {
		b.reply(c, b.t(c, "WarnPrivateOnly", nil))
		return true
	}
	switch strings.ToLower(sub) {
	case "":
		b.startWarnFlow(c)
	case "lift", "解除":
		b.onWarnLift(c, rest)
	case "board", "看板":
		b.onWarnBoard(c, rest)
	case "help", "帮助":
		b.reply(c, b.t(c, "WarnUsage", nil))
	default:
		b.onWarnLine(c, cmd.args)
	}
	return true
}

// warnPressed handles the warning buttons; ok false means not one of them.
func (b *Bot) warnPressed(c caller, data string, msgID int) (toast string, alert, ok bool) {
	switch {
	case strings.HasPrefix(data, warnDraftPrefix):
		if !b.Weather.CanWarn(c.official.ID) {
			return b.t(c, "WarnForbidden", nil), true, true
		}
		toast, alert = b.onWarnDraftButton(c, data, msgID)
		return toast, alert, true
	case strings.HasPrefix(data, warnLiftPrefix):
		if !b.Weather.CanWarn(c.official.ID) {
			return b.t(c, "WarnForbidden", nil), true, true
		}
		toast, alert = b.onWarnLiftButton(c, strings.TrimPrefix(data, warnLiftPrefix), msgID)
		return toast, alert, true
	}
	if !weather.IsItemData(data) {
		return "", false, false
	}
	p, valid := weather.ParseItemData(data)
	if !valid {
		b.Log.Warn("garbled checklist button data", "user", c.userID, "data", data)
		return b.t(c, "ToastInvalid", nil), true, true
	}
	toast, alert = b.onItemButton(c, p, msgID)
	return toast, alert, true
}

// warnText takes free text a warning flow waits for; false means none.
func (b *Bot) warnText(c caller, text string) bool {
	var d storage.WarnDraft
	var p storage.WarnPrompt
	var hasDraft, hasPrompt bool
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		d, err = tx.WarnDraft(c.chatID)
		if hasDraft = err == nil; err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		p, err = tx.WarnPrompt(c.chatID)
		if hasPrompt = err == nil; err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		b.Log.Error("read warning draft", "err", err)
		return false
	}
	if hasDraft && b.Engine.Now().Sub(d.At) > promptTTL {
		b.dropWarnDraft(c) // abandoned: the text is not for it
		hasDraft = false
	}
	switch {
	case hasDraft:
		b.onWarnDraftText(c, d, text)
		return true
	case hasPrompt:
		return b.onItemText(c, p, text)
	}
	return false
}

// warnCancel drops the caller's /warn draft and any count or note they are
// asked for; it reports whether there was one.
func (b *Bot) warnCancel(c caller) bool {
	var had bool
	err := b.DB.Update(func(tx *storage.Tx) error {
		d, err := tx.DeleteWarnDraft(c.chatID)
		if err != nil {
			return err
		}
		p, err := tx.DeleteWarnPrompt(c.chatID)
		had = d || p
		return err
	})
	if err != nil {
		b.Log.Error("cancel warning draft", "err", err)
	}
	return had
}

// onWarnLift lifts the warning named, the only one in force, or asks
// which one.
func (b *Bot) onWarnLift(c caller, args string) {
	id := strings.TrimPrefix(strings.TrimSpace(args), "#")
	if id == "" {
		views, err := b.Weather.Active()
		if err != nil {
			b.Log.Error("list warnings", "err", err)
			b.reply(c, b.t(c, "InternalError", nil))
			return
		}
		switch len(views) {
		case 0:
			b.reply(c, b.t(c, "WarnNoneActive", nil))
			return
		case 1:
			id = views[0].Warning.ID
		default:
			var rows [][]storage.Button
			for _, v := range views {
				rows = append(rows, []storage.Button{{Text: b.t(c, "WarnLiftButton", map[string]any{
					"Title": b.Weather.DisplayTitle(c.lang, v.Warning), "ID": v.Warning.ID}), Data: warnLiftPrefix + v.Warning.ID}})
			}
			b.reply2(c, b.t(c, "WarnLiftChoose", map[string]any{"Count": len(views)}), rows)
			return
		}
	}
	b.reply(c, b.lift(c, id))
}

func (b *Bot) onWarnLiftButton(c caller, id string, msgID int) (string, bool) {
	text := b.lift(c, id)
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text,
		Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	return firstLine(text), false
}

// lift lifts a warning and says what happened.
func (b *Bot) lift(c caller, id string) string {
	out, err := b.Weather.Lift(c.official.ID, id)
	switch {
	case errors.Is(err, weather.ErrUnknownWarning):
		return b.t(c, "WarnUnknown", map[string]any{"ID": id})
	case errors.Is(err, weather.ErrLifted):
		return b.t(c, "WarnAlreadyLifted", map[string]any{"ID": id,
			"Time": out.Warning.LiftedAt.In(b.Config.Location).Format("01-02 15:04")})
	case errors.Is(err, weather.ErrForbidden):
		return b.t(c, "WarnForbidden", nil)
	case err != nil:
		b.Log.Error("lift warning", "warning", id, "err", err)
		return b.t(c, "InternalError", nil)
	}
	return b.t(c, "WarnLifted", map[string]any{"ID": id, "Title": b.Weather.DisplayTitle(c.lang, out.Warning),
		"Count": out.Told, "DutyModeOff": out.DutyOff})
}

// onWarnBoard sends the 熔断 board again.
func (b *Bot) onWarnBoard(c caller, args string) {
	id := strings.TrimPrefix(strings.TrimSpace(args), "#")
	n, err := b.Weather.SendBoard(c.official.ID, id)
	switch {
	case errors.Is(err, weather.ErrUnknownWarning):
		b.reply(c, b.t(c, "WarnUnknown", map[string]any{"ID": id}))
	case errors.Is(err, weather.ErrNoMeltdown) || (err == nil && n == 0):
		b.reply(c, b.t(c, "WarnBoardNone", nil))
	case err != nil:
		b.Log.Error("send board", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	}
}

// cutWord splits off the first word of s.
func cutWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
