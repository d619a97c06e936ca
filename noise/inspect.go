package noise

// Item 19's work as the simulation does it: the points counted from
// records (catalogue.Point.Counted) are not reported by hand but met by
// the records themselves. Each person who owes 19.2 and 19.4 and holds
// plaques records their two inspections (检查指导) and two problems solved
// (协调解决难题) a month, or, for the share of items late, one of each
// short; the least recently visited of their plaques first (so 19.5's
// half-year coverage follows); a share of inspections
// finds a hazard, which runs the loop: 交办 at once, fixed within its
// deadline (or, for a share, a working day after it, once its overdue
// 叫应 has gone out), rechecked the next working day by whoever found it
// (a share of first rechecks sends it back for another round), closed at
// once. 19.3 counts what the loop closes.

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"dutybot/app"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/quota"
	"dutybot/storage"
	"dutybot/workcal"
)

// Fixed shares of the hazard loop's ways.
const (
	lateFixShare  = 0.1 // of rounds, fixed a working day after the deadline
	sendBackShare = 0.1 // of first rechecks, sent back with a week more
)

// Deadlines the inspections give, in days.
const (
	generalDays = 7
	majorDays   = 15
	resendDays  = 7
)

// Records planned for a counted point, by its counter: how many of which
// kind make the quota. The others (hazards, coverage) follow from these.
var recordKinds = map[string]string{quota.CounterInspections: inspection.KindCheck,
	quota.CounterProblems: inspection.KindProblem}

// loop drives the inspections and the hazards they find.
type loop struct {
	a          *app.App
	cal        *workcal.Calendar
	rng        *rand.Rand
	agenda     *agenda
	share      float64 // of inspections finding a hazard
	majorShare float64 // of hazards found, 重大
	// visited is when each official last visited each of their plaques.
	visited map[string]map[string]time.Time
	n       int // inspections recorded, for naming their steps
	figures HazardLoop
}

// plaques lists the enterprises official holds a plaque of.
func (l *loop) plaques(official string) []string {
	var out []string
	_ = l.a.DB.View(func(tx *storage.Tx) error {
		out = quota.Plaques(tx, official)
		return nil
	})
	return out
}

