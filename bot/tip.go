package bot

import "github.com/go-telegram/bot/models"

// Hazard tips' chat side: /tip, named or anonymous. Callers may be unbound
// (enterprise workers who started the bot). TODO(tips).

// onTipCommand handles /tip and /tip <ref>.
func (b *Bot) onTipCommand(c caller, args string, m *models.Message) {}

// tipPressed handles the tip buttons; ok false means not one of them.
func (b *Bot) tipPressed(c caller, data string, msgID int) (toast string, alert, ok bool) {
	return "", false, false
}

// tipInput takes a message (text, photo, location) the tip flow waits for;
// false means it was not waiting.
func (b *Bot) tipInput(c caller, m *models.Message) bool { return false }
