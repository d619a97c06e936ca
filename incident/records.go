package incident

import (
	"time"

	"dutybot/storage"
)

// Records counts the accidents reported in [from, to): the 事故直报 records
// are the plan's record of strict accident reporting (task 41), so nobody
// ticks it by hand.
func (s *Service) Records(tx *storage.Tx, from, to time.Time) (int, error) {
	all, err := tx.Incidents()
	n := 0
	for _, in := range all {
		if !in.ReportedAt.Before(from) && in.ReportedAt.Before(to) {
			n++
		}
	}
	return n, err
}
