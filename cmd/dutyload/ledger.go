package main

// dutyload ledger: a year of a town written straight into storage, then the
// 履职档案 export timed and measured, and the chain verified.
// dutyload verify: n events, then the time VerifyChain takes over them.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"dutybot/callout"
	"dutybot/ledger"
	"dutybot/locales"
	"dutybot/rota"
	"dutybot/storage"
)

// yearOfTown writes a year of the town's log: each day three calls to
// about 20 officials (most answer within minutes, some are reminded and
// escalated), 200 task reports, a shift's check-in, handover and spot
// check, and now and then an incident or a tip.
// The events of extra, by day of the year, are logged at the end of their
// day.
func yearOfTown(db *storage.DB, t *town, first time.Time, extra map[int][]storage.Event) (alerts, calls int, err error) {
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, t.n)
	for i := range ids {
		ids[i] = fmt.Sprintf("o-%d", i)
	}
	for day := range 365 {
		d := first.AddDate(0, 0, day)
		err = db.Update(func(tx *storage.Tx) error {
			ev := func(e storage.Event) error { return tx.AppendEvent(e) }
			for a := range 3 {
				at := d.Add(time.Duration(8+a*4) * time.Hour)
				id, err := callout.NextAlertID(tx, at)
				if err != nil {
					return err
				}
				level := []string{"blue", "yellow", "orange", "red"}[rng.IntN(4)]
				kind := []string{"alert", "alert", "task", "checkin"}[rng.IntN(4)]
				n := 10 + rng.IntN(21)
				recips := rng.Perm(t.n)[:n]
				al := callout.Alert{ID: id, Kind: kind, Level: level, Title: fmt.Sprintf("演练叫应 %d", a), Body: "请回复",
					Source: "api", CreatedAt: at, State: callout.AlertDone, Total: n}
				if err := ev(storage.Event{At: at, Type: storage.EvCreated, Alert: id, Actor: "api",
					Detail: fmt.Sprintf("%s %s: %d recipients", level, al.Title, n)}); err != nil {
					return err
				}
				for _, i := range recips {
					o := ids[i]
					sent := at.Add(time.Duration(rng.IntN(3)+1) * time.Second)
					r := callout.Recipient{AlertID: id, Official: o, State: callout.StateAcked, QueuedAt: at, SentAt: sent}
					if err := ev(storage.Event{At: at, Type: storage.EvSent, Alert: id, Official: o, Actor: "system", Detail: "call"}); err != nil {
						return err
					}
					if err := ev(storage.Event{At: sent, Type: storage.EvDelivered, Alert: id, Official: o, Actor: "system", Detail: "call"}); err != nil {
						return err
					}
					if rng.IntN(100) < 85 {
						r.AckedAt, r.AckedBy = sent.Add(time.Duration(20+rng.IntN(600))*time.Second), o
						if err := ev(storage.Event{At: r.AckedAt, Type: storage.EvAcked, Alert: id, Official: o, Actor: o}); err != nil {
							return err
						}
					} else {
						head := fmt.Sprintf("o-head%d", i%10)
						r.Escalations = []callout.Escalation{{Step: 0, Action: "remind", At: sent.Add(10 * time.Minute)},
							{Step: 1, Action: "escalate", To: "unit_head", People: []string{head}, At: sent.Add(20 * time.Minute)}}
						r.AckedAt, r.AckedBy = sent.Add(25*time.Minute), head
						for _, e := range []storage.Event{
							{At: sent.Add(10 * time.Minute), Type: storage.EvReminded, Alert: id, Official: o, Actor: "system"},
							{At: sent.Add(20 * time.Minute), Type: storage.EvEscalated, Alert: id, Official: o, Actor: "system", Detail: "unit_head: " + head},
							{At: r.AckedAt, Type: storage.EvHandled, Alert: id, Official: o, Actor: head, Detail: "taken over by " + head},
						} {
							if err := ev(e); err != nil {
								return err
							}
						}
					}
					if err := callout.PutRecipient(tx, r); err != nil {
						return err
					}
					calls++
				}
				if err := callout.PutAlert(tx, al); err != nil {
					return err
				}
				if err := ev(storage.Event{At: at.Add(30 * time.Minute), Type: storage.EvCompleted, Alert: id, Actor: "system"}); err != nil {
					return err
				}
				alerts++
			}
			for r := range 200 {
				o := ids[rng.IntN(t.n)]
				if err := ev(storage.Event{At: d.Add(9*time.Hour + time.Duration(r)*time.Minute), Type: storage.EvReported, Official: o, Actor: o,
					Detail: fmt.Sprintf("14.2/%s/%s +1 (1/1): 已检查", unitID(rng.IntN(10)), d.Format(time.DateOnly))}); err != nil {
					return err
				}
			}
			p, q := ids[rng.IntN(t.n)], ids[rng.IntN(t.n)]
			for _, e := range []storage.Event{
				{At: d.Add(8 * time.Hour), Type: rota.EvShiftReminded, Official: p, Actor: "system", Detail: "shift s: before start"},
				{At: d.Add(8*time.Hour + 5*time.Minute), Type: rota.EvCheckedIn, Official: p, Actor: p, Detail: "checkin:s"},
				{At: d.Add(8*time.Hour + 5*time.Minute), Type: rota.EvCheckedIn, Official: q, Actor: q, Detail: "checkin:s"},
				{At: d.Add(22 * time.Hour), Type: rota.EvSpotcheck, Actor: "o-leader", Detail: "spot check"},
				{At: d.Add(22*time.Hour + 2*time.Minute), Type: rota.EvSpotAnswered, Official: q, Actor: q},
				{At: d.Add(32 * time.Hour), Type: rota.EvHandover, Official: p, Actor: p, Detail: "一切正常"},
			} {
				if err := ev(e); err != nil {
					return err
				}
			}
			if day%10 == 0 {
				inc := fmt.Sprintf("SG-%s", d.Format("20060102"))
				for _, e := range []storage.Event{
					{At: d.Add(10 * time.Hour), Type: "incident_reported", Alert: inc, Official: p, Actor: p, Detail: "道路交通 一般"},
					{At: d.Add(10*time.Hour + 40*time.Minute), Type: "incident_reported_up", Alert: inc, Official: p, Actor: p, Detail: "报区应急管理局"},
					{At: d.Add(11 * time.Hour), Type: "tip_received", Alert: "JB-" + inc, Actor: "anonymous", Detail: "隐患"},
					{At: d.Add(12 * time.Hour), Type: "tip_assigned", Alert: "JB-" + inc, Official: q, Actor: "o-head0", Detail: "交办"},
				} {
					if err := ev(e); err != nil {
						return err
					}
				}
			}
			for _, e := range extra[day] {
				if err := ev(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return alerts, calls, err
		}
	}
	return alerts, calls, nil
}

// ledgerLoad measures the export of a year of an n-official town.
func ledgerLoad(n int) error {
	t, err := newTown(n, "http://127.0.0.1:9", defaultSteps)
	if err != nil {
		return err
	}
	defer t.close()
	db, err := storage.Open(t.cfg.Storage.Path)
	if err != nil {
		return err
	}
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, t.cfg.Location)
	start := time.Now()
	hazards, steps, err := yearOfHazards(db, t, first)
	if err != nil {
		db.Close()
		return err
	}
	alerts, calls, err := yearOfTown(db, t, first, steps)
	if err != nil {
		db.Close()
		return err
	}
	var events uint64
	_ = db.View(func(tx *storage.Tx) error { events = tx.EventCount(); return nil })
	db.Close()
	fi, _ := os.Stat(t.cfg.Storage.Path)
	fmt.Printf("a year of a %d-official town: %d events, %d alerts, %d calls, %d enterprises, %d hazards; database %.1f MB (written in %s)\n",
		n+12, events, alerts, calls, loadEnterprises, hazards, float64(fi.Size())/1e6, time.Since(start).Round(time.Millisecond))

	db, err = storage.OpenReadOnly(t.cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	tr, err := locales.New(t.cfg.Language)
	if err != nil {
		return err
	}
	l := ledger.New(t.cfg, db, tr)
	f := ledger.Filter{From: first, To: first.AddDate(1, 0, 0)}
	for run := range 2 {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		cpu0 := cpuTime()
		start = time.Now()
		b, err := l.Book(f, time.Now())
		if err != nil {
			return err
		}
		read := time.Since(start)
		var buf bytes.Buffer
		if err := l.WriteXLSX(&buf, b); err != nil {
			return err
		}
		total := time.Since(start)
		cpu := cpuTime() - cpu0
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		st := b.Stats()
		fmt.Printf("export %d: %s, CPU %s (reading and verifying %s, writing %s), %.1f MB xlsx; %d calls, %d reports, %d duty, %d incident, %d tip, %d hazard, %d enterprise rows; allocated %.0f MB\n",
			run+1, total.Round(time.Millisecond), cpu.Round(time.Millisecond), read.Round(time.Millisecond), (total - read).Round(time.Millisecond),
			float64(buf.Len())/1e6, st.Calls, st.Reports, st.Duty, st.Incidents, st.Tips, st.Hazards, st.Enterprises, float64(after.TotalAlloc-before.TotalAlloc)/1e6)
		if !st.ChainOK {
			return fmt.Errorf("the chain does not verify: %+v", b.Chain)
		}
		if run == 0 {
			out := filepath.Join(os.TempDir(), "dutyload-ledger.xlsx")
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err == nil {
				fmt.Printf("  (the workbook is at %s)\n", out)
			}
		}
	}
	start = time.Now()
	if _, err := l.AnswerRateChart(first.AddDate(0, 11, 20)); err != nil {
		return err
	}
	fmt.Printf("answer-rate chart of three months: %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// verifyLoad measures VerifyChain over n events.
func verifyLoad(n int) error {
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "db")
	db, err := storage.Open(path)
	if err != nil {
		return err
	}
	start := time.Now()
	at := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	const perTx = 5000
	for done := 0; done < n; done += perTx {
		err := db.Update(func(tx *storage.Tx) error {
			for i := done; i < min(done+perTx, n); i++ {
				e := storage.Event{At: at.Add(time.Duration(i) * 30 * time.Second), Type: storage.EvAcked,
					Alert: fmt.Sprintf("20260101-%04d", i/20%10000), Official: fmt.Sprintf("o-%d", i%200), Actor: fmt.Sprintf("o-%d", i%200)}
				if err := tx.AppendEvent(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			db.Close()
			return err
		}
	}
	db.Close()
	fi, _ := os.Stat(path)
	fmt.Printf("%d events written in %s; database %.0f MB\n", n, time.Since(start).Round(time.Millisecond), float64(fi.Size())/1e6)
	for run := range 3 {
		db, err := storage.OpenReadOnly(path)
		if err != nil {
			return err
		}
		start = time.Now()
		cpu0 := cpuTime()
		var r storage.ChainReport
		_ = db.View(func(tx *storage.Tx) error { r = tx.VerifyChain(); return nil })
		took, cpu := time.Since(start), cpuTime()-cpu0
		db.Close()
		if !r.OK() || r.Events != uint64(n) {
			return fmt.Errorf("verify: %+v", r)
		}
		fmt.Printf("verify %d: %d events in %s, CPU %s (%.2f µs/event)\n", run+1, r.Events, took.Round(time.Millisecond),
			cpu.Round(time.Millisecond), float64(took.Microseconds())/float64(n))
	}
	return nil
}

// cpuTime is the CPU time the process has used: the machine may be busy
// with other work, which stretches wall-clock times.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
