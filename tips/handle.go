package tips

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/callout"
	"dutybot/storage"
)

// Assign gives a tip to a unit to handle within the given time (0 for
// tips.handle_within). A tip already assigned is reassigned only when
// reassign is set (the command, not a stale button); its old deadline and
// any overdue 叫应 end.
func (s *Service) Assign(actor, ref, unit string, within time.Duration, reassign bool) (Tip, error) {
	if !s.CanTriage(actor) {
		return Tip{}, ErrForbidden
	}
	if _, ok := s.cfg.Unit(unit); !ok {
		return Tip{}, ErrBadUnit
	}
	if within == 0 {
		within = s.cfg.Tips.HandleWithin.D()
	}
	if within < time.Hour || within > MaxDays*24*time.Hour {
		return Tip{}, ErrBadWithin
	}
	now := s.clock.Now()
	var t Tip
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if t, err = s.load(tx, ref); err != nil {
			return err
		}
		switch {
		case t.State == StateClosed:
			return ErrClosed
		case t.State == StateAssigned && !reassign:
			return ErrAssigned
		case t.State == StateAssigned:
			if err := s.endAssignment(tx, t, actor, now); err != nil {
				return err
			}
		}
		t.State, t.Unit, t.AssignedBy, t.AssignedAt = StateAssigned, unit, actor, now
		t.Due, t.Overdue = now.Add(within), false
		t.Assignments++
		if err := PutTip(tx, t); err != nil {
			return err
		}
		if err := tx.PutDeadline(storage.Deadline{At: t.Due, Key: deadlinePrefix + ref}); err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvAssigned, Alert: ref, Actor: actor,
			Detail: fmt.Sprintf("%s, due %s", unit, s.when(t.Due)),
			Code:   storage.CodeTipAssigned, Args: []storage.Arg{storage.Units("Unit", unit), storage.Time("Due", t.Due)}}); err != nil {
			return err
		}
		if err := s.engine.Tell(tx, s.unitHandlers(unit), "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.tr.T(lang, "TipAssignedHeader", map[string]any{"Ref": ref, "Unit": s.cfg.UnitName(unit),
					"Due": s.when(t.Due), "By": s.cfg.OfficialName(actor)}) + "\n" + s.Details(lang, t) + "\n" +
					s.tr.T(lang, "TipAskClose", map[string]any{"Ref": ref}), s.UnitButtons(lang, t)
			}); err != nil {
			return err
		}
		return s.tellTipsterOf(tx, ref, now, func(lang string) string {
			return s.tr.T(lang, "TipTipsterAssigned", map[string]any{"Ref": ref, "Unit": s.cfg.UnitName(unit),
				"Due": s.when(t.Due)})
		})
	})
	if err != nil {
		return Tip{}, err
	}
	s.engine.Committed()
	return t, nil
}

// endAssignment drops an assignment's deadline and closes its overdue 叫应.
func (s *Service) endAssignment(tx *storage.Tx, t Tip, actor string, now time.Time) error {
	if err := tx.DeleteDeadline(storage.Deadline{At: t.Due, Key: deadlinePrefix + t.Ref}); err != nil {
		return err
	}
	id, ok := callout.LinkedAlert(tx, OverdueLink(t.Ref, t.Assignments))
	if !ok {
		return nil
	}
	_, err := s.engine.CloseIn(tx, actor, id, now)
	if errors.Is(err, callout.ErrClosed) || errors.Is(err, callout.ErrUnknownAlert) {
		return nil
	}
	return err
}

// OverdueLink is the link of the 叫应 raised when an assignment of a tip is
// overdue: "tip:<ref>" for the first, "tip:<ref>/2" for a reassignment.
func OverdueLink(ref string, assignment int) string {
	if assignment <= 1 {
		return "tip:" + ref
	}
	return "tip:" + ref + "/" + strconv.Itoa(assignment)
}

// unitHandlers are told of a tip assigned to a unit: its head, or every
// official of a unit without one.
func (s *Service) unitHandlers(unit string) []string {
	u, _ := s.cfg.Unit(unit)
	if _, ok := s.cfg.Official(u.Head); ok {
		return []string{u.Head}
	}
	var out []string
	for _, o := range s.cfg.People().Officials {
		if o.Unit == unit {
			out = append(out, o.ID)
		}
	}
	return out
}

