package fakeapi

import (
	"fmt"
	"net/http"
	"slices"
)

// Group chats as Telegram plays them for a bot: users who are members,
// the bot's own place (member, administrator, restricted, left, kicked),
// which Telegram reports to the bot as my_chat_member updates, and the
// upgrade of a basic group to a supergroup, after which the old chat
// answers every call with 400 and the new chat's id. A group made with
// AddGroup, SendGroupText or SendGroupDocument has the bot as a plain
// member already, and tells it nothing of that.

// Chat member statuses, as the Bot API names them.
const (
	StatusMember        = "member"
	StatusAdministrator = "administrator"
	StatusRestricted    = "restricted"
	StatusLeft          = "left"
	StatusKicked        = "kicked"
)

// supergroupIDs are at or below this: -100… ids, as Telegram gives them.
const supergroupIDs = -1_000_000_000_000

// botPlace is the bot's status in a group and, when restricted, whether
// it may still send messages.
type botPlace struct {
	status  string
	canSend bool
}

// posts reports whether the bot can send messages in the group.
func (p botPlace) posts() bool {
	switch p.status {
	case StatusMember, StatusAdministrator:
		return true
	case StatusRestricted:
		return p.canSend
	}
	return false
}

// wire is the bot's ChatMember object as Telegram sends it.
func (p botPlace) wire(bot any) map[string]any {
	m := map[string]any{"status": p.status, "user": bot}
	switch p.status {
	case StatusAdministrator:
		for _, k := range []string{"can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
			"can_change_info", "can_invite_users", "can_pin_messages"} {
			m[k] = true
		}
		for _, k := range []string{"can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories",
			"can_edit_stories", "can_delete_stories"} {
			m[k] = false
		}
	case StatusRestricted:
		m["is_member"] = true
		m["until_date"] = 0
		for _, k := range []string{"can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
			"can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
			"can_add_web_page_previews"} {
			m[k] = p.canSend
		}
		for _, k := range []string{"can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics"} {
			m[k] = false
		}
	case StatusKicked:
		m["until_date"] = 0
	}
	return m
}

// wireChatMemberUpdated is a ChatMemberUpdated as it travels over the wire.
type wireChatMemberUpdated struct {
	Chat          any            `json:"chat"`
	From          any            `json:"from"`
	Date          int64          `json:"date"`
	OldChatMember map[string]any `json:"old_chat_member"`
	NewChatMember map[string]any `json:"new_chat_member"`
}

// placeLocked is the bot's place in a group.
func (c *chat) placeLocked() botPlace {
	if c.bot.status == "" {
		return botPlace{status: StatusMember, canSend: true}
	}
	return c.bot
}

// setBotLocked changes the bot's place in a group made by the user by
// and queues the my_chat_member update that tells the bot.
func (s *Server) setBotLocked(chatID, by int64, next botPlace) {
	c := s.groupLocked(chatID)
	if c.migratedTo != 0 {
		panic(fmt.Sprintf("fakeapi: group %d was upgraded to %d; change the bot's place there", chatID, c.migratedTo))
	}
	u := s.userLocked(by)
	c.members[by] = true
	old := c.placeLocked()
	c.bot, c.joined = next, true
	me := s.me
	s.enqueueLocked("my_chat_member", wireChatMemberUpdated{
		Chat: s.wireChatLocked(chatID), From: u.model(), Date: s.now().Unix(),
		OldChatMember: old.wire(me), NewChatMember: next.wire(me),
	})
	s.notifyLocked()
}

// AddBotToGroup makes the user by add the bot to a group (negative id),
// created with title if new; the bot is told by a my_chat_member update
// (left → member). It does nothing while the bot is in the group, except
// in a group made by AddGroup (or a user's message), where it plays the
// bot being added for the first time.
func (s *Server) AddBotToGroup(chatID int64, title string, by int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.groupLocked(chatID)
	if title != "" {
		c.title = title
	}
	if c.joined && inGroupLocked(c) {
		return // in it already
	}
	// A group made by AddGroup had the bot in it without telling: from
	// now on it is told, starting from not being there.
	c.joined, c.bot = true, botPlace{status: StatusLeft}
	s.setBotLocked(chatID, by, botPlace{status: StatusMember, canSend: true})
}

// PromoteBot makes the user by make the bot an administrator of a group.
func (s *Server) PromoteBot(chatID, by int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joinedLocked(chatID)
	s.setBotLocked(chatID, by, botPlace{status: StatusAdministrator, canSend: true})
}

// RestrictBot makes the user by restrict the bot in a group; canSend
// says whether it may still send messages.
func (s *Server) RestrictBot(chatID, by int64, canSend bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joinedLocked(chatID)
	s.setBotLocked(chatID, by, botPlace{status: StatusRestricted, canSend: canSend})
}

