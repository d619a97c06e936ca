package bot

import (
	"fmt"
	"strings"
	"time"

	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/tasks"
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
	listed := 0
	for _, cp := range comps {
		if cp.Due == 0 {
			continue
		}
		listed++
		u, _ := b.Config.Unit(cp.Unit)
		sb.WriteString("\n" + b.t(c, "UnitsLine", map[string]any{"Unit": u.Name, "Done": cp.Done, "Due": cp.Due,
			"Rate": 100 * cp.Done / cp.Due, "Overdue": cp.Overdue}))
	}
	if listed == 0 {
		sb.WriteString("\n" + b.t(c, "UnitsNothing", nil))
	}
	sb.WriteString("\n\n" + b.t(c, "UnitsHint", nil))
	b.reply(c, sb.String())
}

// onUnitTasks lists one unit's overdue, today's and this week's open items.
func (b *Bot) onUnitTasks(c caller, name string, now time.Time) {
	var unit config.Unit
	found := false
	for _, u := range b.Config.Units {
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
	loc := b.Config.Location
	var sb strings.Builder
	sb.WriteString(b.t(c, "UnitTasksHeader", map[string]any{"Unit": unit.Name}))
	sb.WriteString("\n" + b.t(c, "TasksCounts", map[string]any{"Overdue": len(g.Overdue), "Today": len(g.Today),
		"Week": len(g.Week), "Month": len(g.Month), "Later": len(g.Later)}))
	for _, s := range []section{{"TasksOverdue", g.Overdue}, {"TasksToday", g.Today}, {"TasksWeek", g.Week}} {
		if len(s.list) == 0 {
			continue
		}
		sb.WriteString("\n\n" + b.t(c, s.id, nil))
		for i, st := range s.list {
			if i == 15 {
				sb.WriteString("\n" + b.t(c, "AndMore", map[string]any{"Count": len(s.list) - 15}))
				break
			}
			sb.WriteString(fmt.Sprintf("\n• %s %s · %s%s", catalogue.ID(st.Task, st.Point), b.Plan.PointText(st.Task, st.Point, 30),
				st.Due.In(loc).Format("01-02"), quota(st)))
		}
	}
	b.reply(c, sb.String())
}

func quota(st tasks.Status) string {
	if st.Quota == 0 {
		return ""
	}
	return fmt.Sprintf(" %s %d/%d", st.What, st.Progress, st.Quota)
}
