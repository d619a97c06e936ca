package duty

import (
	"slices"

	"dutybot/catalogue"
	"dutybot/config"
)

// Holder is who one item of a point is for: a unit, a person or the town,
// with the officials who owe it.
type Holder struct {
	Owner    string // catalogue.OwnerUnit, OwnerPerson or OwnerTown
	Unit     string // the unit the item is accounted to; "" for the town and for a person owing it through several units
	Official string // person items: who owes it
	Owers    []string
}

// Key is the holder's part of an instance id: a unit id, "~" and an
// official id, or "*" for the town.
func (h Holder) Key() string {
	switch h.Owner {
	case catalogue.OwnerPerson:
		return "~" + h.Official
	case catalogue.OwnerTown:
		return "*"
	}
	return h.Unit
}

// Account is the row an item counts in where duty is shown by unit (the
// board, /tasks, the brief and digest): its unit, a person owing it across
// units ("~" and their id), or the town ("*").
func (h Holder) Account() string {
	switch {
	case h.Owner == catalogue.OwnerTown:
		return "*"
	case h.Unit == "":
		return "~" + h.Official
	}
	return h.Unit
}

// Holders expands a point into the items it makes each period: one per
// unit (owed by the unit's staff, else its head, or by the holders of the
// point's roles in it), one per person holding the point's roles in its
// units, or one for the town. A unit or role nobody holds makes no item;
// Gaps lists them.
func Holders(cfg *config.Config, p *catalogue.Point) []Holder {
	switch p.OwnedBy() {
	case catalogue.OwnerPerson:
		var out []Holder
		for _, h := range roleHolders(cfg, p.Roles, p.Resolved) {
			unit := ""
			if len(h.via) == 1 {
				unit = h.via[0]
			}
			out = append(out, Holder{Owner: catalogue.OwnerPerson, Unit: unit, Official: h.id, Owers: []string{h.id}})
		}
		return out
	case catalogue.OwnerTown:
		var owers []string
		for _, h := range roleHolders(cfg, p.Roles, p.Resolved) {
			owers = append(owers, h.id)
		}
		if len(owers) == 0 {
			return nil
		}
		return []Holder{{Owner: catalogue.OwnerTown, Owers: owers}}
	}
	var out []Holder
	for _, u := range p.Resolved {
		if owers := unitOwers(cfg, u, p.Roles); len(owers) > 0 {
			out = append(out, Holder{Owner: catalogue.OwnerUnit, Unit: u, Owers: owers})
		}
	}
	return out
}

// Gap is a part of a point nobody owes: a unit where nobody holds the
// point's role (Role), or with no staff and no head (Role empty).
type Gap struct {
	Unit string
	Role string
}

// String words a gap for the log.
func (g Gap) String() string {
	if g.Role == "" {
		return g.Unit + ": nobody"
	}
	return g.Unit + ": no " + g.Role
}

// Gaps lists the parts of a point nobody owes, so a town can see which
// units need a head or staff in the configuration.
func Gaps(cfg *config.Config, p *catalogue.Point) []Gap {
	var out []Gap
	switch p.OwnedBy() {
	case catalogue.OwnerPerson, catalogue.OwnerTown:
		for _, u := range p.Resolved {
			for _, role := range p.Roles {
				if role != config.RolePrincipal && len(roleHolders(cfg, []string{role}, []string{u})) == 0 {
					out = append(out, Gap{Unit: u, Role: role})
				}
			}
		}
	default:
		for _, u := range p.Resolved {
			if len(unitOwers(cfg, u, p.Roles)) == 0 {
				out = append(out, Gap{Unit: u})
			}
		}
	}
	return out
}

// PointGap is a gap of one point ("14.4").
type PointGap struct {
	Point string
	Gap
}

// PlanGaps lists, in plan order, the parts of the plan that make items in
// year (ongoing as tasks.ongoing) and that nobody owes, for the start-up
// log and check-config.
func PlanGaps(cfg *config.Config, plan *catalogue.Plan, year int, ongoing string) []PointGap {
	var out []PointGap
	for _, t := range plan.Tasks() {
		for k := range t.Points {
			p := &t.Points[k]
			if !MakesItems(plan, p, year, ongoing) {
				continue // nobody needs to owe it
			}
			for _, g := range Gaps(cfg, p) {
				out = append(out, PointGap{Point: catalogue.ID(t.No, p.No), Gap: g})
			}
		}
	}
	return out
}

// holder is one official found for some roles, with the units through
// which they hold them.
type holder struct {
	id  string
	via []string
}

// roleHolders lists, in configuration order, the officials holding any of
// roles in units: a unit's head (unit_head), its 分管领导 (leader), its
// staff (staff), and the town's principals.
func roleHolders(cfg *config.Config, roles, units []string) []holder {
	var out []holder
	at := map[string]int{} // id → position in out
	add := func(id, unit string) {
		if id == "" {
			return
		}
		if _, ok := cfg.Official(id); !ok {
			return
		}
		if i, ok := at[id]; ok {
			if unit != "" && !slices.Contains(out[i].via, unit) {
				out[i].via = append(out[i].via, unit)
			}
			return
		}
		h := holder{id: id}
		if unit != "" {
			h.via = []string{unit}
		}
		at[id] = len(out)
		out = append(out, h)
	}
	for _, role := range roles {
		if role == config.RolePrincipal {
			for _, o := range cfg.OfficialsWithRole(config.RolePrincipal) {
				add(o.ID, "")
			}
			continue
		}
		for _, uid := range units {
			u, _ := cfg.Unit(uid)
			switch role {
			case config.RoleUnitHead:
				add(u.Head, uid)
			case config.RoleLeader:
				add(u.Leader, uid)
			case config.RoleStaff:
				for _, o := range cfg.People().InUnit(uid) {
					if o.HasRole(config.RoleStaff) {
						add(o.ID, uid)
					}
				}
			}
		}
	}
	return out
}

// unitOwers lists who owes a unit item: the holders of roles in the unit,
// or by default its staff, else its head.
func unitOwers(cfg *config.Config, unit string, roles []string) []string {
	byDefault := len(roles) == 0
	if byDefault {
		roles = []string{config.RoleStaff}
	}
	var out []string
	for _, h := range roleHolders(cfg, roles, []string{unit}) {
		out = append(out, h.id)
	}
	if len(out) == 0 && byDefault {
		if u, _ := cfg.Unit(unit); u.Head != "" {
			if _, ok := cfg.Official(u.Head); ok {
				out = []string{u.Head}
			}
		}
	}
	return out
}
