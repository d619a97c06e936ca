package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/storage"
)

// fanoutUser is the Telegram id of official i of fanoutConfig.
func fanoutUser(i int) int64 { return 4_000_000 + int64(i) }

func fanoutOfficial(i int) string { return fmt.Sprintf("o-f%04d", i) }

// fanoutWorkers is delivery.workers of fanoutConfig: the most messages on
// their way (sent, or waiting for their delivery to be recorded) at once.
const fanoutWorkers = 64

// fanoutConfig is a town of n staff, all bound through telegram_id, whose
// red alerts go out with paid broadcast. Placeholders: api_url, storage
// path, listen address.
func fanoutConfig(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
timezone: Asia/Shanghai
language: zh-CN
telegram:
  api_url: %%s
  poll_timeout: 2s
storage:
  path: %%s
http:
  listen: %%s
delivery:
  chat_burst: 1
  workers: %d
  paid_broadcast: {levels: [red]}
units:
  - {id: yjb, name: 应急办}
officials:
  - {id: o-admin, name: 安琪, phone: "13700000001", unit: yjb, roles: [admin]}
`, fanoutWorkers)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {id: %s, name: 人员%d, phone: \"139%08d\", unit: yjb, roles: [staff], telegram_id: %d}\n",
			fanoutOfficial(i), i, i, fanoutUser(i))
	}
	b.WriteString(`escalation:
  policies:
    slow:
      - {after: 30m, action: remind}
  levels: {blue: slow, yellow: slow, orange: slow, red: slow}
`)
	return b.String()
}

// TestCrashMidPaidFanOut kills dutybot with SIGKILL while a red alert goes
// out to 2,000 officials with paid broadcast, deliveries being recorded in
// groups, and starts it again: nobody goes uncalled, every delivery is
// recorded, and the officials called twice are at most the messages that
// can be on their way at once (delivery.workers): sent, but not yet
// recorded when the process died.
func TestCrashMidPaidFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dutybot processes")
	}
	const n = 2000
	srv := fakeapi.New(fakeapi.Options{Token: crashBotToken, BotUsername: "hangu_drill_bot", Limits: fakeapi.TelegramLimits()})
	t.Cleanup(srv.Close)
	for i := 0; i < n; i++ {
		srv.AddUser(fakeapi.User{ID: fanoutUser(i), FirstName: fmt.Sprint(i), LanguageCode: "zh-hans"})
	}
	e := newConfigEnv(t, srv, srv.URL(), fanoutConfig(n))

	first := e.start("first dutybot")
	e.waitHealthy(first)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fanoutOfficial(i)
	}
	targets, _ := json.Marshal(map[string]any{"officials": ids})
	code, data := e.do("POST", "/api/v1/alerts", fmt.Sprintf(`{"title":"暴雨红色预警","body":"请立即到岗","level":"red","targets":%s}`, targets))
	if code != http.StatusCreated {
		t.Fatalf("create alert: %d %s", code, data)
	}
	var created struct {
		ID           string  `json:"id"`
		PaidMessages int     `json:"paid_messages"`
		Stars        float64 `json:"stars"`
	}
	if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
		t.Fatalf("create alert: %s (%v)", data, err)
	}
	if created.PaidMessages != n || created.Stars != float64(n)/10 {
		t.Errorf("the answer estimates %d paid messages for %.1f Stars, want %d for %.1f", created.PaidMessages, created.Stars, n, float64(n)/10)
	}
	waitUntil(t, 60*time.Second, "a third of the calls out", func() bool { return srv.Stats().Sent >= n/3 })
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	atKill := srv.Stats().Sent
	t.Logf("killed with %d of %d calls sent", atKill, n)
	if atKill >= n {
		t.Fatal("the fan-out was over before the kill: nothing tested")
	}

	second := e.start("second dutybot")
	e.waitHealthy(second)
	waitUntil(t, 120*time.Second, "every official called", func() bool {
		for i := 0; i < n; i++ {
			if len(srv.Messages(fanoutUser(i))) == 0 {
				return false
			}
		}
		return true
	})
	e.waitOutboxEmpty()
	twice := 0
	for i := 0; i < n; i++ {
		if c := len(srv.Messages(fanoutUser(i))); c > 1 {
			twice++
		}
	}
	st := srv.Stats()
	t.Logf("after the restart: %d officials called twice (window: %d on their way at once), %d sends in all, %d paid, %d × 429",
		twice, fanoutWorkers, st.Sent, st.Paid, st.TooMany)
	if twice > fanoutWorkers {
		t.Errorf("%d officials called twice, more than the %d messages that can be on their way at once", twice, fanoutWorkers)
	}
	// A call sent again within a second of its first sending meets the
	// chat's limit: the new process cannot know when the dead one sent.
	// Nothing else may.
	if st.TooMany > twice {
		t.Errorf("%d × 429 from Telegram, more than the %d calls sent twice", st.TooMany, twice)
	}

	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.done:
	case <-time.After(10 * time.Second):
		t.Fatal("second dutybot did not stop")
	}
	db, err := storage.Open(e.dbPath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var unsent, paid int
	err = db.View(func(tx *storage.Tx) error {
		for _, id := range ids {
			r, err := callout.LoadRecipient(tx, created.ID, id)
			if err != nil {
				return err
			}
			if r.SentAt.IsZero() {
				unsent++
			}
			if r.Paid {
				paid++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if unsent != 0 {
		t.Errorf("%d of %d recipients have no delivery recorded", unsent, n)
	}
	if paid != n {
		t.Errorf("%d of %d first calls are recorded as paid, want all", paid, n)
	}
}
