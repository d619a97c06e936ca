// Package tasks records what officials report against their duty instances
// and answers what is theirs: overdue, due today, this week, this month and
// later, with quota progress. It knows nothing of Telegram.
package tasks

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/clock"
	"dutybot/config"
	"dutybot/duty"
	"dutybot/storage"
)

// Errors answered to people reporting.
var (
	ErrUnknownInstance = errors.New("unknown task instance")
	ErrNotYourUnit     = errors.New("this task is not your unit's")
	ErrAlreadyDone     = errors.New("already reported done")
	ErrNotStarted      = errors.New("this period has not started yet")
)

// States of an instance.
const (
	Open    = "open"
	Done    = "done"
	Overdue = "overdue"
)

// Status is an instance with what has been reported.
type Status struct {
	duty.Instance
	State    string
	Progress int
	DoneAt   time.Time
	DoneBy   string
}

// Service records reports and lists instances.
type Service struct {
	cfg   *config.Config
	db    *storage.DB
	gen   *duty.Generator
	clock clock.Clock
	since time.Time

	// OnReported, if set, is called after a report is recorded (the
	// overdue sweeper closes settled alerts).
	OnReported func(instanceID, official string)
}

// metaSince is the meta key of the day tracking started.
const metaSince = "tasks_since"

// Since returns the day the town started tracking its duty with dutybot:
// instances due before it are history, not overdue. It is recorded the
// first time it is asked for.
func (s *Service) Since() (time.Time, error) {
	if !s.since.IsZero() {
		return s.since, nil
	}
	loc := s.cfg.Location
	if loc == nil {
		loc = time.Local
	}
	err := s.db.Update(func(tx *storage.Tx) error {
		if v, ok := tx.Meta(metaSince); ok {
			t, err := time.ParseInLocation("2006-01-02", v, loc)
			if err != nil {
				return fmt.Errorf("meta %s: %w", metaSince, err)
			}
			s.since = t
			return nil
		}
		now := s.clock.Now().In(loc)
		s.since = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		return tx.PutMeta(metaSince, s.since.Format("2006-01-02"))
	})
	return s.since, err
}

// New returns the service.
func New(cfg *config.Config, db *storage.DB, gen *duty.Generator, clk clock.Clock) *Service {
	return &Service{cfg: cfg, db: db, gen: gen, clock: clk}
}

// Generator returns the instance generator the service reads.
func (s *Service) Generator() *duty.Generator { return s.gen }

// CanReport tells whether an official may report for a unit: its members,
// its head and its 分管领导, and admins.
func (s *Service) CanReport(official, unit string) bool {
	o, ok := s.cfg.Official(official)
	if !ok {
		return false
	}
	u, _ := s.cfg.Unit(unit)
	return o.Unit == unit || u.Head == official || u.Leader == official || o.HasRole(config.RoleAdmin)
}

// Report records that an official did an instance's work: count items for
// a quota (at least 1), once for anything else. note and photo (a Telegram
// file id) are optional. It returns the instance's new status.
func (s *Service) Report(official, id string, count int, note, photo string) (Status, error) {
	in, ok := s.gen.Instance(id)
	if !ok {
		return Status{}, ErrUnknownInstance
	}
	if !s.CanReport(official, in.Unit) {
		return Status{}, ErrNotYourUnit
	}
	now := s.clock.Now()
	if now.Before(in.Start) {
		return Status{}, ErrNotStarted
	}
	if count < 1 {
		count = 1
	}
	var st storage.TaskState
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if st, err = tx.TaskState(id); err != nil {
			return err
		}
		if st.Done {
			return ErrAlreadyDone
		}
		if in.Quota == 0 {
			count = 1
		}
		st.Progress += count
		if note = strings.TrimSpace(note); note != "" {
			st.Notes = append(st.Notes, note)
		}
		if photo != "" {
			st.Photos = append(st.Photos, photo)
		}
		if in.Quota == 0 || st.Progress >= in.Quota {
			st.Done, st.DoneAt, st.DoneBy = true, now, official
		}
		if err := tx.PutTaskState(st); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s +%d (%d/%d)", id, count, st.Progress, max(in.Quota, 1))
		if note != "" {
			detail += ": " + note
		}
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvReported, Official: official, Actor: official, Detail: detail})
	})
	if err != nil {
		return Status{}, err
	}
	if s.OnReported != nil {
		s.OnReported(id, official)
	}
	return status(in, st, now), nil
}

