package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/storage"
)

// pressUser is the Telegram id of generated official i of pressConfig.
func pressUser(i int) int64 { return 3_000_000 + int64(i) }

func pressOfficial(i int) string { return fmt.Sprintf("o-p%03d", i) }

// pressConfig is a town of n staff, all bound through telegram_id, with
// escalation far away. Placeholders: api_url, storage path, listen address.
func pressConfig(n int) string {
	var b strings.Builder
	b.WriteString(`
timezone: Asia/Shanghai
language: zh-CN
telegram:
  api_url: %s
  poll_timeout: 2s
storage:
  path: %s
http:
  listen: %s
delivery:
  global_per_second: 5000
  chat_per_second: 1000
  chat_burst: 100
  group_per_minute: 6000
  request_timeout: 5s
  give_up_after: 10m
units:
  - {id: yjb, name: 应急办}
officials:
  - {id: o-admin, name: 安琪, phone: "13700000001", unit: yjb, roles: [admin]}
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {id: %s, name: 人员%d, phone: \"139%08d\", unit: yjb, roles: [staff], telegram_id: %d}\n",
			pressOfficial(i), i, i, pressUser(i))
	}
	b.WriteString(`escalation:
  policies:
    slow:
      - {after: 30m, action: remind}
  levels: {blue: slow, yellow: slow, orange: slow, red: slow}
`)
	return b.String()
}

// newPressEnv is a crashEnv on pressConfig(n). The processes reach the fake
// Telegram through a proxy that counts the answers to callback queries
// Telegram refuses because they were answered already: presses handled
// twice.
func newPressEnv(t *testing.T, n int) (*crashEnv, *atomic.Int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts dutybot processes")
	}
	srv := fakeapi.New(fakeapi.Options{Token: crashBotToken, BotUsername: "hangu_drill_bot"})
	t.Cleanup(srv.Close)
	for i := 0; i < n; i++ {
		srv.AddUser(fakeapi.User{ID: pressUser(i), FirstName: fmt.Sprint(i), LanguageCode: "zh-hans"})
	}
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if strings.HasSuffix(resp.Request.URL.Path, "/answerCallbackQuery") && resp.StatusCode == http.StatusBadRequest {
			refused.Add(1)
		}
		return nil
	}
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)
	return newConfigEnv(t, srv, proxy.URL, pressConfig(n)), &refused
}

// newConfigEnv is a crashEnv on the configuration cfg, whose placeholders
// are the Bot API's address (apiURL: srv's, or a proxy in front of it), the
// database file and the listen address, written in a directory of its own.
func newConfigEnv(t *testing.T, srv *fakeapi.Server, apiURL, cfg string) *crashEnv {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	e := &crashEnv{t: t, srv: srv, cfgPath: filepath.Join(dir, "dutybot.yaml"), baseURL: "http://" + addr,
		client: &http.Client{Timeout: 5 * time.Second}}
	if err := os.WriteFile(e.cfgPath, []byte(fmt.Sprintf(cfg, apiURL, filepath.Join(dir, "dutybot.db"), addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.killAll)
	return e
}

// dbPath is the database file of a crashEnv made by newConfigEnv.
func (e *crashEnv) dbPath() string { return filepath.Join(filepath.Dir(e.cfgPath), "dutybot.db") }

// TestCrashMidBurstOfPresses kills dutybot with SIGKILL while a burst of
// 300 acknowledge presses is being handled, and starts it again: every
// press is answered and recorded exactly once. Before the durable inbox,
// presses Telegram had handed over but the bot had only in memory were
// confirmed to Telegram and lost: no toast, no record, never redelivered.
func TestCrashMidBurstOfPresses(t *testing.T) {
	const n = 300
	e, refused := newPressEnv(t, n)
	first := e.start("first dutybot")
	e.waitHealthy(first)

	ids := make([]string, n)
	for i := range ids {
		ids[i] = pressOfficial(i)
	}
	targets, _ := json.Marshal(map[string]any{"officials": ids})
	code, data := e.do("POST", "/api/v1/alerts", fmt.Sprintf(`{"title":"按键演练","body":"请确认","level":"red","targets":%s}`, targets))
	if code != http.StatusCreated {
		t.Fatalf("create alert: %d %s", code, data)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
		t.Fatalf("create alert: %s (%v)", data, err)
	}
	tag := "#" + created.ID
	calls := make([]fakeapi.Message, n)
	for i := range calls {
		calls[i] = e.waitMsg(30*time.Second, pressUser(i), "📣 叫应", tag)
	}
	waitUntil(t, 30*time.Second, "every call's delivery recorded", func() bool {
		h, err := e.health()
		return err == nil && h.Outbox == 0
	})

	// The burst: every official presses at once; the bot is killed once a
	// tenth of the presses has been answered.
	answered := e.srv.Count("answerCallbackQuery")
	queries := make([]string, n)
	for i := range queries {
		queries[i] = e.srv.Press(pressUser(i), pressUser(i), calls[i].ID, callout.AckData(created.ID, ids[i]))
	}
	waitUntil(t, 30*time.Second, "the first answers", func() bool {
		return e.srv.Count("answerCallbackQuery")-answered >= n/10
	})
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	atKill := e.srv.Count("answerCallbackQuery") - answered
	t.Logf("killed with %d of %d presses answered, %d not yet confirmed to Telegram", atKill, n, e.srv.Pending())
	if atKill == n {
		t.Fatalf("the burst was over before the kill: nothing tested")
	}

	second := e.start("second dutybot")
	e.waitHealthy(second)
	deadline := time.Now().Add(30 * time.Second)
	for e.unanswered(queries) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	e.waitOutboxEmpty()
	lost := e.unanswered(queries)
	dup := refused.Load()
	t.Logf("after the restart: %d presses never answered, %d answered twice", lost, dup)
	if lost > 0 {
		t.Errorf("%d of %d presses were never answered", lost, n)
	}

	// Stop the second process and read what it recorded.
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
	acks := map[string]int{}
	var acked, inbox int
	err = db.View(func(tx *storage.Tx) error {
		evs, err := tx.AlertEvents(created.ID)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if ev.Type == storage.EvAcked {
				acks[ev.Official]++
			}
		}
		for _, id := range ids {
			r, err := callout.LoadRecipient(tx, created.ID, id)
			if err != nil {
				return err
			}
			if r.State == callout.StateAcked && r.AckedBy == id {
				acked++
			}
		}
		inbox = tx.InboxCount()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if acked != n {
		t.Errorf("%d of %d recipients are recorded as acknowledged", acked, n)
	}
	for _, id := range ids {
		if acks[id] != 1 {
			t.Errorf("%s's acknowledgement is recorded %d times, want 1", id, acks[id])
		}
	}
	if inbox != 0 {
		t.Errorf("%d updates are left in the inbox after a graceful stop with nothing pending", inbox)
	}
}

// unanswered counts the callback queries the bot has not answered.
func (e *crashEnv) unanswered(queries []string) int {
	n := 0
	for _, q := range queries {
		if _, ok := e.srv.Answer(q); !ok {
			n++
		}
	}
	return n
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
