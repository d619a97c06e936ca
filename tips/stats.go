package tips

import (
	"errors"
	"time"

	"dutybot/storage"
)

// MaxMonths bounds the months Stats covers.
const MaxMonths = 60

// ErrBadMonths is a month count outside 1..MaxMonths.
var ErrBadMonths = errors.New("months must be between 1 and 60")

// Month is one month's tips: received in it, closed as verified in it and
// rewarded in it. Item 31 of the seed wants these to rise.
type Month struct {
	Month    string `json:"month"` // 2026-11
	Received int    `json:"received"`
	Verified int    `json:"verified"`
	Rewarded int    `json:"rewarded"`
}

// Stats counts the tips of the last n months, the current one last.
func (s *Service) Stats(n int) ([]Month, error) {
	if n < 1 || n > MaxMonths {
		return nil, ErrBadMonths
	}
	var all []Tip
	if err := s.db.View(func(tx *storage.Tx) error {
		var err error
		all, err = AllTips(tx)
		return err
	}); err != nil {
		return nil, err
	}
	return count(all, s.clock.Now().In(s.loc), n), nil
}

// count tallies tips into the n months up to now's.
func count(all []Tip, now time.Time, n int) []Month {
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, now.Location())
	out := make([]Month, n)
	index := map[string]int{}
	for i := range out {
		out[i].Month = first.AddDate(0, i, 0).Format("2006-01")
		index[out[i].Month] = i
	}
	at := func(t time.Time) (*Month, bool) {
		if t.IsZero() {
			return nil, false
		}
		i, ok := index[t.In(now.Location()).Format("2006-01")]
		if !ok {
			return nil, false
		}
		return &out[i], true
	}
	for _, t := range all {
		if m, ok := at(t.ReceivedAt); ok {
			m.Received++
		}
		if t.State == StateClosed && t.Verified {
			if m, ok := at(t.ClosedAt); ok {
				m.Verified++
			}
		}
		if t.Reward != "" {
			if m, ok := at(t.RewardedAt); ok {
				m.Rewarded++
			}
		}
	}
	return out
}
