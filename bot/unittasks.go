package bot

import (
	"strings"
	"time"

	"dutybot/config"
)

// canOversee reports whether an official may see every unit's duty.
func canOversee(o config.Official) bool {
	return o.HasRole(config.RoleLeader, config.RolePrincipal, config.RoleAdmin, config.RoleDutyLeader)
}

// onTasks shows leaders and principals this month's completion per unit
// (/tasks), or one unit's open items (/tasks 应急办 or /tasks yjb).
func (b *Bot) onTasks(c caller, args string) {
	if !canOversee(c.official) {
		b.reply(c, b.t(c, "TasksForbidden", nil))
		return
	}
	now := b.Engine.Now()
	loc := b.Config.Location
	if args = strings.TrimSpace(args); args != "" {
		b.onUnitTasks(c, args, now)
		return
	}
	local := now.In(loc)
	from := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
	to := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	comps, err := b.Tasks.Completions(from, to, now)
	if err != nil {
		b.Log.Error("completions", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	var sb strings.Builder
	sb.WriteString(b.t(c, "UnitsHeader", map[string]any{"Month": local.Format("2006-01"), "Date": local.Format("01-02")}))
	lines := b.Tasks.CompletionLines(b.Catalog, c.lang, comps)
	for _, l := range lines {
		sb.WriteString("\n" + l)
	}
	if len(lines) == 0 {
		sb.WriteString("\n" + b.t(c, "UnitsNothing", nil))
	}
	sb.WriteString("\n\n" + b.t(c, "UnitsHint", nil))
	b.reply(c, sb.String())
}

// onUnitTasks lists one unit's overdue, today's and this week's open items.
func (b *Bot) onUnitTasks(c caller, name string, now time.Time) {
	var unit config.Unit
	found := false
	for _, u := range b.Config.People().Units {
		if u.ID == name || u.Name == name {
			unit, found = u, true
			break
		}
	}
	if !found {
		b.reply(c, b.t(c, "UnitUnknown", map[string]any{"Unit": name}))
		return
	}
	g, err := b.Tasks.ForUnit(unit.ID, now)
	if err != nil {
		b.Log.Error("unit tasks", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	var sb strings.Builder
	sb.WriteString(b.t(c, "UnitTasksHeader", map[string]any{"Unit": unit.Name}))
	sb.WriteString("\n" + b.t(c, "TasksCounts", map[string]any{"Overdue": len(g.Overdue), "Today": len(g.Today),
		"Week": len(g.Week), "Month": len(g.Month), "Soon": len(g.Soon)}))
	for _, s := range sections(g) {
		if len(s.list) == 0 {
			continue
		}
		sb.WriteString("\n\n" + b.t(c, s.id, nil))
		for i, it := range s.list {
			if i == 15 {
				sb.WriteString("\n" + b.t(c, "AndMoreItems", map[string]any{"Count": len(s.list) - 15}))
				break
			}
			sb.WriteString("\n" + b.taskLine(c, it, now))
		}
	}
	b.reply(c, sb.String())
}
