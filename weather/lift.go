package weather

import (
	"errors"
	"slices"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// Lifted tells what lifting a warning did.
type Lifted struct {
	Warning Warning
	Told    int  // officials sent the all-clear
	DutyOff bool // extreme-weather duty mode ended with it
}

// Lift ends a warning for an official allowed to (CanWarn): the all-clear
// goes to everyone it called, its alert and its units' overdue alerts end,
// duty mode ends with the last warning holding it, and the board shows the
// end.
func (s *Service) Lift(official, id string) (Lifted, error) {
	if !s.CanWarn(official) {
		return Lifted{}, ErrForbidden
	}
	return s.lift(official, id)
}

// LiftByAPI ends a warning on behalf of an authenticated API caller.
func (s *Service) LiftByAPI(id string) (Lifted, error) { return s.lift("api", id) }

func (s *Service) lift(actor, id string) (Lifted, error) {
	now := s.clock.Now()
	var out Lifted
	err := s.db.Update(func(tx *storage.Tx) error {
		out = Lifted{}
		w, err := s.load(tx, id)
		if err != nil {
			return err
		}
		out.Warning = w
		if w.State != WarningActive {
			return ErrLifted
		}
		w.State, w.LiftedAt, w.LiftedBy = WarningLifted, now, actor
		held := w.DutyMode
		w.DutyMode = false
		if err := PutWarning(tx, w); err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvWarningLifted, Alert: w.ID, Actor: actor,
			Detail: w.Type + " " + w.Level, Code: storage.CodeWarningLifted,
			Args: []storage.Arg{storage.Word("Type", storage.VocabWarningType, w.Type), storage.Word("Level", storage.VocabLevel, w.Level)}}); err != nil {
			return err
		}
		if held {
			on, err := DutyModeOn(tx)
			if err != nil {
				return err
			}
			if !on {
				if err := s.DutyMode(tx, w, false, now); err != nil {
					return err
				}
				out.DutyOff = true
			}
		}
		if err := s.endAlert(tx, actor, w.ID, now); err != nil {
			return err
		}
		if out.Told, err = s.allClear(tx, w, out.DutyOff, now); err != nil {
			return err
		}
		items, err := Checklist(tx, w.ID)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			if !w.Overdue {
				if err := tx.DeleteDeadline(confirmDeadline(w)); err != nil {
					return err
				}
			}
			for _, u := range unitsOf(items) {
				if id, ok := callout.LinkedAlert(tx, MeltdownLink(w.ID, u)); ok {
					if err := s.endAlert(tx, actor, id, now); err != nil {
						return err
					}
				}
				if err := s.showUnit(tx, w, u, ofUnit(items, u), nil, now); err != nil {
					return err
				}
			}
			if err := s.refreshBoard(tx, &w, items, now); err != nil {
				return err
			}
			if err := PutWarning(tx, w); err != nil {
				return err
			}
		}
		if err := s.liftGroups(tx, w, items, now); err != nil {
			return err
		}
		out.Warning = w
		return nil
	})
	if err != nil {
		return out, err
	}
	s.engine.Committed()
	s.log.Info("weather warning lifted", "warning", id, "by", actor, "told", out.Told, "duty_mode_off", out.DutyOff)
	return out, nil
}

// endAlert closes an alert still open; one already answered by everyone
// or closed is left as it is.
func (s *Service) endAlert(tx *storage.Tx, actor, id string, now time.Time) error {
	_, err := s.engine.CloseIn(tx, actor, id, now)
	if errors.Is(err, callout.ErrClosed) || errors.Is(err, callout.ErrUnknownAlert) {
		return nil
	}
	return err
}

// allClear tells everyone the warning called, and its issuer, that it is
// lifted; it returns how many of them can be reached.
func (s *Service) allClear(tx *storage.Tx, w Warning, dutyOff bool, now time.Time) (int, error) {
	rs, err := callout.Recipients(tx, w.ID)
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Official)
	}
	if _, ok := s.cfg.Official(w.Issuer); ok && !slices.Contains(ids, w.Issuer) {
		ids = append(ids, w.Issuer)
	}
	told := 0
	for _, id := range ids {
		if b, err := tx.Binding(id); err == nil && !b.Unreachable {
			told++
		}
	}
	err = s.engine.Tell(tx, ids, "", storage.Ref{Kind: storage.RefInfo, Alert: w.ID}, now,
		func(lang string) (string, [][]storage.Button) {
			return s.tr.T(lang, "WarnAllClear", map[string]any{"Title": s.DisplayTitle(lang, w), "ID": w.ID,
				"Time": s.hhmm(w.LiftedAt), "DutyModeOff": dutyOff, "Meltdown": w.Meltdown}), nil
		})
	return told, err
}
