package tasks

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/duty"
	"dutybot/enterprise"
	"dutybot/inspection"
	"dutybot/locales"
	"dutybot/storage"
	"dutybot/workcal"
)

type fixture struct {
	svc *Service
	gen *duty.Generator
	clk *clock.Fake
	db  *storage.DB
	cfg *config.Config
}

// Monday 2026-10-12 10:00 in Shanghai, the first full working week after 国庆.
var now = time.Date(2026, 10, 12, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newFixture(t testing.TB) *fixture {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The town started tracking on 1 September.
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaSince, "2026-09-01") }); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(now)
	svc := newService(t, cfg, db, clk)
	return &fixture{svc: svc, gen: svc.Generator(), clk: clk, db: db, cfg: cfg}
}

func newService(t testing.TB, cfg *config.Config, db *storage.DB, clk clock.Clock) *Service {
	t.Helper()
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.New(cfg.Location, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(cfg, db, plan, cal, clk)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *fixture) instance(t *testing.T, id string) duty.Instance {
	t.Helper()
	in, ok := f.gen.Instance(id)
	if !ok {
		t.Fatalf("no instance %s", id)
	}
	return in
}

// A person's daily inspection is theirs alone: nobody else reports it, a
// forged id or a period not yet started is refused, and the report is in
// the event log with its note.
func TestReportPersonal(t *testing.T) {
	f := newFixture(t)
	today := f.instance(t, "14.2/~o-wumin/2026-10-12")
	// 马超 is an inspector of 城管大队; 赵静 heads 应急办; neither owes 吴敏's.
	for _, other := range []string{"o-machao", "o-zhaojing", "o-zhouting"} {
		if _, err := f.svc.Report(other, today.ID(), 1, "", ""); !errors.Is(err, ErrNotYours) {
			t.Errorf("%s reporting 吴敏's own item: %v", other, err)
		}
	}
	if _, err := f.svc.Report("o-wumin", "14.2/~o-wumin/2026-13-45", 1, "", ""); !errors.Is(err, ErrUnknownInstance) {
		t.Errorf("forged id: %v", err)
	}
	if _, err := f.svc.Report("o-wumin", "14.2/~o-nobody/2026-10-12", 1, "", ""); !errors.Is(err, ErrUnknownInstance) {
		t.Errorf("forged owner: %v", err)
	}
	if _, err := f.svc.Report("o-wumin", "14.2/~o-wumin/2026-10-13", 1, "", ""); !errors.Is(err, ErrNotStarted) {
		t.Errorf("future period: %v", err)
	}
	st, err := f.svc.Report("o-wumin", today.ID(), 5, "检查了 3 家企业", "photo-file-id")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != Done || st.Progress != 1 || st.DoneBy != "o-wumin" || !st.DoneAt.Equal(now) {
		t.Errorf("status = %+v", st)
	}
	if _, err := f.svc.Report("o-wumin", today.ID(), 1, "", ""); !errors.Is(err, ErrAlreadyDone) {
		t.Errorf("second report: %v", err)
	}
	var evs []storage.Event
	f.db.View(func(tx *storage.Tx) error {
		evs, _ = tx.Events(0, 10)
		return nil
	})
	if len(evs) != 1 || evs[0].Type != storage.EvReported || evs[0].Detail != today.ID()+" +1 (1/1): 检查了 3 家企业" {
		t.Errorf("events = %+v", evs)
	}
}

// A unit's item is reported by any member for the unit, its head, its
// 分管领导 or an admin; not by another unit. The town's item by those who
// owe it only.
func TestReportUnitAndTown(t *testing.T) {
	f := newFixture(t)
	drill := f.instance(t, "27.1/yjb/2026-T2")
	if _, err := f.svc.Report("o-machao", drill.ID(), 1, "", ""); !errors.Is(err, ErrNotYourUnit) {
		t.Errorf("other unit: %v", err)
	}
	if _, err := f.svc.Report("o-zhaojing", drill.ID(), 1, "", ""); err != nil {
		t.Errorf("the unit head: %v", err)
	}
	meeting := f.instance(t, "3.1/*/2026-Q4")
	if _, err := f.svc.Report("o-lifang", meeting.ID(), 1, "", ""); !errors.Is(err, ErrNotYours) {
		t.Errorf("a leader reporting the principal's meeting: %v", err)
	}
	if _, err := f.svc.Report("o-zhangming", meeting.ID(), 1, "会议纪要已存档", ""); err != nil {
		t.Errorf("the principal: %v", err)
	}
}

// A counted quota counts per person from the records: 李芳's two
// inspections do not count for 王强, and nobody reports it by hand.
func TestCountedQuotaPerPerson(t *testing.T) {
	f := newFixture(t)
	f.svc.RegisterCounter("inspections", func(tx *storage.Tx, official string, from, to time.Time) (int, int, error) {
		c, err := inspection.Count(tx, official, from, to)
		return c.Own, 0, err
	})
	li := f.instance(t, "19.2/~o-lifang/2026-10")
	if li.Quota != 2 || li.What != "检查挂牌企业" || f.svc.Counted(li) != "inspections" {
		t.Fatalf("19.2 = %+v counted %q", li, f.svc.Counted(li))
	}
	if _, err := f.svc.Report("o-lifang", li.ID(), 1, "", ""); !errors.Is(err, ErrCounted) {
		t.Fatalf("a ➕1 by hand: %v", err)
	}
	progress := func(official string) (int, bool) {
		g, err := f.svc.Mine(official, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range g.All() {
			if it.PointID() == "19.2" && it.Official == official && it.Period == "2026-10" {
				return it.Progress, true
			}
		}
		return 0, false
	}
	inspect := func(id string, at time.Time, plaque ...string) {
		t.Helper()
		err := f.db.Update(func(tx *storage.Tx) error {
			return inspection.Put(tx, inspection.Inspection{ID: id, Enterprise: "91500000MA5U000001", Official: "o-lifang",
				At: at, Kind: inspection.KindCheck, Checked: "x", Plaque: plaque})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	inspect("C1", now.Add(-time.Hour), enterprise.PlaqueAdmin)
	inspect("C2", now.AddDate(0, -1, 0), enterprise.PlaqueAdmin) // September's
	inspect("C3", now.Add(-2*time.Hour))                         // not her plaque
	if p, ok := progress("o-lifang"); !ok || p != 1 {
		t.Errorf("李芳's 19.2 after one own inspection this month = %d (listed %v)", p, ok)
	}
	inspect("C4", now.Add(-3*time.Hour), enterprise.PlaqueSupervisor)
	if p, ok := progress("o-lifang"); ok {
		t.Errorf("李芳's 19.2 is still listed at %d after two", p)
	}
	if p, ok := progress("o-wangqiang"); !ok || p != 0 {
		t.Errorf("王强's 19.2 counts 李芳's inspections: %d (listed %v)", p, ok)
	}
}

// /mytasks' view: only what is owed now, each point once; the daily item
// for today only; missed periods folded into one line; own items first.
func TestMineShowsWhatIsOwedNow(t *testing.T) {
	f := newFixture(t)
	g, err := f.svc.Mine("o-wumin", now)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sec := range [][]Item{g.Today, g.Week, g.Month, g.Soon} {
		for _, it := range sec {
			key := it.PointID() + "/" + it.Key()
			if seen[key] {
				t.Errorf("%s listed twice", key)
			}
			seen[key] = true
			if it.Start.After(now) {
				t.Errorf("%s has not started", it.ID())
			}
			if !it.Owes("o-wumin") {
				t.Errorf("吴敏 does not owe %s (owers %v)", it.ID(), it.Owers)
			}
		}
	}
	if len(g.Today) != 1 || g.Today[0].ID() != "14.2/~o-wumin/2026-10-12" {
		t.Errorf("today = %v", ids(g.Today))
	}
	// Every missed daily inspection since 09-01 is one line, the latest the
	// 调休 Saturday 10-10.
	if len(g.Overdue) == 0 || g.Overdue[0].PointID() != "14.2" || g.Overdue[0].Missed < 20 || g.Overdue[0].Period != "2026-10-10" {
		t.Errorf("overdue = %v", g.Overdue)
	}
	for _, it := range g.Month {
		if it.Span() != duty.SpanMonth {
			t.Errorf("%s in this month's items", it.ID())
		}
	}
	for _, it := range g.Soon {
		if it.Due.After(now.AddDate(0, 0, SoonDays+1)) {
			t.Errorf("%s due beyond 30 days", it.ID())
		}
	}
	// The principal: town items only, his own first.
	p, err := f.svc.Mine("o-zhangming", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.All() {
		if !it.Owes("o-zhangming") && it.Owner != catalogue.OwnerUnit {
			t.Errorf("the principal sees %s", it.ID())
		}
	}
	if !slices.Contains(ids(p.Month), "8.1/*/2026-10") {
		t.Errorf("the principal's monthly items: %v", ids(p.Month))
	}
	// Reporting today's item removes it from the view.
	if _, err := f.svc.Report("o-wumin", g.Today[0].ID(), 1, "", ""); err != nil {
		t.Fatal(err)
	}
	if g2, _ := f.svc.Mine("o-wumin", now); len(g2.Today) != 0 {
		t.Errorf("after reporting, today has %v", ids(g2.Today))
	}
}

func ids(list []Item) []string {
	var out []string
	for _, it := range list {
		out = append(out, it.ID())
	}
	return out
}

// Completions count units, then officials owing items across units, then
// the town; a report moves only its own row.
func TestCompletions(t *testing.T) {
	f := newFixture(t)
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, f.cfg.Location)
	to := time.Date(2026, 10, 13, 0, 0, 0, 0, f.cfg.Location)
	before, err := f.svc.Completions(from, to, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"14.2/~o-wumin/2026-10-12", "8.2/~o-lifang/2026-10-12"} {
		if _, err := f.svc.Report(id[strings.Index(id, "~")+1:strings.LastIndex(id, "/")], id, 1, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := f.svc.Completions(from, to, now)
	for i := range after {
		b, a := before[i], after[i]
		switch {
		case a.Unit == "yjb", a.Official == "o-lifang":
			if a.Done != b.Done+1 || a.Due != b.Due || a.Due == 0 {
				t.Errorf("%+v before %+v", a, b)
			}
		case a != b:
			t.Errorf("%+v changed from %+v", a, b)
		}
	}
	if last := after[len(after)-1]; !last.Town || last.Due == 0 {
		t.Errorf("town row %+v", last)
	}
}

// Event points stand on the features' records.
func TestEvidence(t *testing.T) {
	f := newFixture(t)
	f.svc.RegisterEvidence("incidents", func(tx *storage.Tx, from, to time.Time) (int, error) {
		if from.Month() != time.January || from.Day() != 1 || to.Year() != 2027 || to.YearDay() != 1 {
			t.Errorf("evidence asked for [%s, %s)", from, to)
		}
		return 3, nil
	})
	ov, err := f.svc.Overview(now)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ov.Points {
		switch catalogue.ID(p.Task, p.Point) {
		case "41.1":
			if p.Asked || p.Records != 3 || p.Evidence != "incidents" {
				t.Errorf("41.1 = %+v", p)
			}
		case "45.1":
			if p.Records != -1 {
				t.Errorf("45.1 without its feature = %+v", p)
			}
		case "4.1":
			if !p.Dropped || p.Asked {
				t.Errorf("4.1 (a 2022 one-off) = %+v", p)
			}
		case "8.2":
			if !p.Asked || p.Items != 2 {
				t.Errorf("8.2 = %+v", p)
			}
		}
	}
	if n := len(ov.Dropped()); n != 15 || ov.PlanYear != 2022 || ov.Year != 2026 {
		t.Errorf("dropped %d, plan year %d, year %d", n, ov.PlanYear, ov.Year)
	}
}

// BenchmarkMine measures an official's view with the full plan.
func BenchmarkMine(b *testing.B) {
	f := newFixture(b)
	f.svc.Mine("o-wumin", now) // compute the year once
	for b.Loop() {
		if _, err := f.svc.Mine("o-wumin", now); err != nil {
			b.Fatal(err)
		}
	}
}

// Tracking starts at the first start: what fell due before is history, not
// overdue; a restart does not move it.
func TestSinceIsRecordedOnce(t *testing.T) {
	f := newFixture(t)
	f.db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaSince, "2026-10-12") })
	fresh := newService(t, f.cfg, f.db, f.clk)
	if s := fresh.Since(); !s.Equal(time.Date(2026, 10, 12, 0, 0, 0, 0, f.cfg.Location)) {
		t.Fatalf("Since = %s", s)
	}
	g, err := fresh.Mine("o-wumin", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Overdue) != 0 {
		t.Errorf("%d overdue from before tracking started", len(g.Overdue))
	}
	db2, err := storage.Open(filepath.Join(t.TempDir(), "db2"))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if s := newService(t, f.cfg, db2, f.clk).Since(); !s.Equal(time.Date(2026, 10, 12, 0, 0, 0, 0, f.cfg.Location)) {
		t.Errorf("first Since = %s", s)
	}
	f.clk.Advance(48 * time.Hour)
	if s := newService(t, f.cfg, db2, f.clk).Since(); !s.Equal(time.Date(2026, 10, 12, 0, 0, 0, 0, f.cfg.Location)) {
		t.Errorf("Since moved to %s after a restart", s)
	}
}

// A counted point's records are read over its whole period.
func TestPeriodEnd(t *testing.T) {
	loc := now.Location()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, loc) }
	tests := []struct {
		period string
		start  time.Time
		want   time.Time
	}{
		{"2026-10", d(2026, 10, 1), d(2026, 11, 1)},
		{"2026-Q4", d(2026, 10, 1), d(2027, 1, 1)},
		{"2026-H2", d(2026, 7, 1), d(2027, 1, 1)},
		{"2026-W41", d(2026, 10, 5), d(2026, 10, 12)},
		{"2026", d(2026, 1, 1), d(2027, 1, 1)},
	}
	for _, tt := range tests {
		if got := periodEnd(duty.Instance{Period: tt.period, Start: tt.start}); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.period, got, tt.want)
		}
	}
}

