package bot

// /ledger: the 履职档案 as an .xlsx file, for admins and principals. The
// workbook is queued in the outbox like every message, and its hand-over
// is recorded in the event log in the same transaction.

import (
	"bytes"
	"context"

	"github.com/go-telegram/bot/models"

	"dutybot/config"
	"dutybot/ledger"
	"dutybot/storage"
)

// ledgerFeature is /ledger.
func (b *Bot) ledgerFeature() feature {
	return feature{name: "ledger", commands: []commandRoute{{name: "ledger",
		handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onLedgerCommand(c, cmd) }}}}
}

// onLedgerCommand handles /ledger [period].
func (b *Bot) onLedgerCommand(c caller, cmd command) {
	if !c.official.HasRole(config.RoleAdmin, config.RolePrincipal) {
		b.reply(c, b.t(c, "LedgerNotAllowed", nil))
		return
	}
	if !c.private {
		b.reply(c, b.t(c, "LedgerPrivateOnly", nil))
		return
	}
	now := b.Engine.Now()
	p, err := ledger.ParsePeriod(cmd.args, now, b.Config.Location)
	if err != nil {
		b.reply(c, b.t(c, "LedgerUsage", map[string]any{"Arg": cutText(cmd.args, maxEchoUnits)}))
		return
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
		return
	}
	label := p.Label(b.Config.Location)
	st := book.Stats()
	name := l.FileName(p.From, p.To)
	caption := b.t(c, "LedgerCaption", map[string]any{"Period": label, "Calls": st.Calls, "Reports": st.Reports,
		"Duty": st.Duty, "Incidents": st.Incidents, "Tips": st.Tips, "Inspections": st.Inspections, "Hazards": st.Hazards, "Seq": st.HeadSeq, "Hash": st.HeadHash,
		"Verify": b.chainWords(c, book.Chain)})
	err = b.DB.Update(func(tx *storage.Tx) error {
		if _, err := tx.Enqueue(storage.Job{ChatID: c.chatID, Op: storage.OpDocument, Text: fitText(caption, maxCaptionUnits),
			File: buf.Bytes(), FileName: name, CreatedAt: now,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID, Topic: "ledger"}}); err != nil {
			return err
		}
		return tx.AppendEvent(l.ExportRecord(now, storage.WordChat, c.official.ID, c.official.ID, book, buf.Bytes()))
	})
	if err != nil {
		b.Log.Error("queue the ledger workbook", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	b.WakeOutbox()
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
