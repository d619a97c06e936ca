// Package cadence decides when the duty rhythm's reminders fire: cron specs
// in the town's time zone, filtered by the Chinese working calendar (every
// day, workdays, the first or last workday of a month or quarter), with a
// firing missed while the bot was down caught up once within a grace
// window, and never twice.
package cadence

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"dutybot/workcal"
)

// Filter restricts a cron schedule to some days of the working calendar.
type Filter string

// Calendar filters.
const (
	EveryDay              Filter = "every_day"
	Workdays              Filter = "workdays"
	FirstWorkdayOfMonth   Filter = "first_workday_of_month"
	LastWorkdayOfMonth    Filter = "last_workday_of_month"
	FirstWorkdayOfQuarter Filter = "first_workday_of_quarter"
	LastWorkdayOfQuarter  Filter = "last_workday_of_quarter"
)

// Filters lists the valid filters.
var Filters = []Filter{EveryDay, Workdays, FirstWorkdayOfMonth, LastWorkdayOfMonth, FirstWorkdayOfQuarter, LastWorkdayOfQuarter}

// horizon bounds the search for a next firing: a spec with a filter that
// never matches (a 31st that is never a workday) yields no firing rather
// than an endless loop.
const horizon = 3 * 366 * 24 * time.Hour

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is one compiled rule.
type Schedule struct {
	spec   cron.Schedule
	filter Filter
	cal    *workcal.Calendar
}

// Compile parses a 5-field cron spec ("30 8 * * *", or a descriptor such
// as "@daily"), evaluated in the calendar's time zone unless the spec sets
// CRON_TZ itself, and restricted by filter (empty means every day).
func Compile(spec string, filter Filter, cal *workcal.Calendar) (*Schedule, error) {
	if filter == "" {
		filter = EveryDay
	}
	valid := false
	for _, f := range Filters {
		valid = valid || f == filter
	}
	if !valid {
		return nil, fmt.Errorf("calendar %q is not one of %v", filter, Filters)
	}
	full := spec
	if !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		full = "CRON_TZ=" + cal.Location().String() + " " + spec
	}
	s, err := parser.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %w", spec, err)
	}
	return &Schedule{spec: s, filter: filter, cal: cal}, nil
}

// Matches reports whether the filter admits the day of t.
func (s *Schedule) Matches(t time.Time) bool {
	c := s.cal
	day := func(a, b time.Time) bool { return !a.IsZero() && a.Year() == b.Year() && a.YearDay() == b.YearDay() }
	t = t.In(c.Location())
	switch s.filter {
	case Workdays:
		return c.IsWorkday(t)
	case FirstWorkdayOfMonth:
		return day(c.FirstWorkday(t.Year(), t.Month()), t)
	case LastWorkdayOfMonth:
		return day(c.LastWorkday(t.Year(), t.Month()), t)
	case FirstWorkdayOfQuarter:
		return day(c.FirstWorkdayOfQuarter(t), t)
	case LastWorkdayOfQuarter:
		return day(c.LastWorkdayOfQuarter(t), t)
	}
	return true
}

// Next returns the first firing strictly after t, or the zero time when
// there is none within three years.
func (s *Schedule) Next(t time.Time) time.Time {
	limit := t.Add(horizon)
	for next := s.spec.Next(t); !next.IsZero() && next.Before(limit); next = s.spec.Next(next) {
		if s.Matches(next) {
			return next
		}
	}
	return time.Time{}
}

// lookback bounds how far back Due looks for a missed firing to report.
const lookback = 32 * 24 * time.Hour

// Due decides what to do at now for a rule last fired (or skipped) at last.
// at is the latest scheduled firing in (last, now], zero if none; fire
// tells whether it is recent enough (within grace) to be sent. Several
// missed firings are caught up once, as the latest; one older than grace is
// reported (at set, fire false) but not sent. The caller records at as the
// rule's last firing whenever it is not zero, so nothing fires twice. A
// rule never fired before (last zero) looks back only as far as grace.
func (s *Schedule) Due(last, now time.Time, grace time.Duration) (at time.Time, fire bool) {
	from := last
	switch {
	case last.IsZero():
		from = now.Add(-grace)
	case last.Before(now.Add(-lookback)):
		from = now.Add(-lookback)
	}
	for next := s.Next(from); !next.IsZero() && !next.After(now); next = s.Next(next) {
		at = next
	}
	if at.IsZero() {
		return time.Time{}, false
	}
	return at, now.Sub(at) <= grace
}
