package bot

// Weather warnings' chat side: /warn (guided or in one line), /warn lift,
// /warn board and the 熔断 checklist confirmations. The rules live in
// package weather; drafts and prompts are stored so a restart keeps them.

import (
	"context"
	"errors"
	"strings"
	"unicode"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
	"dutybot/weather"
)

// Button data prefixes of /warn (the checklist's are weather.ConfirmData
// and weather.NoNoteData).
const (
	warnDraftPrefix = "wd:" // the guided flow
	warnLiftPrefix  = "wl:" // choose the warning to lift
)

// warnFeature is /warn with its guided flow, the lift buttons and the
// 熔断 checklist's buttons and typed counts.
func (b *Bot) warnFeature() feature {
	f := feature{name: "warn",
		commands: []commandRoute{{name: "warn", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) {
			b.onWarnCommand(c, cmd)
		}}},
		callbacks: []callbackRoute{
			{prefix: warnDraftPrefix, handle: func(c caller, data string, msgID int) (string, bool) {
				if !b.Weather.CanWarn(c.official.ID) {
					return b.t(c, "WarnForbidden", nil), true
				}
				return b.onWarnDraftButton(c, data, msgID)
			}},
			{prefix: warnLiftPrefix, handle: func(c caller, data string, msgID int) (string, bool) {
				if !b.Weather.CanWarn(c.official.ID) {
					return b.t(c, "WarnForbidden", nil), true
				}
				return b.onWarnLiftButton(c, strings.TrimPrefix(data, warnLiftPrefix), msgID)
			}},
		},
		flows: []flow{
			{name: flowWarn, label: "FlowWarn", again: "FlowWarnAgain", ttl: promptTTL,
				input: func(c caller, cv storage.Conversation, m *models.Message) {
					if d, ok := decodeFlow[warnDraft](b, c, cv); ok {
						b.onWarnDraftText(c, d, m.Text)
					}
				}},
			{name: flowWarnItem, label: "FlowWarnItem", again: "FlowWarnItemAgain", ttl: promptTTL,
				input: func(c caller, cv storage.Conversation, m *models.Message) {
					if p, ok := decodeFlow[itemPrompt](b, c, cv); ok {
						b.onItemText(c, p, m.Text)
					}
				}},
		},
	}
	for _, p := range weather.ItemDataPrefixes() {
		f.callbacks = append(f.callbacks, callbackRoute{prefix: p, handle: func(c caller, data string, msgID int) (string, bool) {
			press, valid := weather.ParseItemData(data)
			if !valid {
				b.Log.Warn("garbled checklist button data", "user", c.userID, "data", data)
				return b.t(c, "ToastInvalid", nil), true
			}
			return b.onItemButton(c, press, msgID)
		}})
	}
	return f
}

// onWarnCommand handles /warn and its subcommands.
func (b *Bot) onWarnCommand(c caller, cmd command) {
	sub, rest := cutWord(cmd.args)
	switch strings.ToLower(sub) {
	case "cancel", "取消":
		// Anyone may drop what they were doing, including a unit official
		// asked for a count.
		b.onCancel(c)
		return
	}
	if !b.Weather.CanWarn(c.official.ID) {
		b.reply(c, b.t(c, "WarnForbidden", nil))
		return
	}
	if !c.private {
		b.reply(c, b.t(c, "WarnPrivateOnly", nil))
		return
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
