package duty

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/workcal"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func setup(t testing.TB, plan string, opts ...Options) (*Generator, *config.Config) {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p *catalogue.Plan
	if plan == "" {
		p, err = catalogue.Load("", cfg)
	} else {
		p, err = catalogue.Parse([]byte(plan), cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.New(shanghai, nil)
	if err != nil {
		t.Fatal(err)
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return New(p, cal, cfg, o), cfg
}

// onePoint is a 2026 plan with a single task for 应急办 (staff: 吴敏) with
// the given timing.
func onePoint(timing string) string {
	return fmt.Sprintf(`
year: 2026
measures:
  - no: 1
    title: 测试
    tasks:
      - no: 1
        text: 任务
        units: [yjb]
        points:
          - {no: 1, text: 要点, timing: %s}
`, timing)
}

func day(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, shanghai) }

func TestPeriods2026(t *testing.T) {
	tests := []struct {
		name   string
		timing string
		count  int
		checks map[string]time.Time // period -> due
	}{
		{"every workday", "{kind: daily_workdays}", 248, map[string]time.Time{
			"2026-09-30": day(9, 30, 18),
			"2026-10-10": day(10, 10, 18), // a 调休 Saturday is a workday
		}},
		// 52 Mondays, but 02-16..02-22 lies wholly inside 春节: no week there.
		{"weekly", "{kind: weekly}", 51, map[string]time.Time{
			"2026-W07": day(2, 14, 18), // 02-09..02-15: closed by the 调休 Saturday
			"2026-W09": day(2, 28, 18),
		}},
		{"monthly", "{kind: monthly}", 12, map[string]time.Time{
			"2026-10": day(10, 30, 18),
			"2026-02": day(2, 28, 18), // a 调休 Saturday closes February
		}},
		{"ongoing is not asked", "{kind: ongoing}", 0, nil},
		{"events make no items", "{kind: event, on: incident}", 0, nil},
		{"set-up makes no yearly items", "{kind: setup}", 0, nil},
		{"yearly by a date", "{kind: yearly, month: 3, day: 31}", 1, map[string]time.Time{"2026": day(3, 31, 18)}},
		{"yearly by a day off", "{kind: yearly, month: 5, day: 3}", 1, map[string]time.Time{"2026": day(4, 30, 18)}},
		{"quarterly", "{kind: quarterly}", 4, map[string]time.Time{"2026-Q3": day(9, 30, 18), "2026-Q4": day(12, 31, 18)}},
		{"half-yearly", "{kind: half_yearly}", 2, map[string]time.Time{"2026-H1": day(6, 30, 18)}},
		{"yearly", "{kind: yearly}", 1, map[string]time.Time{"2026": day(12, 31, 18)}},
		{"twice a year", "{kind: times_per_year, count: 2}", 2, map[string]time.Time{"2026-T1": day(6, 30, 18)}},
		{"five times a year", "{kind: times_per_year, count: 5}", 5, nil},
		{"6月上旬", "{kind: deadline, month: 6, day: 10}", 1, map[string]time.Time{"2026-06-10": day(6, 10, 18)}},
		{"a 02-29 deadline in a common year", "{kind: deadline, month: 2, day: 29}", 1, map[string]time.Time{"2026-02-28": day(2, 28, 18)}},
		{"quota per month", "{kind: quota, period: month, count: 2, what: 检查企业}", 12, map[string]time.Time{"2026-06": day(6, 30, 18)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := setup(t, onePoint(tt.timing))
			got := g.Year(2026)
			if len(got) != tt.count {
				t.Fatalf("%d instances, want %d", len(got), tt.count)
			}
			byPeriod := map[string]Instance{}
			for i, in := range got {
				byPeriod[in.Period] = in
				if i > 0 && in.Due.Before(got[i-1].Due) {
					t.Errorf("not ordered by due time at %d", i)
				}
				if in.Start.After(in.Due) {
					t.Errorf("%s starts after it is due", in.ID())
				}
				if in.Unit != "yjb" || !slices.Equal(in.Owers, []string{"o-wumin"}) {
					t.Errorf("%s owed by %v", in.ID(), in.Owers)
				}
				if !g.cal.IsWorkday(in.Due) && in.Kind != catalogue.Deadline {
					t.Errorf("%s falls due on a day off: %s", in.ID(), in.Due)
				}
			}
			for period, due := range tt.checks {
				in, ok := byPeriod[period]
				if !ok {
					t.Errorf("no period %s in %v", period, keys(byPeriod))
					continue
				}
				if !in.Due.Equal(due) {
					t.Errorf("%s due %s, want %s", period, in.Due, due)
				}
			}
		})
	}
}

func keys(m map[string]Instance) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The 国庆 weeks: 09-28..10-04 has its last workday on 09-30; 10-05..10-11
// on the 调休 Saturday 10-10.
func TestWeeksAroundNationalDay(t *testing.T) {
	g, _ := setup(t, onePoint("{kind: weekly}"))
	due := map[string]time.Time{}
	for _, in := range g.Year(2026) {
		due[in.Period] = in.Due
	}
	for period, want := range map[string]time.Time{"2026-W40": day(9, 30, 18), "2026-W41": day(10, 10, 18)} {
		if !due[period].Equal(want) {
			t.Errorf("%s due %s, want %s", period, due[period], want)
		}
	}
	if _, ok := due["2026-W08"]; ok {
		t.Error("a week wholly inside 春节 has an instance")
	}
}

func TestQuotaAndRoles(t *testing.T) {
	g, _ := setup(t, "")
	var quota, principal int
	for _, in := range g.Year(2026) {
		if in.Kind == catalogue.Quota {
			quota++
			if in.Quota != 2 || in.What == "" {
				t.Fatalf("quota instance %+v", in)
			}
		}
		for _, r := range in.Roles {
			if r == "principal" {
				principal++
			}
		}
	}
	if quota == 0 || principal == 0 {
		t.Errorf("quota instances %d, principal instances %d", quota, principal)
	}
}

// Every instance of the real plan has a distinct id, is owed by configured
// officials, and Between agrees with Year.
func TestFullPlanYear(t *testing.T) {
	g, cfg := setup(t, "")
	all := g.Year(2026)
	seen := map[string]bool{}
	for _, in := range all {
		if seen[in.ID()] {
			t.Fatalf("duplicate id %s", in.ID())
		}
		seen[in.ID()] = true
		if _, ok := cfg.Unit(in.Unit); !ok && in.Unit != "" {
			t.Fatalf("unknown unit in %s", in.ID())
		}
		if len(in.Owers) == 0 {
			t.Fatalf("%s is owed by nobody", in.ID())
		}
		for _, o := range in.Owers {
			if _, ok := cfg.Official(o); !ok {
				t.Fatalf("%s owed by unknown %s", in.ID(), o)
			}
		}
		if got, ok := g.Instance(in.ID()); !ok || got.ID() != in.ID() {
			t.Fatalf("Instance(%s) = %v", in.ID(), ok)
		}
	}
	oct := g.Between(day(10, 1, 0), day(11, 1, 0))
	n := 0
	for _, in := range all {
		if in.Due.Month() == time.October {
			n++
		}
	}
	if len(oct) != n || n == 0 {
		t.Errorf("Between(October) = %d, Year says %d", len(oct), n)
	}
	// Across the year boundary.
	span := g.Between(time.Date(2026, 12, 31, 0, 0, 0, 0, shanghai), time.Date(2027, 1, 6, 0, 0, 0, 0, shanghai))
	var y26, y27 bool
	for _, in := range span {
		y26 = y26 || in.Due.Year() == 2026
		y27 = y27 || in.Due.Year() == 2027
	}
	if !y26 || !y27 {
		t.Errorf("Between across new year: 2026 %v, 2027 %v", y26, y27)
	}
	t.Logf("%d instances in 2026 for %d units", len(all), len(cfg.Units))
}

// BenchmarkYear measures computing every instance of a year for the
// example town and the full plan (uncached).
func BenchmarkYear(b *testing.B) {
	g, _ := setup(b, "")
	var n int
	for b.Loop() {
		n = len(g.compute(2026))
	}
	b.ReportMetric(float64(n), "instances")
}

// BenchmarkBetween measures a week's instances once the year is known, as
// a /mytasks view would ask.
func BenchmarkBetween(b *testing.B) {
	g, _ := setup(b, "")
	g.Year(2026)
	for b.Loop() {
		g.Between(day(10, 5, 0), day(10, 12, 0))
	}
}

func TestYearConcurrent(t *testing.T) {
	g, _ := setup(t, "")
	done := make(chan int)
	for range 8 {
		go func() { done <- len(g.Year(2026)) }()
	}
	first := <-done
	for range 7 {
		if n := <-done; n != first || n == 0 {
			t.Fatalf("concurrent Year: %d vs %d instances", n, first)
		}
	}
}

func TestUnitBetweenAgreesWithBetween(t *testing.T) {
	g, _ := setup(t, "")
	from, to := day(9, 20, 0), time.Date(2027, 1, 10, 0, 0, 0, 0, shanghai)
	var want []string
	for _, in := range g.Between(from, to) {
		if in.Unit == "cgdd" {
			want = append(want, in.ID())
		}
	}
	var got []string
	for _, in := range g.UnitBetween("cgdd", from, to) {
		got = append(got, in.ID())
	}
	if len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("UnitBetween = %d instances, Between filtered = %d", len(got), len(want))
	}
}

