package board

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/quota"
	"dutybot/storage"
)

// live keeps the board's data between looks, so that a look costs what
// changed since the last one rather than a scan of the history:
//
//   - open alerts are loaded once, then followed through the tail of the
//     event log: only events logged since the last look are read, and only
//     the alerts they name are loaded again (their cards rebuilt);
//   - the 30-day answer rates are recomputed at most once per minute of the
//     clock, from the alerts created in the window (callout.AlertsFrom);
//   - overdue tasks are recomputed when a report was logged or the minute
//     changed;
//   - the hazards not yet closed are loaded once, then only those the
//     events name are loaded again (all of them after a registry import);
//     the 隐患 card is rebuilt from them in memory (hazards.go);
//   - the plaque holders' quotas are counted again only after an
//     inspection, a 销号 or a registry import, or when the month turns
//     (quotas.go);
//   - nothing is rebuilt when no event was logged and the minute is the
//     same; every viewer shares one snapshot, rendered once per language;
//   - everything is loaded again after a reload of the 通讯录 replaced the
//     directory (names, units, heads and order may have changed).
type live struct {
	mu      sync.Mutex
	checked time.Time // wall time of the last look, to share it among viewers
	seq     uint64    // last event read
	open    map[string]AlertCard
	stale   map[string]bool // open alerts whose cards must be read again
	minute  time.Time       // clock minute of the snapshot
	tasksAt time.Time       // clock minute the overdue tasks were read
	ratesAt time.Time       // clock minute the rates were read
	tasks   []UnitTasks
	rates   Rates
	snap    *snapshot

	hazards   map[string]*hazard.Hazard // not closed, by id; nil before the first look
	resp      map[string]string         // hazard id -> responsible official, as last read
	hzTouched map[string]bool           // hazards named by the events since the last look
	hzAll     bool                      // the registry changed: read every hazard again

	quotas     []quota.Row // the plaque holders' standing, those behind first
	quotaMonth time.Time   // start of the month they were counted for
	quotaStale bool        // an event since they were counted changed them

	people *config.People // the directory the data were read with
}

// snapshot is one version of the board and its renderings.
type snapshot struct {
	board *Board
	mu    sync.Mutex
	html  map[string]map[string]string // language -> section id -> HTML
}

// eventBatch bounds the events read from the log in one go.
const eventBatch = 1000

// current returns the board as it is now, rebuilding what changed since
// the last look. Looks closer together than half the poll interval share
// the last snapshot.
func (s *Server) current() (*snapshot, error) {
	l := &s.live
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := s.d.Config.People(); !p.Same(l.people) {
		l.people = p
		l.open, l.stale, l.hazards, l.snap, l.ratesAt = nil, nil, nil, nil, time.Time{}
	}
	if l.snap != nil && time.Since(l.checked) < s.o.Poll/2 {
		return l.snap, nil
	}
	now := s.d.Clock.Now()
	minute := now.Truncate(time.Minute)
	b := &Board{Now: now}
	changed, reported := false, false
	err := s.d.DB.View(func(tx *storage.Tx) error {
		touched, events, rep, err := l.follow(tx)
		if err != nil {
			return err
		}
		reported = rep
		changed = events > 0 || l.snap == nil
		if !changed && minute.Equal(l.minute) {
			return nil
		}
		for id := range touched {
			a, err := callout.LoadAlert(tx, id)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				delete(l.open, id)
				continue
			case err != nil:
				return err
			}
			if a.State == callout.AlertOpen {
				l.open[id] = AlertCard{Alert: a}
				l.stale[id] = true
			} else {
				delete(l.open, id)
				delete(l.stale, id)
			}
		}
		if _, err := l.followHazards(tx); err != nil {
			return err
		}
		if b.Hazards, err = l.hazardCards(tx, s.d.Config, now); err != nil {
			return err
		}
		if _, err := l.followQuotas(tx, s.d.Quota, now); err != nil {
			return err
		}
		b.Quotas = l.quotas
		for id := range l.stale {
			c, err := buildCard(tx, s.d.Config, s.orderOf(), l.open[id].Alert)
			if err != nil {
				return err
			}
			l.open[id] = c
			delete(l.stale, id)
		}
		for _, c := range l.open {
			b.Alerts = append(b.Alerts, c)
		}
		slices.SortFunc(b.Alerts, func(x, y AlertCard) int {
			return cmp.Or(y.Alert.CreatedAt.Compare(x.Alert.CreatedAt), cmp.Compare(y.Alert.ID, x.Alert.ID))
		})
		if b.Days, b.DutyMode, err = readDays(tx, s.loc, now); err != nil {
			return err
		}
		if !minute.Equal(l.ratesAt) {
			if l.rates, err = readRates(tx, s.d.Config, s.loc, now); err != nil {
				return err
			}
			l.ratesAt = minute
		}
		return nil
	})
	if err != nil {
		// Events may have been read without their alerts: start again
		// from a full load at the next look.
		l.open, l.stale, l.hazards = nil, nil, nil
		return nil, fmt.Errorf("read the board: %w", err)
	}
	l.checked = time.Now()
	if !changed && minute.Equal(l.minute) {
		return l.snap, nil
	}
	if reported || !minute.Equal(l.tasksAt) || l.snap == nil {
		if l.tasks, err = s.overdue(now); err != nil {
			l.minute, l.tasksAt = time.Time{}, time.Time{} // rebuild at the next look
			return nil, err
		}
		l.tasksAt = minute
	}
	if b.Warnings, err = s.checklists(); err != nil {
		l.minute = time.Time{}
		return nil, err
	}
	b.Overdue, b.Rates = l.tasks, l.rates
	l.minute = minute
	l.snap = &snapshot{board: b, html: map[string]map[string]string{}}
	return l.snap, nil
}

