package config

import "slices"

// index holds a directory's lookup maps, built once per directory
// (NewPeople). A directory not made by NewPeople (a Config literal in a
// test, say) falls back to linear scans.
type index struct {
	officials map[string]int   // id → position in Officials
	units     map[string]int   // id → position in Units
	phones    map[string]int   // normalised phone → position in Officials
	roles     map[string][]int // role → positions in Officials, in order
	members   map[string][]int // unit → positions in Officials, in order
	heads     map[string]bool  // officials who head a unit
	leads     map[string]bool  // officials who are a unit's 分管领导
}

func buildIndex(c *People) *index {
	x := &index{
		officials: make(map[string]int, len(c.Officials)),
		units:     make(map[string]int, len(c.Units)),
		phones:    make(map[string]int, len(c.Officials)),
		roles:     make(map[string][]int),
		members:   make(map[string][]int),
		heads:     make(map[string]bool),
		leads:     make(map[string]bool),
	}
	for i, u := range c.Units {
		if _, dup := x.units[u.ID]; !dup {
			x.units[u.ID] = i
		}
		if u.Head != "" {
			x.heads[u.Head] = true
		}
		if u.Leader != "" {
			x.leads[u.Leader] = true
		}
	}
	for i, o := range c.Officials {
		if _, dup := x.officials[o.ID]; !dup {
			x.officials[o.ID] = i
		}
		x.members[o.Unit] = append(x.members[o.Unit], i)
		if p := NormalizePhone(o.Phone); p != "" {
			if _, dup := x.phones[p]; !dup {
				x.phones[p] = i
			}
		}
		roles := o.Roles
		if len(roles) > 1 {
			roles = slices.Compact(slices.Sorted(slices.Values(roles)))
		}
		for _, r := range roles {
			x.roles[r] = append(x.roles[r], i)
		}
	}
	return x
}

// Official returns the official with the given id from the directory as
// it is now (People). The returned value shares its Roles slice: treat it
// as read-only.
func (c *Config) Official(id string) (Official, bool) { return c.People().Official(id) }

// Unit returns the unit with the given id from the directory as it is now.
// The returned value shares its Tags slice: treat it as read-only.
func (c *Config) Unit(id string) (Unit, bool) { return c.People().Unit(id) }

// KnownOfficial returns the official with the given id from the
// directory, or else one a reload removed (People.Former): for what was
// begun with them, such as the escalation of an alert that called them.
func (c *Config) KnownOfficial(id string) (Official, bool) {
	p := c.People()
	if o, ok := p.Official(id); ok {
		return o, true
	}
	return p.Former(id)
}

// OfficialName is an official's name for messages, or id itself when no
// named official has it (an actor such as "system"). An official a reload
// removed keeps their name in the messages of what they were part of.
func (c *Config) OfficialName(id string) string {
	if o, ok := c.KnownOfficial(id); ok && o.Name != "" {
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
	o, _ := c.KnownOfficial(official)
	return c.UnitName(o.Unit)
}

// OfficialsWithRole returns the officials holding role, in directory
// order, in a new slice.
func (c *Config) OfficialsWithRole(role string) []Official { return c.People().WithRole(role) }

// OfficialByPhone returns the official whose phone, normalised with
// NormalizePhone, equals normalised.
func (c *Config) OfficialByPhone(normalised string) (Official, bool) {
	return c.People().ByPhone(normalised)
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

// Rank places an official in the chain escalation climbs (People.Rank).
func (c *Config) Rank(id string) int { return c.People().Rank(id) }
