// Package catalogue holds the task plan of the "十五条硬措施": measures, the
// tasks under them, each task's 操作要点 (points) with the timing each point
// implies, who owes each point (a person, a unit or the town), and the
// units responsible. The town's plan is embedded in the binary; a town can
// load its own year's plan from a file without a rebuild.
package catalogue

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"dutybot/config"
)

//go:embed plan.yaml
var embedded []byte

// Timing kinds.
const (
	DailyWorkdays = "daily_workdays"
	Weekly        = "weekly"
	Monthly       = "monthly"
	Quarterly     = "quarterly"
	HalfYearly    = "half_yearly"
	Yearly        = "yearly"
	TimesPerYear  = "times_per_year"
	Deadline      = "deadline" // a dated one-off deadline in the plan year
	Ongoing       = "ongoing"  // 常态化: no rhythm; asked only if the town says so (tasks.ongoing)
	Quota         = "quota"    // a count per period
	Event         = "event"    // raised by something that happens (Timing.On)
	Setup         = "setup"    // once, when the town starts using the plan
)

// Owners of a point: who owes its items.
const (
	// OwnerUnit is one item per unit; any member reports it for the unit.
	OwnerUnit = "unit"
	// OwnerPerson is one item per official holding the point's roles in its
	// units; each reports their own.
	OwnerPerson = "person"
	// OwnerTown is one item for the whole town, owed by the holders of the
	// point's roles (the principal's quarterly meeting).
	OwnerTown = "town"
)

// Owners lists the valid owners.
var Owners = []string{OwnerUnit, OwnerPerson, OwnerTown}

// Happenings that raise event points (Timing.On).
var Happenings = []string{
	"incident",       // an accident (事故)
	"warning",        // a weather warning or emergency notice (预警)
	"special_period", // holidays, important dates, flood season, extreme weather, large events (节点)
	"hazard",         // a hazard found (隐患)
	"violation",      // an illegal operation found (非法违法行为)
	"inspection",     // each inspection (检查执法)
	"staff_change",   // people change (人员变化)
	"emergency",      // an emergency response used supplies (应急处置)
	"large_event",    // a competition, fair or other large event (大型活动)
	"instruction",    // an instruction from above to pass on (重要指示)
}

// Evidences lists the records dutybot keeps that can stand as an event
// point's record (Point.Evidence): 事故直报, 预警叫应 and 节点值班.
var Evidences = []string{"incidents", "warnings", "duty"}

// Counters lists the records dutybot counts a person's point from
// (Point.Counted): item 19's inspections of one's own 挂牌企业, hazards
// supervised to 销号, 难题 solved, and the half year's coverage of one's
// plaques.
var Counters = []string{"inspections", "hazards", "problems", "coverage"}

// Group names in a task's units: every unit carrying the tag.
const (
	GroupYigang  = "@yigang"  // "一岗双责"科室
	GroupVillage = "@village" // 村（社区）
)

// IsGroup reports whether a unit reference of the plan is a group ("@tag").
func IsGroup(ref string) bool { return strings.HasPrefix(ref, "@") }

// Plan is the whole catalogue.
type Plan struct {
	Source string `yaml:"source"`
	// Year is the plan year: its dated deadlines are one-offs of that year.
	// Run in another year, the plan keeps its recurring points only.
	Year int `yaml:"year"`
	// Units lists the 责任单位 the plan names, as the ids a configuration
	// must give its units, with their names in the source; optional (a
	// plan without it names units by id only).
	Units    []PlanUnit `yaml:"units"`
	Measures []Measure  `yaml:"measures"`

	// Warnings lists units the plan names that the configuration does not
	// define (those parts of the plan are skipped), set by Parse.
	Warnings []string `yaml:"-"`

	// unknown holds the unit ids and groups behind Warnings; set by Parse.
	unknown map[string]bool
}

// PlanUnit is a unit the plan names: a unit id, or a group "@tag" meaning
// every configured unit with that tag, and its name in the source.
type PlanUnit struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

// UnitName is the plan's name of a unit id or group; "" when the plan does
// not name it.
func (p *Plan) UnitName(ref string) string {
	for _, u := range p.Units {
		if u.ID == ref {
			return u.Name
		}
	}
	return ""
}

