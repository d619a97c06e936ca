package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/storage"
)

// broadcastOptions are what one paid fan-out adds to the alert.
type broadcastOptions struct {
	ackRate float64 // officials pressing 已收到 per second while the calls go out; 0: none
	routine bool    // a routine message to everyone is queued just before the alert
}

// broadcastResult is what one paid fan-out measured.
type broadcastResult struct {
	n                 int
	created           time.Duration // the alert stored: recipients, calls queued
	elapsed           time.Duration // every call delivered and recorded
	floor             time.Duration // n at 1,000 a second
	tooMany, dups     int
	paid              int
	recorded, batches int // deliveries recorded, in how many transactions
	acked             int
	routineSent       int // routine messages out before the last call
}

func (r broadcastResult) ratio() float64 { return r.elapsed.Seconds() / r.floor.Seconds() }

// broadcast sends one red alert to n bound officials with paid broadcast
// (delivery.paid_broadcast levels [red]) to a fake Telegram that enforces
// the real limits: 1,000 paid messages a second, 30 others, one a second
// per chat. It reports how soon every call was delivered and durably
// recorded against the floor of n/1,000 s, the 429s, any official called
// twice, and optionally acknowledgements pressed during the fan-out and a
// routine message to everyone queued ahead of the alert.
func broadcast(b *backend, n int, o broadcastOptions) (res broadcastResult, err error) {
	srv := fakeTelegram(n, fakeapi.TelegramLimits())
	defer srv.Close()
	t, err := b.town("broadcast", n, srv.URL(), defaultSteps)
	if err != nil {
		return res, err
	}
	defer t.close()
	t.cfg.Delivery.PaidBroadcast.Levels = []string{"red"}
	// One message a second per chat, without the bursts Telegram says it
	// tolerates, as the fake enforces: an answer's edit or a routine
	// message right before the call would otherwise meet a 429.
	t.cfg.Delivery.ChatBurst = 1

	var last atomic.Int64 // unix nanos of the last call recorded
	var recorded atomic.Int64
	a, err := t.open(app.Options{OnDelivered: func(j storage.Job, _ int, _ time.Time) {
		if j.Ref.Kind == storage.RefCall {
			recorded.Add(1)
			last.Store(time.Now().UnixNano())
		}
	}})
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	if o.routine {
		if err := queueRoutine(a, n); err != nil {
			return res, err
		}
	}
	start := time.Now()
	alert, err := t.callStaff(a)
	if err != nil {
		return res, err
	}
	res.created = time.Since(start)
	a.Dispatcher.Wake()

	var acks sync.WaitGroup
	var pressed atomic.Int64
	if o.ackRate > 0 {
		acks.Add(1)
		go func() {
			defer acks.Done()
			pressed.Store(int64(pressAcks(srv, alert, n, o.ackRate)))
		}()
	}
	deadline := start.Add(10*time.Minute + time.Duration(float64(n)/30*float64(time.Second)))
	for recorded.Load() < int64(n) {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("%d of %d calls recorded after %s", recorded.Load(), n, time.Since(start).Round(time.Second))
		}
		time.Sleep(2 * time.Millisecond)
	}
	res.elapsed = time.Unix(0, last.Load()).Sub(start)
	acks.Wait()
	if o.ackRate > 0 {
		// Wait for the presses to be recorded.
		for range 3000 {
			if res.acked = ackedCount(a, alert.ID); res.acked >= int(pressed.Load()) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	st := srv.Stats()
	res.n, res.tooMany, res.paid = n, st.TooMany, st.Paid
	res.floor = time.Duration(float64(n) / 1000 * float64(time.Second))
	res.recorded = int(recorded.Load())
	res.batches = histogramCount(a.Metrics.RecordBatch)
	res.dups, res.routineSent = callsTwice(srv, n, time.Unix(0, last.Load()))
	fmt.Printf("broadcast (%s, paid at 1,000/s): %d recipients, alert stored in %s, every call delivered and recorded in %s (floor %s, ×%.3f), 429s: %d, paid messages: %d (%.1f Stars), officials called twice: %d, deliveries recorded: %d in about %d transactions",
		b.driver, n, res.created.Round(time.Millisecond), res.elapsed.Round(time.Millisecond), res.floor, res.ratio(),
		res.tooMany, res.paid, float64(res.paid)/10, res.dups, res.recorded, res.batches)
	if o.ackRate > 0 {
		fmt.Printf(", acknowledgements pressed at %.0f/s during the fan-out: %d pressed, %d recorded", o.ackRate, pressed.Load(), res.acked)
	}
	if o.routine {
		fmt.Printf(", a routine message to everyone queued first: %d of them out meanwhile at the free pace", res.routineSent)
	}
	fmt.Println()
	return res, nil
}

// routineText marks the routine messages queueRoutine sends.
const routineText = "【月度提示】本月安全生产检查表请于月底前报送。"

// queueRoutine queues a routine message (a monthly digest's kind, no
// priority) to each of the n staff, as the cadence does.
func queueRoutine(a *app.App, n int) error {
	now := time.Now()
	return a.DB.Update(func(tx *storage.Tx) error {
		for i := range n {
			j := storage.Job{ChatID: userID(i), Op: storage.OpSend, Text: routineText,
				Ref: storage.Ref{Kind: storage.RefInfo, Official: fmt.Sprintf("o-%d", i)}, CreatedAt: now}
			if _, err := tx.Enqueue(j); err != nil {
				return err
			}
		}
		return nil
	})
}

// pressAcks has the n officials press 已收到 on their call as it arrives,
// rate presses a second in all, and returns how many pressed.
func pressAcks(srv *fakeapi.Server, alert callout.Alert, n int, rate float64) int {
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	pressed := 0
	waiting := make([]int, n)
	for i := range waiting {
		waiting[i] = i
	}
	giveUp := time.Now().Add(time.Duration(float64(n)/30*float64(time.Second)) + time.Minute)
	for len(waiting) > 0 && time.Now().Before(giveUp) {
		rest := waiting[:0]
		for _, i := range waiting {
			ms := srv.Messages(userID(i))
			if len(ms) == 0 || ms[0].Text == routineText && len(ms) < 2 {
				rest = append(rest, i)
				continue
			}
			call := ms[0]
			if call.Text == routineText {
				call = ms[1]
			}
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
			next = next.Add(interval)
			srv.Press(userID(i), userID(i), call.ID, callout.AckData(alert.ID, fmt.Sprintf("o-%d", i)))
			pressed++
		}
		waiting = rest
		if len(waiting) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return pressed
}

// ackedCount is how many recipients of the alert answered themselves.
func ackedCount(a *app.App, alertID string) int {
	v, err := a.Engine.Get(alertID)
	if err != nil {
		return 0
	}
	acked := 0
	for _, r := range v.Recipients {
		if r.State == callout.StateAcked && r.AckedBy == r.Official {
			acked++
		}
	}
	return acked
}

// callsTwice counts the officials who received the call more than once,
// and the routine messages sent up to last.
func callsTwice(srv *fakeapi.Server, n int, last time.Time) (dups, routine int) {
	for i := range n {
		calls := 0
		for _, m := range srv.Messages(userID(i)) {
			switch {
			case m.Text == routineText:
				if !m.Date.After(last) {
					routine++
				}
			case strings.Contains(m.Text, "压测"):
				calls++
			}
		}
		if calls > 1 {
			dups++
		}
	}
	return dups, routine
}

// histogramCount is how many observations a histogram holds.
func histogramCount(h prometheus.Histogram) int {
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		return 0
	}
	return int(m.GetHistogram().GetSampleCount())
}
