package bot

// The roster's chat side: /duty, /roster, /spotcheck, /swap, check-in and
// handover. TODO(rota): implement.

// onRotaCommand handles the roster commands; false means not one of them.
func (b *Bot) onRotaCommand(c caller, cmd command) bool { return false }

// rotaPressed handles the roster's buttons; ok false means not one of them.
func (b *Bot) rotaPressed(c caller, data string, msgID int) (toast string, alert, ok bool) {
	return "", false, false
}

// rotaText takes free text the roster is waiting for (a handover note);
// false means it was not waiting.
func (b *Bot) rotaText(c caller, text string) bool { return false }
