package reminders

import (
	"slices"
	"time"

	"dutybot/cadence"
	"dutybot/duty"
	"dutybot/storage"
)

// day is the local midnight starting t's day.
func (s *Service) day(t time.Time) time.Time {
	l := t.In(s.cfg.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.cfg.Location)
}

// daysBetween counts the days from one local midnight to another.
func daysBetween(from, to time.Time) int { return int(to.Sub(from).Hours()/24 + 0.5) }

// agenda lists what an official owes that is worth a word today: items
// whose period started since the rule last fired (a new month's items on
// its first working day, a new week's on Monday or the week's first working
// day), items falling due today, and longer-term items (quarterly, yearly,
// dated, set-up) due in exactly one of the rule's days. Each point once;
// an item in the middle of its period is left alone.
func (s *Service) agenda(tx *storage.Tx, r *Rule, official string, at time.Time) ([]item, error) {
	prev, _ := cadence.Last(tx, r.Name)
	if prev.IsZero() {
		prev = s.tasks.Since().Add(-time.Nanosecond) // first agenda: everything current is news
	}
	today := s.day(at)
	tomorrow := today.AddDate(0, 0, 1)
	return s.owed(tx, official, at, at.AddDate(1, 0, 1), func(in duty.Instance) (item, bool) {
		if !r.wants(in) || in.Start.After(at) {
			return item{}, false
		}
		left := daysBetween(today, s.day(in.Due))
		switch {
		case in.Due.Before(tomorrow):
			return item{}, true
		case in.Start.After(prev):
			return item{}, true
		case in.Span() == duty.SpanLong && slices.Contains(r.Days, left):
			return item{daysLeft: left}, true
		}
		return item{}, false
	})
}

// countdown lists an official's open items due in exactly one of the
// rule's days after the firing's day: of the rule's points, or every
// longer-term item (quarterly, yearly, dated, set-up) when it names none.
func (s *Service) countdown(tx *storage.Tx, r *Rule, official string, at time.Time) ([]item, error) {
	today := s.day(at)
	far := slices.Max(r.Days)
	return s.owed(tx, official, today, today.AddDate(0, 0, far+1), func(in duty.Instance) (item, bool) {
		left := daysBetween(today, s.day(in.Due))
		covered := r.points != nil && r.wants(in) || r.points == nil && in.Span() == duty.SpanLong
		return item{daysLeft: left}, covered && !in.Start.After(at) && slices.Contains(r.Days, left)
	})
}
