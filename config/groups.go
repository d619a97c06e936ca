package config

import (
	"fmt"
	"slices"
	"strings"
)

// Group is one of the town's work groups (工作群: 镇安全生产工作群, 防汛群,
// 村社区书记群), a Telegram group chat the bot is a member of, where a 叫应
// can be posted once for everyone expected to answer there. The bot knows
// its chat from ChatID, or from /bindgroup sent in it by an admin.
type Group struct {
	// ID names the group in commands (/bindgroup g-flood) and the API; it
	// differs from every unit and official id, as they share alert targets.
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// ChatID is the group's Telegram chat id (negative); 0 leaves the chat
	// to /bindgroup.
	ChatID int64 `yaml:"chat_id"`
	// Expected are the officials expected to answer in the group, chosen
	// as a cadence rule's audience is: holders of any of the roles within
	// any of the units (unit ids or "@tag"), plus the officials named.
	Expected Audience `yaml:",inline"`
}

// Group returns the configured group with the given id.
func (c *Config) Group(id string) (Group, bool) {
	for _, g := range c.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// GroupMembers lists the officials expected to answer in a group, in
// configuration order; nil for an unknown group.
func (c *Config) GroupMembers(id string) []Official {
	g, ok := c.Group(id)
	if !ok {
		return nil
	}
	return c.AudienceOf(g.Expected)
}

// AudienceOf lists the officials an audience selects, in configuration
// order: the holders of any of its roles in any of its units (an empty
// list does not restrict), plus the officials it names. An audience with
// no list at all selects everyone.
func (c *Config) AudienceOf(a Audience) []Official {
	inUnits := func(o Official) bool {
		if len(a.Units) == 0 {
			return true
		}
		u, _ := c.Unit(o.Unit)
		for _, want := range a.Units {
			if tag, ok := strings.CutPrefix(want, "@"); ok && slices.Contains(u.Tags, tag) || want == o.Unit {
				return true
			}
		}
		return false
	}
	var out []Official
	for _, o := range c.People().Officials {
		named := slices.Contains(a.Officials, o.ID)
		selected := (len(a.Roles) > 0 || len(a.Units) > 0 || len(a.Officials) == 0) &&
			(len(a.Roles) == 0 || o.HasRole(a.Roles...)) && inUnits(o)
		if named || selected {
			out = append(out, o)
		}
	}
	return out
}

// validateGroupRefs checks the work groups named by other sections
// (roster.group, weather.groups).
func (c *Config) validateGroupRefs(e *errs) {
	if g := c.Roster.Group; g != "" {
		if _, ok := c.Group(g); !ok {
			e.add("roster.group", "group %q is not defined in groups", g)
		}
	}
	seen := map[string]bool{}
	for i, g := range c.Weather.Groups {
		p := fmt.Sprintf("weather.groups[%d]", i)
		if _, ok := c.Group(g); !ok {
			e.add(p, "group %q is not defined in groups", g)
		} else if seen[g] {
			e.add(p, "group %q is listed twice", g)
		}
		seen[g] = true
	}
}

func (c *Config) validateGroups(e *errs) {
	taken := func(id string) (string, bool) {
		if _, ok := c.Unit(id); ok {
			return "a unit", true
		}
		if _, ok := c.Official(id); ok {
			return "an official", true
		}
		return "", false
	}
	ids := map[string]int{}
	chats := map[int64]int{}
	for i, g := range c.Groups {
		p := fmt.Sprintf("groups[%d]", i)
		if checkID(e, p+".id", g.ID) {
			if j, dup := ids[g.ID]; dup {
				e.add(p+".id", "%q duplicates groups[%d]", g.ID, j)
			} else {
				ids[g.ID] = i
			}
			if what, ok := taken(g.ID); ok {
				e.add(p+".id", "%q is already the id of %s; give the group an id of its own (e.g. g-%s), as alerts name groups, units and officials alike", g.ID, what, g.ID)
			}
		}
		if strings.TrimSpace(g.Name) == "" {
			e.add(p+".name", "%q is empty; give the group's name (e.g. 防汛群)", g.Name)
		}
		switch {
		case g.ChatID > 0:
			e.add(p+".chat_id", "%d is positive; a group's chat id is negative (e.g. -1001234567890), or leave it out and send /bindgroup %s in the group", g.ChatID, g.ID)
		case g.ChatID < 0:
			if j, dup := chats[g.ChatID]; dup {
				e.add(p+".chat_id", "%d duplicates groups[%d].chat_id; one chat is one group", g.ChatID, j)
			} else {
				chats[g.ChatID] = i
			}
		}
		a := g.Expected
		if len(a.Units) == 0 && len(a.Roles) == 0 && len(a.Officials) == 0 {
			e.add(p, "nobody is expected to answer in the group; name units, roles or officials")
			continue
		}
		bad := false
		for j, u := range a.Units {
			up := fmt.Sprintf("%s.units[%d]", p, j)
			if tag, ok := strings.CutPrefix(u, "@"); ok {
				if !c.hasTag(tag) {
					e.add(up, "no unit has tag %q", tag)
					bad = true
				}
			} else if _, ok := c.Unit(u); !ok {
				e.add(up, "unit %q is not defined", u)
				bad = true
			}
		}
		for j, r := range a.Roles {
			if !slices.Contains(Roles, r) {
				e.add(fmt.Sprintf("%s.roles[%d]", p, j), "%q is not one of %s", r, strings.Join(Roles, ", "))
				bad = true
			}
		}
		for j, o := range a.Officials {
			if _, ok := c.Official(o); !ok {
				e.add(fmt.Sprintf("%s.officials[%d]", p, j), "official %q is not defined", o)
				bad = true
			}
		}
		if !bad && len(c.AudienceOf(a)) == 0 {
			e.add(p, "its units, roles and officials select no official; nobody could answer in the group")
		}
	}
}

// GroupName is a group's name for display, its id if unknown.
func (c *Config) GroupName(id string) string {
	if g, ok := c.Group(id); ok {
		return g.Name
	}
	return id
}
