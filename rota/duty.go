package rota

import (
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/storage"
	"dutybot/weather"
)

// nextShiftHorizon is how far ahead /duty looks for the next shift.
const nextShiftHorizon = 62 * 24 * time.Hour

// CheckinState is how a person of a shift answered its 到岗签到.
type CheckinState struct {
	At time.Time // zero: not yet
	By string    // who answered: the person, or an escalation target who took over
}

// DutyShift is a shift in progress with its check-ins.
type DutyShift struct {
	Shift   Shift
	Checkin map[string]CheckinState
}

// Duty is who is on duty at a moment.
type Duty struct {
	At       time.Time
	DutyMode bool // extreme-weather duty mode: standby shifts count
	Shifts   []DutyShift
	Next     []Shift // the shifts starting next (parallel shifts together)
}

// counts reports whether a shift takes part now: standby shifts only in
// extreme-weather duty mode.
func counts(sh Shift, dutyMode bool) bool { return !sh.Standby() || dutyMode }

// current returns the shifts in progress at now that count.
func current(tx *storage.Tx, now time.Time) ([]Shift, bool, error) {
	on, err := weather.DutyModeOn(tx)
	if err != nil {
		return nil, false, err
	}
	all, err := ShiftsOverlapping(tx, now, now.Add(time.Nanosecond))
	if err != nil {
		return nil, false, err
	}
	var out []Shift
	for _, sh := range all {
		if counts(sh, on) {
			out = append(out, sh)
		}
	}
	return out, on, nil
}

// OnDuty returns who is on duty at now, with their check-ins, and the next
// shift.
func (s *Service) OnDuty(now time.Time) (Duty, error) {
	d := Duty{At: now}
	err := s.db.View(func(tx *storage.Tx) error {
		cur, on, err := current(tx, now)
		if err != nil {
			return err
		}
		d.DutyMode = on
		for _, sh := range cur {
			ds := DutyShift{Shift: sh, Checkin: map[string]CheckinState{}}
			if id, ok := callout.LinkedAlert(tx, checkinLink(sh.ID)); ok {
				rs, err := callout.Recipients(tx, id)
				if err != nil {
					return err
				}
				for _, r := range rs {
					if r.State == callout.StateAcked {
						ds.Checkin[r.Official] = CheckinState{At: r.AckedAt, By: r.AckedBy}
					}
				}
			}
			d.Shifts = append(d.Shifts, ds)
		}
		upcoming, err := ShiftsStarting(tx, now.Add(time.Nanosecond), now.Add(nextShiftHorizon))
		if err != nil {
			return err
		}
		for _, sh := range upcoming {
			if !counts(sh, on) {
				continue
			}
			if len(d.Next) > 0 && !sh.Start.Equal(d.Next[0].Start) {
				break
			}
			d.Next = append(d.Next, sh)
		}
		return nil
	})
	return d, err
}

// DutyText renders /duty: who is on duty now with units and phones, the
// place, the duty phone, check-in state, and the next shift.
func (s *Service) DutyText(lang string, now time.Time) (string, error) {
	d, err := s.OnDuty(now)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	local := now.In(s.loc)
	sb.WriteString(s.T(lang, "RotaDutyHeader", map[string]any{"Now": local.Format("01-02 15:04"),
		"Weekday": s.weekday(lang, local)}))
	if d.DutyMode {
		sb.WriteString("\n" + s.T(lang, "RotaDutyModeActive", nil))
	}
	if len(d.Shifts) == 0 {
		sb.WriteString("\n\n" + s.T(lang, "RotaDutyNone", nil))
	}
	for _, ds := range d.Shifts {
		mark := func(id string) string {
			c, ok := ds.Checkin[id]
			switch {
			case !ok:
				return s.T(lang, "RotaNotCheckedIn", nil)
			case c.By == id:
				return s.T(lang, "RotaCheckedIn", map[string]any{"Time": c.At.In(s.loc).Format("15:04")})
			default:
				return s.T(lang, "RotaCheckinHandled", map[string]any{"Time": c.At.In(s.loc).Format("15:04"),
					"Name": s.cfg.OfficialName(c.By)})
			}
		}
		sb.WriteString("\n\n" + s.Describe(lang, ds.Shift, mark))
	}
	if len(d.Next) == 0 {
		sb.WriteString("\n\n" + s.T(lang, "RotaDutyNoNext", nil))
	}
	for i, n := range d.Next {
		if i == 0 {
			sb.WriteString("\n")
		}
		sb.WriteString("\n" + s.T(lang, "RotaDutyNext", map[string]any{"Line": s.Line(lang, n)}))
	}
	return sb.String(), nil
}
