package rota

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/storage"
)

// Handover limits: the button works for a day after the end of the shift,
// and the note is the next text within an hour of pressing it.
const (
	handoverButtonFor = 24 * time.Hour
	handoverWaitFor   = time.Hour
	maxHandoverRunes  = 3000
)

// HandoverData is the data of a shift's 交接班 button.
func HandoverData(shiftID string) string { return "rh:" + shiftID }

// ParseHandoverData returns the shift id of a handover button's data.
func ParseHandoverData(data string) (string, bool) {
	id, ok := strings.CutPrefix(data, "rh:")
	return id, ok && id != ""
}

// StartHandover makes official's next text message the 交接班 note of a
// shift they were on and which has ended.
func (s *Service) StartHandover(official, shiftID string) (storage.Shift, error) {
	now := s.clock.Now()
	var sh storage.Shift
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		sh, err = tx.Shift(shiftID)
		if errors.Is(err, storage.ErrNotFound) {
			return refuse("RotaHandoverUnknown", nil)
		}
		if err != nil {
			return err
		}
		switch {
		case !sh.Has(official):
			return refuse("RotaHandoverNotYours", nil)
		case now.Before(sh.End):
			return refuse("RotaHandoverNotEnded", nil)
		case now.Sub(sh.End) > handoverButtonFor:
			return refuse("RotaHandoverTooLate", nil)
		}
		return tx.PutHandoverWait(storage.HandoverWait{Official: official, Shift: sh.ID, Since: now})
	})
	return sh, err
}

// HandoverResult tells what became of a handover note.
type HandoverResult struct {
	Shift storage.Shift
	// Next are the shifts starting when this one ended; their people got
	// the note.
	Next []storage.Shift
}

// Handover stores text as official's 交接班 note if they pressed the
// handover button, and forwards it to the people of the next shift; ok is
// false when no note was awaited.
func (s *Service) Handover(official, text string) (HandoverResult, bool, error) {
	now := s.clock.Now()
	text = strings.TrimSpace(text)
	var res HandoverResult
	// Most texts are not handover notes: look before taking the write lock.
	err := s.db.View(func(tx *storage.Tx) error {
		_, err := tx.HandoverWait(official)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return res, false, nil
	}
	if err != nil {
		return res, false, err
	}
	waiting := false
	var gone *Refusal
	err = s.db.Update(func(tx *storage.Tx) error {
		res, waiting, gone = HandoverResult{}, false, nil
		w, err := tx.HandoverWait(official)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if now.Sub(w.Since) > handoverWaitFor {
			return tx.DeleteHandoverWait(official)
		}
		waiting = true
		if text == "" {
			return refuse("RotaHandoverEmpty", nil)
		}
		if n := utf8.RuneCountInString(text); n > maxHandoverRunes {
			return refuse("RotaHandoverTooLong", map[string]any{"Max": maxHandoverRunes, "Count": n})
		}
		sh, err := tx.Shift(w.Shift)
		if errors.Is(err, storage.ErrNotFound) {
			gone = refuse("RotaHandoverUnknown", nil)
			return tx.DeleteHandoverWait(official) // nothing to wait for
		}
		if err != nil {
			return err
		}
		res.Shift = sh
		next, err := tx.ShiftsStarting(sh.End, sh.End.Add(time.Nanosecond))
		if err != nil {
			return err
		}
		note := storage.HandoverNote{Official: official, At: now, Text: text}
		var to []string
		for _, n := range next {
			if n.Standby() != sh.Standby() || n.ID == sh.ID {
				continue
			}
			res.Next = append(res.Next, n)
			note.To = append(note.To, n.ID)
			for _, p := range people(n) {
				if p != official {
					to = addUnique(to, p)
				}
			}
		}
		st, err := tx.ShiftState(sh.ID)
		if err != nil {
			return err
		}
		st.Handover = append(st.Handover, note)
		if err := tx.PutShiftState(st); err != nil {
			return err
		}
		if err := tx.DeleteHandoverWait(official); err != nil {
			return err
		}
		err = s.engine.Tell(tx, to, "", storage.Ref{Kind: storage.RefInfo, Topic: TopicShift}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.T(lang, "RotaHandoverForward", map[string]any{"Hours": s.Hours(lang, sh),
					"Name": s.cfg.OfficialName(official), "Unit": s.cfg.UnitNameOf(official), "Text": text}), nil
			})
		if err != nil {
			return err
		}
		preview := []rune(text)
		if len(preview) > 80 {
			preview = append(preview[:80], '…')
		}
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvHandover, Official: official, Actor: official,
			Detail: fmt.Sprintf("shift %s → %s: %s", sh.ID, strings.Join(note.To, ","), string(preview)),
			Code:   storage.CodeHandover, Args: []storage.Arg{shiftArg(sh), storage.Officials("To", note.To...),
				storage.Text("Text", string(preview))}})
	})
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			return res, waiting, r
		}
		return res, waiting, err
	}
	if gone != nil {
		return res, waiting, gone
	}
	if waiting {
		s.engine.WakeOutbox()
	}
	return res, waiting, nil
}

// HandoverNotes returns the 交接班 notes of a shift.
func (s *Service) HandoverNotes(shiftID string) ([]storage.HandoverNote, error) {
	var out []storage.HandoverNote
	err := s.db.View(func(tx *storage.Tx) error {
		st, err := tx.ShiftState(shiftID)
		out = st.Handover
		return err
	})
	return out, err
}
