// Package tasks records what officials report against their duty instances
// and answers what is theirs now: overdue, due today, this week, this month
// and dated items due soon, with quota progress, each point once. It knows
// nothing of Telegram.
package tasks

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/duty"
	"dutybot/storage"
	"dutybot/workcal"
)

// Errors answered to people reporting.
var (
	ErrUnknownInstance = errors.New("unknown task instance")
	ErrNotYourUnit     = errors.New("this task is not your unit's")
	ErrNotYours        = errors.New("this task is someone else's own")
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

	mu        sync.Mutex
	evidences map[string]EvidenceFunc
	counters  map[string]CounterFunc

	// OnReported, if set, is called after a report is recorded (the
	// overdue sweeper closes settled alerts).
	OnReported func(instanceID, official string)
}

// metaSince is the meta key of the day tracking started.
const metaSince = "tasks_since"

// New returns the service over plan and cal. The first start records the
// day the town started tracking its duty with dutybot: instances due
// before it are history, not overdue, and set-up points fall due
// tasks.setup_within after it.
func New(cfg *config.Config, db *storage.DB, plan *catalogue.Plan, cal *workcal.Calendar, clk clock.Clock) (*Service, error) {
	s := &Service{cfg: cfg, db: db, clock: clk, evidences: map[string]EvidenceFunc{}, counters: map[string]CounterFunc{}}
	since, err := s.loadSince()
	if err != nil {
		return nil, err
	}
	s.since = since
	s.gen = duty.New(plan, cal, cfg, duty.Options{DueHour: cfg.Tasks.DueHour, Ongoing: cfg.Tasks.Ongoing,
		SetupFrom: since, SetupWithin: cfg.Tasks.SetupWithin.D()})
	return s, nil
}

func (s *Service) loadSince() (time.Time, error) {
	loc := s.location()
	var since time.Time
	err := s.db.Update(func(tx *storage.Tx) error {
		if v, ok := tx.Meta(metaSince); ok {
			t, err := time.ParseInLocation("2006-01-02", v, loc)
			if err != nil {
				return fmt.Errorf("meta %s: %w", metaSince, err)
			}
			since = t
			return nil
		}
		now := s.clock.Now().In(loc)
		since = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		return tx.PutMeta(metaSince, since.Format("2006-01-02"))
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("tasks: %w", err)
	}
	return since, nil
}

// Since returns the day the town started tracking its duty with dutybot.
func (s *Service) Since() time.Time { return s.since }

func (s *Service) location() *time.Location {
	if s.cfg.Location == nil {
		return time.Local
	}
	return s.cfg.Location
}

// Generator returns the instance generator the service reads.
func (s *Service) Generator() *duty.Generator { return s.gen }

// CanReport tells whether an official may report an instance: a unit's
// item by its members, its head, its 分管领导 and admins; a person's item by
// that person only; the town's by those who owe it.
func (s *Service) CanReport(official string, in duty.Instance) bool {
	o, ok := s.cfg.Official(official)
	if !ok {
		return false
	}
	if in.Owner != catalogue.OwnerUnit {
		return in.Owes(official)
	}
	u, _ := s.cfg.Unit(in.Unit)
	return o.Unit == in.Unit || u.Head == official || u.Leader == official || o.HasRole(config.RoleAdmin)
}

// Report records that an official did an instance's work: count items for
// a quota (at least 1), once for anything else. note and photo (a Telegram
// file id) are optional. It returns the instance's new status.
func (s *Service) Report(official, id string, count int, note, photo string) (Status, error) {
	in, ok := s.gen.Instance(id)
	if !ok {
		return Status{}, ErrUnknownInstance
	}
	if s.Counted(in) != "" {
		return Status{}, ErrCounted
	}
	if !s.CanReport(official, in) {
		if in.Owner == catalogue.OwnerUnit {
			return Status{}, ErrNotYourUnit
		}
		return Status{}, ErrNotYours
	}
	now := s.clock.Now()
	if now.Before(in.Start) {
		return Status{}, ErrNotStarted
	}
	if count < 1 {
		count = 1
	}
	var st State
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if st, err = loadState(tx, id); err != nil {
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
		if err := putState(tx, st); err != nil {
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

func status(in duty.Instance, st State, now time.Time) Status {
	out := Status{Instance: in, State: Open, Progress: st.Progress, DoneAt: st.DoneAt, DoneBy: st.DoneBy}
	switch {
	case st.Done:
		out.State = Done
	case now.After(in.Due):
		out.State = Overdue
	}
	return out
}
