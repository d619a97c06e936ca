package inspection

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/locales"
	"dutybot/storage"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testYAML: 安监站 (ajz) is the supervising department of the machine
// works: 孙丽 is its 行业部门监管负责人, 张明 works beside her. 龙湖村 (lhc)
// is the works' 属地 unit, 陈杰 its head. 赵刚 (a staff member of 党政办)
// is the works' 行政负责人, 马超 of 城管大队 its 包保责任人; 钱进 of 城管大队
// has nothing to do with it; 刘洋 is a 分管领导, 何军 the principal, 安琪 the
// admin.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: ajz, name: 安监站, head: o-wu, leader: o-liu}
  - {id: lhc, name: 龙湖村, head: o-chen, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
  - {id: cgdd, name: 城管大队, head: o-ma, leader: o-liu}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: ajz, roles: [staff]}
  - {id: o-sun, name: 孙丽, phone: "13800000002", unit: ajz, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: ajz, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000006", unit: dzb, roles: [principal]}
  - {id: o-chen, name: 陈杰, phone: "13800000007", unit: lhc, roles: [unit_head]}
  - {id: o-zhao, name: 赵刚, phone: "13800000008", unit: dzb, roles: [staff]}
  - {id: o-qian, name: 钱进, phone: "13800000009", unit: cgdd, roles: [staff]}
  - {id: o-ma, name: 马超, phone: "13800000010", unit: cgdd, roles: [unit_head]}
  - {id: o-admin, name: 安琪, phone: "13800000011", unit: dzb, roles: [admin]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

// creditCode is a valid fictional 统一社会信用代码.
func creditCode(n int) string {
	first := fmt.Sprintf("91500106MA%07d", n)
	c, _ := enterprise.CheckChar(first)
	return first + string(c)
}

// works is the machine works; mill a second enterprise on 孙丽's plaque,
// shop one on nobody's of the test (刘洋 and 吴敏's).
var (
	works = enterprise.Enterprise{Code: creditCode(1), Name: "重庆某某机械厂", Industry: "industry_trade", Risk: "yellow",
		Admin: "o-zhao", Supervisor: "o-sun", Guarantor: "o-ma", Head: storage.Contact{Name: "李老板", Phone: "13900000001"}, Unit: "lhc"}
	mill = enterprise.Enterprise{Code: creditCode(2), Name: "含谷面粉厂", Industry: "industry_trade", Risk: "blue",
		Admin: "o-zhao", Supervisor: "o-sun", Head: storage.Contact{Name: "王厂长", Phone: "13900000002"}, Unit: "lhc"}
	shop = enterprise.Enterprise{Code: creditCode(3), Name: "含谷五金店", Industry: "other", Risk: "blue",
		Admin: "o-liu", Supervisor: "o-wu", Head: storage.Contact{Name: "周店主", Phone: "13900000003"}, Unit: "ajz"}
)

type fixture struct {
	t   *testing.T
	cfg *config.Config
	db  *storage.DB
	clk *clock.Fake
	reg *enterprise.Registry
	hz  *hazard.Service
	s   *Service
}

// plaques is the registry as the hazard loop sees it (as app.New wires it).
type plaques struct{ reg *enterprise.Registry }

func (p plaques) Plaque(code string) (hazard.Plaque, bool) {
	e, ok, _ := p.reg.Get(code)
	return hazard.Plaque{Name: e.Name, Unit: e.Unit, Supervisor: e.Supervisor, Administrator: e.Admin,
		Principal: hazard.Person{Name: e.Head.Name, Phone: e.Head.Phone}}, ok
}

func newFixture(t testing.TB, list ...enterprise.Enterprise) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	clk := clock.NewFake(t0)
	reg := enterprise.New(cfg, db, clk, log)
	if len(list) == 0 {
		list = []enterprise.Enterprise{works, mill, shop}
	}
	if _, err := reg.Import(list, "cli", "test.yaml"); err != nil {
		t.Fatal(err)
	}
	engine := callout.New(cfg, db, clk, cat, nil, log)
	hz := hazard.New(cfg, db, engine, cat, clk, plaques{reg}, log)
	f := &fixture{cfg: cfg, db: db, clk: clk, reg: reg, hz: hz, s: New(cfg, db, reg, hz, clk, log)}
	if tt, ok := t.(*testing.T); ok {
		f.t = tt
	}
	return f
}

// submit records an inspection that must be accepted.
func (f *fixture) submit(r Record) Inspection {
	f.t.Helper()
	in, err := f.s.Submit(r)
	if err != nil {
		f.t.Fatalf("submit %+v: %v", r, err)
	}
	return in
}

// stored counts the inspections and hazards stored.
func (f *fixture) stored() (inspections, hazards int) {
	f.t.Helper()
	if err := f.db.View(func(tx *storage.Tx) error {
		all, err := All(tx)
		if err != nil {
			return err
		}
		hs, err := hazard.All(tx)
		inspections, hazards = len(all), len(hs)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return inspections, hazards
}

// set moves the fake clock to t, back or forth (no timers run here).
func (f *fixture) set(t time.Time) { f.clk.Advance(t.Sub(f.clk.Now())) }
