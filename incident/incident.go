// Package incident runs 事故直报: accident reports with the regulatory clocks
// of 国务院令第493号 (upward report within an hour, 续报 and 补报 windows),
// preliminary levels, and 迟报 marked in the record. It knows nothing of
// Telegram.
//
// A report is one transaction: the stored Incident, a red 叫应 to the 应急办
// head, its 分管领导 and the 主要负责人 (linked "incident:<id>"), the card
// with the 已上报 button for the responsible leaders, the
// incident_reported event and the durable deadlines "i:r:<id>:<seconds>"
// (reminders before the upward report is due) and "i:d:<id>" (the due
// time itself, when a missing report is recorded as 迟报 and escalated to
// the principals). The clocks run from the reported time of the accident,
// not from when it reached the bot.
package incident

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// KindIncident is the kind of the 叫应 alerts raised for incidents.
const KindIncident = "incident"

// Errors answered to people and API callers.
var (
	ErrUnknownIncident = errors.New("unknown incident")
	ErrForbidden       = errors.New("not allowed")
	ErrNothingToReport = errors.New("the upward report was recorded already and no 补报 is due")
)

// Service runs 事故直报.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	loc    *time.Location
}

// New returns the service.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	return &Service{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log, loc: loc}
}

// Run has nothing of its own to run: the clocks fire through the shared
// deadline runner (Fire), messages through the outbox. It returns when ctx
// ends.
func (s *Service) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// Location is the zone times are read and shown in.
func (s *Service) Location() *time.Location { return s.loc }

// ReportTo names the department the upward report goes to.
func (s *Service) ReportTo() string { return s.cfg.Incidents.ReportTo }

// office is the unit whose head is called first: tips.office, else
// roster.office (the 应急办).
func (s *Service) office() (config.Unit, bool) {
	id := s.cfg.Tips.Office
	if id == "" {
		id = s.cfg.Roster.Office
	}
	if id == "" {
		return config.Unit{}, false
	}
	return s.cfg.Unit(id)
}

// Responsible returns the responsible leaders: the office's 分管领导 and
// the 主要负责人. They are reminded of the deadline and may record 已上报.
func (s *Service) Responsible() []string {
	var out []string
	if u, ok := s.office(); ok {
		out = s.add(out, u.Leader)
	}
	for _, o := range s.cfg.OfficialsWithRole(config.RolePrincipal) {
		out = s.add(out, o.ID)
	}
	return out
}

// Concerned returns whom a new accident calls at once (the red 叫应): the
// office head, its 分管领导 and the 主要负责人.
func (s *Service) Concerned() []string {
	var out []string
	if u, ok := s.office(); ok {
		out = s.add(out, u.Head)
	}
	for _, id := range s.Responsible() {
		out = s.add(out, id)
	}
	return out
}

// add appends a configured official not yet in ids.
func (s *Service) add(ids []string, id string) []string {
	if id == "" || slices.Contains(ids, id) {
		return ids
	}
	if _, ok := s.cfg.Official(id); !ok {
		return ids
	}
	return append(ids, id)
}

// told returns everyone told of what happens to an incident: the concerned
// and its reporter.
func (s *Service) told(in Incident) []string {
	return s.add(s.Concerned(), in.Reporter)
}

// without returns ids without id.
func without(ids []string, id string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(x string) bool { return x == id })
}

// CanReport reports whether an official may report an accident: any
// configured official (the bot also requires a bound chat).
func (s *Service) CanReport(official string) bool {
	_, ok := s.cfg.Official(official)
	return ok
}

// CanReportUp reports whether an official may record the upward report
// (已上报): the responsible leaders, principals and admins.
func (s *Service) CanReportUp(official string) bool {
	o, ok := s.cfg.Official(official)
	if !ok {
		return false
	}
	return slices.Contains(s.Responsible(), official) || o.HasRole(config.RolePrincipal, config.RoleAdmin)
}

// CanUpdate reports whether an official may send a 续报 of an incident:
// its reporter, the office's officials, and whoever may record 已上报.
func (s *Service) CanUpdate(official string, in Incident) bool {
	o, ok := s.cfg.Official(official)
	if !ok {
		return false
	}
	if official == in.Reporter || s.CanReportUp(official) {
		return true
	}
	u, ok := s.office()
	return ok && (o.Unit == u.ID || u.Head == official)
}

// View is an incident with its timeline, for display and the API.
type View struct {
	Incident Incident
	// Timeline is the incident's events (incident_*), oldest first.
	Timeline []storage.Event
	// Alert is the red 叫应 raised when it was reported, if any.
	Alert *callout.View
}

// Get loads an incident with its timeline.
func (s *Service) Get(id string) (View, error) {
	var v View
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		if v.Incident, err = s.load(tx, id); err != nil {
			return err
		}
		v.Timeline, err = tx.AlertEvents(id)
		return err
	})
	if err != nil {
		return View{}, err
	}
	if v.Incident.Alert != "" {
		if a, err := s.engine.Get(v.Incident.Alert); err == nil {
			v.Alert = &a
		}
	}
	return v, nil
}

// Recent returns up to n incidents, newest first.
func (s *Service) Recent(n int) ([]Incident, error) {
	var all []Incident
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		all, err = AllIncidents(tx)
		return err
	})
	slices.Reverse(all)
	if len(all) > n {
		all = all[:n]
	}
	return all, err
}

func (s *Service) load(tx *storage.Tx, id string) (Incident, error) {
	in, err := LoadIncident(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return in, ErrUnknownIncident
	}
	return in, err
}

// actorOf names who did something for the event log.
func actorOf(official, source string) string {
	switch {
	case official != "":
		return official
	case source == "api":
		return "api"
	}
	return "system"
}
