// Package hazard runs the hazard closed loop of 隐患排查治理, the “三部曲”
// of the seed's items 21–23 and 34: a hazard found at an enterprise (发现)
// is given to the enterprise with a person and a deadline (交办), reported
// fixed with photos (整改), checked by someone else (复查) and closed (销号);
// a recheck that fails sends it back with a new deadline. A 重大隐患 is
// 挂牌督办: it cannot be assigned without its 五落实, and the 属地 unit's
// 分管领导 and the principals are told. It knows nothing of Telegram.
//
// An enterprise is referred to by its 统一社会信用代码; what the loop needs
// to know of it (the 属地 unit, the officials on its plaque, its own
// responsible person) comes through Enterprises, so this package does not
// depend on the registry that keeps them. What was known when a hazard was
// found is copied onto it, so a record reads alone.
//
// Every step is one transaction with its events, messages and deadline: an
// assigned hazard waits on the durable deadline "h:<id>", at which, still
// unrectified, it raises a 叫应 (kind "hazard") to the responsible official
// that escalates under the usual policy. Rectification ends the wait and
// closes that 叫应.
package hazard

import (
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// KindHazard is the kind of the 叫应 raised for an overdue hazard.
const KindHazard = "hazard"

// DeadlinePrefix starts the keys of the hazards' deadlines ("h:<id>").
const DeadlinePrefix = "h:"

// OverdueLevel is the 叫应 level of an overdue hazard, by hazard level: a
// 重大隐患 left unfixed is called more urgently.
var OverdueLevel = map[string]string{LevelGeneral: "yellow", LevelMajor: "orange"}

// Limits on what a hazard holds.
const (
	MaxText   = 2000 // runes of a description or a note
	MaxField  = 200  // runes of a name, a phone, an enterprise id or one of the 五落实
	MaxPhotos = 20
	MaxDays   = 365 // days a deadline may lie ahead
)

// Errors answered to people and API callers. Errors about one input come
// as a *FieldError naming it and wrapping one of these.
var (
	ErrUnknown       = errors.New("no such hazard")
	ErrForbidden     = errors.New("not allowed to act on this hazard")
	ErrState         = errors.New("not possible in the hazard's state")
	ErrNotRechecked  = errors.New("a hazard is closed only after a recheck has passed")
	ErrSelfRecheck   = errors.New("the recheck must be by someone other than the person who reported the hazard rectified")
	ErrRequired      = errors.New("required")
	ErrTooLong       = errors.New("too long")
	ErrTooMany       = errors.New("too many photos")
	ErrBadUnit       = errors.New("unknown unit")
	ErrBadOfficial   = errors.New("unknown official")
	ErrBadLevel      = errors.New("must be general (一般) or major (重大)")
	ErrBadDeadline   = errors.New("must be in the future, within 365 days")
	ErrFiveMissing   = errors.New("a 重大隐患 is 挂牌督办: all of the 五落实 are required")
	ErrNoPhotos      = errors.New("at least one photo of the fixed hazard is required")
	ErrBadEnterprise = errors.New("unknown to the registry: its name and 属地 unit are required")
)

// FieldError is a bad input, named as the API names it ("deadline",
// "five", "by").
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error) error { return &FieldError{Field: field, Err: err} }

// Plaque is what the loop needs to know of an enterprise: its name, its
// 属地 unit and the people on its plaque (item 19).
type Plaque struct {
	Name          string
	Unit          string // 属地 unit id
	Supervisor    string // 行业部门监管负责人, an official id
	Administrator string // 行政负责人, an official id
	Principal     Person // 企业单位负责人
}

// Person is the enterprise's own responsible person: not an official, but
// reachable in the bot once bound (Chat non-zero).
type Person struct {
	Name  string
	Phone string
	Chat  int64  // their private chat with the bot, 0 when not bound
	Lang  string // their language, "" for the configured one
}

// Enterprises looks enterprises up by 统一社会信用代码.
type Enterprises interface {
	Plaque(id string) (Plaque, bool)
}

// Service runs the hazard loop.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	loc    *time.Location
	ents   Enterprises
}

