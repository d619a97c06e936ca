// Package duty turns the task catalogue into due periods ("instances"): for
// every point of the plan and everyone who owes it (a unit, a person or the
// town), each period of the point's rhythm in a year, with the moment it
// falls due, following the Chinese working calendar (a monthly item is due
// on the month's last working day, a weekly one on the last working day of
// its week, and so on). Dated deadlines fall in the plan year only; event
// points make no items (the features that handle the happenings keep their
// records); set-up points fall due once, after the town starts.
package duty

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/workcal"
)

// Instance is one due period of one point for one holder.
type Instance struct {
	Task  int
	Point int
	Holder
	Kind string // the point's timing kind
	// Period names the period within the year: "2026-10-08" (a day),
	// "2026-W41", "2026-10", "2026-Q4", "2026-H2", "2026", "2026-T1" (the
	// first of N times a year), the deadline's date, or "setup".
	Period string
	Start  time.Time // the period begins
	Due    time.Time // the report is due
	Quota  int       // how many are needed (quota points); 0 otherwise
	What   string    // what a quota counts
	Roles  []string  // who must act, as the point names it
}

// SetupPeriod is the period of a set-up point's only instance.
const SetupPeriod = "setup"

// ID identifies an instance durably: "14.1/yjb/2026-10" for a unit,
// "14.2/~o-wumin/2026-10-08" for a person, "3.1/*/2026-Q4" for the town.
func (i Instance) ID() string {
	return fmt.Sprintf("%s/%s/%s", catalogue.ID(i.Task, i.Point), i.Key(), i.Period)
}

