package hazard

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
	"dutybot/scheduler"
	"dutybot/storage"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testYAML: 安监站 (ajz) is the supervising department: 孙丽 supervises the
// machine works, 张明 inspects, 吴敏 heads it. 龙湖村 (lhc) is the works'
// 属地 unit, headed by 陈杰, with 王强 (who reads English) as its 分管领导.
// 赵刚 is the works' 行政负责人, 何军 the principal; 钱进 of 城管大队 has
// nothing to do with the works.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: ajz, name: 安监站, head: o-wu, leader: o-liu}
  - {id: lhc, name: 龙湖村, head: o-chen, leader: o-wang}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
  - {id: cgdd, name: 城管大队, head: o-ma, leader: o-liu}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: ajz, roles: [staff]}
  - {id: o-sun, name: 孙丽, phone: "13800000002", unit: ajz, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: ajz, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-wang, name: 王强, phone: "13800000005", unit: dzb, roles: [leader], language: en}
  - {id: o-he, name: 何军, phone: "13800000006", unit: dzb, roles: [principal]}
  - {id: o-chen, name: 陈杰, phone: "13800000007", unit: lhc, roles: [unit_head]}
  - {id: o-zhao, name: 赵刚, phone: "13800000008", unit: dzb, roles: [leader]}
  - {id: o-qian, name: 钱进, phone: "13800000009", unit: cgdd, roles: [staff]}
  - {id: o-ma, name: 马超, phone: "13800000010", unit: cgdd, roles: [unit_head]}
  - {id: o-admin, name: 安琪, phone: "13800000011", unit: dzb, roles: [admin]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 30m, action: escalate, to: unit_head}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

// The machine works and its plaque; its 企业单位负责人 李老板 is bound to
// chat 7001. The mill, also in 龙湖村, has 王强 (the village's 分管领导)
// as its 行政负责人, and its own head is not bound.
const (
	works      = "91500106MA5U7X1234"
	worksName  = "重庆某某机械厂"
	bossChat   = 7001
	unknownEnt = "91500106MA5U7X9999"
	mill       = "91500106MA5U7X5678"
	millName   = "龙湖面粉厂"
)

// fakeEnterprises is the registry as the loop sees it.
type fakeEnterprises map[string]Plaque

func (f fakeEnterprises) Plaque(id string) (Plaque, bool) {
	p, ok := f[id]
	return p, ok
}

func testEnterprises() fakeEnterprises {
	return fakeEnterprises{works: {Name: worksName, Unit: "lhc", Supervisor: "o-sun", Administrator: "o-zhao",
		Principal: Person{Name: "李老板", Phone: "13900000001", Chat: bossChat}},
		mill: {Name: millName, Unit: "lhc", Supervisor: "o-sun", Administrator: "o-wang",
			Principal: Person{Name: "周厂长", Phone: "13900000002"}}}
}

