package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/board"
	"dutybot/config"
)

// boardFeature is /board.
func (b *Bot) boardFeature() feature {
	return feature{name: "board", commands: []commandRoute{{name: "board",
		handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onBoardCommand(c, cmd) }}}}
}

// onBoardCommand handles /board: a signed link to the duty board, in a
// private chat only (the link works like a password), for the officials
// who may see the board; and /board signout, by which an admin signs
// everyone out.
func (b *Bot) onBoardCommand(c caller, cmd command) {
	if strings.EqualFold(cmd.args, "signout") {
		b.onBoardSignout(c)
		return
	}
	if !c.private {
		b.reply(c, b.t(c, "BoardChatPrivateOnly", nil))
		return
	}
	if !board.CanView(c.official) {
		b.reply(c, b.t(c, "BoardChatForbidden", nil))
		return
	}
	if b.Board == nil {
		b.reply(c, b.t(c, "BoardChatUnavailable", nil))
		return
	}
	link, err := b.Board.Link(c.official.ID)
	switch {
	case errors.Is(err, board.ErrForbidden):
		b.reply(c, b.t(c, "BoardChatForbidden", nil))
		return
	case err != nil:
		b.Log.Error("board link", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	cfg := b.Config.Board
	b.reply(c, b.t(c, "BoardChatLink", map[string]any{"Link": link,
		"LinkTTL":    board.TTL(b.Catalog, c.lang, cfg.LinkTTL.D()),
		"SessionTTL": board.TTL(b.Catalog, c.lang, cfg.SessionTTL.D())}))
}

// onBoardSignout handles /board signout: an admin ends every board session
// and voids the links not yet opened, say when a phone with the board open
// was lost. It works in any chat: it reveals nothing.
func (b *Bot) onBoardSignout(c caller) {
	switch {
	case !c.official.HasRole(config.RoleAdmin):
		b.reply(c, b.t(c, "BoardChatSignoutForbidden", nil))
		return
	case b.Board == nil:
		b.reply(c, b.t(c, "BoardChatUnavailable", nil))
		return
	}
	if err := b.Board.SignOutAll(); err != nil {
		b.Log.Error("board: sign everyone out", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	b.Log.Info("board: every session signed out", "official", c.official.ID)
	b.reply(c, b.t(c, "BoardChatSignedOutAll", nil))
}
