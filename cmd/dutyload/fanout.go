package main

import (
	"context"
	"fmt"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
)

const defaultSteps = "      - {after: 10m, action: remind}\n      - {after: 20m, action: escalate, to: unit_head}\n"

// fanout sends one alert to n bound officials through the real outbox and
// Bot API client to a fake server that answers 429 past Telegram's limits.
func fanout(n int) error {
	srv := fakeTelegram(n, fakeapi.TelegramLimits())
	defer srv.Close()
	t, err := newTown(n, srv.URL(), defaultSteps)
	if err != nil {
		return err
	}
	defer t.close()
	a, err := t.open(app.Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	alert, err := t.callStaff(a)
	if err != nil {
		return err
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
			return err
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
	fmt.Printf("fanout: %d recipients, alert created in %s, all delivered in %s (floor %s, %+.1f%%), 429s: %d, sendMessage calls: %d\n",
		n, created.Round(time.Millisecond), elapsed.Round(time.Millisecond), floor.Round(time.Millisecond),
		100*(elapsed.Seconds()-floor.Seconds())/floor.Seconds(), st.TooMany, srv.Count("sendMessage"))
	return nil
}
