package rota

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/storage"
)

// Handover limits: the button works for a day after the end of the shift;
// the chat then waits for the note (the bot's handover flow, an hour).
const (
	handoverButtonFor = 24 * time.Hour
	maxHandoverRunes  = 3000
)

// HandoverPrefix starts the data of the 交接班 buttons.
const HandoverPrefix = "rh:"

// HandoverData is the data of a shift's 交接班 button.
func HandoverData(shiftID string) string { return HandoverPrefix + shiftID }

// ParseHandoverData returns the shift id of a handover button's data.
func ParseHandoverData(data string) (string, bool) {
	id, ok := strings.CutPrefix(data, HandoverPrefix)
	return id, ok && id != ""
}

// StartHandover checks that official may write the 交接班 note of a shift
// they were on and which has ended; the chat then takes their next text
// as the note (Handover).
func (s *Service) StartHandover(official, shiftID string) (Shift, error) {
	now := s.clock.Now()
	var sh Shift
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		sh, err = LoadShift(tx, shiftID)
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
		return nil
	})
	return sh, err
}

// HandoverResult tells what became of a handover note.
type HandoverResult struct {
	Shift Shift
	// Next are the shifts starting when this one ended; their people got
	// the note.
	Next []Shift
}

// Handover stores text as official's 交接班 note of a shift and forwards
// it to the people of the next shift. done, if set, runs in the same
// transaction (the chat's handover flow ends), so a note replayed after a
// crash is not stored twice.
func (s *Service) Handover(official, shiftID, text string, done func(tx *storage.Tx) error) (HandoverResult, error) {
	now := s.clock.Now()
	text = strings.TrimSpace(text)
	var res HandoverResult
	switch n := utf8.RuneCountInString(text); {
	case text == "":
		return res, refuse("RotaHandoverEmpty", nil)
	case n > maxHandoverRunes:
		return res, refuse("RotaHandoverTooLong", map[string]any{"Max": maxHandoverRunes, "Count": n})
	}
	err := s.db.Update(func(tx *storage.Tx) error {
		res = HandoverResult{}
		sh, err := LoadShift(tx, shiftID)
		if errors.Is(err, storage.ErrNotFound) {
			return refuse("RotaHandoverUnknown", nil)
		}
		if err != nil {
			return err
		}
		if !sh.Has(official) {
			return refuse("RotaHandoverNotYours", nil)
		}
		res.Shift = sh
		next, err := ShiftsStarting(tx, sh.End, sh.End.Add(time.Nanosecond))
		if err != nil {
			return err
		}
		note := HandoverNote{Official: official, At: now, Text: text}
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
		st, err := LoadShiftState(tx, sh.ID)
		if err != nil {
			return err
		}
		st.Handover = append(st.Handover, note)
		if err := PutShiftState(tx, st); err != nil {
			return err
		}
		if done != nil {
			if err := done(tx); err != nil {
				return err
			}
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
		return tx.AppendEvent(storage.Event{At: now, Type: EvHandover, Official: official, Actor: official,
			Detail: fmt.Sprintf("shift %s → %s: %s", sh.ID, strings.Join(note.To, ","), string(preview)),
			Code:   storage.CodeHandover, Args: []storage.Arg{shiftArg(sh), storage.Officials("To", note.To...),
				storage.Text("Text", string(preview))}})
	})
	if err != nil {
		return res, err
	}
	s.engine.WakeOutbox()
	return res, nil
}

// HandoverNotes returns the 交接班 notes of a shift.
func (s *Service) HandoverNotes(shiftID string) ([]HandoverNote, error) {
	var out []HandoverNote
	err := s.db.View(func(tx *storage.Tx) error {
		st, err := LoadShiftState(tx, shiftID)
		out = st.Handover
		return err
	})
	return out, err
}
