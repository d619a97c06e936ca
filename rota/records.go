package rota

import (
	"time"

	"dutybot/storage"
)

// Records counts the duty shifts kept in [from, to): started, with their
// check-in raised. The roster, check-ins and handovers are the plan's
// record of duty at important times (task 46).
func (s *Service) Records(tx *storage.Tx, from, to time.Time) (int, error) {
	shifts, err := ShiftsStarting(tx, from, to)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sh := range shifts {
		st, err := LoadShiftState(tx, sh.ID)
		if err != nil {
			return 0, err
		}
		if !st.StartedAt.IsZero() {
			n++
		}
	}
	return n, nil
}