// Ongoing points are asked at the rhythm the town chooses.
func TestOngoingWhenAsked(t *testing.T) {
	g, _ := setup(t, onePoint("{kind: ongoing}"), Options{Ongoing: "quarterly"})
	if got := g.Year(2026); len(got) != 4 || got[3].Period != "2026-Q4" {
		t.Fatalf("ongoing asked quarterly: %d instances", len(got))
	}
}

// A dated deadline is a one-off of its plan year: a 2026 plan has it in
// 2026 only.
func TestDeadlinesInThePlanYearOnly(t *testing.T) {
	g, _ := setup(t, onePoint("{kind: deadline, month: 6, day: 10}"))
	for y, want := range map[int]int{2025: 0, 2026: 1, 2027: 0} {
		if n := len(g.Year(y)); n != want {
			t.Errorf("%d: %d instances, want %d", y, n, want)
		}
	}
}

// A set-up point falls due once, setup-within after the town started, on a
// working day.
func TestSetupOnce(t *testing.T) {
	g, _ := setup(t, onePoint("{kind: setup}"), Options{SetupFrom: day(9, 10, 15), SetupWithin: 20 * 24 * time.Hour})
	// 09-30 + … : 09-10 + 20 days = 09-30, a workday.
	var all []Instance
	for _, y := range []int{2026, 2027} {
		all = append(all, g.Year(y)...)
	}
	if len(all) != 1 || all[0].Period != SetupPeriod || !all[0].Due.Equal(day(9, 30, 18)) || !all[0].Start.Equal(day(9, 10, 0)) {
		t.Fatalf("set-up instances %+v", all)
	}
	if in, ok := g.Instance(all[0].ID()); !ok || in.ID() != "1.1/yjb/setup" {
		t.Errorf("Instance(%s) = %v, %v", all[0].ID(), in.ID(), ok)
	}
	// Due on a holiday: the next working day (10-01 → 10-08).
	g, _ = setup(t, onePoint("{kind: setup}"), Options{SetupFrom: day(9, 1, 9), SetupWithin: 30 * 24 * time.Hour})
	if got := g.Year(2026); len(got) != 1 || !got[0].Due.Equal(day(10, 8, 18)) {
		t.Fatalf("set-up due on 国庆: %+v", got)
	}
}

