package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/duty"
)

// checkConfigFlags parses check-config's flags: the configuration file,
// and -strict.
func checkConfigFlags(args []string, stderr io.Writer) (path string, strict, ok bool) {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	p := fs.String("config", "config.yaml", "configuration file")
	st := fs.Bool("strict", false, "exit 1 when the plan names any unit the configuration lacks")
	if err := fs.Parse(args); err != nil {
		return "", false, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dutybot check-config: unexpected argument %q\n", fs.Arg(0))
		return "", false, false
	}
	return *p, *st, true
}

// planCheck is what check-config tells of the task plan.
type planCheck struct {
	lines     []string              // how the plan runs this year
	unmatched []catalogue.Unmatched // plan units the configuration lacks
	orphans   []string              // points left with no unit at all
	points    int                   // points of the plan
	units     []catalogue.PlanUnit  // the plan's units, for the operator to compare
}

// status is check-config's first line: OK when the plan's units all fit
// the configuration; otherwise the configuration is valid but the line
// says how much of the plan is lost, and points to the WARNING.
func (c *planCheck) status(path string, cfg *config.Config) string {
	counts := fmt.Sprintf("(%d units, %d officials, %d escalation policies)", len(cfg.People().Units), len(cfg.People().Officials), len(cfg.Escalation.Policies))
	if len(c.unmatched) == 0 {
		return fmt.Sprintf("%s: OK %s", path, counts)
	}
	lost := fmt.Sprintf("%s of the plan's %d lose a responsible unit", plural(len(c.touched()), "point"), c.points)
	if n := len(c.orphans); n > 0 {
		lost += fmt.Sprintf(", %d of them would be asked of nobody", n)
	}
	missing := plural(len(c.unmatched), "plan unit")
	if len(c.unmatched) > 1 {
		missing += " are"
	} else {
		missing += " is"
	}
	return fmt.Sprintf("%s: valid %s, but the plan does not fit: %s missing, %s (see WARNING)",
		path, counts, missing, lost)
}

// touched is the set of points that lose at least one unit.
func (c *planCheck) touched() map[string]bool {
	out := map[string]bool{}
	for _, u := range c.unmatched {
		for _, p := range u.Points {
			out[p] = true
		}
	}
	return out
}

// exitCode is 0, or 1 when strict and the plan names a unit the
// configuration lacks. Without -strict a mismatch only warns: a town may
// leave a department out on purpose, or run dutybot for 叫应 alone.
func (c *planCheck) exitCode(strict bool) int {
	if strict && len(c.unmatched) > 0 {
		return 1
	}
	return 0
}

// warning words the plan units the configuration lacks, each with the
// points it is responsible for, and how to fix it; "" when none.
func (c *planCheck) warning(strict bool) string {
	if len(c.unmatched) == 0 {
		return ""
	}
	var b strings.Builder
	units, groups := 0, 0
	for _, u := range c.unmatched {
		if catalogue.IsGroup(u.ID) {
			groups++
		} else {
			units++
		}
	}
	var what []string
	if units > 0 {
		what = append(what, plural(units, "unit"))
	}
	if groups > 0 {
		what = append(what, plural(groups, "group"))
	}
	whose := "their"
	if len(c.unmatched) == 1 {
		whose = "its"
	}
	fmt.Fprintf(&b, "WARNING: the plan names %s this configuration does not define; %s share of %s of %d is skipped:\n",
		strings.Join(what, " and "), whose, plural(len(c.touched()), "point"), c.points)
	for _, u := range c.unmatched {
		name := ""
		if u.Name != "" {
			name = " (" + u.Name + ")"
		}
		if tag, ok := strings.CutPrefix(u.ID, "@"); ok {
			fmt.Fprintf(&b, "  plan group %s%s is responsible for %s (%s); no unit in units has the tag %s\n",
				u.ID, name, plural(len(u.Points), "point"), shortList(u.Points, 12), tag)
			continue
		}
		fmt.Fprintf(&b, "  plan unit %s%s is responsible for %s (%s); no unit with id %s in units\n",
			u.ID, name, plural(len(u.Points), "point"), shortList(u.Points, 12), u.ID)
	}
	if n := len(c.orphans); n > 0 {
		fmt.Fprintf(&b, "  %d of the plan's %d points have no unit left and would be asked of nobody: %s\n",
			n, c.points, shortList(c.orphans, 20))
	}
	b.WriteString("  Unit ids in units must be the plan's ids, and its groups your units' tags (the plan's units are\n" +
		"  listed above, and in catalogue/plan.yaml or your tasks.catalogue file): rename those units.\n")
	if strict {
		b.WriteString("  -strict: check-config fails.")
	} else {
		b.WriteString("  If a unit is left out on purpose, its share stays skipped; -strict makes check-config fail on this.")
	}
	return b.String()
}