func status(in duty.Instance, st storage.TaskState, now time.Time) Status {
	out := Status{Instance: in, State: Open, Progress: st.Progress, DoneAt: st.DoneAt, DoneBy: st.DoneBy}
	switch {
	case st.Done:
		out.State = Done
	case now.After(in.Due):
		out.State = Overdue
	}
	return out
}

// Groups is an official's view of their unit's duty.
type Groups struct {
	Overdue, Today, Week, Month, Later []Status
}

// LaterHorizon is how far ahead "later" looks.
const LaterHorizon = 30 * 24 * time.Hour

// Mine groups the open instances of an official's unit: overdue this year
// (since tracking started), due today, later this week, later this month, and the rest of the next
// 30 days; each group in due order.
func (s *Service) Mine(official string, now time.Time) (Groups, error) {
	o, ok := s.cfg.Official(official)
	if !ok {
		return Groups{}, fmt.Errorf("unknown official %q", official)
	}
	return s.ForUnit(o.Unit, now)
}

// ForUnit groups a unit's open instances like Mine.
func (s *Service) ForUnit(unit string, now time.Time) (Groups, error) {
	loc := s.cfg.Location
	if loc == nil {
		loc = time.Local
	}
	local := now.In(loc)
	dayStart := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	tomorrow := dayStart.AddDate(0, 0, 1)
	weekEnd := dayStart.AddDate(0, 0, 7-(int(local.Weekday())+6)%7) // next Monday
	monthEnd := time.Date(local.Year(), local.Month()+1, 1, 0, 0, 0, 0, loc)
	yearStart := time.Date(local.Year(), 1, 1, 0, 0, 0, 0, loc)
	since, err := s.Since()
	if err != nil {
		return Groups{}, err
	}
	if since.After(yearStart) {
		yearStart = since
	}
	horizon := dayStart.Add(LaterHorizon)

	var g Groups
	err = s.db.View(func(tx *storage.Tx) error {
		for _, in := range s.gen.UnitBetween(unit, yearStart, horizon) {
			st, err := tx.TaskState(in.ID())
			if err != nil {
				return err
			}
			if st.Done {
				continue
			}
			sv := status(in, st, now)
			switch {
			case in.Due.Before(now):
				g.Overdue = append(g.Overdue, sv)
			case in.Due.Before(tomorrow):
				g.Today = append(g.Today, sv)
			case in.Due.Before(weekEnd):
				g.Week = append(g.Week, sv)
			case in.Due.Before(monthEnd):
				g.Month = append(g.Month, sv)
			default:
				g.Later = append(g.Later, sv)
			}
		}
		return nil
	})
	return g, err
}

// Completion is a unit's record over a span.
type Completion struct {
	Unit               string
	Due, Done, Overdue int
}

// Completions counts, per unit in configuration order, the instances due in
// [from, to) and how many were done and are overdue by now; from is moved
// up to the day tracking started.
func (s *Service) Completions(from, to, now time.Time) ([]Completion, error) {
	since, err := s.Since()
	if err != nil {
		return nil, err
	}
	from = latest(from, since)
	byUnit := map[string]*Completion{}
	var out []Completion
	for _, u := range s.cfg.Units {
		out = append(out, Completion{Unit: u.ID})
	}
	for i := range out {
		byUnit[out[i].Unit] = &out[i]
	}
	err = s.db.View(func(tx *storage.Tx) error {
		for _, in := range s.gen.Between(from, to) {
			c := byUnit[in.Unit]
			if c == nil {
				continue
			}
			st, err := tx.TaskState(in.ID())
			if err != nil {
				return err
			}
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
	return slices.Clip(out), err
}