// The built-in 2022 plan run in 2026 keeps its recurring points and has
// none of its fifteen one-off deadlines, and no events.
func TestPlan2022In2026HasNoOneOffs(t *testing.T) {
	g, _ := setup(t, "")
	oneOffs := map[string]bool{}
	for _, id := range g.Plan().OneOffs() {
		oneOffs[id] = true
	}
	if len(oneOffs) != 15 {
		t.Fatalf("%d one-offs in the plan", len(oneOffs))
	}
	for _, in := range g.Year(2026) {
		if oneOffs[in.PointID()] || in.Kind == catalogue.Event || in.Kind == catalogue.Ongoing {
			t.Fatalf("%s (%s) in 2026", in.ID(), in.Kind)
		}
	}
	n := 0
	for _, in := range g.Year(2022) {
		if oneOffs[in.PointID()] {
			n++
		}
	}
	if n == 0 {
		t.Error("no one-off in the plan year itself")
	}
}

// Owners expand as the seed means them, against the example town: a
// person point gives each role holder their own item, a town point one
// item owed by its role holders, a unit point one item per unit with
// someone in it.
func TestOwnersOfTheExampleTown(t *testing.T) {
	g, cfg := setup(t, "")
	holders := func(task, point int) []Holder {
		_, p, ok := g.Plan().Point(task, point)
		if !ok {
			t.Fatalf("no point %d.%d", task, point)
		}
		return Holders(cfg, p)
	}
	keys := func(hs []Holder) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Key()+"="+fmt.Sprint(h.Owers)+"@"+h.Unit)
		}
		return out
	}
	tests := []struct {
		name        string
		task, point int
		want        []string
	}{
		// 李芳 leads 安委办 and six "一岗双责" departments: one item, not six.
		{"8.2 其他负责人每日了解掌握", 8, 2, []string{"~o-lifang=[o-lifang]@", "~o-wangqiang=[o-wangqiang]@"}},
		// The principal's quarterly meeting: one item for the town.
		{"3.1 主要负责人每季度专题研究", 3, 1, []string{"*=[o-zhangming]@"}},
		// Inspectors of departments with supervisory duty, each their own.
		{"14.2 监管人员每个工作日", 14, 2, []string{"~o-wumin=[o-wumin]@yjb", "~o-machao=[o-machao]@cgdd", "~o-guoliang=[o-guoliang]@pab"}},
		{"14.3 分管负责人每周", 14, 3, []string{"~o-lifang=[o-lifang]@", "~o-wangqiang=[o-wangqiang]@"}},
		{"14.4 部门主要负责人每月", 14, 4, []string{"~o-zhaojing=[o-zhaojing]@yjb", "~o-chenjie=[o-chenjie]@cgdd", "~o-sunli=[o-sunli]@scjgs"}},
		// 19.2: per 行政负责人 and 行业部门监管负责人.
		{"19.2 检查挂牌企业", 19, 2, []string{"~o-lifang=[o-lifang]@", "~o-wangqiang=[o-wangqiang]@",
			"~o-zhaojing=[o-zhaojing]@yjb", "~o-chenjie=[o-chenjie]@cgdd", "~o-sunli=[o-sunli]@scjgs", "~o-yangfan=[o-yangfan]@v-hangu"}},
		// A unit point: staff, else the head; units with nobody make none.
		{"27.1 演练", 27, 1, []string{"yjb=[o-wumin]@yjb", "dzb=[o-zhouting]@dzb", "cgdd=[o-machao]@cgdd", "pab=[o-guoliang]@pab", "scjgs=[o-sunli]@scjgs"}},
		// 安委会, chaired by the principal, has no members: its head owes it.
		{"33.1 年度监督检查计划", 33, 1, []string{"awc=[o-zhangming]@awc"}},
		// Jointly owned by the heads of 安委办 and 党政办.
		{"1.2 考核权重", 1, 2, []string{"*=[o-xutao o-liuyang]@"}},
		{"41.1 事故直报 is an event", 41, 1, []string{"yjb=[o-wumin]@yjb", "dzb=[o-zhouting]@dzb", "cgdd=[o-machao]@cgdd", "pab=[o-guoliang]@pab",
			"scjgs=[o-sunli]@scjgs", "v-hangu=[o-yangfan]@v-hangu", "v-bailin=[o-zhuhong]@v-bailin", "c-zhaishan=[o-hujun]@c-zhaishan"}},
	}
	for _, tt := range tests {
		if got := keys(holders(tt.task, tt.point)); !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %v\nwant %v", tt.name, got, tt.want)
		}
	}
	// A unit with no head cannot owe 14.4: the gap is named.
	_, p, _ := g.Plan().Point(14, 4)
	if gaps := Gaps(cfg, p); !slices.Contains(gaps, Gap{Unit: "jfb", Role: "unit_head"}) {
		t.Errorf("gaps of 14.4: %v", gaps)
	}
	// A day of 2026: 8.2 is one item per 分管领导, 3.1 none (not due).
	per := map[string]int{}
	for _, in := range g.Between(day(12, 2, 0), day(12, 3, 0)) {
		per[in.PointID()]++
	}
	if per["8.2"] != 2 || per["14.2"] != 3 {
		t.Errorf("items due on 12-02: %v", per)
	}
	// 赵静 heads 应急办: she sees its unit items and her own, not 吴敏's
	// own inspection.
	var mine []string
	for _, in := range g.PersonBetween("o-zhaojing", day(12, 1, 0), day(12, 31, 23)) {
		mine = append(mine, in.ID())
	}
	for _, want := range []string{"14.4/~o-zhaojing/2026-12", "27.1/yjb/2026-T2"} {
		if !slices.Contains(mine, want) {
			t.Errorf("赵静 does not see %s: %v", want, mine)
		}
	}
	if slices.Contains(mine, "14.2/~o-wumin/2026-12-01") {
		t.Errorf("赵静 sees 吴敏's personal item: %v", mine)
	}
}

