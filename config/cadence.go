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
	KindAgenda    = "agenda"
	KindReminder  = "reminder"
	KindCountdown = "countdown"
	KindBrief     = "brief"
	KindDigest    = "digest"
	// KindQuota reminds each official of the monthly quotas counted from
	// records (item 19) they are still behind on.
	KindQuota = "quota"
)

// DefaultCadence is the duty rhythm (日周月) told with the least noise: one
// agenda a working day to each official with their own items of the day
// (what starts, what falls due, deadlines 7, 3 and 1 days ahead), the
// 每日了解掌握 morning brief for leaders and principals, the Monday digest
// of last week for principals, and near the month's end a note to those
// behind on item 19's quotas. Titles come from the locale files.
func DefaultCadence() []CadenceRule {
	return []CadenceRule{
		{Name: "agenda", Cron: "30 8 * * *", Calendar: "workdays", Kind: KindAgenda, Days: []int{7, 3, 1}, Need: NeedReport},
		{Name: "morning-brief", Cron: "0 8 * * *", Calendar: "workdays", Kind: KindBrief,
			Audience: Audience{Roles: []string{RoleLeader, RolePrincipal}}},
		{Name: "weekly-digest", Cron: "0 9 * * 1", Calendar: "workdays", Kind: KindDigest,
			Audience: Audience{Roles: []string{RolePrincipal}}},
		// Item 19's monthly quotas, counted from the records, to those still
		// behind two and one working days before the month's last.
		{Name: "quota-behind", Cron: "0 9 * * *", Calendar: "workdays_before_month_end", Kind: KindQuota},
	}
}

var calendars = []string{"every_day", "workdays", "first_workday_of_month", "last_workday_of_month",
	"first_workday_of_quarter", "last_workday_of_quarter", "workdays_before_month_end"}

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
		case KindAgenda, KindBrief, KindDigest, KindQuota:
		default:
			e.add(p+".kind", "%q is not agenda, reminder, countdown, brief or digest", r.Kind)
		}
		for k, d := range r.Days {
			if d < 1 || d > 366 {
				e.add(fmt.Sprintf("%s.days[%d]", p, k), "%d is not a number of days from 1 to 366", d)
			}
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
