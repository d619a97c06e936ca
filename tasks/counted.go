package tasks

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"dutybot/catalogue"
	"dutybot/duty"
	"dutybot/storage"
)

// ErrCounted refuses a report by hand of a point counted from records: the
// records (an inspection recorded with /check, a hazard closed) are its
// progress.
var ErrCounted = errors.New("counted from the records, not reported by hand")

// CounterFunc counts a person's records in [from, to) for a counted point
// (catalogue.Point.Counted): done so far and, when the records set it (the
// plaques to cover), how many are needed; need 0 keeps the point's quota,
// a negative need says the person owes nothing this period.
type CounterFunc func(tx *storage.Tx, official string, from, to time.Time) (done, need int, err error)

// RegisterCounter lets a feature count the points naming it, so their
// progress is what its records say.
func (s *Service) RegisterCounter(name string, f CounterFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters[name] = f
}

// Counted tells whether an instance's progress comes from records, and
// which: "" when it is reported by hand.
func (s *Service) Counted(in duty.Instance) string {
	_, p, ok := s.gen.Plan().Point(in.Task, in.Point)
	if !ok || in.Owner != catalogue.OwnerPerson {
		return ""
	}
	return p.Counted
}

func (s *Service) counter(name string) CounterFunc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[name]
}

// periodEnd is when an instance's period ends, as its records are counted:
// the start of the next period.
func periodEnd(in duty.Instance) time.Time {
	p := in.Period
	switch {
	case len(p) == 4: // 2026
		return in.Start.AddDate(1, 0, 0)
	case len(p) < 6 || p[4] != '-':
	case p[5] == 'Q': // 2026-Q4
		return in.Start.AddDate(0, 3, 0)
	case p[5] == 'H': // 2026-H2
		return in.Start.AddDate(0, 6, 0)
	case p[5] == 'W': // 2026-W41
		return in.Start.AddDate(0, 0, 7)
	case len(p) == 7: // 2026-10
		return in.Start.AddDate(0, 1, 0)
	}
	return in.Due
}

// State reads an instance's state: what was reported, or for a counted
// point what its records say (done once they reach the quota).
func (s *Service) State(tx *storage.Tx, in duty.Instance) (State, duty.Instance, error) {
	name := s.Counted(in)
	if name == "" {
		st, err := loadState(tx, in.ID())
		return st, in, err
	}
	f := s.counter(name)
	if f == nil {
		st, err := loadState(tx, in.ID())
		return st, in, err
	}
	done, need, err := f(tx, in.Official, in.Start, periodEnd(in))
	if err != nil {
		return State{}, in, fmt.Errorf("count %s of %s: %w", name, in.ID(), err)
	}
	if need < 0 { // the records say nothing is owed this period
		return State{Instance: in.ID(), Done: true}, in, nil
	}
	if need > 0 || in.Quota == 0 {
		in.Quota = need
	}
	st := State{Instance: in.ID(), Progress: done, Done: done >= in.Quota}
	return st, in, nil
}

// Bar draws quota progress as ▰▰▱, as chat messages show it.
func Bar(done, of int) string {
	done = min(max(done, 0), of)
	return strings.Repeat("▰", done) + strings.Repeat("▱", of-done)
}
