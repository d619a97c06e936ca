package tasks

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/duty"
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
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.New(cfg.Location, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	gen := duty.New(plan, cal, duty.Options{})
	clk := clock.NewFake(now)
	// The town started tracking on 1 September.
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaSince, "2026-09-01") }); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: New(cfg, db, gen, clk), gen: gen, clk: clk, db: db, cfg: cfg}
}

// find returns the first instance of the year matching pred.
func (f *fixture) find(t *testing.T, pred func(duty.Instance) bool) duty.Instance {
	t.Helper()
	for _, in := range f.gen.Year(2026) {
		if pred(in) {
			return in
		}
	}
	t.Fatal("no such instance")
	return duty.Instance{}
}

func TestReportDaily(t *testing.T) {
	f := newFixture(t)
	today := f.find(t, func(in duty.Instance) bool {
		return in.Kind == catalogue.DailyWorkdays && in.Unit == "yjb" && in.Period == "2026-10-12"
	})
	// 吴敏 is 应急办 staff; 马超 is 城管大队.
	if _, err := f.svc.Report("o-machao", today.ID(), 1, "", ""); !errors.Is(err, ErrNotYourUnit) {
		t.Errorf("other unit: %v", err)
	}
	if _, err := f.svc.Report("o-wumin", "14.2/yjb/2026-13-45", 1, "", ""); !errors.Is(err, ErrUnknownInstance) {
		t.Errorf("forged id: %v", err)
	}
	tomorrow := f.find(t, func(in duty.Instance) bool {
		return in.Task == today.Task && in.Point == today.Point && in.Unit == "yjb" && in.Period == "2026-10-13"
	})
	if _, err := f.svc.Report("o-wumin", tomorrow.ID(), 1, "", ""); !errors.Is(err, ErrNotStarted) {
		t.Errorf("future period: %v", err)
	}
	st, err := f.svc.Report("o-wumin", today.ID(), 5, "检查了 3 家企业", "photo-file-id")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != Done || st.Progress != 1 || st.DoneBy != "o-wumin" || !st.DoneAt.Equal(now) {
		t.Errorf("status = %+v", st)
	}
	if _, err := f.svc.Report("o-zhaojing", today.ID(), 1, "", ""); !errors.Is(err, ErrAlreadyDone) {
		t.Errorf("second report: %v", err)
	}
	// Recorded in the event log, with the note.
	var evs []storage.Event
	f.db.View(func(tx *storage.Tx) error {
		evs, _ = tx.Events(0, 10)
		return nil
	})
	if len(evs) != 1 || evs[0].Type != storage.EvReported || evs[0].Detail != today.ID()+" +1 (1/1): 检查了 3 家企业" {
		t.Errorf("events = %+v", evs)
	}
}

func TestQuotaProgress(t *testing.T) {
	f := newFixture(t)
	q := f.find(t, func(in duty.Instance) bool { return in.Kind == catalogue.Quota && in.Period == "2026-10" })
	o := f.cfg.Officials[0].ID
	for _, off := range f.cfg.Officials {
		if off.Unit == q.Unit {
			o = off.ID
			break
		}
	}
	st, err := f.svc.Report(o, q.ID(), 1, "", "")
	if err != nil || st.State != Open || st.Progress != 1 {
		t.Fatalf("first +1: %+v %v", st, err)
	}
	st, err = f.svc.Report(o, q.ID(), 1, "", "")
	if err != nil || st.State != Done || st.Progress != q.Quota {
		t.Fatalf("second +1: %+v %v", st, err)
	}
}

