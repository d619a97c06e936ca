package bot

// onBoardCommand handles /board: a signed link to the duty board.
// TODO(board): implement.
func (b *Bot) onBoardCommand(c caller, cmd command) bool { return false }
