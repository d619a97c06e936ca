package tasks

import (
	"cmp"
	"slices"
	"time"

	"dutybot/catalogue"
	"dutybot/duty"
	"dutybot/locales"
	"dutybot/storage"
)

// Item is one line of a duty view: the current (or latest missed) instance
// of one point for one holder.
type Item struct {
	Status
	// Missed counts the overdue periods of this point and holder in the
	// view's window; the item is the latest of them. Zero when not overdue.
	Missed int
}

// Groups is a view of open duty: what is overdue, due today, this week's
// weekly items, this month's monthly items, and longer-term items due
// within SoonDays. A point appears once per holder in each group; items
// whose period has not started are never listed.
type Groups struct {
	Overdue, Today, Week, Month, Soon []Item
}

// All lists every item of the view, overdue first.
func (g Groups) All() []Item {
	return slices.Concat(g.Overdue, g.Today, g.Week, g.Month, g.Soon)
}

// SoonDays is how many days ahead longer-term items (quarterly,
// half-yearly, yearly, dated deadlines, set-up) are shown: those due by the
// end of the 30th day from today.
const SoonDays = 30

// OverdueWindow is how far back missed items are listed.
const OverdueWindow = 92 * 24 * time.Hour

// Mine is an official's view: what they owe (their own items first, then
// their unit's) and, for a unit head, the unit's items.
func (s *Service) Mine(official string, now time.Time) (Groups, error) {
	from, to := s.window(now)
	g, err := s.group(s.gen.PersonBetween(official, from, to), now)
	if err != nil {
		return Groups{}, err
	}
	own := func(it Item) int {
		if it.Owner != catalogue.OwnerUnit && it.Owes(official) {
			return 0
		}
		return 1
	}
	for _, list := range [][]Item{g.Overdue, g.Today, g.Week, g.Month, g.Soon} {
		slices.SortStableFunc(list, func(a, b Item) int { return cmp.Compare(own(a), own(b)) })
	}
	return g, nil
}

// ForUnit is a unit's view: its items and the personal items its people
// owe through it.
func (s *Service) ForUnit(unit string, now time.Time) (Groups, error) {
	from, to := s.window(now)
	return s.group(s.gen.UnitBetween(unit, from, to), now)
}

// Overdue lists every missed item of the town (one per point and holder),
// for the duty board.
func (s *Service) Overdue(now time.Time) ([]Item, error) {
	from, _ := s.window(now)
	g, err := s.group(s.gen.Between(from, now), now)
	return g.Overdue, err
}

// window bounds a view: missed items since tracking started, at most
// OverdueWindow back; upcoming ones within SoonDays.
func (s *Service) window(now time.Time) (from, to time.Time) {
	from = now.Add(-OverdueWindow)
	if s.since.After(from) {
		from = s.since
	}
	return from, s.dayStart(now).AddDate(0, 0, SoonDays+1)
}

func (s *Service) dayStart(t time.Time) time.Time {
	l := t.In(s.location())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.location())
}

// group sorts instances (in due order) into a view.
func (s *Service) group(list []duty.Instance, now time.Time) (Groups, error) {
	tomorrow := s.dayStart(now).AddDate(0, 0, 1)
	soon := s.dayStart(now).AddDate(0, 0, SoonDays+1)
	var g Groups
	missed := map[string]int{} // point/holder → index in g.Overdue
	current := map[string]bool{}
	err := s.db.View(func(tx *storage.Tx) error {
		for _, in := range list {
			if in.Start.After(now) {
				continue
			}
			st, in, err := s.State(tx, in)
			if err != nil {
				return err
			}
			if st.Done {
				continue
			}
			key := in.PointID() + "/" + in.Key()
			it := Item{Status: status(in, st, now)}
			if in.Due.Before(now) {
				it.Missed = 1
				if i, ok := missed[key]; ok {
					it.Missed += g.Overdue[i].Missed
					g.Overdue[i] = it // the latest missed period
				} else {
					missed[key] = len(g.Overdue)
					g.Overdue = append(g.Overdue, it)
				}
				continue
			}
			if current[key] {
				continue // a later period of a point already listed
			}
			current[key] = true
			switch {
			case in.Due.Before(tomorrow):
				g.Today = append(g.Today, it)
			case in.Span() == duty.SpanWeek:
				g.Week = append(g.Week, it)
			case in.Span() == duty.SpanMonth:
				g.Month = append(g.Month, it)
			case in.Due.Before(soon):
				g.Soon = append(g.Soon, it)
			}
		}
		return nil
	})
	return g, err
}

// Completion is one row of a record over a span: a unit (its items and
// the personal items owed through it), an official (their items across
// units: a 分管领导's daily 了解掌握), or the town.
type Completion struct {
	Unit     string
	Official string
	Town     bool
	Due      int
	Done     int
	Overdue  int
}

// Completions counts the instances due in [from, to) and how many were
// done and are overdue by now: a row per unit in configuration order, then
// one per official owing items across units, then the town's; from is
// moved up to the day tracking started.
func (s *Service) Completions(from, to, now time.Time) ([]Completion, error) {
	from = latest(from, s.since)
	var out []Completion
	idx := map[string]int{}
	for _, u := range s.cfg.People().Units {
		idx[u.ID] = len(out)
		out = append(out, Completion{Unit: u.ID})
	}
	for _, o := range s.cfg.People().Officials {
		idx["~"+o.ID] = len(out)
		out = append(out, Completion{Official: o.ID})
	}
	idx["*"] = len(out)
	out = append(out, Completion{Town: true})
	err := s.db.View(func(tx *storage.Tx) error {
		for _, in := range s.gen.Between(from, to) {
			i, ok := idx[in.Account()]
			if !ok {
				continue
			}
			st, in, err := s.State(tx, in)
			if err != nil {
				return err
			}
			c := &out[i]
			c.Due++
			switch status(in, st, now).State {
			case Done:
				c.Done++
			case Overdue:
				c.Overdue++
			}
		}
		return nil
	})
	return out, err
}

// CompletionLines words a record of completion (tasks.Completions) for
// /tasks and the weekly digest: a line per unit, then per official owing
// items across units, then the town; rows with nothing due are left out.
func (s *Service) CompletionLines(tr *locales.Catalog, lang string, comps []Completion) []string {
	cfg := s.cfg
	var out []string
	for _, cp := range comps {
		if cp.Due == 0 {
			continue
		}
		data := map[string]any{"Done": cp.Done, "Due": cp.Due, "Rate": 100 * cp.Done / cp.Due, "Overdue": cp.Overdue}
		id := "UnitsLine"
		switch {
		case cp.Town:
			id = "UnitsLineTown"
		case cp.Official != "":
			id, data["Name"] = "UnitsLinePerson", cfg.OfficialName(cp.Official)
		default:
			data["Unit"] = cfg.UnitName(cp.Unit)
		}
		out = append(out, tr.T(lang, id, data))
	}
	return out
}