// NextDue agrees with Between, across the year's end.
func TestNextDue(t *testing.T) {
	g, _ := setup(t, "")
	for _, at := range []time.Time{day(10, 1, 0), day(12, 31, 18), day(12, 31, 19), day(2, 14, 17)} {
		want := g.Between(at.Add(time.Nanosecond), at.AddDate(0, 1, 0))
		got, ok := g.NextDue(at)
		if len(want) == 0 || !ok || !got.Equal(want[0].Due) {
			t.Errorf("NextDue(%s) = %s, %v; Between says %v", at, got, ok, want[:min(1, len(want))])
		}
	}
}

// A reload of the directory reaches the items: once 应急办's only member
// 吴敏 is gone and 钱进 joined, the unit's items are owed by 钱进, in a
// year computed before the reload too.
func TestReloadedDirectoryOwes(t *testing.T) {
	g, cfg := setup(t, onePoint("{kind: monthly}"))
	owers := func() []string {
		for _, in := range g.Between(day(12, 1, 0), day(12, 31, 23)) {
			return in.Owers
		}
		return nil
	}
	if got := owers(); !slices.Equal(got, []string{"o-wumin"}) {
		t.Fatalf("before the reload: %v", got)
	}
	p := cfg.People()
	officials := slices.DeleteFunc(slices.Clone(p.Officials), func(o config.Official) bool { return o.ID == "o-wumin" })
	officials = append(officials, config.Official{ID: "p13900000101", Name: "钱进", Phone: "13900000101", Unit: "yjb", Roles: []string{config.RoleStaff}})
	next, err := cfg.CheckPeople(p.Units, officials)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetPeople(next)
	if got := owers(); !slices.Equal(got, []string{"p13900000101"}) {
		t.Errorf("after the reload: %v, want 钱进", got)
	}
	if got := g.PersonBetween("o-wumin", day(12, 1, 0), day(12, 31, 23)); len(got) != 0 {
		t.Errorf("吴敏, gone, still owes %v", got)
	}
}
