package config

import "slices"

// index holds lookup maps built once by Parse. Lookups on a Config that was
// not made by Parse (a literal in a test, say) fall back to linear scans.
type index struct {
	officials map[string]int   // id → position in Officials
	units     map[string]int   // id → position in Units
	phones    map[string]int   // normalised phone → position in Officials
	roles     map[string][]int // role → positions in Officials, in order
}

func buildIndex(c *Config) *index {
	x := &index{
		officials: make(map[string]int, len(c.Officials)),
		units:     make(map[string]int, len(c.Units)),
		phones:    make(map[string]int, len(c.Officials)),
		roles:     make(map[string][]int),
	}
	for i, u := range c.Units {
		if _, dup := x.units[u.ID]; !dup {
			x.units[u.ID] = i
		}
	}
	for i, o := range c.Officials {
		if _, dup := x.officials[o.ID]; !dup {
			x.officials[o.ID] = i
		}
		if p := NormalizePhone(o.Phone); p != "" {
			if _, dup := x.phones[p]; !dup {
				x.phones[p] = i
			}
		}
		for _, r := range slices.Compact(slices.Sorted(slices.Values(o.Roles))) {
			x.roles[r] = append(x.roles[r], i)
		}
	}
	return x
}

// Official returns the official with the given id. The returned value shares
// its Roles slice with c: treat it as read-only.
func (c *Config) Official(id string) (Official, bool) {
	if c.idx != nil {
		if i, ok := c.idx.officials[id]; ok {
			return c.Officials[i], true
		}
		return Official{}, false
	}
	for _, o := range c.Officials {
		if o.ID == id {
			return o, true
		}
	}
	return Official{}, false
}

// Unit returns the unit with the given id. The returned value shares its
// Tags slice with c: treat it as read-only.
func (c *Config) Unit(id string) (Unit, bool) {
	if c.idx != nil {
		if i, ok := c.idx.units[id]; ok {
			return c.Units[i], true
		}
		return Unit{}, false
	}
	for _, u := range c.Units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}

// OfficialName is an official's name for messages, or id itself when no
// named official has it (an actor such as "system").
func (c *Config) OfficialName(id string) string {
	if o, ok := c.Official(id); ok && o.Name != "" {
		return o.Name
	}
	return id
}

// UnitName is a unit's name for messages, or id itself when no named unit
// has it.
func (c *Config) UnitName(id string) string {
	if u, ok := c.Unit(id); ok && u.Name != "" {
		return u.Name
	}
	return id
}

// UnitNameOf is the name of an official's unit, for messages that say
// where someone works.
func (c *Config) UnitNameOf(official string) string {
	o, _ := c.Official(official)
	return c.UnitName(o.Unit)
}

// OfficialsWithRole returns the officials holding role, in config order, in
// a new slice.
func (c *Config) OfficialsWithRole(role string) []Official {
	var out []Official
	if c.idx != nil {
		for _, i := range c.idx.roles[role] {
			out = append(out, c.Officials[i])
		}
		return out
	}
	for _, o := range c.Officials {
		if o.HasRole(role) {
			out = append(out, o)
		}
	}
	return out
}

// OfficialByPhone returns the official whose phone, normalised with
// NormalizePhone, equals normalised.
func (c *Config) OfficialByPhone(normalised string) (Official, bool) {
	if normalised == "" {
		return Official{}, false
	}
	if c.idx != nil {
		if i, ok := c.idx.phones[normalised]; ok {
			return c.Officials[i], true
		}
		return Official{}, false
	}
	for _, o := range c.Officials {
		if NormalizePhone(o.Phone) == normalised {
			return o, true
		}
	}
	return Official{}, false
}

// Policy returns a copy of the escalation steps for an alert level ("blue",
// "yellow", "orange", "red"), ordered by After; nil for an unknown level.
func (c *Config) Policy(level string) []Step {
	name, ok := c.Escalation.Levels[level]
	if !ok {
		return nil
	}
	return slices.Clone(c.Escalation.Policies[name])
}

// Ranks in the escalation chain (单位负责人 → 分管领导 → 主要负责人).
const (
	RankStaff = iota
	RankUnitHead
	RankLeader
	RankPrincipal
)

// Rank places an official in the chain escalation climbs: the principal
// above the 分管领导 (a leader role or a unit's leader), above the heads of
// units (the role or a unit's head), above everyone else. Escalation goes
// only up: nobody is told of a superior's silence.
func (c *Config) Rank(id string) int {
	o, ok := c.Official(id)
	if !ok {
		return RankStaff
	}
	switch {
	case o.HasRole(RolePrincipal):
		return RankPrincipal
	case o.HasRole(RoleLeader):
		return RankLeader
	}
	rank := RankStaff
	if o.HasRole(RoleUnitHead) {
		rank = RankUnitHead
	}
	for _, u := range c.Units {
		switch id {
		case u.Leader:
			return RankLeader
		case u.Head:
			rank = RankUnitHead
		}
	}
	return rank
}
