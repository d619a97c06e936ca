package duty

import (
	"fmt"
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

func setup(t testing.TB, plan string) (*Generator, *config.Config) {
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
	return New(p, cal, Options{}), cfg
}

// onePoint is a plan with a single task for 应急办 with the given timing.
func onePoint(timing string) string {
	return fmt.Sprintf(`
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
		{"ongoing is confirmed monthly", "{kind: ongoing}", 12, map[string]time.Time{"2026-12": day(12, 31, 18)}},
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

// Every instance of the real plan has a distinct id, every unit is a
// configured one, and Between agrees with Year.
func TestFullPlanYear(t *testing.T) {
	g, cfg := setup(t, "")
	all := g.Year(2026)
	seen := map[string]bool{}
	for _, in := range all {
		if seen[in.ID()] {
			t.Fatalf("duplicate id %s", in.ID())
		}
		seen[in.ID()] = true
		if _, ok := cfg.Unit(in.Unit); !ok {
			t.Fatalf("unknown unit in %s", in.ID())
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
