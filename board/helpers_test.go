package board

import (
	"bytes"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/rota"
	"dutybot/scheduler"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/weather"
	"dutybot/workcal"
)

// start is 08:00 Beijing time on Monday 30 November 2026, the last working
// day of the month.
var start = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testYAML is a small town: 应急办 (yjb) with two staff, a head and the
// 分管领导 刘洋; 党政办 (dzb) with the principal 何军; 城管大队 (cgdd) with one
// unbound staff member; a duty leader and an admin; and a 熔断 checklist
// for rainstorms.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
http:
  listen: 127.0.0.1:8080
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu, tags: [supervisory]}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he, tags: [yigang]}
  - {id: cgdd, name: 城管大队, head: o-chen, leader: o-liu, tags: [yigang, supervisory]}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-duty, name: 杜峰, phone: "13800000006", unit: yjb, roles: [duty_leader]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
  - {id: o-chen, name: 陈杰, phone: "13800000008", unit: cgdd, roles: [unit_head]}
  - {id: o-qian, name: 钱进, phone: "13800000009", unit: cgdd, roles: [staff]}
weather:
  meltdown:
    confirm_within: 30m
    checklist:
      - {action: evacuate, text: 转移撤离危险区域群众, units: [yjb], types: [rainstorm], count: true}
      - {action: forbid, text: 禁止车辆驶入涉水路段, units: [cgdd]}
`

// bound are the officials with a Telegram chat (钱进 has none).
var bound = []string{"o-zhang", "o-li", "o-wu", "o-liu", "o-he", "o-duty", "o-admin", "o-chen"}

// fixture is a board on real services and a real bbolt file, driven by
// hand: messages are "delivered" by deliver and deadlines fired by fire.
type fixture struct {
	t       *testing.T
	cfg     *config.Config
	db      *storage.DB
	clk     *clock.Fake
	cat     *locales.Catalog
	engine  *callout.Engine
	rota    *rota.Service
	weather *weather.Service
	tasks   *tasks.Service
	srv     *Server
	fire    scheduler.Mux
	logs    *lockedBuffer
	msgID   int
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	return newFixtureYAML(t, o, testYAML)
}

// newFixtureYAML is newFixture on another configuration with the same
// officials (they are bound by id).
func newFixtureYAML(t *testing.T, o Options, yaml string) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := locales.New(cfg.Language)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, cfg: cfg, db: db, clk: clock.NewFake(start), cat: cat, logs: &lockedBuffer{}}
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cal, err := workcal.New(cfg.Location, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.engine = callout.New(cfg, db, f.clk, cat, nil, log)
	f.rota = rota.New(cfg, db, f.engine, cal, cat, f.clk, log)
	f.weather = weather.New(cfg, db, f.engine, cat, f.clk, log)
	f.weather.DutyMode = f.rota.DutyMode
	if f.tasks, err = tasks.New(cfg, db, plan, cal, f.clk); err != nil {
		t.Fatal(err)
	}
	f.fire.Handle("r:", f.engine.Fire)
	f.fire.Handle("s:", f.rota.Fire)
	f.fire.Handle("w:", f.weather.Fire)
	if o.Poll == 0 {
		o.Poll = time.Nanosecond // every look reads the log
	}
	f.srv, err = New(Deps{Config: cfg, DB: db, Engine: f.engine, Rota: f.rota, Weather: f.weather, Tasks: f.tasks,
		Plan: plan, Catalog: cat, Clock: f.clk, Log: log}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.srv.Close)
	f.update(func(tx *storage.Tx) error {
		for i, id := range bound {
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: int64(1001 + i), UserID: int64(1001 + i),
				BoundAt: start, Source: "config"}); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

func (f *fixture) update(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.Update(fn); err != nil {
		f.t.Fatal(err)
	}
}

// deliver plays the outbox: every queued message is delivered now.
func (f *fixture) deliver() {
	f.t.Helper()
	now := f.clk.Now()
	f.update(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		for _, j := range jobs {
			f.msgID++
			if err := f.engine.Delivered(tx, j, f.msgID, now); err != nil {
				return err
			}
			if err := tx.DeleteJob(j); err != nil {
				return err
			}
		}
		return nil
	})
}

// advance moves the clock by d, stopping at each deadline on the way to
// fire it (as the deadline runner would) and deliver what it sends.
func (f *fixture) advance(d time.Duration) {
	f.t.Helper()
	target := f.clk.Now().Add(d)
	for {
		var next time.Time
		var ok bool
		if err := f.db.View(func(tx *storage.Tx) error {
			next, ok = tx.NextDeadline()
			return nil
		}); err != nil {
			f.t.Fatal(err)
		}
		if !ok || next.After(target) {
			f.clk.Advance(target.Sub(f.clk.Now()))
			return
		}
		if next.After(f.clk.Now()) {
			f.clk.Advance(next.Sub(f.clk.Now()))
		}
		now := f.clk.Now()
		f.update(func(tx *storage.Tx) error {
			due := tx.DueDeadlines(now, 1000)
			for _, d := range due {
				if err := tx.DeleteDeadline(d); err != nil {
					return err
				}
			}
			return f.fire.Fire(tx, due, now)
		})
		f.deliver()
	}
}

// alert raises an alert over the engine as the API would.
func (f *fixture) alert(level, title string, officials ...string) string {
	f.t.Helper()
	a, err := f.engine.Create(callout.Request{Level: level, Title: title, Source: "api",
		Targets: callout.Targets{Officials: officials}})
	if err != nil {
		f.t.Fatal(err)
	}
	return a.ID
}

// board returns the board as it is now.
func (f *fixture) board() *Board {
	f.t.Helper()
	snap, err := f.srv.current()
	if err != nil {
		f.t.Fatal(err)
	}
	return snap.board
}

// section renders one section of the current board in lang.
func (f *fixture) section(lang, id string) string {
	f.t.Helper()
	snap, err := f.srv.current()
	if err != nil {
		f.t.Fatal(err)
	}
	secs, err := f.srv.sections(snap, lang)
	if err != nil {
		f.t.Fatal(err)
	}
	return secs[id]
}

var _ io.Writer = (*lockedBuffer)(nil)
