package main

import (
	"context"
	"fmt"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
)

const defaultSteps = "      - {after: 10m, action: remind}\n      - {after: 20m, action: escalate, to: unit_head}\n"

// fanoutResult is what one fanout measured.
type fanoutResult struct {
	elapsed, floor time.Duration // all delivered; Telegram's floor of 30 messages a second
	tooMany        int           // 429 answers
}

// ratio is the time to deliver to everyone over Telegram's floor.
func (r fanoutResult) ratio() float64 { return r.elapsed.Seconds() / r.floor.Seconds() }

// fanout sends one alert to n bound officials through the real outbox and
// Bot API client to a fake server that answers 429 past Telegram's limits.
func fanout(b *backend, n int) (res fanoutResult, err error) {
	srv := fakeTelegram(n, fakeapi.TelegramLimits())
	defer srv.Close()
	t, err := b.town("fanout", n, srv.URL(), defaultSteps)
	if err != nil {
		return res, err
	}
	defer t.close()
	a, err := t.open(app.Options{})
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	alert, err := t.callStaff(a)
	if err != nil {
		return res, err
	}
	created := time.Since(start)
	for srv.Stats().Sent < n {
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	// Wait for the deliveries to be recorded.
	for {
		v, err := a.Engine.Get(alert.ID)
		if err != nil {
			return res, err
		}
		sent := 0
		for _, r := range v.Recipients {
			if !r.SentAt.IsZero() {
				sent++
			}
		}
		if sent == n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := srv.Stats()
	floor := time.Duration(float64(n) / 30 * float64(time.Second))
	fmt.Printf("fanout (%s): %d recipients, alert created in %s, all delivered in %s (floor %s, %+.1f%%), 429s: %d, sendMessage calls: %d\n",
		b.driver, n, created.Round(time.Millisecond), elapsed.Round(time.Millisecond), floor.Round(time.Millisecond),
		100*(elapsed.Seconds()-floor.Seconds())/floor.Seconds(), st.TooMany, srv.Count("sendMessage"))
	return fanoutResult{elapsed: elapsed, floor: floor, tooMany: st.TooMany}, nil
}