// New returns the service; ents may be nil while no registry is wired, and
// every hazard then names its enterprise and 属地 unit itself.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock,
	ents Enterprises, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	return &Service{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log, loc: loc, ents: ents}
}

// Location is the town's time zone, in which deadlines are read and shown.
func (s *Service) Location() *time.Location { return s.loc }

// ref marks a notice about h: informational, of the hazard topic, naming
// the hazard (as its events do), so a failed delivery lands in its record
// and the noise each hazard makes can be counted.
func (s *Service) ref(h Hazard) storage.Ref {
	return storage.Ref{Kind: storage.RefInfo, Topic: KindHazard, Alert: h.ID}
}

// plaque looks an enterprise up, if a registry is wired.
func (s *Service) plaque(id string) (Plaque, bool) {
	if s.ents == nil {
		return Plaque{}, false
	}
	return s.ents.Plaque(id)
}

// official reports whether id is a configured official.
func (s *Service) official(id string) bool {
	_, ok := s.cfg.Official(id)
	return id != "" && ok
}

// CanManage reports whether an official may assign, recheck and close a
// hazard (and report it rectified on the enterprise's behalf): whoever
// found it, the officials on its plaque, the supervising department (the
// supervisor's unit), the 属地 unit's head and 分管领导, the principals and
// the admins.
func (s *Service) CanManage(official string, h Hazard) bool {
	o, ok := s.cfg.Official(official)
	if !ok || official == "" {
		return false
	}
	if o.HasRole(config.RolePrincipal, config.RoleAdmin) ||
		slices.Contains([]string{h.FoundBy, h.Supervisor, h.Administrator}, official) {
		return true
	}
	if sup, ok := s.cfg.Official(h.Supervisor); ok && sup.Unit != "" && sup.Unit == o.Unit {
		return true
	}
	u, ok := s.cfg.Unit(h.Unit)
	return ok && (u.Head == official || u.Leader == official)
}

// Responsible is the official a hazard's overdue 叫应 goes to: the
// enterprise's 行业部门监管负责人 as the registry has it now, else as the
// hazard recorded it, else whoever found it.
func (s *Service) Responsible(h Hazard) string {
	p, _ := s.plaque(h.Enterprise)
	return ResponsibleOf(s.cfg, h, p.Supervisor)
}

// ResponsibleOf is Responsible for a reader holding the registry's
// 行业部门监管负责人 of the hazard's enterprise (supervisor, "" when the
// registry does not hold it): the board and the ledger, which read the
// registry in their own transaction.
func ResponsibleOf(cfg *config.Config, h Hazard, supervisor string) string {
	for _, id := range []string{supervisor, h.Supervisor} {
		if _, ok := cfg.Official(id); id != "" && ok {
			return id
		}
	}
	return h.FoundBy
}

// Get returns a hazard.
func (s *Service) Get(id string) (Hazard, error) {
	var h Hazard
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		h, err = s.load(tx, id)
		return err
	})
	return h, err
}

// Filter selects hazards; empty fields select all.
type Filter struct {
	State      string
	Unit       string
	Enterprise string
}

// List returns the hazards the filter selects, oldest first.
func (s *Service) List(f Filter) ([]Hazard, error) {
	var all []Hazard
	if err := s.db.View(func(tx *storage.Tx) error {
		var err error
		all, err = All(tx)
		return err
	}); err != nil {
		return nil, err
	}
	out := all[:0]
	for _, h := range all {
		if (f.State == "" || h.State == f.State) && (f.Unit == "" || h.Unit == f.Unit) &&
			(f.Enterprise == "" || h.Enterprise == f.Enterprise) {
			out = append(out, h)
		}
	}
	return out, nil
}

// OverdueLink is the link of the 叫应 raised when a round of a hazard is
// overdue: "hazard:<id>" for the first 交办, "hazard:<id>/2" after a
// send-back.
func OverdueLink(id string, round int) string {
	if round <= 1 {
		return "hazard:" + id
	}
	return "hazard:" + id + "/" + strconv.Itoa(round)
}

// load reads a hazard in a transaction.
func (s *Service) load(tx *storage.Tx, id string) (Hazard, error) {
	h, err := Load(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return h, ErrUnknown
	}
	return h, err
}
