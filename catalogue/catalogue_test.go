package catalogue

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dutybot/config"
)

func exampleConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The embedded plan is the seed's whole task table: 15 measures, tasks 1 to
// 47 in order, every unit resolved against the example configuration.
func TestEmbeddedPlan(t *testing.T) {
	cfg := exampleConfig(t)
	p, err := Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("the example configuration lacks units the plan names: %q", p.Warnings)
	}
	if len(p.Measures) != 15 {
		t.Fatalf("%d measures, want 15", len(p.Measures))
	}
	tasks := p.Tasks()
	if len(tasks) != 47 {
		t.Fatalf("%d tasks, want 47", len(tasks))
	}
	kinds := map[string]int{}
	for i, task := range tasks {
		if task.No != i+1 {
			t.Errorf("task %d numbered %d", i+1, task.No)
		}
		if len(task.Resolved) == 0 {
			t.Errorf("task %d has no unit", task.No)
		}
		for _, pt := range task.Points {
			kinds[pt.Timing.Kind]++
		}
	}
	for _, k := range []string{DailyWorkdays, Quarterly, HalfYearly, Yearly, Deadline, Ongoing, Quota, Monthly} {
		if kinds[k] == 0 {
			t.Errorf("no point of kind %s: %v", k, kinds)
		}
	}
	// Spot checks against the seed.
	t14, _ := p.Task(14)
	if !strings.Contains(t14.Text, "监管人员检查工作日必须开展检查执法") || t14.Measure != 3 {
		t.Errorf("task 14 = %+v", t14)
	}
	t45, _ := p.Task(45)
	if !strings.Contains(t45.Text, "叫应") {
		t.Errorf("task 45 = %q", t45.Text)
	}
	// "村（社区）" expands to every village and community of the config.
	t5, _ := p.Task(5)
	for _, v := range []string{"v-hangu", "v-bailin", "c-zhaishan", "yjb"} {
		found := false
		for _, u := range t5.Resolved {
			found = found || u == v
		}
		if !found {
			t.Errorf("task 5 units %v lack %s", t5.Resolved, v)
		}
	}
	if got := len(p.TasksOf("yjb")); got < 20 {
		t.Errorf("应急办 has %d tasks", got)
	}
}

const small = `
source: test
year: 2027
units:
  - {id: yjb, name: 应急办}
  - {id: "@village", name: 村（社区）}
measures:
  - no: 1
    title: 第一条
    tasks:
      - no: 1
        text: 任务一
        units: [yjb, "@village"]
        points:
          - {no: 1, text: 每月检查, timing: {kind: quota, period: month, count: 2, what: 检查企业}}
          - {no: 2, text: 6月上旬, timing: {kind: deadline, month: 6, day: 10}, roles: [principal]}
          - {no: 3, text: 主要负责人每季度研究, timing: {kind: quarterly}, owner: town, roles: [principal]}
          - {no: 4, text: 检查执法, timing: {kind: daily_workdays}, owner: person, roles: [staff], units: [yjb]}
          - {no: 5, text: 严格规范事故报告, timing: {kind: event, on: incident}, evidence: incidents}
          - {no: 6, text: 年度计划, timing: {kind: yearly, month: 3, day: 31}}
          - {no: 7, text: 建立制度, timing: {kind: setup}}
`