// Unmatched is a unit or group the plan names that the configuration does
// not define: its share of the points naming it is skipped.
type Unmatched struct {
	ID     string   // a unit id ("dzb") or a group ("@village")
	Name   string   // the plan's name for it; "" when the plan has none
	Points []string // the points naming it ("3.1"), in plan order
}

// Unmatched lists the units and groups the plan names that the
// configuration does not define, in the order the plan first names them.
func (p *Plan) Unmatched() []Unmatched {
	var out []Unmatched
	at := map[string]int{}
	for _, t := range p.Tasks() {
		for _, pt := range t.Points {
			refs := t.Units
			if len(pt.Units) > 0 {
				refs = pt.Units
			}
			for _, ref := range refs {
				if !p.unknown[ref] {
					continue
				}
				i, ok := at[ref]
				if !ok {
					i = len(out)
					at[ref] = i
					out = append(out, Unmatched{ID: ref, Name: p.UnitName(ref)})
				}
				if id := ID(t.No, pt.No); !slices.Contains(out[i].Points, id) {
					out[i].Points = append(out[i].Points, id)
				}
			}
		}
	}
	return out
}

// Orphans lists the points left with no responsible unit at all in the
// configuration (every unit naming them is unmatched): nobody is asked for
// them.
func (p *Plan) Orphans() []string {
	var out []string
	for _, t := range p.Tasks() {
		for _, pt := range t.Points {
			if len(pt.Resolved) == 0 {
				out = append(out, ID(t.No, pt.No))
			}
		}
	}
	return out
}

// PointCount is the number of points (操作要点) in the plan.
func (p *Plan) PointCount() int {
	n := 0
	for _, t := range p.Tasks() {
		n += len(t.Points)
	}
	return n
}

// Measure is one of the hard measures.
type Measure struct {
	No    int    `yaml:"no"`
	Title string `yaml:"title"`
	Tasks []Task `yaml:"tasks"`
}

// Task is one 重点任务 with its responsible units.
type Task struct {
	No     int      `yaml:"no"`
	Text   string   `yaml:"text"`
	Units  []string `yaml:"units"` // unit ids and groups as written
	Points []Point  `yaml:"points"`

	// Resolved lists the unit ids responsible, groups expanded; set by Load.
	Resolved []string `yaml:"-"`
	// Measure is the number of the measure the task belongs to.
	Measure int `yaml:"-"`
}

// Point is one 操作要点: what must be done, when, and by whom.
type Point struct {
	No        int    `yaml:"no"`
	Text      string `yaml:"text"`
	SplitFrom int    `yaml:"split_from"`
	Timing    Timing `yaml:"timing"`
	// Owner says who owes the point's items: unit (the default), person or
	// town.
	Owner string `yaml:"owner"`
	// Roles name who owes it: for person and town points the role holders
	// of the point's units (unit_head, leader and staff of those units;
	// principal is the town's 主要负责人); for unit points the members who
	// owe it (default: the unit's staff, else its head).
	Roles []string `yaml:"roles"`
	// Units narrows the task's units for this point (ids or @groups).
	Units []string `yaml:"units"`
	// Evidence names the records that stand as an event point's record
	// (incidents, warnings, duty): the feature that handles the happening
	// keeps them, so nobody ticks it by hand.
	Evidence string `yaml:"evidence"`
	// Counted names the records a person's quota or half-yearly point is
	// counted from (inspections, hazards, problems, coverage): its
	// progress is what those records say, and nobody reports it by hand.
	Counted string `yaml:"counted"`
	Note    string `yaml:"note"`

	// Resolved lists the unit ids of the point, groups expanded; set by Load.
	Resolved []string `yaml:"-"`
}

// OwnedBy returns the point's owner, unit when the plan leaves it out.
func (p *Point) OwnedBy() string {
	if p.Owner == "" {
		return OwnerUnit
	}
	return p.Owner
}

// Recurring reports whether the point has items every year it runs.
func (p *Point) Recurring() bool {
	switch p.Timing.Kind {
	case Deadline, Event, Setup:
		return false
	}
	return true
}

