package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"dutybot/app"
	"dutybot/callout"
	"dutybot/storage"
)

// acks creates an alert to n officials, records its delivery, then lets
// workers acknowledge it concurrently through the engine (durable
// transactions: bbolt's group-committed, or PostgreSQL's) and reports
// acknowledgements per second.
func acks(b *backend, n, workers int) (perSecond float64, setup time.Duration, err error) {
	t, err := b.town("acks", n, "http://127.0.0.1:1", defaultSteps)
	if err != nil {
		return 0, 0, err
	}
	defer t.close()
	a, err := t.open(app.Options{NoBot: true})
	if err != nil {
		return 0, 0, err
	}
	defer a.DB.Close()
	seed, err := t.seeder(a)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	alert, err := seed.callStaff(n)
	if err == nil {
		err = seed.deliverSpread(time.Now(), 0)
	}
	seed.close()
	if err != nil {
		return 0, 0, err
	}
	setup = time.Since(start)
	fmt.Printf("acks (%s): set up: one alert to %d created and delivered in %s\n", b.driver, n, setup.Round(time.Millisecond))
	ids := staffIDs(n)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start = time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) {
					return
				}
				if _, err := a.Engine.Ack(ids[i], alert.ID, ids[i]); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	v, err := a.Engine.Get(alert.ID)
	if err != nil {
		return 0, 0, err
	}
	acked := 0
	for _, r := range v.Recipients {
		if r.State == callout.StateAcked {
			acked++
		}
	}
	perSecond = float64(n) / elapsed.Seconds()
	fmt.Printf("acks (%s): %d acknowledgements by %d workers in %s = %.0f/s durably recorded (failed %d, alert state %s, stored acked %d)\n",
		b.driver, n, workers, elapsed.Round(time.Millisecond), perSecond, failed.Load(), v.Alert.State, acked)
	if failed.Load() > 0 || acked != n {
		return perSecond, setup, fmt.Errorf("acks (%s): %d acknowledgements failed, %d of %d stored", b.driver, failed.Load(), acked, n)
	}
	return perSecond, setup, nil
}

// deliverAll plays the outbox: every queued call is recorded as delivered
// (message ids invented), which stores each recipient's first deadline.
func deliverAll(a *app.App, at time.Time) error {
	return deliverSpread(a, at, 0)
}

// deliverSpread records the queued calls as delivered at times spread
// evenly over spread, starting at at.
func deliverSpread(a *app.App, at time.Time, spread time.Duration) error {
	return deliverSpreadOn(a.DB, a.Engine, at, spread)
}

// deliverSpreadOn is deliverSpread with the database and engine given.
func deliverSpreadOn(db *storage.DB, e *callout.Engine, at time.Time, spread time.Duration) error {
	return db.Update(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		for i, j := range jobs {
			t := at
			if spread > 0 && len(jobs) > 1 {
				t = at.Add(time.Duration(int64(spread) * int64(i) / int64(len(jobs)-1)))
			}
			if err := e.Delivered(tx, j, 1000+i, t); err != nil {
				return fmt.Errorf("deliver %d: %w", j.Seq, err)
			}
			if err := tx.DeleteJob(j); err != nil {
				return err
			}
		}
		return nil
	})
}
