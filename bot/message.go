package bot

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/board"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// commandRE matches "/name", "/name@bot" and an optional argument text.
var commandRE = regexp.MustCompile(`^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$`)

// command is a parsed command message.
type command struct {
	name string
	args string
}

// parseCommand parses a command addressed to this bot; a command for
// another bot in a group is not ours.
func (b *Bot) parseCommand(text string) (command, bool) {
	m := commandRE.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return command{}, false
	}
	if m[2] != "" && b.username != "" && !strings.EqualFold(m[2], b.username) {
		return command{}, false
	}
	return command{name: strings.ToLower(m[1]), args: strings.TrimSpace(m[3])}, true
}

// caller is who sent an update.
type caller struct {
	chatID   int64
	private  bool
	userID   int64
	tgLang   string
	official config.Official
	bound    bool
	lang     string
}

func (b *Bot) who(chatID int64, private bool, from *models.User) caller {
	c := caller{chatID: chatID, private: private}
	if from != nil {
		c.userID = from.ID
		c.tgLang = locales.Match(from.LanguageCode)
	}
	c.lang = b.Config.Language
	if c.tgLang != "" {
		c.lang = c.tgLang
	}
	var off string
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		off, err = tx.OfficialByChat(c.userID)
		return err
	})
	if err == nil {
		if o, ok := b.Config.Official(off); ok {
			c.official, c.bound = o, true
			c.lang = b.Engine.Lang(off)
			if err := b.Engine.Seen(off); err != nil {
				b.Log.Error("mark chat reachable", "official", off, "err", err)
			}
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		b.Log.Error("look up chat binding", "err", err)
	}
	return c
}

func (b *Bot) onMessage(ctx context.Context, m *models.Message) {
	private := m.Chat.Type == models.ChatTypePrivate
	c := b.who(m.Chat.ID, private, m.From)
	if m.Contact != nil {
		b.onContact(ctx, c, m)
		return
	}
	if m.Document != nil {
		b.onDocument(ctx, c, m)
		return
	}
	text, photo := m.Text, ""
	if len(m.Photo) > 0 {
		text, photo = m.Caption, largestPhoto(m.Photo)
	}
	cmd, isCmd := b.parseCommand(text)
	if !isCmd {
		if strings.HasPrefix(strings.TrimSpace(text), "/") {
			if private {
				b.reply(c, b.t(c, "UnknownCommand", nil))
			}
			return
		}
		if private && (b.tipInput(c, m) || c.bound && b.incidentInput(c, m)) {
			return
		}
		if private && c.bound && b.drafts.active(c.chatID) {
			b.onDraftText(ctx, c, text)
			return
		}
		if private && c.bound && (b.rotaText(c, text) || b.warnText(c, text)) {
			return
		}
		if private {
			if c.bound {
				b.reply(c, b.t(c, "PlainTextHint", nil))
			} else {
				b.replyStart(c)
			}
		}
		return
	}
	switch cmd.name {
	case "start":
		b.onStart(ctx, c)
		return
	case "help":
		b.onHelp(c)
		return
	case "tip":
		// Enterprise workers who only started the bot may report hazards.
		b.onTipCommand(c, cmd.args, m)
		return
	case "cancel":
		if !c.bound {
			if b.tipCancel(c) {
				b.reply(c, b.t(c, "DraftCancelled", nil))
			} else {
				b.reply(c, b.t(c, "NothingToCancel", nil))
			}
			return
		}
	}
	if !c.bound {
		if private {
			b.replyStart(c)
		} else {
			b.reply(c, b.t(c, "GroupUnbound", nil))
		}
		return
	}
	switch cmd.name {
	case "alert":
		b.onAlert(ctx, c, cmd.args)
	case "status":
		b.onStatus(c)
	case "mytasks":
		b.onMyTasks(c, 1, 0)
	case "tasks":
		b.onTasks(c, cmd.args)
	case "plan":
		b.onPlan(c, cmd.args)
	case "done":
		b.onDone(c, cmd.args, photo)
	case "close":
		b.onClose(c, cmd.args)
	case "lang":
		b.onLang(c, cmd.args)
	case "cancel":
		if b.cancelFlows(c) {
			b.reply(c, b.t(c, "DraftCancelled", nil))
		} else {
			b.reply(c, b.t(c, "NothingToCancel", nil))
		}
	default:
		if b.onRotaCommand(c, cmd) || b.onWarnCommand(c, cmd) || b.onBoardCommand(c, cmd) ||
			b.onIncidentCommand(c, cmd, m) || b.onLedgerCommand(c, cmd) {
			return
		}
		b.reply(c, b.t(c, "UnknownCommand", nil))
	}
}

