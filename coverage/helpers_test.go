package coverage

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/workcal"
)

// testYAML is a small town whose office (应急办) is headed by 吴敏, with an
// admin, a flood season and an important date.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader, duty_leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
  levels: {blue: default, yellow: default, orange: default, red: default}
roster:
  office: yjb
  gap_days_ahead: 7
  gap_check_at: "09:00"
  important_dates:
    - {name: 区安全生产专项检查, from: "2026-12-14", to: "2026-12-18"}
  flood_season: {from: "04-01", to: "09-30"}
`

var cst = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a time in Beijing.
func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, cst) }

// day is a date, midnight in Beijing.
func day(m time.Month, d int) time.Time { return at(2026, m, d, 0, 0) }

type env struct {
	t   *testing.T
	cfg *config.Config
	db  *storage.DB
	clk *clock.Fake
	c   *Checker
}

// newEnv builds a checker on a fresh database; edit, if given, changes the
// YAML first.
func newEnv(t *testing.T, now time.Time, edit func(string) string) *env {
	t.Helper()
	y := testYAML
	if edit != nil {
		y = edit(y)
	}
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cal, err := workcal.New(cfg.Location, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := locales.New(cfg.Language)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(now)
	log := slog.New(slog.DiscardHandler)
	engine := callout.New(cfg, db, clk, tr, nil, log)
	r := rota.New(cfg, db, engine, cal, tr, clk, log)
	return &env{t: t, cfg: cfg, db: db, clk: clk, c: New(cfg, db, cal, r, engine, tr, clk, log)}
}

// shift is a roster shift of 张明 led by 刘洋 from start for hours.
func shift(start time.Time, hours int, kind string) roster.Shift {
	return roster.Shift{Start: start, End: start.Add(time.Duration(hours) * time.Hour), Leader: "o-liu",
		Staff: []string{"o-zhang"}, Kind: kind}
}

// days24 returns 24-hour shifts from 08:00 on each date from first to last.
func days24(first, last time.Time, kind string) []roster.Shift {
	var out []roster.Shift
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, shift(d.Add(8*time.Hour), 24, kind))
	}
	return out
}

func (e *env) importShifts(shifts ...roster.Shift) Outcome {
	e.t.Helper()
	out, err := e.c.Import(shifts, "o-admin", "test.xlsx")
	if err != nil {
		e.t.Fatalf("import: %v", err)
	}
	return out
}

func (e *env) upcoming(now time.Time) []Gap {
	e.t.Helper()
	var gaps []Gap
	err := e.db.View(func(tx *storage.Tx) error {
		var err error
		gaps, err = e.c.Upcoming(tx, now, e.cfg.Roster.GapDaysAhead)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return gaps
}

// bind binds officials to chats (their phone's last digits).
func (e *env) bind(ids ...string) {
	e.t.Helper()
	err := e.db.Update(func(tx *storage.Tx) error {
		for i, id := range ids {
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: int64(100 + i), UserID: int64(100 + i),
				BoundAt: e.clk.Now(), Source: "contact"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// jobs returns the queued messages.
func (e *env) jobs() []storage.Job {
	e.t.Helper()
	var out []storage.Job
	if err := e.db.View(func(tx *storage.Tx) (err error) { out, err = tx.Jobs(); return }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// clearJobs empties the outbox, as sending would.
func (e *env) clearJobs() {
	e.t.Helper()
	err := e.db.Update(func(tx *storage.Tx) error {
		js, err := tx.Jobs()
		for _, j := range js {
			if err := tx.DeleteJob(j); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// events returns the recorded events of type typ.
func (e *env) events(typ string) []storage.Event {
	e.t.Helper()
	var out []storage.Event
	err := e.db.View(func(tx *storage.Tx) error {
		all, err := tx.Events(0, 1<<20)
		for _, ev := range all {
			if ev.Type == typ {
				out = append(out, ev)
			}
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// describe renders gaps as "period day [whole|hh:mm-hh:mm…]" lines.
func describe(gaps []Gap) []string {
	var out []string
	for _, g := range gaps {
		s := g.Period.Label() + " " + g.Day.Format("01-02")
		if g.Whole {
			s += " whole"
		} else {
			for _, m := range g.Missing {
				s += " " + m.From.In(cst).Format("01-02T15:04") + "/" + m.To.In(cst).Format("01-02T15:04")
			}
		}
		out = append(out, s)
	}
	return out
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// runChecker runs the daily loop of c until stop is called or the test ends.
func (e *env) runChecker(c *Checker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				e.t.Errorf("Run: %v", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// restarted returns a new checker on the same database and services, as
// after a restart.
func (e *env) restarted() *Checker {
	c := e.c
	return New(c.cfg, c.db, c.cal, c.rota, c.engine, c.tr, c.clock, c.log)
}

func configRange(from, to string) config.MonthDayRange {
	return config.MonthDayRange{From: from, To: to}
}

// waitNext waits until c's loop sleeps until want.
func (e *env) waitNext(c *Checker, want time.Time) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !c.NextRun().Equal(want) {
		if time.Now().After(deadline) {
			e.t.Fatalf("next check at %v, want %v", c.NextRun(), want)
		}
		time.Sleep(time.Millisecond)
	}
}
