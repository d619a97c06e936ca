package incident

import (
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

const townYAML = `
timezone: Asia/Shanghai
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-ma, name: 马力, phone: "13800000009", unit: dzb, roles: [principal]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
  - {id: o-chen, name: 陈杰, phone: "13800000008", unit: dzb, roles: [staff]}
`

type fixture struct {
	s   *Service
	db  *storage.DB
	clk *clock.Fake
}

func newFixture(t *testing.T, yaml string) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tr, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, cfg.Location))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng := callout.New(cfg, db, clk, tr, nil, log)
	return &fixture{s: New(cfg, db, eng, tr, clk, log), db: db, clk: clk}
}

// deadlines lists the pending incident deadlines as "key@15:04".
func (f *fixture) deadlines(t *testing.T) []string {
	t.Helper()
	var out []string
	_ = f.db.View(func(tx *storage.Tx) error {
		for _, d := range tx.DueDeadlines(f.clk.Now().Add(1000*time.Hour), 1000) {
			if strings.HasPrefix(d.Key, "i:") {
				out = append(out, d.Key+"@"+d.At.In(f.s.loc).Format("15:04"))
			}
		}
		return nil
	})
	return out
}

// fire fires the due deadlines as the scheduler does.
func (f *fixture) fire(t *testing.T) {
	t.Helper()
	now := f.clk.Now()
	if err := f.db.Update(func(tx *storage.Tx) error {
		due := tx.DueDeadlines(now, 100)
		for _, d := range due {
			if err := tx.DeleteDeadline(d); err != nil {
				return err
			}
		}
		return f.s.Fire(tx, due, now)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestWhoIsCalledAndMayRecord(t *testing.T) {
	f := newFixture(t, townYAML)
	if got, want := f.s.Concerned(), []string{"o-wu", "o-liu", "o-he", "o-ma"}; !slices.Equal(got, want) {
		t.Errorf("Concerned = %v, want %v", got, want)
	}
	if got, want := f.s.Responsible(), []string{"o-liu", "o-he", "o-ma"}; !slices.Equal(got, want) {
		t.Errorf("Responsible = %v, want %v", got, want)
	}
	in := Incident{Reporter: "o-chen"}
	for _, tt := range []struct {
		official         string
		reportUp, update bool
	}{
		{"o-liu", true, true}, {"o-he", true, true}, {"o-admin", true, true},
		{"o-wu", false, true}, {"o-zhang", false, true}, {"o-chen", false, true}, // office head, office staff, reporter
		{"o-nobody", false, false},
	} {
		if got := f.s.CanReportUp(tt.official); got != tt.reportUp {
			t.Errorf("CanReportUp(%s) = %v", tt.official, got)
		}
		if got := f.s.CanUpdate(tt.official, in); got != tt.update {
			t.Errorf("CanUpdate(%s) = %v", tt.official, got)
		}
	}
	if f.s.CanUpdate("o-chen", Incident{Reporter: "o-zhang"}) {
		t.Error("someone outside the office may update another's report")
	}

	// tips.office names another unit: its head and leader are called.
	g := newFixture(t, townYAML+"tips: {office: dzb}\n")
	if got, want := g.s.Concerned(), []string{"o-he", "o-ma"}; !slices.Equal(got, want) {
		t.Errorf("Concerned with tips.office dzb = %v, want %v", got, want)
	}
}

// The clocks start at the time of the accident: reminders already past
// when it is reported are skipped; a report past the due time is 迟报 at
// once, with a red 叫应 to the principals.
func TestClocksStartAtTheAccident(t *testing.T) {
	f := newFixture(t, townYAML)
	now := f.clk.Now()
	res, err := f.s.Submit(Report{OccurredAt: now.Add(-40 * time.Minute), Place: "p", Unit: "u", Category: CatGas, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Incident.ID
	if got, want := f.deadlines(t), []string{"i:r:" + id + ":600@08:10", "i:d:" + id + "@08:20"}; !slices.Equal(got, want) {
		t.Errorf("deadlines = %v, want %v", got, want)
	}
	if !slices.Equal(res.Called, []string{"o-wu", "o-liu", "o-he", "o-ma"}) {
		t.Errorf("called %v", res.Called)
	}

	old, err := f.s.Submit(Report{OccurredAt: now.Add(-3 * time.Hour), Place: "p", Unit: "u", Category: CatFire, Deaths: 3, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	f.fire(t)
	v, err := f.s.Get(old.Incident.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Incident.Late || !v.Incident.LateAt.Equal(now) || v.Incident.Escalation == "" || v.Incident.Level != LevelLarger {
		t.Errorf("a report three hours late: %+v", v.Incident)
	}
	var types []string
	for _, e := range v.Timeline {
		types = append(types, e.Type)
	}
	if want := []string{EvReported, EvLate}; !slices.Equal(types, want) {
		t.Errorf("timeline %v, want %v", types, want)
	}
	esc, err := f.s.engine.Get(v.Incident.Escalation)
	var called []string
	for _, r := range esc.Recipients {
		called = append(called, r.Official)
	}
	if err != nil || esc.Alert.Level != "red" || !slices.Equal(called, []string{"o-he", "o-ma"}) ||
		!strings.Contains(esc.Alert.Body, "上报时限 06:00 已过") {
		t.Errorf("escalation = %+v to %v, %v", esc.Alert, called, err)
	}
	// The first incident's clocks are untouched.
	if got := f.deadlines(t); len(got) != 2 {
		t.Errorf("deadlines after firing = %v", got)
	}
}

// With no office and no principal the admins are called, and a report
// past its due time is recorded as 迟报 with no one to escalate to.
func TestReportWithNoOfficeOrPrincipal(t *testing.T) {
	f := newFixture(t, `
timezone: Asia/Shanghai
units:
  - {id: cun, name: 某村}
officials:
  - {id: o-a, name: 甲, phone: "13800000001", unit: cun, roles: [admin]}
  - {id: o-b, name: 乙, phone: "13800000002", unit: cun, roles: [staff]}
`)
	res, err := f.s.Submit(Report{OccurredAt: f.clk.Now(), Place: "p", Unit: "u", Category: CatOther, Reporter: "o-b", Source: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Incident.Alert == "" || !slices.Equal(res.Called, []string{"o-a"}) || len(f.deadlines(t)) != 3 {
		t.Errorf("result = %+v, deadlines %v", res, f.deadlines(t))
	}
	f.clk.Advance(2 * time.Hour)
	f.fire(t)
	if v, _ := f.s.Get(res.Incident.ID); !v.Incident.Late || v.Incident.Escalation != "" {
		t.Errorf("after the due time: %+v", v.Incident)
	}
	if !f.s.CanReportUp("o-a") || f.s.CanReportUp("o-b") {
		t.Error("only the admin may record the report here")
	}
}

func TestValidate(t *testing.T) {
	f := newFixture(t, townYAML)
	now := f.clk.Now()
	good := Report{OccurredAt: now, Place: "p", Unit: "u", Category: CatGas}
	for _, tt := range []struct {
		mod  func(*Report)
		want string
	}{
		{func(r *Report) {}, ""},
		{func(r *Report) { r.OccurredAt = now.Add(30 * time.Second) }, ""}, // clock skew
		{func(r *Report) { r.OccurredAt = now.Add(2 * time.Minute) }, "occurred_at: 2026-11-30 08:02 is in the future"},
		{func(r *Report) { r.OccurredAt = time.Time{} }, "occurred_at: required"},
		{func(r *Report) { r.Place = "  " }, "place: required"},
		{func(r *Report) { r.Unit = strings.Repeat("单", 201) }, "unit: longer than 200"},
		{func(r *Report) { r.Category = "plane" }, `category: "plane" is not one of`},
		{func(r *Report) { r.Deaths = -1 }, "deaths: -1 must not be negative"},
		{func(r *Report) { r.Serious = maxCount + 1 }, "serious_injuries: 100001 is more than 100000"},
		{func(r *Report) { r.LossYuan = -1 }, "direct_loss_wan: must not be negative"},
		{func(r *Report) { r.Account = strings.Repeat("字", 2001) }, "account: longer than 2000"},
		{func(r *Report) { r.Reporter = "o-ghost" }, `reporter: unknown official "o-ghost"`},
	} {
		r := good
		tt.mod(&r)
		err := f.s.Validate(&r, now)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: %v, want %q", r, err, tt.want)
		}
		if err == nil && r.OccurredAt.After(now) {
			t.Errorf("a time within the skew was not clamped to now: %s", r.OccurredAt)
		}
	}
}

// Categories are read by id or by name in either language; 火灾 is named
// as in 国务院493号令, and the earlier 消防 is still read.
func TestParseCategory(t *testing.T) {
	f := newFixture(t, townYAML)
	tests := []struct {
		in, want string
	}{
		{"fire", CatFire}, {"火灾", CatFire}, {"消防", CatFire}, {" Fire ", CatFire},
		{"道路交通", CatRoadTraffic}, {"Road traffic", CatRoadTraffic}, {"飞机", ""},
	}
	for _, tt := range tests {
		got, ok := f.s.ParseCategory(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ParseCategory(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	if got := f.s.CategoryName(locales.ZH, CatFire); got != "火灾" {
		t.Errorf("CategoryName(fire) = %q, want 火灾", got)
	}
}
