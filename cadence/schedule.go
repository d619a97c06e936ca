// Package cadence decides when the duty rhythm's reminders fire: cron specs
// in the town's time zone, filtered by the Chinese working calendar (every
// day, workdays, the first or last workday of a month or quarter), with a
// firing missed while the bot was down caught up once within a grace
// window, and never twice. A weekly workdays rule whose day is a holiday
// fires on the week's next working day instead.
package cadence

import (
	"fmt"
	"math/bits"
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
	// WorkdaysBeforeMonthEnd are the two working days before the month's
	// last one: time left to catch up on a monthly quota, while the last
	// day itself is the agenda's (it lists what falls due that day).
	WorkdaysBeforeMonthEnd Filter = "workdays_before_month_end"
)

// Filters lists the valid filters.
var Filters = []Filter{EveryDay, Workdays, FirstWorkdayOfMonth, LastWorkdayOfMonth, FirstWorkdayOfQuarter, LastWorkdayOfQuarter,
	WorkdaysBeforeMonthEnd}

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
	// weekly is set for a workdays rule on one day of the week and any day
	// of the month: a firing whose day is not a working day moves to the
	// same time on the first working day after it in its Monday-to-Sunday
	// week, so that a Monday rule still fires in a week whose Monday is a
	// holiday.
	weekly bool
}

// Compile parses a 5-field cron spec ("30 8 * * *", or a descriptor such
// as "@daily"), evaluated in the calendar's time zone unless the spec sets
// CRON_TZ itself, and restricted by filter (empty means every day).
//
// With the Workdays filter, a spec naming exactly one day of the week and
// "*" as the day of the month ("0 9 * * 1"; "@weekly" is Sunday's) is
// weekly: a firing whose day is not a working day moves to the same time
// on the first working day after it in the same Monday-to-Sunday week, and
// a week with no working day left after it has no firing.
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
	return &Schedule{spec: s, filter: filter, cal: cal, weekly: filter == Workdays && onOneWeekday(s)}, nil
}

// starBit marks a cron field given as "*" or "?" (robfig/cron's own bit,
// which it does not export).
const starBit = 1 << 63

// onOneWeekday reports whether s fires on exactly one day of the week,
// whatever the day of the month.
func onOneWeekday(s cron.Schedule) bool {
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return false
	}
	return spec.Dom&starBit != 0 && spec.Dow&starBit == 0 && bits.OnesCount64(spec.Dow) == 1
}

// Matches reports whether the filter admits the day of t. Every firing
// Next returns is on such a day, a weekly firing moved off a holiday too.
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
	case WorkdaysBeforeMonthEnd:
		last := c.LastWorkday(t.Year(), t.Month())
		for i := 0; i < 2 && !last.IsZero(); i++ {
			last = prevWorkday(c, last)
			if last.Month() != t.Month() {
				return false
			}
			if day(last, t) {
				return true
			}
		}
		return false
	}
	return true
}

// prevWorkday returns midnight of the working day before d's, within a
// month back; the zero time when there is none.
func prevWorkday(c *workcal.Calendar, d time.Time) time.Time {
	for i := 1; i <= 31; i++ {
		if p := d.AddDate(0, 0, -i); c.IsWorkday(p) {
			return p
		}
	}
	return time.Time{}
}

// Next returns the first firing strictly after t, or the zero time when
// there is none within three years.
func (s *Schedule) Next(t time.Time) time.Time {
	limit := t.Add(horizon)
	from := t
	if s.weekly {
		// A firing moved later in its week may fall after t although the
		// spec's time for it is before t: look from the week's start.
		// Moving keeps firings in order, since it stays within the week.
		from = weekStart(t, s.cal.Location()).Add(-time.Second)
	}
	for next := s.spec.Next(from); !next.IsZero() && next.Before(limit); next = s.spec.Next(next) {
		if at, ok := s.firing(next); ok && at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// firing returns when the spec's time at fires, if it fires at all.
func (s *Schedule) firing(at time.Time) (time.Time, bool) {
	if s.Matches(at) {
		return at, true
	}
	if !s.weekly {
		return time.Time{}, false
	}
	// The days after at's in its Monday-to-Sunday week: six after a
	// Monday, none after a Sunday.
	left := (7 - int(at.In(s.cal.Location()).Weekday())) % 7
	for i := 1; i <= left; i++ {
		if moved := at.AddDate(0, 0, i); s.cal.IsWorkday(moved) {
			return moved, true
		}
	}
	return time.Time{}, false
}

// weekStart returns midnight in loc of the Monday of t's week.
func weekStart(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	back := (int(lt.Weekday()) + 6) % 7
	return time.Date(lt.Year(), lt.Month(), lt.Day()-back, 0, 0, 0, 0, loc)
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
