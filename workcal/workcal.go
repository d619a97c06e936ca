// Package workcal implements the Chinese working calendar: which dates are
// working days once statutory holidays (法定节假日) and 调休 make-up working
// days are taken into account.
//
// A date is decided in this order:
//
//  1. the calendar file (a File, typically read with ParseFile): a whole
//     Year replaces everything the built-in table says about its year, and
//     an Override decides its one date;
//  2. the built-in table of github.com/6tail/lunar-go (HolidayUtil), which
//     covers the State Council schedules from late 2001 to 2027;
//  3. otherwise Monday to Friday are working days and Saturday and Sunday
//     are not.
//
// The State Council announces next year's schedule each autumn, so years
// beyond the built-in table, and built-in years found wrong, are supplied by
// a file in the holiday-cn shape
//
//	{"year": 2028, "papers": ["…"], "days": [{"name": "国庆节", "date": "2028-10-01", "isOffDay": true}, …]}
//
// Use HasData to warn when a year has no holiday data at all, and Source to
// tell where a year's data come from and whether they were checked against
// the State Council's notice.
//
// All dates are civil dates in the Calendar's location: a time.Time argument
// in any zone is first converted to that location and its date taken, and
// every time.Time result is midnight in that location.
package workcal

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Day describes one date.
type Day struct {
	Date     time.Time // midnight in the calendar's location
	Workday  bool
	Holiday  string // name of the statutory holiday or make-up day, "" for an ordinary day
	MakeUp   bool   // a 调休 working weekend day
	Override bool   // decided by the calendar file (an override or a whole year), not the built-in table
}

// A Calendar answers working-day questions for one location. It is created
// by New, is immutable afterwards and is safe for concurrent use by multiple
// goroutines.
type Calendar struct {
	loc  *time.Location
	days map[civil]entry // built-in table merged with the file
	keys []civil         // keys of days, in chronological order
	// offYears holds the years with at least one off day in days.
	offYears map[int]bool
	// sources describes each year with data, built-in or from the file.
	sources map[int]YearSource
}

// entry is what the built-in table or an override says about one date.
type entry struct {
	name     string
	off      bool
	override bool
}

// New returns a Calendar for loc that applies overrides on top of the
// built-in holiday table. An override replaces whatever the built-in table
// says about its date.
//
// New reports an error, wrapping an *OverrideError, if an override's date is
// missing or not a valid YYYY-MM-DD date, or if two overrides share a date.
// It reports an error if loc is nil.
func New(loc *time.Location, overrides []Override) (*Calendar, error) {
	return NewFromFile(loc, File{Overrides: overrides})
}

// NewFromFile returns a Calendar for loc with f applied to the built-in
// holiday table: each of f's whole years replaces the table for its year,
// and each of its overrides replaces what the table says about its date.
//
// NewFromFile reports an error, wrapping an *OverrideError or a *YearError,
// for an entry as ParseFile would; one wrapping ErrMixedForms if f has both
// overrides and whole years; and one if loc is nil.
func NewFromFile(loc *time.Location, f File) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("workcal: new calendar: nil location")
	}
	dates, err := checkFile(f)
	if err != nil {
		return nil, fmt.Errorf("workcal: new calendar: %w", err)
	}

	table := builtinTable()
	whole := make(map[int]bool, len(f.Years))
	for _, y := range f.Years {
		whole[y.Year] = true
	}
	c := &Calendar{
		loc:      loc,
		days:     make(map[civil]entry, len(table)+len(f.Overrides)),
		offYears: make(map[int]bool),
	}
	builtinYears := make(map[int]bool)
	for k, e := range table {
		if e.off {
			builtinYears[k.year()] = true
		}
		if !whole[k.year()] {
			c.days[k] = e
		}
	}
	for i, y := range f.Years {
		for j, o := range y.Days {
			c.days[dates.years[i][j]] = entry{name: o.Name, off: o.IsOffDay, override: true}
		}
	}
	overridden := make(map[int]int)
	for i, o := range f.Overrides {
		d := dates.overrides[i]
		c.days[d] = entry{name: o.Name, off: o.IsOffDay, override: true}
		overridden[d.year()]++
	}
	c.keys = make([]civil, 0, len(c.days))
	for k, e := range c.days {
		c.keys = append(c.keys, k)
		if e.off {
			c.offYears[k.year()] = true
		}
	}
	slices.Sort(c.keys)
	c.sources = yearSources(f, builtinYears, overridden)
	return c, nil
}

// Location returns the location in which c takes dates.
func (c *Calendar) Location() *time.Location { return c.loc }