// cancelFlows ends every step-by-step flow waiting for this chat's text
// (/alert, /warn, /incident, /tip) and reports whether one was. Starting a
// flow calls it first, so a message never goes to an abandoned one.
func (b *Bot) cancelFlows(c caller) bool {
	alertDraft := b.drafts.cancel(c.chatID)
	warnDraft := b.warnCancel(c)
	incidentDraft := b.incidentCancel(c)
	tipDraft := b.tipCancel(c)
	return alertDraft || warnDraft || incidentDraft || tipDraft
}

// t translates for a caller.
func (b *Bot) t(c caller, id string, data map[string]any) string {
	return b.Catalog.T(c.lang, id, data)
}

// reply queues a message to the caller's chat; an unbound caller gets
// only a few a minute (strangers.go).
func (b *Bot) reply(c caller, text string) {
	if !b.mayAnswer(c) {
		return
	}
	b.send(storage.Job{Key: strangerKey(c), ChatID: c.chatID, Op: storage.OpSend, Text: text,
		Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
}

// send queues a job and wakes the outbox.
func (b *Bot) send(jobs ...storage.Job) {
	now := b.Engine.Now()
	err := b.DB.Update(func(tx *storage.Tx) error {
		for _, j := range jobs {
			j.CreatedAt = now
			if _, err := tx.Enqueue(j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Log.Error("queue reply", "err", err)
		return
	}
	b.WakeOutbox()
}

func (b *Bot) onHelp(c caller) {
	if !c.bound {
		b.reply(c, b.t(c, "HelpUnbound", nil)+"\n"+b.t(c, "HelpTip", nil))
		return
	}
	id := "HelpStaff"
	if canIssue(c.official) {
		id = "HelpIssuer"
	}
	parts := []string{b.t(c, id, nil)}
	if b.Weather != nil && b.Weather.CanWarn(c.official.ID) {
		parts = append(parts, b.t(c, "HelpWarn", nil))
	}
	parts = append(parts, b.t(c, "HelpIncident", nil), b.t(c, "HelpTip", nil))
	if b.Rota != nil {
		parts = append(parts, b.t(c, "HelpRota", nil))
		if b.Rota.CanSpotcheck(c.official.ID, b.Engine.Now()) {
			parts = append(parts, b.t(c, "HelpRotaSpotcheck", nil))
		}
	}
	if b.Board != nil && board.CanView(c.official) {
		parts = append(parts, b.t(c, "HelpBoard", nil))
	}
	if b.Board != nil && c.official.HasRole(config.RoleAdmin) {
		parts = append(parts, b.t(c, "HelpBoardSignout", nil))
	}
	if c.official.HasRole(config.RoleAdmin, config.RolePrincipal) {
		parts = append(parts, b.t(c, "HelpLedger", nil))
	}
	if c.official.HasRole(config.RoleAdmin) {
		parts = append(parts, b.t(c, "HelpRosterFile", nil))
		year := b.Engine.Now().In(b.Config.Location).Year()
		if dropped := b.Plan.DroppedIn(year); len(dropped) > 0 {
			parts = append(parts, b.t(c, "HelpPlanYear", map[string]any{"PlanYear": b.Plan.Year, "Year": year,
				"Count": len(dropped)}))
		}
	}
	b.reply(c, strings.Join(parts, "\n"))
}

// canIssue reports whether an official may create alerts in chat.
func canIssue(o config.Official) bool {
	return o.HasRole(config.RoleDutyLeader, config.RoleAdmin, config.RoleLeader, config.RolePrincipal)
}
