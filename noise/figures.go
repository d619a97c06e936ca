package noise

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/workcal"
)

// Report is what a simulated span of duty sent the town's officials, and
// the figures that say how noisy that was.
type Report struct {
	From, To    time.Time
	Budget      int // routine pushes per working day an official should not exceed
	WorkingDays int
	OnTime      float64
	Seed        uint64
	Items       int // items due in the span
	Late        int // of them, reported a working day late (the last ones after the span)
	// Officials are in configuration order.
	Officials []Official
	// Totals counts pushes by category over all officials: routine topics
	// first, then calls, reminders, notices and the rest.
	Totals []Count
	Duties DutyCalls
	// UnitMonths counts the items due per holder (a unit, a person, the
	// town) and month, most first.
	UnitMonths []UnitMonth
	// Foreign lists the officials who were sent items of units not theirs.
	Foreign []Foreign
	// Hazards is what the inspections and the hazard loop did and sent.
	Hazards HazardLoop
	// CountedCalls counts, by point ("19.3"), the overdue calls naming an
	// item counted from records (item 19's quotas) that the records had
	// not met by its due time.
	CountedCalls []Count
	Jumps        int           // moves of the fake clock
	Wall         time.Duration // how long the simulation took

	loc   *time.Location
	days  map[string]map[string]map[string]int // official → date → category → count
	calls map[string]map[string]int            // official → duty → calls
}

// Official is what one official received.
type Official struct {
	ID, Name, Unit string // Unit is the unit's name
	// Routine pushes per working day: the most, the median, and the
	// number of working days over the budget.
	MaxRoutine    int
	MedianRoutine float64
	OverBudget    int
	Routine       int // routine pushes on working days
	RoutineOff    int // routine pushes on days off
	// WorstDay is the first working day with MaxRoutine, and Breakdown
	// everything delivered that day by category.
	WorstDay  time.Time
	Breakdown []Count
	// TaskCalls are 叫应 calls for overdue items, OtherCalls the rest.
	TaskCalls, OtherCalls int
	Reminds, Notices      int
	Edits                 int // edits of delivered messages: no notification
	// Messages counts every message delivered but edits, and PerMonth
	// them per month of the span.
	Messages int
	PerMonth float64
	// Hazard counts the hazard loop's notices, HazardCalls the overdue
	// calls of hazards (among OtherCalls), and HazardPerMonth both per
	// month of the span.
	Hazard, HazardCalls int
	HazardPerMonth      float64
}

// month is the length of an average month (365.2425 / 12 days), for
// figures per month.
const month = 2629746 * time.Second

// Count is a number of deliveries of a category.
type Count struct {
	Category string
	N        int
}

// DutyCalls is how many 叫应 calls one late duty (a point and period, e.g.
// "3.1 2026-Q1", across its units) gave each official.
type DutyCalls struct {
	Late              int // duties that raised a call
	Max               int // the most calls one official got for one duty
	MaxOfficial       string
	MaxDuty           string
	Repeated          int // (official, duty) pairs with more than one call
	RepeatedDuties    int // duties that gave someone more than one call
	OfficialsRepeated int // officials who got more than one call for a duty
	// Uncalled counts the late items no delivered call named, and
	// UncalledUnits their units' names, most first: nobody was called.
	Uncalled      int
	UncalledUnits []string
}

// UnitMonth is the number of items a unit has due in a month.
type UnitMonth struct {
	Unit   string // the unit's name, an official's name, or 全镇
	Person bool   // a person's own items
	Town   bool   // the town's items
	Month  string // "2026-03"
	Items  int
}

// Foreign is an official sent items they do not owe: in buttons to
// report them or in the calls of their overdue alerts.
type Foreign struct {
	ID, Name, Unit string
	Items          int      // item mentions
	Messages       int      // messages with at least one
	Units          []string // the names of the units the items count for, most mentioned first
}

// Count returns how many deliveries of a category an official received on
// the local date of day.
func (r *Report) Count(official string, day time.Time, category string) int {
	return r.days[official][day.In(r.loc).Format(time.DateOnly)][category]
}

// Routine returns how many routine pushes an official received on the
// local date of day.
func (r *Report) Routine(official string, day time.Time) int {
	n := 0
	for cat, c := range r.days[official][day.In(r.loc).Format(time.DateOnly)] {
		if isRoutine(cat) {
			n += c
		}
	}
	return n
}

// Calls returns how many 叫应 calls an official received for a duty
// ("14.2 2026-12-07").
func (r *Report) Calls(official, duty string) int { return r.calls[official][duty] }

// isRoutine tells a routine topic from the other categories.
func isRoutine(cat string) bool {
	return !strings.HasPrefix(cat, CallPrefix) && !strings.HasPrefix(cat, CatOther) &&
		cat != CatRemind && cat != CatNotice && cat != CatEdit && cat != TopicHazard
}

