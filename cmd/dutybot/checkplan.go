package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/duty"
)

// planReport loads the configuration's task plan and words, for
// check-config, how it runs in the year of now: its plan year and the
// one-off deadlines another year drops, the units it names that the
// configuration lacks, and the parts nobody owes.
func planReport(cfg *config.Config, now time.Time) ([]string, error) {
	plan, err := catalogue.Load(cfg.Tasks.Catalogue, cfg)
	if err != nil {
		return nil, fmt.Errorf("tasks.catalogue: %w", err)
	}
	src := "built-in"
	if cfg.Tasks.Catalogue != "" {
		src = cfg.Tasks.Catalogue
	}
	year := now.In(cfg.Location).Year()
	lines := []string{fmt.Sprintf("plan: %s (%s), plan year %d", plan.Source, src, plan.Year)}
	if dropped := plan.DroppedIn(year); len(dropped) > 0 {
		lines = append(lines, fmt.Sprintf("plan: in %d its %d dated one-off deadlines of %d do not apply (%s); load this year's plan with tasks.catalogue",
			year, len(dropped), plan.Year, strings.Join(dropped, ", ")))
	}
	if n := len(plan.Warnings); n > 0 {
		lines = append(lines, fmt.Sprintf("plan: %d parts name units this configuration lacks and are skipped, e.g. %s", n, plan.Warnings[0]))
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
	return lines, nil
}
