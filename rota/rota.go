// Package rota runs the on-duty roster (值班表): it stores imported shifts,
// reminds their people, asks them to check in (到岗签到) and escalates
// silence through 叫应, takes handover notes, runs spot checks (查岗) and
// swaps, and answers who is on duty. It knows nothing of Telegram.
package rota

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/roster"
	"dutybot/storage"
	"dutybot/workcal"
)

// Service runs rosters.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	cal    *workcal.Calendar
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	loc    *time.Location
}

// New returns the roster service.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, cal *workcal.Calendar, tr *locales.Catalog,
	clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{cfg: cfg, db: db, engine: engine, cal: cal, tr: tr, clock: clk, log: log, loc: cfg.Location}
	if s.loc == nil {
		s.loc = time.Local
	}
	engine.AddHooks(callout.Hooks{Acked: s.acked, Stepped: s.stepped})
	return s
}

// ImportResult tells what an import changed.
type ImportResult struct {
	Added    int       // shifts stored
	Replaced int       // stored shifts the import replaced
	From, To time.Time // the span of the imported shifts
}

// ConflictError is an import whose people would be on two shifts at once
// with shifts already stored outside the imported span.
type ConflictError struct{ Conflicts []string }

func (e *ConflictError) Error() string {
	return "the roster clashes with stored shifts:\n" + strings.Join(e.Conflicts, "\n")
}

// partition separates standby (extreme-weather) shifts from the others: an
// import replaces only stored shifts of its own partition, so an
// extreme-weather roster does not wipe the daily one.
func partition(kind string) bool { return kind == ShiftExtreme }

// Import stores parsed shifts. Within the span of the file, stored shifts
// of the same partition (standby or regular) are replaced, so importing a
// corrected holiday roster twice changes nothing. It is all or nothing.
func (s *Service) Import(shifts []roster.Shift, actor, source string) (ImportResult, error) {
	if len(shifts) == 0 {
		return ImportResult{}, fmt.Errorf("import roster: no shifts")
	}
	now := s.clock.Now()
	var res ImportResult
	err := s.db.Update(func(tx *storage.Tx) error {
		res = ImportResult{}
		type span struct{ from, to time.Time }
		spans := map[bool]*span{}
		for _, sh := range shifts {
			if sh.End.Sub(sh.Start) > MaxShiftLength {
				return fmt.Errorf("import roster: shift %s lasts longer than %s", sh.Start.In(s.loc).Format("2006-01-02 15:04"), MaxShiftLength)
			}
			p := spans[partition(sh.Kind)]
			if p == nil {
				p = &span{sh.Start, sh.End}
				spans[partition(sh.Kind)] = p
			}
			if sh.Start.Before(p.from) {
				p.from = sh.Start
			}
			if sh.End.After(p.to) {
				p.to = sh.End
			}
			if res.From.IsZero() || sh.Start.Before(res.From) {
				res.From = sh.Start
			}
			if sh.End.After(res.To) {
				res.To = sh.End
			}
		}
		var kept []Shift
		for standby, p := range spans {
			old, err := ShiftsOverlapping(tx, p.from, p.to)
			if err != nil {
				return err
			}
			for _, o := range old {
				if partition(o.Kind) != standby {
					continue
				}
				if o.Start.Before(p.from) || o.End.After(p.to) {
					// Sticks out of the span: kept, and checked for clashes.
					kept = append(kept, o)
					continue
				}
				if err := s.unscheduleShift(tx, o); err != nil {
					return err
				}
				if err := DeleteShift(tx, o.ID); err != nil {
					return err
				}
				res.Replaced++
			}
		}
		var conflicts []string
		for _, sh := range shifts {
			for _, k := range kept {
				if partition(k.Kind) != partition(sh.Kind) || !sh.Start.Before(k.End) || !k.Start.Before(sh.End) {
					continue
				}
				for _, p := range append([]string{sh.Leader}, sh.Staff...) {
					if k.Has(p) {
						conflicts = append(conflicts, fmt.Sprintf("%s: %s is already on shift %s",
							sh.Start.In(s.loc).Format("2006-01-02 15:04"), s.cfg.OfficialName(p), k.ID))
					}
				}
			}
		}
		if len(conflicts) > 0 {
			slices.Sort(conflicts)
			return &ConflictError{Conflicts: slices.Compact(conflicts)}
		}
		for _, sh := range shifts {
			st := Shift{ID: ShiftID(tx, sh.Start, s.loc), Start: sh.Start, End: sh.End, Leader: sh.Leader,
				Staff: sh.Staff, Place: sh.Place, Phone: sh.Phone, Kind: sh.Kind, Note: sh.Note,
				Source: "import:" + source, ImportedAt: now}
			if st.Kind == "" {
				st.Kind = roster.Daily
			}
			if err := PutShift(tx, st); err != nil {
				return err
			}
			if err := s.scheduleShift(tx, st, now); err != nil {
				return err
			}
			res.Added++
		}
		return tx.AppendEvent(storage.Event{At: now, Type: EvRosterImported, Actor: actor,
			Detail: fmt.Sprintf("%s: %d shifts %s–%s, %d replaced", source, res.Added,
				res.From.In(s.loc).Format("2006-01-02 15:04"), res.To.In(s.loc).Format("2006-01-02 15:04"), res.Replaced),
			Code: storage.CodeRosterImported, Args: []storage.Arg{storage.Text("Source", source), storage.Int("Count", res.Added),
				storage.Time("From", res.From), storage.Time("To", res.To), storage.Int("Replaced", res.Replaced)}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	s.engine.WakeDeadlines()
	s.log.Info("roster imported", "actor", actor, "source", source, "added", res.Added, "replaced", res.Replaced)
	return res, nil
}

// Between returns the stored shifts overlapping [from, to), by start.
func (s *Service) Between(from, to time.Time) ([]Shift, error) {
	var out []Shift
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		out, err = ShiftsOverlapping(tx, from, to)
		return err
	})
	return out, err
}
