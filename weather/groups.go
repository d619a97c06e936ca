package weather

import (
	"errors"
	"strings"
	"time"

	"dutybot/storage"
)

// A warning is also shown in the work groups of weather.groups: one
// summary message per group (type, level, text, units and the 熔断 board
// as the watchers see it), edited in place as the board changes, like the
// watchers' boards, and a notice when the warning is lifted. The private
// calls stay the record: a group that is not bound, or where the bot
// cannot post, is skipped.

// TopicWarning marks the messages a warning posts in work groups
// (storage.Ref.Topic).
const TopicWarning = "warning"

// groupScope names the live view of a warning's summary in one group.
func groupScope(warning, group string) string { return "groupwarn/" + warning + "/" + group }

// showGroups queues the warning's summary in each of weather.groups: an
// edit of the message already delivered to the group's current chat, or
// else the first message. The outbox paces a group's messages (its group
// limit) and an edit still waiting is replaced by the next one, so a burst
// of confirmations costs few edits.
func (s *Service) showGroups(tx *storage.Tx, w Warning, items []ChecklistItem, now time.Time) error {
	for _, g := range s.cfg.Weather.Groups {
		chat, err := tx.GroupChatOf(g)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !chat.CanPost {
			s.log.Warn("warning not shown in a group the bot cannot post in", "warning", w.ID, "group", g)
			continue
		}
		text := s.GroupText(s.cfg.Language, w, items, now)
		scope := groupScope(w.ID, g)
		rc, err := tx.View(scope, "")
		switch {
		case errors.Is(err, storage.ErrNotFound):
			rc = storage.View{Scope: scope}
			if err := tx.PutView(rc); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		job := storage.Job{Key: "show:" + scope, ChatID: chat.ChatID, Op: storage.OpSend, Text: text,
			Ref: storage.Ref{Kind: storage.RefView, Alert: w.ID, Target: scope, Topic: TopicWarning}, CreatedAt: now}
		if rc.MessageID != 0 && rc.ChatID == chat.ChatID {
			job.Key, job.Op, job.MessageID = "edit:"+scope, storage.OpEdit, rc.MessageID
			job.Ref = storage.Ref{Kind: storage.RefInfo, Alert: w.ID, Target: g, Topic: TopicWarning}
		}
		if _, err := tx.Enqueue(job); err != nil {
			return err
		}
	}
	return nil
}

// liftGroups tells each of weather.groups that the warning is lifted, as
// a message of its own (an edit alone goes unnoticed), and shows the
// summary's final state.
func (s *Service) liftGroups(tx *storage.Tx, w Warning, items []ChecklistItem, now time.Time) error {
	if len(s.cfg.Weather.Groups) == 0 {
		return nil
	}
	if err := s.showGroups(tx, w, items, now); err != nil {
		return err
	}
	for _, g := range s.cfg.Weather.Groups {
		_, err := s.engine.PostInGroup(tx, g, "lift:"+w.ID+":"+g, storage.Ref{Kind: storage.RefInfo, Alert: w.ID, Topic: TopicWarning}, now,
			func(lang string) string {
				return s.tr.T(lang, "WarnGroupLifted", map[string]any{"Title": s.DisplayTitle(lang, w), "ID": w.ID,
					"Time": s.hhmm(w.LiftedAt), "Meltdown": w.Meltdown})
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// GroupText words a warning for a work group: its title, type and level,
// text and units, then the 熔断 board if it has a checklist. Names only,
// never phone numbers or board links.
func (s *Service) GroupText(lang string, w Warning, items []ChecklistItem, now time.Time) string {
	lines := []string{
		s.tr.T(lang, "WarnGroupHeader", map[string]any{"Title": s.DisplayTitle(lang, w), "ID": w.ID,
			"Type": s.TypeName(lang, w.Type), "Level": s.LevelName(lang, w.Level), "Time": s.hhmm(w.IssuedAt)}),
	}
	if w.Text != "" {
		lines = append(lines, w.Text)
	}
	lines = append(lines, s.tr.T(lang, "WarnBodyUnits", map[string]any{"Units": s.UnitNames(lang, w.Units)}))
	switch {
	case len(items) > 0:
		lines = append(lines, "", s.BoardText(lang, w, items, now))
	case w.State != WarningActive:
		lines = append(lines, s.tr.T(lang, "WarnBoardLifted", map[string]any{"Time": s.hhmm(w.LiftedAt)}))
	default:
		lines = append(lines, s.tr.T(lang, "WarnGroupPrivate", nil))
	}
	return strings.Join(lines, "\n")
}
