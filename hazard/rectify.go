package hazard

import (
	"errors"
	"fmt"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// Rectification is a report that a hazard was fixed (整改).
type Rectification struct {
	// By is the official who reports it, or storage.ActorEnterprise for the
	// enterprise's own responsible person.
	By string
	// Name is who reported it for the enterprise; by default the person
	// responsible for the hazard.
	Name   string
	Note   string
	Photos []string // Telegram file ids of the fixed hazard; at least one
	// Chat, for a report by the enterprise from its chat, is that chat: it
	// must be the one bound to the enterprise's responsible person when
	// the step is recorded (CheckPrincipal), or ErrForbidden.
	Chat int64
}

// Rectified records that an assigned hazard was fixed, with photos and a
// note: its deadline and any overdue 叫应 end, and those who may recheck it
// are asked to.
func (s *Service) Rectified(id string, r Rectification) (Hazard, error) {
	var err error
	if r.Note, err = text("note", r.Note, MaxText, true); err != nil {
		return Hazard{}, err
	}
	if r.Name, err = text("name", r.Name, MaxField, false); err != nil {
		return Hazard{}, err
	}
	if r.Photos, err = photos("photos", r.Photos); err != nil {
		return Hazard{}, err
	}
	if len(r.Photos) == 0 {
		return Hazard{}, fieldErr("photos", ErrNoPhotos)
	}
	if r.By != storage.ActorEnterprise && !s.official(r.By) {
		return Hazard{}, fieldErr("by", fmt.Errorf("%w %q (or %q for the enterprise's responsible person)",
			ErrBadOfficial, r.By, storage.ActorEnterprise))
	}
	now := s.clock.Now()
	var h Hazard
	err = s.db.Update(func(tx *storage.Tx) error {
		var err error
		if h, err = s.load(tx, id); err != nil {
			return err
		}
		if r.By != storage.ActorEnterprise && !s.CanManage(r.By, h) {
			return ErrForbidden
		}
		if r.By == storage.ActorEnterprise && r.Chat != 0 {
			if pl, ok := s.plaque(h.Enterprise); !ok || pl.Principal.Chat != r.Chat {
				return ErrForbidden
			}
		}
		if h.State != StateAssigned {
			return fmt.Errorf("%w: it is %s", ErrState, h.State)
		}
		if err := s.endRound(tx, h, r.By, now); err != nil {
			return err
		}
		name := ""
		if r.By == storage.ActorEnterprise {
			if name = r.Name; name == "" {
				name = h.Responsible.Name
			}
		}
		h.State, h.RectifiedBy, h.RectifiedName, h.RectifiedAt = StateRectified, r.By, name, now
		h.History = append(h.History, Step{State: StateRectified, At: now, By: r.By, Name: name,
			Note: r.Note, Photos: r.Photos})
		if err := Put(tx, h); err != nil {
			return err
		}
		args := []storage.Arg{storage.Text("Note", r.Note), storage.Int("Photos", len(r.Photos))}
		if name != "" {
			args = append([]storage.Arg{storage.Text("Person", name)}, args...)
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvRectified, Alert: h.ID, Actor: r.By,
			Detail: fmt.Sprintf("%s; %d photos", r.Note, len(r.Photos)), Code: storage.CodeHazardRectified, Args: args}); err != nil {
			return err
		}
		by := name
		if by == "" {
			by = s.cfg.OfficialName(r.By)
		}
		return s.tellActing(tx, s.recheckers(h, r.By), h, now, func(lang string) string {
			return s.tr.T(lang, "HazardRectifiedNotice", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
				"By": by, "Note": r.Note, "Photos": len(r.Photos), "Time": s.when(now)})
		})
	})
	if err != nil {
		return Hazard{}, err
	}
	s.engine.Committed()
	return h, nil
}

// recheckers are asked to recheck a rectified hazard: whoever found it and
// the supervising official, never the one who reported it fixed; when that
// leaves nobody (the finder fixed it and no supervisor is known), the 属地
// unit head.
func (s *Service) recheckers(h Hazard, rectifier string) []string {
	sup := h.Supervisor
	if p, ok := s.plaque(h.Enterprise); ok && s.official(p.Supervisor) {
		sup = p.Supervisor
	}
	if out := s.people(rectifier, h.FoundBy, sup); len(out) > 0 {
		return out
	}
	u, _ := s.cfg.Unit(h.Unit)
	return s.people(rectifier, u.Head)
}

