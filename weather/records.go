package weather

import (
	"time"

	"dutybot/storage"
)

// Records counts the warnings issued in [from, to): the 预警叫应 records are
// the plan's record of the 叫应 and 熔断 mechanism (task 45).
func (s *Service) Records(tx *storage.Tx, from, to time.Time) (int, error) {
	all, err := Warnings(tx)
	n := 0
	for _, w := range all {
		if !w.IssuedAt.Before(from) && w.IssuedAt.Before(to) {
			n++
		}
	}
	return n, err
}
