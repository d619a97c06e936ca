// Package inspection records officials' visits to the enterprises of the
// registry (/check): a 检查指导 or a 协调解决安全管理难题, with what was
// checked, what was found, photos, a shared location and the hazards found,
// which go into the hazard loop (package hazard) in the same transaction as
// the inspection, all or nothing.
//
// Item 19 of the 十五条硬措施 asks each 行政负责人 and 行业部门监管负责人 for
// 2 inspections of their own 挂牌企业 and 2 problems solved a month, and for
// every one of their plaques visited each half year; Counts gives those
// figures from the records, so a quota is met by real visits rather than by
// a tap on a button. Who may record an inspection of which enterprise is
// Access; it knows nothing of Telegram.
package inspection

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"dutybot/clock"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// Limits on what an inspection holds.
const (
	MaxText    = 2000 // runes of what was checked or of the findings
	MaxPhotos  = 20
	MaxHazards = 10 // hazards registered by one inspection
)

// Errors of recording an inspection. A refusal of access is a
// *ForbiddenError, of one of its hazards a *HazardError.
var (
	ErrUnknownEnterprise = errors.New("not in the enterprise registry")
	ErrUnknownOfficial   = errors.New("unknown official")
	ErrBadKind           = errors.New("kind must be inspect (检查指导) or problem (协调解决难题)")
	ErrRequired          = errors.New("required")
	ErrTooLong           = errors.New("too long")
	ErrTooMany           = errors.New("too many")
	ErrBadLocation       = errors.New("lat must be within ±90 and lon within ±180")
)

// ForbiddenError refuses an official an enterprise that is not theirs to
// inspect; it carries the enterprise, whose plaque says who supervises it.
type ForbiddenError struct {
	Official   string
	Enterprise enterprise.Enterprise
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s may not inspect %s (%s): not on its plaque, not of its 属地 unit %s or its supervising department, and no leader, principal or admin",
		e.Official, e.Enterprise.Name, e.Enterprise.Code, e.Enterprise.Unit)
}

// HazardError is a hazard of an inspection that the hazard loop refused;
// nothing of the inspection was stored.
type HazardError struct {
	N           int // 1-based, in the inspection's order
	Description string
	Err         error
}

func (e *HazardError) Error() string {
	return fmt.Sprintf("hazard %d (%s): %v", e.N, e.Description, e.Err)
}
func (e *HazardError) Unwrap() error { return e.Err }

// Service records inspections and counts them.
type Service struct {
	cfg     *config.Config
	db      *storage.DB
	reg     *enterprise.Registry
	hazards *hazard.Service
	clock   clock.Clock
	loc     *time.Location
	log     *slog.Logger
}

// New returns the service; hazards registers the hazards an inspection
// finds.
func New(cfg *config.Config, db *storage.DB, reg *enterprise.Registry, hazards *hazard.Service, clk clock.Clock,
	log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	return &Service{cfg: cfg, db: db, reg: reg, hazards: hazards, clock: clk, loc: loc, log: log}
}

// Location is the town's time zone, in which days and deadlines are read.
func (s *Service) Location() *time.Location { return s.loc }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.clock.Now() }

// Why an official may inspect an enterprise.
const (
	ByPlaque     = "plaque"     // on its plaque: 行政负责人, 行业部门监管负责人 or 包保责任人
	ByUnit       = "unit"       // of its 属地 unit
	ByDepartment = "department" // of the unit of its 行业部门监管负责人
	ByRole       = "role"       // a 分管领导, a principal or an admin
)

// Access is whether an official may record an inspection of an
// enterprise, and what they are on its plaque.
type Access struct {
	Allowed bool
	By      string   // By…, when allowed
	Plaque  []string // enterprise.Plaque… roles they hold on its plaque
}

