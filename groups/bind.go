package groups

import (
	"errors"
	"fmt"

	"dutybot/config"
	"dutybot/storage"
)

// ActorConfig is the actor of what the configuration did (a chat_id).
const ActorConfig = "config"

// Sync binds the groups whose chat the configuration gives (chat_id) and
// lets go of the chats of groups no longer configured; it runs at start.
// A configured chat that was upgraded to a supergroup stays followed to
// its new chat (and the log asks for the new chat_id). A chat bound to
// another group with /bindgroup is taken over: the configuration decides.
func (s *Service) Sync() error {
	now := s.clock.Now()
	return s.db.Update(func(tx *storage.Tx) error {
		for i, g := range s.cfg.Groups {
			if g.ChatID == 0 {
				continue
			}
			rec, err := current(tx, g.ChatID)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				// Not heard of yet: assume the bot can post until a send
				// or Telegram says otherwise.
				rec = storage.GroupChat{ChatID: g.ChatID, CanPost: true}
			case err != nil:
				return err
			}
			if rec.ChatID != g.ChatID {
				s.log.Warn("a configured group's chat became a supergroup; the bot follows it, but update chat_id",
					"key", fmt.Sprintf("groups[%d].chat_id", i), "group", g.ID, "chat_id", g.ChatID, "now", rec.ChatID)
			}
			if rec.Group == g.ID {
				continue
			}
			if rec.Group != "" {
				s.log.Warn("groups.chat_id takes a chat over from the group it was bound to with /bindgroup",
					"group", g.ID, "chat", rec.ChatID, "was", rec.Group)
			}
			rec.Group, rec.BoundBy, rec.BoundAt, rec.ChangedAt = g.ID, ActorConfig, now, now
			if err := tx.PutGroupChat(rec); err != nil {
				return err
			}
			if err := record(tx, now, storage.EvGroupBound, storage.CodeGroupBound, ActorConfig, g.Name, rec); err != nil {
				return err
			}
		}
		all, err := tx.GroupChats()
		if err != nil {
			return err
		}
		for _, rec := range all {
			if _, ok := s.cfg.Group(rec.Group); ok || rec.Group == "" || rec.MovedTo != 0 {
				continue
			}
			s.log.Warn("a chat was bound to a group the configuration no longer lists; it is let go", "group", rec.Group, "chat", rec.ChatID)
			gone := rec.Group
			rec.Group, rec.ChangedAt = "", now
			if err := tx.PutGroupChat(rec); err != nil {
				return err
			}
			if err := record(tx, now, storage.EvGroupUnbound, storage.CodeGroupUnbound, ActorConfig, gone, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// Bound is the outcome of a /bindgroup.
type Bound struct {
	Chat
	Already  bool // the chat was bound to this group before: nothing changed
	Expected int  // officials expected to answer there
}

// Bind binds the group chat chatID (titled title) to the configured group
// id at the request of official, who must be an admin. A group whose
// chat the configuration gives, a group bound to another chat, a chat
// bound to another group are refused (*Refusal) and nothing changes.
func (s *Service) Bind(official, id string, chatID int64, title string) (Bound, error) {
	if o, ok := s.cfg.Official(official); !ok || !o.HasRole(config.RoleAdmin) {
		return Bound{}, refuse("GroupBindForbidden", nil)
	}
	if chatID >= 0 {
		return Bound{}, refuse("GroupBindPrivate", nil)
	}
	g, ok := s.cfg.Group(id)
	if id == "" || !ok {
		var list string
		if err := s.db.View(func(tx *storage.Tx) (err error) { list, err = s.unbound(tx); return err }); err != nil {
			return Bound{}, err
		}
		if id == "" {
			return Bound{}, refuse("GroupBindUsage", map[string]any{"Groups": list})
		}
		return Bound{}, refuse("GroupUnknown", map[string]any{"ID": cut(id), "Groups": s.configured()})
	}
	now := s.clock.Now()
	var out Bound
	err := s.db.Update(func(tx *storage.Tx) error {
		out = Bound{Chat: Chat{Group: g}, Expected: len(s.cfg.GroupMembers(g.ID))}
		rec, err := current(tx, chatID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			// The bot was not told it is here, but it got a message.
			rec = storage.GroupChat{ChatID: chatID, State: storage.GroupMember, CanPost: true}
		case err != nil:
			return err
		}
		if title != "" && rec.ChatID == chatID {
			rec.Title = title
		}
		if rec.Group == g.ID {
			out.Already, out.Chat.Chat = true, rec
			return nil
		}
		if rec.Group != "" {
			other, _ := s.cfg.Group(rec.Group)
			return refuse("GroupChatTaken", map[string]any{"Name": other.Name, "ID": other.ID})
		}
		if g.ChatID != 0 && !s.follows(tx, g.ChatID, rec.ChatID) {
			return refuse("GroupBindConfigured", map[string]any{"Name": g.Name, "ID": g.ID})
		}
		if cur, err := tx.GroupChatOf(g.ID); err == nil && cur.ChatID != rec.ChatID {
			return refuse("GroupBoundElsewhere", map[string]any{"Name": g.Name, "ID": g.ID, "Title": cur.Title})
		} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if rec.State == "" {
			rec.State, rec.CanPost = storage.GroupMember, true
		}
		rec.Group, rec.BoundBy, rec.BoundAt, rec.ChangedAt = g.ID, official, now, now
		if err := tx.PutGroupChat(rec); err != nil {
			return err
		}
		out.Chat.Chat = rec
		return record(tx, now, storage.EvGroupBound, storage.CodeGroupBound, official, g.Name, rec)
	})
	if err != nil {
		return Bound{}, err
	}
	if !out.Already {
		s.log.Info("work group bound", "group", g.ID, "chat", out.Chat.Chat.ChatID, "by", official)
	}
	return out, nil
}

// follows reports whether chat is the configured chat or the one it
// became.
func (s *Service) follows(tx *storage.Tx, configured, chat int64) bool {
	if configured == chat {
		return true
	}
	rec, err := current(tx, configured)
	return err == nil && rec.ChatID == chat
}

// Unbind lets go of a group's chat at the request of official, who must
// be an admin: the group named by id or, when id is empty, the one bound
// to chatID (following a chat that became a supergroup). A chat given by
// the configuration is refused: the configuration decides.
func (s *Service) Unbind(official, id string, chatID int64) (Chat, error) {
	if o, ok := s.cfg.Official(official); !ok || !o.HasRole(config.RoleAdmin) {
		return Chat{}, refuse("GroupBindForbidden", nil)
	}
	if id == "" && chatID >= 0 {
		return Chat{}, refuse("GroupUnbindUsage", nil)
	}
	if id != "" {
		if _, ok := s.cfg.Group(id); !ok {
			return Chat{}, refuse("GroupUnknown", map[string]any{"ID": cut(id), "Groups": s.configured()})
		}
	}
	now := s.clock.Now()
	var out Chat
	err := s.db.Update(func(tx *storage.Tx) error {
		var rec storage.GroupChat
		var err error
		if id != "" {
			rec, err = tx.GroupChatOf(id)
		} else {
			rec, err = current(tx, chatID)
		}
		g, configured := s.cfg.Group(rec.Group)
		switch {
		case errors.Is(err, storage.ErrNotFound) || err == nil && (rec.Group == "" || !configured):
			if id != "" {
				g, _ := s.cfg.Group(id)
				return refuse("GroupNotBoundID", map[string]any{"Name": g.Name, "ID": g.ID})
			}
			return refuse("GroupNotBound", nil)
		case err != nil:
			return err
		}
		if g.ChatID != 0 && s.follows(tx, g.ChatID, rec.ChatID) {
			return refuse("GroupUnbindConfigured", map[string]any{"Name": g.Name, "ID": g.ID})
		}
		out = Chat{Group: g, Chat: rec}
		rec.Group, rec.ChangedAt = "", now
		if err := tx.PutGroupChat(rec); err != nil {
			return err
		}
		return record(tx, now, storage.EvGroupUnbound, storage.CodeGroupUnbound, official, g.Name, rec)
	})
	if err != nil {
		return Chat{}, err
	}
	s.log.Info("work group unbound", "group", out.Group.ID, "chat", out.Chat.ChatID, "by", official)
	return out, nil
}

// cut keeps an id typed by someone short enough to echo.
func cut(id string) string {
	r := []rune(id)
	if len(r) > config.MaxIDLen {
		return string(r[:config.MaxIDLen]) + "…"
	}
	return id
}