type fixture struct {
	t    *testing.T
	path string
	cfg  *config.Config
	db   *storage.DB
	clk  *clock.Fake
	e    *callout.Engine
	s    *Service
	fire scheduler.Mux
	// sent holds every message delivered, by chat, as a dispatcher would
	// have sent them.
	sent map[int64][]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "dutybot.db"), cfg: cfg, clk: clock.NewFake(t0),
		sent: map[int64][]string{}}
	f.open()
	// Bind everyone to a chat of their own: 100 + their index.
	f.update(func(tx *storage.Tx) error {
		for i, o := range cfg.Officials {
			if err := tx.PutBinding(storage.Binding{Official: o.ID, ChatID: int64(100 + i), UserID: int64(100 + i)}); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

// open opens the database and builds the service on it, as a start of the
// bot does.
func (f *fixture) open() {
	f.t.Helper()
	db, err := storage.Open(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	cat, err := locales.New(locales.ZH)
	if err != nil {
		f.t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.db = db
	f.e = callout.New(f.cfg, db, f.clk, cat, nil, log)
	f.s = New(f.cfg, db, f.e, cat, f.clk, testEnterprises(), log)
	f.fire = scheduler.Mux{}
	f.fire.Handle("r:", f.e.Fire)
	f.fire.Handle(DeadlinePrefix, f.s.Fire)
}

// restart closes the database and opens it again.
func (f *fixture) restart() {
	f.t.Helper()
	if err := f.db.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

func (f *fixture) update(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.Update(fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) view(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.View(fn); err != nil {
		f.t.Fatal(err)
	}
}

// chat is an official's chat.
func (f *fixture) chat(official string) int64 {
	for i, o := range f.cfg.Officials {
		if o.ID == official {
			return int64(100 + i)
		}
	}
	f.t.Fatalf("no official %s", official)
	return 0
}

// deliver sends every queued message, as the dispatcher does, and returns
// what each chat got, by chat.
func (f *fixture) deliver() map[int64][]string {
	f.t.Helper()
	got := map[int64][]string{}
	f.update(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		for i, j := range jobs {
			if err := f.e.Delivered(tx, j, 1000+int(j.Seq)+i, f.clk.Now()); err != nil {
				return err
			}
			if err := tx.DeleteJob(j); err != nil {
				return err
			}
			got[j.ChatID] = append(got[j.ChatID], j.Text)
			f.sent[j.ChatID] = append(f.sent[j.ChatID], j.Text)
		}
		return nil
	})
	return got
}

// jobsTo lists the messages waiting for a chat, buttons and all.
func (f *fixture) jobsTo(chat int64) []storage.Job {
	f.t.Helper()
	var out []storage.Job
	f.view(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		for _, j := range jobs {
			if j.ChatID == chat {
				out = append(out, j)
			}
		}
		return err
	})
	return out
}

// advance moves the clock on and fires what is due, as the deadline runner
// does.
func (f *fixture) advance(d time.Duration) {
	f.t.Helper()
	f.clk.Advance(d)
	now := f.clk.Now()
	f.update(func(tx *storage.Tx) error {
		due := tx.DueDeadlines(now, 1000)
		for _, dl := range due {
			if err := tx.DeleteDeadline(dl); err != nil {
				return err
			}
		}
		return f.fire.Fire(tx, due, now)
	})
}

// hazard reads a hazard.
func (f *fixture) hazard(id string) Hazard {
	f.t.Helper()
	var h Hazard
	f.view(func(tx *storage.Tx) error {
		var err error
		h, err = Load(tx, id)
		return err
	})
	return h
}

// events lists a hazard's event codes.
func (f *fixture) events(id string) []storage.Event {
	f.t.Helper()
	var evs []storage.Event
	f.view(func(tx *storage.Tx) error {
		var err error
		evs, err = tx.AlertEvents(id)
		return err
	})
	return evs
}

func codes(evs []storage.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Code)
	}
	return out
}

// deadlines lists the hazard deadlines waiting.
func (f *fixture) deadlines() []storage.Deadline {
	f.t.Helper()
	var out []storage.Deadline
	f.view(func(tx *storage.Tx) error {
		for _, d := range tx.DueDeadlines(t0.AddDate(10, 0, 0), 10000) {
			if strings.HasPrefix(d.Key, DeadlinePrefix) {
				out = append(out, d)
			}
		}
		return nil
	})
	return out
}

// linked returns the overdue 叫应 of a hazard's round, if any.
func (f *fixture) linked(id string, round int) (callout.Alert, bool) {
	f.t.Helper()
	var a callout.Alert
	var ok bool
	f.view(func(tx *storage.Tx) error {
		var aid string
		if aid, ok = callout.LinkedAlert(tx, OverdueLink(id, round)); !ok {
			return nil
		}
		var err error
		a, err = callout.LoadAlert(tx, aid)
		return err
	})
	return a, ok
}

// finding is a general hazard at the works found by 张明, assigned at once
// with a deadline of three days.
func finding() Finding {
	return Finding{Enterprise: works, FoundBy: "o-zhang", Level: "一般", Description: "配电箱未接地，电线老化裸露",
		Photos: []string{"photo-found-1", "photo-found-2"}, Point: &storage.Point{Lat: 29.5, Lon: 106.4},
		Assign: &Assignment{Deadline: t0.Add(72 * time.Hour)}}
}

// five are the 五落实 of a major hazard.
func five() *FiveFixes {
	return &FiveFixes{Responsibility: "厂长李老板负总责", Measures: "停用二号车间，更换防爆电气",
		Funds: "8万元，企业自筹", TimeLimit: "15日内", Plan: "停产撤人，专人值守"}
}

func (f *fixture) report(fd Finding) Hazard {
	f.t.Helper()
	h, err := f.s.Report(fd)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// told reports which of officials got a message containing all of want.
func (f *fixture) told(got map[int64][]string, want ...string) []string {
	var out []string
	for _, o := range f.cfg.Officials {
		for _, text := range got[f.chat(o.ID)] {
			if containsAll(text, want...) {
				out = append(out, o.ID)
				break
			}
		}
	}
	return out
}

func containsAll(text string, want ...string) bool {
	for _, w := range want {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// callees lists whom an alert calls.
func (f *fixture) callees(alertID string) []string {
	f.t.Helper()
	var out []string
	f.view(func(tx *storage.Tx) error {
		rs, err := callout.Recipients(tx, alertID)
		for _, r := range rs {
			out = append(out, r.Official)
		}
		return err
	})
	return out
}
