package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/config"
)

// loadGroupChat is the work group of group-burst.
const loadGroupChat int64 = -900

// groupBurst measures a 叫应 in a work group: rounds times, an alert is
// posted in a group of n officials and every one of them presses "✅ 收到"
// within one second, against a fake Bot API that allows a group 20 sends
// and edits in any 60 seconds. It reports the time from the last press
// to the group's message showing it (p50, p99), the group's sends and
// edits per minute (the most in any 60 s) and the 429 answers.
func groupBurst(n, rounds int) error {
	limits := fakeapi.TelegramLimits()
	limits.GroupWindowed = true
	srv := fakeTelegram(n, limits)
	defer srv.Close()
	srv.AddGroup(loadGroupChat, "压测工作群")
	users := make([]int64, n)
	for i := range users {
		users[i] = userID(i)
	}
	srv.AddGroupMembers(loadGroupChat, users...)
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	y := townYAML(n, srv.URL(), filepath.Join(dir, "db"), "127.0.0.1:0", defaultSteps) +
		fmt.Sprintf("groups:\n  - {id: g-load, name: 压测工作群, chat_id: %d, officials: [%s]}\n", loadGroupChat, strings.Join(staffIDs(n), ", "))
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		return err
	}
	cfg.Telegram.Token = token
	t := &town{dir: dir, cfg: cfg, n: n}
	a, err := t.open(app.Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var lat []time.Duration
	began := time.Now()
	for r := range rounds {
		alert, err := a.Engine.Create(callout.Request{Level: "red", Title: fmt.Sprintf("压测 %d", r+1),
			Targets: callout.Targets{Groups: []string{"g-load"}}, Source: "api"})
		if err != nil {
			return err
		}
		data := callout.GroupAckData(alert.ID, "g-load")
		var post fakeapi.Message
		if post, err = srv.WaitFor(time.Minute, func(m fakeapi.Message) bool {
			return m.ChatID == loadGroupChat && strings.Contains(m.Text, "#"+alert.ID)
		}); err != nil {
			return fmt.Errorf("round %d: no post: %w", r+1, err)
		}
		// People read the message before they press.
		time.Sleep(5 * time.Second)
		answered := srv.Count("answerCallbackQuery")
		gap := time.Second / time.Duration(n)
		for i := range users {
			srv.Press(users[i], loadGroupChat, post.ID, data)
			time.Sleep(gap)
		}
		last := time.Now()
		for srv.Count("answerCallbackQuery") < answered+n {
			time.Sleep(time.Millisecond)
		}
		want := fmt.Sprintf("%d/%d", n, n)
		for {
			if m := latestIn(srv, loadGroupChat, post.ID); strings.Contains(m.Text, want) {
				break
			}
			if time.Since(last) > time.Minute {
				return fmt.Errorf("round %d: the group never showed %s", r+1, want)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(last))
		fmt.Printf("round %2d: %d presses in 1 s; the group showed the last %v after it (edits of the message: %d)\n",
			r+1, n, time.Since(last).Round(time.Millisecond), latestIn(srv, loadGroupChat, post.ID).Edits)
		// Let the group's minute breathe before the next alert.
		time.Sleep(5 * time.Second)
	}
	<-a.Dispatcher.Idle()
	posted := srv.PostedAt(loadGroupChat)
	mostInMinute := 0
	for i := range posted {
		j := i
		for j < len(posted) && posted[j].Sub(posted[i]) < time.Minute {
			j++
		}
		mostInMinute = max(mostInMinute, j-i)
	}
	p50, p99 := quantiles(lat)
	minutes := time.Since(began).Minutes()
	fmt.Printf("group burst: %d rounds of %d presses in one second: last press → group shows it p50 %v, p99 %v; group sends+edits %.1f/min on average, at most %d in any 60 s; 429 answers: %d\n",
		rounds, n, p50.Round(time.Millisecond), p99.Round(time.Millisecond),
		float64(len(posted))/minutes, mostInMinute, srv.Stats().TooMany)
	return nil
}

// latestIn is the current state of message id in chat.
func latestIn(srv *fakeapi.Server, chat int64, id int) fakeapi.Message {
	for _, m := range srv.Messages(chat) {
		if m.ID == id {
			return m
		}
	}
	return fakeapi.Message{}
}
