// Package tips runs hazard tips (隐患举报): named or anonymous reports with a
// reference number, sealed tipster identities, assignment to a unit with a
// deadline, escalation through 叫应 when overdue, and monthly counts. It
// knows nothing of Telegram.
//
// Who sent a tip is sealed (SealTipster) for every tip: it is the
// only way back to the tipster, so replies to an anonymous tipster go
// through it and nothing else ties a tip to them. Handlers see the name of
// a named tipster and nothing of an anonymous one; only the roles of
// tips.reveal_roles may open the seal, and each opening is recorded.
//
// Every step is one transaction with its events, messages and deadline:
// an assigned tip waits on the durable deadline "t:<ref>", at which a 叫应
// of tips.overdue_level goes to the unit head (link "tip:<ref>") and
// escalates as usual.
package tips

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

// KindTip is the kind of the 叫应 alert raised for an overdue tip.
const KindTip = "tip"

// deadlinePrefix starts the keys of the tips' deadlines ("t:<ref>").
const deadlinePrefix = "t:"

// Limits on what a tip and its handling may hold.
const (
	MaxText   = 2000 // runes of the hazard's description
	MaxPlace  = 200  // runes of a typed place
	MaxPhotos = 10
	MaxResult = 1000 // runes of a closing result
	MaxReason = 500  // runes of a reveal's reason
	MaxDays   = 365  // days an assignment may run
)

// Errors answered to people and API callers.
var (
	ErrUnknown      = errors.New("no such tip")
	ErrForbidden    = errors.New("not allowed")
	ErrClosed       = errors.New("the tip is closed")
	ErrAssigned     = errors.New("the tip is assigned already")
	ErrNotVerified  = errors.New("only a tip closed as verified can be rewarded")
	ErrRewarded     = errors.New("the tip was rewarded already")
	ErrNotAnonymous = errors.New("the tip is named: there is nothing to reveal")
	ErrNoText       = errors.New("the hazard must be described")
	ErrNoPlace      = errors.New("a place or a location is needed")
	ErrTooLong      = errors.New("too long")
	ErrTooMany      = errors.New("too many photos")
	ErrBadUnit      = errors.New("unknown unit")
	ErrBadWithin    = errors.New("the deadline must be between 1 hour and 365 days")
	ErrNoResult     = errors.New("the result must be given")
	ErrNoReason     = errors.New("a reason must be given")
	ErrBadAmount    = errors.New("the amount must be a positive number of yuan")
	ErrNoTipster    = errors.New("the tipster's chat is missing")
)

// Service runs hazard tips.
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

// Run runs until ctx ends. Tips need no loop of their own: their deadlines
// are durable and fired through Fire.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// officeHead is the head of the unit that triages tips, if any.
func (s *Service) officeHead() string {
	if u, ok := s.cfg.Unit(s.cfg.Tips.Office); ok {
		if _, ok := s.cfg.Official(u.Head); ok {
			return u.Head
		}
	}
	return ""
}

// triagers are told of every new tip and may assign it: the 应急办 head and
// the admins, in configuration order.
func (s *Service) triagers() []string {
	head := s.officeHead()
	var out []string
	for _, o := range s.cfg.People().Officials {
		if o.ID == head || o.HasRole(config.RoleAdmin) {
			out = append(out, o.ID)
		}
	}
	return out
}

// CanTriage reports whether an official may assign tips.
func (s *Service) CanTriage(official string) bool {
	return official != "" && slices.Contains(s.triagers(), official)
}

// CanClose reports whether an official may close a tip: the triagers and
// the officials of the unit it is assigned to.
func (s *Service) CanClose(official string, t Tip) bool {
	if s.CanTriage(official) {
		return true
	}
	o, ok := s.cfg.Official(official)
	return ok && t.Unit != "" && o.Unit == t.Unit
}

// CanSee reports whether an official may look a tip up (never its
// anonymous tipster): whoever may close it, the principals and the roles
// that pay rewards.
func (s *Service) CanSee(official string, t Tip) bool {
	o, ok := s.cfg.Official(official)
	return ok && (s.CanClose(official, t) || o.HasRole(config.RolePrincipal) || s.CanReveal(official))
}

// CanReveal reports whether an official holds a role of tips.reveal_roles.
func (s *Service) CanReveal(official string) bool {
	o, ok := s.cfg.Official(official)
	return ok && len(s.cfg.Tips.RevealRoles) > 0 && o.HasRole(s.cfg.Tips.RevealRoles...)
}

// CanStats reports whether an official may see the monthly counts: admins,
// principals and the 应急办 head.
func (s *Service) CanStats(official string) bool {
	o, ok := s.cfg.Official(official)
	return ok && (o.HasRole(config.RoleAdmin, config.RolePrincipal) || official == s.officeHead())
}

// Get returns a tip; it holds no trace of an anonymous tipster.
func (s *Service) Get(ref string) (Tip, error) {
	var t Tip
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		t, err = LoadTip(tx, ref)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return t, ErrUnknown
	}
	return t, err
}

// See returns a tip an official may look up; ErrUnknown, as for a tip that
// does not exist, when they may not.
func (s *Service) See(official, ref string) (Tip, error) {
	t, err := s.Get(ref)
	if err != nil {
		return t, err
	}
	if !s.CanSee(official, t) {
		return Tip{}, ErrUnknown
	}
	return t, nil
}

// Mine returns the tips sent from a chat, oldest first.
func (s *Service) Mine(chat int64) ([]Tip, error) {
	var out []Tip
	err := s.db.View(func(tx *storage.Tx) error {
		refs, err := RefsByChat(tx, chat)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			t, err := LoadTip(tx, ref)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// MineRef returns one tip sent from a chat; ErrUnknown when the chat did not
// send it, as for a tip that does not exist.
func (s *Service) MineRef(chat int64, ref string) (Tip, error) {
	var t Tip
	err := s.db.View(func(tx *storage.Tx) error {
		who, err := UnsealTipster(tx, ref)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrUnknown
		}
		if err != nil {
			return err
		}
		if who.ChatID != chat {
			return ErrUnknown
		}
		t, err = LoadTip(tx, ref)
		return err
	})
	return t, err
}
