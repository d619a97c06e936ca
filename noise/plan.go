package noise

// Everything this file knows is particular to the duty plan as the app
// implements it today: how its items are listed, who reports them, and how
// an item is named in buttons and alert links. A redesign of the plan swaps
// this file and leaves the simulation and the counting alone.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/catalogue"
)

// item is one thing someone owes by a due time.
type item struct {
	id     string
	holder string    // who it is for: a unit id, "~" and an official id, "*" for the town
	unit   string    // the unit it counts for: its unit, a person's own unit, "*" for the town
	start  time.Time // it may be reported from then on
	due    time.Time
	count  int      // what one report counts for (quotas report their whole quota at once)
	owers  []string // who owes it: a person, a unit's staff (else head), the town's role holders
	// counted names what counts it from records (catalogue.Point.Counted:
	// inspections, hazards, problems, coverage); "" for one reported.
	counted string
}

// planItems lists the items due in [from, to): the duty instances of the
// task service's generator.
func planItems(a *app.App, from, to time.Time) []item {
	var out []item
	for _, in := range a.Tasks.Generator().Between(from, to) {
		unit := in.Unit
		switch {
		case in.Owner == catalogue.OwnerTown:
			unit = "*"
		case unit == "":
			o, _ := a.Config.Official(in.Official)
			unit = o.Unit
		}
		out = append(out, item{id: in.ID(), holder: in.Key(), unit: unit, start: in.Start, due: in.Due,
			count: max(in.Quota, 1), owers: in.Owers, counted: a.Tasks.Counted(in)})
	}
	return out
}

// reporters lists who reports an item: those who owe it.
func reporters(a *app.App, it item) []string {
	in, ok := a.Tasks.Generator().Instance(it.id)
	if !ok {
		return nil
	}
	var out []string
	for _, o := range it.owers {
		if a.Tasks.CanReport(o, in) {
			out = append(out, o)
		}
	}
	return out
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

// parseItem splits an item id "<task>.<point>/<holder>/<period>" into the
// duty it belongs to ("<task>.<point> <period>", the same for every
// holder) and its holder (a unit id, "~" and an official id, or "*").
func parseItem(id string) (duty, holder string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0] + " " + parts[2], parts[1], true
}