// RemoveBotFromGroup makes the user by remove the bot from a group: kicked
// (banned) or, if not, left. Calls for the chat get 403 from then on.
func (s *Server) RemoveBotFromGroup(chatID, by int64, kicked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joinedLocked(chatID)
	next := botPlace{status: StatusLeft}
	if kicked {
		next.status = StatusKicked
	}
	s.setBotLocked(chatID, by, next)
}

// joinedLocked marks a group made without AddBotToGroup as one the bot
// is a member of, so a change of its place starts from there.
func (s *Server) joinedLocked(chatID int64) {
	c := s.groupLocked(chatID)
	if !c.joined {
		c.joined, c.bot = true, botPlace{status: StatusMember, canSend: true}
	}
}

// BotStatus returns the bot's chat member status in a group.
func (s *Server) BotStatus(chatID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil || chatID > 0 {
		return StatusLeft
	}
	return c.placeLocked().status
}

// AddGroupMembers makes users (registered if unknown) members of a group.
func (s *Server) AddGroupMembers(chatID int64, users ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.groupLocked(chatID)
	for _, u := range users {
		s.userLocked(u)
		c.members[u] = true
	}
}

// GroupMembers returns the users who are members of a group, by id.
func (s *Server) GroupMembers(chatID int64) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	var out []int64
	for u, in := range c.members {
		if in {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

// MigrateGroup makes the user by upgrade the basic group old to the
// supergroup to (at or below -1000000000000), as Telegram does: the new
// chat has the old one's title, members and bot, the bot gets a service
// message in each (migrate_to_chat_id in the old, migrate_from_chat_id in
// the new), and every later call for the old chat gets 400 "group chat
// was upgraded to a supergroup chat" with parameters.migrate_to_chat_id.
// The bot's messages in the old chat stay there, and can still be pressed.
func (s *Server) MigrateGroup(old, to, by int64) {
	if old <= supergroupIDs || old >= 0 || to > supergroupIDs {
		panic(fmt.Sprintf("fakeapi: MigrateGroup(%d, %d): a basic group's id is negative above %d, a supergroup's at or below", old, to, supergroupIDs))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	oc := s.groupLocked(old)
	if oc.migratedTo != 0 {
		panic(fmt.Sprintf("fakeapi: group %d was already upgraded to %d", old, oc.migratedTo))
	}
	if _, taken := s.chats[to]; taken {
		panic(fmt.Sprintf("fakeapi: chat %d exists already", to))
	}
	u := s.userLocked(by)
	nc := s.groupLocked(to)
	nc.title, nc.bot, nc.joined = oc.title, oc.placeLocked(), true
	for id, in := range oc.members {
		nc.members[id] = in
	}
	nc.members[by] = true
	inGroup := oc.placeLocked().status != StatusLeft && oc.placeLocked().status != StatusKicked
	if inGroup {
		s.serviceMessageLocked(oc, u, wireMessage{MigrateToChatID: to})
	}
	oc.migratedTo = to
	if inGroup {
		s.serviceMessageLocked(nc, u, wireMessage{MigrateFromChatID: old})
	}
}

// serviceMessageLocked queues a service message of u in c (a group
// upgrade), which is no user message to show.
func (s *Server) serviceMessageLocked(c *chat, u User, m wireMessage) {
	c.lastID++
	from := u.model()
	m.MessageID, m.From, m.Date, m.Chat = c.lastID, &from, s.now().Unix(), s.wireChatLocked(c.id)
	s.enqueueLocked("message", m)
	s.notifyLocked()
}

// groupRefusalLocked is the answer to a call for group c the bot cannot
// make: the group was upgraded, the bot is not in it, or may not write.
func groupRefusalLocked(c *chat) *apiError {
	kind := "group"
	if c.id <= supergroupIDs {
		kind = "supergroup"
	}
	if c.migratedTo != 0 {
		return &apiError{code: http.StatusBadRequest, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: c.migratedTo}
	}
	switch p := c.placeLocked(); {
	case p.status == StatusKicked:
		return &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was kicked from the " + kind + " chat"}
	case p.status == StatusLeft:
		return &apiError{code: http.StatusForbidden, desc: "Forbidden: bot is not a member of the " + kind + " chat"}
	case !p.posts():
		return badRequest("not enough rights to send text messages to the chat")
	}
	return nil
}

// inGroupLocked reports whether the bot hears what is said in group c:
// a bot that left, was removed or whose group was upgraded does not.
func inGroupLocked(c *chat) bool {
	if c.id > 0 {
		return true
	}
	st := c.placeLocked().status
	return c.migratedTo == 0 && st != StatusLeft && st != StatusKicked
}