// Recheck is the outcome of a 复查.
type Recheck struct {
	OK   bool
	Note string
	// Deadline is the new 整改期限 of a hazard sent back (OK false).
	Deadline time.Time
}

// Recheck records a 复查 of a rectified hazard by an official other than
// the one who reported it fixed. Passed, it may be closed, and whoever
// reported the fix, the responsible official, those asked to recheck and
// the 属地 unit head learn so (passedTold); failed, it goes back to the
// enterprise with a new deadline (a new round, with its own overdue 叫应),
// and the handlers and the enterprise are told.
func (s *Service) Recheck(actor, id string, rc Recheck) (Hazard, error) {
	var err error
	if rc.Note, err = text("note", rc.Note, MaxText, !rc.OK); err != nil {
		return Hazard{}, err
	}
	if !s.official(actor) {
		return Hazard{}, fieldErr("by", fmt.Errorf("%w %q", ErrBadOfficial, actor))
	}
	now := s.clock.Now()
	if !rc.OK && (!rc.Deadline.After(now) || rc.Deadline.After(now.AddDate(0, 0, MaxDays))) {
		return Hazard{}, fieldErr("deadline", ErrBadDeadline)
	}
	var h Hazard
	err = s.db.Update(func(tx *storage.Tx) error {
		var err error
		if h, err = s.load(tx, id); err != nil {
			return err
		}
		if !s.CanManage(actor, h) {
			return ErrForbidden
		}
		if h.State != StateRectified {
			return fmt.Errorf("%w: it is %s", ErrState, h.State)
		}
		if actor == h.RectifiedBy {
			return ErrSelfRecheck
		}
		if rc.OK {
			h.State, h.RecheckedBy, h.RecheckedAt = StateRechecked, actor, now
			h.History = append(h.History, Step{State: StateRechecked, At: now, By: actor, Note: rc.Note})
			if err := Put(tx, h); err != nil {
				return err
			}
			if err := tx.AppendEvent(storage.Event{At: now, Type: EvRechecked, Alert: h.ID, Actor: actor,
				Detail: "passed: " + rc.Note, Code: storage.CodeHazardRechecked, Args: []storage.Arg{storage.Text("Note", rc.Note)}}); err != nil {
				return err
			}
			return s.tellPassed(tx, h, actor, rc.Note, now)
		}
		return s.sendBack(tx, &h, actor, rc, now)
	})
	if err != nil {
		return Hazard{}, err
	}
	s.engine.Committed()
	return h, nil
}

// passedTold learn that a recheck passed: whoever reported the fix, the
// hazard's responsible official, those who were asked to recheck it and
// the 属地 unit head; each once, never the one who passed it.
func (s *Service) passedTold(h Hazard, actor string) []string {
	u, _ := s.cfg.Unit(h.Unit)
	ids := append([]string{h.RectifiedBy, s.Responsible(h)}, s.recheckers(h, h.RectifiedBy)...)
	return s.people(actor, append(ids, u.Head)...)
}

// tellPassed tells those a passed recheck concerns, each with the steps
// left to them (销号), and the enterprise's person if bound.
func (s *Service) tellPassed(tx *storage.Tx, h Hazard, actor, note string, now time.Time) error {
	data := map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName, "By": s.cfg.OfficialName(actor), "Note": note,
		"Time": s.when(now)}
	if err := s.tellActing(tx, s.passedTold(h, actor), h, now, func(lang string) string {
		return s.tr.T(lang, "HazardPassedNotice", data)
	}); err != nil {
		return err
	}
	return s.tellEnterprise(tx, h, now, func(lang string) string {
		return s.tr.T(lang, "HazardEnterprisePassed", data)
	})
}

// closedTold learn that a hazard was closed: the handlers, whoever found
// it, reported the fix and passed the recheck, and for a 重大隐患 the
// leaders whose 挂牌督办 ends; each once, never the one who closed it.
func (s *Service) closedTold(h Hazard, actor string) []string {
	to := append(s.handlers(h, actor), h.FoundBy, h.RectifiedBy, h.RecheckedBy)
	if h.Five != nil {
		to = append(to, s.listedTold(h, actor)...)
	}
	return s.people(actor, to...)
}

