package main

import (
	"context"
	"fmt"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
)

// acksViaBot measures the whole path of an acknowledgement: n officials
// press the button on their call in the fake Telegram; the bot polls the
// presses, records each durably, answers the callback and queues the edit.
func acksViaBot(n int) error {
	srv := fakeTelegram(n, nil)
	defer srv.Close()
	t, err := newTown(n, srv.URL(), defaultSteps)
	if err != nil {
		return err
	}
	defer t.close()
	// Setup: deliver the calls fast (the fake server enforces no limit),
	// then restart with the configured limits for the measurement.
	limits := t.cfg.Delivery
	t.cfg.Delivery.GlobalPerSecond, t.cfg.Delivery.ChatPerSecond = 100000, 100
	a, err := t.open(app.Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	alert, err := t.callStaff(a)
	if err != nil {
		return err
	}
	ids := staffIDs(n)
	for srv.Count("sendMessage") < len(alert.Recipients) {
		time.Sleep(10 * time.Millisecond)
	}
	<-a.Dispatcher.Idle()
	cancel()
	<-done
	t.cfg.Delivery = limits
	if a, err = t.open(app.Options{}); err != nil {
		return err
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	calls := make([]fakeapi.Message, n)
	for i := range ids {
		ms := srv.Messages(userID(i))
		if len(ms) == 0 {
			return fmt.Errorf("official %d got no call", i)
		}
		calls[i] = ms[0]
	}
	answered := srv.Count("answerCallbackQuery")
	start := time.Now()
	for i, id := range ids {
		srv.Press(userID(i), userID(i), calls[i].ID, callout.AckData(alert.ID, id))
	}
	for srv.Count("answerCallbackQuery") < answered+n {
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	v, err := a.Engine.Get(alert.ID)
	if err != nil {
		return err
	}
	acked := 0
	for _, r := range v.Recipients {
		if r.State == callout.StateAcked && r.AckedBy == r.Official {
			acked++
		}
	}
	fmt.Printf("acks via bot: %d button presses polled, recorded and answered in %s = %.0f/s (%d staff acknowledged in storage)\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), acked)
	return nil
}
