package coverage

import (
	"fmt"
	"slices"
	"time"

	"dutybot/config"
	"dutybot/weather"
	"dutybot/workcal"
)

// Kinds of special period.
const (
	KindHoliday   = "holiday"   // a statutory holiday (法定节假日) from the working calendar
	KindImportant = "important" // an important date (重要节点) from roster.important_dates
	KindFlood     = "flood"     // the flood season (汛期) from roster.flood_season
	KindWarning   = "warning"   // an active weather warning with extreme-weather duty mode on
)

// Period is a special period: each of its duty days must be covered around
// the clock by a 带班领导 and at least one 值班人员.
type Period struct {
	Kind string `json:"kind"`
	// Name is the holiday's name (国庆节), the important date's name, or
	// empty for the flood season and warnings (see Type and Level).
	Name string `json:"name,omitempty"`
	// First and Last are the first and last duty dates, midnight in the
	// configured location. Last is zero for a warning: it lasts until lifted.
	First time.Time `json:"first"`
	Last  time.Time `json:"last,omitempty"`
	// NotBefore is when coverage is needed from, inside the first day: the
	// moment a warning was issued. Zero for the other kinds.
	NotBefore time.Time `json:"not_before,omitempty"`
	// Warning, Type and Level describe a warning period.
	Warning string `json:"warning,omitempty"`
	Type    string `json:"type,omitempty"`
	Level   string `json:"level,omitempty"`
}

// Open reports whether the period has no last day (an active warning).
func (p Period) Open() bool { return p.Last.IsZero() }

// Standby reports whether standby (extreme-weather) shifts cover the period:
// they only run while a warning holds duty mode on.
func (p Period) Standby() bool { return p.Kind == KindWarning }

// Label is a short language-neutral name for logs and the event record.
func (p Period) Label() string {
	switch p.Kind {
	case KindFlood:
		return "flood season"
	case KindWarning:
		return fmt.Sprintf("warning %s (%s %s)", p.Warning, p.Type, p.Level)
	}
	return p.Name
}

// days holds the duty-day arithmetic of one configuration.
type days struct {
	loc   *time.Location
	start time.Duration // roster.day_starts after midnight
}

// date returns midnight of t's calendar date.
func (d days) date(t time.Time) time.Time {
	y, m, dd := t.In(d.loc).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, d.loc)
}

// dutyDate returns the duty date t falls in: before day_starts it is still
// the previous day's duty.
func (d days) dutyDate(t time.Time) time.Time {
	day := d.date(t)
	if t.Before(d.begin(day)) {
		return d.add(day, -1)
	}
	return day
}

// begin returns when the duty day of date day begins.
func (d days) begin(day time.Time) time.Time {
	y, m, dd := day.Date()
	h, mm := int(d.start/time.Hour), int(d.start%time.Hour/time.Minute)
	return time.Date(y, m, dd, h, mm, 0, 0, d.loc)
}

// end returns when the duty day of date day ends: day_starts the next day.
func (d days) end(day time.Time) time.Time { return d.begin(d.add(day, 1)) }

// add moves a date by n calendar days.
func (d days) add(day time.Time, n int) time.Time {
	y, m, dd := day.Date()
	return time.Date(y, m, dd+n, 0, 0, 0, 0, d.loc)
}

// holidayPeriods returns the statutory holidays overlapping the dates
// [from, to]: consecutive off days of one holiday name form one period.
func holidayPeriods(cal *workcal.Calendar, d days, from, to time.Time) []Period {
	var out []Period
	var cur *Period
	flush := func() {
		if cur != nil && !cur.Last.Before(from) && !cur.First.After(to) {
			out = append(out, *cur)
		}
		cur = nil
	}
	// A holiday may begin in the year before from (元旦 from 12-30).
	for y := from.Year() - 1; y <= to.Year(); y++ {
		for _, day := range cal.Holidays(y) {
			if day.Workday || day.Holiday == "" {
				continue // a make-up working day (调休) is no holiday
			}
			date := d.date(day.Date)
			if cur != nil && cur.Name == day.Holiday && d.add(cur.Last, 1).Equal(date) {
				cur.Last = date
				continue
			}
			flush()
			cur = &Period{Kind: KindHoliday, Name: day.Holiday, First: date, Last: date}
		}
	}
	flush()
	return out
}

// importantPeriods returns the configured important dates overlapping
// [from, to]. The configuration was validated, so the dates parse.
func importantPeriods(r config.Roster, d days, from, to time.Time) []Period {
	var out []Period
	for _, dr := range r.ImportantDates {
		first, err1 := time.ParseInLocation(time.DateOnly, dr.From, d.loc)
		last, err2 := time.ParseInLocation(time.DateOnly, dr.To, d.loc)
		if err1 != nil || err2 != nil || last.Before(from) || first.After(to) {
			continue
		}
		out = append(out, Period{Kind: KindImportant, Name: dr.Name, First: first, Last: last})
	}
	return out
}

// floodPeriods returns the yearly flood seasons overlapping [from, to]. A
// season whose end comes before its start in the year runs into the next.
func floodPeriods(fs config.MonthDayRange, d days, from, to time.Time) []Period {
	if fs.From == "" || fs.To == "" {
		return nil
	}
	fm, fd, err1 := config.ParseMonthDay(fs.From)
	tm, td, err2 := config.ParseMonthDay(fs.To)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []Period
	for y := from.Year() - 1; y <= to.Year(); y++ {
		first := time.Date(y, fm, fd, 0, 0, 0, 0, d.loc)
		last := time.Date(y, tm, td, 0, 0, 0, 0, d.loc)
		if last.Before(first) {
			last = time.Date(y+1, tm, td, 0, 0, 0, 0, d.loc)
		}
		if last.Before(from) || first.After(to) {
			continue
		}
		out = append(out, Period{Kind: KindFlood, First: first, Last: last})
	}
	return out
}

// warningPeriods returns the active warnings holding duty mode on: each is
// a period from its issue on, with no last day.
func warningPeriods(ws []weather.Warning, d days, to time.Time) []Period {
	var out []Period
	for _, w := range ws {
		if w.State != weather.WarningActive || !w.DutyMode {
			continue
		}
		first := d.dutyDate(w.IssuedAt)
		if first.After(to) {
			continue
		}
		out = append(out, Period{Kind: KindWarning, First: first, NotBefore: w.IssuedAt,
			Warning: w.ID, Type: w.Type, Level: w.Level})
	}
	return out
}

// sortPeriods orders periods by first day, then kind and name.
func sortPeriods(ps []Period) {
	slices.SortStableFunc(ps, func(a, b Period) int {
		if c := a.First.Compare(b.First); c != 0 {
			return c
		}
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}