func TestParseErrors(t *testing.T) {
	cfg := exampleConfig(t)
	if _, err := Parse([]byte(small), cfg); err != nil {
		t.Fatalf("valid plan refused: %v", err)
	}
	// Units the configuration lacks are warnings: that part of the plan is
	// skipped.
	for _, tt := range []struct{ from, to, want string }{
		{"units: [yjb,", "units: [nowhere,", `measures[0].tasks[0].units[0]: unknown unit "nowhere"`},
		{`units: [yjb, "@village"]`, `units: [yjb, "@castle"]`, `measures[0].tasks[0].units[1]: group "@castle" matches no unit`},
	} {
		p, err := Parse([]byte(strings.Replace(small, tt.from, tt.to, 1)), cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.to, err)
		}
		if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], tt.want) {
			t.Errorf("warnings = %q, want %q", p.Warnings, tt.want)
		}
		for _, u := range p.Tasks()[0].Resolved {
			if u == "nowhere" {
				t.Error("an unknown unit was kept")
			}
		}
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"unknown key", "text: 任务一", "txt: 任务一", "field txt not found"},
		{"bad kind", "kind: quota", "kind: sometimes", `measures[0].tasks[0].points[0].timing.kind: "sometimes" is not one of`},
		{"bad period", "period: month", "period: fortnight", `timing.period: "fortnight" is not week, month, quarter or year`},
		{"no count", "count: 2", "count: 0", "timing.count: 0: a quota needs a count"},
		{"bad day", "day: 10", "day: 31", "timing.day: 31 is not a day of month 6"},
		{"bad month", "month: 6", "month: 13", "timing.month: 13 is not a month"},
		{"bad role", "roles: [principal]", "roles: [king]", `points[1].roles[0]: "king" is not one of`},
		{"point order", "{no: 2, text: 6月上旬", "{no: 3, text: 6月上旬", "points[1].no: 3, want 2"},
		{"measure order", "  - no: 1\n    title", "  - no: 2\n    title", "measures[0].no: 2, want 1"},
		{"empty text", "text: 任务一", `text: " "`, "measures[0].tasks[0].text: must not be empty"},
		{"no year", "year: 2027\n", "", "year: 0: give the plan year"},
		{"bad owner", "owner: town", "owner: village", `points[2].owner: "village" is not one of unit, person, town`},
		{"person without roles", "owner: person, roles: [staff]", "owner: person", "points[3].roles: a person point must name the roles"},
		{"bad happening", "on: incident", "on: rain", `points[4].timing.on: "rain" is not one of`},
		{"on outside events", "{kind: setup}", "{kind: setup, on: incident}", "points[6].timing.on: only an event point"},
		{"bad evidence", "evidence: incidents", "evidence: diary", `points[4].evidence: "diary" is not one of incidents, warnings, duty`},
		{"evidence outside events", "{kind: setup}}", "{kind: setup}, evidence: duty}", "points[6].evidence: only an event point"},
		{"bad yearly date", "month: 3, day: 31", "month: 2, day: 30", "points[5].timing.day: 30 is not a day of month 2"},
		{"unit listed twice", `id: "@village"`, "id: yjb", `units[1].id: "yjb" is listed twice`},
		{"unit without name", "name: 应急办}", `name: ""}`, "units[0].name: must not be empty"},
		{"bad unit id", "{id: yjb, name", `{id: "@", name`, `units[0].id: "@" is not a unit id or a group`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := strings.Replace(small, tt.from, tt.to, 1)
			if y == small {
				t.Fatalf("replacement %q not applied", tt.from)
			}
			_, err := Parse([]byte(y), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadFromFile(t *testing.T) {
	cfg := exampleConfig(t)
	path := filepath.Join(t.TempDir(), "plan-2027.yaml")
	if err := os.WriteFile(path, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path, cfg)
	if err != nil || len(p.Tasks()) != 1 || p.Source != "test" {
		t.Fatalf("Load = %+v, %v", p, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), cfg); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("measures: [1, 2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, cfg); err == nil || !strings.Contains(err.Error(), "plan-2027.yaml") {
		t.Fatalf("broken file: %v", err)
	}
}

// The built-in plan says who owes each point in the seed's meaning: the
// principal's meetings are the town's, the 分管领导's daily 了解掌握 and the
// "日周月" inspections are personal, 安委会 is its own unit, and the 2022
// one-offs are the fifteen dated points of 迎接党的二十大 and the year's
// campaigns.
func TestEmbeddedPlanOwners(t *testing.T) {
	cfg := exampleConfig(t)
	p, err := Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p.Year != 2022 {
		t.Errorf("plan year %d", p.Year)
	}
	tests := []struct {
		id, kind, owner string
		roles           []string
		units           []string // Resolved, when checked
	}{
		{"3.1", Quarterly, OwnerTown, []string{"principal"}, nil},
		{"8.1", Monthly, OwnerTown, []string{"principal"}, nil},
		{"8.2", DailyWorkdays, OwnerPerson, []string{"leader"}, nil},
		{"13.2", Ongoing, OwnerPerson, []string{"unit_head"}, nil},
		{"14.2", DailyWorkdays, OwnerPerson, []string{"staff"}, []string{"yjb", "jfb", "gjb", "ssb", "nfzx", "cgdd", "pab", "scjgs", "wfzx"}},
		{"14.3", Weekly, OwnerPerson, []string{"leader"}, nil},
		{"14.4", Monthly, OwnerPerson, []string{"unit_head"}, nil},
		{"16.1", Event, OwnerUnit, nil, []string{"awc"}},
		{"19.2", Quota, OwnerPerson, []string{"leader", "unit_head"}, nil},
		{"33.1", Yearly, OwnerUnit, nil, []string{"awc"}},
		{"41.1", Event, OwnerUnit, nil, nil},
		{"5.1", Ongoing, OwnerUnit, nil, nil},
		{"1.1", Setup, OwnerTown, []string{"unit_head"}, []string{"awb", "dzb"}},
	}
	for _, tt := range tests {
		var task, pt int
		fmt.Sscanf(tt.id, "%d.%d", &task, &pt)
		_, point, ok := p.Point(task, pt)
		if !ok {
			t.Fatalf("no point %s", tt.id)
		}
		if point.Timing.Kind != tt.kind || point.OwnedBy() != tt.owner || !slices.Equal(point.Roles, tt.roles) {
			t.Errorf("%s: kind %s owner %s roles %v, want %s %s %v", tt.id, point.Timing.Kind, point.OwnedBy(), point.Roles, tt.kind, tt.owner, tt.roles)
		}
		if tt.units != nil && !slices.Equal(point.Resolved, tt.units) {
			t.Errorf("%s: units %v, want %v", tt.id, point.Resolved, tt.units)
		}
	}
	if _, pt, _ := p.Point(41, 1); pt.Evidence != "incidents" || pt.Timing.On != "incident" {
		t.Errorf("41.1 = %+v", pt)
	}
	if _, pt, _ := p.Point(33, 1); pt.Timing.Month != 3 || pt.Timing.Day != 31 {
		t.Errorf("33.1 is due %d-%d, want in Q1 (03-31)", pt.Timing.Month, pt.Timing.Day)
	}
	want := []string{"4.1", "6.1", "7.1", "7.2", "9.1", "9.2", "13.1", "15.1", "18.1", "18.2", "25.2", "25.3", "26.1", "26.2", "31.2"}
	if got := p.OneOffs(); !slices.Equal(got, want) {
		t.Errorf("one-offs %v, want %v", got, want)
	}
	count := map[string]int{}
	for _, task := range p.Tasks() {
		for _, pt := range task.Points {
			count[pt.Timing.Kind]++
		}
	}
	if count[Event] != 19 || count[Setup] != 4 || count[Ongoing] != 21 {
		t.Errorf("events %d, set-up %d, ongoing %d; want 19, 4, 21", count[Event], count[Setup], count[Ongoing])
	}
}

// The built-in plan names every unit and group it uses in its units list,
// so check-config can name what a configuration lacks; the example
// configuration lacks none, and leaves no point to nobody.
func TestEmbeddedPlanNamesItsUnits(t *testing.T) {
	p, err := Load("", exampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range p.Tasks() {
		refs := slices.Clone(task.Units)
		for _, pt := range task.Points {
			refs = append(refs, pt.Units...)
		}
		for _, ref := range refs {
			if p.UnitName(ref) == "" {
				t.Errorf("task %d names %q, which the plan's units do not list", task.No, ref)
			}
		}
	}
	if p.UnitName("dzb") != "党政办" || p.UnitName("@village") != "村（社区）" {
		t.Errorf("names: dzb %q, @village %q", p.UnitName("dzb"), p.UnitName("@village"))
	}
	if u, o := p.Unmatched(), p.Orphans(); len(u) != 0 || len(o) != 0 {
		t.Errorf("the example configuration: unmatched %+v, orphans %v", u, o)
	}
	if n := p.PointCount(); n < 50 {
		t.Errorf("%d points", n)
	}
}

// A configuration without a unit the plan names loses that unit's share
// of every point naming it; a point naming nothing else is left to nobody.
func TestUnmatchedUnitsAndOrphans(t *testing.T) {
	const town = `
units:
  - {id: %s, name: 应急管理办公室, head: o-wu}
  - {id: v-1, name: 一村, tags: [%s]}
officials:
  - {id: o-wu, name: 吴敏, phone: "13800000002", unit: v-1, roles: [unit_head, admin]}
escalation:
  policies:
    default: [{after: 10m, action: escalate, to: unit_head}]
  levels: {blue: default, yellow: default, orange: default, red: default}
`
	all := []string{"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"}
	for _, tt := range []struct {
		name, unit, tag string
		unmatched       []Unmatched
		orphans         []string
	}{
		{"all there", "yjb", "village", nil, nil},
		{"unit id differs", "yjglb", "village", []Unmatched{{ID: "yjb", Name: "应急办", Points: all}}, []string{"1.4"}},
		{"no village tag", "yjb", "cun",
			[]Unmatched{{ID: "@village", Name: "村（社区）", Points: []string{"1.1", "1.2", "1.3", "1.5", "1.6", "1.7"}}}, nil},
		{"neither", "yjglb", "cun", []Unmatched{{ID: "yjb", Name: "应急办", Points: all},
			{ID: "@village", Name: "村（社区）", Points: []string{"1.1", "1.2", "1.3", "1.5", "1.6", "1.7"}}}, all},
	} {
		cfg, err := config.Parse([]byte(fmt.Sprintf(town, tt.unit, tt.tag)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse([]byte(small), cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Unmatched()
		if !slices.EqualFunc(got, tt.unmatched, func(a, b Unmatched) bool {
			return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.Points, b.Points)
		}) {
			t.Errorf("%s: unmatched %+v, want %+v", tt.name, got, tt.unmatched)
		}
		if o := p.Orphans(); !slices.Equal(o, tt.orphans) {
			t.Errorf("%s: orphans %v, want %v", tt.name, o, tt.orphans)
		}
		if p.PointCount() != 7 {
			t.Errorf("%s: %d points", tt.name, p.PointCount())
		}
	}
}
