// Package groups keeps the town's work groups (工作群: 镇安全生产工作群, 防汛群,
// 村社区书记群) as known places: which Telegram group chat each configured
// group is bound to (by its chat_id in the configuration, or by /bindgroup
// sent in the group by an admin), the bot's place there as Telegram
// reports it (member, administrator, restricted, removed), a group
// upgraded to a supergroup followed to its new chat, and the admins told
// when the bot can no longer post in a group. It knows nothing of
// Telegram's wire format: the bot hands it what it learns.
package groups

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// Service keeps the work groups' chats.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
}

// New returns the service and hooks it to the outbox's failures and
// moves (through the engine), so that a group the bot cannot post in, or
// that moved to a supergroup, is followed whatever was being sent.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log}
	engine.AddHooks(callout.Hooks{Undelivered: s.undelivered, Moved: s.moved})
	return s
}

// Chat is a configured work group with its chat, if bound.
type Chat struct {
	Group config.Group
	// Chat is the bound chat's record; zero (ChatID 0) while unbound.
	Chat storage.GroupChat
}

// Bound reports whether the group has a chat.
func (c Chat) Bound() bool { return c.Chat.ChatID != 0 }

// Refusal is a request the service turns down, with the message that
// explains it (a locales id and its data), so nothing changes.
type Refusal struct {
	Message string
	Data    map[string]any
}

func (r *Refusal) Error() string { return "refused: " + r.Message }

// Explain words a refusal in lang.
func (s *Service) Explain(lang string, r *Refusal) string { return s.tr.T(lang, r.Message, r.Data) }

func refuse(msg string, data map[string]any) error { return &Refusal{Message: msg, Data: data} }

// ByChat returns the work group a chat is bound to, following a chat
// that became a supergroup to its new chat, so a press on a message of
// the old chat finds its group.
func (s *Service) ByChat(chatID int64) (Chat, bool, error) {
	var out Chat
	var ok bool
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		out, ok, err = s.byChat(tx, chatID)
		return err
	})
	return out, ok, err
}

func (s *Service) byChat(tx *storage.Tx, chatID int64) (Chat, bool, error) {
	rec, err := current(tx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return Chat{}, false, nil
	}
	if err != nil {
		return Chat{}, false, err
	}
	g, ok := s.cfg.Group(rec.Group)
	if rec.Group == "" || !ok {
		return Chat{}, false, nil
	}
	return Chat{Group: g, Chat: rec}, true, nil
}

// current is a chat's record, or that of the chat it became.
func current(tx *storage.Tx, chatID int64) (storage.GroupChat, error) {
	rec, err := tx.GroupChat(chatID)
	for hops := 0; err == nil && rec.MovedTo != 0 && hops < 4; hops++ {
		rec, err = tx.GroupChat(rec.MovedTo)
	}
	return rec, err
}

// Get returns a configured group and its chat, if bound.
func (s *Service) Get(id string) (Chat, bool, error) {
	g, ok := s.cfg.Group(id)
	if !ok {
		return Chat{}, false, nil
	}
	out := Chat{Group: g}
	err := s.db.View(func(tx *storage.Tx) error {
		rec, err := tx.GroupChatOf(id)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		out.Chat = rec
		return err
	})
	return out, true, err
}

// Expected lists the ids of the officials expected to answer in a group,
// in configuration order.
func (s *Service) Expected(id string) []string {
	var out []string
	for _, o := range s.cfg.GroupMembers(id) {
		out = append(out, o.ID)
	}
	return out
}

// List returns every configured group, in configuration order, with its
// chat if bound, and the chats the bot is in that no group is bound to.
func (s *Service) List() (groups []Chat, others []storage.GroupChat, err error) {
	err = s.db.View(func(tx *storage.Tx) error {
		groups = groups[:0]
		for _, g := range s.cfg.Groups {
			c := Chat{Group: g}
			rec, err := tx.GroupChatOf(g.ID)
			switch {
			case err == nil:
				c.Chat = rec
			case !errors.Is(err, storage.ErrNotFound):
				return err
			}
			groups = append(groups, c)
		}
		all, err := tx.GroupChats()
		if err != nil {
			return err
		}
		others = others[:0]
		for _, rec := range all {
			if _, configured := s.cfg.Group(rec.Group); configured || rec.MovedTo != 0 || !inChat(rec.State) {
				continue
			}
			others = append(others, rec)
		}
		return nil
	})
	return groups, others, err
}

// inChat reports whether a state is one of being in the chat.
func inChat(state string) bool {
	switch state {
	case storage.GroupMember, storage.GroupAdministrator, storage.GroupRestricted:
		return true
	}
	return false
}

// unbound names the configured groups without a chat, "g-flood（防汛群）",
// for the answers that tell which ids /bindgroup takes.
func (s *Service) unbound(tx *storage.Tx) (string, error) {
	var names []string
	for _, g := range s.cfg.Groups {
		_, err := tx.GroupChatOf(g.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			names = append(names, fmt.Sprintf("%s（%s）", g.ID, g.Name))
		case err != nil:
			return "", err
		}
	}
	return strings.Join(names, "、"), nil
}

// configured names every configured group, "g-flood（防汛群）".
func (s *Service) configured() string {
	names := make([]string, len(s.cfg.Groups))
	for i, g := range s.cfg.Groups {
		names[i] = fmt.Sprintf("%s（%s）", g.ID, g.Name)
	}
	return strings.Join(names, "、")
}

// admins are the ids of the admins, who hear of the groups' troubles.
func (s *Service) admins() []string {
	var out []string
	for _, o := range s.cfg.OfficialsWithRole(config.RoleAdmin) {
		out = append(out, o.ID)
	}
	return out
}

// tellAdmins queues a notice to every bound admin inside tx, worded in
// each one's language; key makes a notice still waiting replace the
// earlier one about the same thing.
func (s *Service) tellAdmins(tx *storage.Tx, key string, render func(lang string) string) error {
	return s.engine.Tell(tx, s.admins(), "group:"+key, storage.Ref{Kind: storage.RefInfo, Topic: callout.TopicAdmin},
		s.clock.Now(), func(lang string) (string, [][]storage.Button) { return render(lang), nil })
}

func chatKey(id int64) string { return strconv.FormatInt(id, 10) }

// record appends a change of a chat to the log, for the 履职档案: Group is
// the group's name ("" for a chat no group is bound to), Chat its title.
func record(tx *storage.Tx, at time.Time, typ, code, actor, name string, rec storage.GroupChat, args ...storage.Arg) error {
	a := append([]storage.Arg{storage.Text("Group", name), storage.Text("Chat", rec.Title)}, args...)
	return tx.AppendEvent(storage.Event{At: at, Type: typ, Actor: actor, Code: code, Args: a,
		Detail: fmt.Sprintf("group %q, chat %d %q", rec.Group, rec.ChatID, rec.Title)})
}