// follow reads the events logged since the last look and returns the
// alerts they name, how many there were and whether a duty report was
// among them. The first look loads every open alert instead.
func (l *live) follow(tx *storage.Tx) (touched map[string]bool, events int, reported bool, err error) {
	touched = map[string]bool{}
	if l.open == nil {
		open, err := callout.OpenAlerts(tx)
		if err != nil {
			return nil, 0, false, err
		}
		l.open, l.stale = map[string]AlertCard{}, map[string]bool{}
		l.hazards = nil // loaded again with the alerts
		l.quotaStale = true
		for _, a := range open {
			l.open[a.ID] = AlertCard{Alert: a}
			l.stale[a.ID] = true
		}
		l.seq = tx.EventCount()
		return touched, 0, true, nil
	}
	for {
		evs, err := tx.Events(l.seq, eventBatch)
		if err != nil {
			return nil, 0, false, err
		}
		for _, e := range evs {
			l.seq = e.Seq
			events++
			if quotaEvent(e.Type) {
				l.quotaStale = true
			}
			switch {
			case hazardEvent(e.Type):
				if l.hzTouched == nil {
					l.hzTouched = map[string]bool{}
				}
				l.hzTouched[e.Alert] = true
			case e.Type == enterprise.EvImported:
				l.hzAll = true
			case e.Type == inspection.EvInspected:
				// Names an inspection, not an alert.
			case e.Alert != "":
				touched[e.Alert] = true
			}
			if e.Type == storage.EvReported {
				reported = true
			}
		}
		if len(evs) < eventBatch {
			return touched, events, reported, nil
		}
	}
}

// overdue reads the town's overdue duty items, by holder.
func (s *Server) overdue(now time.Time) ([]UnitTasks, error) {
	if s.d.Tasks == nil {
		return nil, nil
	}
	items, err := s.d.Tasks.Overdue(now)
	if err != nil {
		return nil, fmt.Errorf("overdue tasks: %w", err)
	}
	var out []UnitTasks
	idx := map[string]int{}
	add := func(key string, ut UnitTasks) {
		idx[key] = len(out)
		out = append(out, ut)
	}
	for _, u := range s.d.Config.People().Units {
		add(u.ID, UnitTasks{Unit: u.ID})
	}
	for _, o := range s.d.Config.People().Officials {
		add("~"+o.ID, UnitTasks{Official: o.ID})
	}
	add("*", UnitTasks{Town: true})
	for _, it := range items {
		if i, ok := idx[it.Account()]; ok {
			out[i].Items = append(out[i].Items, it)
		}
	}
	return slices.DeleteFunc(out, func(u UnitTasks) bool { return len(u.Items) == 0 }), nil
}

// checklists reads the warnings in force that carry a 熔断 checklist.
func (s *Server) checklists() ([]Checklist, error) {
	if s.d.Weather == nil {
		return nil, nil
	}
	views, err := s.d.Weather.Active()
	if err != nil {
		return nil, fmt.Errorf("active warnings: %w", err)
	}
	var out []Checklist
	for _, v := range views {
		if len(v.Items) > 0 {
			out = append(out, Checklist{Warning: v.Warning, Items: v.Items})
		}
	}
	return out, nil
}
