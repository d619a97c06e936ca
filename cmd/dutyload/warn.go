package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/storage"
	"dutybot/weather"
)

// weatherBlock gives the generated town a 熔断 checklist: two counted
// items for each of its 10 units under a rainstorm.
var weatherBlock = strings.ReplaceAll(`weather:
  meltdown:
    confirm_within: 30m
    checklist:
      - {action: evacuate, text: 转移撤离危险区域群众, units: [UNITS], types: [rainstorm], count: true}
      - {action: stop, text: 停止户外作业和在建工地施工, units: [UNITS], count: true}
`, "UNITS", unitIDs())

// others are the generated town's officials besides the n staff, with the
// Telegram ids the load test binds them to.
func others() map[string]int64 {
	m := map[string]int64{"o-leader": 6_000_100, "o-chief": 6_000_101}
	for u := 0; u < 10; u++ {
		m[fmt.Sprintf("o-head%d", u)] = 6_000_000 + int64(u)
	}
	return m
}

// warnLoad sends a red rainstorm warning, which triggers 熔断, to a town
// of n staff (plus 10 unit heads, a 分管领导 and the principal) through
// the weather service, the real outbox and Bot API client, against a fake
// server answering 429 past Telegram's limits. It reports when every
// official had the call, when every unit head had the checklist and the
// issuer the board, the 429 count, and how the board follows a burst of
// confirmations.
func warnLoad(n int) error {
	srv := fakeTelegram(n, fakeapi.TelegramLimits())
	defer srv.Close()
	for id, uid := range others() {
		srv.AddUser(fakeapi.User{ID: uid, FirstName: id})
	}
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := config.Parse([]byte(townYAML(n, srv.URL(), filepath.Join(dir, "db"), "127.0.0.1:0", defaultSteps) + weatherBlock))
	if err != nil {
		return err
	}
	cfg.Telegram.Token = token
	t := &town{dir: dir, cfg: cfg, n: n}
	a, err := t.open(app.Options{})
	if err != nil {
		return err
	}
	if err := a.DB.Update(func(tx *storage.Tx) error {
		for id, uid := range others() {
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: uid, UserID: uid, Source: "config"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	res, err := a.Weather.Issue(weather.Request{Type: "rainstorm", Level: "red", Text: "压测：预计3小时降雨量100毫米以上",
		Issuer: "o-chief", Source: "chat"})
	if err != nil {
		return err
	}
	issued := time.Since(start)
	id := res.Warning.ID
	var called, listed, boarded time.Duration
	heads := make([]int64, 10)
	for u := range heads {
		heads[u] = others()[fmt.Sprintf("o-head%d", u)]
	}
	chief := others()["o-chief"]
	has := func(chat int64, s string) bool {
		for _, m := range srv.Messages(chat) {
			if strings.Contains(m.Text, s) {
				return true
			}
		}
		return false
	}
	for called == 0 || listed == 0 || boarded == 0 {
		// Counting the fake server's messages first keeps this loop from
		// reading a thousand recipients every few milliseconds.
		if called == 0 && srv.Stats().Sent >= res.Recipients {
			v, err := a.Engine.Get(id)
			if err != nil {
				return err
			}
			sent := 0
			for _, r := range v.Recipients {
				if !r.SentAt.IsZero() {
					sent++
				}
			}
			if sent == len(v.Recipients) {
				called = time.Since(start)
			}
		}
		if listed == 0 && srv.Stats().Sent >= res.ItemUnits {
			all := true
			for _, h := range heads {
				all = all && has(h, "🛑 熔断")
			}
			if all {
				listed = time.Since(start)
			}
		}
		if boarded == 0 && has(chief, "📋 熔断看板") {
			boarded = time.Since(start)
		}
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("not delivered within 5 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-a.Dispatcher.Idle()
	st := srv.Stats()
	floor := time.Duration(float64(res.Recipients) / 30 * float64(time.Second))
	fmt.Printf("warn: red rainstorm to %d officials (%d 熔断 items for %d units): stored in %s; every call delivered in %s (floor %s, %+.1f%%); "+
		"every unit head had its checklist after %s, the issuer the board after %s; 429s: %d, sendMessage calls: %d\n",
		res.Recipients, res.Items, res.ItemUnits, issued.Round(time.Millisecond), called.Round(time.Millisecond),
		floor.Round(time.Millisecond), 100*(called.Seconds()-floor.Seconds())/floor.Seconds(),
		listed.Round(time.Millisecond), boarded.Round(time.Millisecond), st.TooMany, srv.Count("sendMessage"))

	// Every head confirms both items at once; the board follows.
	editsBefore := srv.Count("editMessageText")
	start = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, res.Items)
	for u := 0; u < 10; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			for _, it := range []int{2*u + 1, 2*u + 2} {
				if _, err := a.Weather.Confirm(fmt.Sprintf("o-head%d", u), id, it, 10+u, "已落实"); err != nil {
					errs <- err
				}
			}
		}(u)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	confirmed := time.Since(start)
	want := fmt.Sprintf("%d/%d", res.Items, res.Items)
	for !has(chief, want) {
		if time.Since(start) > time.Minute {
			return fmt.Errorf("the board never showed %s", want)
		}
		time.Sleep(2 * time.Millisecond)
	}
	shown := time.Since(start)
	<-a.Dispatcher.Idle()
	fmt.Printf("warn: %d confirmations recorded in %s; the board showed all of them after %s; %d edits in all (board and checklists), 429s: %d\n",
		res.Items, confirmed.Round(time.Millisecond), shown.Round(time.Millisecond),
		srv.Count("editMessageText")-editsBefore, srv.Stats().TooMany-st.TooMany)
	return nil
}
