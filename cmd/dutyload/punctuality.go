package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"dutybot/app"
	"dutybot/clock"
	"dutybot/scheduler"
	"dutybot/storage"
)

// lateness is how late deadlines fired: quantiles.
type lateness struct{ p50, p99, max time.Duration }

// punctuality stores n pending recipients whose first step (a reminder,
// which queues a message) falls due over spread, runs the deadline runner
// with the real engine, and reports how late the steps fired.
func punctuality(b *backend, n int, spread time.Duration) (res lateness, err error) {
	steps := "      - {after: 2s, action: remind}\n      - {after: 1h, action: escalate, to: unit_head}\n"
	t, err := b.town("punctuality", n, "http://127.0.0.1:1", steps)
	if err != nil {
		return res, err
	}
	defer t.close()
	a, err := t.open(app.Options{NoBot: true})
	if err != nil {
		return res, err
	}
	defer a.DB.Close()
	seed, err := t.seeder(a)
	if err != nil {
		return res, err
	}
	start := time.Now()
	_, err = seed.callStaff(n)
	if err != nil {
		seed.close()
		return res, err
	}
	created := time.Since(start)
	fmt.Printf("punctuality (%s): set up: one alert to %d created in %s\n", b.driver, n, created.Round(time.Millisecond))
	// The deliveries are recorded as made from a second on, later by as
	// long as recording them may take (about as long as the alert took),
	// so that no deadline falls due before the runner starts.
	base := time.Now().Add(time.Second + created*3/2)
	err = seed.deliverSpread(base, spread)
	seed.close()
	if err != nil {
		return res, err
	}
	if early := time.Until(base.Add(2 * time.Second)); early < 0 {
		return res, fmt.Errorf("recording the deliveries took %s too long: the first deadlines fell due before the runner started", -early)
	}
	var mu sync.Mutex
	var late []time.Duration
	all := make(chan struct{})
	d := scheduler.NewDeadlines(a.DB, clock.Real{}, func(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
		return a.Engine.Fire(tx, due, now)
	}, scheduler.Options{Log: quiet(), Late: func(l time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		late = append(late, l)
		if len(late) == n {
			close(all)
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { d.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	// Wait for every deadline while they keep firing: a runner that falls
	// behind is measured, however late, until it fires none for a minute.
	fired := func() int { mu.Lock(); defer mu.Unlock(); return len(late) }
	last, progress := 0, base.Add(2*time.Second)
	for waiting := true; waiting; {
		select {
		case <-all:
			waiting = false
		case <-time.After(time.Second):
			if k := fired(); k != last {
				last, progress = k, time.Now()
			}
			if time.Since(progress) > time.Minute {
				return res, fmt.Errorf("only %d of %d deadlines fired, none in the last minute", last, n)
			}
		}
	}
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	q := func(p float64) time.Duration { return late[min(len(late)-1, int(p*float64(len(late))))] }
	var queued int
	_ = a.DB.View(func(tx *storage.Tx) error { queued = tx.QueueLen(); return nil })
	fmt.Printf("punctuality (%s): %d deadlines spread over %s: lateness p50 %s, p99 %s, max %s (%d reminders queued)\n",
		b.driver, n, spread, q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond), late[len(late)-1].Round(time.Microsecond), queued)
	return lateness{p50: q(0.5), p99: q(0.99), max: late[len(late)-1]}, nil
}