// ParseID splits an instance id into its point ("14.2"), its holder (a
// unit id, "~" and an official id, or "*" for the town) and its period.
func ParseID(id string) (point, holder, period string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// PointID is the instance's point, e.g. "14.2".
func (i Instance) PointID() string { return catalogue.ID(i.Task, i.Point) }

// Owes reports whether official owes the instance.
func (i Instance) Owes(official string) bool { return slices.Contains(i.Owers, official) }

// ShortPeriod shows a day period "2026-10-12" as "10-12"; other periods
// ("2026-11", "2026-W41", "2026-Q4") stay whole.
func (i Instance) ShortPeriod() string {
	if len(i.Period) == len("2006-01-02") {
		return i.Period[5:]
	}
	return i.Period
}

// Spans of an instance's period.
const (
	SpanDay   = "day"
	SpanWeek  = "week"
	SpanMonth = "month"
	SpanLong  = "long" // a quarter, half year, year, dated deadline or set-up
)

// Span tells how long the instance's period is: the rhythm itself reminds
// of daily, weekly and monthly items; longer ones are counted down.
func (i Instance) Span() string {
	switch {
	case i.Kind == catalogue.DailyWorkdays:
		return SpanDay
	case strings.Contains(i.Period, "-W"):
		return SpanWeek
	case len(i.Period) == len("2006-01") && i.Period[5] >= '0' && i.Period[5] <= '9':
		return SpanMonth // "2026-10", not "2026-Q4", "2026-H2" or "2026-T1"
	}
	return SpanLong
}

// Options tune when things fall due.
type Options struct {
	// DueHour is the hour of the due day by which a report is due (default
	// 18, the end of the working day).
	DueHour int
	// Ongoing is the rhythm at which ongoing points are asked (monthly,
	// quarterly, half_yearly, yearly); empty makes them no items.
	Ongoing string
	// SetupFrom is when the town started using the plan; set-up points fall
	// due SetupWithin later (default 30 days). Zero makes them no items.
	SetupFrom   time.Time
	SetupWithin time.Duration
}

// Generator computes instances. It is safe for concurrent use; a year is
// computed once and kept while the directory stays the same (a reload of
// the 通讯录 has the owers computed again).
type Generator struct {
	plan    *catalogue.Plan
	cal     *workcal.Calendar
	cfg     *config.Config
	opts    Options
	dueHour int

	mu     sync.Mutex
	people *config.People // the directory setup and years were computed for
	setup  []Instance
	years  map[int]*year
}

// year is one computed year: its instances in order and indexes.
type year struct {
	list     []Instance
	byID     map[string]int
	byUnit   map[string][]int // by the unit an item is accounted to, in due order
	byPerson map[string][]int // by who owes it or heads its unit, in due order
}

// New returns a generator over plan and cal for the town cfg describes.
func New(plan *catalogue.Plan, cal *workcal.Calendar, cfg *config.Config, opts Options) *Generator {
	if opts.DueHour <= 0 || opts.DueHour > 23 {
		opts.DueHour = 18
	}
	if opts.SetupWithin <= 0 {
		opts.SetupWithin = 30 * 24 * time.Hour
	}
	g := &Generator{plan: plan, cal: cal, cfg: cfg, opts: opts, dueHour: opts.DueHour}
	g.mu.Lock()
	g.fresh()
	g.mu.Unlock()
	return g
}

// fresh drops what was computed for another directory than the current
// one; g.mu is held.
func (g *Generator) fresh() {
	if p := g.cfg.People(); g.years == nil || !p.Same(g.people) {
		g.people, g.years = p, map[int]*year{}
		g.setup = g.setupInstances()
	}
}

// Plan returns the plan the generator reads.
func (g *Generator) Plan() *catalogue.Plan { return g.plan }

// period is one span of a rhythm.
type period struct {
	key        string
	start, due time.Time
}

// Year lists every instance due in a year, ordered by due time, then task,
// point and holder. The slice is shared: callers must not modify it.
func (g *Generator) Year(y int) []Instance { return g.year(y).list }

func (g *Generator) year(y int) *year {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fresh()
	if yr, ok := g.years[y]; ok {
		return yr
	}
	yr := &year{list: g.compute(y), byID: map[string]int{}, byUnit: map[string][]int{}, byPerson: map[string][]int{}}
	for i, in := range yr.list {
		yr.byID[in.ID()] = i
		if in.Unit != "" {
			yr.byUnit[in.Unit] = append(yr.byUnit[in.Unit], i)
		}
		for _, o := range in.Owers {
			yr.byPerson[o] = append(yr.byPerson[o], i)
		}
		if in.Owner == catalogue.OwnerUnit {
			if u, _ := g.cfg.Unit(in.Unit); u.Head != "" && !in.Owes(u.Head) {
				yr.byPerson[u.Head] = append(yr.byPerson[u.Head], i)
			}
		}
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
	if parts[2] == SetupPeriod {
		g.mu.Lock()
		g.fresh()
		setup := g.setup
		g.mu.Unlock()
		for _, in := range setup {
			if in.ID() == id {
				return in, true
			}
		}
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
		for k := range t.Points {
			p := &t.Points[k]
			if p.Timing.Kind == catalogue.Setup {
				continue // setupInstances
			}
			periods := g.pointPeriods(year, p)
			if len(periods) == 0 {
				continue
			}
			for _, h := range Holders(g.cfg, p) {
				for _, pe := range periods {
					out = append(out, g.instance(t, p, h, pe))
				}
			}
		}
	}
	for _, in := range g.setup {
		if in.Due.Year() == year {
			out = append(out, in)
		}
	}
	slices.SortStableFunc(out, func(a, b Instance) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Task, b.Task), cmp.Compare(a.Point, b.Point), cmp.Compare(a.Key(), b.Key()))
	})
	return out
}

func (g *Generator) instance(t *catalogue.Task, p *catalogue.Point, h Holder, pe period) Instance {
	in := Instance{Task: t.No, Point: p.No, Holder: h, Kind: p.Timing.Kind, Period: pe.key,
		Start: pe.start, Due: pe.due, Roles: p.Roles}
	if p.Timing.Kind == catalogue.Quota {
		in.Quota, in.What = p.Timing.Count, p.Timing.What
	}
	return in
}

// MakesItems reports whether a point of plan makes items in year: never
// an event (the features that handle the happening keep its record), an
// ongoing point only when the town asks at a rhythm (ongoing, as
// tasks.ongoing), a dated deadline only in the plan year.
func MakesItems(plan *catalogue.Plan, p *catalogue.Point, year int, ongoing string) bool {
	switch p.Timing.Kind {
	case catalogue.Event:
		return false
	case catalogue.Ongoing:
		return ongoing != ""
	case catalogue.Deadline:
		return year == plan.Year
	}
	return true
}

// pointPeriods lists a point's periods in a year; set-up points have
// their one item apart (setupInstances).
func (g *Generator) pointPeriods(year int, p *catalogue.Point) []period {
	switch {
	case p.Timing.Kind == catalogue.Setup, !MakesItems(g.plan, p, year, g.opts.Ongoing):
		return nil
	case p.Timing.Kind == catalogue.Ongoing:
		return g.periods(year, catalogue.Timing{Kind: g.opts.Ongoing})
	}
	return g.periods(year, p.Timing)
}