// Timing says when a point falls due.
type Timing struct {
	Kind   string `yaml:"kind"`
	Count  int    `yaml:"count"`  // times_per_year, quota
	Month  int    `yaml:"month"`  // deadline; yearly: the date it is due each year
	Day    int    `yaml:"day"`    // deadline; yearly
	Period string `yaml:"period"` // quota: week, month, quarter, year
	What   string `yaml:"what"`   // quota: what is counted
	On     string `yaml:"on"`     // event: what raises it (Happenings)
}

// ID names a point as "<task>.<point>", e.g. "14.1", for commands and
// button data.
func ID(task, point int) string { return fmt.Sprintf("%d.%d", task, point) }

// Load reads a plan from path, or the embedded plan when path is empty, and
// validates it against the configured units.
func Load(path string, cfg *config.Config) (*Plan, error) {
	data := embedded
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("load task catalogue: %w", err)
		}
	}
	p, err := Parse(data, cfg)
	if err != nil {
		name := path
		if name == "" {
			name = "embedded plan"
		}
		return nil, fmt.Errorf("task catalogue %s: %w", name, err)
	}
	return p, nil
}

// Parse decodes and validates a plan; every problem is reported with its
// place, e.g. `measures[0].tasks[2].points[0].timing.kind: "x" is not one
// of …`. A unit the configuration does not define is not an error (a town
// may leave a department out): it is listed in Plan.Warnings, e.g.
// `measures[0].tasks[2].units[1]: unknown unit "xyz"`, and skipped.
func Parse(data []byte, cfg *config.Config) (*Plan, error) {
	var p Plan
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := p.validate(cfg); err != nil {
		return nil, err
	}
	return &p, nil
}

// Tasks lists every task in order.
func (p *Plan) Tasks() []*Task {
	var out []*Task
	for i := range p.Measures {
		for j := range p.Measures[i].Tasks {
			out = append(out, &p.Measures[i].Tasks[j])
		}
	}
	return out
}

// Task finds a task by number.
func (p *Plan) Task(no int) (*Task, bool) {
	for _, t := range p.Tasks() {
		if t.No == no {
			return t, true
		}
	}
	return nil, false
}

// PointText is a point's text cut to n characters ("…" marks a cut); ""
// for a point the plan does not have.
func (p *Plan) PointText(task, point, n int) string {
	t, ok := p.Task(task)
	if !ok || point < 1 || point > len(t.Points) {
		return ""
	}
	return short(t.Points[point-1].Text, n)
}

// Short is the task's text cut to n characters ("…" marks a cut).
func (t *Task) Short(n int) string { return short(t.Text, n) }