// Access says whether official may inspect e: those on its plaque, the
// officials of its 属地 unit and of its supervising department may; others
// only if their role may (分管领导, principal, admin).
func (s *Service) Access(official string, e enterprise.Enterprise) Access {
	o, ok := s.cfg.Official(official)
	if !ok || official == "" {
		return Access{}
	}
	var a Access
	for _, p := range e.Plaques() {
		if p[1] == official && !slices.Contains(a.Plaque, p[0]) {
			a.Plaque = append(a.Plaque, p[0])
		}
	}
	sup, _ := s.cfg.Official(e.Supervisor)
	switch {
	case len(a.Plaque) > 0:
		a.By = ByPlaque
	case o.Unit != "" && o.Unit == e.Unit:
		a.By = ByUnit
	case o.Unit != "" && o.Unit == sup.Unit:
		a.By = ByDepartment
	case o.HasRole(config.RoleLeader, config.RolePrincipal, config.RoleAdmin):
		a.By = ByRole
	}
	a.Allowed = a.By != ""
	return a
}

// Enterprise returns an enterprise of the registry.
func (s *Service) Enterprise(code string) (enterprise.Enterprise, bool, error) {
	return s.reg.Get(code)
}

// Mine returns the enterprises on official's plaques (行政负责人, then
// 行业部门监管负责人, then 包保责任人), each once.
func (s *Service) Mine(official string) ([]enterprise.Enterprise, error) {
	var out []enterprise.Enterprise
	err := s.db.View(func(tx *storage.Tx) error {
		seen := map[string]bool{}
		for _, role := range []string{enterprise.PlaqueAdmin, enterprise.PlaqueSupervisor, enterprise.PlaqueGuarantor} {
			for _, p := range enterprise.PlaquesOf(tx, official) {
				if p.Role != role || seen[p.Code] {
					continue
				}
				e, err := enterprise.Load(tx, p.Code)
				if errors.Is(err, storage.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				seen[p.Code] = true
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("the enterprises of %s: %w", official, err)
	}
	return out, nil
}

// Search returns up to limit enterprises whose name holds every word of
// query (or whose 信用代码 starts with it), those on official's plaques
// first, then by name; total is how many matched. It reads the registry
// in brief and only the records it returns in full.
func (s *Service) Search(official, query string, limit int) (found []enterprise.Enterprise, total int, err error) {
	err = s.db.View(func(tx *storage.Tx) error {
		briefs, err := enterprise.Briefs(tx)
		if err != nil {
			return err
		}
		hits := Match(briefs, official, query)
		total = len(hits)
		if limit > 0 && len(hits) > limit {
			hits = hits[:limit]
		}
		for _, h := range hits {
			e, err := enterprise.Load(tx, h.Code)
			if err != nil {
				return err
			}
			found = append(found, e)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search the enterprise registry: %w", err)
	}
	return found, total, nil
}

// Match is Search over a list: the enterprises whose name holds every
// word of query, case and width of spaces aside, or whose 信用代码 starts
// with it; official's own first, then names starting with the query, then
// by name.
func Match(list []enterprise.Brief, official, query string) []enterprise.Brief {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return nil
	}
	joined := strings.Join(words, "")
	type hit struct {
		e     enterprise.Brief
		own   bool
		start bool
	}
	var hits []hit
	for _, e := range list {
		name := strings.ToLower(e.Name)
		ok := strings.HasPrefix(strings.ToLower(e.Code), joined)
		if !ok {
			ok = true
			for _, w := range words {
				if !strings.Contains(name, w) {
					ok = false
					break
				}
			}
		}
		if !ok {
			continue
		}
		own := e.Admin == official || e.Supervisor == official || (e.Guarantor != "" && e.Guarantor == official)
		hits = append(hits, hit{e: e, own: own, start: strings.HasPrefix(name, words[0])})
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		switch {
		case a.own != b.own:
			if a.own {
				return -1
			}
			return 1
		case a.start != b.start:
			if a.start {
				return -1
			}
			return 1
		}
		return strings.Compare(a.e.Name, b.e.Name)
	})
	out := make([]enterprise.Brief, len(hits))
	for i, h := range hits {
		out[i] = h.e
	}
	return out
}
