package config

import (
	"fmt"
	"strings"
)

// Supervision configures /who: which department leads the supervision of
// a sector (充电桩, 密室逃脱, 农村自建房…), as item 7 of the plan asks every
// official to know. The built-in list of package supervision applies for
// the units the configuration has; sectors given here replace built-in ones
// of the same name and add to the rest.
type Supervision struct {
	// Builtin keeps the built-in list (default true); false leaves only
	// Sectors.
	Builtin *bool    `yaml:"builtin"`
	Sectors []Sector `yaml:"sectors"`
}

// UseBuiltin reports whether the built-in list applies.
func (s Supervision) UseBuiltin() bool { return s.Builtin == nil || *s.Builtin }

// Sector is one line of the 行业领域监管责任 list.
type Sector struct {
	// Name is the sector as people say it: 充电桩.
	Name string `yaml:"name"`
	// Aliases are other words for it: 充电站, 新能源汽车充电.
	Aliases []string `yaml:"aliases"`
	// Lead is the unit that leads (牵头); With the units that take part
	// (配合).
	Lead string   `yaml:"lead"`
	With []string `yaml:"with"`
	// Note adds what people should know (its basis, the district body).
	Note string `yaml:"note"`
}

// validateSupervision checks configured sectors: each names itself and a
// lead unit the configuration has.
func (c *Config) validateSupervision(e *errs) {
	seen := map[string]bool{}
	for i, s := range c.Supervision.Sectors {
		key := fmt.Sprintf("supervision.sectors[%d]", i)
		name := strings.TrimSpace(s.Name)
		switch {
		case name == "":
			e.add(key+".name", "is empty; name the sector, e.g. 充电桩")
		case seen[name]:
			e.add(key+".name", "%q is listed twice", name)
		}
		seen[name] = true
		if _, ok := c.Unit(s.Lead); !ok {
			e.add(key+".lead", "%q is no unit id of units", s.Lead)
		}
		for j, u := range s.With {
			if _, ok := c.Unit(u); !ok {
				e.add(fmt.Sprintf("%s.with[%d]", key, j), "%q is no unit id of units", u)
			}
		}
	}
}
