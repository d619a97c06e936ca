package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Needs of a cadence rule.
const (
	NeedReport = "report"
	NeedAck    = "ack"
)

// Kinds of cadence rule.
const (
	KindReminder  = "reminder"
	KindCountdown = "countdown"
	KindBrief     = "brief"
	KindDigest    = "digest"
)

// DefaultCadence reproduces the seed's rhythm (日周月): inspection on every
// workday, the 分管领导's daily grasp and Monday dispatch, monthly
// inspection and study, quarterly meetings, half-year reports, and the
// yearly study, drills and plan revision.
func DefaultCadence() []CadenceRule {
	workdays := func(name, title, cron, cal string, roles []string, tasks ...string) CadenceRule {
		return CadenceRule{Name: name, Title: title, Cron: cron, Calendar: cal, Audience: Audience{Roles: roles},
			Tasks: tasks, Need: NeedReport}
	}
	return []CadenceRule{
		workdays("inspection", "工作日检查执法", "30 8 * * *", "workdays", []string{RoleStaff}, "14.2"),
		workdays("daily-grasp", "每日了解掌握", "30 8 * * *", "workdays", []string{RoleLeader}, "8.2"),
		workdays("weekly-dispatch", "每周协调调度", "0 9 * * 1", "workdays", []string{RoleLeader}, "8.3"),
		workdays("monthly-principal", "每月调研检查与专题研究", "0 9 * * *", "first_workday_of_month", []string{RolePrincipal}, "8.1", "6.3"),
		workdays("monthly-leaders", "每月检查督查与挂牌企业", "0 9 * * *", "first_workday_of_month", []string{RoleLeader}, "8.4", "19.2", "19.3", "19.4"),
		workdays("quarterly", "每季度专题研究、调研与会议", "0 9 * * *", "first_workday_of_quarter", []string{RolePrincipal}, "3.1", "3.2", "6.4"),
		workdays("half-year", "每半年听取履职汇报", "0 9 * 6,12 *", "first_workday_of_month", []string{RolePrincipal, RoleLeader}, "3.3", "6.2", "19.5"),
		workdays("yearly", "年度学习、演练与预案修编", "0 9 * 3,9 *", "first_workday_of_month", []string{RoleUnitHead}, "2.2", "27.1", "27.2", "33.1"),
		{Name: "countdown", Title: "截止倒计时", Cron: "0 9 * * *", Calendar: "workdays", Kind: KindCountdown,
			Days: []int{7, 3, 1}, Audience: Audience{Roles: []string{RoleUnitHead, RoleStaff}}, Need: NeedReport},
		{Name: "morning-brief", Title: "每日了解掌握", Cron: "0 8 * * *", Calendar: "workdays", Kind: KindBrief,
			Audience: Audience{Roles: []string{RoleLeader, RolePrincipal}}},
		{Name: "weekly-digest", Title: "上周任务完成情况", Cron: "0 9 * * 1", Calendar: "workdays", Kind: KindDigest,
			Audience: Audience{Roles: []string{RolePrincipal}}},
	}
}

var calendars = []string{"every_day", "workdays", "first_workday_of_month", "last_workday_of_month",
	"first_workday_of_quarter", "last_workday_of_quarter"}

func (c *Config) validateCadence(e *errs) {
	if c.Cadence.Grace <= 0 {
		e.add("cadence.grace", "%s must be positive", time.Duration(c.Cadence.Grace))
	}
	seen := map[string]int{}
	for i, r := range c.Cadence.Rules {
		p := fmt.Sprintf("cadence.rules[%d]", i)
		if checkID(e, p+".name", r.Name) {
			if j, dup := seen[r.Name]; dup {
				e.add(p+".name", "%q is also cadence.rules[%d]", r.Name, j)
			}
			seen[r.Name] = i
		}
		if strings.TrimSpace(r.Cron) == "" {
			e.add(p+".cron", `"" is empty; give a cron spec such as "30 8 * * *"`)
		}
		if r.Calendar != "" && !slices.Contains(calendars, r.Calendar) {
			e.add(p+".calendar", "%q is not one of %s", r.Calendar, strings.Join(calendars, ", "))
		}
		if r.Need != "" && r.Need != NeedReport && r.Need != NeedAck {
			e.add(p+".need", "%q is not report or ack", r.Need)
		}
		switch r.Kind {
		case "", KindReminder:
			if len(r.Tasks) == 0 {
				e.add(p+".tasks", "a rule must name the points it reminds of")
			}
		case KindCountdown:
			if len(r.Days) == 0 {
				e.add(p+".days", "a countdown needs the days before a deadline, e.g. [7, 3, 1]")
			}
			for k, d := range r.Days {
				if d < 1 || d > 366 {
					e.add(fmt.Sprintf("%s.days[%d]", p, k), "%d is not a number of days from 1 to 366", d)
				}
			}
		case KindBrief, KindDigest:
		default:
			e.add(p+".kind", "%q is not reminder, countdown, brief or digest", r.Kind)
		}
		for k, t := range r.Tasks {
			if !validPointRef(t) {
				e.add(fmt.Sprintf("%s.tasks[%d]", p, k), "%q is not a task (14) or point (14.2)", t)
			}
		}
		for k, role := range r.Audience.Roles {
			if !slices.Contains(Roles, role) {
				e.add(fmt.Sprintf("%s.audience.roles[%d]", p, k), "%q is not one of %s", role, strings.Join(Roles, ", "))
			}
		}
		for k, u := range r.Audience.Units {
			if strings.HasPrefix(u, "@") {
				continue
			}
			if _, ok := c.Unit(u); !ok {
				e.add(fmt.Sprintf("%s.audience.units[%d]", p, k), "unit %q is not defined", u)
			}
		}
		for k, o := range r.Audience.Officials {
			if _, ok := c.Official(o); !ok {
				e.add(fmt.Sprintf("%s.audience.officials[%d]", p, k), "official %q is not defined", o)
			}
		}
	}
}

func validPointRef(s string) bool {
	t, p, found := strings.Cut(s, ".")
	if n, err := strconv.Atoi(t); err != nil || n <= 0 {
		return false
	}
	if found {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 {
			return false
		}
	}
	return true
}