// sendBack returns a hazard whose recheck failed to the enterprise with a
// new deadline.
func (s *Service) sendBack(tx *storage.Tx, h *Hazard, actor string, rc Recheck, now time.Time) error {
	h.State, h.Deadline, h.Overdue = StateAssigned, rc.Deadline, false
	h.Round++
	h.RectifiedBy, h.RectifiedName, h.RectifiedAt = "", "", time.Time{}
	h.History = append(h.History, Step{State: StateAssigned, At: now, By: actor, Note: rc.Note, Due: rc.Deadline})
	if err := Put(tx, *h); err != nil {
		return err
	}
	if err := tx.PutDeadline(deadline(*h)); err != nil {
		return err
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvSentBack, Alert: h.ID, Actor: actor,
		Detail: fmt.Sprintf("failed: %s; due %s", rc.Note, s.when(rc.Deadline)), Code: storage.CodeHazardSentBack,
		Args: []storage.Arg{storage.Text("Note", rc.Note), storage.Time("Due", rc.Deadline)}}); err != nil {
		return err
	}
	data := map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName, "By": s.cfg.OfficialName(actor), "Note": rc.Note,
		"Due": s.when(rc.Deadline), "Person": h.Responsible.Name}
	if err := s.tellActing(tx, s.people(actor, append(s.handlers(*h, actor), h.FoundBy)...), *h, now,
		func(lang string) string { return s.tr.T(lang, "HazardSentBackNotice", data) }); err != nil {
		return err
	}
	return s.tellEnterprise(tx, *h, now, func(lang string) string {
		return s.tr.T(lang, "HazardEnterpriseSentBack", data)
	})
}

// Close closes (销号) a hazard whose recheck passed, by someone other than
// the person who reported it fixed. The handlers, the finder, whoever
// reported the fix and whoever passed the recheck are told, and for a
// 重大隐患 the 分管领导 and the principals, since its 挂牌督办 ends.
func (s *Service) Close(actor, id, note string) (Hazard, error) {
	var err error
	if note, err = text("note", note, MaxText, false); err != nil {
		return Hazard{}, err
	}
	if !s.official(actor) {
		return Hazard{}, fieldErr("by", fmt.Errorf("%w %q", ErrBadOfficial, actor))
	}
	now := s.clock.Now()
	var h Hazard
	err = s.db.Update(func(tx *storage.Tx) error {
		var err error
		if h, err = s.load(tx, id); err != nil {
			return err
		}
		if !s.CanManage(actor, h) {
			return ErrForbidden
		}
		switch {
		case h.State == StateClosed:
			return fmt.Errorf("%w: it is %s", ErrState, h.State)
		case h.State != StateRechecked || h.RecheckedBy == "":
			return ErrNotRechecked
		case h.RecheckedBy == h.RectifiedBy:
			return ErrSelfRecheck // only a record written outside Recheck could hold this
		}
		h.State, h.ClosedBy, h.ClosedAt = StateClosed, actor, now
		h.History = append(h.History, Step{State: StateClosed, At: now, By: actor, Note: note})
		if err := Put(tx, h); err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvClosed, Alert: h.ID, Actor: actor,
			Detail: "closed: " + note, Code: storage.CodeHazardClosed,
			Args: []storage.Arg{storage.Text("Enterprise", h.EnterpriseName), storage.Text("Note", note)}}); err != nil {
			return err
		}
		if err := s.engine.Tell(tx, s.closedTold(h, actor), "", s.ref(h), now,
			func(lang string) (string, [][]storage.Button) {
				return s.tr.T(lang, "HazardClosedNotice", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
					"By": s.cfg.OfficialName(actor), "Listed": h.Five != nil, "Description": excerpt(h.Description, 100),
					"Time": s.when(now)}), nil
			}); err != nil {
			return err
		}
		return s.tellEnterprise(tx, h, now, func(lang string) string {
			return s.tr.T(lang, "HazardEnterpriseClosed", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName})
		})
	})
	if err != nil {
		return Hazard{}, err
	}
	s.engine.Committed()
	return h, nil
}

// endRound drops the current round's deadline and closes its overdue 叫应.
func (s *Service) endRound(tx *storage.Tx, h Hazard, actor string, now time.Time) error {
	if err := tx.DeleteDeadline(deadline(h)); err != nil {
		return err
	}
	id, ok := callout.LinkedAlert(tx, OverdueLink(h.ID, h.Round))
	if !ok {
		return nil
	}
	closer := actor
	if !s.official(closer) {
		closer = "system"
	}
	_, err := s.engine.CloseIn(tx, closer, id, now)
	if errors.Is(err, callout.ErrClosed) || errors.Is(err, callout.ErrUnknownAlert) {
		return nil
	}
	return err
}
