package bot

// Weather warnings' chat side: /warn, /warn lift and the 熔断 checklist.
// TODO(weather): implement.

// onWarnCommand handles /warn; false means not one of its commands.
func (b *Bot) onWarnCommand(c caller, cmd command) bool { return false }

// warnPressed handles the warning buttons; ok false means not one of them.
func (b *Bot) warnPressed(c caller, data string, msgID int) (toast string, alert, ok bool) {
	return "", false, false
}

// warnText takes free text a warning flow waits for; false means none.
func (b *Bot) warnText(c caller, text string) bool { return false }
