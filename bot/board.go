package bot

import (
	"errors"
	"strings"

	"dutybot/board"
	"dutybot/config"
)

// onBoardCommand handles /board: a signed link to the duty board, in a
// private chat only (the link works like a password), for the officials
// who may see the board; and /board signout, by which an admin signs
// everyone out. false means not this command.
func (b *Bot) onBoardCommand(c caller, cmd command) bool {
	if cmd.name != "board" {
		return false
	}
	if strings.EqualFold(cmd.args, "signout") {
		b.onBoardSignout(c)
		return true
	}
	if !c.private {
		b.reply(c, b.t(c, "BoardChatPrivateOnly", nil))
		return true
	}
	if !board.CanView(c.official) {
		b.reply(c, b.t(c, "BoardChatForbidden", nil))
		return true
	}
	if b.Board == nil {
		b.reply(c, b.t(c, "BoardChatUnavailable", nil))
		return true
	}
	link, err := b.Board.Link(c.official.ID)
	switch {
	case errors.Is(err, board.ErrForbidden):
		b.reply(c, b.t(c, "BoardChatForbidden", nil))
		return true
	case err != nil:
		b.Log.Error("board link", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return true
	}
	cfg := b.Config.Board
	b.reply(c, b.t(c, "BoardChatLink", map[string]any{"Link": link,
		"LinkTTL":    board.TTL(b.Catalog, c.lang, cfg.LinkTTL.D()),
		"SessionTTL": board.TTL(b.Catalog, c.lang, cfg.SessionTTL.D())}))
	return true
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
