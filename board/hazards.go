package board

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// The 隐患 card: per 属地 unit, the open 重大隐患 (挂牌督办 until 销号) and
// the hazards past their 整改 deadline. The board keeps the hazards not
// yet closed in memory, loaded once and followed through the event log
// like the alerts (every step of the loop logs an event naming the
// hazard), so a look costs the hazards that changed; lateness moves with
// the clock, so the card is rebuilt from memory when the minute changes.

// UnitHazards are the hazards the board shows for one 属地 unit.
type UnitHazards struct {
	Unit    string // a unit id; "" for hazards of no configured unit
	Major   int    // open 重大隐患
	Overdue int    // past their deadline
	Items   []HazardLine
}

// HazardLine is one hazard on the card.
type HazardLine struct {
	Hazard      *hazard.Hazard // shared with the board's memory, never changed: a step replaces it
	Responsible string         // the official its overdue 叫应 goes to
	Late        time.Duration  // past the deadline; 0 when not overdue
}

// hazardEvent reports whether an event is a step of the hazard loop; its
// Alert is then the hazard's id.
func hazardEvent(typ string) bool { return strings.HasPrefix(typ, "hazard_") }

// followHazards applies what the events read since the last look did to
// the hazards kept: every hazard again after the first look or a registry
// import (the responsible official may have changed), else the hazards
// the events named. It reports whether anything changed.
func (l *live) followHazards(tx *storage.Tx) (bool, error) {
	switch {
	case l.hazards == nil || l.hzAll:
		all, err := hazard.All(tx)
		if err != nil {
			return false, err
		}
		l.hazards, l.resp = map[string]*hazard.Hazard{}, map[string]string{}
		for i := range all {
			if all[i].State != hazard.StateClosed {
				l.hazards[all[i].ID] = &all[i]
			}
		}
		l.hzAll, l.hzTouched = false, nil
		return true, nil
	case len(l.hzTouched) == 0:
		return false, nil
	}
	for id := range l.hzTouched {
		delete(l.resp, id)
		h, err := hazard.Load(tx, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			delete(l.hazards, id)
			continue
		case err != nil:
			return false, err
		}
		if h.State == hazard.StateClosed {
			delete(l.hazards, id)
		} else {
			l.hazards[id] = &h
		}
	}
	l.hzTouched = nil
	return true, nil
}

// hazardCards groups the hazards to show at now by 属地 unit, in the
// configuration's order (hazards of an unknown unit last); in a unit, the
// overdue ones first, the longest overdue first, then the 重大隐患 by when
// they were found. It reads the registry for the responsible officials it
// does not know yet.
func (l *live) hazardCards(tx *storage.Tx, cfg *config.Config, now time.Time) ([]UnitHazards, error) {
	byUnit := map[string]*UnitHazards{}
	for _, h := range l.hazards {
		late := h.Late(now)
		major := h.Level == hazard.LevelMajor
		if !major && late == 0 {
			continue
		}
		unit := h.Unit
		if _, ok := cfg.Unit(unit); !ok {
			unit = ""
		}
		u := byUnit[unit]
		if u == nil {
			u = &UnitHazards{Unit: unit}
			byUnit[unit] = u
		}
		if major {
			u.Major++
		}
		if late > 0 {
			u.Overdue++
		}
		who, ok := l.resp[h.ID]
		if !ok {
			e, err := enterprise.Load(tx, h.Enterprise)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return nil, err
			}
			who = hazard.ResponsibleOf(cfg, *h, e.Supervisor)
			l.resp[h.ID] = who
		}
		u.Items = append(u.Items, HazardLine{Hazard: h, Responsible: who, Late: late})
	}
	var out []UnitHazards
	add := func(id string) {
		u := byUnit[id]
		if u == nil {
			return
		}
		slices.SortFunc(u.Items, func(x, y HazardLine) int {
			if c := cmp.Compare(y.Late, x.Late); c != 0 {
				return c
			}
			return cmp.Or(x.Hazard.FoundAt.Compare(y.Hazard.FoundAt), cmp.Compare(x.Hazard.ID, y.Hazard.ID))
		})
		out = append(out, *u)
	}
	for _, u := range cfg.People().Units {
		add(u.ID)
	}
	add("")
	return out, nil
}

// Display limits of the 隐患 card: a bad year must still read on a phone
// (and render fast); every unit keeps its counts.
const (
	maxUnitHazards  = 8  // hazards listed per unit
	maxHazardsShown = 40 // hazards listed on the whole card
	hazardTextSize  = 30 // runes of a description
)

type unitHazardsView struct {
	Unit   string
	Counts string
	Items  []hazardLineView
	More   int
}

type hazardLineView struct {
	ID, Enterprise, Text, Due, Late, State, Who string
	Major                                       bool
}

func (s *Server) hazardsView(v *view, b *Board) []unitHazardsView {
	var out []unitHazardsView
	shown := 0
	for _, u := range b.Hazards {
		name := s.d.Config.UnitName(u.Unit)
		if u.Unit == "" {
			name = v.T("BoardHazardsNoUnit")
		}
		uv := unitHazardsView{Unit: name, Counts: v.T("BoardHazardsCount", "Major", u.Major, "Overdue", u.Overdue)}
		for i, it := range u.Items {
			if i == maxUnitHazards || shown == maxHazardsShown {
				uv.More = len(u.Items) - i
				break
			}
			shown++
			h := it.Hazard
			hv := hazardLineView{ID: h.ID, Enterprise: h.EnterpriseName, Text: cut(h.Description, hazardTextSize),
				Major: h.Level == hazard.LevelMajor, Who: v.T("BoardHazardWho", "Name", s.d.Config.OfficialName(it.Responsible))}
			if h.Deadline.IsZero() {
				hv.Due = v.T("BoardHazardNoDue")
			} else {
				hv.Due = v.T("BoardHazardDue", "Due", h.Deadline.In(s.loc).Format("01-02 15:04"))
			}
			switch id := "BoardHazardState_" + h.State; {
			case it.Late > 0:
				hv.Late = v.T("BoardHazardLate", "Days", hazard.LateDays(it.Late))
			case !h.Deadline.IsZero() && v.tr.Has(id):
				hv.State = v.T(id)
			}
			uv.Items = append(uv.Items, hv)
		}
		out = append(out, uv)
	}
	return out
}

// cut shortens text to n runes, marking the cut.
func cut(text string, n int) string {
	r := []rune(strings.Join(strings.Fields(text), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
