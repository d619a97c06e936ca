package hazard

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/locales"
	"dutybot/storage"
)

// Fire implements scheduler.FireFunc for the deadlines "h:<id>": a hazard
// still unrectified at its deadline raises a 叫应 to the responsible
// official. It runs in the transaction that removes the deadline, so it
// acts once; a deadline of an earlier round, or of a hazard rectified
// meanwhile, does nothing.
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		id, ok := strings.CutPrefix(d.Key, DeadlinePrefix)
		if !ok {
			s.log.Warn("hazard: unknown deadline", "key", d.Key)
			continue
		}
		h, err := Load(tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			s.log.Warn("hazard: deadline of an unknown hazard", "key", d.Key)
			continue
		}
		if err != nil {
			return err
		}
		if h.State != StateAssigned || h.Overdue || !h.Deadline.Equal(d.At) {
			continue
		}
		if err := s.overdue(tx, &h, now); err != nil {
			return fmt.Errorf("hazard %s overdue: %w", id, err)
		}
	}
	return nil
}

// overdue marks a hazard's round overdue and raises its 叫应, worded in
// each language so every reader gets their own.
func (s *Service) overdue(tx *storage.Tx, h *Hazard, now time.Time) error {
	h.Overdue = true
	if err := Put(tx, *h); err != nil {
		return err
	}
	who := s.Responsible(*h)
	local := map[string]callout.AlertText{}
	for _, lang := range locales.Languages() {
		data := map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName, "Due": s.when(h.Deadline),
			"Level": s.tr.T(lang, "HazardLevel_"+h.Level, nil), "Person": h.Responsible.Name,
			"Phone": h.Responsible.Phone, "Description": excerpt(h.Description, 300)}
		local[lang] = callout.AlertText{Title: s.tr.T(lang, "HazardOverdueTitle", data), Body: s.tr.T(lang, "HazardOverdueBody", data)}
	}
	def := local[s.cfg.Language]
	if def.Title == "" {
		def = local[locales.ZH]
	}
	level := OverdueLevel[h.Level]
	if level == "" {
		level = "yellow"
	}
	detail := fmt.Sprintf("due %s; 叫应 to %s", s.when(h.Deadline), who)
	a, err := s.engine.CreateIn(tx, callout.Request{Kind: KindHazard, Level: level, Title: def.Title, Body: def.Body,
		Local: local, Targets: callout.Targets{Officials: []string{who}}, Source: "hazard",
		Links: []string{OverdueLink(h.ID, h.Round)}}, now)
	switch {
	case errors.Is(err, callout.ErrLinked):
	case err != nil:
		return err
	default:
		detail += ", alert " + a.ID
	}
	if err := s.tellEnterprise(tx, *h, now, func(lang string) string {
		return s.tr.T(lang, "HazardEnterpriseOverdue", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
			"Description": excerpt(h.Description, 300), "Due": s.when(h.Deadline)})
	}); err != nil {
		return err
	}
	return tx.AppendEvent(storage.Event{At: now, Type: EvOverdue, Alert: h.ID, Actor: "system",
		Detail: detail, Code: storage.CodeHazardOverdue, Args: []storage.Arg{storage.Text("Enterprise", h.EnterpriseName),
			storage.Time("Due", h.Deadline), storage.Officials("People", who)}})
}
