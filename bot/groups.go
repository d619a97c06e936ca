package bot

// The work groups' chat side (工作群): /bindgroup and /unbindgroup sent by
// an admin, /groups, and what Telegram tells of the bot's place in a group
// (my_chat_member updates) and of a group upgraded to a supergroup
// (migrate_to_chat_id). The groups package keeps the state and tells the
// admins.

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/groups"
	"dutybot/storage"
)

// groupsFeature is the work groups' commands; a bot built without the
// groups service has none.
func (b *Bot) groupsFeature() feature {
	if b.Groups == nil {
		return feature{name: "groups"}
	}
	return feature{name: "groups", commands: []commandRoute{
		{name: "groups", handle: func(_ context.Context, c caller, _ command, _ *models.Message) { b.onGroups(c) }},
		{name: "bindgroup", handle: func(_ context.Context, c caller, cmd command, m *models.Message) {
			b.onBindGroup(c, cmd.args, m.Chat.Title)
		}},
		{name: "unbindgroup", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) {
			b.onUnbindGroup(c, cmd.args)
		}},
	}}
}

// groupsError turns an error of the groups service into the answer: a
// refusal explains itself, anything else is an internal error.
func (b *Bot) groupsError(c caller, what string, err error) string {
	var r *groups.Refusal
	if errors.As(err, &r) {
		return b.Groups.Explain(c.lang, r)
	}
	b.Log.Error(what, "official", c.official.ID, "err", err)
	return b.t(c, "InternalError", nil)
}

// firstWord is the first word of a command's arguments.
func firstWord(args string) string {
	if f := strings.Fields(args); len(f) > 0 {
		return f[0]
	}
	return ""
}

// onBindGroup binds the group the command was sent in: /bindgroup <id>.
func (b *Bot) onBindGroup(c caller, args, title string) {
	chat := c.chatID
	if c.private {
		chat = 0 // refused as a private chat, whatever its id
	}
	res, err := b.Groups.Bind(c.official.ID, firstWord(args), chat, title)
	if err != nil {
		b.reply(c, b.groupsError(c, "bind a work group", err))
		return
	}
	data := map[string]any{"Name": res.Group.Name, "ID": res.Group.ID, "Count": res.Expected}
	text := b.t(c, "GroupBound", data)
	if res.Already {
		text = b.t(c, "GroupBoundAlready", data)
	}
	if !res.Chat.Chat.CanPost {
		text += "\n" + b.t(c, "GroupBoundCannotPost", nil)
	}
	b.reply(c, text)
}

// onUnbindGroup lets go of a group's chat: /unbindgroup in the group, or
// /unbindgroup <id> (in a private chat too, for a group the bot was
// removed from, where it hears nothing).
func (b *Bot) onUnbindGroup(c caller, args string) {
	chat := c.chatID
	if c.private {
		chat = 0
	}
	res, err := b.Groups.Unbind(c.official.ID, firstWord(args), chat)
	if err != nil {
		b.reply(c, b.groupsError(c, "unbind a work group", err))
		return
	}
	b.reply(c, b.t(c, "GroupUnboundDone", map[string]any{"Name": res.Group.Name, "ID": res.Group.ID, "Title": res.Chat.Title}))
}

