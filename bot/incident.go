package bot

import "github.com/go-telegram/bot/models"

// 事故直报's chat side: /incident and the 已上报 buttons. TODO(incident).

// onIncidentCommand handles /incident; false means not its command.
func (b *Bot) onIncidentCommand(c caller, cmd command, m *models.Message) bool { return false }

// incidentPressed handles the incident buttons; ok false means not one of them.
func (b *Bot) incidentPressed(c caller, data string, msgID int) (toast string, alert, ok bool) {
	return "", false, false
}

// incidentInput takes a message (text, photo) the incident flow waits for;
// false means it was not waiting.
func (b *Bot) incidentInput(c caller, m *models.Message) bool { return false }
