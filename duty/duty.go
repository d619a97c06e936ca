// Package duty turns the task catalogue into due periods ("instances"): for
// every point of every task and every responsible unit, each period of the
// point's rhythm in a year, with the moment it falls due, following the
// Chinese working calendar (a monthly item is due on the month's last
// working day, a weekly one on the last working day of its week, and so on).
package duty

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dutybot/catalogue"
	"dutybot/workcal"
)

// Instance is one due period of one point for one unit.
type Instance struct {
	Task  int
	Point int
	Unit  string
	Kind  string // the point's timing kind
	// Period names the period within the year: "2026-10-08" (a day),
	// "2026-W41", "2026-10", "2026-Q4", "2026-H2", "2026", "2026-T1" (the
	// first of N times a year), or the deadline's date.
	Period string
	Start  time.Time // the period begins
	Due    time.Time // the report is due
	Quota  int       // how many are needed (quota points); 0 otherwise
	What   string    // what a quota counts
	Roles  []string  // who must act, when the point names it
}

// ID identifies an instance durably, e.g. "14.2/yjb/2026-10-08".
func (i Instance) ID() string {
	return fmt.Sprintf("%s/%s/%s", catalogue.ID(i.Task, i.Point), i.Unit, i.Period)
}

// ShortPeriod shows a day period "2026-10-12" as "10-12"; other periods
// ("2026-11", "2026-W41", "2026-Q4") stay whole.
func (i Instance) ShortPeriod() string {
	if len(i.Period) == len("2006-01-02") {
		return i.Period[5:]
	}
	return i.Period
}

// Options tune when things fall due.
type Options struct {
	// DueHour is the hour of the due day by which a report is due (default
	// 18, the end of the working day).
	DueHour int
}

// Generator computes instances. It is safe for concurrent use; a year is
// computed once and kept.
type Generator struct {
	plan    *catalogue.Plan
	cal     *workcal.Calendar
	dueHour int

	mu    sync.Mutex
	years map[int]*year
}

// year is one computed year: its instances in order and an index by id.
type year struct {
	list   []Instance
	byID   map[string]int
	byUnit map[string][]int // indices into list, in due order
}

// New returns a generator over plan and cal.
func New(plan *catalogue.Plan, cal *workcal.Calendar, opts Options) *Generator {
	if opts.DueHour <= 0 || opts.DueHour > 23 {
		opts.DueHour = 18
	}
	return &Generator{plan: plan, cal: cal, dueHour: opts.DueHour, years: map[int]*year{}}
}

// period is one span of a rhythm.
type period struct {
	key        string
	start, due time.Time
}

// Year lists every instance of a year, ordered by due time, then task,
// point and unit. The slice is shared: callers must not modify it.
func (g *Generator) Year(y int) []Instance { return g.year(y).list }

func (g *Generator) year(y int) *year {
	g.mu.Lock()
	defer g.mu.Unlock()
	if yr, ok := g.years[y]; ok {
		return yr
	}
	yr := &year{list: g.compute(y), byID: map[string]int{}, byUnit: map[string][]int{}}
	for i, in := range yr.list {
		yr.byID[in.ID()] = i
		yr.byUnit[in.Unit] = append(yr.byUnit[in.Unit], i)
	}
	g.years[y] = yr
	return yr
}

// Instance finds an instance by its id.
func (g *Generator) Instance(id string) (Instance, bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || len(parts[2]) < 4 {
		return Instance{}, false
	}
	y, err := strconv.Atoi(parts[2][:4])
	if err != nil || y < 2000 || y > 2100 {
		return Instance{}, false
	}
	yr := g.year(y)
	i, ok := yr.byID[id]
	if !ok {
		return Instance{}, false
	}
	return yr.list[i], true
}

func (g *Generator) compute(year int) []Instance {
	var out []Instance
	for _, t := range g.plan.Tasks() {
		for _, p := range t.Points {
			periods := g.periods(year, p.Timing)
			for _, u := range t.Resolved {
				for _, pe := range periods {
					in := Instance{Task: t.No, Point: p.No, Unit: u, Kind: p.Timing.Kind, Period: pe.key,
						Start: pe.start, Due: pe.due, Roles: p.Roles}
					if p.Timing.Kind == catalogue.Quota {
						in.Quota, in.What = p.Timing.Count, p.Timing.What
					}
					out = append(out, in)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Instance) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Task, b.Task), cmp.Compare(a.Point, b.Point), cmp.Compare(a.Unit, b.Unit))
	})
	return out
}

// Between lists the instances due in [from, to), across years.
func (g *Generator) Between(from, to time.Time) []Instance {
	loc := g.cal.Location()
	var out []Instance
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		for _, in := range g.Year(y) {
			if !in.Due.Before(from) && in.Due.Before(to) {
				out = append(out, in)
			}
		}
	}
	return out
}