// setupInstances makes the one item of each set-up point, due SetupWithin
// after the town started (on that day, or the next working day).
func (g *Generator) setupInstances() []Instance {
	if g.opts.SetupFrom.IsZero() {
		return nil
	}
	from := g.opts.SetupFrom.In(g.cal.Location())
	start := g.date(from.Year(), from.Month(), from.Day())
	day := start.Add(g.opts.SetupWithin)
	day = g.date(day.Year(), day.Month(), day.Day())
	if !g.cal.IsWorkday(day) {
		day = g.cal.NextWorkday(day)
	}
	pe := period{key: SetupPeriod, start: start, due: g.dueOn(day)}
	var out []Instance
	for _, t := range g.plan.Tasks() {
		for k := range t.Points {
			p := &t.Points[k]
			if p.Timing.Kind != catalogue.Setup {
				continue
			}
			for _, h := range Holders(g.cfg, p) {
				out = append(out, g.instance(t, p, h, pe))
			}
		}
	}
	return out
}

// Between lists the instances due in [from, to), across years.
func (g *Generator) Between(from, to time.Time) []Instance {
	loc := g.cal.Location()
	var out []Instance
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		list := g.Year(y) // in due order
		i := sort.Search(len(list), func(i int) bool { return !list[i].Due.Before(from) })
		for ; i < len(list) && list[i].Due.Before(to); i++ {
			out = append(out, list[i])
		}
	}
	return out
}

// NextDue returns the first due time after t within a year, so a sweeper
// waits for it without listing the year.
func (g *Generator) NextDue(t time.Time) (time.Time, bool) {
	loc := g.cal.Location()
	for y := t.In(loc).Year(); y <= t.In(loc).Year()+1; y++ {
		list := g.Year(y)
		if i := sort.Search(len(list), func(i int) bool { return list[i].Due.After(t) }); i < len(list) {
			return list[i].Due, true
		}
	}
	return time.Time{}, false
}

// UnitBetween lists the instances accounted to a unit due in [from, to):
// its unit items and the personal items its people owe through it.
func (g *Generator) UnitBetween(unit string, from, to time.Time) []Instance {
	return g.indexed(from, to, func(yr *year) []int { return yr.byUnit[unit] })
}

// PersonBetween lists the instances due in [from, to) that an official owes
// or, as its head, answers for (their unit's items).
func (g *Generator) PersonBetween(official string, from, to time.Time) []Instance {
	return g.indexed(from, to, func(yr *year) []int { return yr.byPerson[official] })
}

func (g *Generator) indexed(from, to time.Time, index func(*year) []int) []Instance {
	loc := g.cal.Location()
	var out []Instance
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		yr := g.year(y)
		for _, i := range index(yr) {
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

// dayOf is month/day of a year; 02-29 falls on 02-28 in a common year.
func (g *Generator) dayOf(year, month, d int) time.Time {
	day := g.date(year, time.Month(month), 1).AddDate(0, 0, d-1)
	if day.Month() != time.Month(month) {
		day = g.date(year, time.Month(month)+1, 0)
	}
	return day
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
	case catalogue.Monthly:
		return g.months(year, 1, func(i int) string { return fmt.Sprintf("%d-%02d", year, i+1) })
	case catalogue.Quarterly:
		return g.months(year, 3, func(i int) string { return fmt.Sprintf("%d-Q%d", year, i+1) })
	case catalogue.HalfYearly:
		return g.months(year, 6, func(i int) string { return fmt.Sprintf("%d-H%d", year, i+1) })
	case catalogue.Yearly:
		if tm.Month != 0 {
			d, ok := g.lastWorkday(g.date(year, 1, 1), g.dayOf(year, tm.Month, tm.Day).AddDate(0, 0, 1))
			if !ok {
				return nil
			}
			return []period{{key: fmt.Sprint(year), start: g.date(year, 1, 1), due: g.dueOn(d)}}
		}
		return g.months(year, 12, func(int) string { return fmt.Sprint(year) })
	case catalogue.TimesPerYear:
		return g.times(year, tm.Count)
	case catalogue.Deadline:
		day := g.dayOf(year, tm.Month, tm.Day)
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
