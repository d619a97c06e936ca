package board

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/weather"
	"dutybot/workcal"
)

// bigTown is 40 units (two offices and 38 villages) of 25 officials each,
// with a year of history: history alerts a day to 40 random officials,
// every call sent, delivered and mostly answered (about 260,000 events),
// and a few alerts still open.
type bigTown struct {
	srv  *Server
	db   *storage.DB
	clk  *clock.Fake
	open []string
}

const (
	bigUnits     = 40
	bigPerUnit   = 25
	bigPerDay    = 6
	bigPerAlert  = 40
	bigDays      = 365
	bigOpenCount = 5
)

func newBigTown(b *testing.B) *bigTown {
	b.Helper()
	var y strings.Builder
	y.WriteString("timezone: Asia/Shanghai\nlanguage: zh-CN\nunits:\n")
	for u := range bigUnits {
		switch u {
		case 0:
			y.WriteString("  - {id: yjb, name: 应急办, head: o-0-0, leader: o-1-0}\n")
		case 1:
			y.WriteString("  - {id: dzb, name: 党政办, head: o-1-0, leader: o-1-0}\n")
		default:
			fmt.Fprintf(&y, "  - {id: v%d, name: 第%d村, head: o-%d-0, leader: o-1-0, tags: [village]}\n", u, u, u)
		}
	}
	y.WriteString("officials:\n")
	var ids []string
	for u := range bigUnits {
		unit := map[int]string{0: "yjb", 1: "dzb"}[u]
		if unit == "" {
			unit = fmt.Sprintf("v%d", u)
		}
		for i := range bigPerUnit {
			id := fmt.Sprintf("o-%d-%d", u, i)
			ids = append(ids, id)
			role := "staff"
			switch {
			case i == 0:
				role = "unit_head"
			case u == 1 && i == 1:
				role = "admin"
			}
			fmt.Fprintf(&y, "  - {id: %s, name: 官员%d-%d, phone: \"139%04d%04d\", unit: %s, roles: [%s]}\n", id, u, i, u, i, unit, role)
		}
	}
	cfg, err := config.Parse([]byte(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(b.TempDir(), "big.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := start
	rng := rand.New(rand.NewPCG(1, 2))
	for d := bigDays; d >= 0; d-- {
		err := db.Update(func(tx *storage.Tx) error {
			for k := range bigPerDay {
				at := now.AddDate(0, 0, -d).Add(time.Duration(k) * time.Hour)
				if !at.Before(now) {
					continue
				}
				id, err := callout.NextAlertID(tx, at.In(cfg.Location))
				if err != nil {
					return err
				}
				a := callout.Alert{ID: id, Level: "yellow", Title: "演练", CreatedAt: at, State: callout.AlertDone, Total: bigPerAlert}
				if err := callout.PutAlert(tx, a); err != nil {
					return err
				}
				if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvCreated, Alert: id, Actor: "api"}); err != nil {
					return err
				}
				for _, i := range rng.Perm(len(ids))[:bigPerAlert] {
					r := callout.Recipient{AlertID: id, Official: ids[i], State: callout.StateAcked, QueuedAt: at, SentAt: at.Add(time.Second)}
					r.AckedAt, r.AckedBy = r.SentAt.Add(time.Duration(rng.IntN(1200))*time.Second), r.Official
					if rng.IntN(10) == 0 {
						r.State, r.AckedAt, r.AckedBy = callout.StateEscalated, time.Time{}, ""
					}
					if err := callout.PutRecipient(tx, r); err != nil {
						return err
					}
					for _, typ := range []string{storage.EvSent, storage.EvDelivered, storage.EvAcked} {
						if err := tx.AppendEvent(storage.Event{At: at, Type: typ, Alert: id, Official: r.Official}); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	t := &bigTown{db: db, clk: clock.NewFake(now)}
	if err := db.Update(func(tx *storage.Tx) error {
		for k := range bigOpenCount {
			id, _ := callout.NextAlertID(tx, now.In(cfg.Location))
			a := callout.Alert{ID: id, Level: "red", Title: "暴雨", CreatedAt: now.Add(-time.Duration(k) * time.Minute), State: callout.AlertOpen}
			if err := callout.PutAlert(tx, a); err != nil {
				return err
			}
			for _, o := range ids[:100] {
				if err := callout.PutRecipient(tx, callout.Recipient{AlertID: id, Official: o, State: callout.StatePending, SentAt: a.CreatedAt}); err != nil {
					return err
				}
			}
			t.open = append(t.open, id)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	cat, err := locales.New(cfg.Language)
	if err != nil {
		b.Fatal(err)
	}
	cal, _ := workcal.New(cfg.Location, nil)
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutMeta("tasks_since", "2026-01-01") }); err != nil {
		b.Fatal(err)
	}
	ts, err := tasks.New(cfg, db, plan, cal, t.clk)
	if err != nil {
		b.Fatal(err)
	}
	t.srv, err = New(Deps{Config: cfg, DB: db, Tasks: ts, Weather: weather.New(cfg, db, nil, cat, t.clk, log), Plan: plan,
		Catalog: cat, Clock: t.clk, Log: log}, Options{Poll: time.Nanosecond})
	if err != nil {
		b.Fatal(err)
	}
	var n uint64
	_ = db.View(func(tx *storage.Tx) error { n = tx.EventCount(); return nil })
	began := time.Now()
	if _, err := t.srv.current(); err != nil { // the first look loads the open alerts
		b.Fatal(err)
	}
	b.Logf("big town: %d officials, %d events; first look %s", len(ids), n, time.Since(began).Round(time.Millisecond))
	return t
}

// answer records that the next pending recipient of an open alert
// answered, as the engine would (recipient and event in one transaction).
func (t *bigTown) answer(b *testing.B, i int) {
	alert := t.open[i%len(t.open)]
	err := t.db.Update(func(tx *storage.Tx) error {
		rs, err := callout.Recipients(tx, alert)
		if err != nil {
			return err
		}
		r := rs[(i/len(t.open))%len(rs)]
		r.State, r.AckedAt, r.AckedBy = callout.StateAcked, t.clk.Now(), r.Official
		if err := callout.PutRecipient(tx, r); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: t.clk.Now(), Type: storage.EvAcked, Alert: alert, Official: r.Official})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLookUnchanged is what every poll costs when nothing happened.
func BenchmarkLookUnchanged(b *testing.B) {
	t := newBigTown(b)
	b.ResetTimer()
	for range b.N {
		if _, err := t.srv.current(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookAfterAnswer is a look after one answer: the log's tail is
// read and one alert's card rebuilt.
func BenchmarkLookAfterAnswer(b *testing.B) {
	t := newBigTown(b)
	t.lookAfter(b, t.answer)
}

// lookAfter times looks, each after one change the timer leaves out: the
// board's data brought up to date and rendered.
func (t *bigTown) lookAfter(b *testing.B, change func(b *testing.B, i int)) {
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		change(b, i)
		b.StartTimer()
		snap, err := t.srv.current()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := t.srv.sections(snap, "zh-CN"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookNewMinute is a look when the minute changed: the 30-day
// rates and the overdue tasks of 40 units are read again.
func BenchmarkLookNewMinute(b *testing.B) {
	newBigTown(b).lookNewMinute(b)
}

// lookNewMinute times looks a minute apart with nothing else changed.
func (t *bigTown) lookNewMinute(b *testing.B) {
	b.ResetTimer()
	for range b.N {
		t.clk.Advance(time.Minute)
		if _, err := t.srv.current(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRates30Days reads the 30-day answer rates alone.
func BenchmarkRates30Days(b *testing.B) {
	t := newBigTown(b)
	b.ResetTimer()
	for range b.N {
		if err := t.db.View(func(tx *storage.Tx) error {
			_, err := readRates(tx, t.srv.d.Config, t.srv.loc, t.clk.Now())
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOverdueTasks reads the overdue items of 40 units alone.
func BenchmarkOverdueTasks(b *testing.B) {
	t := newBigTown(b)
	b.ResetTimer()
	for range b.N {
		if _, err := t.srv.overdue(t.clk.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanWholeHistory is what the board avoids on every look: every
// alert of the year decoded to find the open ones, and every event read.
func BenchmarkScanWholeHistory(b *testing.B) {
	t := newBigTown(b)
	b.ResetTimer()
	for range b.N {
		if err := t.db.View(func(tx *storage.Tx) error {
			if _, err := callout.OpenAlerts(tx); err != nil {
				return err
			}
			_, err := tx.EventsBetween(time.Time{}, t.clk.Now().Add(time.Hour))
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
