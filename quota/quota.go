// Package quota counts item 19's per-person work from the records: each
// 行政负责人 and 行业部门监管负责人 must, each month, guide-inspect at
// least 2 of their 挂牌企业 (19.2), see at least 2 hazards through to 销号
// (19.3) and solve at least 2 安全管理难题 (19.4), and, each half year,
// visit every one of their 挂牌企业 (19.5). Nothing here is ticked by hand:
// an inspection recorded with /check, a hazard closed in the loop, is what
// counts, so the quota cannot be met by tapping a button. It knows nothing
// of Telegram.
package quota

import (
	"fmt"
	"slices"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/storage"
)

// Monthly is how many of each the item asks of a person a month.
const Monthly = 2

// Counters: the names by which the plan's points say what counts them
// (catalogue.Point.Counted).
const (
	CounterInspections = "inspections" // 19.2: 检查指导 of one's own plaques
	CounterHazards     = "hazards"     // 19.3: hazards supervised to 销号
	CounterProblems    = "problems"    // 19.4: 难题 solved at one's own plaques
	CounterCoverage    = "coverage"    // 19.5: every plaque visited in the half year
)

// Figures are one person's counts in a period.
type Figures struct {
	Inspections int // 检查指导 of enterprises on their plaque
	Hazards     int // hazards closed that they supervised or found
	Problems    int // 协调解决难题 at enterprises on their plaque
}

// Coverage is which of a person's 挂牌企业 they visited in a period.
type Coverage struct {
	Plaques []string // 信用代码 of the enterprises on their plaque (行政负责人 or 行业部门监管负责人)
	Covered []string // those of them they visited, either kind
}

// Missing lists the plaques not visited.
func (c Coverage) Missing() []string {
	var out []string
	for _, p := range c.Plaques {
		if !slices.Contains(c.Covered, p) {
			out = append(out, p)
		}
	}
	return out
}

// Complete tells whether every plaque was visited (true with none).
func (c Coverage) Complete() bool { return len(c.Covered) >= len(c.Plaques) }

// Row is one person's standing: the month's figures and the half year's
// coverage so far.
type Row struct {
	Official string
	Month    Figures
	Half     Coverage
}

// Behind tells whether the month's figures miss a quota.
func (r Row) Behind() bool {
	return r.Month.Inspections < Monthly || r.Month.Hazards < Monthly || r.Month.Problems < Monthly
}

// Service counts.
type Service struct {
	cfg *config.Config
	db  *storage.DB
	loc *time.Location
}

// New returns the service; periods are read in the configured time zone.
func New(cfg *config.Config, db *storage.DB) *Service {
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	return &Service{cfg: cfg, db: db, loc: loc}
}

// Month returns the bounds of the month of t in the town's time zone.
func (s *Service) Month(t time.Time) (from, to time.Time) {
	t = t.In(s.loc)
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, s.loc)
	return from, from.AddDate(0, 1, 0)
}

// HalfYear returns the bounds of the half year of t (January–June or
// July–December) in the town's time zone.
func (s *Service) HalfYear(t time.Time) (from, to time.Time) {
	t = t.In(s.loc)
	m := time.January
	if t.Month() > time.June {
		m = time.July
	}
	from = time.Date(t.Year(), m, 1, 0, 0, 0, 0, s.loc)
	return from, from.AddDate(0, 6, 0)
}

// Count counts official's figures in [from, to) from the indexes alone.
func (s *Service) Count(tx *storage.Tx, official string, from, to time.Time) (Figures, error) {
	in, err := inspection.Count(tx, official, from, to)
	if err != nil {
		return Figures{}, fmt.Errorf("count the inspections of %s: %w", official, err)
	}
	hz, err := hazard.CountClosed(tx, official, from, to)
	if err != nil {
		return Figures{}, fmt.Errorf("count the hazards closed by %s: %w", official, err)
	}
	return Figures{Inspections: in.Own, Hazards: hz, Problems: in.Problems}, nil
}

// Plaques lists the enterprises official is 行政负责人 or 行业部门监管负责人
// of, each once, by code.
func Plaques(tx *storage.Tx, official string) []string {
	var out []string
	for _, p := range enterprise.PlaquesOf(tx, official) {
		if (p.Role == enterprise.PlaqueAdmin || p.Role == enterprise.PlaqueSupervisor) && !slices.Contains(out, p.Code) {
			out = append(out, p.Code)
		}
	}
	slices.Sort(out)
	return out
}

// Coverage says which of official's plaques they visited in [from, to).
func (s *Service) Coverage(tx *storage.Tx, official string, from, to time.Time) (Coverage, error) {
	c := Coverage{Plaques: Plaques(tx, official)}
	in, err := inspection.Count(tx, official, from, to)
	if err != nil {
		return c, fmt.Errorf("count the inspections of %s: %w", official, err)
	}
	for _, code := range in.Covered {
		if slices.Contains(c.Plaques, code) {
			c.Covered = append(c.Covered, code)
		}
	}
	return c, nil
}

// Town lists the standing at `at` of every official, in configuration
// order, who holds a plaque or counted anything: the month of at and the
// half year, each up to at (at included), so a past month's standing
// (at its last instant) is what it was then, not what later visits made
// of the half year. The month's closed hazards are read once for everyone
// (the index of closed hazards is by time, not by person); the rest is a
// few index seeks per official.
func (s *Service) Town(tx *storage.Tx, at time.Time) ([]Row, error) {
	mFrom, _ := s.Month(at)
	hFrom, _ := s.HalfYear(at)
	mTo := at.Add(time.Nanosecond)
	hTo := mTo
	closed, err := hazard.ClosedCounts(tx, mFrom, mTo)
	if err != nil {
		return nil, fmt.Errorf("count the hazards closed from %s: %w", mFrom.Format(time.DateOnly), err)
	}
	var out []Row
	for _, o := range s.cfg.People().Officials {
		in, err := inspection.Count(tx, o.ID, mFrom, mTo)
		if err != nil {
			return nil, fmt.Errorf("count the inspections of %s: %w", o.ID, err)
		}
		f := Figures{Inspections: in.Own, Hazards: closed[o.ID], Problems: in.Problems}
		c, err := s.Coverage(tx, o.ID, hFrom, hTo)
		if err != nil {
			return nil, err
		}
		if len(c.Plaques) == 0 && f == (Figures{}) {
			continue
		}
		out = append(out, Row{Official: o.ID, Month: f, Half: c})
	}
	return out, nil
}

// Person is one official's standing at `at`, as Town gives it: the month
// and the half year, each up to at.
func (s *Service) Person(official string, at time.Time) (Row, error) {
	mFrom, _ := s.Month(at)
	hFrom, _ := s.HalfYear(at)
	to := at.Add(time.Nanosecond)
	r := Row{Official: official}
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		if r.Month, err = s.Count(tx, official, mFrom, to); err != nil {
			return err
		}
		r.Half, err = s.Coverage(tx, official, hFrom, to)
		return err
	})
	if err != nil {
		return Row{}, fmt.Errorf("quota standing of %s: %w", official, err)
	}
	return r, nil
}

// Standing is Town in its own read transaction.
func (s *Service) Standing(at time.Time) ([]Row, error) {
	var out []Row
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		out, err = s.Town(tx, at)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("quota standing: %w", err)
	}
	return out, nil
}