// Day describes the date of t, taken in c's location.
func (c *Calendar) Day(t time.Time) Day {
	return c.day(civilOf(t.In(c.loc)))
}

// IsWorkday reports whether the date of t, taken in c's location, is a
// working day: an override decides first, then the built-in table, and
// otherwise Monday to Friday are working days.
func (c *Calendar) IsWorkday(t time.Time) bool {
	lt := t.In(c.loc)
	if e, ok := c.days[civilOf(lt)]; ok {
		return !e.off
	}
	return !isWeekend(lt.Weekday())
}

// NextWorkday returns midnight, in c's location, of the first working day
// strictly after the date of t.
func (c *Calendar) NextWorkday(t time.Time) time.Time {
	// The table and the file are finite, so past their last date the
	// Monday-to-Friday rule always yields a working day within a week.
	d := civilOf(t.In(c.loc)).addDays(1)
	for !c.isWorkday(d) {
		d = d.addDays(1)
	}
	return d.midnight(c.loc)
}

// FirstWorkday returns midnight, in c's location, of the first working day
// of the given month. Month values outside 1–12 are normalised as by
// time.Date. It returns the zero Time if the month has no working day,
// which only overrides can bring about.
func (c *Calendar) FirstWorkday(year int, month time.Month) time.Time {
	from := makeCivil(year, month, 1)
	return c.firstWorkdayIn(from, from.addMonths(1).addDays(-1))
}

// LastWorkday returns midnight, in c's location, of the last working day of
// the given month. Month values outside 1–12 are normalised as by
// time.Date. It returns the zero Time if the month has no working day,
// which only overrides can bring about.
func (c *Calendar) LastWorkday(year int, month time.Month) time.Time {
	from := makeCivil(year, month, 1)
	return c.lastWorkdayIn(from, from.addMonths(1).addDays(-1))
}

// FirstWorkdayOfQuarter returns midnight, in c's location, of the first
// working day of the calendar quarter containing the date of t. It returns
// the zero Time if the quarter has no working day.
func (c *Calendar) FirstWorkdayOfQuarter(t time.Time) time.Time {
	from := quarterStart(civilOf(t.In(c.loc)))
	return c.firstWorkdayIn(from, from.addMonths(3).addDays(-1))
}

// LastWorkdayOfQuarter returns midnight, in c's location, of the last
// working day of the calendar quarter containing the date of t. It returns
// the zero Time if the quarter has no working day.
func (c *Calendar) LastWorkdayOfQuarter(t time.Time) time.Time {
	from := quarterStart(civilOf(t.In(c.loc)))
	return c.lastWorkdayIn(from, from.addMonths(3).addDays(-1))
}

// Workdays returns the number of working days from the date of from to the
// date of to, both inclusive, with dates taken in c's location. It returns
// 0 if to's date is before from's date.
func (c *Calendar) Workdays(from, to time.Time) int {
	a, b := civilOf(from.In(c.loc)), civilOf(to.In(c.loc))
	if b < a {
		return 0
	}
	n := weekdaysBetween(a, b)
	// Correct the Monday-to-Friday count by the dates the table or the
	// overrides decide.
	i, _ := slices.BinarySearch(c.keys, a)
	for ; i < len(c.keys) && c.keys[i] <= b; i++ {
		k := c.keys[i]
		plain := !isWeekend(k.weekday())
		actual := !c.days[k].off
		switch {
		case plain && !actual:
			n--
		case !plain && actual:
			n++
		}
	}
	return n
}

// HasData reports whether the built-in table or the file know at least one
// holiday (off day) in year. A year with only make-up working days, such as
// 2001 in the built-in table, has no data. Use it to warn that a coming
// year's schedule still has to be added with a file.
func (c *Calendar) HasData(year int) bool {
	return c.offYears[year]
}

