package bot

import (
	"context"
	"errors"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/callout"
	"dutybot/locales"
	"dutybot/storage"
)

// maxText keeps messages under Telegram's 4096-character limit.
const maxText = 3900

// statusFeature is /status, /close and /lang with its buttons.
func (b *Bot) statusFeature() feature {
	return feature{name: "status",
		commands: []commandRoute{
			{name: "status", handle: func(_ context.Context, c caller, _ command, _ *models.Message) { b.onStatus(c) }},
			{name: "close", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onClose(c, cmd.args) }},
			{name: "lang", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onLang(c, cmd.args) }},
		},
		callbacks: []callbackRoute{{prefix: langPrefix, handle: func(c caller, data string, _ int) (string, bool) {
			return b.setLang(c, strings.TrimPrefix(data, langPrefix)), false
		}}},
	}
}

// langPrefix starts the data of the language buttons.
const langPrefix = "lang:"

// onStatus lists the open alerts the caller may see.
func (b *Bot) onStatus(c caller) {
	views, err := b.Engine.Open(c.official.ID)
	if err != nil {
		b.Log.Error("list open alerts", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if len(views) == 0 {
		b.reply(c, b.t(c, "StatusNone", nil))
		return
	}
	var sb strings.Builder
	sb.WriteString(b.t(c, "StatusHeader", map[string]any{"Count": len(views)}))
	for i, v := range views {
		text, _ := b.Engine.SummaryText(c.lang, v.Alert, v.Recipients)
		if sb.Len()+len(text) > maxText {
			sb.WriteString("\n\n" + b.t(c, "StatusMore", map[string]any{"Count": len(views) - i}))
			break
		}
		sb.WriteString("\n\n" + text)
	}
	b.reply(c, sb.String())
}

// onClose closes an alert by id: /close <id>.
func (b *Bot) onClose(c caller, args string) {
	id := strings.TrimPrefix(strings.TrimSpace(args), "#")
	if id == "" {
		b.reply(c, b.t(c, "CloseUsage", nil))
		return
	}
	_, err := b.Engine.Close(c.official.ID, id)
	switch {
	case err == nil:
		b.reply(c, b.t(c, "Closed", map[string]any{"ID": id}))
	case errors.Is(err, callout.ErrUnknownAlert):
		b.reply(c, b.t(c, "CloseUnknown", map[string]any{"ID": id}))
	case errors.Is(err, callout.ErrForbidden):
		b.reply(c, b.t(c, "ToastForbidden", nil))
	case errors.Is(err, callout.ErrClosed):
		b.reply(c, b.t(c, "ToastAlertClosed", nil))
	default:
		b.Log.Error("close alert", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	}
}

// onLang switches the caller's language: /lang en, /lang zh, or buttons.
func (b *Bot) onLang(c caller, args string) {
	if args == "" {
		b.reply2(c, b.t(c, "LangAsk", nil), [][]storage.Button{{
			{Text: "中文", Data: langPrefix + locales.ZH}, {Text: "English", Data: langPrefix + locales.EN}}})
		return
	}
	if locales.Match(args) == "" {
		b.reply(c, b.t(c, "LangUsage", nil))
		return
	}
	b.setLang(c, args)
	c.lang = locales.Match(args)
	b.reply(c, b.t(c, "LangSet", nil))
}

// registerCommands sets the command menu, every registered command in
// the features' order, in both languages; the default (no language_code)
// is the configured language.
func (b *Bot) registerCommands(ctx context.Context) {
	for _, lc := range []struct{ code, lang string }{{"", b.Config.Language}, {"zh", locales.ZH}, {"en", locales.EN}} {
		var cmds []models.BotCommand
		for _, name := range b.routes.menu {
			cmds = append(cmds, models.BotCommand{Command: name, Description: b.Catalog.T(lc.lang, "Cmd_"+name, nil)})
		}
		if _, err := b.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: cmds, LanguageCode: lc.code}); err != nil {
			b.Log.Warn("setMyCommands failed", "language", lc.code, "err", err)
		}
	}
}
