package groups

import (
	"errors"
	"strings"
	"time"

	"dutybot/storage"
)

// ActorSystem is the actor of changes nobody known made.
const ActorSystem = "system"

// Place is what Telegram tells of the bot's place in a group chat (a
// my_chat_member update): its status, whether it may post, who changed it.
type Place struct {
	Chat    int64
	Title   string
	State   string // storage.Group…
	CanPost bool
	// By is the bound official who made the change; ByName the Telegram
	// user's name, for anyone else.
	By, ByName string
}

// Placed records the bot's place in a group chat. The admins are told,
// once per change: that the bot was added to a chat no group is bound to
// (and which ids /bindgroup takes), that it can no longer post in a work
// group, or that it can again. An update seen twice changes nothing.
func (s *Service) Placed(p Place) error {
	now := s.clock.Now()
	told := false
	err := s.db.Update(func(tx *storage.Tx) error {
		told = false
		rec, err := tx.GroupChat(p.Chat)
		known := err == nil
		switch {
		case errors.Is(err, storage.ErrNotFound):
			rec = storage.GroupChat{ChatID: p.Chat}
		case err != nil:
			return err
		}
		if rec.MovedTo != 0 {
			return nil // an upgraded group's old chat: news of the group come from the new one
		}
		if known && rec.State == p.State && rec.CanPost == p.CanPost && (p.Title == "" || p.Title == rec.Title) {
			return nil
		}
		old := rec
		rec.State, rec.CanPost, rec.ChangedAt = p.State, p.CanPost, now
		if p.Title != "" {
			rec.Title = p.Title
		}
		if err := tx.PutGroupChat(rec); err != nil {
			return err
		}
		g, bound := s.cfg.Group(rec.Group)
		bound = bound && rec.Group != ""
		by := p.ByName
		if p.By != "" {
			by = s.cfg.OfficialName(p.By)
		}
		switch {
		case !bound:
			if inChat(old.State) || !inChat(p.State) {
				return nil
			}
			list, err := s.unbound(tx)
			if err != nil {
				return err
			}
			told = true
			return s.tellAdmins(tx, "added:"+chatKey(rec.ChatID), func(lang string) string {
				return s.tr.T(lang, "GroupAdminAdded", map[string]any{"Title": rec.Title, "By": by, "Groups": list})
			})
		case old.State == p.State && old.CanPost == p.CanPost:
			return nil // a new title only
		}
		actor := p.By
		if actor == "" {
			actor = ActorSystem
		}
		if err := record(tx, now, storage.EvGroupState, storage.CodeGroupState, actor, g.Name, rec,
			storage.Word("State", storage.VocabWord, "group_"+p.State)); err != nil {
			return err
		}
		switch {
		case old.CanPost && !p.CanPost:
			told = true
			return s.tellCannotPost(tx, g.Name, rec, p.State, by)
		case !old.CanPost && p.CanPost:
			told = true
			return s.tellAdmins(tx, "post:"+chatKey(rec.ChatID), func(lang string) string {
				return s.tr.T(lang, "GroupAdminCanPost", map[string]any{"Name": g.Name, "Title": rec.Title})
			})
		}
		return nil
	})
	if err == nil && told {
		s.engine.WakeOutbox()
	}
	return err
}

// tellCannotPost tells the admins the bot can no longer post in a work
// group, and why (a cause: a state, or "gone").
func (s *Service) tellCannotPost(tx *storage.Tx, name string, rec storage.GroupChat, cause, by string) error {
	return s.tellAdmins(tx, "post:"+chatKey(rec.ChatID), func(lang string) string {
		why := s.tr.T(lang, "GroupWhy_"+cause, nil)
		if by != "" {
			why = s.tr.T(lang, "GroupWhyBy", map[string]any{"Why": why, "By": by})
		}
		return s.tr.T(lang, "GroupAdminCannotPost", map[string]any{"Name": name, "Title": rec.Title, "Why": why})
	})
}

// Causes of a send to a group that failed for the chat's sake.
const causeGone = "gone" // the chat does not exist (any more)