// onGroups lists the work groups with their chats and the bot's place in
// each: /groups, for those who raise alerts, in a private chat (a group
// has no business reading another group's state).
func (b *Bot) onGroups(c caller) {
	if !canIssue(c.official) {
		b.reply(c, b.t(c, "GroupsForbidden", nil))
		return
	}
	if !c.private {
		b.reply(c, b.t(c, "GroupsPrivateOnly", nil))
		return
	}
	list, others, err := b.Groups.List()
	if err != nil {
		b.reply(c, b.groupsError(c, "list the work groups", err))
		return
	}
	if len(list) == 0 && len(others) == 0 {
		b.reply(c, b.t(c, "GroupsNone", nil))
		return
	}
	lines := []string{b.t(c, "GroupsHeader", map[string]any{"Count": len(list)})}
	for _, g := range list {
		data := map[string]any{"Name": g.Group.Name, "ID": g.Group.ID, "Expected": len(b.Groups.Expected(g.Group.ID))}
		if !g.Bound() {
			lines = append(lines, b.t(c, "GroupsLineUnbound", data))
			continue
		}
		data["Title"], data["State"] = chatTitle(g.Chat), b.groupState(c, g.Chat.State)
		data["CanPost"], data["Migrated"] = g.Chat.CanPost, g.Chat.MigratedFrom != 0
		lines = append(lines, b.t(c, "GroupsLineBound", data))
	}
	if len(others) > 0 {
		lines = append(lines, b.t(c, "GroupsOthers", nil))
		for _, o := range others {
			lines = append(lines, b.t(c, "GroupsOtherLine", map[string]any{"Title": chatTitle(o), "State": b.groupState(c, o.State)}))
		}
	}
	b.reply(c, cut(strings.Join(lines, "\n"), maxText))
}

// chatTitle is a chat's title, or its id while Telegram has not told the
// title (a chat known from the configuration only).
func chatTitle(g storage.GroupChat) string {
	if g.Title != "" {
		return g.Title
	}
	return strconv.FormatInt(g.ChatID, 10)
}

// groupState words the bot's state in a chat.
func (b *Bot) groupState(c caller, state string) string {
	if state == "" {
		state = "unknown"
	}
	return b.t(c, "GroupState_"+state, nil)
}

// onMyChatMember records what Telegram tells of the bot's own place in a
// group chat: added, made admin, restricted, removed. Private chats (a
// user blocking the bot) and channels are not work groups.
func (b *Bot) onMyChatMember(u *models.ChatMemberUpdated) {
	if b.Groups == nil || (u.Chat.Type != models.ChatTypeGroup && u.Chat.Type != models.ChatTypeSupergroup) {
		return
	}
	p := groups.Place{Chat: u.Chat.ID, Title: u.Chat.Title}
	m := u.NewChatMember
	switch m.Type {
	case models.ChatMemberTypeMember, models.ChatMemberTypeOwner:
		p.State, p.CanPost = storage.GroupMember, true
	case models.ChatMemberTypeAdministrator:
		p.State, p.CanPost = storage.GroupAdministrator, true
	case models.ChatMemberTypeRestricted:
		p.State = storage.GroupRestricted
		p.CanPost = m.Restricted != nil && m.Restricted.IsMember && m.Restricted.CanSendMessages
	case models.ChatMemberTypeLeft:
		p.State = storage.GroupLeft
	case models.ChatMemberTypeBanned:
		p.State = storage.GroupKicked
	default:
		return
	}
	p.By, p.ByName = b.actorOf(u.From)
	if err := b.Groups.Placed(p); err != nil {
		b.Log.Error("record the bot's place in a group", "chat", u.Chat.ID, "state", p.State, "err", err)
	}
}

// actorOf names the Telegram user who did something: the official bound
// to them, or their name in Telegram.
func (b *Bot) actorOf(u models.User) (official, name string) {
	_ = b.DB.View(func(tx *storage.Tx) error {
		official, _ = tx.OfficialByChat(u.ID)
		return nil
	})
	if official != "" {
		return official, ""
	}
	return "", strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// onMigrate follows a group upgraded to a supergroup: Telegram says so
// in the old chat (migrate_to_chat_id) and in the new (migrate_from_chat_id).
func (b *Bot) onMigrate(m *models.Message) {
	if b.Groups == nil {
		return
	}
	from, to := m.Chat.ID, m.MigrateToChatID
	if m.MigrateFromChatID != 0 {
		from, to = m.MigrateFromChatID, m.Chat.ID
	}
	if err := b.Groups.Migrated(from, to); err != nil {
		b.Log.Error("follow a group upgraded to a supergroup", "from", from, "to", to, "err", err)
	}
}
