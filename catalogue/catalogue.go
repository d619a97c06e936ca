// Package catalogue holds the task plan of the "十五条硬措施": measures, the
// tasks under them, each task's 操作要点 (points) with the timing each point
// implies, and the units responsible. The town's plan is embedded in the
// binary; a town can load next year's plan from a file without a rebuild.
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
	Deadline      = "deadline" // a dated deadline in the plan year
	Ongoing       = "ongoing"  // 常态化: confirmed monthly
	Quota         = "quota"    // a count per period
)

// Group names in a task's units: every unit carrying the tag.
const (
	GroupYigang  = "@yigang"  // "一岗双责"科室
	GroupVillage = "@village" // 村（社区）
)

// Plan is the whole catalogue.
type Plan struct {
	Source   string    `yaml:"source"`
	Measures []Measure `yaml:"measures"`

	// Warnings lists units the plan names that the configuration does not
	// define (those parts of the plan are skipped), set by Parse.
	Warnings []string `yaml:"-"`
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

// Point is one 操作要点: what must be done and when.
type Point struct {
	No        int      `yaml:"no"`
	Text      string   `yaml:"text"`
	SplitFrom int      `yaml:"split_from"`
	Timing    Timing   `yaml:"timing"`
	Roles     []string `yaml:"roles"`
	Note      string   `yaml:"note"`
}

// Timing says when a point falls due.
type Timing struct {
	Kind   string `yaml:"kind"`
	Count  int    `yaml:"count"`  // times_per_year, quota
	Month  int    `yaml:"month"`  // deadline
	Day    int    `yaml:"day"`    // deadline
	Period string `yaml:"period"` // quota: week, month, quarter, year
	What   string `yaml:"what"`   // quota: what is counted
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
	r := []rune(t.Points[point-1].Text)
	if n > 0 && len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
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
	if len(p.Measures) == 0 {
		bad("measures", "the plan has no measures")
	}
	seenTask := map[int]string{}
	p.Warnings = nil
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
				validatePoint(&t.Points[k], k, fmt.Sprintf("%s.points[%d]", tp, k), bad)
			}
		}
	}
	return errors.Join(errs...)
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
	tm := pt.Timing
	tp := pp + ".timing"
	switch tm.Kind {
	case DailyWorkdays, Weekly, Monthly, Quarterly, HalfYearly, Yearly, Ongoing:
	case TimesPerYear:
		if tm.Count < 1 || tm.Count > 366 {
			bad(tp+".count", "%d is not a number of times a year", tm.Count)
		}
	case Deadline:
		if tm.Month < 1 || tm.Month > 12 {
			bad(tp+".month", "%d is not a month", tm.Month)
		} else if tm.Day < 1 || tm.Day > daysIn(tm.Month) {
			bad(tp+".day", "%d is not a day of month %d", tm.Day, tm.Month)
		}
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

var kinds = []string{DailyWorkdays, Weekly, Monthly, Quarterly, HalfYearly, Yearly, TimesPerYear, Deadline, Ongoing, Quota}

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
		for _, unit := range cfg.Units {
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
