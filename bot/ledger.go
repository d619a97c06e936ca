package bot

// /ledger: the 履职档案 as an .xlsx file. TODO(ledger).

// onLedgerCommand handles /ledger; false means not its command.
func (b *Bot) onLedgerCommand(c caller, cmd command) bool { return false }
