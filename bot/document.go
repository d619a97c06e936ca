package bot

import (
	"context"

	"github.com/go-telegram/bot/models"
)

// onDocument handles a file sent to the bot: admins import rosters this
// way. TODO(roster): implement.
func (b *Bot) onDocument(ctx context.Context, c caller, m *models.Message) {}