// Close records a unit's result: verified (属实) or not. The result goes
// back to the tipster, the overdue 叫应 (if any) ends, and the 应急办 head
// and admins are told.
func (s *Service) Close(actor, ref string, verified bool, result string) (Tip, error) {
	result = strings.TrimSpace(result)
	switch {
	case result == "":
		return Tip{}, ErrNoResult
	case utf8.RuneCountInString(result) > MaxResult:
		return Tip{}, ErrTooLong
	}
	now := s.clock.Now()
	var t Tip
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if t, err = s.load(tx, ref); err != nil {
			return err
		}
		if !s.CanClose(actor, t) {
			if !s.CanSee(actor, t) {
				return ErrUnknown
			}
			return ErrForbidden
		}
		if t.State == StateClosed {
			return ErrClosed
		}
		if t.State == StateAssigned {
			if err := s.endAssignment(tx, t, actor, now); err != nil {
				return err
			}
		}
		t.State, t.ClosedAt, t.ClosedBy, t.Result, t.Verified = StateClosed, now, actor, result, verified
		if err := PutTip(tx, t); err != nil {
			return err
		}
		detail, word := "not verified: "+result, storage.WordNotVerified
		if verified {
			detail, word = "verified: "+result, storage.WordVerified
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvClosed, Alert: ref, Actor: actor,
			Detail: detail, Code: storage.CodeTipClosed, Args: []storage.Arg{storage.Word("Verified", storage.VocabWord, word),
				storage.Text("Result", result)}}); err != nil {
			return err
		}
		if verified {
			if err := tx.AppendEvent(storage.Event{At: now, Type: EvVerified, Alert: ref,
				Actor: actor}); err != nil {
				return err
			}
		}
		if err := s.tellTipsterOf(tx, ref, now, func(lang string) string {
			return s.tr.T(lang, "TipTipsterClosed", map[string]any{"Ref": ref, "Verified": verified, "Result": result})
		}); err != nil {
			return err
		}
		return s.engine.Tell(tx, s.triagers(), "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.tr.T(lang, "TipClosedNotice", map[string]any{"Ref": ref, "Verified": verified,
					"Result": result, "By": s.cfg.OfficialName(actor), "Unit": s.cfg.UnitName(t.Unit)}), nil
			})
	})
	if err != nil {
		return Tip{}, err
	}
	s.engine.Committed()
	return t, nil
}

// Fire implements scheduler.FireFunc for the deadlines "t:<ref>": a tip
// still open at its deadline raises a 叫应 to the unit head.
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		ref, ok := strings.CutPrefix(d.Key, deadlinePrefix)
		if !ok {
			s.log.Warn("tips: unknown deadline", "key", d.Key)
			continue
		}
		t, err := LoadTip(tx, ref)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if t.State != StateAssigned || t.Overdue || !t.Due.Equal(d.At) {
			continue // closed or reassigned meanwhile
		}
		if err := s.overdue(tx, &t, now); err != nil {
			return fmt.Errorf("tip %s overdue: %w", ref, err)
		}
	}
	return nil
}

// overdue marks a tip overdue and raises its 叫应.
func (s *Service) overdue(tx *storage.Tx, t *Tip, now time.Time) error {
	t.Overdue = true
	if err := PutTip(tx, *t); err != nil {
		return err
	}
	lang := s.cfg.Language
	targets := callout.Targets{Units: []string{t.Unit}}
	if u, _ := s.cfg.Unit(t.Unit); u.Head != "" {
		if _, ok := s.cfg.Official(u.Head); ok {
			targets = callout.Targets{Officials: []string{u.Head}}
		}
	}
	a, err := s.engine.CreateIn(tx, callout.Request{Kind: KindTip, Level: s.cfg.Tips.OverdueLevel,
		Title: s.tr.T(lang, "TipOverdueTitle", map[string]any{"Ref": t.Ref, "Unit": s.cfg.UnitName(t.Unit)}),
		Body: s.tr.T(lang, "TipOverdueBody", map[string]any{"Ref": t.Ref, "Due": s.when(t.Due),
			"Text": excerpt(t.Text, 300), "Place": s.place(lang, *t)}),
		Targets: targets, Source: "tips", Links: []string{OverdueLink(t.Ref, t.Assignments)}}, now)
	detail := fmt.Sprintf("%s, due %s", t.Unit, s.when(t.Due))
	switch {
	case errors.Is(err, callout.ErrLinked):
	case err != nil:
		return err
	default:
		detail += ", alert " + a.ID
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvOverdue, Alert: t.Ref, Actor: "system",
		Detail: detail, Code: storage.CodeTipOverdue, Args: []storage.Arg{storage.Units("Unit", t.Unit), storage.Time("Due", t.Due)}}); err != nil {
		return err
	}
	head := s.officeHead()
	if head == "" {
		return nil
	}
	return s.engine.Tell(tx, []string{head}, "", storage.Ref{Kind: storage.RefInfo}, now,
		func(lang string) (string, [][]storage.Button) {
			return s.tr.T(lang, "TipOverdueNotice", map[string]any{"Ref": t.Ref, "Unit": s.cfg.UnitName(t.Unit),
				"Due": s.when(t.Due)}), nil
		})
}

// load reads a tip in a transaction.
func (s *Service) load(tx *storage.Tx, ref string) (Tip, error) {
	t, err := LoadTip(tx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		return t, ErrUnknown
	}
	return t, err
}