func TestMineGroups(t *testing.T) {
	f := newFixture(t)
	g, err := f.svc.Mine("o-wumin", now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, list []Status, lo, hi time.Time) {
		for i, s := range list {
			if s.Unit != "yjb" {
				t.Errorf("%s: %s is not 应急办's", name, s.ID())
			}
			if s.Due.Before(lo) || !s.Due.Before(hi) {
				t.Errorf("%s: %s due %s outside [%s, %s)", name, s.ID(), s.Due, lo, hi)
			}
			if i > 0 && s.Due.Before(list[i-1].Due) {
				t.Errorf("%s not in due order", name)
			}
		}
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, f.cfg.Location) }
	check("overdue", g.Overdue, day(9, 1), now)
	check("today", g.Today, now, day(10, 13))
	check("week", g.Week, day(10, 13), day(10, 19))
	check("month", g.Month, day(10, 19), day(11, 1))
	check("later", g.Later, day(11, 1), day(11, 12))
	if len(g.Overdue) == 0 || len(g.Today) == 0 || len(g.Week) == 0 || len(g.Month) == 0 {
		t.Errorf("groups: %d overdue, %d today, %d week, %d month, %d later",
			len(g.Overdue), len(g.Today), len(g.Week), len(g.Month), len(g.Later))
	}
	for _, s := range g.Overdue {
		if s.State != Overdue {
			t.Fatalf("%s in overdue is %s", s.ID(), s.State)
		}
	}
	// Reporting today's item removes it from the view.
	n := len(g.Today)
	if _, err := f.svc.Report("o-wumin", g.Today[0].ID(), 1, "", ""); err != nil {
		t.Fatal(err)
	}
	g2, _ := f.svc.Mine("o-wumin", now)
	if len(g2.Today) != n-1 {
		t.Errorf("after reporting, today has %d, want %d", len(g2.Today), n-1)
	}
}

func TestCompletions(t *testing.T) {
	f := newFixture(t)
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, f.cfg.Location)
	to := time.Date(2026, 10, 13, 0, 0, 0, 0, f.cfg.Location)
	before, err := f.svc.Completions(from, to, now)
	if err != nil {
		t.Fatal(err)
	}
	today := f.find(t, func(in duty.Instance) bool {
		return in.Kind == catalogue.DailyWorkdays && in.Unit == "yjb" && in.Period == "2026-10-12"
	})
	if _, err := f.svc.Report("o-wumin", today.ID(), 1, "", ""); err != nil {
		t.Fatal(err)
	}
	after, _ := f.svc.Completions(from, to, now)
	for i := range after {
		b, a := before[i], after[i]
		if a.Unit == "yjb" {
			if a.Done != b.Done+1 || a.Due != b.Due || a.Due == 0 {
				t.Errorf("应急办 before %+v after %+v", b, a)
			}
			continue
		}
		if a != b {
			t.Errorf("%s changed: %+v → %+v", a.Unit, b, a)
		}
	}
}

// BenchmarkMine measures an official's grouped view with the full plan.
func BenchmarkMine(b *testing.B) {
	f := newFixture(b)
	f.svc.Mine("o-wumin", now) // compute the year once
	for b.Loop() {
		if _, err := f.svc.Mine("o-wumin", now); err != nil {
			b.Fatal(err)
		}
	}
}

// Tracking starts the first time it is asked for: what fell due before is
// history, not overdue.
func TestSinceIsRecordedOnce(t *testing.T) {
	f := newFixture(t)
	if err := f.db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaSince, "") }); err != nil {
		t.Fatal(err)
	}
	fresh := New(f.cfg, f.db, f.gen, f.clk)
	f.db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaSince, "2026-10-12") })
	since, err := fresh.Since()
	if err != nil || !since.Equal(time.Date(2026, 10, 12, 0, 0, 0, 0, f.cfg.Location)) {
		t.Fatalf("Since = %s, %v", since, err)
	}
	g, err := fresh.Mine("o-wumin", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Overdue) != 0 {
		t.Errorf("%d overdue from before tracking started", len(g.Overdue))
	}
	// A new database records the day it is first asked.
	db2, err := storage.Open(filepath.Join(t.TempDir(), "db2"))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	s2 := New(f.cfg, db2, f.gen, f.clk)
	if s, _ := s2.Since(); !s.Equal(time.Date(2026, 10, 12, 0, 0, 0, 0, f.cfg.Location)) {
		t.Errorf("first Since = %s", s)
	}
	f.clk.Advance(48 * time.Hour)
	s3 := New(f.cfg, db2, f.gen, f.clk)
	if s, _ := s3.Since(); !s.Equal(time.Date(2026, 10, 12, 0, 0, 0, 0, f.cfg.Location)) {
		t.Errorf("Since moved to %s after a restart", s)
	}
}
