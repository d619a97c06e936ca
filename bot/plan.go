package bot

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dutybot/catalogue"
	"dutybot/tasks"
)

// onPlan shows the duty plan as the town runs it this year (/plan): how
// many points recur, are set up once, are raised by events (and the
// records that stand for them), are ongoing, or were one-offs of another
// year, and which points are the caller's; /plan 14 shows one task's
// points with their rhythm and who owes them.
func (b *Bot) onPlan(c caller, args string) {
	now := b.Engine.Now()
	ov, err := b.Tasks.Overview(now)
	if err != nil {
		b.Log.Error("plan overview", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	if args = strings.TrimSpace(args); args != "" {
		no, err := strconv.Atoi(strings.TrimSuffix(args, "."))
		if t, ok := b.Plan.Task(no); err == nil && ok {
			b.reply(c, b.planTask(c, ov, t))
			return
		}
		b.reply(c, b.t(c, "PlanUnknownTask", map[string]any{"Task": cutText(args, maxEchoUnits)}))
		return
	}
	var sb strings.Builder
	sb.WriteString(b.t(c, "PlanHeader", map[string]any{"PlanYear": ov.PlanYear, "Source": ov.Source}))
	sb.WriteString("\n" + b.t(c, "PlanThisYear", map[string]any{"Year": ov.Year}))
	recurring := 0
	for _, p := range ov.Points {
		if p.Asked && p.Kind != catalogue.Deadline && p.Kind != catalogue.Setup {
			recurring++
		}
	}
	sb.WriteString("\n" + b.t(c, "PlanRecurring", map[string]any{"Count": recurring}))
	if n := ov.Count(catalogue.Deadline); n > 0 {
		if dropped := len(ov.Dropped()); dropped > 0 {
			sb.WriteString("\n" + b.t(c, "PlanOneOffsDropped", map[string]any{"Count": dropped, "PlanYear": ov.PlanYear}))
		} else {
			sb.WriteString("\n" + b.t(c, "PlanOneOffs", map[string]any{"Count": n}))
		}
	}
	if n := ov.Count(catalogue.Setup); n > 0 {
		sb.WriteString("\n" + b.t(c, "PlanSetup", map[string]any{"Count": n}))
	}
	if n := ov.Count(catalogue.Event); n > 0 {
		sb.WriteString("\n" + b.t(c, "PlanEvents", map[string]any{"Count": n}))
		for _, p := range ov.Points {
			if p.Evidence != "" && p.Records >= 0 {
				sb.WriteString("\n" + b.t(c, "PlanEvidence_"+p.Evidence, map[string]any{
					"Point": catalogue.ID(p.Task, p.Point), "Count": p.Records, "Year": ov.Year}))
			}
		}
	}
	if n := ov.Count(catalogue.Ongoing); n > 0 {
		if r := b.Config.Tasks.Ongoing; r != "" {
			sb.WriteString("\n" + b.t(c, "PlanOngoingAsked", map[string]any{"Count": n, "Rhythm": b.t(c, "PlanKind_"+r, nil)}))
		} else {
			sb.WriteString("\n" + b.t(c, "PlanOngoing", map[string]any{"Count": n}))
		}
	}
	var mine []string
	for _, p := range ov.Points {
		if p.Asked && slices.Contains(p.Owers, c.official.ID) {
			mine = append(mine, catalogue.ID(p.Task, p.Point))
		}
	}
	if len(mine) > 0 {
		sb.WriteString("\n\n" + b.t(c, "PlanMine", map[string]any{"Points": strings.Join(mine, "、")}))
	}
	sb.WriteString("\n\n" + b.t(c, "PlanHint", nil))
	b.reply(c, sb.String())
}

// planTask lists one task's points: text, rhythm, who owes them.
func (b *Bot) planTask(c caller, ov tasks.Overview, t *catalogue.Task) string {
	var sb strings.Builder
	sb.WriteString(b.t(c, "PlanTaskHeader", map[string]any{"Task": t.No, "Text": t.Short(80)}))
	for _, pv := range ov.Points {
		if pv.Task != t.No {
			continue
		}
		p := t.Points[pv.Point-1]
		sb.WriteString(fmt.Sprintf("\n\n• %s %s\n  %s · %s", catalogue.ID(t.No, p.No), p.Text, b.rhythm(c, ov, p), b.owners(c, pv, p)))
		if pv.Evidence != "" && pv.Records >= 0 {
			sb.WriteString("\n  " + b.t(c, "PlanEvidence_"+pv.Evidence, map[string]any{
				"Point": catalogue.ID(pv.Task, pv.Point), "Count": pv.Records, "Year": ov.Year}))
		}
		if len(pv.Gaps) > 0 && pv.Asked {
			var gaps []string
			for _, g := range pv.Gaps {
				id := "PlanGapNobody"
				if g.Role != "" {
					id = "PlanGapRole_" + g.Role
				}
				gaps = append(gaps, b.t(c, id, map[string]any{"Unit": b.Config.UnitName(g.Unit)}))
			}
			sb.WriteString("\n  " + b.t(c, "PlanGaps", map[string]any{"Gaps": strings.Join(gaps, "、")}))
		}
	}
	return sb.String()
}

// rhythm words when a point falls due.
func (b *Bot) rhythm(c caller, ov tasks.Overview, p catalogue.Point) string {
	tm := p.Timing
	data := map[string]any{"Count": tm.Count, "What": tm.What, "Month": tm.Month, "Day": tm.Day, "PlanYear": ov.PlanYear}
	if tm.Period != "" {
		data["Period"] = b.t(c, "PlanPeriod_"+tm.Period, nil)
	}
	if tm.On != "" {
		data["On"] = b.t(c, "PlanOn_"+tm.On, nil)
	}
	id := "PlanKind_" + tm.Kind
	switch {
	case tm.Kind == catalogue.Yearly && tm.Month != 0:
		id = "PlanKind_yearly_by"
	case tm.Kind == catalogue.Deadline && ov.PlanYear != ov.Year:
		id = "PlanKind_deadline_dropped"
	case tm.Kind == catalogue.Ongoing && b.Config.Tasks.Ongoing != "":
		id, data["Rhythm"] = "PlanKind_ongoing_asked", b.t(c, "PlanKind_"+b.Config.Tasks.Ongoing, nil)
	}
	return b.t(c, id, data)
}

// owners words who owes a point: each unit, each person, or the town.
func (b *Bot) owners(c caller, pv tasks.PointView, p catalogue.Point) string {
	var names []string
	more := "AndMore"
	if pv.Owner == catalogue.OwnerUnit {
		more = "AndMoreUnits"
		for _, u := range p.Resolved {
			names = append(names, b.Config.UnitName(u))
		}
	} else {
		for _, o := range pv.Owers {
			names = append(names, b.Config.OfficialName(o))
		}
	}
	if len(names) > 12 {
		names = append(names[:12], b.t(c, more, map[string]any{"Count": len(names) - 12}))
	}
	return b.t(c, "PlanOwner_"+pv.Owner, map[string]any{"Names": strings.Join(names, "、")})
}
