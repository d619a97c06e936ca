package noise

// Everything this file knows is particular to the duty plan as the app
// implements it today: how its items are listed, who reports them, and how
// an item is named in buttons and alert links. A redesign of the plan swaps
// this file and leaves the simulation and the counting alone.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/config"
)

// item is one thing a unit must report by a due time.
type item struct {
	id    string
	unit  string
	start time.Time // it may be reported from then on
	due   time.Time
	count int      // what one report counts for (quotas report their whole quota at once)
	roles []string // who must act, when the plan names it
}

// planItems lists the items due in [from, to): the duty instances of the
// task service's generator.
func planItems(a *app.App, from, to time.Time) []item {
	var out []item
	for _, in := range a.Tasks.Generator().Between(from, to) {
		out = append(out, item{id: in.ID(), unit: in.Unit, start: in.Start, due: in.Due,
			count: max(in.Quota, 1), roles: in.Roles})
	}
	return out
}

// reporters lists who may report an item, best placed first: those the
// item names (its unit's 分管领导 for a point of 分管负责人, the principals
// for one of 主要负责人), else the unit's members, else its head, its
// 分管领导 and the admins.
func reporters(a *app.App, it item) []string {
	cfg := a.Config
	u, _ := cfg.Unit(it.unit)
	var named, members, others []string
	for _, o := range cfg.Officials {
		if !a.Tasks.CanReport(o.ID, it.unit) {
			continue
		}
		switch {
		case slices.Contains(it.roles, config.RoleLeader) && o.ID == u.Leader,
			slices.Contains(it.roles, config.RolePrincipal) && o.HasRole(config.RolePrincipal):
			named = append(named, o.ID)
		case o.Unit == it.unit:
			members = append(members, o.ID)
		case o.ID == u.Head, o.ID == u.Leader, o.HasRole(config.RoleAdmin):
			others = append(others, o.ID)
		}
	}
	switch {
	case len(named) > 0:
		return named
	case len(members) > 0:
		return members
	}
	return others
}

// report records an item as done by an official.
func report(a *app.App, official string, it item) error {
	if _, err := a.Tasks.Report(official, it.id, it.count, "", ""); err != nil {
		return fmt.Errorf("%s reports %s: %w", official, it.id, err)
	}
	return nil
}

// taskAlertKind is the kind of the 叫应 alerts raised for overdue items;
// taskLink prefixes the item ids such an alert links.
const (
	taskAlertKind = "task"
	taskLink      = "task:"
)

// buttonItem returns the item a reporting button names: "td:<page>:<id>"
// (report done) or "tq:<page>:<id>" (add to a quota).
func buttonItem(data string) (string, bool) {
	rest, ok := strings.CutPrefix(data, "td:")
	if !ok {
		if rest, ok = strings.CutPrefix(data, "tq:"); !ok {
			return "", false
		}
	}
	page, id, ok := strings.Cut(rest, ":")
	if _, err := strconv.Atoi(page); !ok || err != nil {
		return "", false
	}
	return id, id != ""
}

// parseItem splits an item id "<task>.<point>/<unit>/<period>" into the
// duty it belongs to ("<task>.<point> <period>", the same for every unit)
// and its unit.
func parseItem(id string) (duty, unit string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0] + " " + parts[2], parts[1], true
}