// UnitBetween lists one unit's instances due in [from, to).
func (g *Generator) UnitBetween(unit string, from, to time.Time) []Instance {
	loc := g.cal.Location()
	var out []Instance
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		yr := g.year(y)
		for _, i := range yr.byUnit[unit] {
			if in := yr.list[i]; !in.Due.Before(from) && in.Due.Before(to) {
				out = append(out, in)
			}
		}
	}
	return out
}

func (g *Generator) date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, g.cal.Location())
}

func (g *Generator) dueOn(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), g.dueHour, 0, 0, 0, day.Location())
}

// lastWorkday returns the last workday in [start, end), if any.
func (g *Generator) lastWorkday(start, end time.Time) (time.Time, bool) {
	for d := end.AddDate(0, 0, -1); !d.Before(start); d = d.AddDate(0, 0, -1) {
		if g.cal.IsWorkday(d) {
			return d, true
		}
	}
	return time.Time{}, false
}

// span makes a period due on the last workday of [start, end); a span with
// no workday (a week wholly inside a holiday) has no period.
func (g *Generator) span(key string, start, end time.Time) (period, bool) {
	d, ok := g.lastWorkday(start, end)
	if !ok {
		return period{}, false
	}
	return period{key: key, start: start, due: g.dueOn(d)}, true
}

// months splits the year into spans of n months (n divides 12).
func (g *Generator) months(year, n int, key func(i int) string) []period {
	var out []period
	for i := 0; i < 12/n; i++ {
		start := g.date(year, time.Month(1+i*n), 1)
		if p, ok := g.span(key(i), start, start.AddDate(0, n, 0)); ok {
			out = append(out, p)
		}
	}
	return out
}

// periods lists the periods of a timing in a year.
func (g *Generator) periods(year int, tm catalogue.Timing) []period {
	switch tm.Kind {
	case catalogue.DailyWorkdays:
		var out []period
		for d := g.date(year, 1, 1); d.Year() == year; d = d.AddDate(0, 0, 1) {
			if g.cal.IsWorkday(d) {
				out = append(out, period{key: d.Format("2006-01-02"), start: d, due: g.dueOn(d)})
			}
		}
		return out
	case catalogue.Weekly:
		return g.weeks(year)
	case catalogue.Monthly, catalogue.Ongoing:
		return g.months(year, 1, func(i int) string { return fmt.Sprintf("%d-%02d", year, i+1) })
	case catalogue.Quarterly:
		return g.months(year, 3, func(i int) string { return fmt.Sprintf("%d-Q%d", year, i+1) })
	case catalogue.HalfYearly:
		return g.months(year, 6, func(i int) string { return fmt.Sprintf("%d-H%d", year, i+1) })
	case catalogue.Yearly:
		return g.months(year, 12, func(int) string { return fmt.Sprint(year) })
	case catalogue.TimesPerYear:
		return g.times(year, tm.Count)
	case catalogue.Deadline:
		day := g.date(year, time.Month(tm.Month), 1).AddDate(0, 0, tm.Day-1)
		if day.Month() != time.Month(tm.Month) { // 02-29 in a common year
			day = g.date(year, time.Month(tm.Month)+1, 0)
		}
		return []period{{key: day.Format("2006-01-02"), start: g.date(year, 1, 1), due: g.dueOn(day)}}
	case catalogue.Quota:
		switch tm.Period {
		case "week":
			return g.weeks(year)
		case "month":
			return g.periods(year, catalogue.Timing{Kind: catalogue.Monthly})
		case "quarter":
			return g.periods(year, catalogue.Timing{Kind: catalogue.Quarterly})
		case "year":
			return g.periods(year, catalogue.Timing{Kind: catalogue.Yearly})
		}
	}
	return nil
}

// weeks lists the Monday-to-Sunday weeks whose Monday falls in the year.
func (g *Generator) weeks(year int) []period {
	var out []period
	d := g.date(year, 1, 1)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	for ; d.Year() == year; d = d.AddDate(0, 0, 7) {
		y, w := d.ISOWeek()
		if p, ok := g.span(fmt.Sprintf("%d-W%02d", y, w), d, d.AddDate(0, 0, 7)); ok {
			out = append(out, p)
		}
	}
	return out
}

// times splits the year into n equal periods: by months when n divides 12,
// else by days.
func (g *Generator) times(year, n int) []period {
	key := func(i int) string { return fmt.Sprintf("%d-T%d", year, i+1) }
	if 12%n == 0 {
		return g.months(year, 12/n, key)
	}
	first, next := g.date(year, 1, 1), g.date(year+1, 1, 1)
	days := int(next.Sub(first).Hours()/24 + 0.5)
	var out []period
	for i := 0; i < n; i++ {
		start := first.AddDate(0, 0, i*days/n)
		end := first.AddDate(0, 0, (i+1)*days/n)
		if p, ok := g.span(key(i), start, end); ok {
			out = append(out, p)
		}
	}
	return out
}
