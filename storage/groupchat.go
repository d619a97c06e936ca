package storage

import (
	"bytes"
	"strconv"
	"time"
)

// The chats of the town's work groups (工作群, the configuration's groups):
// which Telegram group chat each group is bound to, and what the bot knows
// of its place there as Telegram last reported it. A record is kept per
// chat, also for a chat the bot was added to that nobody has bound yet, so
// that /bindgroup finds its state; a second bucket indexes each group's
// current chat. A chat upgraded to a supergroup keeps its record, pointing
// at the new chat (MovedTo), so a press on a message of the old chat still
// finds its group.

// Events of the work groups.
const (
	EvGroupBound    = "group_bound"    // a chat was bound to a group
	EvGroupUnbound  = "group_unbound"  // a group's chat was let go
	EvGroupState    = "group_state"    // the bot's place in a group's chat changed
	EvGroupMigrated = "group_migrated" // a group's chat became a supergroup
)

// Codes of the work groups' events (Event.Code). Group is the group's
// name and Chat the chat's title, as they were then.
const (
	CodeGroupBound    = "group_bound"    // Group, Chat
	CodeGroupUnbound  = "group_unbound"  // Group, Chat
	CodeGroupState    = "group_state"    // Group (when bound), Chat, State (word: group_<state>)
	CodeGroupMigrated = "group_migrated" // Group, Chat
)

// Words of VocabWord for the bot's place in a group chat: "group_" and
// the state.
const (
	WordGroupMember        = "group_" + GroupMember
	WordGroupAdministrator = "group_" + GroupAdministrator
	WordGroupRestricted    = "group_" + GroupRestricted
	WordGroupLeft          = "group_" + GroupLeft
	WordGroupKicked        = "group_" + GroupKicked
)

// States of the bot in a group chat: Telegram's chat member status.
const (
	GroupMember        = "member"
	GroupAdministrator = "administrator"
	GroupRestricted    = "restricted"
	GroupLeft          = "left"
	GroupKicked        = "kicked"
)

// Buckets of the work groups' chats.
var (
	bGroupChats = []byte("group_chats") // chat id (decimal) -> GroupChat
	bGroups     = []byte("groups")      // group id -> chat id (decimal) of its current chat
)

// GroupChat is a Telegram group chat the bot was in or was told of: the
// work group it is bound to, if any, and the bot's place there.
type GroupChat struct {
	ChatID int64  `json:"chat_id"`
	Group  string `json:"group,omitempty"` // the configured group's id; "" while unbound
	Title  string `json:"title,omitempty"` // the chat's title in Telegram
	// State is the bot's chat member status (Group…); "" until Telegram
	// has told (a chat known from the configuration only).
	State string `json:"state,omitempty"`
	// CanPost says whether the bot can post in the chat, as far as it
	// knows: a member or administrator can, a restricted member only if
	// allowed to send messages, a bot that left or was removed cannot.
	CanPost bool      `json:"can_post"`
	BoundBy string    `json:"bound_by,omitempty"` // the official who sent /bindgroup, or "config"
	BoundAt time.Time `json:"bound_at,omitzero"`
	// MigratedFrom is the chat this one was upgraded from (a basic group
	// become a supergroup); MovedTo, on that old chat's record, the chat
	// it became.
	MigratedFrom int64     `json:"migrated_from,omitempty"`
	MovedTo      int64     `json:"moved_to,omitempty"`
	ChangedAt    time.Time `json:"changed_at"` // the last change of any of the above
}

// PutGroupChat stores g. The index follows: a group reaches one current
// chat, so binding g's group here unbinds the chat it was bound to before,
// and a chat that no longer holds a group (unbound, rebound, moved on) is
// no longer indexed under it.
func (t *Tx) PutGroupChat(g GroupChat) error {
	idx := t.tx.Bucket(bGroups)
	if old, err := t.GroupChat(g.ChatID); err == nil && old.Group != "" && (old.Group != g.Group || g.MovedTo != 0) {
		if cur, ok := t.groupIndex(old.Group); ok && cur == g.ChatID {
			if err := idx.Delete([]byte(old.Group)); err != nil {
				return err
			}
		}
	}
	current := g.Group != "" && g.MovedTo == 0
	if current {
		if prev, ok := t.groupIndex(g.Group); ok && prev != g.ChatID {
			if p, err := t.GroupChat(prev); err == nil && p.Group == g.Group && p.MovedTo == 0 {
				p.Group, p.ChangedAt = "", g.ChangedAt
				if err := t.put(bGroupChats, chatKey(prev), p); err != nil {
					return err
				}
			}
		}
	}
	if err := t.put(bGroupChats, chatKey(g.ChatID), g); err != nil {
		return err
	}
	if current {
		return idx.Put([]byte(g.Group), chatKey(g.ChatID))
	}
	return nil
}

// GroupChat returns the record of a chat.
func (t *Tx) GroupChat(chatID int64) (GroupChat, error) {
	var g GroupChat
	if t.tx.Bucket(bGroupChats) == nil {
		return g, ErrNotFound // a file opened read-only from before groups
	}
	err := t.get(bGroupChats, chatKey(chatID), &g)
	return g, err
}

// GroupChatOf returns the current chat of a group.
func (t *Tx) GroupChatOf(group string) (GroupChat, error) {
	chat, ok := t.groupIndex(group)
	if !ok {
		return GroupChat{}, ErrNotFound
	}
	return t.GroupChat(chat)
}

// GroupChats lists every chat's record, old chats of migrated groups
// included.
func (t *Tx) GroupChats() ([]GroupChat, error) {
	b := t.tx.Bucket(bGroupChats)
	if b == nil {
		return nil, nil
	}
	var out []GroupChat
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var g GroupChat
		if err := decode(v, &g); err != nil {
			return nil, &CorruptError{Bucket: string(bGroupChats), Key: bytes.Clone(k), Err: err}
		}
		out = append(out, g)
	}
	return out, nil
}

func (t *Tx) groupIndex(group string) (int64, bool) {
	b := t.tx.Bucket(bGroups)
	if b == nil || group == "" {
		return 0, false
	}
	v := b.Get([]byte(group))
	if v == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(v), 10, 64)
	return id, err == nil
}