// Holidays returns the off days and the make-up working days of year that
// the built-in table or the file decide, in chronological order.
// Ordinary weekends are not included, nor are overrides that make a Monday
// to Friday date a working day, since those are ordinary working days.
func (c *Calendar) Holidays(year int) []Day {
	lo := makeCivil(year, time.January, 1)
	hi := makeCivil(year, time.December, 31)
	i, _ := slices.BinarySearch(c.keys, lo)
	var out []Day
	for ; i < len(c.keys) && c.keys[i] <= hi; i++ {
		d := c.day(c.keys[i])
		if d.Workday && !d.MakeUp {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (c *Calendar) isWorkday(d civil) bool {
	if e, ok := c.days[d]; ok {
		return !e.off
	}
	return !isWeekend(d.weekday())
}

func (c *Calendar) day(d civil) Day {
	out := Day{Date: d.midnight(c.loc)}
	e, ok := c.days[d]
	if !ok {
		out.Workday = !isWeekend(d.weekday())
		return out
	}
	out.Workday = !e.off
	out.Holiday = e.name
	out.MakeUp = out.Workday && isWeekend(d.weekday())
	out.Override = e.override
	return out
}

// firstWorkdayIn returns the first working day in [from, to] as midnight in
// c's location, or the zero Time if there is none.
func (c *Calendar) firstWorkdayIn(from, to civil) time.Time {
	for d := from; d <= to; d = d.addDays(1) {
		if c.isWorkday(d) {
			return d.midnight(c.loc)
		}
	}
	return time.Time{}
}

// lastWorkdayIn returns the last working day in [from, to] as midnight in
// c's location, or the zero Time if there is none.
func (c *Calendar) lastWorkdayIn(from, to civil) time.Time {
	for d := to; d >= from; d = d.addDays(-1) {
		if c.isWorkday(d) {
			return d.midnight(c.loc)
		}
	}
	return time.Time{}
}

func isWeekend(wd time.Weekday) bool {
	return wd == time.Saturday || wd == time.Sunday
}

// weekdaysBetween counts the Mondays to Fridays in [a, b]; a <= b.
func weekdaysBetween(a, b civil) int {
	days := int(b.unixDay()-a.unixDay()) + 1
	n := days / 7 * 5
	wd := a.weekday()
	for range days % 7 {
		if !isWeekend(wd) {
			n++
		}
		wd = (wd + 1) % 7
	}
	return n
}

func quarterStart(d civil) civil {
	m := d.month()
	return makeCivil(d.year(), (m-1)/3*3+1, 1)
}

// The built-in table is read from lunar-go once per process, on first use,
// and shared read-only by all Calendars: looking a date up in lunar-go scans
// its embedded string (about 2.6µs a call), and HolidayUtil keeps its data
// in package variables that HolidayUtil.Fix can change. Calls to Fix after
// the first New are therefore not seen.
var builtinTable = sync.OnceValue(loadBuiltin)

// The years scanned in lunar-go's table; its data start on 2001-12-29.
const (
	tableFirstYear = 1990
	tableLastYear  = 2100
)

func loadBuiltin() map[civil]entry {
	table := make(map[civil]entry)
	for y := tableFirstYear; y <= tableLastYear; y++ {
		for el := HolidayUtil.GetHolidaysByYear(y).Front(); el != nil; el = el.Next() {
			h, ok := el.Value.(*HolidayUtil.Holiday)
			if !ok || h == nil {
				continue
			}
			t, err := time.Parse(time.DateOnly, h.GetDay())
			if err != nil {
				continue // not expected from the embedded data
			}
			d := civilOf(t)
			if h.IsWork() && !isWeekend(d.weekday()) {
				// The table marks a few ordinary working weekdays right
				// after a holiday (2012-05-02, 2012-10-08); they change
				// nothing and are not make-up days.
				continue
			}
			if _, dup := table[d]; dup {
				continue // HolidayUtil.GetHoliday returns the first one too
			}
			table[d] = entry{name: h.GetName(), off: !h.IsWork()}
		}
	}
	return table
}

// civil is a calendar date packed as year<<9 | month<<5 | day, so that the
// order of civil values is chronological for any year.
type civil int64

func packCivil(y int, m time.Month, d int) civil {
	return civil(int64(y)<<9 | int64(m)<<5 | int64(d))
}

func makeCivil(year int, month time.Month, day int) civil {
	// Normalise through time.Date, as the exported functions promise.
	return packCivil(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Date())
}

// civilOf returns the date of t in t's own location.
func civilOf(t time.Time) civil {
	return packCivil(t.Date())
}

func (d civil) year() int             { return int(d >> 9) }
func (d civil) month() time.Month     { return time.Month(d >> 5 & 15) }
func (d civil) dayOfMonth() int       { return int(d & 31) }
func (d civil) utc() time.Time        { return d.midnight(time.UTC) }
func (d civil) weekday() time.Weekday { return d.utc().Weekday() }
func (d civil) unixDay() int64        { return d.utc().Unix() / 86400 }

func (d civil) midnight(loc *time.Location) time.Time {
	return time.Date(d.year(), d.month(), d.dayOfMonth(), 0, 0, 0, 0, loc)
}

func (d civil) addDays(n int) civil {
	return makeCivil(d.year(), d.month(), d.dayOfMonth()+n)
}

// addMonths adds n months to d, which must be the first of a month.
func (d civil) addMonths(n int) civil {
	return makeCivil(d.year(), d.month()+time.Month(n), d.dayOfMonth())
}
