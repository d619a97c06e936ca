package bot

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/board"
	"dutybot/config"
	"dutybot/enterprise"
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
	// unlisted is the official the chat is bound to when the directory
	// lists them no more (a reload of the 通讯录 removed them): they may
	// still acknowledge a call they received (callback.go).
	unlisted string
	// head is the enterprise head (企业单位负责人) bound to the chat, for a
	// caller who is no official (head.go); nil otherwise.
	head *enterprise.HeadBinding
	lang string
	// msgID is the chat message being handled (0 for a button press): a
	// flow records the last one it took, so the same message handled
	// again after a crash is not taken twice.
	msgID int
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
	var head enterprise.HeadBinding
	var isHead bool
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		off, err = tx.OfficialByChat(c.userID)
		if errors.Is(err, storage.ErrNotFound) && b.Enterprises != nil {
			var herr error
			head, herr = enterprise.HeadByChat(tx, c.userID)
			isHead = herr == nil && head.UserID == c.userID
		}
		return err
	})
	if isHead {
		c.head = &head
	}
	if err == nil {
		if o, ok := b.Config.Official(off); ok {
			c.official, c.bound = o, true
			c.lang = b.Engine.Lang(off)
			if err := b.Engine.Seen(off); err != nil {
				b.Log.Error("mark chat reachable", "official", off, "err", err)
			}
		} else {
			c.unlisted = off
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		b.Log.Error("look up chat binding", "err", err)
	}
	return c
}

func (b *Bot) onMessage(ctx context.Context, m *models.Message) {
	if m.MigrateToChatID != 0 || m.MigrateFromChatID != 0 {
		b.onMigrate(m)
		return
	}
	private := m.Chat.Type == models.ChatTypePrivate
	c := b.who(m.Chat.ID, private, m.From)
	c.msgID = m.ID
	if m.Contact != nil {
		b.onContact(ctx, c, m)
		return
	}
	if m.Document != nil {
		b.onDocument(ctx, c, m)
		return
	}
	text := m.Text
	if len(m.Photo) > 0 {
		text = m.Caption
	}
	cmd, isCmd := b.parseCommand(text)
	if !isCmd {
		switch {
		case !private:
			// Group talk is not for the bot.
		case strings.HasPrefix(strings.TrimSpace(text), "/"):
			b.reply(c, b.t(c, "UnknownCommand", nil))
		case b.toFlow(c, m):
		case c.bound:
			b.reply(c, b.t(c, "PlainTextHint", nil))
		default:
			b.replyStart(c)
		}
		return
	}
	r, known := b.routes.commands[cmd.name]
	switch {
	case known && (r.public || c.bound):
		r.handle(ctx, c, cmd, m)
	case !c.bound && private:
		b.replyStart(c)
	case !c.bound:
		b.reply(c, b.t(c, "GroupUnbound", nil))
	default:
		b.reply(c, b.t(c, "UnknownCommand", nil))
	}
}

// coreFeature is what every chat has: /start and /help.
func (b *Bot) coreFeature() feature {
	return feature{name: "core", commands: []commandRoute{
		{name: "start", public: true, handle: func(ctx context.Context, c caller, _ command, _ *models.Message) { b.onStart(ctx, c) }},
		{name: "help", public: true, handle: func(_ context.Context, c caller, _ command, _ *models.Message) { b.onHelp(c) }},
	}}
}

// flowsFeature is /cancel, which ends whatever flow the chat is in.
func (b *Bot) flowsFeature() feature {
	return feature{name: "flows", commands: []commandRoute{
		{name: "cancel", public: true, handle: func(_ context.Context, c caller, _ command, _ *models.Message) { b.onCancel(c) }},
	}}
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
	if c.head != nil {
		b.reply(c, b.t(c, "HelpHead", nil))
		return
	}
	if !c.bound {
		text := b.t(c, "HelpUnbound", nil)
		if b.Enterprises != nil {
			text += "\n" + b.t(c, "HelpCompany", nil)
		}
		b.reply(c, text+"\n"+b.t(c, "HelpTip", nil))
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
	if b.Inspections != nil {
		parts = append(parts, b.t(c, "HelpCheck", nil))
	}
	if b.Hazards != nil {
		parts = append(parts, b.t(c, "HelpHazards", nil))
	}
	if b.Supervision != nil {
		parts = append(parts, b.t(c, "HelpWho", nil))
	}
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
	if b.Groups != nil && canIssue(c.official) {
		parts = append(parts, b.t(c, "HelpGroups", nil))
		if c.official.HasRole(config.RoleAdmin) {
			parts = append(parts, b.t(c, "HelpGroupsAdmin", nil))
		}
	}
	if c.official.HasRole(config.RoleAdmin) {
		parts = append(parts, b.t(c, "HelpRosterFile", nil))
		if b.Enterprises != nil {
			parts = append(parts, b.t(c, "HelpRegistryFile", nil))
		}
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
