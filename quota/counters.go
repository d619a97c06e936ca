package quota

import (
	"time"

	"dutybot/storage"
	"dutybot/tasks"
)

// Register lets the duty plan count item 19's points from the records:
// each counter names a catalogue.Point.Counted. Item 19 asks its quotas
// of 行政负责人 and 行业部门监管负责人: someone the plan's roles name who
// stands on no plaque owes none of them (they would be told each month of
// a quota they cannot meet).
func (s *Service) Register(t *tasks.Service) {
	month := func(pick func(Figures) int) tasks.CounterFunc {
		return func(tx *storage.Tx, official string, from, to time.Time) (int, int, error) {
			if len(Plaques(tx, official)) == 0 {
				return 0, -1, nil // on no plaque: nothing to inspect, nothing owed
			}
			f, err := s.Count(tx, official, from, to)
			return pick(f), 0, err
		}
	}
	t.RegisterCounter(CounterInspections, month(func(f Figures) int { return f.Inspections }))
	t.RegisterCounter(CounterHazards, month(func(f Figures) int { return f.Hazards }))
	t.RegisterCounter(CounterProblems, month(func(f Figures) int { return f.Problems }))
	t.RegisterCounter(CounterCoverage, func(tx *storage.Tx, official string, from, to time.Time) (int, int, error) {
		c, err := s.Coverage(tx, official, from, to)
		return len(c.Covered), len(c.Plaques), err
	})
}
