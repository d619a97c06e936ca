package config

import (
	"slices"
	"sync"
	"sync/atomic"
)

// People is the directory: the units and the officials who staff them,
// with the lookups every push and every escalation makes. It is immutable:
// a reload (SetPeople) replaces it whole, so whoever holds one sees one
// consistent directory while new work uses the new one.
type People struct {
	Units     []Unit
	Officials []Official
	// idx is nil for a directory not made by NewPeople (a Config literal
	// in a test): lookups then scan.
	idx *index
	// file says what the 通讯录 gave; nil without directory.file.
	file *FileReport
	// former are the officials reloads removed since start, by id: a
	// running alert still calls them, and their silence still escalates
	// to their unit's head (Former).
	former map[string]Official
}

// File says what the 通讯录 of directory.file gave this directory; nil
// when the configuration names no file.
func (p *People) File() *FileReport { return p.file }

// Former returns an official a reload removed from the directory while
// this process ran: an alert raised before still calls them, and their
// silence escalates through the unit they were in. The returned value
// shares its Roles slice: treat it as read-only.
func (p *People) Former(id string) (Official, bool) {
	o, ok := p.former[id]
	return o, ok
}

// Same reports whether p and q are the same directory, so that whoever
// keeps something computed from one can tell that a reload replaced it.
func (p *People) Same(q *People) bool {
	if p == q {
		return true
	}
	if p == nil || q == nil {
		return false
	}
	return sameSlice(p.Officials, q.Officials) && sameSlice(p.Units, q.Units)
}

// sameSlice reports whether a and b are the same slice (not merely equal).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && cap(a) == cap(b) && (cap(a) == 0 || &a[:1][0] == &b[:1][0])
}

// NewPeople indexes units and officials for lookups; it does not validate
// them (Parse and CheckPeople do).
func NewPeople(units []Unit, officials []Official) *People {
	p := &People{Units: units, Officials: officials}
	p.idx = buildIndex(p)
	return p
}

// peopleBox holds the live directory; copies of a Config share it, so a
// reload reaches every service holding the Config.
type peopleBox struct {
	p atomic.Pointer[People]
	// reload serialises reloads, so that each compares with the
	// directory it replaces.
	reload sync.Mutex
}

// People returns the directory as it is now. Read Units and Officials
// through it, not through the Config's fields, which keep what the file
// held when it was parsed: a reload replaces only the directory.
func (c *Config) People() *People {
	if c.people != nil {
		if p := c.people.p.Load(); p != nil {
			return p
		}
	}
	return &People{Units: c.Units, Officials: c.Officials}
}

// SetPeople replaces the directory for every holder of this Config (and of
// its copies). p must have been checked with CheckPeople.
func (c *Config) SetPeople(p *People) {
	if c.people == nil {
		c.people = &peopleBox{}
	}
	c.people.p.Store(p)
}

// Reindex makes a copy of a Config whose Units or Officials were changed
// after Parse use them: the copy gets a directory of its own, built from
// its fields, and stops sharing the original's.
func (c *Config) Reindex() {
	c.people = &peopleBox{}
	c.people.p.Store(NewPeople(c.Units, c.Officials))
}

// CheckPeople validates units and officials against the rest of the
// configuration (units named by groups, supervision, the roster…), as
// Parse would, and returns them as a directory to SetPeople. Phones are
// normalised as Parse leaves them.
func (c *Config) CheckPeople(units []Unit, officials []Official) (*People, error) {
	p := NewPeople(units, slices.Clone(officials))
	cp := c.withPeople(p)
	if err := cp.validate(); err != nil {
		return nil, err
	}
	// The index matches phones normalised, so it holds for them shown.
	for i := range p.Officials {
		p.Officials[i].Phone = DisplayPhone(p.Officials[i].Phone)
	}
	return p, nil
}

// withPeople returns a copy of c whose directory, fields and lookups
// alike, is p alone, to validate p against the rest of c: the lookups of
// validation are indexed, as a district's 100,000 officials need.
func (c *Config) withPeople(p *People) *Config {
	cp := *c
	cp.Units, cp.Officials = p.Units, p.Officials
	cp.people = &peopleBox{}
	cp.people.p.Store(p)
	return &cp
}

// Official returns the official with the given id. The returned value
// shares its Roles slice with p: treat it as read-only.
func (p *People) Official(id string) (Official, bool) {
	if p.idx != nil {
		if i, ok := p.idx.officials[id]; ok {
			return p.Officials[i], true
		}
		return Official{}, false
	}
	for _, o := range p.Officials {
		if o.ID == id {
			return o, true
		}
	}
	return Official{}, false
}

// Unit returns the unit with the given id. The returned value shares its
// Tags slice with p: treat it as read-only.
func (p *People) Unit(id string) (Unit, bool) {
	if p.idx != nil {
		if i, ok := p.idx.units[id]; ok {
			return p.Units[i], true
		}
		return Unit{}, false
	}
	for _, u := range p.Units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}

// InUnit returns the officials of a unit, in directory order, in a new
// slice.
func (p *People) InUnit(unit string) []Official {
	var out []Official
	if p.idx != nil {
		for _, i := range p.idx.members[unit] {
			out = append(out, p.Officials[i])
		}
		return out
	}
	for _, o := range p.Officials {
		if o.Unit == unit {
			out = append(out, o)
		}
	}
	return out
}

// WithRole returns the officials holding role, in directory order, in a
// new slice.
func (p *People) WithRole(role string) []Official {
	var out []Official
	if p.idx != nil {
		for _, i := range p.idx.roles[role] {
			out = append(out, p.Officials[i])
		}
		return out
	}
	for _, o := range p.Officials {
		if o.HasRole(role) {
			out = append(out, o)
		}
	}
	return out
}

// ByPhone returns the official whose phone, normalised with
// NormalizePhone, equals normalised.
func (p *People) ByPhone(normalised string) (Official, bool) {
	if normalised == "" {
		return Official{}, false
	}
	if p.idx != nil {
		if i, ok := p.idx.phones[normalised]; ok {
			return p.Officials[i], true
		}
		return Official{}, false
	}
	for _, o := range p.Officials {
		if NormalizePhone(o.Phone) == normalised {
			return o, true
		}
	}
	return Official{}, false
}

// Rank places an official in the chain escalation climbs: the principal
// above the 分管领导 (a leader role or a unit's leader), above the heads of
// units (the role or a unit's head), above everyone else. Escalation goes
// only up: nobody is told of a superior's silence.
func (p *People) Rank(id string) int {
	o, ok := p.Official(id)
	if !ok {
		return RankStaff
	}
	switch {
	case o.HasRole(RolePrincipal):
		return RankPrincipal
	case o.HasRole(RoleLeader):
		return RankLeader
	}
	if p.idx != nil {
		switch {
		case p.idx.leads[id]:
			return RankLeader
		case p.idx.heads[id] || o.HasRole(RoleUnitHead):
			return RankUnitHead
		}
		return RankStaff
	}
	rank := RankStaff
	if o.HasRole(RoleUnitHead) {
		rank = RankUnitHead
	}
	for _, u := range p.Units {
		switch id {
		case u.Leader:
			return RankLeader
		case u.Head:
			rank = RankUnitHead
		}
	}
	return rank
}
