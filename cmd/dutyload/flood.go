package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/storage"
)

// floodSteps escalates a silent recipient to the principal (the town's
// admin) 2 s after the call reached them.
const floodSteps = "      - {after: 2s, action: escalate, to: principal}\n"

const floodAPIToken = "flood-api-token"

// chiefID is the Telegram id of the town's principal and admin, o-chief.
const chiefID int64 = 4_999_999

// strangerID is the Telegram id of flooding account i.
func strangerID(i int) int64 { return 8_000_000 + int64(i) }

// floodTimes is what one run measured: from the alert's creation over the
// HTTP API until every staff member had the call, and until the admin had
// the escalation notice.
type floodTimes struct {
	officials, admin time.Duration
	takenIn          time.Duration // until the bot had handled the flood
	queued           int           // messages waiting in the outbox when the alert was created
	strangerMsgs     int           // messages the strangers received
	adminNotices     int           // notices about refused bindings the admin received
}

// flood runs the real app against a fake Bot API enforcing Telegram's
// limits; strangers unknown accounts each send /start, a text and someone
// else's contact, and once the bot has taken them in a red alert to n staff
// is created through the HTTP API. It reports how long the call took to reach the staff and the
// escalation the admin, against a run without the flood.
func flood(n, strangers int) error {
	base, err := floodRun(n, 0)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Printf("flood: baseline (no strangers): red call reached all %d officials in %s, the admin's escalation notice (due 2 s after delivery) in %s\n",
		n, base.officials.Round(time.Millisecond), base.admin.Round(time.Millisecond))
	got, err := floodRun(n, strangers)
	if err != nil {
		return fmt.Errorf("flood: %w", err)
	}
	fmt.Printf("flood: %d strangers (%d updates) handled in %s left %d messages queued; a red call created then reached all %d officials in %s (%+.1f s vs baseline), the admin's escalation in %s (%+.1f s); strangers were sent %d messages, the admin %d refusal notices during the run\n",
		strangers, 3*strangers, got.takenIn.Round(100*time.Millisecond), got.queued, n, got.officials.Round(time.Millisecond), (got.officials - base.officials).Seconds(),
		got.admin.Round(time.Millisecond), (got.admin - base.admin).Seconds(), got.strangerMsgs, got.adminNotices)
	return nil
}

func floodRun(n, strangers int) (floodTimes, error) {
	var res floodTimes
	srv := fakeTelegram(n, fakeapi.TelegramLimits())
	defer srv.Close()
	srv.AddUser(fakeapi.User{ID: chiefID, FirstName: "chief"})
	for i := 0; i < strangers; i++ {
		srv.AddUser(fakeapi.User{ID: strangerID(i), FirstName: fmt.Sprint("s", i)})
	}
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	// The principal (and admin) is bound too, to receive the escalation.
	y := strings.Replace(townYAML(n, srv.URL(), filepath.Join(dir, "db"), "127.0.0.1:0", floodSteps),
		"roles: [principal, admin]}", fmt.Sprintf("roles: [principal, admin], telegram_id: %d}", chiefID), 1)
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		return res, err
	}
	cfg.Telegram.Token, cfg.HTTP.APIToken = token, floodAPIToken
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	a, err := app.New(cfg, app.Options{Log: quiet(), Listener: ln})
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := waitFor(30*time.Second, "the bot polling", func() bool { return srv.Count("getUpdates") > 0 }); err != nil {
		return res, err
	}

	flooded := time.Now()
	for i := 0; i < strangers; i++ {
		u := strangerID(i)
		srv.SendText(u, "/start")
		srv.SendText(u, "你好")
		srv.ShareContact(u, "13700000002", chiefID) // someone else's card
	}
	// Once the bot has handled the flood and queued what it answers: a
	// red alert over the API.
	err = waitFor(time.Minute, "the flood handled", func() bool {
		inbox := -1
		_ = a.DB.View(func(tx *storage.Tx) error {
			inbox, res.queued = tx.InboxCount(), tx.QueueLen()
			return nil
		})
		return updatesHandled(a) >= 3*strangers && srv.Pending() == 0 && inbox == 0
	})
	if err != nil {
		return res, err
	}
	start := time.Now()
	res.takenIn = start.Sub(flooded)
	body := fmt.Sprintf(`{"title":"暴雨红色预警","body":"请立即到岗","level":"red","targets":{"officials":["%s"]}}`,
		strings.Join(staffIDs(n), `","`))
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/alerts", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+floodAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, err
	}
	var created struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		return res, fmt.Errorf("create alert: %s %v", resp.Status, err)
	}
	tag := "#" + created.ID
	has := func(chat int64, part string) bool {
		for _, m := range srv.Messages(chat) {
			if strings.Contains(m.Text, tag) && strings.Contains(m.Text, part) {
				return true
			}
		}
		return false
	}
	err = waitFor(15*time.Minute, "the call to every official", func() bool {
		for i := 0; i < n; i++ {
			if !has(userID(i), "叫应") {
				return false
			}
		}
		return true
	})
	if err != nil {
		return res, err
	}
	res.officials = time.Since(start)
	if err := waitFor(15*time.Minute, "the admin's escalation notice", func() bool { return has(chiefID, "叫应升级") }); err != nil {
		return res, err
	}
	res.admin = time.Since(start)
	for i := 0; i < strangers; i++ {
		res.strangerMsgs += len(srv.Messages(strangerID(i)))
	}
	for _, m := range srv.Messages(chiefID) {
		if strings.Contains(m.Text, "绑定被拒绝") {
			res.adminNotices++
		}
	}
	return res, nil
}

// updatesHandled reads the app's count of handled Telegram updates.
func updatesHandled(a *app.App) int {
	mfs, err := a.Registry.Gather()
	if err != nil {
		return 0
	}
	for _, mf := range mfs {
		if mf.GetName() == "dutybot_updates_handled_total" && len(mf.GetMetric()) > 0 {
			return int(mf.GetMetric()[0].GetCounter().GetValue())
		}
	}
	return 0
}