// rank orders categories: routine topics (known ones first), calls for
// overdue items, other calls, reminders, notices, hazard notices, the
// rest, edits.
func rank(cat string) (int, int) {
	if i := slices.Index(topicOrder, cat); i >= 0 {
		return 0, i
	}
	switch {
	case isRoutine(cat):
		return 1, 0
	case cat == CatTaskCall:
		return 2, 0
	case strings.HasPrefix(cat, CallPrefix):
		return 3, 0
	case cat == CatRemind:
		return 4, 0
	case cat == CatNotice:
		return 5, 0
	case cat == TopicHazard:
		return 6, 0
	case cat == CatEdit:
		return 8, 0
	}
	return 7, 0
}

func compareCategories(a, b string) int {
	ga, ia := rank(a)
	gb, ib := rank(b)
	return cmp.Or(cmp.Compare(ga, gb), cmp.Compare(ia, ib), cmp.Compare(a, b))
}

// counts turns category counts into a sorted list.
func counts(m map[string]int) []Count {
	var out []Count
	for _, cat := range slices.SortedFunc(maps.Keys(m), compareCategories) {
		if m[cat] > 0 {
			out = append(out, Count{cat, m[cat]})
		}
	}
	return out
}

func newReport(cfg *config.Config, cal *workcal.Calendar, opts Options, items []item, plan []planned,
	seen []delivery, alerts map[string]alertInfo) *Report {
	loc := cfg.Location
	r := &Report{From: opts.From, To: opts.To, Budget: opts.Budget, OnTime: opts.OnTime, Seed: opts.Seed,
		Items: len(items), loc: loc, days: map[string]map[string]map[string]int{}, calls: map[string]map[string]int{}}
	for _, p := range plan {
		if p.late {
			r.Late++
		}
	}
	var workdays []string
	off := map[string]bool{}
	for d := dayOf(opts.From, loc); d.Before(opts.To); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkday(d) {
			workdays = append(workdays, d.Format(time.DateOnly))
		} else {
			off[d.Format(time.DateOnly)] = true
		}
	}
	r.WorkingDays = len(workdays)

	totals := map[string]int{}
	counted := map[string]int{}            // point → calls naming its counted items
	foreign := map[string]map[string]int{} // official → unit → mentions
	foreignMsgs := map[string]int{}
	byID := map[string]item{}
	for _, it := range items {
		byID[it.id] = it
	}
	for _, d := range seen {
		al := alerts[d.alert]
		cat := d.category(al.kind)
		day := d.at.In(loc).Format(time.DateOnly)
		if r.days[d.official] == nil {
			r.days[d.official] = map[string]map[string]int{}
		}
		if r.days[d.official][day] == nil {
			r.days[d.official][day] = map[string]int{}
		}
		r.days[d.official][day][cat]++
		totals[cat]++
		mentioned := d.items
		if cat == CatTaskCall {
			mentioned = al.linkedItems()
			duties := map[string]bool{}
			for _, id := range mentioned {
				if duty, _, ok := parseItem(id); ok {
					duties[duty] = true
				}
			}
			if r.calls[d.official] == nil {
				r.calls[d.official] = map[string]int{}
			}
			for duty := range duties {
				r.calls[d.official][duty]++
			}
			for _, id := range mentioned {
				if it, ok := byID[id]; ok && it.counted != "" {
					counted[strings.SplitN(id, "/", 2)[0]]++
				}
			}
		}
		n := 0
		for _, id := range mentioned {
			it, known := byID[id] // items due after the span are not judged
			if known && !slices.Contains(it.owers, d.official) {
				if foreign[d.official] == nil {
					foreign[d.official] = map[string]int{}
				}
				foreign[d.official][it.unit]++
				n++
			}
		}
		if n > 0 {
			foreignMsgs[d.official]++
		}
	}
	r.Totals = counts(totals)
	for _, pt := range slices.Sorted(maps.Keys(counted)) {
		r.CountedCalls = append(r.CountedCalls, Count{pt, counted[pt]})
	}

	for _, o := range cfg.People().Officials {
		f := Official{ID: o.ID, Name: o.Name, Unit: cfg.UnitName(o.Unit)}
		var perDay []int
		for _, day := range workdays {
			n := 0
			for cat, c := range r.days[o.ID][day] {
				if isRoutine(cat) {
					n += c
				}
			}
			perDay = append(perDay, n)
			f.Routine += n
			if n > opts.Budget {
				f.OverBudget++
			}
			if n > f.MaxRoutine {
				f.MaxRoutine = n
				f.WorstDay, _ = time.ParseInLocation(time.DateOnly, day, loc)
			}
		}
		f.MedianRoutine = median(perDay)
		for day, cats := range r.days[o.ID] {
			for cat, c := range cats {
				switch {
				case isRoutine(cat) && off[day]:
					f.RoutineOff += c
				case cat == CatTaskCall:
					f.TaskCalls += c
				case strings.HasPrefix(cat, CallPrefix):
					f.OtherCalls += c
				case cat == CatRemind:
					f.Reminds += c
				case cat == CatNotice:
					f.Notices += c
				case cat == CatEdit:
					f.Edits += c
				}
				switch cat {
				case TopicHazard:
					f.Hazard += c
				case CatHazardCall:
					f.HazardCalls += c
				}
				if cat != CatEdit {
					f.Messages += c
				}
			}
		}
		months := float64(opts.To.Sub(opts.From)) / float64(month)
		f.PerMonth = float64(f.Messages) / months
		f.HazardPerMonth = float64(f.Hazard+f.HazardCalls) / months
		if !f.WorstDay.IsZero() {
			f.Breakdown = counts(r.days[o.ID][f.WorstDay.Format(time.DateOnly)])
		}
		r.Officials = append(r.Officials, f)
	}
	r.Duties = dutyCalls(cfg, r.calls)
	r.Duties.Uncalled, r.Duties.UncalledUnits = uncalled(cfg, plan, seen, alerts)
	r.UnitMonths = unitMonths(cfg, items, loc)
	r.Foreign = foreigners(cfg, foreign, foreignMsgs)
	return r
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

