package tasks

import (
	"fmt"
	"slices"
	"time"

	"dutybot/catalogue"
	"dutybot/duty"
	"dutybot/storage"
)

// EvidenceFunc counts a feature's records in [from, to): the incidents
// reported, the warnings issued, the duty shifts kept.
type EvidenceFunc func(tx *storage.Tx, from, to time.Time) (int, error)

// RegisterEvidence lets a feature stand as the record of the event points
// naming it (catalogue.Point.Evidence), so nobody ticks them by hand.
func (s *Service) RegisterEvidence(name string, f EvidenceFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evidences[name] = f
}

// Overview is the plan as the town runs it in a year, for /plan and the
// start-up notice.
type Overview struct {
	Source   string
	PlanYear int
	Year     int
	Points   []PointView
}

// PointView is one point of the plan in a year.
type PointView struct {
	Task, Point int
	Kind        string
	Owner       string
	// Items is how many items the point makes each period (units,
	// persons, or 1 for the town); Owers names who owes them.
	Items int
	Owers []string
	// Asked tells whether the point makes items this year: false for
	// events, unasked ongoing points and dated deadlines of another year.
	Asked bool
	// Dropped marks a dated deadline of another plan year.
	Dropped bool
	On      string // events: what raises it
	// Evidence names the records standing for an event point; Records
	// counts them this year (-1 when no feature keeps them).
	Evidence string
	Records  int
	Gaps     []duty.Gap // parts of the point nobody owes
}

// Overview describes the plan in the year of now.
func (s *Service) Overview(now time.Time) (Overview, error) {
	plan := s.gen.Plan()
	loc := s.location()
	year := now.In(loc).Year()
	ov := Overview{Source: plan.Source, PlanYear: plan.Year, Year: year}
	from, to := time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	err := s.db.View(func(tx *storage.Tx) error {
		for _, t := range plan.Tasks() {
			for k := range t.Points {
				p := &t.Points[k]
				holders := duty.Holders(s.cfg, p)
				v := PointView{Task: t.No, Point: p.No, Kind: p.Timing.Kind, Owner: p.OwnedBy(), Items: len(holders),
					On: p.Timing.On, Evidence: p.Evidence, Gaps: duty.Gaps(s.cfg, p)}
				for _, h := range holders {
					for _, o := range h.Owers {
						if !slices.Contains(v.Owers, o) {
							v.Owers = append(v.Owers, o)
						}
					}
				}
				v.Asked = duty.MakesItems(plan, p, year, s.cfg.Tasks.Ongoing)
				v.Dropped = p.Timing.Kind == catalogue.Deadline && !v.Asked
				if p.Evidence != "" {
					v.Records = -1
					s.mu.Lock()
					f := s.evidences[p.Evidence]
					s.mu.Unlock()
					if f != nil {
						n, err := f(tx, from, to)
						if err != nil {
							return fmt.Errorf("%s records: %w", p.Evidence, err)
						}
						v.Records = n
					}
				}
				ov.Points = append(ov.Points, v)
			}
		}
		return nil
	})
	return ov, err
}

// Dropped lists the points the plan drops in the overview's year: its
// dated deadlines, when the plan was written for another year.
func (ov Overview) Dropped() []string {
	var out []string
	for _, p := range ov.Points {
		if p.Dropped {
			out = append(out, catalogue.ID(p.Task, p.Point))
		}
	}
	return out
}

// Count counts the points of a timing kind.
func (ov Overview) Count(kind string) int {
	n := 0
	for _, p := range ov.Points {
		if p.Kind == kind {
			n++
		}
	}
	return n
}