// A call for counted quotas shows what the records reached and asks for
// an acknowledgement, not a report nobody could make.
func TestOverdueTextOfCountedQuotas(t *testing.T) {
	f := newFixture(t)
	tr, err := locales.New("zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	w := NewSweeper(f.svc, nil, f.gen.Plan(), tr, "yellow", nil)
	in19 := f.instance(t, "19.2/~o-lifang/2026-10")
	in8 := f.instance(t, "8.4/~o-lifang/2026-10")
	got := w.text("zh-CN", []duty.Instance{in19}, in19.Owers, in19.Due, map[string]int{in19.ID(): 1})
	for _, want := range []string{"• 19.2 ", "检查挂牌企业 ▰▱ 1/2 · 按 /check 检查记录自动计数", "按检查和隐患记录计数未达标"} {
		if !strings.Contains(got.Body, want) {
			t.Errorf("counted call lacks %q:\n%s", want, got.Body)
		}
	}
	mixed := w.text("zh-CN", []duty.Instance{in8, in19}, in19.Owers, in19.Due, map[string]int{in19.ID(): 0})
	if !strings.Contains(mixed.Body, "尚未报告完成") || !strings.Contains(mixed.Body, "检查挂牌企业 ▱▱ 0/2") {
		t.Errorf("mixed call:\n%s", mixed.Body)
	}
}

// A counter saying nothing is owed this period (a negative need) leaves
// the point out of the view, done, however the plan's roles name them.
func TestCountedNotOwed(t *testing.T) {
	f := newFixture(t)
	f.svc.RegisterCounter("inspections", func(tx *storage.Tx, official string, from, to time.Time) (int, int, error) {
		if official == "o-lifang" {
			return 0, -1, nil
		}
		return 0, 0, nil
	})
	listed := func(official string) bool {
		g, err := f.svc.Mine(official, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range g.All() {
			if it.PointID() == "19.2" && it.Official == official {
				return true
			}
		}
		return false
	}
	if listed("o-lifang") {
		t.Error("19.2 listed for 李芳, who owes nothing this period")
	}
	if !listed("o-wangqiang") {
		t.Error("19.2 not listed for 王强, who owes it")
	}
}