// unitsLine lists the plan's units, the ids a configuration's units must
// use, and whether the configuration has each.
func (c *planCheck) unitsLine() string {
	missing := map[string]bool{}
	for _, u := range c.unmatched {
		missing[u.ID] = true
	}
	var ids, groups []string
	for _, u := range c.units {
		s := u.ID
		if u.Name != "" {
			s += " " + u.Name
		}
		if missing[u.ID] {
			s += " (missing)"
		}
		if catalogue.IsGroup(u.ID) {
			groups = append(groups, s)
		} else {
			ids = append(ids, s)
		}
	}
	line := "plan: its units (your units' ids): " + strings.Join(ids, ", ")
	if len(groups) > 0 {
		line += "; groups (your units' tags): " + strings.Join(groups, ", ")
	}
	return line
}

// shortList joins ids, cut after n with the count of the rest.
func shortList(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(" and %d more", len(ids)-n)
}

// planUnits is the plan's own list of its units, or, for a plan without
// one, the ids and groups its tasks name, unnamed, in order.
func planUnits(plan *catalogue.Plan) []catalogue.PlanUnit {
	if len(plan.Units) > 0 {
		return plan.Units
	}
	var out []catalogue.PlanUnit
	seen := map[string]bool{}
	for _, t := range plan.Tasks() {
		refs := slices.Clone(t.Units)
		for _, pt := range t.Points {
			refs = append(refs, pt.Units...)
		}
		for _, r := range refs {
			if !seen[r] {
				seen[r] = true
				out = append(out, catalogue.PlanUnit{ID: r})
			}
		}
	}
	return out
}

// planReport loads the configuration's task plan and words, for
// check-config, how it runs in the year of now: its plan year and the
// one-off deadlines another year drops, its units and those the
// configuration lacks, and the parts nobody owes.
func planReport(cfg *config.Config, now time.Time) (*planCheck, error) {
	plan, err := catalogue.Load(cfg.Tasks.Catalogue, cfg)
	if err != nil {
		return nil, fmt.Errorf("tasks.catalogue: %w", err)
	}
	src := "built-in"
	if cfg.Tasks.Catalogue != "" {
		src = cfg.Tasks.Catalogue
	}
	year := now.In(cfg.Location).Year()
	c := &planCheck{unmatched: plan.Unmatched(), orphans: plan.Orphans(), points: plan.PointCount(),
		units: planUnits(plan)}
	lines := []string{fmt.Sprintf("plan: %s (%s), plan year %d", plan.Source, src, plan.Year)}
	lines = append(lines, c.unitsLine())
	if dropped := plan.DroppedIn(year); len(dropped) > 0 {
		lines = append(lines, fmt.Sprintf("plan: in %d its %d dated one-off deadlines of %d do not apply (%s); load this year's plan with tasks.catalogue",
			year, len(dropped), plan.Year, strings.Join(dropped, ", ")))
	}
	// Parts nobody owes: units with nobody at all, then roles nobody holds.
	var empty []string             // units with neither staff nor head
	roles := map[string][]string{} // "14.4 unit_head" → units
	var order []string
	for _, pg := range duty.PlanGaps(cfg, plan, year, cfg.Tasks.Ongoing) {
		name := cfg.UnitName(pg.Unit)
		if pg.Role == "" {
			if !slices.Contains(empty, name) {
				empty = append(empty, name)
			}
			continue
		}
		key := pg.Point + " " + pg.Role
		if _, ok := roles[key]; !ok {
			order = append(order, key)
		}
		roles[key] = append(roles[key], name)
	}
	if len(empty) > 0 {
		lines = append(lines, fmt.Sprintf("plan: %d units have nobody to owe their items (give them staff or a head): %s",
			len(empty), strings.Join(empty, ", ")))
	}
	if len(order) > 0 {
		var parts []string
		for _, key := range order {
			parts = append(parts, key+" in "+strings.Join(roles[key], ", "))
		}
		lines = append(lines, "plan: roles nobody holds: "+strings.Join(parts, "; "))
	}
	c.lines = lines
	return c, nil
}
