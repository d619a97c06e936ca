package bot

// /ledger: the 履职档案 as an .xlsx file, for admins and principals. The
// outgoing queue carries text only, so the workbook is sent directly with
// the Bot API and the hand-over is recorded in the event log.

import (
	"bytes"
	"context"
	"fmt"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/config"
	"dutybot/ledger"
	"dutybot/storage"
)

// ledgerSendTimeout bounds uploading one workbook.
const ledgerSendTimeout = 2 * time.Minute

// onLedgerCommand handles /ledger [period]; false means not its command.
func (b *Bot) onLedgerCommand(c caller, cmd command) bool {
	if cmd.name != "ledger" {
		return false
	}
	if !c.official.HasRole(config.RoleAdmin, config.RolePrincipal) {
		b.reply(c, b.t(c, "LedgerNotAllowed", nil))
		return true
	}
	if !c.private {
		b.reply(c, b.t(c, "LedgerPrivateOnly", nil))
		return true
	}
	now := b.Engine.Now()
	p, err := ledger.ParsePeriod(cmd.args, now, b.Config.Location)
	if err != nil {
		b.reply(c, b.t(c, "LedgerUsage", map[string]any{"Arg": cutText(cmd.args, maxEchoUnits)}))
		return true
	}
	l := ledger.New(b.Config, b.DB, b.Catalog)
	book, err := l.Book(ledger.Filter{From: p.From, To: p.To}, now)
	var buf bytes.Buffer
	if err == nil {
		err = l.WriteXLSX(&buf, book)
	}
	if err != nil {
		b.Log.Error("export the ledger", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return true
	}
	label := p.Label(b.Config.Location)
	st := book.Stats()
	name := fmt.Sprintf("履职档案_%s_%s.xlsx", p.From.In(b.Config.Location).Format("20060102"),
		p.To.Add(-time.Nanosecond).In(b.Config.Location).Format("20060102"))
	caption := b.t(c, "LedgerCaption", map[string]any{"Period": label, "Calls": st.Calls, "Reports": st.Reports,
		"Duty": st.Duty, "Incidents": st.Incidents, "Tips": st.Tips, "Seq": st.HeadSeq, "Hash": st.HeadHash,
		"Verify": b.chainWords(c, book.Chain)})
	ctx, cancel := context.WithTimeout(context.Background(), ledgerSendTimeout)
	defer cancel()
	_, err = b.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: c.chatID, Caption: fitText(caption, maxCaptionUnits),
		Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(buf.Bytes())}})
	if err != nil {
		b.Log.Error("send the ledger workbook", "official", c.official.ID, "err", b.scrub(err))
		b.reply(c, b.t(c, "LedgerSendFailed", nil))
		return true
	}
	err = b.DB.Update(func(tx *storage.Tx) error {
		return tx.AppendEvent(l.ExportRecord(now, storage.WordChat, c.official.ID, c.official.ID, book, buf.Bytes()))
	})
	if err != nil {
		b.Log.Error("record the ledger export", "official", c.official.ID, "err", err)
	}
	return true
}

// chainWords says in the caller's words what checking the chain found.
func (b *Bot) chainWords(c caller, r storage.ChainReport) string {
	switch {
	case r.OK():
		return b.t(c, "LedgerChainOK", map[string]any{"Count": r.Events})
	case r.Break != nil:
		return b.t(c, "LedgerChainBroken", map[string]any{"Break": r.Break.String()})
	}
	return b.t(c, "LedgerChainNone", nil)
}
