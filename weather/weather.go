// Package weather sends weather warnings as 叫应 alerts, runs
// extreme-weather duty mode, and the 熔断 checklist of 禁停撤疏 actions
// that units confirm. It knows nothing of Telegram.
//
// A warning is one transaction: the stored Warning (its id is the id of
// the alert that carries it), the alert to every official of the affected
// units, duty mode through the DutyMode hook, and, when the type and level
// trigger 熔断, the checklist expanded for each responsible unit, the
// messages asking each unit to confirm its items, the live board and the
// durable deadline ("w:m:<warning>") at which outstanding items are raised
// as 叫应 alerts of their own.
package weather

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// Alert kinds raised by this package.
const (
	KindWeather  = "weather"  // the warning itself
	KindMeltdown = "meltdown" // a unit's outstanding 熔断 items
)

// Errors answered to people and API callers.
var (
	ErrUnknownWarning = errors.New("unknown warning")
	ErrLifted         = errors.New("the warning was lifted")
	ErrForbidden      = errors.New("not allowed to send or lift weather warnings")
	ErrUnknownItem    = errors.New("unknown checklist item")
	ErrNotYourUnit    = errors.New("only the unit's officials may confirm its items")
	ErrConfirmed      = errors.New("the item was confirmed already")
	ErrNoMeltdown     = errors.New("the warning has no 熔断 checklist")
)

// Service runs weather warnings.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	loc    *time.Location
	// DutyMode is called inside the transaction that switches
	// extreme-weather duty mode on or off (rota.Service.DutyMode): with on
	// for every warning of a duty-mode level, with off when the last such
	// warning is lifted.
	DutyMode func(tx *storage.Tx, w Warning, on bool, now time.Time) error
}

// New returns the weather service.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	return &Service{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log, loc: loc,
		DutyMode: func(*storage.Tx, Warning, bool, time.Time) error { return nil }}
}

// Run has nothing of its own to run: 熔断 deadlines fire through the
// shared deadline runner (Fire), messages through the outbox. It returns
// when ctx ends.
func (s *Service) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// CanWarn reports whether an official may send, lift and follow weather
// warnings: duty leaders, admins and principals.
func (s *Service) CanWarn(official string) bool {
	o, ok := s.cfg.Official(official)
	return ok && o.HasRole(config.RoleDutyLeader, config.RoleAdmin, config.RolePrincipal)
}

// Now returns the service's clock time.
func (s *Service) Now() time.Time { return s.clock.Now() }

// View is a warning with its 熔断 checklist, for display and the API.
type View struct {
	Warning Warning
	Items   []ChecklistItem
}

// Confirmed counts the confirmed items.
func (v View) Confirmed() int {
	n := 0
	for _, it := range v.Items {
		if it.Done() {
			n++
		}
	}
	return n
}

// Get loads a warning with its checklist.
func (s *Service) Get(id string) (View, error) {
	var v View
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		if v.Warning, err = s.load(tx, id); err != nil {
			return err
		}
		v.Items, err = Checklist(tx, id)
		return err
	})
	return v, err
}

// Active lists the warnings in force, oldest first, with their checklists.
func (s *Service) Active() ([]View, error) {
	var out []View
	err := s.db.View(func(tx *storage.Tx) error {
		ws, err := ActiveWarnings(tx)
		if err != nil {
			return err
		}
		for _, w := range ws {
			items, err := Checklist(tx, w.ID)
			if err != nil {
				return err
			}
			out = append(out, View{Warning: w, Items: items})
		}
		return nil
	})
	return out, err
}

func (s *Service) load(tx *storage.Tx, id string) (Warning, error) {
	w, err := LoadWarning(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return w, ErrUnknownWarning
	}
	return w, err
}