// causeOf reads why a send to a group failed from the Bot API's answer:
// the bot was removed, left, may not write, the chat is gone; "" for any
// other failure, which says nothing of the chat.
func causeOf(reason string) string {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "kicked"):
		return storage.GroupKicked
	case strings.Contains(r, "not a member"):
		return storage.GroupLeft
	case strings.Contains(r, "chat not found"), strings.Contains(r, "deactivated"), strings.Contains(r, "chat was deleted"):
		return causeGone
	case strings.Contains(r, "not enough rights"), strings.Contains(r, "have no rights"),
		strings.Contains(r, "chat_write_forbidden"), strings.Contains(r, "chat_restricted"):
		return storage.GroupRestricted
	}
	return ""
}

// undelivered is the engine's Undelivered hook: a message to a group chat
// given up because the bot cannot post there marks the chat so, and the
// admins are told when that is news.
func (s *Service) undelivered(tx *storage.Tx, j storage.Job, reason string, _ bool, at time.Time) error {
	if j.ChatID >= 0 {
		return nil
	}
	cause := causeOf(reason)
	if cause == "" {
		return nil
	}
	rec, err := tx.GroupChat(j.ChatID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil || rec.MovedTo != 0 {
		return err
	}
	state := rec.State
	if cause != causeGone {
		state = cause
	}
	if !rec.CanPost && rec.State == state {
		return nil
	}
	old := rec
	rec.CanPost, rec.State, rec.ChangedAt = false, state, at
	if err := tx.PutGroupChat(rec); err != nil {
		return err
	}
	s.log.Warn("the bot cannot post in a group chat", "group", rec.Group, "chat", rec.ChatID, "cause", cause)
	g, bound := s.cfg.Group(rec.Group)
	if !bound || rec.Group == "" {
		return nil
	}
	if err := record(tx, at, storage.EvGroupState, storage.CodeGroupState, ActorSystem, g.Name, rec,
		storage.Word("State", storage.VocabWord, wordOf(state))); err != nil {
		return err
	}
	if !old.CanPost {
		return nil // told already
	}
	return s.tellCannotPost(tx, g.Name, rec, cause, "")
}

// wordOf is the ledger's word for a state; none for a state not known.
func wordOf(state string) string {
	if state == "" {
		return ""
	}
	return "group_" + state
}

// Migrated follows a group chat upgraded to a supergroup (Telegram's
// migrate_to_chat_id and migrate_from_chat_id service messages): the
// chat's record, and the group bound to it, move to the new chat, which
// remembers the old one; the old chat's record points at the new one.
// Seen twice (both service messages, a send's answer) it moves once.
func (s *Service) Migrated(from, to int64) error {
	return s.db.Update(func(tx *storage.Tx) error { return s.migrate(tx, from, to, s.clock.Now()) })
}

// moved is the engine's Moved hook: a send answered with the chat a group
// became.
func (s *Service) moved(tx *storage.Tx, j storage.Job, to int64, at time.Time) error {
	return s.migrate(tx, j.ChatID, to, at)
}

func (s *Service) migrate(tx *storage.Tx, from, to int64, at time.Time) error {
	if from == to || from >= 0 || to >= 0 {
		return nil
	}
	old, err := tx.GroupChat(from)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // a chat the bot knows nothing of
	}
	if err != nil || old.MovedTo != 0 {
		return err // moved already
	}
	next := old
	next.ChatID, next.MigratedFrom, next.MovedTo, next.ChangedAt = to, from, 0, at
	if ex, err := tx.GroupChat(to); err == nil {
		// The bot heard of the new chat first: what it heard is newer.
		if ex.State != "" {
			next.State, next.CanPost = ex.State, ex.CanPost
		}
		if ex.Title != "" {
			next.Title = ex.Title
		}
		if next.Group == "" {
			next.Group = ex.Group
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	old.MovedTo, old.ChangedAt = to, at
	if err := tx.PutGroupChat(old); err != nil {
		return err
	}
	if err := tx.PutGroupChat(next); err != nil {
		return err
	}
	s.log.Info("a group chat became a supergroup; following it", "group", next.Group, "from", from, "to", to)
	g, bound := s.cfg.Group(next.Group)
	if !bound || next.Group == "" {
		return nil
	}
	if g.ChatID == from {
		s.log.Warn("a configured group's chat became a supergroup: update its chat_id", "group", g.ID, "chat_id", from, "new", to)
	}
	return record(tx, at, storage.EvGroupMigrated, storage.CodeGroupMigrated, ActorSystem, g.Name, next)
}