func short(s string, n int) string {
	r := []rune(s)
	if n > 0 && len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Point finds a point by its task and number.
func (p *Plan) Point(task, point int) (*Task, *Point, bool) {
	t, ok := p.Task(task)
	if !ok || point < 1 || point > len(t.Points) {
		return nil, nil, false
	}
	return t, &t.Points[point-1], true
}

// OneOffs lists the ids ("4.1") of the points with a dated deadline: they
// fall due in the plan year only.
func (p *Plan) OneOffs() []string {
	var out []string
	for _, t := range p.Tasks() {
		for _, pt := range t.Points {
			if pt.Timing.Kind == Deadline {
				out = append(out, ID(t.No, pt.No))
			}
		}
	}
	return out
}

// DroppedIn lists the one-offs the plan drops in year: all of them when it
// is not the plan year.
func (p *Plan) DroppedIn(year int) []string {
	if year == p.Year {
		return nil
	}
	return p.OneOffs()
}

// TasksOf lists the tasks a unit is responsible for.
func (p *Plan) TasksOf(unit string) []*Task {
	var out []*Task
	for _, t := range p.Tasks() {
		if slices.Contains(t.Resolved, unit) {
			out = append(out, t)
		}
	}
	return out
}

var validRoles = []string{config.RoleStaff, config.RoleUnitHead, config.RoleLeader, config.RolePrincipal}

func (p *Plan) validate(cfg *config.Config) error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if p.Year < 2000 || p.Year > 2100 {
		bad("year", "%d: give the plan year its dated deadlines fall in, e.g. year: 2026", p.Year)
	}
	if len(p.Measures) == 0 {
		bad("measures", "the plan has no measures")
	}
	seenTask := map[int]string{}
	p.Warnings, p.unknown = nil, map[string]bool{}
	p.validateUnits(bad)
	for i := range p.Measures {
		m := &p.Measures[i]
		mp := fmt.Sprintf("measures[%d]", i)
		if m.No != i+1 {
			bad(mp+".no", "%d, want %d (measures are numbered in order from 1)", m.No, i+1)
		}
		if strings.TrimSpace(m.Title) == "" {
			bad(mp+".title", "must not be empty")
		}
		if len(m.Tasks) == 0 {
			bad(mp+".tasks", "measure %d has no tasks", m.No)
		}
		for j := range m.Tasks {
			t := &m.Tasks[j]
			t.Measure = m.No
			tp := fmt.Sprintf("%s.tasks[%d]", mp, j)
			if t.No <= 0 {
				bad(tp+".no", "%d is not a task number", t.No)
			} else if prev, dup := seenTask[t.No]; dup {
				bad(tp+".no", "task %d is also %s", t.No, prev)
			}
			seenTask[t.No] = tp
			if strings.TrimSpace(t.Text) == "" {
				bad(tp+".text", "must not be empty")
			}
			t.Resolved = nil
			if len(t.Units) == 0 {
				bad(tp+".units", "task %d has no responsible unit", t.No)
			}
			for k, u := range t.Units {
				up := fmt.Sprintf("%s.units[%d]", tp, k)
				ids, err := resolve(u, cfg)
				if err != nil {
					p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %v", up, err))
					p.unknown[u] = true
				}
				for _, id := range ids {
					if !slices.Contains(t.Resolved, id) {
						t.Resolved = append(t.Resolved, id)
					}
				}
			}
			if len(t.Points) == 0 {
				bad(tp+".points", "task %d has no points", t.No)
			}
			for k := range t.Points {
				pt := &t.Points[k]
				pp := fmt.Sprintf("%s.points[%d]", tp, k)
				validatePoint(pt, k, pp, bad)
				pt.Resolved = t.Resolved
				if len(pt.Units) > 0 {
					pt.Resolved = nil
					for r, u := range pt.Units {
						ids, err := resolve(u, cfg)
						if err != nil {
							p.Warnings = append(p.Warnings, fmt.Sprintf("%s.units[%d]: %v", pp, r, err))
							p.unknown[u] = true
						}
						for _, id := range ids {
							if !slices.Contains(pt.Resolved, id) {
								pt.Resolved = append(pt.Resolved, id)
							}
						}
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

// validateUnits checks the plan's list of its units: each an id or a
// group, named, listed once.
func (p *Plan) validateUnits(bad func(path, format string, args ...any)) {
	seen := map[string]bool{}
	for i, u := range p.Units {
		up := fmt.Sprintf("units[%d]", i)
		if id := strings.TrimPrefix(u.ID, "@"); id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, "@, ") {
			bad(up+".id", "%q is not a unit id or a group (@tag)", u.ID)
		} else if seen[u.ID] {
			bad(up+".id", "%q is listed twice", u.ID)
		}
		seen[u.ID] = true
		if strings.TrimSpace(u.Name) == "" {
			bad(up+".name", "must not be empty")
		}
	}
}

func validatePoint(pt *Point, k int, pp string, bad func(path, format string, args ...any)) {
	if pt.No != k+1 {
		bad(pp+".no", "%d, want %d (points are numbered in order from 1)", pt.No, k+1)
	}
	if strings.TrimSpace(pt.Text) == "" {
		bad(pp+".text", "must not be empty")
	}
	for r, role := range pt.Roles {
		if !slices.Contains(validRoles, role) {
			bad(fmt.Sprintf("%s.roles[%d]", pp, r), "%q is not one of %s", role, strings.Join(validRoles, ", "))
		}
	}
	switch pt.Owner {
	case "", OwnerUnit:
	case OwnerPerson, OwnerTown:
		if len(pt.Roles) == 0 {
			bad(pp+".roles", "a %s point must name the roles that owe it (%s)", pt.Owner, strings.Join(validRoles, ", "))
		}
	default:
		bad(pp+".owner", "%q is not one of %s", pt.Owner, strings.Join(Owners, ", "))
	}
	tm := pt.Timing
	tp := pp + ".timing"
	if tm.On != "" && tm.Kind != Event {
		bad(tp+".on", "only an event point says what raises it")
	}
	if pt.Evidence != "" {
		if tm.Kind != Event {
			bad(pp+".evidence", "only an event point takes its record from a feature")
		} else if !slices.Contains(Evidences, pt.Evidence) {
			bad(pp+".evidence", "%q is not one of %s", pt.Evidence, strings.Join(Evidences, ", "))
		}
	}
	if pt.Counted != "" {
		switch {
		case !slices.Contains(Counters, pt.Counted):
			bad(pp+".counted", "%q is not one of %s", pt.Counted, strings.Join(Counters, ", "))
		case pt.Owner != OwnerPerson:
			bad(pp+".counted", "only a person's point is counted from records")
		case pt.Counted == "coverage" && tm.Kind != HalfYearly && tm.Kind != Quarterly && tm.Kind != Yearly && tm.Kind != Monthly:
			bad(pp+".counted", "coverage is counted over a period: a monthly, quarterly, half_yearly or yearly point")
		case pt.Counted != "coverage" && tm.Kind != Quota:
			bad(pp+".counted", "%s counts toward a quota: the point's timing must be kind quota", pt.Counted)
		}
	}
	switch tm.Kind {
	case Yearly:
		if tm.Month != 0 || tm.Day != 0 {
			validDate(tm, tp, bad)
		}
	case Event:
		if !slices.Contains(Happenings, tm.On) {
			bad(tp+".on", "%q is not one of %s", tm.On, strings.Join(Happenings, ", "))
		}
	case DailyWorkdays, Weekly, Monthly, Quarterly, HalfYearly, Ongoing, Setup:
	case TimesPerYear:
		if tm.Count < 1 || tm.Count > 366 {
			bad(tp+".count", "%d is not a number of times a year", tm.Count)
		}
	case Deadline:
		validDate(tm, tp, bad)
	case Quota:
		if !slices.Contains([]string{"week", "month", "quarter", "year"}, tm.Period) {
			bad(tp+".period", "%q is not week, month, quarter or year", tm.Period)
		}
		if tm.Count < 1 {
			bad(tp+".count", "%d: a quota needs a count of at least 1", tm.Count)
		}
		if strings.TrimSpace(tm.What) == "" {
			bad(tp+".what", "a quota must say what is counted")
		}
	case "":
		bad(tp+".kind", "missing")
	default:
		bad(tp+".kind", "%q is not one of %s", tm.Kind, strings.Join(kinds, ", "))
	}
}

// validDate checks a timing's month and day.
func validDate(tm Timing, tp string, bad func(path, format string, args ...any)) {
	if tm.Month < 1 || tm.Month > 12 {
		bad(tp+".month", "%d is not a month", tm.Month)
	} else if tm.Day < 1 || tm.Day > daysIn(tm.Month) {
		bad(tp+".day", "%d is not a day of month %d", tm.Day, tm.Month)
	}
}

var kinds = []string{DailyWorkdays, Weekly, Monthly, Quarterly, HalfYearly, Yearly, TimesPerYear, Deadline, Ongoing, Quota, Event, Setup}

// daysIn is the longest length of a month (February counts 29: a deadline
// of 02-29 falls on 02-28 in other years).
func daysIn(m int) int {
	switch m {
	case 2:
		return 29
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// resolve expands a unit id or a group to unit ids.
func resolve(u string, cfg *config.Config) ([]string, error) {
	if tag, ok := strings.CutPrefix(u, "@"); ok {
		var ids []string
		for _, unit := range cfg.People().Units {
			if slices.Contains(unit.Tags, tag) {
				ids = append(ids, unit.ID)
			}
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("group %q matches no unit (give units the tag %q in the configuration)", u, tag)
		}
		return ids, nil
	}
	if _, ok := cfg.Unit(u); !ok {
		return nil, fmt.Errorf("unknown unit %q (not in the configuration's units)", u)
	}
	return []string{u}, nil
}