func median(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}

// dutyCalls sums up the calls per official and duty.
func dutyCalls(cfg *config.Config, calls map[string]map[string]int) DutyCalls {
	var dc DutyCalls
	late := map[string]bool{}
	repeated := map[string]bool{}
	for _, o := range cfg.People().Officials {
		again := false
		for _, duty := range slices.Sorted(maps.Keys(calls[o.ID])) {
			n := calls[o.ID][duty]
			late[duty] = true
			if n > dc.Max {
				dc.Max, dc.MaxOfficial, dc.MaxDuty = n, o.ID, duty
			}
			if n > 1 {
				dc.Repeated++
				repeated[duty] = true
				again = true
			}
		}
		if again {
			dc.OfficialsRepeated++
		}
	}
	dc.Late, dc.RepeatedDuties = len(late), len(repeated)
	return dc
}

// unitMonths counts items per holder and month of their due time: each
// unit's own items, each person's own, the town's.
func unitMonths(cfg *config.Config, items []item, loc *time.Location) []UnitMonth {
	type key struct{ holder, month string }
	n := map[key]int{}
	for _, it := range items {
		n[key{it.holder, it.due.In(loc).Format("2006-01")}]++
	}
	keys := slices.Collect(maps.Keys(n))
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(n[b], n[a]), cmp.Compare(a.holder, b.holder), cmp.Compare(a.month, b.month))
	})
	var out []UnitMonth
	for _, k := range keys {
		um := UnitMonth{Unit: unitName(cfg, k.holder), Month: k.month, Items: n[k]}
		if id, ok := strings.CutPrefix(k.holder, "~"); ok {
			um.Unit, um.Person = cfg.OfficialName(id), true
		}
		um.Town = k.holder == "*"
		out = append(out, um)
	}
	return out
}

// foreigners lists, in configuration order, the officials sent items of
// units not theirs.
func foreigners(cfg *config.Config, mentions map[string]map[string]int, msgs map[string]int) []Foreign {
	var out []Foreign
	for _, o := range cfg.People().Officials {
		units := mentions[o.ID]
		if len(units) == 0 {
			continue
		}
		f := Foreign{ID: o.ID, Name: o.Name, Unit: cfg.UnitName(o.Unit), Messages: msgs[o.ID]}
		ids := slices.Collect(maps.Keys(units))
		slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(units[b], units[a]), cmp.Compare(a, b)) })
		for _, u := range ids {
			f.Items += units[u]
			f.Units = append(f.Units, unitName(cfg, u))
		}
		out = append(out, f)
	}
	return out
}

// uncalled counts the late items that no delivered 叫应 call named, and
// lists their units, most first.
func uncalled(cfg *config.Config, plan []planned, seen []delivery, alerts map[string]alertInfo) (int, []string) {
	called := map[string]bool{}
	for _, d := range seen {
		if al := alerts[d.alert]; d.category(al.kind) == CatTaskCall {
			for _, id := range al.linkedItems() {
				called[id] = true
			}
		}
	}
	n := 0
	units := map[string]int{}
	for _, p := range plan {
		if p.late && !called[p.item.id] {
			n++
			units[p.item.unit]++
		}
	}
	ids := slices.Collect(maps.Keys(units))
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(units[b], units[a]), cmp.Compare(a, b)) })
	var names []string
	for _, u := range ids {
		names = append(names, unitName(cfg, u))
	}
	return n, names
}

// unitName names a unit an item counts for; "*" is the town.
func unitName(cfg *config.Config, id string) string {
	if id == "*" {
		return "全镇"
	}
	return cfg.UnitName(id)
}