// workMoment picks a moment of working hours (09:00–17:00) on a working
// day in [from, to), or from when there is none.
func workMoment(cal *workcal.Calendar, rng *rand.Rand, from, to time.Time) time.Time {
	loc := cal.Location()
	var days []time.Time
	for d := dayOf(from, loc); d.Before(to); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkday(d) {
			days = append(days, d)
		}
	}
	for len(days) > 0 {
		i := rng.IntN(len(days))
		d := days[i]
		lo, hi := d.Add(9*time.Hour), d.Add(17*time.Hour)
		lo, hi = later(lo, from), earlier(hi, to)
		if lo.Before(hi) {
			return lo.Add(time.Duration(rng.Int64N(int64(hi.Sub(lo)/time.Second))) * time.Second)
		}
		days = slices.Delete(days, i, i+1)
	}
	return from
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// recordTimes picks when the records of a counted item are made: n moments
// of working hours before it is due, or, when late, one fewer. A record
// counts in the period it is made in, so the one missing cannot be made
// up after the due time: the item stays short, and its owner is called.
func (l *loop) recordTimes(it item, n int, late bool) []time.Time {
	if late {
		n--
	}
	to := it.due.Add(-time.Hour)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = workMoment(l.cal, l.rng, it.start, to)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// visit records one inspection of kind by official at the plaque they
// visited least recently; a share of 检查指导 find a hazard, given to the
// enterprise at once.
func (l *loop) visit(official, kind string) error {
	codes := l.plaques(official)
	if len(codes) == 0 {
		return fmt.Errorf("%s holds no plaque to inspect", official)
	}
	seen := l.visited[official]
	if seen == nil {
		seen = map[string]time.Time{}
		l.visited[official] = seen
	}
	code := slices.MinFunc(codes, func(a, b string) int { return cmp.Compare(seen[a].UnixNano(), seen[b].UnixNano()) })
	now := l.a.Engine.Now()
	seen[code] = now
	r := inspection.Record{Enterprise: code, Official: official, Kind: kind, Checked: "现场检查安全生产责任制落实、隐患排查台账",
		Photos: []string{"noise-site-photo"}}
	if kind == inspection.KindCheck && l.rng.Float64() < l.share {
		h := inspection.Hazard{Level: hazard.LevelGeneral, Description: "配电箱未接地，消防通道堆放杂物",
			Deadline: l.deadline(now, generalDays)}
		if l.rng.Float64() < l.majorShare {
			h.Level, h.Deadline = hazard.LevelMajor, l.deadline(now, majorDays)
			h.Five = &hazard.FiveFixes{Responsibility: "企业主要负责人", Measures: "停用整改", Funds: "企业自筹",
				TimeLimit: "15日内", Plan: "停产撤人"}
		}
		r.Hazards = []inspection.Hazard{h}
	}
	in, err := l.a.Inspections.Submit(r)
	if err != nil {
		return fmt.Errorf("%s inspects %s: %w", official, code, err)
	}
	if kind == inspection.KindProblem {
		l.figures.Problems++
	} else {
		l.figures.Inspections++
	}
	for _, id := range in.Hazards {
		h, err := l.a.Hazards.Get(id)
		if err != nil {
			return err
		}
		l.figures.Found++
		if h.Level == hazard.LevelMajor {
			l.figures.Major++
		}
		l.planFix(h, now)
	}
	return nil
}

// deadline is days after now, at 18:00.
func (l *loop) deadline(now time.Time, days int) time.Time {
	return dayOf(now, l.cal.Location()).AddDate(0, 0, days).Add(18 * time.Hour)
}

// fixer is who reports a hazard fixed: the 属地 unit's head, else the
// other official on the plaque, never whoever found it (who rechecks it).
func (l *loop) fixer(h hazard.Hazard) string {
	u, _ := l.a.Config.Unit(h.Unit)
	for _, id := range []string{u.Head, h.Administrator, h.Supervisor} {
		if _, ok := l.a.Config.Official(id); ok && id != "" && id != h.FoundBy && l.a.Hazards.CanManage(id, h) {
			return id
		}
	}
	return ""
}

// planFix schedules the fix of h's current round, assigned at assigned.
func (l *loop) planFix(h hazard.Hazard, assigned time.Time) {
	at := workMoment(l.cal, l.rng, l.cal.NextWorkday(assigned), h.Deadline.Add(-time.Hour))
	if !at.After(assigned) || !at.Before(h.Deadline) || l.rng.Float64() < lateFixShare {
		at = l.cal.NextWorkday(h.Deadline).Add(10 * time.Hour)
		l.figures.LateFixes++
	}
	round := h.Round
	l.agenda.add(at, fmt.Sprintf("fix %s/%d", h.ID, round), func() error {
		by := l.fixer(h)
		if by == "" {
			return fmt.Errorf("nobody may report %s fixed", h.ID)
		}
		fixed, err := l.a.Hazards.Rectified(h.ID, hazard.Rectification{By: by, Note: "已整改完毕", Photos: []string{"noise-fix-photo"}})
		if err != nil {
			return fmt.Errorf("%s reports %s fixed: %w", by, h.ID, err)
		}
		l.planRecheck(fixed, round)
		return nil
	})
}

// planRecheck schedules the recheck of a fixed hazard by whoever found it
// on the next working day: passed and closed at once, or for a share of
// first rounds sent back with a week more.
func (l *loop) planRecheck(h hazard.Hazard, round int) {
	now := l.a.Engine.Now()
	day := l.cal.NextWorkday(now)
	at := workMoment(l.cal, l.rng, day, day.Add(24*time.Hour))
	by := h.FoundBy
	l.agenda.add(at, fmt.Sprintf("recheck %s/%d", h.ID, round), func() error {
		if round == 1 && l.rng.Float64() < sendBackShare {
			back, err := l.a.Hazards.Recheck(by, h.ID, hazard.Recheck{OK: false, Note: "整改不到位",
				Deadline: l.deadline(l.a.Engine.Now(), resendDays)})
			if err != nil {
				return fmt.Errorf("%s sends %s back: %w", by, h.ID, err)
			}
			l.figures.SentBack++
			l.planFix(back, l.a.Engine.Now())
			return nil
		}
		if _, err := l.a.Hazards.Recheck(by, h.ID, hazard.Recheck{OK: true}); err != nil {
			return fmt.Errorf("%s passes %s: %w", by, h.ID, err)
		}
		l.agenda.add(l.a.Engine.Now(), "close "+h.ID, func() error {
			if _, err := l.a.Hazards.Close(by, h.ID, ""); err != nil {
				return fmt.Errorf("%s closes %s: %w", by, h.ID, err)
			}
			l.figures.Closed++
			return nil
		})
		return nil
	})
}
